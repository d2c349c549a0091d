"""``run(..., keep_state=True)`` returns each job's learner state after the last round, checked
against what the trace says the learner saw, with and without delayed feedback."""
import numpy as np
import pytest

import environments
import olearn

ENV = environments.make("bernoulli", means=[0.2, 0.5, 0.8])


def plays_and_rewards(actions, losses, k, upto):
    """UCB1's state (plays n[k], summed rewards s[k], then for played arms the mean s[k] / n[k] and
    sqrt(1 / n[k]), 0 for the others) rebuilt from the trace of the first ``upto`` rounds."""
    n, s = np.zeros(k), np.zeros(k)
    for a, loss in zip(actions[:upto], losses[:upto]):
        n[int(a)] += 1.0
        s[int(a)] += 1.0 - loss
    played = n > 0
    mean = np.divide(s, n, out=np.zeros(k), where=played)
    root = np.sqrt(np.divide(1.0, n, out=np.zeros(k), where=played))
    return np.concatenate([n, s, mean, root])


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_ucb1_state_is_what_the_trace_says(backend):
    res = olearn.run(olearn.make("ucb1", c=[0.5, 2.0]), ENV, horizon=200, seeds=3, backend=backend, trace=True,
                     keep_state=True)
    assert res.states.shape == (2, 3, 12)
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


@pytest.mark.parametrize("name, params", [("exp3", {"eta": 0.3}), ("tsallis_inf", {}), ("thompson", {})])
def test_a_stepwise_learner_continues_a_batch_seed_exactly(name, params):
    """Rounds 0..99 in a batch run, then rounds 100..159 step-wise from the returned state, give the
    actions of one batch run of 160 rounds fed the same losses (a step size fixed, since EXP3's
    default depends on the horizon)."""
    seed = 4
    whole = olearn.run(olearn.make(name, **params), ENV, horizon=160, seeds=[seed], trace=True, backend="python")
    first = olearn.run(olearn.make(name, **params), ENV, horizon=100, seeds=[seed], keep_state=True, backend="python")
    tuner = olearn.stepwise(olearn.make(name, n_arms=3, **params), seed=seed, state=first.states[0, 0], start=100,
                            backend="python")
    for t in range(100, 160):
        a = tuner.act()
        assert a == whole.actions[0, 0, t]
        tuner.update(a, whole.losses[0, 0, t])


def test_stepwise_state_and_start_errors_name_the_parameter():
    with pytest.raises(olearn.ParameterError, match="state"):
        olearn.stepwise(olearn.make("ucb1", n_arms=3), state=np.zeros(5))
    with pytest.raises(olearn.ParameterError, match="start"):
        olearn.stepwise(olearn.make("ucb1", n_arms=3), start=-1)
