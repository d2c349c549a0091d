"""Privacy accounting, the private-run shells and parameter validation against independent truths (no compilation).

* Composition (olearn.privacy.accountant.composed_epsilon).  k eps0-DP mechanisms are dominated by k randomized
  responses, whose privacy loss (k - 2 l) eps0 with l ~ Binomial(k, 1 / (1 + e^eps0)) is, for k = 2^20 and
  eps0 = 1e-3, Gaussian to within the binomial's O(1 / sqrt(k)) corrections: mean k eps0 tanh(eps0 / 2) ~ mu^2 / 2
  and variance 4 k eps0^2 p q ~ mu^2 with mu = sqrt(k) eps0 = 1.024, so its epsilon is mu-GDP's, the root of
  Phi(-eps / mu + mu / 2) - e^eps Phi(-eps / mu - mu / 2) = delta (Dong, Roth and Su 2019).  k = 2^20 is the last
  count computed exactly.  Past it the bound is zCDP with rho = k eps0^2 / 2 (Bun and Steinke 2016), which can be
  no better than the optimal composition and no worse than their conversion rho + 2 sqrt(rho log(1 / delta)).
  Whatever the route, the result is at most basic composition's k eps0, at least 0, and 0 at delta >= 1 (any eps
  then holds) or where the total variation already is at most delta: for 4 responses at eps0 = 0.1 the TV
  distance is at most 4 (p - q) = 4 tanh(0.05) = 0.2 < 0.5.
* Calibration.  calibrate_epsilon0 is the largest eps0 (capped at epsilon) whose composition stays within
  epsilon, so 1e-5 more must compose past it unless the cap was returned; two responses at eps0 = 1 are
  already (1, 0.9)-DP (hockey stick at e^1: p^2 - e q^2 = 0.5344 - 0.1966 = 0.338 <= 0.9, with p = e / (1 + e)),
  so the cap 1 is returned there; zero mechanisms spend nothing (eps0 = inf).  Binary-tree aggregation over T
  rounds puts each record in floor(log2 T) + 1 nodes with independent noise of multiplier z, i.e. the Gaussian
  mechanism with multiplier z / sqrt(floor(log2 T) + 1) (Kairouz et al. 2021); calibrate_gaussian_tree returns
  the smallest z, so z (1 - 1e-5) spends more than epsilon, also at epsilon = 50 where z < 1.
* Shells (olearn.privacy.runner): the probe covers rounds 0..15, arms 0..63 and seeds 0 and 1, but no round past
  the horizon; the run wrapper checks a horizon of 1 too, and reports the budget of the horizon and the number of
  experts actually run (at delta = 0 the noisy leader and the Laplace tree spend exactly epsilon by basic
  composition); the step-wise driver refuses losses above 1 as well as below 0, and horizons that are no
  positive integers.
* Parameters (olearn.core.params.Param): bounds as declared (an open end excludes itself, a closed one includes
  itself, every entry of a vector is held to them), scalar floats held to [-1e100, 1e100] but vectors not, NumPy
  scalars of the declared kind accepted (bools only for bool), the canonical value's type (int for int), and the
  allowed-range text: brackets, infinite ends, the enforced limits, ", or None", quoted choices.
"""
import dataclasses
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import privacy
from olearn.core.errors import ParameterError
from olearn.core.params import Param, finite_vector, real_array, resolve
from olearn.privacy import accountant


def _gdp_epsilon(mu, delta):
    """mu-GDP's epsilon at delta, by bisection on its hockey-stick divergence (Phi from math.erfc)."""
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2.0))  # noqa: E731
    excess = lambda eps: phi(-eps / mu + mu / 2) - math.exp(eps) * phi(-eps / mu - mu / 2) - delta  # noqa: E731
    lo, hi = 0.0, 100.0
    for _ in range(200):
        lo, hi = (lo, (lo + hi) / 2) if excess((lo + hi) / 2) <= 0.0 else ((lo + hi) / 2, hi)
    return hi


# ------------------------------------------------------------------------------------------------ composition

def test_composition_at_the_largest_exact_count_is_the_gaussian_optimum():
    k, eps0, delta = accountant.EXACT_MAX_COUNT, 1e-3, 1e-6
    assert k == 2**20
    optimum = _gdp_epsilon(math.sqrt(k) * eps0, delta)  # 5.0204
    assert accountant.composed_epsilon(eps0, k, delta) == pytest.approx(optimum, rel=1e-4)


