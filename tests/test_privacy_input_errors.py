"""Hostile input to olearn.privacy (runner, accountant, guarantees, audit): a ParameterError that names the parameter
and its range, raised before any work; valid edge inputs checked against values worked out by hand.

Python backend only; every refusal comes before any numba kernel is compiled or any audit sample drawn."""
import dataclasses
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import privacy
from olearn.core.errors import ParameterError
from olearn.core.params import Param
from olearn.learners import REGISTRY
from olearn.privacy import accountant, audit
from olearn.privacy.guarantees import guarantee

P1 = math.e / (1.0 + math.e)  # randomized response at eps0 = 1: the probability of the truthful answer


def _refused(call, name, *fragments):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name, str(info.value)
    for text in (f"parameter '{name}'",) + fragments:
        assert text in str(info.value), (text, str(info.value))
    return info.value


# ------------------------------------------------------------------------------------------------ 1: short worlds

@pytest.mark.parametrize("world", ["loss_matrix", "sleeping_loss_matrix", "sor_costs"])
def test_a_horizon_past_the_worlds_length_is_the_runs_horizon_error(world):
    env = environments.make(world)
    cap = env.type.max_horizon(env.values)
    assert cap < privacy.runner.PROBE_ROUNDS  # the probe used to read past the world's last round
    err = _refused(lambda: privacy.run(olearn.make("dp_lazy_hedge"), env, 20, backend="python"), "horizon",
                   f"an integer in [1, {cap}]", world)
    assert err.owner == "run"  # the very error olearn.run gives
    _refused(lambda: privacy.check_unit_losses(env, cap + 1), "horizon", f"an integer in [1, {cap}]")


def test_a_run_over_a_whole_short_world_works_and_reports_the_hand_computed_epsilon():
    # dp_lazy_hedge, epsilon 1, delta None -> min(1/T^2, 1/4) = 1/4 at T = 2; block ceil(2^(1/3)) = 2, one draw, eps0 = 1,
    # eta = min(eps0 / 2, sqrt(8 ln 2 / (T B))) = 1/2: one randomized response at 2 eta = 1, eps = log((p - delta) / q)
    result = privacy.run(olearn.make("dp_lazy_hedge"), environments.make("loss_matrix"), 2, backend="python")
    spent = result.meta["privacy"][0]
    assert result.horizon == 2 and spent["delta"] == 0.25
    assert spent["epsilon"] == pytest.approx(math.log((P1 - 0.25) / (1.0 - P1)), rel=1e-8)


def test_the_probe_reaches_the_last_round_of_a_short_world():
    wide = dataclasses.replace(environments.REGISTRY["loss_matrix"], name="wide_loss_matrix",
                               params=(Param("losses", ((0.0,),), "any losses", kind="matrix"),))
    env = wide.make(losses=[[0.5, 0.5], [0.5, 1.5]])
    _refused(lambda: privacy.check_unit_losses(env, 2), "env", "loss 1.5 of arm 1 at round 1")
    privacy.check_unit_losses(env, 1)  # round 0 alone is in [0, 1]


# ------------------------------------------------------------------------------------------------ 3: runner types

def test_check_unit_losses_takes_an_environment_or_a_name_as_olearn_run_does():
    _refused(lambda: privacy.check_unit_losses(None, 10), "env", "an environment from environments.make")
    _refused(lambda: privacy.check_unit_losses(3.5, 10), "env", "or a registered name")
    assert privacy.check_unit_losses("bernoulli", 10) is None  # a name, as olearn.run takes one
    _refused(lambda: privacy.check_unit_losses("loss_matrix", 3), "horizon", "an integer in [1, 2]")


def test_stepwise_needs_a_learner():
    _refused(lambda: privacy.stepwise(None, horizon=5), "learner", "a learner from olearn.make")
    _refused(lambda: privacy.stepwise(3, horizon=5, backend="python"), "learner", "a learner from olearn.make")


@pytest.mark.parametrize("loss", ["abc", [[1.0, 2.0], [3.0]], {"a": 1}, 1j, [0.5, 1j], None])
def test_stepwise_update_refuses_what_plain_stepwise_refuses_and_keeps_its_round(loss):
    s = privacy.stepwise(olearn.make("dp_lazy_hedge", n_arms=2), horizon=5, backend="python")
    arm = s.act()
    _refused(lambda: s.update(arm, loss), "loss", "2 finite real number(s)")
    assert s.t == 0
    s.update(arm, [0.25, 0.75])  # the round goes on where it was
    assert s.t == 1 and s.state[1:3].tolist() == [0.25, 0.75]


