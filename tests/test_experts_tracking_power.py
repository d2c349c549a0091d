"""Fixed Share's tunings and state, and ML-Prod / BOA with one expert, against closed forms (python backend).

Fixed Share (Cesa-Bianchi and Lugosi 2006, Corollary 5.1): over T rounds at most T - 1 switches can happen, so
m is capped at T - 1 and the share rate alpha = m / (T - 1) at 1.  At m = T - 1 (alpha = 1, H(1) = 0) the
defaults are B = (m + 1) ln K + (T - 1) H(1) = T ln K, eta = sqrt(8 B / T) = sqrt(8 ln K) and the bound is
sqrt(T B / 2) = T sqrt(ln K / 2), whatever larger m is asked for.  The bound's prior term with one expert and no
switch is ln 1 + (T - 1) ln(1 / (1 - 0)) = 0 (the only sequence has prior mass 1), so at eta = 0 the bound is
0 (the regret to the only expert is 0), while with two experts the prior term ln 2 > 0 makes it infinite.
alpha is a share of weight, in [0, 1]: anything outside is refused by name.  The state is ln w_t, w_t the
probability vector of Herbster and Warmuth's recursion w_1 = 1/K, w_{t+1} = alpha / K + (1 - alpha) v / sum v,
v = w_t exp(-eta l_t): exp of the state sums to 1 in every round, round 0 included, and equals a NumPy run of
that recursion; at alpha = 1 it is uniform after every update.

ML-Prod and BOA with N = 1: ln N = 0, so every rate is min(1/2, sqrt(0)) = 0 and the one expert is played; its
instantaneous regret r = <p, l> - l = l - l = 0, so ln w stays at -ln 1 = 0 and sum r^2 at 0 (the update of
ln w, a ratio of rates 0 / 0, must not run): the whole state stays finite and exactly as initialised.
"""
import math

import numpy as np
import pytest

import olearn
from olearn.learners import tracking


def test_share_rate_is_capped_at_one_when_switches_reach_the_horizon():
    assert tracking.share_rate(2, 5) == 0.5
    assert tracking.share_rate(4, 5) == 1.0  # m = T - 1: a switch every round
    assert tracking.share_rate(10, 5) == 1.0  # m > T - 1 is capped, not alpha = 2.5


def test_default_eta_caps_switches_at_horizon_minus_one():
    k, horizon = 4, 10
    want = math.sqrt(8.0 * math.log(k))  # B = T ln K at m = T - 1 (H(1) = 0)
    assert tracking.default_eta(k, horizon, 9) == pytest.approx(want, rel=1e-14)
    assert tracking.default_eta(k, horizon, 50) == pytest.approx(want, rel=1e-14)


def test_switching_bound_caps_switches_at_horizon_minus_one():
    k, horizon = 4, 10
    want = horizon * math.sqrt(math.log(k) / 2.0)  # sqrt(T B / 2), B = T ln K
    assert tracking.switching_regret_bound(k, horizon, 9) == pytest.approx(want, rel=1e-12)
    assert tracking.switching_regret_bound(k, horizon, 50) == pytest.approx(want, rel=1e-12)


def test_switching_bound_at_eta_zero_is_zero_for_one_expert_and_infinite_for_two():
    assert tracking.switching_regret_bound(1, 50, 0, eta=0.0) == 0.0
    assert tracking.switching_regret_bound(1, 50, 0, eta=0.0, alpha=0.0) == 0.0
    assert tracking.switching_regret_bound(2, 50, 0, eta=0.0) == math.inf


@pytest.mark.parametrize("alpha", [1.5, -0.1, math.nan])
def test_fixed_share_refuses_an_alpha_outside_the_unit_interval_by_name(alpha):
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("fixed_share", alpha=alpha)
    assert err.value.name == "alpha"
    olearn.make("fixed_share", alpha=1.0)  # the end points are allowed
    olearn.make("fixed_share", alpha=0.0)


@pytest.mark.parametrize("alpha", [0.2, 1.0])
def test_fixed_share_state_is_the_log_of_herbster_warmuth_weights_every_round(alpha):
    k, horizon, eta = 3, 25, 1.5
    losses = np.random.default_rng(7).random((horizon, k))
    tuner = olearn.stepwise(olearn.make("fixed_share", n_arms=k, eta=eta, alpha=alpha), seed=0, backend="python",
                            horizon=horizon)
    w = np.full(k, 1.0 / k)
    for t in range(horizon):
        arm = tuner.act()
        np.testing.assert_allclose(np.exp(tuner.state[:k]), w, rtol=1e-12, atol=0, err_msg=f"round {t}")
        tuner.update(arm, losses[t])
        v = w * np.exp(-eta * losses[t])
        w = alpha / k + (1.0 - alpha) * v / v.sum()
        if alpha == 1.0:
            np.testing.assert_allclose(np.exp(tuner.state[:k]), np.full(k, 1.0 / k), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["ml_prod", "boa"])
def test_one_expert_keeps_the_initial_state_exactly(name):
    tuner = olearn.stepwise(olearn.make(name, n_arms=1), seed=0, backend="python")
    for t in range(10):
        assert tuner.act() == 0
        tuner.update(0, np.array([0.1 * (t % 4)]))
        # ln w = -ln 1, eta = 0, sum r^2 = 0, p = 1
        np.testing.assert_array_equal(tuner.state, [0.0, 0.0, 0.0, 1.0], err_msg=f"round {t}")
