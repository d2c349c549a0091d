"""Non-stationary and rotting bandits (olearn.learners.nonstationary, olearn.learners.rotting): the derived
defaults at the edges of their formulas, the validation bounds the docstrings state, and the GLR block
store at its capacity; python kernels only (rows from ``bind``, updates called directly: no compilation).

* D-UCB and discounted Thompson: gamma = 1 - sqrt(Upsilon / T) / 4 (Garivier and Moulines 2011, Theorem 1)
  with Upsilon capped at T (a horizon of T rounds holds fewer than T breakpoints), so gamma is in [3/4, 1):
  inside the declared range (0, 1] even when ``breakpoints`` exceeds the horizon.
* Exp3.S (Auer et al. 2002, Corollary 8.3): gamma = min(1, sqrt(K (S ln(KT) + e) / ((e - 1) T))) is a mixing
  share, at most 1 (p = (1 - gamma) w + gamma / K is a distribution only then), and alpha = 1 / T.
* Rexp3 (Besbes, Gur and Zeevi 2014): Delta = ceil((K ln K)^(1/3) (T / V_T)^(2/3)) within [1, T]: a tiny
  variation budget gives Delta = T (one batch, Exp3), and gamma = min(1, sqrt(K ln K / ((e - 1) Delta))) is
  then taken at Delta = T, not at the uncapped value.
* M-UCB (Cao et al. 2019, Remark 1): the window is defined for change sizes delta in (0, 1], 1 included (the
  largest change of a mean in [0, 1]); its value is (4 / delta^2)(sqrt(ln(2 K T^2)) + sqrt(ln(2 T)))^2 rounded
  up to even.
* CUSUM-UCB, PHT-UCB and GLR-klUCB derive h = ln(T / Upsilon) (and alpha, delta) from the breakpoints; at
  Upsilon = T that gives h = 0 and alpha = 0 (an alarm on every fluctuation, no forced exploration), so
  Upsilon = T without h and alpha given is refused by name (their messages: an integer in [1, T - 1]).
* GLR-klUCB's defaults as its docstring states them: alpha = sqrt(Upsilon ln T / T) (the row holds the
  round-robin period floor(K / alpha)) and delta = 1 / sqrt(Upsilon T) (the row holds ln(3 / delta) =
  ln 3 + ln(Upsilon T) / 2); the cases are chosen where K / alpha sits just above an integer, so ln(T + 1)
  for ln T moves the floor, and with Upsilon > 1, where 1 / (Upsilon sqrt T) differs from 1 / sqrt(Upsilon T).
* GLR-klUCB keeps ceil(capacity / Delta_s) block sums per arm: a run of ``capacity`` rewards on one arm ends
  with a partial last block when Delta_s does not divide the capacity, and the sums are those of the NumPy
  reference (rewards 3j .. 3j + 2).
* GLR-klUCB alarms when the statistic is >= beta(n, delta) (its docstring), ties included: on rewards
  0, 0, 0, 1, 1, 1 the statistic is 6 ln 2, which beta(6, delta) equals at delta = 3 * 6^1.5 / 2^6.
* Exp3.S with alpha = 0 and all the weight on one arm: its weight, normalised, stays 1 whatever the reward,
  also when w_a exp(gamma x^_a / K) underflows to 0.
* RAW-UCB and FEWA: sigma is a sub-Gaussian scale, declared in (0, inf) (sigma = 0 would make every width c(h)
  zero: no confidence intervals at all); sigma = 0 is refused by name.
"""
import math

import numpy as np
import pytest

import olearn
from olearn.learners import REGISTRY
from olearn.learners.nonstationary import m_ucb_window, rexp3_batch


def _row(name, k, horizon, **params):
    return olearn.make(name, **params).bind(k, 0, horizon)[0][0]


@pytest.mark.parametrize("name", ["discounted_ucb", "discounted_thompson"])
def test_discounted_gamma_stays_in_its_range_when_breakpoints_exceed_the_horizon(name):
    for upsilon, horizon in ((1, 60), (3, 48), (48, 48)):
        gamma = _row(name, 2, horizon, breakpoints=upsilon)[1]
        assert gamma == pytest.approx(1.0 - math.sqrt(upsilon / horizon) / 4.0, rel=1e-15)
    for upsilon, horizon in ((5, 4), (100, 4), (10**6, 2)):  # capped at Upsilon = T: 1 - 1/4
        gamma = _row(name, 2, horizon, breakpoints=upsilon)[1]
        assert 0.0 < gamma <= 1.0 and gamma == 0.75, (upsilon, horizon, gamma)


