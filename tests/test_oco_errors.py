"""Bad input to oco runs: one clear error each, naming the parameter."""
import math

import numpy as np
import pytest

import environments
import olearn
from environments.oco_custom import user_loss
from olearn.core import rng
from olearn.core.kernel import kernel


def test_radius_must_be_positive():
    for r in (0.0, -1.0):
        with pytest.raises(olearn.ParameterError, match="'radius'.*allowed: a finite number in \\(0, inf\\)"):
            environments.make("sea_quadratic", radius=r)


def test_dimension_mismatch_names_dim():
    env = environments.make("sea_quadratic", dim=3)
    with pytest.raises(olearn.ParameterError, match="'dim' = 5 .*3, the environment's dimension"):
        olearn.run(olearn.make("optimistic_omd", dim=5), env, horizon=5, backend="python")
    olearn.run(olearn.make("optimistic_omd", dim=3), env, horizon=5, backend="python")  # the matching one runs


@pytest.mark.parametrize("name, param", [("ogd", "eta"), ("ogd", "lam"), ("optimistic_omd", "eta"), ("implicit_ftrl", "eta"),
                                         ("optimistic_ftrl", "nu"), ("adagrad_norm", "eta"),
                                         ("sea_ensemble", "eta_meta"), ("delayed_dual_averaging", "eta"),
                                         ("ons", "gamma"), ("optimistic_omd_exp_concave", "beta")])
def test_negative_step_size_names_it(name, param):
    with pytest.raises(olearn.ParameterError, match=f"'{param}' = -0.1"):
        olearn.make(name, **{param: -0.1})


@pytest.mark.parametrize("name, param", [("ogd", "eta"), ("ogd", "lam"), ("optimistic_omd", "delta"), ("optimistic_omd", "c"),
                                         ("exponentiated_gradient", "lipschitz"), ("exponentiated_gradient", "eta")])
def test_zero_step_sizes_and_moduli_are_refused(name, param):
    """Their ranges are open at 0 (a zero step freezes the learner; delta = 0 or lam = 0 divides by zero in the first
    step, G = 0 in EG's tuned eta): 0 itself is refused by name, as -0.1 is."""
    with pytest.raises(olearn.ParameterError, match=f"'{param}' = 0"):
        olearn.make(name, **{param: 0.0})


def test_entropic_learner_needs_a_simplex():
    with pytest.raises(olearn.ParameterError, match="'env'.*simplex"):
        olearn.run(olearn.make("optimistic_omd_entropic"), environments.make("sea_linear"), horizon=3, backend="python")


def test_arms_learner_on_oco_world_is_refused():
    with pytest.raises(olearn.ParameterError, match="kind 'arms'"):
        olearn.run(olearn.make("exp3"), environments.make("sea_linear"), horizon=3, backend="python")


@kernel
def log_barrier(x, g, t, seed):
    """f(x) = -log(1 - x_0): infinite gradient at x_0 = 1, NaN beyond."""
    for i in range(x.size):
        g[i] = 0.0
    g[0] = 1.0 / (1.0 - x[0])
    return -math.log(1.0 - x[0]) if x[0] < 1.0 else math.nan


@kernel
def half_square(x, g, t, seed):
    value = 0.0
    for i in range(x.size):
        g[i] = x[i] - 0.5
        value += 0.5 * (x[i] - 0.5) ** 2
    return value


def test_nonfinite_user_gradient_is_one_clear_error():
    # on the box [-1, 1]^2 the probe reaches x_0 = 1, where the gradient is infinite
    with pytest.raises(olearn.ParameterError, match="'loss_grad'.*finite"):
        user_loss(log_barrier, dim=2, domain="box", radius=1.0)
    with pytest.raises(olearn.ParameterError, match="'loss_grad'.*@olearn.core.kernel.kernel"):
        user_loss(lambda x, g, t, seed: 0.0)


def test_user_loss_runs_and_counts_no_nonfinite_rounds():
    env = user_loss(half_square, dim=2, radius=2.0)
    res = olearn.run(olearn.make("ogd"), env, horizon=200, backend="python")
    assert res.columns == ["loss", "nonfinite"]
    assert res.final("nonfinite")[0, 0] == 0.0
    # OGD converges to the minimizer (0.5, 0.5): late losses are tiny
    assert res.metric("loss")[0, 0, -1] - res.metric("loss")[0, 0, -2] < 1e-3 * (res.rounds[-1] - res.rounds[-2])
    inside = user_loss(log_barrier, dim=2, radius=0.5)  # a ball of radius 1/2 keeps x_0 < 1
    assert np.isfinite(olearn.run(olearn.make("ogd"), inside, horizon=20, backend="python").final("loss")).all()