def test_composition_past_the_exact_count_lies_between_the_optimum_and_the_zcdp_conversion():
    k, eps0, delta = accountant.EXACT_MAX_COUNT + 1, 1e-3, 1e-6
    rho = k * eps0**2 / 2.0
    got = accountant.composed_epsilon(eps0, k, delta)
    assert _gdp_epsilon(math.sqrt(k) * eps0, delta) * (1 - 1e-4) <= got <= rho + 2.0 * math.sqrt(rho * math.log(1 / delta))
    # eps0 = 5: rho = 13.1e6 exceeds basic composition's k eps0 = 5.24e6, so the basic bound is the answer
    assert accountant.composed_epsilon(5.0, k, delta) == k * 5.0


def test_composition_is_zero_for_nothing_promised_and_never_above_basic():
    assert accountant.composed_epsilon(1.0, 0, 1e-6) == 0.0
    assert accountant.composed_epsilon(1.0, 5, 1.0) == 0.0  # delta = 1 holds at every epsilon
    assert accountant.composed_epsilon(0.1, 4, 0.5) == 0.0  # TV <= 0.2 < 0.5 (not a negative epsilon)
    assert accountant.composed_epsilon(1.0, 3, 0.0) == 3.0  # pure DP: basic composition
    # one response: delta(eps) = [p - e^eps q]_+, so eps = log((p - delta) / q) with p = e / (1 + e), q = 1 - p
    p = math.e / (1 + math.e)
    assert accountant.composed_epsilon(1.0, 1, 1e-3) == pytest.approx(math.log((p - 1e-3) / (1 - p)), rel=1e-8)
    # only l = 0 flips is live at delta = 1e-12: 3 + log(1 - delta / p^3) is just below 3, and the rounding
    # allowance must not lift it above basic composition's 3
    assert accountant.composed_epsilon(1.0, 3, 1e-12) <= 3.0


@pytest.mark.parametrize("epsilon, delta, count", [(1.0, 1e-6, 50), (0.3, 1e-5, 7), (2.0, 1e-8, 400), (1.0, 0.9, 2)])
def test_calibrated_epsilon0_is_the_largest_that_fits(epsilon, delta, count):
    eps0 = accountant.calibrate_epsilon0(epsilon, delta, count)
    assert accountant.composed_epsilon(eps0, count, delta) <= epsilon
    assert eps0 == epsilon or accountant.composed_epsilon(eps0 * (1 + 1e-5), count, delta) > epsilon
    if delta == 0.9:
        assert eps0 == 1.0  # the cap: two responses at eps0 = 1 are (1, 0.9)-DP already


def test_calibration_of_no_mechanisms_is_unbounded():
    assert accountant.calibrate_epsilon0(1.0, 1e-6, 0) == math.inf


@pytest.mark.parametrize("horizon", [1, 2, 3, 4, 1023, 1024])
def test_gaussian_tree_is_the_gaussian_mechanism_over_its_node_count(horizon):
    from dp_accounting import dp_event
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    z, delta = 3.0, 1e-6
    nodes = math.floor(math.log2(horizon)) + 1  # 11 at T = 1024, 10 at T = 1023
    acc = rdp.RdpAccountant(orders=accountant._orders())
    acc.compose(dp_event.GaussianDpEvent(z / math.sqrt(nodes)))
    assert accountant.gaussian_tree_epsilon(z, horizon, delta) == pytest.approx(acc.get_epsilon(delta), rel=1e-12)


@pytest.mark.parametrize("epsilon, delta, horizon", [(50.0, 1e-5, 2), (1.0, 1e-6, 1000), (0.5, 1e-5, 1024)])
def test_gaussian_tree_noise_is_the_smallest_that_fits(epsilon, delta, horizon):
    z = accountant.calibrate_gaussian_tree(epsilon, delta, horizon)
    assert accountant.gaussian_tree_epsilon(z, horizon, delta) <= epsilon
    assert accountant.gaussian_tree_epsilon(z * (1 - 1e-5), horizon, delta) > epsilon


# ------------------------------------------------------------------------------------------------ shells

WIDE = dataclasses.replace(environments.REGISTRY["loss_matrix"], name="wide_loss_matrix",
                           params=(Param("losses", ((0.0,),), "any losses", kind="matrix"),))


def _wide(rounds, arms, bad_round, bad_arm, value=1.5):
    losses = np.full((rounds, arms), 0.5)
    losses[bad_round, bad_arm] = value
    return WIDE.make(losses=losses)