def test_stepwise_update_still_refuses_losses_outside_the_unit_interval():
    s = privacy.stepwise(olearn.make("dp_lazy_hedge", n_arms=2), horizon=5, backend="python")
    _refused(lambda: s.update(s.act(), [0.5, 1.5]), "loss", "2 number(s) in [0, 1]")


# ------------------------------------------------------------------------------------------------ 2: accountant

@pytest.mark.parametrize("call, name, allowed", [
    (lambda: accountant.composed_epsilon(float("nan"), 5, 0.1), "eps0", "a finite number > 0"),
    (lambda: accountant.composed_epsilon(-1.0, 5, 0.1), "eps0", "a finite number > 0"),
    (lambda: accountant.composed_epsilon(0.0, 5, 0.1), "eps0", "a finite number > 0"),
    (lambda: accountant.composed_epsilon(math.inf, 5, 0.1), "eps0", "a finite number > 0"),
    (lambda: accountant.composed_epsilon(1.0, -1, 0.1), "count", "an integer >= 0"),
    (lambda: accountant.composed_epsilon(1.0, 2.5, 0.1), "count", "an integer >= 0"),
    (lambda: accountant.composed_epsilon(1.0, True, 0.1), "count", "an integer >= 0"),
    (lambda: accountant.composed_epsilon(1.0, 5, float("nan")), "delta", "a number in [0, 1]"),
    (lambda: accountant.composed_epsilon(1.0, 5, -0.1), "delta", "a number in [0, 1]"),
    (lambda: accountant.composed_epsilon(1.0, 5, 1.5), "delta", "a number in [0, 1]"),
    (lambda: accountant.calibrate_epsilon0(-1.0, 1e-5, 5), "epsilon", "a finite number > 0"),
    (lambda: accountant.calibrate_epsilon0([1.0], 1e-5, 5), "epsilon", "a finite number > 0"),  # unhashable too
    (lambda: accountant.calibrate_epsilon0(1.0, 2.0, 5), "delta", "a number in [0, 1]"),
    (lambda: accountant.calibrate_epsilon0(1.0, 1e-5, -3), "count", "an integer >= 0"),
    (lambda: accountant.gaussian_tree_epsilon(1.0, -5, 1e-5), "horizon", "an integer in [1, 4611686018427387904]"),
    (lambda: accountant.gaussian_tree_epsilon(0.0, 4, 1e-5), "noise_multiplier", "a finite number > 0"),
    (lambda: accountant.gaussian_tree_epsilon(1.0, 4, 0.0), "delta", "a number in (0, 1)"),
    (lambda: accountant.calibrate_gaussian_tree(1.0, 1e-5, 0), "horizon", "an integer in [1, 4611686018427387904]"),
    (lambda: accountant.calibrate_gaussian_tree(1.0, 1.0, 4), "delta", "a number in (0, 1)"),
    (lambda: accountant.calibrate_gaussian_tree(float("inf"), 1e-5, 4), "epsilon", "a finite number > 0"),
])
def test_accountant_refuses_bad_arguments(call, name, allowed):
    _refused(call, name, allowed)


def test_accountant_edges_keep_their_values():
    assert accountant.composed_epsilon(1.0, 0, 1e-6) == 0.0  # nothing composed spends nothing
    assert accountant.composed_epsilon(1.0, 5, 1.0) == 0.0  # delta = 1 holds at every epsilon
    assert accountant.composed_epsilon(0.5, np.int64(3), 0.0) == 1.5  # pure DP: basic composition
    got = accountant.composed_epsilon(np.float64(1.0), np.int64(1), 1e-3)
    assert got == pytest.approx(math.log((P1 - 1e-3) / (1.0 - P1)), rel=1e-8)
    assert accountant.calibrate_epsilon0(1.0, 1e-6, 0) == math.inf
    assert accountant.calibrate_epsilon0(1.0, 0.0, 4) == 0.25


def test_calibrating_the_gaussian_tree_for_too_large_an_epsilon_says_to_lower_it():
    err = _refused(lambda: audit.audit_tree_gauss(1e308, 1e-5, 2, 4, n=100), "epsilon", "a smaller epsilon or delta")
    assert "larger" not in str(err)


# ------------------------------------------------------------------------------------------------ 2: guarantees

