"""Delayed feedback: round s's feedback reaches the learner at the end of round s + d_s.

A recording learner (plain Python kernels, python backend) logs every act and update, which
shows exactly when each round's feedback is delivered and in which order; UCB1's first actions
under a fixed delay are derived by hand; and every learner's delayed trajectory equals the
reference driver's (tests/reference.py, which delivers events independently).
"""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.core import rng
from olearn.core.params import Param
from olearn.core.spec import LearnerType

H = 40
K = 3
LOSSES = np.round(np.random.default_rng(11).random((H, K)), 3)

# ---------------------------------------------------------------- a learner that logs its calls

LOG = []


def _rec_init(state, params, seed):
    state[0] = 0.0


def _rec_act(state, params, obs, t, seed, action):
    LOG.append(("act", t, seed))
    action[0] = (t * 7 + 1) % int(params[0])


def _rec_update(state, params, obs, action, feedback, t, seed):
    LOG.append(("update", t, int(action[0]), float(feedback[0]), seed))


RECORDER = LearnerType(
    name="recorder", summary="logs its calls", feedback="bandit",
    params=(Param("n_arms", None, "arms", kind="int", low=1, optional=True),),
    state_size=lambda v, k, d: 1, row=lambda v, k, d, h: [k],
    init=_rec_init, act=_rec_act, update=_rec_update,
)


def recorded(delay, seed=5, horizon=H):
    """[(round t, [emission rounds delivered at the end of t, in order])] and the update records."""
    LOG.clear()
    env = environments.make("loss_matrix", losses=LOSSES)
    res = olearn.run(RECORDER.make(), env, horizon=horizon, seeds=[seed], backend="python", delay=delay, trace=True)
    rounds, current = [], None
    updates = []
    for entry in LOG:
        if entry[0] == "act":
            current = (entry[1], [])
            rounds.append(current)
        else:
            current[1].append(entry[1])
            updates.append(entry)
    return rounds, updates, res


def expected_arrivals(delays, horizon):
    """Emission rounds delivered at the end of each round: those with s + d_s == t, by emission round."""
    return [(t, [s for s in range(t + 1) if s + delays[s] == t]) for t in range(horizon)]


@pytest.mark.parametrize("d", [0, 1, 3, H - 1, H, H + 5, 10**12])
def test_fixed_delay_delivers_round_s_at_the_end_of_round_s_plus_d(d):
    rounds, updates, res = recorded(olearn.delays.fixed(d))
    assert rounds == expected_arrivals([d] * H, H)
    # each update carries the action chosen at round s and that round's loss
    for _, s, arm, fb, seed in updates:
        assert arm == (s * 7 + 1) % K and fb == LOSSES[s, arm] and seed == 5
    assert len(updates) == max(H - d, 0)  # feedback still pending at the horizon is never delivered


def test_integer_delay_is_a_fixed_delay():
    assert recorded(2)[0] == recorded(olearn.delays.fixed(2))[0] == expected_arrivals([2] * H, H)


@pytest.mark.parametrize("seed", [0, 5, 123])
def test_uniform_delay_arrival_order(seed):
    """d_s = floor(u (D + 1)), u = uniform(seed, DELAY, s, 0); events due together arrive by emission round."""
    D = 4
    rounds, updates, _ = recorded(olearn.delays.uniform(D), seed=seed)
    delays = [int(math.floor(rng.uniform(seed, rng.DELAY, s, 0) * (D + 1))) for s in range(H)]
    assert set(delays) == set(range(D + 1))  # the draw covers all delays here
    want = expected_arrivals(delays, H)
    assert rounds == want
    assert any(len(arrived) >= 2 for _, arrived in want), "no simultaneous arrivals: the order check would be vacuous"


