"""Gaussian-process bandits (``gp_ucb``, ``gp_thompson``) against independent truth.

Backend parity, the GPU path (simulator), delays and the conformance checks run with every registered learner
(tests/test_parity.py, tests/test_gpu.py, tests/test_conformance.py).  Here:

* the posterior the learner keeps after its rank-one steps equals batch Gaussian-process regression on the plays so
  far (Rasmussen and Williams section 2.2, one linear solve over every reward), for both covariances, under delays too,
  and, with a vanishing lengthscale, the conjugate posterior of independent Gaussian arms in closed form;
* a reference written from the papers (batch posterior, Srinivas et al.'s beta_t; NumPy's Cholesky for the sample)
  picks the learner's arm in every round;
* posterior sampling plays arm k with the posterior probability that k is the best arm (Monte Carlo with NumPy's
  multivariate normal);
* on smooth means over 50 arms the shared information shows: both learners lose far less than UCB1 and Gaussian
  Thompson sampling, which learn each arm alone, and their regret grows well below linearly;
* arms so far apart that s = sqrt(5) r / l passes 1.3e154 (where s * s overflows and Matern 5/2's
  (1 + s + s^2 / 3) exp(-s) would be inf * 0 = NaN) have covariance 0 under both covariances, and the learner stays
  the finite posterior of independent arms;
* bad parameters are refused by name.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.backends import cpu
from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.learners import gaussian_process as gp

MEANS = [0.35, 0.5, 0.62, 0.58, 0.45, 0.3]
ENV = environments.make("gaussian", means=MEANS, sigma=0.3)
CONFIGS = [
    ("gp_ucb", {}),
    ("gp_ucb", {"covariance": "matern52", "lengthscale": 0.4, "variance": 0.5, "noise": 0.3, "prior_mean": 0.2,
                "positions": [1.0, 1.2, 1.3, 1.5, 1.7, 1.95], "delta": 0.5}),
    ("gp_thompson", {}),
    ("gp_thompson", {"covariance": "matern52", "lengthscale": 0.3, "noise": 0.25}),
]


def prior(v, k):
    x = gp.positions(v, k, "test")
    r = np.abs(x[:, None] - x[None, :]) / v["lengthscale"]
    if v["covariance"] == "squared_exponential":
        return v["variance"] * np.exp(-0.5 * r ** 2)
    s = math.sqrt(5) * r
    return v["variance"] * (1 + s + s ** 2 / 3) * np.exp(-s)


def batch_posterior(v, k, arms, rewards):
    """mu = m + K_{:,X} (K_XX + sigma^2 I)^-1 (y - m), S = K - K_{:,X} (K_XX + sigma^2 I)^-1 K_{X,:}."""
    cov = prior(v, k)
    m = v["prior_mean"]
    if len(arms) == 0:
        return np.full(k, m), cov
    arms = np.asarray(arms, dtype=int)
    cross = cov[:, arms]
    gram = cov[np.ix_(arms, arms)] + v["noise"] ** 2 * np.eye(arms.size)
    mu = m + cross @ np.linalg.solve(gram, np.asarray(rewards) - m)
    return mu, cov - cross @ np.linalg.solve(gram, cross.T)


@pytest.mark.parametrize("name, params", CONFIGS)
@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_posterior_equals_batch_regression(name, params, backend):
    k = len(MEANS)
    v = olearn.make(name, n_arms=k, **params).values
    res = olearn.run(olearn.make(name, **params), ENV, horizon=80, seeds=[0, 3], backend=backend, trace=True,
                     keep_state=True)
    for j in range(2):
        mu, cov = batch_posterior(v, k, res.actions[0, j], 1.0 - res.losses[0, j])
        state = res.states[0, j]
        np.testing.assert_allclose(state[:k], mu, rtol=0, atol=1e-10)
        np.testing.assert_allclose(state[k:k + k * k].reshape(k, k), cov, rtol=0, atol=1e-10)


def test_delayed_rewards_condition_the_same_posterior():
    """Under a fixed delay d the last d rewards have not arrived: the state is the batch posterior of the others."""
    k, d = len(MEANS), 7
    v = olearn.make("gp_ucb", n_arms=k).values
    res = olearn.run("gp_ucb", ENV, horizon=60, seeds=[2], trace=True, keep_state=True, delay=olearn.delays.fixed(d))
    mu, cov = batch_posterior(v, k, res.actions[0, 0, :-d], 1.0 - res.losses[0, 0, :-d])
    np.testing.assert_allclose(res.states[0, 0, :k], mu, atol=1e-10)
    np.testing.assert_allclose(res.states[0, 0, k:k + k * k].reshape(k, k), cov, atol=1e-10)


def test_vanishing_lengthscale_gives_independent_conjugate_arms():
    """k(x_i, x_j) = v [i = j]: mu_k = (m sigma^2 / v + S_k) / (sigma^2 / v + n_k), S_kk = 1 / (1 / v + n_k / sigma^2)."""
    k = len(MEANS)
    v = olearn.make("gp_ucb", n_arms=k, lengthscale=1e-6).values
    res = olearn.run(olearn.make("gp_ucb", lengthscale=1e-6), ENV, horizon=200, seeds=[1], trace=True, keep_state=True)
    arms, rewards = res.actions[0, 0].astype(int), 1.0 - res.losses[0, 0]
    n = np.bincount(arms, minlength=k)
    sums = np.bincount(arms, weights=rewards, minlength=k)
    ratio = v["noise"] ** 2 / v["variance"]
    state = res.states[0, 0]
    np.testing.assert_allclose(state[:k], (v["prior_mean"] * ratio + sums) / (ratio + n), atol=1e-12)
    cov = state[k:k + k * k].reshape(k, k)
    np.testing.assert_allclose(np.diag(cov), 1.0 / (1.0 / v["variance"] + n / v["noise"] ** 2), atol=1e-14)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0.0, atol=1e-14)


@pytest.mark.parametrize("covariance", gp.COVARIANCES)
def test_arms_far_apart_are_independent_not_nan(covariance):
    """Positions 0, 1e60, 2e60 with lengthscale 1e-100 (both allowed): r / l up to 2e160, s * s = inf.  Computed as
    written, Matern 5/2 gave NaN off the diagonal, a NaN posterior, and gp_ucb played arm 0 in every round.  Here the
    prior covariance is v I exactly, and after 30 rounds (python backend) the state is finite, every arm has been
    played and the posterior is the conjugate one of independent Gaussian arms in closed form."""
    k, horizon = 3, 30
    params = {"positions": [0.0, 1e60, 2e60], "lengthscale": 1e-100, "covariance": covariance}
    learner = olearn.make("gp_ucb", **params)
    v = olearn.make("gp_ucb", n_arms=k, **params).values
    row = np.asarray(learner.bind(k, 0, horizon)[0][0], dtype=float)
    prior_cov = np.array([[gp.covariance(row, i, j) for j in range(k)] for i in range(k)])
    np.testing.assert_array_equal(prior_cov, v["variance"] * np.eye(k))
    env = environments.make("gaussian", means=[0.2, 0.5, 0.7], sigma=0.5)
    res = olearn.run(learner, env, horizon=horizon, seeds=[0], backend="python", trace=True, keep_state=True)
    state = res.states[0, 0]
    assert np.all(np.isfinite(state)), state
    arms, rewards = res.actions[0, 0].astype(int), 1.0 - res.losses[0, 0]
    n = np.bincount(arms, minlength=k)
    assert np.all(n > 0), n
    ratio = v["noise"] ** 2 / v["variance"]
    sums = np.bincount(arms, weights=rewards, minlength=k)
    np.testing.assert_allclose(state[:k], (v["prior_mean"] * ratio + sums) / (ratio + n), atol=1e-12)
    posterior_var = 1.0 / (1.0 / v["variance"] + n / v["noise"] ** 2)
    np.testing.assert_allclose(state[k:k + k * k].reshape(k, k), np.diag(posterior_var), atol=1e-14)


def reference_arm(name, v, k, t, mu, cov, seed):
    """The arm the papers' rule picks in round t (0-based) from the posterior, and the values it compared."""
    if name == "gp_ucb":
        values = mu + math.sqrt(gp.beta(k, t + 1, v["delta"])) * np.sqrt(np.maximum(np.diag(cov), 0.0))
    else:
        low = np.linalg.cholesky(cov + gp.JITTER * v["variance"] * np.eye(k))
        z = np.array([rng.normal(seed, rng.LEARNER, t, i) for i in range(k)])
        values = mu + low @ z
    return int(np.argmax(values)), values


