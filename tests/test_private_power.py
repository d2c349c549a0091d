"""The private learners' constants, accounting and clipping against values derived by hand (python backend only).

* Constants (olearn.learners.private, pure DP, so every budget is basic composition): the sparse-vector learner
  with d = 4, beta = 0.1, T = 1000, eps = 1 has K = ceil(4 log2 4 + ln 10) = ceil(10.303) = 11 switches, so
  eps0 = eps / (K + 1) = 1/12, threshold noise Lap(2/eps0 = 24), query noise Lap(4/eps0 = 48), rate eps0 / 2 = 1/24
  and tau = 48 ln(1000/0.1) + 24 ln(12/0.1) + 2 ln(4) 12 = 442.096 + 114.900 + 33.271 = 590.267.  Lazy Hedge's block
  is ceil(T^(1/3)) (10 at T = 1000, 5 at T = 100, 2 at T = 2), its ceil(T/B) - 1 draws are 99 at T = 1000, and its
  rate is min(eps0 / 2, sqrt(8 ln d / (T B))): eps / 198 at eps = 0.1, sqrt(8 ln 4 / 10^4) = 0.03330 at eps = 100.
  The noisy leader composes T - 1 report-noisy-min calls of scale 2 / eps0: 2 (T - 1) / eps = 98 at T = 50.
  The default delta is min(1/T^2, 1/4); the tree learners' default Hedge rate is sqrt(8 ln d / T), 0.105311 at d = 4,
  T = 1000.
* Accounting (olearn.privacy.guarantees): at delta = 0 the guarantee is basic composition of what the noise costs,
  so a calibrated learner spends exactly eps; AboveThreshold with threshold noise Lap(b1) and query noise Lap(b2)
  on sensitivity-1 queries is (1/b1 + 2/b2)-DP (Dwork and Roth 2014, Thm 3.23 with b1 = 2/eps, b2 = 4/eps), and the
  exponential mechanism exp(-eta L) is 2 eta-DP; the sparse-vector learner composes E K draws and 1 AboveThreshold.
* Clipping: every private learner clips each loss (each reward of dp_ucb) to [0, 1] inside its update, so losses
  outside [0, 1] give the same plays and the same state as their clipped values, round by round.  The non-private
  halving is not clipped: a loss of 2 counts as 2.
* The Gaussian tree's node noise is N(0, sigma^2) per coordinate (variance sigma^2, excess kurtosis 0), not Laplace.
* The exponential mechanism never returns an expert of probability 0 (exp(-1000) underflows), even at u = 0.
* dp_ucb's index uses t = round + 1: at round 1 (t = 2), alpha = 4, eps = 1, an arm with m = 1 gets the bonus
  sqrt(2 ln 2) + 4 ln 2 = 3.950 and one with m = 4 gets sqrt(ln 2 / 2) + ln 2 = 1.282 (2.668 less; at ln 3 it would be
  4.037 less), so released means -1 and 2.3 (3.3 apart) make the second arm's index the larger.
* Parameter ranges as declared: beta <= 0.5, switches >= 1, block >= 1, dp_ucb's alpha <= 100, the tree's eta > 0.
"""
from types import SimpleNamespace

import numpy as np
import pytest

import olearn
from olearn.learners import private
from olearn.privacy import mechanisms
from olearn.privacy.guarantees import guarantee

REGISTRY = olearn.learners.REGISTRY


def _row(name, d, horizon, **values):
    return olearn.make(name, **values).bind(d, 0, horizon)[0][0]


def test_sparse_vector_constants_are_the_hand_derived_ones():
    row = _row("dp_svt_experts", 4, 1000, epsilon=1.0, delta=0.0)  # [d, eps0, tau, K, b_thr, b_query, eta, epochs]
    assert row[3] == 11 and row[7] == 1
    assert row[1] == pytest.approx(1.0 / 12.0, rel=1e-12)
    assert row[4] == pytest.approx(24.0, rel=1e-12) and row[5] == pytest.approx(48.0, rel=1e-12)
    assert row[6] == pytest.approx(1.0 / 24.0, rel=1e-12)
    assert row[2] == pytest.approx(590.267, abs=1e-3)


