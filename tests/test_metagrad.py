"""metagrad against its guarantee: R_T(u) <= 5/2 sqrt(V_T^u Xi_T) + 10 D G Xi_T (the module docstring re-derives it
from van Erven and Koolen 2016), written out again here from the formula, not read from the module.

* Strongly convex losses f_t(x) = 1/2 ||x - c_t||^2 with bounded noise: regret O(d ln T) (within the bound's
  strongly convex corollary, and growing like ln T), where OGD's 1/sqrt(t) step grows like sqrt(T).  The SEA
  worlds' noise is Gaussian, so no G bounds their gradients: a G of a few sigma leaves ||g|| << G, and the
  slaves' ln det(I + 2 eta^2 D^2 sum g g^T) is still in its linear transient at T = 4000 (R_T / ln T still rising
  at T = 16000 on sea_quadratic), hence a stream of bounded noise fed step-wise.
* sea_linear with the adaptive adversary (fed step-wise through its gymnasium view): the data-dependent bound with
  V_T^u computed from the gradients, and the worst case O(D G sqrt(d T ln T)).
* The slaves' Sherman-Morrison Sigma_i against numpy's inverse of the accumulated matrix.
* The played points against tests/oco_reference.MetaGrad on a box, a ball and a simplex with the A-norm projection
  active (prior, grid, tilt, surrogate loss, Newton step), short and step-wise; the one-point simplex; max_rounds.
(Round-by-round equality with a NumPy reference: tests/test_oco_reference.py; python == cpu: tests/test_oco_parity.py.)
"""
import math

import numpy as np
import pytest

import environments
import oco_reference as ref
import olearn
from olearn.core.errors import ParameterError


def n_rates(T):
    """ceil(log2(T) / 2) + 1, the paper's grid size (in floats: exact at powers of 4 and well clear of them here)."""
    return int(math.ceil(0.5 * math.log2(T) - 1e-12)) + 1


def xi(T, d):
    """Xi_T = 1/2 + (49/100) d ln(1 + 2T / (25 d)) + 2 ln(n + 1): slave regret + ln(1 / prior) of any grid rate."""
    return 0.5 + 0.49 * d * math.log(1 + 2 * T / (25 * d)) + 2 * math.log(n_rates(T) + 1)


def play(name, T, gradient_of, d, radius, seed=0, **params):
    """Step-wise on a ball: points x_t and gradients g_t = gradient_of(t, x_t); the final state."""
    tuner = olearn.stepwise(olearn.make(name, dim=d, **params), domain="ball", radius=radius, backend="python", horizon=T, seed=seed)
    xs, gs = np.zeros((T, d)), np.zeros((T, d))
    for t in range(T):
        xs[t] = tuner.act()
        gs[t] = gradient_of(t, xs[t])
        tuner.update(xs[t], loss=0.0, gradient=gs[t])  # the loss value is not read by either learner
    return xs, gs, np.array(tuner.state)


HORIZONS = (250, 1000, 4000)


def bowl_regrets(name, seeds, **params):
    """f_t(x) = 1/2 ||x - c_t||^2, c_t = theta + s e_t (e_t uniform on the unit circle) on the ball of radius 0.2:
    realized regret against the best point in hindsight, Pi_ball(mean c_t) (the minimizer of sum f_t on a ball)."""
    d, r, s, theta = 2, 0.2, 1.0, np.array([0.1, 0.0])
    out = np.zeros((len(seeds), len(HORIZONS)))
    for i, seed in enumerate(seeds):
        e = np.random.default_rng(seed).normal(size=(max(HORIZONS), d))
        c = theta + s * e / np.linalg.norm(e, axis=1, keepdims=True)
        for j, T in enumerate(HORIZONS):
            xs, gs, _ = play(name, T, lambda t, x: x - c[t], d, r, **params)
            u = c[:T].mean(0)
            u *= min(1.0, r / np.linalg.norm(u))
            out[i, j] = 0.5 * np.sum((xs - c[:T]) ** 2) - 0.5 * np.sum((u - c[:T]) ** 2)
    return out