@pytest.mark.parametrize("name, params", CONFIGS)
def test_choices_match_a_reference_round_by_round(name, params):
    k = len(MEANS)
    v = olearn.make(name, n_arms=k, **params).values
    res = olearn.run(olearn.make(name, **params), ENV, horizon=80, seeds=[0, 5], trace=True)
    for j, seed in enumerate([0, 5]):
        arms, rewards = res.actions[0, j].astype(int), 1.0 - res.losses[0, j]
        for t in range(arms.size):
            mu, cov = batch_posterior(v, k, arms[:t], rewards[:t])
            want, compared = reference_arm(name, v, k, t, mu, cov, seed)
            # the rank-one and batch posteriors differ by rounding: a choice may differ only between near-equals
            assert arms[t] == want or compared[arms[t]] >= compared[want] - 1e-9, (name, seed, t, arms[t], want)
            if arms[t] != want:
                assert abs(compared[arms[t]] - compared[want]) < 1e-9


def test_posterior_sampling_plays_the_probability_of_being_best():
    """After 30 rewards, P(gp_thompson plays k) = P(argmax f = k) under f ~ N(mu, S): 20,000 independent draws of the
    learner (rounds and seeds) against 400,000 NumPy draws from the batch posterior."""
    k = len(MEANS)
    v = olearn.make("gp_thompson", n_arms=k).values
    run = olearn.run("gp_thompson", ENV, horizon=30, seeds=[4], trace=True)
    mu, cov = batch_posterior(v, k, run.actions[0, 0], 1.0 - run.losses[0, 0])
    truth = np.bincount(np.argmax(np.random.default_rng(0).multivariate_normal(mu, cov, 400_000, method="eigh"),
                                  axis=1), minlength=k) / 400_000
    assert (truth > 0.02).sum() >= 4, truth  # a posterior still uncertain between several arms
    act = cpu.compile_kernel(gp.gp_thompson_act)
    row = np.asarray(olearn.make("gp_thompson", n_arms=k).bind(k, 0, 30)[0][0], dtype=float)
    counts = np.zeros(k)
    action = np.zeros(1)
    obs = np.zeros(1)
    for draw in range(20_000):
        state = np.concatenate([mu, cov.ravel(), np.zeros(k + k * k)])
        act(state, row, obs, 30 + draw % 100, draw // 100, action)
        counts[int(action[0])] += 1
    n = counts.sum()
    assert np.all(np.abs(counts - n * truth) <= 5 * np.sqrt(n * truth * (1 - truth)) + 1e-9), (counts / n, truth)


SMOOTH = 0.5 + 0.3 * np.sin(3 * np.pi * np.linspace(0, 1, 50)) * np.exp(-np.linspace(0, 1, 50))


def test_shared_information_beats_learning_each_arm_alone():
    """50 arms on a smooth curve, Gaussian rewards sigma = 1/2, 40 seeds.  Measured (T = 1,000 / 4,000): gp_ucb
    96.3 / 214.2 (its beta_t is the theorem's, conservative), gp_thompson 48.3 / 80.9, UCB1 176 / 585, Gaussian
    Thompson sampling 119.1 / 279.8."""
    env = environments.make("gaussian", means=SMOOTH, sigma=0.5)
    regret = {}
    for name, kw in (("gp_ucb", {}), ("gp_thompson", {}), ("ucb1", {}), ("gaussian_thompson", {"sigma": 0.5})):
        # none of them reads the horizon, so round 1,000 of a 4,000-round run is a 1,000-round run's end
        # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
        res = olearn.run(olearn.make(name, **kw), env, horizon=4000, seeds=40, checkpoints=[1000, 4000], trace=True)
        for c, horizon in enumerate((1000, 4000)):
            regret[name, horizon] = res.metric("pseudo_regret")[0, :, c].mean()
    for name in ("gp_ucb", "gp_thompson"):
        for horizon in (1000, 4000):
            assert regret[name, horizon] < 0.9 * regret["gaussian_thompson", horizon], regret
            assert regret[name, horizon] < 0.6 * regret["ucb1", horizon], regret
        # four times the rounds: linear regret would grow 4x; sqrt(T beta_T gamma_T) about 2.3x here
        assert regret[name, 4000] < 2.6 * regret[name, 1000], regret


def test_information_gain_is_the_sum_of_the_posterior_variances_logs():
    """Srinivas et al.'s Lemma 5.3: I_T = sum_t ln(1 + sigma^-2 S_{t-1}(x_t, x_t)) / 2 along any play sequence."""
    k = len(MEANS)
    v = olearn.make("gp_ucb", n_arms=k).values
    arms = np.random.default_rng(1).integers(0, k, 40)
    total = 0.0
    for t in range(arms.size):
        _, cov = batch_posterior(v, k, arms[:t], np.zeros(t))
        total += 0.5 * math.log1p(cov[arms[t], arms[t]] / v["noise"] ** 2)
    assert gp.information_gain(np.bincount(arms, minlength=k), v) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("name, params, bad", [
    ("gp_ucb", {"positions": [0.0, 1.0]}, "positions"),
    ("gp_ucb", {"lengthscale": 0.0}, "lengthscale"),
    ("gp_ucb", {"delta": 1.0}, "delta"),
    ("gp_thompson", {"noise": -0.1}, "noise"),
    ("gp_thompson", {"covariance": "linear"}, "covariance"),
    ("gp_ucb", {"variance": 1e13, "noise": 1.0}, "variance"),  # above 1e12 noise^2
])
def test_bad_parameters_are_named(name, params, bad):
    with pytest.raises(ParameterError, match=bad):
        olearn.run(olearn.make(name, **params), ENV, horizon=5, seeds=1)


def test_rank_one_steps_do_not_drift_over_a_long_run():
    """50,000 rank-one steps on 20 arms against the posterior from the counts and mean rewards alone (arm k's mean of
    n_k rewards is one observation with noise sigma^2 / n_k): within 1e-12."""
    k, horizon = 20, 50_000
    means = 0.5 + 0.3 * np.sin(3 * np.pi * np.linspace(0, 1, k))
    res = olearn.run("gp_ucb", environments.make("gaussian", means=means, sigma=0.5), horizon=horizon, seeds=[0],
                     trace=True, keep_state=True)
    v = olearn.make("gp_ucb", n_arms=k).values
    arms, rewards = res.actions[0, 0].astype(int), 1.0 - res.losses[0, 0]
    n = np.bincount(arms, minlength=k).astype(float)
    seen = n > 0
    mean_reward = np.bincount(arms, weights=rewards, minlength=k)[seen] / n[seen]
    cov = prior(v, k)
    gram = cov[np.ix_(seen, seen)] + np.diag(v["noise"] ** 2 / n[seen])
    mu = v["prior_mean"] + cov[:, seen] @ np.linalg.solve(gram, mean_reward - v["prior_mean"])
    post = cov - cov[:, seen] @ np.linalg.solve(gram, cov[seen, :])
    np.testing.assert_allclose(res.states[0, 0, :k], mu, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.states[0, 0, k:k + k * k].reshape(k, k), post, rtol=0, atol=1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda: gp.beta(0, 1, 0.1), "n_arms"),  # was a math domain error
    (lambda: gp.beta(5, 0, 0.1), "t"),
    (lambda: gp.beta(5, 1.5, 0.1), "t"),
    (lambda: gp.beta(5, 1, 0.0), "delta"),  # was a ZeroDivisionError
    (lambda: gp.beta(5, 1, 1.0), "delta"),
    (lambda: gp.information_gain([], olearn.make("gp_ucb", n_arms=5).values), "counts"),
    (lambda: gp.information_gain([1, -1, 2, 0, 3], olearn.make("gp_ucb", n_arms=5).values), "counts"),
    (lambda: gp.information_gain([1, math.nan, 2, 0, 3], olearn.make("gp_ucb", n_arms=5).values), "counts"),
    (lambda: gp.information_gain([[1, 2, 0, 3, 1]], olearn.make("gp_ucb", n_arms=5).values), "counts"),
    (lambda: gp.information_gain([True] * 5, olearn.make("gp_ucb", n_arms=5).values), "counts"),
    (lambda: gp.information_gain([1, 2, 0, 3, 1], olearn.make("gp_ucb", n_arms=5).values, 0.0), "noise"),
    (lambda: gp.information_gain([1, 2, 0, 3, 1], olearn.make("gp_ucb", n_arms=5).values, -0.5), "noise"),
])
def test_beta_and_information_gain_refuse_bad_input_by_name(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    assert gp.beta(5, 3, 0.1) == pytest.approx(2 * math.log(5 * 9 * math.pi**2 / 0.6))


def test_thompson_jitter_is_relative_to_the_prior_variance():
    """The factor gp_thompson samples with is the Cholesky factor of S + 1e-9 v I (NumPy's, here): with a prior
    variance v = 1e-12 the jitter is 1e-21, far below S, so L is S's own factor to 1e-9 (an absolute 1e-9 jitter
    would be a thousand times S and give L ~ 3e-5 I); the draw mu + L z picks its argmax."""
    k = 5
    learner = olearn.make("gp_thompson", n_arms=k, variance=1e-12, noise=1.0)
    v = learner.values
    row = np.asarray(learner.bind(k, 0, 10)[0][0], dtype=float)
    cov = prior(v, k)
    mu = np.array([0.1, 0.1 + 1e-6, 0.1 - 1e-6, 0.1, 0.1 + 5e-7])
    want_low = np.linalg.cholesky(cov + 1e-9 * 1e-12 * np.eye(k))
    action = np.zeros(1)
    for t in range(5):
        state = np.concatenate([mu, cov.ravel(), np.zeros(k + k * k)])
        gp.gp_thompson_act(state, row, np.zeros(1), t, 3, action)
        low = state[2 * k + k * k:].reshape(k, k)
        np.testing.assert_allclose(np.tril(low), want_low, rtol=1e-7, atol=1e-20)
        z = np.array([rng.normal(3, rng.LEARNER, t, i) for i in range(k)])
        assert int(action[0]) == int(np.argmax(mu + want_low @ z))


def test_gp_ucb_breaks_a_tie_toward_the_lowest_index():
    """At round 0 every arm has the prior mean m and the prior variance k(x, x) = v, so every index
    m + sqrt(beta_1) sqrt(v) is the same number: the documented tie rule plays arm 0, for every seed."""
    res = olearn.run(olearn.make("gp_ucb"), ENV, horizon=1, seeds=[0, 1, 2, 3], backend="python", trace=True)
    np.testing.assert_array_equal(res.actions[0, :, 0], 0)
