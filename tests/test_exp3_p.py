"""Exp3.P (olearn.learners.high_probability) against a NumPy reference and the confidence bounds of its weights."""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.learners import high_probability

T = 60
LOSSES = np.round(np.random.default_rng(3).random((T, 4)), 3)


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("params", [{}, {"gamma": 0.3, "alpha": 0.5}, {"delta": 0.3}])
def test_matches_the_reference_round_by_round(backend, params):
    worlds = [environments.make("loss_matrix", losses=LOSSES), environments.make("bernoulli", means=[0.2, 0.5, 0.8, 0.5])]
    for env in worlds:
        res = olearn.run(olearn.make("exp3_p", **params), env, horizon=T, seeds=[0, 7], backend=backend, trace=True)
        for i, seed in enumerate([0, 7]):
            actions, losses = reference.exp3_p(reference.env_loss(env, seed), 4, T, seed=seed, **params)
            np.testing.assert_array_equal(res.actions[0, i], actions, err_msg=env.name)
            np.testing.assert_array_equal(res.losses[0, i], losses, err_msg=env.name)


def test_default_tuning():
    k, horizon, delta = 5, 10_000, 0.01
    row = olearn.make("exp3_p", delta=delta).bind(k, 0, horizon)[0][0]
    assert row[1] == pytest.approx(min(0.6, 2 * math.sqrt(3 * k * math.log(k) / (5 * horizon))), rel=1e-15)
    assert row[2] == pytest.approx(2 * math.sqrt(math.log(k * horizon / delta)), rel=1e-15)
    assert olearn.make("exp3_p").bind(3, 0, 10)[0][0][1] == 0.6  # the 3/5 cap


def test_weights_are_upper_confidence_bounds_on_every_arms_gain():
    """Auer et al.'s Lemma 6.1: ln w_k = gamma/(3K) (Ghat_k + alpha sigmahat_k), and at alpha = 2 sqrt(ln(KT/delta))
    the bound Ghat_k + alpha sigmahat_k is below the true total gain G_k of some arm in at most a delta share of
    runs.  Without the confidence term (alpha -> 0) the weights are the unbiased estimates Ghat_k alone, and some
    arm's estimate is below its gain in most runs.  (Theorem 6.3's regret bound, 1,175 here, is above the largest
    regret any player can have on this matrix, 250, so it is not asserted.)"""
    k, horizon, delta, seeds = 3, 1000, 0.01, range(200)
    t = np.arange(horizon)[:, None]
    losses = np.where(t < horizon // 2, [0.2, 0.7, 0.5], [0.8, 0.3, 0.5]) + 0.1 * np.sin(t * np.arange(1, 4))
    gains = (1.0 - losses).sum(axis=0)
    env = environments.make("loss_matrix", losses=losses)
    below = {}
    for alpha in (None, 1e-9):
        learner = olearn.make("exp3_p", delta=delta, alpha=alpha)
        gamma = learner.bind(k, 0, horizon)[0][0][1]
        # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
        res = olearn.run(learner, env, horizon=horizon, seeds=seeds, backend="cpu", keep_state=True, trace=True)
        upper = res.states[0, :, :k] * 3 * k / gamma
        below[alpha] = int((upper < gains).any(axis=1).sum())
    assert below[None] <= 6  # Binomial(200, 0.01) exceeds 6 with probability < 1e-4
    assert below[1e-9] >= 60


@pytest.mark.parametrize("call, name", [
    (lambda: high_probability.default_alpha(0, 100, 0.01), "n_arms"),  # was a math domain error
    (lambda: high_probability.default_alpha(5, 0, 0.01), "horizon"),
    (lambda: high_probability.default_alpha(5, 100, 0.0), "delta"),  # was a ZeroDivisionError
    (lambda: high_probability.default_alpha(5, 100, 1.5), "delta"),
    (lambda: high_probability.default_alpha(5, 100, math.nan), "delta"),
    (lambda: high_probability.default_gamma(5, 0), "horizon"),  # was a ZeroDivisionError
    (lambda: high_probability.default_gamma(5, -10), "horizon"),
    (lambda: high_probability.default_gamma(2.5, 100), "n_arms"),
    (lambda: high_probability.default_gamma(True, 100), "n_arms"),
    (lambda: high_probability.regret_bound(0, 100, 0.01), "n_arms"),
    (lambda: high_probability.regret_bound(5, 100.0, 0.01), "horizon"),
    (lambda: high_probability.regret_bound(5, 100, 1.0), "delta"),
    (lambda: high_probability.regret_bound(5, 100, -0.1), "delta"),
])
def test_tuning_and_bound_refuse_bad_input_by_name(call, name):
    with pytest.raises(olearn.ParameterError) as err:
        call()
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    kt = 5 * 100
    assert high_probability.regret_bound(5, 100, 0.01) == pytest.approx(
        4 * math.sqrt(kt * math.log(kt / 0.01)) + 4 * math.sqrt(5 * kt * math.log(5) / 3) + 8 * math.log(kt / 0.01))


@pytest.mark.parametrize("gamma, alpha", [(0.3, 0.5), (0.6, 2.0)])
def test_log_weights_are_gain_estimate_plus_alpha_sigma(gamma, alpha):
    """The module's identity ln w_k = gamma / (3K) (Ghat_k + alpha sigmahat_k), sigmahat_k = sqrt(K T) + sum_t
    1 / (p_k(t) sqrt(K T)), with p = (1 - gamma) softmax(ln w) + gamma / K, kept here as Ghat and sigmahat (not as
    ln w): every reported probability p(A) and the final log-weights match."""
    k, horizon = 4, 30
    root_kt = math.sqrt(k * horizon)
    learner = olearn.stepwise(olearn.make("exp3_p", gamma=gamma, alpha=alpha, n_arms=k), seed=2, backend="python",
                              horizon=horizon)
    ghat, sigma = np.zeros(k), np.full(k, root_kt)
    for t in range(horizon):
        log_w = gamma / (3 * k) * (ghat + alpha * sigma)
        w = np.exp(log_w - log_w.max())
        p = (1 - gamma) * w / w.sum() + gamma / k
        arm = int(learner.act())
        assert learner.action[1] == pytest.approx(p[arm], rel=1e-12), t
        learner.update(arm, LOSSES[t, arm])
        ghat[arm] += (1.0 - LOSSES[t, arm]) / p[arm]
        sigma += 1.0 / (p * root_kt)
    np.testing.assert_allclose(learner.state[:k], gamma / (3 * k) * (ghat + alpha * sigma), rtol=1e-12)


def test_one_arm_gamma_and_parameter_ranges():
    """gamma = 3/5 for one arm (ln K = 0); gamma must lie in (0, 1] and alpha in [0, inf)."""
    assert high_probability.default_gamma(1, 100) == 0.6
    assert olearn.make("exp3_p").bind(1, 0, 100)[0][0][1] == 0.6
    olearn.make("exp3_p", gamma=1.0, alpha=0.0)
    for bad in ({"gamma": 1.5}, {"gamma": 0.0}, {"alpha": -0.5}):
        with pytest.raises(olearn.ParameterError, match=next(iter(bad))):
            olearn.make("exp3_p", **bad)
