"""Bad input to the private learners and their worlds: one clear ParameterError each."""
import numpy as np
import pytest

import environments
import olearn
from olearn import privacy
from olearn.core.errors import ParameterError

PRIVATE = ["dp_svt_experts", "dp_svt_small_loss", "dp_ftrl_tree_laplace", "dp_ftrl_tree_gauss", "dp_lazy_hedge",
           "dp_noisy_leader"]


@pytest.mark.parametrize("name", PRIVATE)
@pytest.mark.parametrize("epsilon", [0.0, -1.0])
def test_epsilon_must_be_positive(name, epsilon):
    with pytest.raises(ParameterError, match="epsilon"):
        olearn.make(name, epsilon=epsilon)


@pytest.mark.parametrize("name", [n for n in PRIVATE if "tree_laplace" not in n])
@pytest.mark.parametrize("delta", [-0.1, 1.0, 2.0])
def test_delta_must_lie_in_zero_one(name, delta):
    with pytest.raises(ParameterError, match="delta"):
        olearn.make(name, delta=delta)


def test_gaussian_tree_needs_positive_delta():
    with pytest.raises(ParameterError, match="delta"):
        olearn.make("dp_ftrl_tree_gauss", delta=0.0)


@pytest.mark.parametrize("name", PRIVATE + ["halving"])
def test_at_least_one_expert(name):
    with pytest.raises(ParameterError, match="n_arms"):
        olearn.make(name, n_arms=0)


@pytest.mark.parametrize("env", ["realizable_experts", "small_loss_experts", "oblivious_experts"])
def test_world_needs_at_least_one_expert(env):
    with pytest.raises(ParameterError, match="n_experts"):
        environments.make(env, n_experts=0)


def test_small_loss_world_rejects_more_losses_than_rounds():
    with pytest.raises(ParameterError, match="best_loss"):
        environments.make("small_loss_experts", span=5, best_loss=6)


def test_losses_outside_unit_interval_are_refused_before_running():
    env = environments.make("gaussian", means=[0.2, 0.5], sigma=1.0)  # Gaussian losses leave [0, 1]
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        privacy.run(olearn.make("dp_noisy_leader"), env, horizon=20)


def test_stepwise_refuses_losses_outside_unit_interval_and_keeps_its_state():
    tuner = privacy.stepwise(olearn.make("dp_svt_experts", n_arms=2), seed=0, backend="python", horizon=10)
    a = tuner.act()
    tuner.update(a, [0.0, 1.0])
    before = tuner.state.copy()
    a = tuner.act()
    with pytest.raises(ParameterError, match="loss"):
        tuner.update(a, [-0.5, 0.5])
    np.testing.assert_array_equal(tuner.state, before)
    tuner.update(a, [0.0, 0.5])  # the driver carries on


def test_run_reports_the_spent_budget():
    env = environments.make("realizable_experts", n_experts=8, span=50)
    result = privacy.run(olearn.make("dp_lazy_hedge", epsilon=[0.5, 2.0], delta=1e-6), env, horizon=50, seeds=2,
                         metrics=["regret"])
    spent = result.meta["privacy"]
    assert [g["epsilon_target"] for g in spent] == [0.5, 2.0]
    for g in spent:
        assert 0.9 * g["epsilon_target"] <= g["epsilon"] <= g["epsilon_target"] and g["delta"] == 1e-6


def test_stepwise_needs_a_horizon_and_stops_at_it():
    """The noise is calibrated for `horizon` rounds: a round past it would spend unaccounted privacy."""
    with pytest.raises(ParameterError, match="'horizon'"):
        privacy.stepwise(olearn.make("dp_noisy_leader", n_arms=2), seed=0, backend="python")
    tuner = privacy.stepwise(olearn.make("dp_noisy_leader", n_arms=2, epsilon=1.0, delta=0.0), seed=0, backend="python",
                             horizon=3)
    for _ in range(3):
        tuner.update(tuner.act(), [0.0, 1.0])
    with pytest.raises(ParameterError, match="'round'.*horizon = 3"):
        tuner.act()


