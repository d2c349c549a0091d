"""Gaussian-process bandits (olearn.learners.gaussian_process) and the shared-parameter linear bandits
(olearn.learners.linear_bandit) against closed forms, python backend or plain Python calls only.

Gaussian process.  With the documented defaults (positions k / (K - 1), lengthscale 0.2, prior mean 1/2,
variance v = 1/4, noise sigma = 1/2) the prior on K = 3 arms at 0, 1/2, 1 is mu = 1/2, S_ij = v exp(-r^2 / (2 l^2)),
and one reward y of arm 0 gives the one-point GP regression posterior (Rasmussen and Williams eq. 2.19 with a 1 x 1
Gram matrix): mu = m + S_0 (y - m) / (v + sigma^2), S <- S - S_0 S_0' / (v + sigma^2).  The params row holds
ln(K pi^2 / (6 delta)) with gp_ucb's delta = 0.1.  The covariance is the formula wherever the formula is a
nonzero double: at r / l = 35, v exp(-612.5) ~ 1e-267; Matern 5/2 at s = 100, v (1 + s + s^2 / 3) e^-s ~ 1e-40.
The variance bound "at most 1e12 noise^2" admits equality.  gp_thompson factors S + 1e-9 v I: with two arms at
one position S = v 1 1' is singular and the second pivot is sqrt((2 v j + j^2) / (v + j)), j = 1e-9 v, not 0.  A
Cholesky pivot <= 0 zeroes its column below the diagonal (the factor lives in the state and is reused, so stale
numbers must not survive): ones(3, 3) factors to [1, 1, 1]' e_1'.  The information gain of independent arms
(lengthscale -> 0) is sum_k ln(1 + n_k v / sigma^2) / 2: an arm never played (n_k = 0) adds 0, and an explicit
noise replaces the values' one.

Linear bandits.  Theorem 3's bound with R = 0 is 4 sqrt(T d ln(lam + T L / d)) sqrt(lam) S, and with S = 0 it is the
R term alone (R, S >= 0 are allowed).  Without features x_a = e_a and at round 0 every OFUL index is
sqrt(lam) S + R sqrt(2 ln(1/delta)) times ||e_a||_{I / lam}, the same number, and lin_ts_shared with v = 0 draws
theta~ = V^-1 b = 0: both play action 0 (ties go to the lowest action).  v = 0 and R = 0 are allowed, delta = 1
(ln(1/delta) = 0, no confidence) is refused, and a world whose observation is not K d numbers (5 for K = 3) is
refused by name.  lin_ts_shared's first draw (V = lam I, b = 0) is theta~ = v z / sqrt(lam); Theorem 3's bound
takes any finite L, 1e308 included.
"""
import math

import numpy as np
import pytest

import olearn
from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.learners import gaussian_process as gp
from olearn.learners import linear_bandit


def gp_row(name, k, **params):
    return np.asarray(olearn.make(name, n_arms=k, **params).bind(k, 0, 10)[0][0], dtype=float)