def test_lazy_hedge_block_draws_and_rate():
    assert _row("dp_lazy_hedge", 4, 1000, epsilon=1.0, delta=0.0)[2] == 10
    assert _row("dp_lazy_hedge", 4, 100, epsilon=1.0, delta=0.0)[2] == 5
    assert _row("dp_lazy_hedge", 4, 2, epsilon=1.0, delta=0.0)[2] == 2
    # the privacy rate binds: 99 draws of eps0 = 0.1 / 99 each, eta = eps0 / 2
    assert _row("dp_lazy_hedge", 4, 1000, epsilon=0.1, delta=0.0)[1] == pytest.approx(0.1 / 198.0, rel=1e-12)
    # the Hedge rate binds (eps0 / 2 = 0.505): sqrt(8 ln 4 / (T B)) = 0.033302
    assert _row("dp_lazy_hedge", 4, 1000, epsilon=100.0, delta=0.0)[1] == pytest.approx(0.0333022, rel=1e-5)


def test_tree_hedge_default_rate_is_sqrt_8_ln_d_over_t():
    # sqrt(8 ln 4 / 1000) = sqrt(0.0110904) = 0.105311
    assert _row("dp_ftrl_tree_laplace", 4, 1000, epsilon=1.0)[1] == pytest.approx(0.105311, rel=1e-5)
    assert _row("dp_ftrl_tree_laplace", 4, 1000, epsilon=1.0, eta=0.25)[1] == 0.25


def test_gaussian_tree_draws_gaussian_node_noise(monkeypatch):
    """After round 0 the noise S is the one node [0, 0]: 4,000 i.i.d. coordinates of N(0, sigma^2) (sigma set to 1 here,
    so no calibration runs): sample variance within 0.1 of 1 (4.5 standard errors sqrt(2/n) = 0.022) and excess kurtosis
    below 1 (13 standard errors sqrt(24/n) = 0.077), where Laplace noise of scale sigma has variance 2 and excess
    kurtosis 3."""
    monkeypatch.setattr(private, "tree_gauss_sigma", lambda *args: 1.0)
    d = 4000
    tuner = olearn.stepwise(olearn.make("dp_ftrl_tree_gauss", n_arms=d, epsilon=1.0, delta=1e-5, eta=0.5), seed=2,
                            backend="python", horizon=8)
    assert tuner.params[2] == 1.0
    tuner.update(tuner.act(), np.zeros(d))
    noise = tuner.state[d : 2 * d]
    assert abs(noise.var() - 1.0) < 0.1
    assert abs(np.mean(noise**4) / noise.var() ** 2 - 3.0) < 1.0


def test_noisy_leader_scale_composes_t_minus_one_calls():
    assert _row("dp_noisy_leader", 4, 50, epsilon=1.0, delta=0.0)[1] == pytest.approx(98.0, rel=1e-12)
    assert _row("dp_noisy_leader", 4, 1, epsilon=1.0, delta=0.0)[1] == pytest.approx(2.0, rel=1e-12)


def test_default_delta_is_one_over_t_squared_capped_at_a_quarter():
    for horizon, want in ((1, 0.25), (2, 0.25), (3, 1.0 / 9.0), (10, 0.01), (1000, 1e-6)):
        assert private._delta({"delta": None}, horizon) == pytest.approx(want, rel=1e-12), horizon
    assert private._delta({"delta": 0.0}, 10) == 0.0


@pytest.mark.parametrize("name", ["dp_svt_experts", "dp_svt_small_loss", "dp_ftrl_tree_laplace", "dp_lazy_hedge",
                                  "dp_noisy_leader"])
def test_pure_dp_guarantee_spends_exactly_the_budget(name):
    """At delta = 0 the learners calibrate by basic composition, so the recomputed epsilon equals the target (lazy Hedge
    at eps = 0.1, where its privacy rate binds)."""
    values = REGISTRY[name].make(epsilon=0.1, **({} if "tree" in name else {"delta": 0.0})).values
    for d, horizon in ((4, 1000), (16, 50)):
        assert guarantee(REGISTRY[name], values, d, horizon).epsilon == pytest.approx(0.1, rel=1e-12), (d, horizon)


def test_above_threshold_costs_one_over_b1_plus_two_over_b2():
    """A sparse-vector row with b1 = 2, b2 = 2 (AboveThreshold 1/2 + 2/2 = 1.5-DP) and a negligible rate: K = 1,
    E = 1 compose 2 mechanisms of 1.5, epsilon 3 (not 2 = 2 (1/2 + 1/2), nor the draws' 2 x 2 eta)."""
    fake = SimpleNamespace(name="dp_svt_experts", row=lambda v, d, o, h: [d, 0.0, 1.0, 1, 2.0, 2.0, 1e-3, 1])
    assert guarantee(fake, {"epsilon": 3.0, "delta": 0.0}, 2, 10).epsilon == pytest.approx(3.0, rel=1e-12)