def test_probe_covers_the_first_16_rounds_and_64_arms():
    for bad_round, bad_arm, value in ((15, 0, 1.5), (0, 0, -0.5), (3, 63, 1.5), (3, 63, -1e-9), (15, 1, 1 + 1e-9)):
        with pytest.raises(ParameterError, match=f"arm {bad_arm} at round {bad_round}") as err:
            privacy.check_unit_losses(_wide(20, 65, bad_round, bad_arm, value), 20)
        assert err.value.name == "env"
    privacy.check_unit_losses(_wide(20, 3, 5, 1), 5)  # past the horizon: never played
    with pytest.raises(ParameterError, match="round 4"):
        privacy.check_unit_losses(_wide(20, 3, 4, 1), 5)


def test_probe_covers_seed_one():
    env = environments.make("gaussian", means=[0.5], sigma=0.25)
    row, obs, state = env.row(), np.zeros(0), np.zeros(env.state_size())
    losses = {}
    with np.errstate(over="ignore"):
        for seed in (0, 1):
            env.type.reset(state, row, seed)
            losses[seed] = np.array([env.type.loss(state, row, obs, t, seed, 0) for t in range(16)])
    assert np.all((losses[0] >= 0) & (losses[0] <= 1)) and not np.all((losses[1] >= 0) & (losses[1] <= 1))
    with pytest.raises(ParameterError, match="seed 1"):
        privacy.check_unit_losses(env, 16)


def test_run_checks_a_one_round_horizon():
    with pytest.raises(ParameterError, match=r"'env'.*\[0, 1\]"):
        privacy.run(olearn.make("dp_noisy_leader"), _wide(4, 2, 0, 1), horizon=1, backend="python")


@pytest.mark.parametrize("name, values, what", [
    ("dp_noisy_leader", {"delta": 0.0}, ("29 report-noisy-min calls, each 0.01724-DP", "29 report-noisy-min calls, each 0.06897-DP")),
    ("dp_ftrl_tree_laplace", {}, ("Laplace tree, scale 50 per", "Laplace tree, scale 12.5 per")),
])
def test_run_reports_the_budget_of_its_own_horizon_and_experts(name, values, what):
    """T = 30 rounds, d = 5 experts, eps in (0.5, 2): the noisy leader makes T - 1 = 29 report-noisy-min calls of
    eps / 29 each (0.01724, 0.06897); the Laplace tree puts each record in floor(log2 30) + 1 = 5 nodes of d = 5
    coordinates, l1 sensitivity 25, so scale 25 / eps = 50 and 12.5.  Both are pure DP and spend exactly eps."""
    env = environments.make("realizable_experts", n_experts=5, span=30)
    result = privacy.run(olearn.make(name, epsilon=[0.5, 2.0], **values), env, horizon=30, seeds=1, backend="python",
                         metrics=["regret"])
    for g, target, text in zip(result.meta["privacy"], (0.5, 2.0), what):
        assert g["epsilon_target"] == target and g["epsilon"] == pytest.approx(target, rel=1e-12)
        assert g["delta"] == 0.0 and g["learner"] == name and g["mechanisms"].startswith(text), g["mechanisms"]


def test_stepwise_refuses_losses_above_one_and_horizons_that_are_no_positive_integers():
    tuner = privacy.stepwise(olearn.make("dp_svt_experts", n_arms=2), seed=0, backend="python", horizon=10)
    arm = tuner.act()
    before = tuner.state.copy()
    with pytest.raises(ParameterError, match="'loss'"):
        tuner.update(arm, [0.5, 1.5])
    np.testing.assert_array_equal(tuner.state, before)
    tuner.update(arm, [0.0, 1.0])  # the ends themselves are losses in [0, 1]
    for horizon in (0, 2.5):
        with pytest.raises(ParameterError) as err:
            privacy.stepwise(olearn.make("dp_noisy_leader", n_arms=2), seed=0, backend="python", horizon=horizon)
        assert err.value.name == "horizon"


# ------------------------------------------------------------------------------------------------ parameters

def _refused(p, value):
    with pytest.raises(ParameterError) as err:
        p.validate("owner", value)
    assert err.value.name == p.name and p.allowed() in str(err.value)


def test_open_and_closed_ends_exclude_and_include_themselves_for_every_entry():
    scalar = Param("x", 1.0, "", low=0.5, open_low=True, high=2.0)
    _refused(scalar, 0.5)
    assert scalar.validate("owner", 2.0) == 2.0 and scalar.validate("owner", math.nextafter(0.5, 1.0)) > 0.5
    vector = Param("v", None, "", kind="vector", low=0.0, open_low=True, high=1.0)
    _refused(vector, [0.0, 0.5])
    _refused(vector, [0.5, 1.5])  # one entry past the end is enough
    _refused(Param("v", None, "", kind="vector"), [1.0, math.inf])  # infinite ends: still finite numbers only
    np.testing.assert_array_equal(vector.validate("owner", [1.0, 0.25]), [1.0, 0.25])
    # a declared open end at the magnitude limit itself stays open
    _refused(Param("x", 0.0, "", low=-1e100, open_low=True), -1e100)
    _refused(Param("x", 0.0, "", high=1e100, open_high=True), 1e100)


