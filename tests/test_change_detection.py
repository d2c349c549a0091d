"""M-UCB (Cao, Wen, Kveton and Xie, AISTATS 2019): UCB since the last detected change, forced round robin, and
a two-half window change detector on each arm; CUSUM-UCB (Liu, Lee and Shroff, AAAI 2018): UCB on each arm's
samples since its own alarm, uniform exploration, and a two-sided CUSUM test per arm.

Backend parity, the GPU path and the conformance checks run with every registered learner
(tests/test_parity.py, tests/test_gpu.py, tests/test_conformance.py).  Here, against independent truth:

* a slow reference written from their Algorithm 1 (lists of each arm's rewards since the restart, NumPy sums of
  the halves of the last w) plays the same piecewise world: the engine's arms are its arms, round by round,
  and its alarms are the engine's, with at least one detected change;
* the detector at their b = sqrt(w ln(2 K T^2) / 2) and Remark 1's w for a change of size delta: on one arm
  whose mean jumps by delta, the alarm comes within w / 2 plays of the change for every seed (their delay
  lemma: probability at least 1 - 1/T each); with no change, the seeds with a false alarm are as few as the
  false-alarm bound T * 2 exp(-2 b^2 / w) allows (Hoeffding, their false-alarm lemma), at their b and at a
  smaller b where that bound is 1/2;
* on ``piecewise_bernoulli`` with three changes it detects each change once and its dynamic regret is far
  below UCB1's; with their Theorem 1 gamma (a third of the rounds forced) it is above sliding-window UCB's
  with the window of Garivier and Moulines' analysis, with gamma = 0.05 below it;
* CUSUM-UCB and PHT-UCB: the slow references (tests/reference.py, the test recomputed from each arm's whole
  list) play the same arms and raise the same alarms; on one arm whose mean jumps, CUSUM's alarm comes after
  the change and its mean delay is within Wald's bound; on the three-change world their dynamic regrets are
  far below UCB1's;
* GLR-klUCB: the slow reference (the GLR statistic over every split by NumPy sums, the kl-UCB index by
  bisection) plays the same arms and raises the same alarms, also with the test subsampled; on the
  three-change world it restarts exactly three times on every seed and pays under a third of UCB1's regret.
"""
import functools
import math

import numpy as np
import pytest
from scipy import stats

import environments
import olearn
import reference
from olearn.core.errors import ParameterError
from olearn.learners.nonstationary import m_ucb_window