WILD = np.random.default_rng(7).choice([-3.0, -0.5, 0.0, 0.2, 0.7, 1.0, 1.6, 4.0], size=(40, 3))


@pytest.mark.parametrize("name,values", [
    ("dp_svt_experts", {"epsilon": 20.0, "delta": 0.0, "switches": 3, "threshold": 1.5}),
    ("dp_svt_small_loss", {"epsilon": 20.0, "delta": 0.0, "switches": 2, "threshold": 1.5}),
    ("dp_ftrl_tree_laplace", {"epsilon": 50.0, "eta": 0.5}),
    ("dp_lazy_hedge", {"epsilon": 20.0, "delta": 0.0, "block": 3}),
    ("dp_noisy_leader", {"epsilon": 100.0, "delta": 0.0}),
])
def test_losses_outside_the_unit_interval_act_as_their_clipped_values(name, values):
    learner = olearn.make(name, n_arms=3, **values)
    wild, clipped = (olearn.stepwise(learner, seed=3, backend="python", horizon=40) for _ in range(2))
    for t, row in enumerate(WILD):
        a, b = wild.act(), clipped.act()
        assert a == b, t
        wild.update(a, row)
        clipped.update(b, np.clip(row, 0.0, 1.0))
        np.testing.assert_array_equal(wild.state, clipped.state, err_msg=f"{name}, round {t}")


def test_dp_ucb_clips_each_reward_to_the_unit_interval():
    """Loss -2 is reward 3, clipped to 1 (as loss 0); loss 3 is reward -2, clipped to 0 (as loss 1)."""
    learner = olearn.make("dp_ucb", n_arms=3, epsilon=1.0)
    wild, clipped = (olearn.stepwise(learner, seed=1, backend="python", horizon=40) for _ in range(2))
    for t in range(40):
        a, b = wild.act(), clipped.act()
        assert a == b, t
        raw = (-2.0, 3.0, 0.4)[a]
        wild.update(a, raw)
        clipped.update(b, min(max(raw, 0.0), 1.0))
        np.testing.assert_array_equal(wild.state, clipped.state, err_msg=f"round {t}")


def test_halving_counts_losses_above_one_in_full():
    """Cumulative losses 2t and 1.5t: expert 1 is the unique leader from the first loss on, so it is always played."""
    tuner = olearn.stepwise(olearn.make("halving", n_arms=2), seed=0, backend="python", horizon=30)
    tuner.update(tuner.act(), [2.0, 1.5])
    for _ in range(29):
        arm = tuner.act()
        assert arm == 1
        tuner.update(arm, [2.0, 1.5])


def test_exponential_mechanism_never_draws_a_zero_probability_expert():
    """exp(-1000) underflows to 0, so expert 0 has probability exactly 0 and u = 0 must give expert 1."""
    assert mechanisms.exponential_mechanism(np.array([1000.0, 0.0, 1000.0]), 3, 1.0, 0.0) == 1
    assert mechanisms.exponential_mechanism(np.array([1000.0, 0.0, 1000.0]), 3, 1.0, 0.999999) == 1


def test_dp_ucb_index_uses_the_one_based_round():
    from olearn.learners import private_bandits as pb

    k = 2
    state = np.zeros(6 * k + 1)  # fields [n, L, c, s, mu~, m] x k, then the running arm + 1 (0: none)
    state[pb.PLAYS * k : pb.PLAYS * k + k] = [1.0, 4.0]
    state[pb.MEAN * k : pb.MEAN * k + k] = [-1.0, 2.3]
    state[pb.SIZE * k : pb.SIZE * k + k] = [1.0, 4.0]
    action = np.zeros(1)
    pb.dp_ucb_act(state, np.array([k, 1.0, 4.0]), np.zeros(0), 1, 0, action)  # params [K, 1 / eps, alpha], round 1
    assert action[0] == 1
    assert state[pb.LENGTH * k + 1] == 4.0 and state[6 * k] == 2.0  # an episode of n_1 = 4 plays of arm 1 runs


@pytest.mark.parametrize("name, param, bad, good", [
    ("dp_svt_experts", "beta", 0.6, 0.5), ("dp_svt_experts", "switches", 0, 1), ("dp_lazy_hedge", "block", 0, 1),
    ("dp_ucb", "alpha", 101.0, 100.0), ("dp_ftrl_tree_laplace", "eta", 0.0, 1e-3),
])
def test_declared_parameter_ranges_are_enforced(name, param, bad, good):
    assert olearn.make(name, **{param: good}).values[param] == good
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make(name, **{param: bad})
    assert err.value.name == param