def test_exp3s_default_gamma_is_a_share_at_most_one_and_alpha_is_one_over_t():
    # K = 10, T = 10, S = 1: sqrt(10 (ln 100 + e) / ((e - 1) 10)) = sqrt(7.32 / 1.718) = 2.06 > 1, capped at 1
    k, horizon = 10, 10
    assert k * (math.log(k * horizon) + math.e) / ((math.e - 1) * horizon) > 4.0
    row = _row("exp3s", k, horizon)
    assert row[1] == 1.0 and row[2] == pytest.approx(1.0 / horizon, rel=1e-15)
    # below the cap: K = 3, T = 1000, S = 2: sqrt(3 (2 ln 3000 + e) / ((e - 1) 1000)) = sqrt(56.2 / 1718) = 0.181
    row = _row("exp3s", 3, 1000, switches=2)
    assert row[1] == pytest.approx(math.sqrt(3 * (2 * math.log(3000) + math.e) / ((math.e - 1) * 1000)), rel=1e-12)
    assert 0.18 < row[1] < 0.19 and row[2] == pytest.approx(1e-3, rel=1e-15)


def test_rexp3_batch_is_capped_at_the_horizon_and_gamma_is_taken_there():
    k, horizon, variation = 3, 50, 1e-3
    # uncapped: (3 ln 3)^(1/3) (5e4)^(2/3) = 1.488 * 1357.2 = 2020 rounds, 40 times the horizon
    assert (k * math.log(k)) ** (1 / 3) * (horizon / variation) ** (2 / 3) > 2000
    assert rexp3_batch(k, horizon, variation) == horizon
    row = _row("rexp3", k, horizon, variation=variation)
    assert row[3] == horizon
    assert row[1] == pytest.approx(math.sqrt(k * math.log(k) / ((math.e - 1) * horizon)), rel=1e-12)  # 0.1959
    assert row[2] == 0.0  # no share: Exp3 within a batch
    # and at least 1: a huge budget gives a batch of one round
    assert rexp3_batch(3, 50, 1e9) == 1


def test_m_ucb_window_takes_a_change_of_size_one():
    k, horizon = 2, 100
    exact = 4.0 * (math.sqrt(math.log(2 * k * horizon**2)) + math.sqrt(math.log(2 * horizon))) ** 2  # 4 (3.255 + 2.302)^2 = 123.5
    w = m_ucb_window(1.0, k, horizon)
    assert w % 2 == 0 and exact <= w < exact + 2 and w == 124
    with pytest.raises(olearn.ParameterError, match="delta"):
        m_ucb_window(1.0 + 1e-12, k, horizon)
    # the learner's own delta takes 1 too
    olearn.make("m_ucb", window=124, delta=1.0).bind(k, 0, horizon)


@pytest.mark.parametrize("name", ["cusum_ucb", "pht_ucb", "glr_klucb"])
def test_breakpoints_equal_to_the_horizon_are_refused_unless_the_tuning_is_given(name):
    horizon = 50
    extra = {"capacity": horizon} if name == "glr_klucb" else {}
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make(name, breakpoints=horizon, **extra).bind(3, 0, horizon)
    assert err.value.name == "breakpoints"
    # one fewer fits: h = ln(50 / 49) > 0 (CUSUM, PHT); alpha and delta positive (GLR)
    row = _row(name, 3, horizon, breakpoints=horizon - 1, **extra)
    assert np.all(np.isfinite(row))
    if name != "glr_klucb":
        assert row[3] == pytest.approx(math.log(horizon / (horizon - 1)), rel=1e-12) and row[4] > 0.0
        given = {"threshold": 1.0, "alpha": 0.1}
    else:
        given = {"alpha": 0.1, "delta": 0.1}
    _row(name, 3, horizon, breakpoints=horizon, **given, **extra)  # with the tuning given, accepted


@pytest.mark.parametrize("k, horizon, upsilon", [(2, 31, 1), (3, 83, 1), (3, 103, 2), (4, 200, 4)])
def test_glr_klucb_default_alpha_and_delta_are_its_docstrings(k, horizon, upsilon):
    """alpha = sqrt(Upsilon ln T / T): K / alpha = 6.009, 13.002, 10.0003 in the first three cases (just above an
    integer), so the period is 6, 13, 10; beta's constant ln(3 / delta) = ln 3 + ln(Upsilon T) / 2."""
    row = _row("glr_klucb", k, horizon, breakpoints=upsilon, capacity=horizon)
    alpha = math.sqrt(upsilon * math.log(horizon) / horizon)
    assert row[1] == math.floor(k / alpha)
    assert row[2] == pytest.approx(math.log(3.0) + 0.5 * math.log(upsilon * horizon), rel=1e-12)
    if upsilon == 1:
        assert row[1] == {31: 6, 83: 13}[horizon]