def slow_m_ucb(loss, k, horizon, w, b, gamma):
    """Algorithm 1 with 1-based rounds t and arms as in the paper: A = (t - tau) mod floor(K / gamma); A in
    {1..K} plays arm A, else argmax mean + sqrt(2 ln(t - tau) / n); after the play, with n >= w samples since
    the restart, alarm when |sum of the last w/2 - sum of the w/2 before| > b, and then tau = t and every
    arm's samples are dropped.  Returns the 0-based arms played and the (0-based) rounds of the alarms."""
    period = math.floor(k / gamma)
    tau = 0
    samples = [[] for _ in range(k)]
    arms, alarms = [], []
    for t in range(1, horizon + 1):
        a = (t - tau) % period
        if 1 <= a <= k:
            arm = a - 1
        else:
            n = np.array([len(x) for x in samples], dtype=float)
            if np.any(n == 0):
                arm = int(np.argmax(n == 0))
            else:
                means = np.array([np.mean(x) for x in samples])
                arm = int(np.argmax(means + np.sqrt(2.0 * math.log(t - tau) / n)))
        arms.append(arm)
        samples[arm].append(1.0 - loss(t - 1, arm))
        if len(samples[arm]) >= w:
            last = np.array(samples[arm][-w:])
            if abs(last[w // 2:].sum() - last[: w // 2].sum()) > b:
                tau = t
                samples = [[] for _ in range(k)]
                alarms.append(t - 1)
    return np.array(arms), alarms


def test_engine_plays_the_slow_reference_of_algorithm_1():
    means = [[0.8, 0.5, 0.3], [0.2, 0.5, 0.3], [0.2, 0.5, 0.9]]
    env = environments.make("piecewise_bernoulli", means=means, change_points=[120, 260])
    horizon, w, b, gamma = 400, 12, 3.5, 0.3  # floor(3 / 0.3) = 10: round robin in 3 rounds of every 10
    res = olearn.run(olearn.make("m_ucb", window=w, threshold=b, gamma=gamma), env, horizon=horizon,
                     seeds=[0, 1, 2], backend="python", trace=True, keep_state=True)
    total_alarms = 0
    for j, seed in enumerate([0, 1, 2]):
        arms, alarms = slow_m_ucb(reference.env_loss(env, seed), 3, horizon, w, b, gamma)
        np.testing.assert_array_equal(res.actions[0, j].astype(int), arms)
        state = res.states[0, j]
        assert state[7] == len(alarms)  # alarms counted after N[3], S[3] and tau
        if alarms:
            assert state[6] == alarms[-1] + 1
        total_alarms += len(alarms)
    assert total_alarms >= 3


def _alarm_state(env, horizon, seeds, **params):
    # the metric of on_three_changes below: one compiled loop per learner and world in this file
    res = olearn.run(olearn.make("m_ucb", **params), env, horizon=horizon, seeds=seeds, backend="cpu",
                     keep_state=True, progress=False, metrics=["dynamic_regret"])
    k = env.n_actions
    return res.states[0, :, 2 * k], res.states[0, :, 2 * k + 1]  # tau (first round after the last alarm), alarms


def test_a_change_of_size_delta_is_detected_within_half_a_window():
    """One arm, mean 0.15 then 0.15 + delta from round 600 (so every round plays it): with Remark 1's w and
    their b, the one alarm is at a round in [600, 600 + w/2) for each of 100 seeds, each failing with
    probability at most 1/T by their delay lemma, and none before 600 (false alarm at most 1/(K T))."""
    delta, horizon, change = 0.8, 1200, 600
    w = m_ucb_window(delta, 1, horizon)
    exact = 4 / delta**2 * (math.sqrt(math.log(2 * horizon**2)) + math.sqrt(math.log(2 * horizon))) ** 2
    assert w % 2 == 0 and exact <= w < exact + 2
    env = environments.make("piecewise_bernoulli", means=[[0.15], [0.95]], change_points=[change])
    seeds = 100
    # stop at the first alarm: run until change + w/2 and require exactly one alarm, at a round in range
    tau, alarms = _alarm_state(env, change + w // 2, range(seeds), window=w, gamma=0.0)
    detected = tau - 1
    assert np.all(alarms == 1), np.unique(alarms, return_counts=True)
    assert np.all((detected >= change) & (detected < change + w // 2))
    print(f"w = {w}: alarm delays (plays after the change) {np.percentile(detected - change, [0, 50, 100])}")


@pytest.mark.parametrize("scale", ["paper", "half"])
def test_false_alarms_stay_within_the_hoeffding_bound(scale):
    """One stationary arm (mean 0.5, the largest variance): one test alarms with probability at most 2 exp(-2 b^2 / w), and a run
    tests at most T times, so P(any alarm in T rounds) <= 2 T exp(-2 b^2 / w): 1 / (K T) at their b, 1/2 at
    b = sqrt(w ln(4T) / 2).  The number of seeds with an alarm must be plausible under that rate (binomial
    tail above 1e-3); at the smaller b alarms must also occur (the detector is live)."""
    horizon, w, k, seeds = 3000, 40, 1, 400
    b = math.sqrt(w * math.log(2 * k * horizon**2) / 2) if scale == "paper" else math.sqrt(w * math.log(4 * horizon) / 2)
    bound = 2 * horizon * math.exp(-2 * b * b / w)
    env = environments.make("piecewise_bernoulli", means=[[0.5]], change_points=[])  # one arm, one segment
    _, alarms = _alarm_state(env, horizon, range(seeds), window=w, threshold=b, gamma=0.1)
    with_alarm = int(np.sum(alarms > 0))
    assert stats.binom.sf(with_alarm - 1, seeds, min(bound, 1.0)) > 1e-3, (with_alarm, bound)
    if scale == "half":
        assert bound == pytest.approx(0.5)
        assert with_alarm > 0


THREE_CHANGES = {"means": [[0.8, 0.5, 0.6], [0.4, 0.5, 0.6], [0.4, 0.9, 0.6], [0.7, 0.3, 0.6]],
                 "change_points": [5_000, 10_000, 15_000]}
THREE_CHANGES_T, THREE_CHANGES_SEEDS = 20_000, 20


@functools.lru_cache(maxsize=None)
def on_three_changes(name, **params):
    """(dynamic regret at T per seed, final states) of a learner on the three-change world, 20 seeds; UCB1's, which
    several tests compare with, runs once."""
    env = environments.make("piecewise_bernoulli", **THREE_CHANGES)
    res = olearn.run(olearn.make(name, **params), env, horizon=THREE_CHANGES_T, seeds=THREE_CHANGES_SEEDS, backend="cpu",
                     metrics=["dynamic_regret"], checkpoints=[THREE_CHANGES_T], progress=False, keep_state=True)
    return res.final("dynamic_regret")[0], res.states[0]


def test_regret_on_three_changes_against_ucb1_and_sliding_window_ucb():
    """Three changes in 20,000 rounds of three Bernoulli arms, each moving some arm by at least 0.3 (the world
    of experiments/configs/switching_means.toml).  M-UCB with Remark 1's w for delta = 0.4 and their b detects
    each change exactly once on every seed and its dynamic regret is far below UCB1's, which keeps playing an
    arm that turned bad.  Their Theorem 1 gamma for M - 1 = 3 changes is 0.32 here (round robin in 3 rounds of
    every 9), so it does not beat SW-UCB with Garivier and Moulines' window 2 sqrt(T ln T / Upsilon) = 514;
    with gamma = 0.05 and the same detector it does (measured: 1,430 and 610 against 2,070 and 705)."""
    horizon = THREE_CHANGES_T
    w = m_ucb_window(0.4, 3, horizon)
    paper, paper_state = on_three_changes("m_ucb", window=w, breakpoints=3, delta=0.4)
    low_gamma, low_gamma_state = on_three_changes("m_ucb", window=w, gamma=0.05)
    ucb1, _ = on_three_changes("ucb1")
    sw, _ = on_three_changes("sliding_window_ucb", tau=math.ceil(2 * math.sqrt(horizon * math.log(horizon) / 3)))
    print(f"dynamic regret: m_ucb {paper.mean():.0f} (gamma 0.05: {low_gamma.mean():.0f}), ucb1 {ucb1.mean():.0f}, "
          f"sliding_window_ucb {sw.mean():.0f}")
    assert np.all(paper_state[:, 7] == 3) and np.all(low_gamma_state[:, 7] == 3)
    se = lambda x, y: math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)  # noqa: E731
    assert paper.mean() + 4 * se(paper, ucb1) < 0.8 * ucb1.mean(), (paper.mean(), ucb1.mean())
    assert paper.mean() > sw.mean() + 4 * se(paper, sw), (paper.mean(), sw.mean())
    assert low_gamma.mean() + 4 * se(low_gamma, sw) < sw.mean(), (low_gamma.mean(), sw.mean())


def test_an_odd_window_is_refused_by_name():
    env = environments.make("bernoulli", means=[0.5, 0.4])
    with pytest.raises(ParameterError, match="window"):
        olearn.run(olearn.make("m_ucb", window=7), env, horizon=5, backend="python")
    with pytest.raises(ParameterError, match="delta"):
        m_ucb_window(0.0, 2, 100)


@pytest.mark.parametrize("name, make_reference, params, alarms_at", [
    ("cusum_ucb", reference.CUSUMUCB, {"samples": 20, "epsilon": 0.05, "threshold": 2.0, "alpha": 0.1}, 15),
    ("pht_ucb", reference.PHTUCB, {"epsilon": 0.05, "threshold": 2.0, "alpha": 0.1}, 15),
    ("glr_klucb", reference.GLRklUCB, {"alpha": 0.1, "delta": 0.05, "capacity": 400}, 7),
    ("glr_klucb", reference.GLRklUCB, {"alpha": 0.1, "delta": 0.05, "test_every": 3, "split_every": 4, "capacity": 400}, 7),
])
def test_change_detectors_play_the_slow_reference_and_raise_its_alarms(name, make_reference, params, alarms_at):
    """alarms_at: where the state counts alarms (CUSUM and PHT: after five numbers per arm; GLR: after N, S, tau)."""
    means = [[0.8, 0.5, 0.3], [0.2, 0.5, 0.3], [0.2, 0.5, 0.9]]
    env = environments.make("piecewise_bernoulli", means=means, change_points=[120, 260])
    horizon = 400
    res = olearn.run(olearn.make(name, **params), env, horizon=horizon, seeds=[0, 1, 2], backend="python",
                     trace=True, keep_state=True)
    total = 0
    for j, seed in enumerate([0, 1, 2]):
        ref = make_reference(3, horizon, seed=seed, **params)
        arms, _ = reference.play(ref, reference.env_loss(env, seed), 3, horizon)
        np.testing.assert_array_equal(res.actions[0, j].astype(int), arms)
        assert res.states[0, j, alarms_at] == len(ref.alarms)
        total += len(ref.alarms)
    assert total >= 2
    if name == "glr_klucb":  # the splits fall between blocks of Delta_s rewards: a sum per block, per arm
        assert res.states.shape[-1] == 2 * 3 + 2 + 3 * math.ceil(params["capacity"] / params.get("split_every", 1))


def test_cusum_alarm_follows_a_jump_within_walds_bound():
    """One arm, mean 0.15 then 0.95 from round 600, M = 100, eps = 0.2, h = ln T: every seed alarms once, after
    the change (run until M plays past it: the restarted test needs M samples again).  Given u_0, each later
    reward adds y - u_0 - eps to g+, of mean 0.75 - u_0 > 0, and g+ is at least that sum (the floor at 0 only
    raises it), so by Wald's identity the plays until g+ > h are at most (h + 0.8 - u_0) / (0.75 - u_0) in
    expectation; averaged over u_0 ~ Binomial(M, 0.15) / M (P(u_0 >= 0.5) < 1e-15 left out) that is 12.04
    (measured mean 11.05 over 200 seeds)."""
    horizon, change, m, eps = 700, 600, 100, 0.2
    env = environments.make("piecewise_bernoulli", means=[[0.15], [0.95]], change_points=[change])
    res = olearn.run(olearn.make("cusum_ucb", samples=m, epsilon=eps), env, horizon=horizon, seeds=200, backend="cpu",
                     keep_state=True, checkpoints=[horizon], progress=False, metrics=["dynamic_regret"])  # as on_three_changes
    plays_since, alarms = res.states[0, :, 0], res.states[0, :, 5]
    assert np.all(alarms == 1)
    delay = (horizon - 1 - plays_since) - change + 1  # the alarming reward's round, counted in plays after the change
    assert np.all(delay >= 1)
    h = math.log(horizon)
    k = np.arange(50)
    u0 = k / m
    bound = np.sum(stats.binom.pmf(k, m, 0.15) * (h + 1 - u0 - eps) / (0.95 - u0 - eps))
    assert stats.binom.sf(49, m, 0.15) < 1e-15
    assert delay.mean() <= bound + 3 * delay.std(ddof=1) / math.sqrt(delay.size), (delay.mean(), bound)


def test_cusum_and_pht_ucb_regret_on_three_changes():
    """The three-change world above: with the defaults (h = ln(T / 3), alpha = sqrt(3 ln(T / 3) / T), M = 100, eps =
    0.05) CUSUM-UCB's and PHT-UCB's dynamic regrets are under 0.6 of UCB1's (measured 777 and 904 against 2,066 on
    20 seeds; SW-UCB with the analysis's window 705, D-UCB 1,534).  Their tests also alarm where nothing changed
    (23 and 16 alarms per run against 4 changed arm means): at h = ln(T / Upsilon) a stationary arm's statistic
    crosses h now and then, and a false alarm costs only the restarted arm's samples.  On the same world with its
    means held (nothing changes) they alarm 10.5 and 4.2 times per run: the changes add 12.7 and 12.2 alarms, and
    a test that alarmed on a timer (every 200 plays of an arm: about 98 alarms, changes or not, an audit measured)
    fails both checks."""
    seeds = THREE_CHANGES_SEEDS
    ucb1, _ = on_three_changes("ucb1")
    held = environments.make("piecewise_bernoulli", means=[THREE_CHANGES["means"][0]] * 4,
                             change_points=THREE_CHANGES["change_points"])
    for name in ("cusum_ucb", "pht_ucb"):
        regret, states = on_three_changes(name, breakpoints=3)
        alarms = states[:, 15]
        still = olearn.run(olearn.make(name, breakpoints=3), held, horizon=THREE_CHANGES_T, seeds=seeds, backend="cpu",
                           keep_state=True, checkpoints=[THREE_CHANGES_T], progress=False,
                           metrics=["dynamic_regret"]).states[0, :, 15]  # as on_three_changes: one compiled loop
        print(f"dynamic regret: {name} {regret.mean():.0f}, ucb1 {ucb1.mean():.0f}; alarms {alarms.mean()}, "
              f"without changes {still.mean()}")
        se = math.sqrt(regret.var(ddof=1) / seeds + ucb1.var(ddof=1) / seeds)
        assert regret.mean() + 4 * se < 0.6 * ucb1.mean()
        assert np.all(alarms >= 3) and still.mean() < 20.0
        assert alarms.mean() - still.mean() > 3 + 4 * math.sqrt((alarms.var(ddof=1) + still.var(ddof=1)) / seeds)


def test_glr_klucb_detects_each_of_three_changes_once():
    """The three-change world: GLR-klUCB with their tuning for 3 breakpoints (delta = 1/sqrt(3T), alpha =
    sqrt(3 ln T / T)), testing every 10th reward at every 10th split (their speed-up), restarts exactly three
    times on every seed and its dynamic regret is under a third of UCB1's (measured 348 against 2,066 on 20
    seeds; 388 with every reward and split tested, 26 s instead of 3; CUSUM-UCB 777, SW-UCB 705)."""
    seeds = THREE_CHANGES_SEEDS
    glr, states = on_three_changes("glr_klucb", breakpoints=3, test_every=10, split_every=10)
    ucb1, _ = on_three_changes("ucb1")
    assert np.all(states[:, 7] == 3)
    se = math.sqrt(glr.var(ddof=1) / seeds + ucb1.var(ddof=1) / seeds)
    assert glr.mean() + 4 * se < ucb1.mean() / 3, (glr.mean(), ucb1.mean())


def test_glr_klucb_takes_rewards_outside_0_1_on_every_backend():
    """The Bernoulli GLR clips its means to [0, 1]; a clipped mean of 0 or 1 against one that is not makes kl
    infinite (an alarm), which the python backend raised as a division by zero where numba gave inf."""
    env = environments.make("gaussian", means=[0.2, 0.5, 0.8], sigma=1e6)
    learner = olearn.make("glr_klucb")
    py = olearn.run(learner, env, horizon=40, seeds=[0, 1], backend="python", trace=True, keep_state=True)
    cpu = olearn.run(learner, env, horizon=40, seeds=[0, 1], backend="cpu", trace=True, keep_state=True)
    np.testing.assert_array_equal(py.actions, cpu.actions)
    np.testing.assert_array_equal(py.states, cpu.states)
    assert np.all(np.isfinite(py.states)) and np.all(py.states[0, :, 7] > 0)  # alarms restarted it (the count at 2K + 1)


@pytest.mark.parametrize("name", ["cusum_ucb", "pht_ucb"])
def test_a_delayed_reward_of_a_round_before_its_arms_restart_is_dropped(name):
    """Local restarts: an alarm of arm a after round s sets tau_a = s + 1 (after N, S, the first-M sums, g+, g-
    and the alarm count); a delayed reward of arm a from a round s < tau_a is dropped, another arm's counts."""
    k = 3
    table, size = olearn.make(name, threshold=5.0).bind(k, 0, 100)
    row = table[0]
    learner = olearn.learners.REGISTRY[name]
    state = np.zeros(size)
    learner.init(state, row, 4)
    state[5 * k + 1 + 1] = 10.0  # arm 1 restarted after round 9
    before = state.copy()
    for s in (0, 5, 9):
        learner.update(state, row, np.zeros(0), np.array([1.0]), np.array([0.0]), s, 4)
    np.testing.assert_array_equal(state, before)
    learner.update(state, row, np.zeros(0), np.array([2.0]), np.array([0.0]), 5, 4)
    learner.update(state, row, np.zeros(0), np.array([1.0]), np.array([0.0]), 10, 4)
    assert (state[1], state[k + 1], state[2], state[k + 2]) == (1.0, 1.0, 1.0, 1.0)  # N_1, S_1, N_2, S_2
    # an alarm sets its arm's tau: PHT with eps = 0 and h = 0.3 alarms on the second of rewards 0 and 1
    table, size = olearn.make("pht_ucb", epsilon=0.0, threshold=0.3).bind(k, 0, 100)
    state = np.zeros(size)
    for s, loss in ((3, 1.0), (7, 0.0)):
        olearn.learners.REGISTRY["pht_ucb"].update(state, table[0], np.zeros(0), np.array([2.0]), np.array([loss]), s, 4)
    assert (state[5 * k], state[5 * k + 1 + 2], state[2]) == (1.0, 8.0, 0.0)


@pytest.mark.parametrize("name", ["m_ucb", "glr_klucb"])
def test_a_delayed_reward_of_a_round_before_the_restart_is_dropped(name):
    """Global restarts set tau = s + 1; a reward emitted at a round s < tau and delivered later (delayed feedback)
    belongs to what the restart forgot: update leaves the state as it was.  From tau on it counts.  (The
    delayed reference trajectories of tests/test_delays.py exercise M-UCB's case; this one both.)"""
    k = 3
    table, size = olearn.make(name).bind(k, 0, 100)
    row = table[0]
    learner = olearn.learners.REGISTRY[name]
    state = np.zeros(size)
    learner.init(state, row, 4)
    state[2 * k] = 10.0  # tau: the first round after a restart at round 9
    before = state.copy()
    for s in (0, 5, 9):
        learner.update(state, row, np.zeros(0), np.array([1.0]), np.array([0.0]), s, 4)
    np.testing.assert_array_equal(state, before)
    learner.update(state, row, np.zeros(0), np.array([1.0]), np.array([0.0]), 10, 4)
    assert (state[1], state[k + 1]) == (1.0, 1.0)  # N_1 and S_1 (reward 1 - loss 0)


def test_m_ucb_alarm_needs_the_halves_to_differ_by_more_than_b():
    """Algorithm 1 alarms when |second half - first half| > b, strictly: with Bernoulli rewards and an integer b
    the sums often differ by exactly b, which must not restart.  The slow reference above plays the same arms
    and raises the same alarms (b = 3 and b = 1 with w = 12 and w = 4)."""
    means = [[0.8, 0.5, 0.3], [0.2, 0.5, 0.3], [0.2, 0.5, 0.9]]
    env = environments.make("piecewise_bernoulli", means=means, change_points=[60, 130])
    horizon, gamma = 200, 0.3
    for w, b in ((12, 3.0), (4, 1.0)):
        res = olearn.run(olearn.make("m_ucb", window=w, threshold=b, gamma=gamma), env, horizon=horizon,
                         seeds=[0, 1], backend="python", trace=True, keep_state=True)
        for j, seed in enumerate([0, 1]):
            arms, alarms = slow_m_ucb(reference.env_loss(env, seed), 3, horizon, w, b, gamma)
            np.testing.assert_array_equal(res.actions[0, j].astype(int), arms)
            assert res.states[0, j, 7] == len(alarms)


def test_m_ucb_default_threshold_and_forced_share_are_remark_1():
    """b = sqrt(w ln(2 K T^2) / 2) and gamma = sqrt((M - 1) K min(w / 2, ceil(b / delta) + 3 sqrt(w)) / (2 T)),
    delta (not given) = 2 (sqrt(ln(2 K T^2)) + sqrt(ln(2 T))) / sqrt(w), the change Remark 1's w is sized for;
    the learner's row holds b and the round-robin period floor(K / gamma), evaluated here by hand."""
    for k, horizon, w, changes in ((3, 1000, 40, 1), (5, 20000, 200, 3), (2, 500, 8, 2)):
        row = olearn.make("m_ucb", window=w, breakpoints=changes).bind(k, 0, horizon)[0][0]
        b = math.sqrt(w * math.log(2 * k * horizon * horizon) / 2)
        delta = 2 * (math.sqrt(math.log(2 * k * horizon * horizon)) + math.sqrt(math.log(2 * horizon))) / math.sqrt(w)
        gamma = min(1.0, math.sqrt(changes * k * min(w / 2, math.ceil(b / delta) + 3 * math.sqrt(w)) / (2 * horizon)))
        assert row[2] == pytest.approx(b, rel=1e-12)
        assert row[3] == math.floor(k / gamma)
    # with delta given: gamma from it
    row = olearn.make("m_ucb", window=40, delta=0.5).bind(3, 0, 1000)[0][0]
    b = math.sqrt(40 * math.log(2 * 3 * 1000**2) / 2)
    assert row[3] == math.floor(3 / math.sqrt(3 * min(20, math.ceil(b / 0.5) + 3 * math.sqrt(40)) / 2000))


def _slow_cusum_arm(rewards, m, eps, h, page_hinkley):
    """Liu, Lee and Shroff's two-sided CUSUM (or Page-Hinkley) test on one arm's rewards, written from the paper:
    u_0 = mean of the first M rewards (PHT: the running mean, itself included), g+ <- max(0, g+ + y - u_0 - eps),
    g- <- max(0, g- + u_0 - y - eps), alarm when g+ > h or g- > h, and then everything starts anew.  Returns,
    after each reward, (N, S, g+, g-, alarms)."""
    seen, gp, gm, alarms, out = [], 0.0, 0.0, 0, []
    for y in rewards:
        seen.append(y)
        if page_hinkley or len(seen) > m:
            u0 = sum(seen) / len(seen) if page_hinkley else sum(seen[:m]) / m
            gp = max(0.0, gp + y - u0 - eps)
            gm = max(0.0, gm + u0 - y - eps)
            if gp > h or gm > h:
                seen, gp, gm, alarms = [], 0.0, 0.0, alarms + 1
        out.append((len(seen), sum(seen), gp, gm, alarms))
    return out


@pytest.mark.parametrize("name", ["cusum_ucb", "pht_ucb"])
def test_cusum_and_pht_alarm_only_when_a_statistic_exceeds_h(name):
    """The update kernel against the test written from the paper, on rewards in {0, 1/2, 1} with eps = 1/4 and
    h = 1/2 (every statistic a multiple of 1/4 for CUSUM, so g = h exactly happens and must not alarm: the
    paper's test is g > h).  The first rewards reach g+ = h exactly, then exceed it."""
    k, m, eps, h = 2, 2, 0.25, 0.5
    params = {"epsilon": eps, "threshold": h}
    if name == "cusum_ucb":
        params["samples"] = m
    table, size = olearn.make(name, **params).bind(k, 0, 1000)
    learner = olearn.learners.REGISTRY[name]
    rng = np.random.default_rng(5)
    rewards = [0.5, 0.5, 1.0, 1.0, 1.0] + list(rng.choice([0.0, 0.5, 1.0], size=200))
    state = np.zeros(size)
    learner.init(state, table[0], 0)
    want = _slow_cusum_arm(rewards, m, eps, h, name == "pht_ucb")
    for t, y in enumerate(rewards):
        learner.update(state, table[0], np.zeros(0), np.array([1.0]), np.array([1.0 - y]), t, 0)
        n, s, gp, gm, alarms = want[t]
        got = (state[1], state[k + 1], state[3 * k + 1], state[4 * k + 1], state[5 * k])
        assert got == pytest.approx((n, s, gp, gm, alarms), abs=1e-12), (t, got, want[t])
    if name == "cusum_ucb":
        assert [w[4] for w in want[:5]] == [0, 0, 0, 0, 1]  # g+ = 1/4, 1/2 (= h: no alarm), 3/4 (alarm)
    assert want[-1][4] >= 3


@pytest.mark.parametrize("name", ["cusum_ucb", "pht_ucb"])
def test_cusum_and_pht_default_h_and_alpha_are_the_corollarys(name):
    """Their Corollary's tuning for Upsilon breakpoints in T rounds, evaluated by hand: h = ln(T / Upsilon) and
    alpha = sqrt((Upsilon / T) ln(T / Upsilon)); the row holds eps, h, alpha and sqrt(xi) after K and M."""
    for horizon, upsilon in ((1000, 1), (5000, 4), (20, 3)):
        row = olearn.make(name, breakpoints=upsilon).bind(3, 0, horizon)[0][0]
        assert row[3] == pytest.approx(math.log(horizon / upsilon), rel=1e-12)
        assert row[4] == pytest.approx(min(1.0, math.sqrt(upsilon / horizon * math.log(horizon / upsilon))), rel=1e-12)
        assert row[5] == pytest.approx(math.sqrt(2.0), rel=1e-12)
