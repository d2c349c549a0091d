"""Exp3.P, NormalHedge / AdaNormalHedge and MetaGrad: edges the round-by-round references do not reach (python
backend or plain Python only: nothing here compiles).

* Exp3.P's default exploration is Auer et al.'s gamma = min(3/5, 2 sqrt(3 K ln K / (5 T))) for every K >= 2; the
  3/5 shortcut is for one arm only (ln 1 = 0).  K = 2, T = 10^4: 2 sqrt(6 ln 2 / 50000) = 0.01824..., far under 3/5.
* alpha = 0 is inside alpha's range [0, inf) and means no confidence term: ln w_k starts at
  gamma / (3K) * alpha * sqrt(K T) = 0 and moves by gamma / (3K) * xhat_k only, so an arm not played keeps
  ln w_k = 0 exactly; it must not be read as "not given" and replaced by the default 2 sqrt(ln(K T / delta)).
* delta is a probability in the open interval (0, 1): delta = 1 (a bound that may always fail, ln(K T / delta) =
  ln(K T)) is refused by name when the learner is made, not only later when the default alpha is computed.
* Every learner here reads in update what act left in the state (Exp3.P's and NormalHedge's p, MetaGrad's
  slaves' points), so a run with delayed feedback is refused by name.
* NormalHedge's scale c solves (1/N) sum_i exp([R_i]_+^2 / 2c) = e; with no R_i > 0 the left side is 1 for every c,
  so there is no solution: scale returns inf, also when the largest R_i is exactly 0 (not only when it is < 0).
* quantile_regret's top eps-quantile holds ceil(eps N) experts, the exact ceiling: eps = 0.28, N = 25 gives
  eps N = 7 (0.28 * 25 evaluates to 7.000000000000001 in floating point, whose naive ceiling is 8), so the regret is
  to the 7th best; and an eps with eps N far below 1 still means the best expert (at least one expert).
* MetaGrad: max_rounds sizes the state only for the horizon's grid (rates None), so with rates given any horizon runs;
  rates may exceed the default grid's 11 slaves (up to 64), each slave then starts at the paper's prior
  pi_i = C / ((i + 1)(i + 2)), C = 1 + 1/n, which sums to 1 because sum_{i<n} 1/((i+1)(i+2)) telescopes to n/(n+1),
  and at the centre of X (so x_1 is the centre); rates and max_rounds below 1 are refused by name.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.learners import high_probability, normal_hedge


def test_exp3_p_default_gamma_for_two_arms_is_the_theorems_formula_not_the_one_arm_cap():
    K, T = 2, 10_000
    want = 2.0 * math.sqrt(3.0 * K * math.log(K) / (5.0 * T))  # = 0.018240..., below the 3/5 cap
    assert high_probability.default_gamma(K, T) == pytest.approx(want, rel=1e-14)
    assert olearn.make("exp3_p").bind(K, 0, T)[0][0][1] == pytest.approx(want, rel=1e-14)


def test_exp3_p_alpha_zero_is_used_as_given_so_unplayed_arms_keep_log_weight_zero():
    K, T = 3, 20
    assert olearn.make("exp3_p", alpha=0.0).bind(K, 0, T)[0][0][2] == 0.0
    tuner = olearn.stepwise(olearn.make("exp3_p", alpha=0.0, gamma=0.5, n_arms=K), seed=1, backend="python", horizon=T)
    losses = np.random.default_rng(0).random((T, K))
    played = set()
    for t in range(T):
        arm = int(tuner.act())
        played.add(arm)
        tuner.update(arm, losses[t, arm])
        for k in range(K):
            if k not in played:
                assert tuner.state[k] == 0.0, (t, k)  # no alpha / (p sqrt(K T)) term
    assert len(played) >= 2  # the play moved at least one log-weight off 0


def test_exp3_p_delta_of_one_is_refused_when_made():
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("exp3_p", delta=1.0)
    assert err.value.name == "delta"
    olearn.make("exp3_p", delta=math.nextafter(1.0, 0.0))  # just inside is accepted


@pytest.mark.parametrize("name, world, params", [
    ("exp3_p", lambda: environments.make("bernoulli", means=[0.2, 0.5]), {}),
    ("normal_hedge", lambda: environments.make("bernoulli", means=[0.2, 0.5]), {}),
    ("adanormal_hedge", lambda: environments.make("bernoulli", means=[0.2, 0.5]), {}),
    ("metagrad", lambda: environments.make("sea_linear", dim=2), {"dim": 2}),
])
def test_learners_whose_update_reads_acts_state_refuse_delayed_feedback(name, world, params):
    with pytest.raises(olearn.ParameterError) as err:
        olearn.run(olearn.make(name, **params), world(), horizon=5, seeds=1, backend="python", delay=1)
    assert err.value.name == "delay"


def test_normal_hedge_scale_is_infinite_when_the_largest_regret_is_exactly_zero():
    assert normal_hedge.scale([0.0, -2.0, -0.5]) == math.inf
    assert normal_hedge.scale([0.0]) == math.inf
    assert normal_hedge.scale([1e-300, -1.0]) < math.inf  # one expert ahead, however little: a finite scale


def test_quantile_regret_rank_is_the_exact_ceiling_of_eps_n():
    assert 0.28 * 25 > 7.0  # the product rounds up past the integer
    cumulative = np.arange(25.0)[None, :]  # expert i has cumulative loss i: the j-th best has loss j - 1
    assert normal_hedge.quantile_regret([20.0], cumulative, 0.28) == 20.0 - 6.0  # the 7th best
    assert normal_hedge.quantile_regret([20.0], cumulative, 1e-15) == 20.0  # eps N << 1: the best


def test_metagrad_max_rounds_does_not_bound_the_horizon_when_rates_is_given():
    """max_rounds sizes the state for the horizon's grid only when rates is None; with rates = 3 any horizon runs."""
    tuner = olearn.stepwise(olearn.make("metagrad", dim=2, rates=3, max_rounds=10), domain="ball", backend="python",
                            horizon=50)
    assert tuner.params[2] == 3
    x = tuner.act()
    tuner.update(x, 0.0, gradient=[1.0, 0.0])