def test_sequence_delay_arrival_order():
    seq = [5, 0, 3, 1, 0, 0, 2, 9, 1, 0] * (H // 10)
    rounds, _, _ = recorded(olearn.delays.sequence(seq))
    want = expected_arrivals(seq, H)
    assert rounds == want
    # by hand: the end of round 5 delivers rounds 0 (0 + 5), 2 (2 + 3) and 5 (5 + 0), in that order,
    # round 9 delivers 8 (8 + 1) and 9 (9 + 0) but not 7 (7 + 9 = 16); round 15 delivers 10, 12 and 15
    assert dict(rounds)[5] == [0, 2, 5]
    assert dict(rounds)[9] == [8, 9]
    assert dict(rounds)[15] == [10, 12, 15]
    assert dict(rounds)[16] == [7]


# ---------------------------------------------------------------- UCB1 under a fixed delay, derived by hand


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("d", [1, 2, 4])
def test_ucb1_keeps_playing_an_arm_until_its_feedback_arrives(d, backend):
    """An arm is "unplayed" (n = 0) until its first feedback is delivered, d rounds after it was played:
    arm 0 is played in rounds 0..d, arm 1 in rounds d+1..2d+1, ..., so the first K(d+1) actions are
    each arm repeated d + 1 times; then every arm has n >= 1."""
    means = [0.2, 0.5, 0.8]
    env = environments.make("bernoulli", means=means)
    res = olearn.run(olearn.make("ucb1"), env, horizon=H, seeds=[0, 1], backend=backend, trace=True,
                     delay=olearn.delays.fixed(d))
    first = np.repeat(np.arange(K), d + 1)
    for j in range(2):
        assert res.actions[0, j, : first.size].tolist() == first.tolist()
    # and without delay it is simply 0, 1, 2
    plain = olearn.run(olearn.make("ucb1"), env, horizon=K, seeds=1, backend="python", trace=True)
    assert plain.actions[0, 0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_a_delay_far_beyond_the_horizon_needs_no_buffer_for_it(backend):
    """Feedback due at or after the horizon is never delivered, so a delay of 10^12 runs as one of the
    horizon does (its ring buffer had been sized by the delay: 22 TiB)."""
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    far = [olearn.delays.fixed(10**12), olearn.delays.uniform(10**12), olearn.delays.sequence([0, 0, 10**12] * 10)]
    near = [olearn.delays.fixed(30), olearn.delays.fixed(30), olearn.delays.sequence([0, 0, 30] * 10)]  # uniform(10^12): none due
    for a, b in zip(far, near):
        run_a = olearn.run(olearn.make("ucb1"), env, horizon=30, seeds=3, backend=backend, trace=True, delay=a)
        run_b = olearn.run(olearn.make("ucb1"), env, horizon=30, seeds=3, backend=backend, trace=True, delay=b)
        np.testing.assert_array_equal(run_a.actions, run_b.actions)
    rounds, _, _ = recorded(olearn.delays.sequence([0, 0, 10**12] * (H // 3 + 1)))
    assert rounds == expected_arrivals([0, 0, 10**12] * (H // 3 + 1), H)


def test_a_delay_sequence_of_non_numbers_is_refused():
    for bad in (["a", "b"], [None], [[1, 2], [3]], [1.5], [-1], []):
        with pytest.raises(olearn.ParameterError, match="'sequence'.*non-empty list of integers >= 0"):
            olearn.delays.sequence(bad)


def test_ucb1_with_delay_beyond_the_horizon_never_learns():
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    res = olearn.run(olearn.make("ucb1"), env, horizon=30, seeds=2, backend="python", trace=True, delay=30, metrics=["counts"])
    assert np.all(res.actions == 0)
    assert res.final("count[0]").tolist() == [[30.0, 30.0]]


# ---------------------------------------------------------------- every learner against the reference driver

CASES = [("ucb1", {}), ("kl_ucb", {"c": 3.0}), ("epsilon_greedy", {"epsilon": 0.3}), ("exp3", {"eta": 0.5}),
         ("tsallis_inf", {}), ("hedge", {}), ("thompson", {}), ("gaussian_thompson", {"sigma": 0.5}),
         ("explore_then_commit", {"m": 1}), ("m_ucb", {"window": 4, "threshold": 0.5, "gamma": 0.4}),
         ("rexp3", {"batch": 5}), ("cusum_ucb", {"samples": 2, "threshold": 0.4, "alpha": 0.2}),
         ("pht_ucb", {"threshold": 0.4, "alpha": 0.2}), ("glr_klucb", {"alpha": 0.3, "delta": 0.9, "capacity": H})]


def _delay_values(delay, seed):
    if delay.kind == 0:
        return [delay.max_delay] * H
    if delay.kind == 1:
        return [int(math.floor(rng.uniform(seed, rng.DELAY, s, 0) * (delay.max_delay + 1))) for s in range(H)]
    return list(delay.values)


@pytest.mark.parametrize("name, params", CASES, ids=[c[0] for c in CASES])
def test_delayed_trajectory_matches_reference(name, params):
    env = environments.make("bernoulli", means=[0.3, 0.6, 0.6, 0.9])
    delays = {"fixed": olearn.delays.fixed(3), "uniform": olearn.delays.uniform(5),
              "sequence": olearn.delays.sequence(list(np.random.default_rng(9).integers(0, 7, H)))}
    seeds = [2, 3]
    for dname, delay in delays.items():
        res = olearn.run(olearn.make(name, **params), env, horizon=H, seeds=seeds, backend="python", trace=True, delay=delay)
        for j, seed in enumerate(seeds):
            actions, losses = reference.reference_run(name, params, reference.env_loss(env, seed), 4, H, seed,
                                                      delays=_delay_values(delay, seed))
            np.testing.assert_array_equal(res.actions[0, j], actions, err_msg=f"{name}, {dname} delay, seed {seed}")
            np.testing.assert_array_equal(res.losses[0, j], losses)


def test_a_learner_that_needs_same_round_feedback_refuses_a_delay():
    import environments

    env = environments.make("sea_quadratic", dim=2)
    with pytest.raises(olearn.ParameterError, match="'delay'.*sea_ensemble"):
        olearn.run(olearn.make("sea_ensemble"), env, horizon=20, seeds=1, delay=olearn.delays.fixed(5))
    olearn.run(olearn.make("sea_ensemble"), env, horizon=20, seeds=1, delay=0, backend="python")  # no delay: runs