def test_guarantee_names_a_missing_or_bad_parameter_value():
    kind = REGISTRY["dp_lazy_hedge"]
    full = dict(olearn.make("dp_lazy_hedge", n_arms=2, epsilon=1.0, delta=0.0, block=4).values)
    _refused(lambda: guarantee(kind, {k: v for k, v in full.items() if k != "block"}, 2, 10), "values", "'block' is missing")
    _refused(lambda: guarantee(kind, {}, 2, 10), "values", "is missing")
    _refused(lambda: guarantee(kind, None, 2, 10), "values", "olearn.make('dp_lazy_hedge', ...).configs[0]")
    _refused(lambda: guarantee(kind, dict(full, epsilon=-1.0), 2, 10), "epsilon", "(0, 100]")
    _refused(lambda: guarantee("dp_lazy_hedge", full, 2, 10), "learner_type", "a learner type")
    # blocks of 4 over 10 rounds: ceil(10 / 4) - 1 = 2 draws at eps0 = 1 / 2, eta = min(1 / 4, sqrt(8 ln 2 / 40)) = 1 / 4,
    # each draw 2 eta = 1/2-DP: basic composition spends 1
    got = guarantee(kind, full, 2, 10)
    assert (got.epsilon, got.delta, got.epsilon_target) == (1.0, 0.0, 1.0)


# ------------------------------------------------------------------------------------------------ 4: audit sizes

BUDGET = 8 * 2**30


def test_exponential_mechanism_audit_bounds_eps0_and_its_sizes():
    # the default s = ceil(2 ln(10 (d - 1)) / eps0) must stay below 2^52 (at d = 2: eps0 >= 2 ln 10 / 2^52)
    _refused(lambda: audit.audit_exponential_mechanism(5e-324, n=1000), "eps0",
             f"a finite number >= {2 * math.log(10) / 2**52:.3g}", "2^52")
    # d = 2: 16 d + 16 n + 2 n min(d, 2n) = 32 + 20 n bytes
    for n in (10**12, 2**62):
        _refused(lambda: audit.audit_exponential_mechanism(1.0, n=n), "n", f"an integer in [2, {(BUDGET - 32) // 20}]", "8 GiB")
    _refused(lambda: audit.audit_exponential_mechanism(1.0, n=100, d=10**12), "d", "an integer in [2, ", "8 GiB")


def test_other_audits_bound_their_sizes():
    # m = 8: 16 m + 16 n + 2 n min(m + 1, 2 n) = 128 + 34 n bytes
    _refused(lambda: audit.audit_above_threshold(1.0, n=10**12), "n", f"an integer in [2, {(BUDGET - 128) // 34}]")
    _refused(lambda: audit.audit_above_threshold(1.0, n=100, m=10**12), "m", "an integer in [1, ")
    _refused(lambda: audit.audit_report_noisy_min(1.0, n=10**12), "n", f"an integer in [2, {BUDGET // 20}]")
    # horizon 4: 3 nodes per expert; d = 2: 17 n 3 d + 16 3 d = 102 n + 96 bytes
    _refused(lambda: audit.audit_tree_laplace(1.0, d=2, horizon=4, n=10**12), "n", f"an integer in [2, {(BUDGET - 96) // 102}]")
    _refused(lambda: audit.audit_tree_laplace(1.0, d=2**40, horizon=4, n=100), "d", "an integer in [1, ")
    _refused(lambda: audit.audit_tree_laplace(1.0, d=2, horizon=2**63, n=100), "horizon", "an integer in [1, 4611686018427387904]")
    _refused(lambda: audit.audit_tree_gauss(1.0, 1e-5, d=2**40, horizon=4, n=100), "d", "an integer in [1, ")
    _refused(lambda: audit.audit_tree_gauss(1.0, 1e-5, d=2, horizon=4, n=2**62), "n", "an integer in [2, ")
    _refused(lambda: audit.audit_learner_case("dp_noisy_leader", n=10**12), "n", "an integer in [2, ", "8 GiB")


def test_a_pickled_private_driver_keeps_its_checks_and_carries_on():
    """A private step-wise driver had been loaded back from a pickle as a plain one: losses outside [0, 1] and
    rounds past its horizon were taken.  Loaded, it is the same driver: same class, state and next arm, and both
    checks hold."""
    import pickle

    live = privacy.stepwise(olearn.make("dp_lazy_hedge", n_arms=3), seed=1, backend="python", horizon=3)
    live.update(live.act(), np.full(3, 0.3))
    copy = pickle.loads(pickle.dumps(live))
    assert type(copy) is type(live) and copy.t == 1 and np.array_equal(copy.state, live.state)
    arm = copy.act()
    assert arm == live.act()
    with pytest.raises(ParameterError, match="'loss'.*in \\[0, 1\\]"):
        copy.update(arm, np.full(3, 2.0))
    copy.update(arm, np.full(3, 0.1))
    copy.update(copy.act(), np.full(3, 0.1))
    with pytest.raises(ParameterError, match="'round'.*at most horizon = 3"):
        copy.act()