def test_metagrad_more_rates_than_the_default_grid_get_room_and_the_papers_prior():
    """rates = 16 > ceil(log2(2^20) / 2) + 1 = 11 (the default max_rounds' grid): all 16 slaves exist, their
    log-weights start at the prior ln(C / ((i + 1)(i + 2))), C = 1 + 1/16 (sum_{i<n} 1/((i+1)(i+2)) = n/(n+1)),
    and the first point is the centre of the ball (every slave starts there)."""
    n, d = 16, 1
    size = 1 + d + 2 * d * d  # log-weight, w, Sigma, A
    tuner = olearn.stepwise(olearn.make("metagrad", dim=d, rates=n), domain="ball", radius=0.5, backend="python")
    x = tuner.act()
    assert x[0] == 0.0
    prior = np.array([tuner.state[1 + i * size] for i in range(n)])
    np.testing.assert_allclose(np.exp(prior), (1 + 1 / n) / ((np.arange(n) + 1) * (np.arange(n) + 2)), rtol=1e-14)
    assert np.exp(prior).sum() == pytest.approx(1.0, rel=1e-14)
    for t in range(3):
        tuner.update(x, 0.0, gradient=[1.0])
        x = tuner.act()
    assert np.isfinite(tuner.state).all() and -0.5 <= x[0] < 0.0  # a positive gradient moves the point down


def test_metagrad_rates_and_max_rounds_are_refused_below_one_by_name():
    """rates in [1, 64] (64 accepted); max_rounds >= 1 (a horizon of 0 rounds has no grid)."""
    olearn.make("metagrad", rates=64)
    olearn.make("metagrad", max_rounds=1)
    for name, bad in (("rates", 0), ("rates", 65), ("max_rounds", 0)):
        with pytest.raises(olearn.ParameterError) as err:
            olearn.make("metagrad", **{name: bad})
        assert err.value.name == name