def test_strongly_convex_losses_give_logarithmic_regret():
    """lambda = 1, ||g_t|| <= r + ||theta|| + s = G = 1.3, D = 0.4.  Each run is within the strongly convex corollary
    R_T <= (25 G^2 / (8 lambda) + 10 D G) Xi_T = O(d ln T).  Over 16 seeds, the mean regret's slope on ln T is under
    half OGD's (eta_t = D / sqrt(t)); its increments from T = 250 to 1000 to 4000 are about equal (ratio 1 for
    a + b ln T, 2 for a + b sqrt(T)) where OGD's double; R_T / sqrt(T) falls for metagrad and not for OGD."""
    G, D, lam, seeds = 1.3, 0.4, 1.0, range(16)
    meta = bowl_regrets("metagrad", seeds, lipschitz=G)
    ogd = bowl_regrets("ogd", seeds)
    for j, T in enumerate(HORIZONS):
        assert np.all(meta[:, j] <= (25 * G**2 / (8 * lam) + 10 * D * G) * xi(T, 2)), T
    mean_meta, mean_ogd = meta.mean(0), ogd.mean(0)
    log_t, root_t = np.log(HORIZONS), np.sqrt(HORIZONS)
    slope_meta, slope_ogd = np.polyfit(log_t, mean_meta, 1)[0], np.polyfit(log_t, mean_ogd, 1)[0]
    print("metagrad", mean_meta, "slope on ln T", slope_meta, "| ogd", mean_ogd, "slope on ln T", slope_ogd)
    assert 0.0 < slope_meta < slope_ogd / 2
    growth_meta, growth_ogd = np.diff(mean_meta), np.diff(mean_ogd)
    assert growth_meta[1] / growth_meta[0] < 1.5 < growth_ogd[1] / growth_ogd[0]
    assert (mean_meta / root_t)[-1] < (mean_meta / root_t)[0] / 1.4
    assert (mean_ogd / root_t)[-1] > (mean_ogd / root_t)[0]


def test_adversarial_linear_losses_stay_within_the_bound():
    """sea_linear, theta_t = kappa x_t / ||x_t|| (pushing against the learner) plus noise, on the unit ball (D = 2,
    G = 1 >= every ||g_t||): for u the best point in hindsight, R_T(u) <= 5/2 sqrt(V_T^u Xi_T) + 10 D G Xi_T, and
    with V_T^u <= D^2 G^2 T the worst case 5/2 D G sqrt(T Xi_T) + 10 D G Xi_T = O(D G sqrt(d T ln T))."""
    d, D, G = 3, 2.0, 1.0
    for T in HORIZONS:
        env = environments.make("sea_linear", dim=d, noise=0.1, drift="adaptive", kappa=0.5)
        world = env.gym(horizon=T)
        world.reset(seed=0)
        xs, gs, _ = play("metagrad", T, lambda t, x: world.step(x)[4]["gradient"], d, 1.0)
        assert np.linalg.norm(gs, axis=1).max() <= G
        u = -gs.sum(0) / np.linalg.norm(gs.sum(0))
        inst = np.sum(gs * (xs - u), axis=1)
        regret, variance = inst.sum(), np.sum(inst**2)
        bound = 2.5 * math.sqrt(variance * xi(T, d)) + 10 * D * G * xi(T, d)
        worst = 2.5 * D * G * math.sqrt(T * xi(T, d)) + 10 * D * G * xi(T, d)
        print(T, "regret", regret, "V", variance, "bound", bound, "worst case", worst)
        assert 0.0 < regret <= bound <= worst


