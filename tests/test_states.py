"""``run(..., keep_state=True)`` returns each job's learner state after the last round, checked
against what the trace says the learner saw, with and without delayed feedback."""
import numpy as np
import pytest

import environments
import olearn

ENV = environments.make("bernoulli", means=[0.2, 0.5, 0.8])


def plays_and_rewards(actions, losses, k, upto):
    """UCB1's state (plays n[k], summed rewards s[k]) rebuilt from the trace of the first ``upto`` rounds."""
    n, s = np.zeros(k), np.zeros(k)
    for a, loss in zip(actions[:upto], losses[:upto]):
        n[int(a)] += 1.0
        s[int(a)] += 1.0 - loss
    return np.concatenate([n, s])


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_ucb1_state_is_what_the_trace_says(backend):
    res = olearn.run(olearn.make("ucb1", c=[0.5, 2.0]), ENV, horizon=200, seeds=3, backend=backend, trace=True,
                     keep_state=True)
    assert res.states.shape == (2, 3, 6)
    for c in range(2):
        for s in range(3):
            expected = plays_and_rewards(res.actions[c, s], res.losses[c, s], 3, 200)
            np.testing.assert_array_equal(res.states[c, s], expected)


def test_delayed_feedback_leaves_the_last_d_rounds_undelivered():
    d = 7
    res = olearn.run("ucb1", ENV, horizon=100, seeds=2, trace=True, keep_state=True, delay=olearn.delays.fixed(d))
    for s in range(2):
        expected = plays_and_rewards(res.actions[0, s], res.losses[0, s], 3, 100 - d)
        np.testing.assert_array_equal(res.states[0, s], expected)
        assert res.states[0, s, :3].sum() == 100 - d


def test_states_are_left_out_unless_asked_and_equal_across_backends():
    assert olearn.run("exp3", ENV, horizon=20, seeds=2).states is None
    py = olearn.run("exp3", ENV, horizon=50, seeds=[1, 5], backend="python", keep_state=True)
    cpu = olearn.run("exp3", ENV, horizon=50, seeds=[1, 5], backend="cpu", keep_state=True)
    assert np.array_equal(py.states, cpu.states) and py.states.shape == (1, 2, 6)