@kernel
def seeded_linear(x, g, t, seed):
    """f_t(x) = u x_0 with u the run's uniform draw: the loss carries the seed it was given."""
    u = rng.uniform(seed, rng.ENV, t, 0)
    for i in range(x.size):
        g[i] = 0.0
    g[0] = u
    return u * x[0] + u


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_user_loss_gets_the_exact_seed_above_2_to_the_53(backend):
    env = user_loss(seeded_linear, dim=1, radius=1.0)
    seeds = [2**60, 2**60 + 1, 2**63 - 1]
    res = olearn.run(olearn.make("ogd"), env, horizon=1, seeds=seeds, backend=backend, trace=True)
    # round 0: OGD plays the centre x = 0, so the loss is the draw itself
    np.testing.assert_array_equal(res.losses[0, :, 0], [rng.uniform(s, rng.ENV, 0, 0) for s in seeds])


def test_learners_that_play_on_the_simplex_only_refuse_other_sets():
    for name in ("optimistic_omd_entropic", "exponentiated_gradient", "universal_portfolio"):
        with pytest.raises(olearn.ParameterError, match="'env'.*'simplex'"):
            olearn.run(olearn.make(name), environments.make("sea_linear", domain="ball"), horizon=3, backend="python")


def test_sea_dimension_is_capped_below_the_fixed_draw_indices():
    """Noise draws use indices below 2 d; the drift sign and the non-convex and logistic draws sit at 2^20 + i."""
    for name in ("sea_linear", "sea_nonconvex", "sea_logistic"):
        with pytest.raises(olearn.ParameterError, match="'dim'.*262144"):
            environments.make(name, dim=2**19)


def test_every_learner_plays_the_one_point_simplex():
    """The simplex of d = 1 is the single point 1 (diameter 0): a learner that takes it plays 1 every round and has
    no regret.  MetaGrad divided by D (eta_0 = 1 / (5 D G), Sigma = D^2 I) and Ader too (alpha ~ 1 / (G D)); they
    scale their steps by 1 there, where any step lands on the point."""
    from olearn.core.errors import ParameterError

    env = environments.make("sea_quadratic", dim=1, domain="simplex", noise=0.1)
    played = []
    for name in sorted(n for n, t in olearn.learners.REGISTRY.items() if t.kind == "oco"):
        try:
            res = olearn.run(olearn.make(name), env, horizon=12, seeds=[0, 1], backend="python", trace=True,
                             checkpoints=[12])
        except ParameterError:  # a learner for other sets (ball, box, R^d) refuses a simplex
            continue
        played.append(name)
        assert np.all(np.abs(res.actions - 1.0) < 1e-12), (name, res.actions)  # a mixture of copies of 1 may round
        assert np.all(np.abs(res.final("regret")) < 1e-12), name  # the same losses, summed in another order
    assert {"metagrad", "ader", "ogd"} <= set(played)


@kernel
def late_nan_gradient(x, g, t, seed):
    """f_t = 0 with gradient (1, ..., 1), except on rounds t >= 10 divisible by 3 (after the probe's rounds), where
    every entry of the gradient is NaN."""
    for i in range(x.size):
        g[i] = math.nan if t >= 10 and t % 3 == 0 else 1.0
    return 0.0


def test_nonfinite_counts_rounds_not_entries():
    env = user_loss(late_nan_gradient, dim=3, radius=1.0)
    horizon = 30
    ckpts = [5, 12, 13, 20, 30]
    res = olearn.run(olearn.make("ogd"), env, horizon=horizon, backend="python", checkpoints=ckpts, metrics=["nonfinite"])
    bad = np.array([t >= 10 and t % 3 == 0 for t in range(horizon)])
    np.testing.assert_array_equal(res.values[0, 0, :, 0], np.cumsum(bad)[np.array(ckpts) - 1])


@kernel
def late_inf_gradient(x, g, t, seed):
    """f_t = 0 with gradient (1, ..., 1), except on rounds t >= 10 divisible by 3, where its first entry is +inf."""
    for i in range(x.size):
        g[i] = math.inf if i == 0 and t >= 10 and t % 3 == 0 else 1.0
    return 0.0


def test_an_infinite_gradient_counts_as_nonfinite_without_invalid_arithmetic():
    """An infinite entry is counted like a NaN one, and the count itself does no invalid arithmetic (inf - inf, which
    warned on the python backend): checked under errstate(invalid='raise'), with OGD, whose step to -inf the ball's
    projection brings back to a finite point."""
    env = user_loss(late_inf_gradient, dim=2, radius=1.0)
    horizon, ckpts = 30, [12, 30]
    bad = np.array([t >= 10 and t % 3 == 0 for t in range(horizon)])
    with np.errstate(invalid="raise"):
        res = olearn.run(olearn.make("ogd"), env, horizon=horizon, backend="python", checkpoints=ckpts,
                         metrics=["nonfinite"])
    np.testing.assert_array_equal(res.values[0, 0, :, 0], np.cumsum(bad)[np.array(ckpts) - 1])
