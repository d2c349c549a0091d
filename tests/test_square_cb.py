"""SquareCB (olearn's ``square_cb``) against tests/reference.py's SquareCB (ridge fits solved from scratch
every round), round by round with its reported probabilities; its regret against the best policy grows
like sqrt(T), not linearly; it reports propensities, so it can write off-policy logs."""
import numpy as np
import pytest

import environments
import olearn
import reference
from olearn import offpolicy

WORLDS = {"drawn": {"n_arms": 4, "dim": 3},
          "given": {"theta": [[0.6, 0.8], [-0.8, 0.6], [0.0, -0.5]], "noise": "gaussian", "sigma": 0.3}}
CASES = [{}, {"gamma_scale": 2.0, "lam": 2.0, "intercept": False}]
DEFAULTS = {"gamma_scale": 10.0, "lam": 1.0, "intercept": True}


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_square_cb_matches_the_reference_round_by_round(backend, case, world):
    env = environments.make("linear_contextual", **WORLDS[world])
    horizon, seeds = 80, [0, 4]
    run = olearn.run(olearn.make("square_cb", **CASES[case]), env, horizon=horizon, seeds=seeds, backend=backend,
                     trace=True)
    for s, seed in enumerate(seeds):
        world_ref = reference.LinearContextual(env, seed)
        learner = reference.SquareCB(env.n_actions, env.obs_dim, seed=seed, **dict(DEFAULTS, **CASES[case]))
        arms = []
        for t in range(horizon):
            x = world_ref.context(t)
            arm, _ = learner.act(x, t)
            learner.update(x, arm, world_ref.losses(t)[arm])
            arms.append(arm)
        assert len(set(arms)) > 1
        np.testing.assert_array_equal(run.actions[0, s].astype(int), arms, err_msg=f"seed {seed}")


def test_reported_probabilities_are_the_reference_ones():
    """The step-wise learner's action[1] is the probability SquareCB gave the arm it drew."""
    env = environments.make("linear_contextual", **WORLDS["drawn"])
    tuner = olearn.stepwise(olearn.make("square_cb", n_arms=4), seed=2, backend="python", obs_dim=3)
    world_ref = reference.LinearContextual(env, 2)
    learner = reference.SquareCB(4, 3, seed=2)
    for t in range(60):
        x = world_ref.context(t)
        arm, p = learner.act(x, t)
        assert tuner.act(x) == arm
        assert abs(tuner.action[1] - p) < 1e-12
        loss = world_ref.losses(t)[arm]
        tuner.update(arm, loss)
        learner.update(x, arm, loss)


def test_regret_grows_like_sqrt_t():
    """On the three-arm linear world, dynamic regret from T = 1,250 to 5,000 grows by less than 2x (sqrt: 2x,
    linear: 4x) and ends far below UCB1's, which ignores the context.  Measured (24 seeds): 1.40 and 0.029 of UCB1's
    at the default gamma_scale = 10.  The limit is 2.0, not looser, because a greediness gamma_t = gamma_scale
    sqrt(t) too small keeps exploring near uniformly and shows first as regret growing closer to linearly:
    gamma_scale = 2 (5x too small) grows 2.10x at 0.063 of UCB1's, passing a limit of 2.8 and the UCB1 check;
    gamma_scale = 0.5 (20x) grows 2.45x (0.19 of UCB1's, which the UCB1 check alone catches)."""
    env = environments.make("linear_contextual", theta=[[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
    res = olearn.run(olearn.make("square_cb"), env, horizon=5000, seeds=24, metrics=["dynamic_regret"], checkpoints=[1250, 5000])
    early, late = res.metric("dynamic_regret")[0].mean(axis=0)
    assert late / early < 2.0, (early, late)
    ucb = olearn.run(olearn.make("ucb1"), env, horizon=5000, seeds=24, metrics=["dynamic_regret"], checkpoints=[5000])
    assert late < 0.15 * ucb.metric("dynamic_regret")[0, :, -1].mean()


def test_square_cb_writes_off_policy_logs():
    logs = offpolicy.collect(environments.make("linear_contextual", **WORLDS["drawn"]), n=300, seed=1,
                             logging=olearn.make("square_cb"))
    assert np.all((logs.propensities > 0) & (logs.propensities <= 1)) and len(set(logs.actions.tolist())) > 1


def test_chebcb_box_solver_frees_a_bound_whose_multiplier_is_barely_negative():
    """ChebCB's box-constrained least squares (the same module's active-set solver behind its inverse-gap
    weighting) on a problem built from its KKT conditions: x* = (0.8 - 1e-8, 0.25, 0.67) with the box
    |x| <= (0.8, 0.55, 0.67), x*_2 at its upper bound with multiplier 1 and the others free, so g = H x* + e_2
    and x* is the unique minimizer of 1/2 x'Hx - g'x over the box (H positive definite).  The solver's path
    holds x_0 at its bound for a while; the multiplier that frees it is about 1e-8, which a loose release
    threshold would leave fixed (x_0 = 0.8, 1e-8 off)."""
    from olearn.learners import contextual

    h = np.array([[2.0, -0.7, -1.6], [-0.7, 2.8, -3.9], [-1.6, -3.9, 14.9]])
    bound = np.array([0.8, 0.55, 0.67])
    want = np.array([0.8 - 1e-8, 0.25, 0.67])
    g = h @ want + np.array([0.0, 0.0, 1.0])
    x = np.zeros(3)
    contextual.box_least_squares(h.ravel().copy(), g, bound, 3, x, np.zeros(3 * 3 + 3 * 3))
    np.testing.assert_allclose(x, want, rtol=0, atol=1e-12)
    grad = h @ x - g  # KKT: zero on the free coordinates, -1 (the multiplier) on x_2
    np.testing.assert_allclose(grad, [0.0, 0.0, -1.0], rtol=0, atol=1e-11)


@pytest.mark.parametrize("name, value", [("gamma_scale", -1.0), ("gamma_scale", float("nan")), ("lam", 0.0),
                                         ("intercept", 2)])
def test_bad_square_cb_parameters_name_the_parameter(name, value):
    with pytest.raises(olearn.ParameterError, match=f"square_cb: parameter '{name}'"):
        olearn.make("square_cb", **{name: value})


def test_unit_context_reads_a_missing_context_as_zero_and_clamps():
    """ChebCB's and Tsallis-INF-CB's unit context u = 2 (c - low) / (high - low) - 1 clamped to [-1, 1], with c = 0
    without a context (obs_dim = 0): on [low, high] = [-1, 3], c = 0 gives -1/2 and c = 2 gives 1/2."""
    from olearn.learners import contextual

    params = np.array([3.0, 1.0, 1e-6, -1.0, 3.0, 4.0])  # [K, shift, ridge, low, high, degree]
    assert contextual.unit_context(np.zeros(0), params) == pytest.approx(-0.5, abs=1e-15)
    for c, u in ((0.0, -0.5), (2.0, 0.5), (-7.0, -1.0), (9.0, 1.0)):
        assert contextual.unit_context(np.array([c]), params) == pytest.approx(u, abs=1e-15)