def test_glr_klucb_block_sums_hold_a_run_as_long_as_the_capacity():
    """One arm, capacity = 7 rewards, blocks of Delta_s = 3: ceil(7 / 3) = 3 block sums, the last one partial,
    equal to the sums of rewards 0-2, 3-5 and 6; no test runs (Delta_n beyond the run)."""
    k, capacity, split = 1, 7, 3
    table, size = olearn.make("glr_klucb", alpha=0.5, delta=0.5, test_every=10**6, split_every=split,
                              capacity=capacity).bind(k, 0, capacity)
    assert size == 2 * k + 2 + 3
    learner = REGISTRY["glr_klucb"]
    state = np.zeros(size)
    learner.init(state, table[0], 0)
    rewards = np.array([0.25, 1.0, 0.5, 0.0, 0.75, 1.0, 0.125])
    for t, r in enumerate(rewards):
        learner.update(state, table[0], np.zeros(0), np.array([0.0]), np.array([1.0 - r]), t, 0)
    want = [rewards[0:3].sum(), rewards[3:6].sum(), rewards[6:].sum()]
    np.testing.assert_array_equal(state[2 * k + 2 :], want)
    assert (state[0], state[k]) == (7.0, rewards.sum())


@pytest.mark.parametrize("name", ["raw_ucb", "fewa"])
def test_rotting_sigma_must_be_positive(name):
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make(name, sigma=0.0)
    assert err.value.name == "sigma"
    olearn.make(name, sigma=5e-3)


@pytest.mark.parametrize("reward", [-1e6, -1e300, 0.5])
def test_exp3s_weight_held_by_one_arm_stays_there_whatever_its_reward(reward):
    """With alpha = 0 (Rexp3's Exp3) and all the weight on arm a, w_a exp(gamma x^_a / K) is the only positive
    weight, so normalised it is 1 for any finite reward: also where exp underflows to 0 (x^_a = -1e6 / p)."""
    from olearn.learners.nonstationary import exp3s_update

    k, gamma, a, p = 4, 0.5, 2, 0.6
    state = np.concatenate([np.eye(k)[a], np.zeros(k)])
    exp3s_update(state, np.array([k, gamma, 0.0]), np.zeros(1), np.array([a, p]), np.array([1.0 - reward]), 0, 0)
    np.testing.assert_array_equal(state[:k], np.eye(k)[a])


def _glr_alarms(delta, rewards):
    """One arm, the GLR test after the len(rewards)-th reward only, every split: the alarm count and tau."""
    k, n = 1, len(rewards)
    table, size = olearn.make("glr_klucb", alpha=0.5, delta=delta, test_every=n, capacity=16).bind(k, 0, 16)
    learner = REGISTRY["glr_klucb"]
    state = np.zeros(size)
    learner.init(state, table[0], 0)
    for t, r in enumerate(rewards):
        learner.update(state, table[0], np.zeros(0), np.array([0.0]), np.array([1.0 - r]), t, 0)
    return table[0], state[2 * k + 1], state[2 * k]


def test_glr_klucb_alarms_when_the_statistic_equals_beta():
    """Rewards 0, 0, 0, 1, 1, 1: the best split is s = 3, with means 0 and 1 against the overall 1/2, so the
    statistic is 3 kl(0, 1/2) + 3 kl(1, 1/2) = 6 ln 2 (the other splits give 0.79 and 1.91).  beta(6, delta) =
    ln 3 - ln delta + 1.5 ln 6 equals it at delta = 3 * 6^1.5 / 2^6 = 0.689; the docstring's test is
    statistic >= beta, so at the delta (found among the floats next to that one) where the two are equal in
    floating point it alarms, and at a slightly smaller delta (beta a few ulps larger) it does not."""
    rewards = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    statistic = 3 * math.log(2.0) + 3 * math.log(2.0)  # kl(0, 1/2) = kl(1, 1/2) = ln(1 / (1/2))
    beta = lambda d: (math.log(3.0) - math.log(d)) + 1.5 * math.log(6.0)  # noqa: E731
    delta = 3 * 6**1.5 / 2**6
    candidates = [delta]
    for direction in (0.0, 1.0):
        d = delta
        for _ in range(50):
            d = math.nextafter(d, direction)
            candidates.append(d)
    tie = next(d for d in candidates if beta(d) == statistic)
    row, alarms, tau = _glr_alarms(tie, rewards)
    assert row[2] + 1.5 * math.log(6) == statistic  # the tie is exact in the learner's own arithmetic
    assert (alarms, tau) == (1.0, 6.0)  # after round 5: tau = 6
    below = min(d for d in candidates if beta(d) > statistic)
    assert _glr_alarms(below, rewards)[1:] == (0.0, 0.0)