def test_scalar_floats_are_held_to_the_magnitude_limit_and_vectors_are_not():
    free = Param("x", 0.0, "")
    assert free.validate("owner", -1e100) == -1e100 and free.validate("owner", 1e100) == 1e100
    _refused(free, -1.1e100)
    _refused(free, 1.1e100)
    assert free.validate("owner", np.float32(0.5)) == 0.5  # a NumPy float of another width is a number
    np.testing.assert_array_equal(Param("v", None, "", kind="vector").validate("owner", [1e200]), [1e200])


def test_numpy_scalars_bools_and_the_canonical_types():
    flag = Param("b", False, "", kind="bool")
    assert flag.validate("owner", np.True_) is True
    _refused(Param("x", 0.0, ""), np.True_)
    count = Param("n", 1, "", kind="int", low=1)
    got = count.validate("owner", np.int64(3))
    assert got == 3 and type(got) is int
    assert type(count.validate("owner", 4.0)) is int
    _refused(count, math.inf)
    _refused(count, 2.5)
    assert Param("x", 0.5, "", optional=True).validate("owner", None) is None
    _refused(Param("x", 0.5, ""), None)


def test_sizes_shapes_and_the_given_array_left_alone():
    matrix = Param("m", None, "", kind="matrix", min_size=2)
    _refused(matrix, np.zeros((0, 3)))
    _refused(Param("m", None, "", kind="matrix"), np.zeros((0, 3)))  # no rows: empty, though 3 columns
    _refused(matrix, np.zeros((2, 1)))  # 2 rows of 1 column: too few columns
    assert matrix.validate("owner", np.zeros((1, 2))).shape == (1, 2)
    _refused(Param("v", None, "", kind="vector"), [])  # non-empty by default
    _refused(Param("v", None, "", kind="vector"), [[1.0]])
    given = np.array([0.25, 0.5])
    held = Param("v", None, "", kind="vector").validate("owner", given)
    assert given.flags.writeable and not held.flags.writeable
    given[0] = 0.75
    assert held[0] == 0.25
    _refused(Param("v", None, "", kind="vector"), [1 + 2j])
    _refused(Param("v", None, "", kind="vector"), ["0.5"])


def test_finite_vector_and_real_array_refuse_what_is_not_real_numbers():
    for bad in ([True, False], [], 3.0, [[1.0]], [1.0, math.nan]):
        with pytest.raises(ParameterError, match="'counts'"):
            finite_vector("owner", "counts", bad, "numbers")
    np.testing.assert_array_equal(finite_vector("owner", "counts", [1, 2], "numbers"), [1.0, 2.0])
    with pytest.raises(TypeError):
        real_array(np.array(["0.5"]))
    with pytest.raises(ValueError):
        real_array([1j])


def test_allowed_text_names_the_enforced_range():
    assert Param("x", 0.0, "").allowed() == "a finite number, at least -1e+100 and at most 1e+100"
    assert Param("x", 0.0, "", low=0.0).allowed() == "a finite number in [0, inf), at most 1e+100"
    assert Param("x", 0.0, "", high=1.0, open_high=True).allowed() == "a finite number in (-inf, 1), at least -1e+100"
    assert Param("n", None, "", kind="int", low=1, optional=True).allowed() == "an integer in [1, inf), or None"
    assert Param("v", None, "", kind="vector", min_size=0, low=0.0, high=1.0).allowed() == \
        "a list of finite numbers, each in [0, 1]"
    assert Param("m", None, "", kind="matrix").allowed() == "a non-empty 2-D array of finite numbers, each in (-inf, inf)"
    assert Param("c", "a", "", kind="choice", choices=("a", "b")).allowed() == "one of 'a', 'b'"
    with pytest.raises(ParameterError, match=r"known parameters are a, b, c$"):
        resolve("owner", (Param("c", 0.0, ""), Param("a", 0.0, ""), Param("b", 0.0, "")), {"zzz": 1.0})


def test_a_list_for_a_choice_is_a_grid():
    assert [c["perturbation"] for c in olearn.make("ftpl", perturbation=["uniform", "gumbel"]).configs] == ["uniform", "gumbel"]