def test_gp_default_prior_grid_and_one_reward_posterior_are_the_documented_ones():
    k, v, m, noise2, ell = 3, 0.25, 0.5, 0.25, 0.2
    x = np.array([0.0, 0.5, 1.0])
    prior = v * np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * ell ** 2))
    tuner = olearn.stepwise(olearn.make("gp_ucb", n_arms=k), seed=0, backend="python", horizon=5)
    np.testing.assert_allclose(tuner.state[:k], m, rtol=0, atol=0)
    np.testing.assert_allclose(tuner.state[k:k + k * k].reshape(k, k), prior, rtol=1e-14, atol=0)
    arm = tuner.act()
    assert arm == 0  # every index is m + sqrt(beta_1 v): a tie
    tuner.update(arm, 0.2)  # reward y = 0.8
    mu = m + prior[:, 0] * (0.8 - m) / (prior[0, 0] + noise2)
    cov = prior - np.outer(prior[:, 0], prior[:, 0]) / (prior[0, 0] + noise2)
    np.testing.assert_allclose(tuner.state[:k], mu, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(tuner.state[k:k + k * k].reshape(k, k), cov, rtol=1e-12, atol=1e-16)
    assert mu[0] == pytest.approx(0.65, rel=1e-14)  # 0.5 + 0.25 * 0.3 / 0.5
    row = gp_row("gp_ucb", k)
    assert row[5] == pytest.approx(math.log(3 * math.pi ** 2 / 0.6), rel=1e-14)  # delta = 0.1


def test_gp_covariance_is_the_formula_until_the_formula_underflows():
    ell, v = 0.2, 0.25
    se = gp_row("gp_ucb", 2, positions=[0.0, 35 * ell])
    assert gp.covariance(se, 0, 1) == pytest.approx(v * math.exp(-0.5 * 35.0 ** 2), rel=1e-12)
    assert gp.covariance(se, 0, 1) > 0.0
    s = 100.0
    mat = gp_row("gp_ucb", 2, positions=[0.0, s / math.sqrt(5) * ell], covariance="matern52")
    assert gp.covariance(mat, 0, 1) == pytest.approx(v * (1 + s + s * s / 3) * math.exp(-s), rel=1e-9)
    assert gp.covariance(mat, 0, 1) > 0.0


def test_gp_variance_of_exactly_1e12_noise_squared_is_allowed():
    gp_row("gp_ucb", 2, variance=1e12, noise=1.0)
    with pytest.raises(ParameterError) as err:
        gp_row("gp_ucb", 2, variance=1.0000001e12, noise=1.0)
    assert err.value.name == "variance"


def test_gp_thompson_factors_the_jittered_covariance_of_coincident_arms():
    k, v = 2, 0.25
    row = gp_row("gp_thompson", k, positions=[0.3, 0.3])
    j = 1e-9 * v
    cov = np.full((k, k), v)
    state = np.concatenate([np.zeros(k), cov.ravel(), np.zeros(k + k * k)])
    gp.gp_thompson_act(state, row, np.zeros(1), 0, 0, np.zeros(1))
    low = state[2 * k + k * k:].reshape(k, k)
    assert low[1, 1] == pytest.approx(math.sqrt((2 * v * j + j * j) / (v + j)), rel=1e-5)
    np.testing.assert_allclose(np.tril(low), np.linalg.cholesky(cov + j * np.eye(k)), rtol=1e-5)


def test_cholesky_zero_pivot_clears_stale_entries_below_it():
    dest = np.full(9, 7.0)
    gp.cholesky(np.ones(9), dest, 3, 0.0)
    np.testing.assert_array_equal(np.tril(dest.reshape(3, 3)), [[1, 0, 0], [1, 0, 0], [1, 0, 0]])


def test_information_gain_counts_unplayed_arms_as_nothing_and_honours_the_noise_given():
    values = olearn.make("gp_ucb", n_arms=3, lengthscale=1e-6).values  # independent arms, v = 1/4, sigma = 1/2
    assert gp.information_gain([0, 2, 0], values) == pytest.approx(0.5 * math.log(1 + 2 * 0.25 / 0.25), rel=1e-12)
    assert gp.information_gain([0, 0, 0], values) == 0.0
    assert gp.information_gain([1, 0, 3], values, noise=2.0) == pytest.approx(
        0.5 * math.log(1 + 0.25 / 4) + 0.5 * math.log(1 + 3 * 0.25 / 4), rel=1e-12)


def test_regret_bound_allows_zero_noise_and_zero_bound():
    T, d = 100, 2
    assert linear_bandit.regret_bound(T, d, lam=4.0, noise=0.0, bound=1.5) == pytest.approx(
        4 * math.sqrt(T * d * math.log(4.0 + 50.0)) * 2.0 * 1.5, rel=1e-12)
    assert linear_bandit.regret_bound(T, d, noise=0.5, bound=0.0, delta=0.1) == pytest.approx(
        4 * math.sqrt(T * d * math.log(51.0)) * 0.5 * math.sqrt(2 * math.log(10.0) + 2 * math.log(51.0)), rel=1e-12)


def test_oful_and_lin_ts_shared_break_the_first_round_tie_toward_action_0():
    for learner in (olearn.make("oful", n_arms=3), olearn.make("oful", n_arms=3, noise=0.0),
                    olearn.make("lin_ts_shared", n_arms=3, v=0.0)):
        tuner = olearn.stepwise(learner, seed=0, backend="python", horizon=5)
        assert tuner.act() == 0, learner.name


def test_oful_refuses_delta_one_and_a_world_of_the_wrong_shape():
    with pytest.raises(ParameterError) as err:
        olearn.make("oful", delta=1.0)
    assert err.value.name == "delta"
    with pytest.raises(ParameterError) as err:
        olearn.make("oful", n_arms=3).bind(3, 5, 10)
    assert err.value.name == "environment"


def test_lin_ts_shared_first_draw_is_z_over_sqrt_lam():
    """Round 0: V = lam I, b = 0, so theta~ = L^-T (0 + v z) with L = sqrt(lam) I: theta~ = v z / sqrt(lam)."""
    k, lam, v, seed = 3, 4.0, 1.5, 11
    tuner = olearn.stepwise(olearn.make("lin_ts_shared", n_arms=k, lam=lam, v=v), seed=seed, backend="python", horizon=5)
    tuner.act()
    z = np.array([rng.normal(seed, rng.LEARNER, 0, j) for j in range(k)])
    np.testing.assert_allclose(tuner.state[2 * k + 2 * k * k:], v * z / 2.0, rtol=1e-14)


def test_regret_bound_accepts_a_huge_finite_feature_length():
    """L = 1e308 is finite and allowed: T = d = 1, lam = 1 gives 4 sqrt(ln(1 + L)) (1 + sqrt(2 ln 100 + ln(1 + L)))."""
    big = 1e308
    want = 4.0 * math.sqrt(math.log1p(big)) * (1.0 + math.sqrt(2 * math.log(100.0) + math.log1p(big)))
    assert linear_bandit.regret_bound(1, 1, length=big) == pytest.approx(want, rel=1e-12)