def test_epsilon_above_100_and_the_default_delta_at_one_round():
    with pytest.raises(ParameterError, match="'epsilon'.*100"):
        olearn.make("dp_svt_experts", epsilon=710.0)
    env = environments.make("realizable_experts", n_experts=4, span=5)
    result = privacy.run(olearn.make("dp_svt_experts", epsilon=1.0), env, horizon=1, seeds=2)
    assert result.meta["privacy"][0]["delta"] == 0.25  # min(1/T^2, 1/4): 1/T^2 = 1 would promise nothing


@pytest.mark.parametrize("span, p", [(9, 0.7), (40, 0.5), (100, 0.3), (2000, 1.0)])
@pytest.mark.parametrize("above", [0, 1])  # L* = span, and L* past the span (whose message had offered [0, span])
def test_small_loss_world_suggests_the_largest_best_loss_it_accepts(span, p, above):
    import re

    with pytest.raises(ParameterError, match="'best_loss'") as err:
        environments.make("small_loss_experts", span=span, decoy_loss=p, best_loss=span + above)
    most = int(re.search(r"\[0, (\d+)\]", str(err.value)).group(1))
    if most:
        environments.make("small_loss_experts", span=span, decoy_loss=p, best_loss=most)
    with pytest.raises(ParameterError, match="'best_loss'"):
        environments.make("small_loss_experts", span=span, decoy_loss=p, best_loss=most + 1)


def test_run_refuses_a_world_without_experts():
    """An oco world has no experts: a ParameterError naming 'env' (it had raised AttributeError 'loss')."""
    with pytest.raises(ParameterError, match="'env'.*kind 'arms'.*'oco'"):
        privacy.run(olearn.make("dp_svt_experts"), environments.make("sea_quadratic"), horizon=10)
    with pytest.raises(ParameterError, match="'env'"):
        privacy.check_unit_losses(environments.make("sea_linear"), 10)


@pytest.mark.parametrize("horizon", [0, -5, 2.5, "x", True])
def test_unit_loss_check_needs_a_horizon_of_at_least_one_round(horizon):
    """check_unit_losses probes min(horizon, 16) rounds: horizon 0 had passed a world with losses outside [0, 1]
    unchecked, and 2.5 or 'x' had raised a bare TypeError.  The range is olearn.run's (engine.run.world_horizon)."""
    env = environments.make("gaussian", means=[0.2, 0.5], sigma=1.0)
    with pytest.raises(ParameterError, match=r"'horizon'.*an integer in \[1, 4611686018427387904\]"):
        privacy.check_unit_losses(env, horizon)


def test_exponential_mechanism_audit_needs_two_experts():
    """With one expert the mechanism has one output (the audit had failed on log(0) for its score gap)."""
    from olearn.privacy import audit

    with pytest.raises(olearn.ParameterError, match="audit_exponential_mechanism: parameter 'd'"):
        audit.audit_exponential_mechanism(1.0, n=100, d=1)


def test_gaussian_tree_refuses_an_epsilon_no_noise_reaches():
    """At epsilon = delta = 1e-100 (each in its range) the tree would need noise about 1e101 times the sensitivity:
    a ParameterError naming epsilon, not dp-accounting's NoBracketIntervalFoundError."""
    learner = olearn.make("dp_ftrl_tree_gauss", n_arms=2, epsilon=1e-100, delta=1e-100)
    with pytest.raises(ParameterError, match="'epsilon'.*delta = 1e-100"):
        learner.bind(2, 0, 10)


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True])
def test_guarantee_needs_a_horizon_of_at_least_one_round(horizon):
    """privacy.guarantees.guarantee with horizon 0 divided by zero (the default delta 1/T^2), -1 hit a math domain
    error, and 1.5 or True were accounted as if they were horizons: each is a ParameterError naming 'horizon'."""
    from olearn.privacy.guarantees import guarantee

    for name in ("dp_svt_experts", "dp_ftrl_tree_gauss", "dp_lazy_hedge", "dp_noisy_leader"):
        learner = olearn.make(name, n_arms=2)
        with pytest.raises(ParameterError) as err:
            guarantee(learner.type, learner.values, 2, horizon)
        assert err.value.name == "horizon"