def test_sherman_morrison_sigma_is_the_inverse_of_the_accumulated_matrix():
    """After T rounds each slave's Sigma_i is inv(I / D^2 + 2 eta_i^2 sum_t g_t g_t^T) (numpy), A_i is that matrix,
    w_i lies in X, and the log-weights' largest is 0.  State: [flag, per rate (log-weight, w, Sigma, A), scratch]."""
    d, T, r, G = 3, 300, 0.7, 2.0
    rng = np.random.default_rng(4)
    drift = rng.normal(size=d)
    grads = [rng.normal(size=d) * 0.4 + (0.5 if t < T // 2 else -0.8) * drift for t in range(T)]
    grads = [g * min(1.0, G / np.linalg.norm(g)) for g in grads]
    xs, gs, state = play("metagrad", T, lambda t, x: grads[t], d, r, lipschitz=G)
    n, size, D = n_rates(T), 1 + d + 2 * d * d, 2 * r
    gram = gs.T @ gs
    assert n == 6 and state[0] == 1.0
    for i in range(n):
        block = state[1 + i * size : 1 + (i + 1) * size]
        eta = 2.0**-i / (5 * D * G)
        accumulated = np.eye(d) / D**2 + 2 * eta**2 * gram
        sigma, a = block[1 + d : 1 + d + d * d].reshape(d, d), block[1 + d + d * d :].reshape(d, d)
        np.testing.assert_allclose(a, accumulated, rtol=1e-12, err_msg=f"A of rate {i}")
        np.testing.assert_allclose(sigma, np.linalg.inv(accumulated), rtol=1e-9, atol=1e-12 * D**2, err_msg=f"Sigma of rate {i}")
        assert np.linalg.norm(block[1 : 1 + d]) <= r * (1 + 1e-12)
    assert max(state[1 + i * size] for i in range(n)) == 0.0
    assert np.all(np.linalg.norm(xs, axis=1) <= r * (1 + 1e-12))


def test_the_grid_comes_from_the_horizon_or_from_rates():
    """rates=None reads T (step-wise then needs a horizon, and max_rounds must cover it); rates=n frees it; on a
    simplex the slaves start at its centre and the played point stays on it."""
    with pytest.raises(ParameterError, match="horizon.*rates="):
        olearn.stepwise(olearn.make("metagrad", dim=2), domain="ball", backend="python")
    tuner = olearn.stepwise(olearn.make("metagrad", dim=2, rates=4), domain="box", backend="python")
    assert tuner.params[2] == 4
    with pytest.raises(ParameterError, match="max_rounds"):
        olearn.stepwise(olearn.make("metagrad", dim=2, max_rounds=100), domain="ball", backend="python", horizon=101)
    assert olearn.stepwise(olearn.make("metagrad", dim=2), domain="free", backend="python", horizon=4**5).params[2] == 6
    assert olearn.stepwise(olearn.make("metagrad", dim=2), domain="free", backend="python", horizon=4**5 + 1).params[2] == 7
    tuner = olearn.stepwise(olearn.make("metagrad", dim=3), domain="simplex", backend="python", horizon=10)
    for t in range(10):
        x = tuner.act()
        assert np.all(x >= 0) and abs(x.sum() - 1) < 1e-12, x
        tuner.update(x, 0.0, gradient=[1.0, -1.0, 0.5] if t % 2 else [-2.0, 0.0, 1.0])


@pytest.mark.parametrize("bad", [0, -4, 16.0, True, None, "16"])
def test_rates_for_refuses_bad_horizon_by_name(bad):
    from olearn.learners import metagrad  # noqa: PLC0415

    with pytest.raises(ParameterError) as err:
        metagrad.rates_for(bad)
    assert err.value.name == "horizon" and "parameter 'horizon'" in str(err.value), str(err.value)
    assert (metagrad.rates_for(16), metagrad.rates_for(17)) == (3, 4)  # ceil(log2(T) / 2) + 1


@pytest.mark.parametrize("domain, radius, params", [("box", 0.3, {"lipschitz": 2.0}), ("ball", 0.2, {"lipschitz": 3.0, "rates": 3}),
                                                     ("simplex", 1.0, {})])
def test_points_equal_the_numpy_reference_round_by_round(domain, radius, params):
    """x_t against tests/oco_reference.MetaGrad (the paper's rule: plain probabilities under the prior C / ((i+1)(i+2)),
    numpy's inverse of A, the A-norm projection by brentq / every active set).  The regret tests above cannot see a
    changed prior, a dropped tilt or quadratic term, or a Euclidean projection in place of the A-norm one; this does."""
    d, T = (2, 40) if domain != "simplex" else (3, 30)
    G = params.get("lipschitz", 1.0)
    gs = ref.drifting_gradients(T, d, G, 7)
    tuner = olearn.stepwise(olearn.make("metagrad", dim=d, **params), domain=domain, radius=radius, backend="python", horizon=T)
    reference, dom = ref.MetaGrad(d, G, params.get("rates"), horizon=T), ref.DOMAIN_CODES[domain]
    moved = 0.0
    for t in range(T):
        x, want = tuner.act(), reference.act(t, dom, radius)
        np.testing.assert_allclose(x, want, rtol=1e-8, atol=1e-10 * radius, err_msg=f"{domain}: round {t}")
        moved = max(moved, np.abs(x - ref.center(dom, radius, d)).max())
        tuner.update(x, 0.0, gradient=gs[t])
        reference.update(t, x, 0.0, gs[t], None)
    assert moved > 0.1 * radius, moved  # the gradients moved the learner


def test_max_rounds_covers_a_horizon_equal_to_it_and_lipschitz_must_be_positive():
    """max_rounds is the longest horizon the state has room for: horizon == max_rounds is accepted, with the grid
    ceil(log2(100) / 2) + 1 = 5; G = 0 (an infinite largest rate) is refused."""
    tuner = olearn.stepwise(olearn.make("metagrad", dim=2, max_rounds=100), domain="ball", backend="python", horizon=100)
    assert tuner.params[2] == 5
    with pytest.raises(ParameterError, match="lipschitz"):
        olearn.make("metagrad", lipschitz=0.0)


def test_one_point_simplex_plays_its_point():
    """d = 1: the simplex of radius r is the single point r (diameter 0); the learner plays it every round, with a
    finite state (the step scale falls back to 1 there instead of dividing by D = 0)."""
    tuner = olearn.stepwise(olearn.make("metagrad", dim=1), domain="simplex", radius=2.0, backend="python", horizon=5)
    for t in range(5):
        x = tuner.act()
        assert x == pytest.approx([2.0], rel=1e-14), x
        tuner.update(x, 0.0, gradient=[(-1.0) ** t])
    assert np.isfinite(tuner.state).all()
