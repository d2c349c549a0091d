"""The least-squares and non-convex SEA worlds: recorded metrics against brute force and Monte Carlo.

Static regret of least squares against scipy's constrained minimizer of the realized sum (and, on
the box, L-BFGS-B); the closed-form variance at a point against a Monte Carlo average, and sigma_t^2 (its
max over X) against the reference world's formula; non-convex f_t with a convex mean: pseudo-regret, dynamic regret and
variances against the NumPy world, and the individual losses really are non-convex.
"""
import math

import numpy as np
import pytest
from scipy.optimize import minimize

import environments
import oco_reference as ref
import olearn
from environments import sea_families

T, SEED = 60, 4


def _run(env_name, kw, learner="ogd"):
    env = environments.make(env_name, **kw)
    return olearn.run(olearn.make(learner), env, horizon=T, seeds=[SEED], backend="python", checkpoints=[T])


def _final(res):
    return {c: res.values[0, 0, -1, res.columns.index(c)] for c in res.columns}


@pytest.mark.parametrize("kw", [{"dim": 3, "noise": 0.3, "drift": "switching", "period": 9, "kappa": 0.9},
                                {"dim": 2, "domain": "box", "radius": 0.4, "noise": 0.0, "drift": "rotation", "omega": 0.2, "kappa": 1.0}])
def test_least_squares_metrics_match_brute_force(kw):
    got = _final(_run("sea_least_squares", kw))
    world = ref.LeastSquares(SEED, **kw)
    xs, losses, rec = ref.play(ref.OGD(kw["dim"]), world, T)
    # rebuild the rounds' (a_t, b_t) from the same draws
    pairs = []
    probe = ref.LeastSquares(SEED, **kw)
    for t in range(T):
        probe.draw(t, xs[t])
        pairs.append((probe.a.copy(), probe.b))
    A = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    r, d = kw.get("radius", 1.0), kw["dim"]
    total = lambda x: 0.5 * np.sum((A @ x - b) ** 2)  # noqa: E731
    grad = lambda x: A.T @ (A @ x - b)  # noqa: E731
    if kw.get("domain", "ball") == "ball":
        cons = [{"type": "ineq", "fun": lambda x: r * r - x @ x, "jac": lambda x: -2 * x}]
        best = minimize(total, np.zeros(d), jac=grad, constraints=cons, method="SLSQP", options={"ftol": 1e-15, "maxiter": 500}).fun
    else:
        best = minimize(total, np.zeros(d), jac=grad, bounds=[(-r, r)] * d, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12}).fun
    assert got["loss"] == pytest.approx(losses.sum(), abs=1e-10)
    assert got["regret"] == pytest.approx(losses.sum() - best, abs=1e-7)
    thetas = np.array([e["theta"] for e in rec])
    F = np.array([e["F"] for e in rec])
    xbar = ref.project(world.dom, r, thetas.mean(0))
    pseudo_best = np.sum((xbar - thetas) ** 2) / (2 * d) + T * kw["noise"] ** 2 / 2
    assert got["pseudo_regret"] == pytest.approx(F.sum() - pseudo_best, abs=1e-10)
    assert got["dynamic_regret"] == pytest.approx(F.sum() - sum(e["Fu"] for e in rec), abs=1e-10)
    assert got["sigma2"] == pytest.approx(sum(e["sigma2"] for e in rec), abs=1e-10)
    assert got["Sigma2"] == pytest.approx(sum(e["Sigma2"] for e in rec), abs=1e-12)


def test_least_squares_variance_formula_matches_monte_carlo():
    """E||grad f(x) - grad F(x)||^2 = (d+1)/d^2 ||x - w||^2 + s^2 for a ~ N(0, I/d), b = <w, a> + s z."""
    rng = np.random.default_rng(0)
    d, s, n = 4, 0.7, 400_000
    w, x = rng.normal(size=d) * 0.3, rng.normal(size=d)
    a = rng.normal(size=(n, d)) / math.sqrt(d)
    b = a @ w + s * rng.normal(size=n)
    diff = a * (a @ x - b)[:, None] - (x - w) / d
    mc = np.mean(np.sum(diff ** 2, axis=1))
    assert mc == pytest.approx((d + 1) / d ** 2 * np.sum((x - w) ** 2) + s ** 2, rel=0.02)


def test_nonconvex_world_has_convex_mean_and_exact_metrics():
    kw = {"dim": 3, "noise": 0.2, "drift": "switching", "period": 11, "kappa": 0.6, "wiggle": 1.0, "frequency": 3.0}
    res = _run("sea_nonconvex", kw, "optimistic_omd")
    got = _final(res)
    assert "regret" not in got  # no exact comparator for a non-convex sum
    world = ref.NonConvex(SEED, **kw)
    xs, losses, rec = ref.play(ref.OptimisticOMD(3), world, T)
    thetas = np.array([e["theta"] for e in rec])
    F = np.array([e["F"] for e in rec])
    xbar = ref.project(ref.BALL, 1.0, thetas.mean(0))
    assert got["pseudo_regret"] == pytest.approx(F.sum() - 0.5 * np.sum((xbar - thetas) ** 2), abs=1e-9)
    assert got["sigma2"] == pytest.approx(T * (0.2 ** 2 + 9.0), abs=1e-9)
    assert got["Sigma2"] == pytest.approx(sum(e["Sigma2"] for e in rec), abs=1e-12)
    # one f_t along v: second derivative 1 - z A nu^2 sin(phase) < 0 somewhere, while F_t'' = 1
    world.draw(0, np.zeros(3))
    v = world.v / np.linalg.norm(world.v)
    h = 1e-4
    curv = [(world.f((c + h) * v) - 2 * world.f(c * v) + world.f((c - h) * v)) / h ** 2 for c in np.linspace(-0.9, 0.9, 37)]
    assert min(curv) < -1.0
    # Monte Carlo of E||grad f - grad F||^2 at the centre (cos^2 = 1): s^2 + A^2 nu^2
    g = []
    for t in range(4000):
        world.draw(t, np.zeros(3))
        g.append(world.grad(np.zeros(3)) - (np.zeros(3) - world.theta))
    assert np.mean(np.sum(np.array(g) ** 2, axis=1)) == pytest.approx(0.04 + 9.0, rel=0.03)


def test_least_squares_refuses_a_simplex():
    with pytest.raises(olearn.ParameterError, match="'domain'.*'ball', 'box'"):
        environments.make("sea_least_squares", domain="simplex")
    # the help states the range that is enforced: every domain it offers is accepted, and it offers no simplex
    domain = next(p for p in environments.REGISTRY["sea_least_squares"].params if p.name == "domain")
    assert "simplex" not in domain.doc and "simplex" not in domain.allowed()
    for choice in domain.choices:
        environments.make("sea_least_squares", domain=choice)


# ---------------------------------------------------------------- environment-level checks (no learner run)


def _nonconvex(**kw):
    env = environments.make("sea_nonconvex", **kw)
    return env.row(), np.zeros(3 * kw["dim"] + 3)


@pytest.mark.parametrize("domain, top", [("simplex", math.cos(3.0 * 0.7) ** 2), ("box", 1.0), ("ball", 1.0)])
def test_nonconvex_one_dimension_loss_gradient_and_sigma2(domain, top):
    """d = 1 (v = nu e_1): f_t(x) = 1/2 (x - theta)^2 + xi x + z A sin(nu x) by its definition, the gradient its
    central difference, and sigma_t^2 = s^2 + A^2 nu^2 max_X cos^2(nu x) (the one-point simplex {r}: cos^2(nu r);
    box and ball contain 0: 1), against a Monte Carlo average at x = r on the simplex."""
    s, amp, nu, r = 0.3, 1.0, 3.0, 0.7
    params, state = _nonconvex(dim=1, domain=domain, radius=r, noise=s, wiggle=amp, frequency=nu, drift="rotation", omega=0.4)
    g, gp, gm = np.zeros(1), np.zeros(1), np.zeros(1)
    dev = []
    for t in range(2000 if domain == "simplex" else 60):  # the Monte Carlo average only on the simplex
        x = np.array([r if domain == "simplex" else 0.9 * r * math.sin(t)])
        sea_families.nonconvex_draw(state, params, x, t, 7)
        theta, xi, z = state[0], state[2], state[5]
        assert z in (1.0, -1.0)
        assert state[3] == pytest.approx(s * s + amp * amp * nu * nu * top, rel=1e-12)
        value = sea_families.nonconvex_loss_grad(state, params, x, g)
        assert value == pytest.approx(0.5 * (x[0] - theta) ** 2 + xi * x[0] + z * amp * math.sin(nu * x[0]), rel=1e-12, abs=1e-14)
        if t < 30:
            h = 1e-6
            fd = (sea_families.nonconvex_loss_grad(state, params, x + h, gp) - sea_families.nonconvex_loss_grad(state, params, x - h, gm)) / (2 * h)
            assert g[0] == pytest.approx(fd, rel=1e-6, abs=1e-8)
        dev.append(g[0] - (x[0] - theta))  # grad f_t - grad F_t
    if domain == "simplex":
        assert np.mean(np.square(dev)) == pytest.approx(s * s + amp * amp * nu * nu * top, rel=0.05)  # sd ~0.7%


def test_nonconvex_gradient_is_the_derivative_of_the_loss_in_two_dimensions():
    """d = 3: v = nu (e_1 - e_2) / sqrt(2); the gradient against central differences of the loss."""
    params, state = _nonconvex(dim=3, noise=0.2, wiggle=0.8, frequency=4.0, drift="switching", period=3)
    rng_ = np.random.default_rng(5)
    g, gp, gm = np.zeros(3), np.zeros(3), np.zeros(3)
    for t in range(20):
        x = rng_.uniform(-0.5, 0.5, size=3)
        sea_families.nonconvex_draw(state, params, x, t, 2)
        sea_families.nonconvex_loss_grad(state, params, x, g)
        for i in range(3):
            e = np.eye(3)[i] * 1e-6
            fd = (sea_families.nonconvex_loss_grad(state, params, x + e, gp) - sea_families.nonconvex_loss_grad(state, params, x - e, gm)) / 2e-6
            assert g[i] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_blocks_drift_is_constant_per_block_fair_and_independent_of_the_noise():
    """drift='blocks': theta_t = +-kappa u, one sign per block of `period` rounds (Sigma_t^2 = 0 inside a block,
    0 or 4 kappa^2 at its start), fair signs independent across blocks and of the round's noise xi_t."""
    d, kappa = 2, 0.6
    params, state = _nonconvex(dim=d, noise=0.5, drift="blocks", period=3, kappa=kappa)
    u = np.ones(d) / math.sqrt(d)
    signs = []
    for t in range(600):
        sea_families.nonconvex_draw(state, params, np.zeros(d), t, 11)
        sign = 1.0 if state[0] > 0 else -1.0
        assert state[:d] == pytest.approx(sign * kappa * u, rel=1e-15)
        if t % 3:
            assert sign == signs[-1] and state[3 * d + 1] == 0.0
        else:
            signs.append(sign)
            jump = 4 * kappa * kappa if t > 0 and sign != signs[-2] else 0.0
            assert state[3 * d + 1] == pytest.approx(jump, rel=1e-12, abs=1e-15)
    signs = np.array(signs)
    assert abs(np.mean(signs > 0) - 0.5) < 0.15  # 200 blocks: sd 0.035
    assert abs(np.mean(signs[1:] != signs[:-1]) - 0.5) < 0.15  # a flip is a fair coin too
    # period 1: the block sign of round t against |xi_t| (same round, different draws): no dependence
    params, state = _nonconvex(dim=d, noise=0.5, drift="blocks", period=1, kappa=kappa)
    plus, big = [], []
    for t in range(1200):
        sea_families.nonconvex_draw(state, params, np.zeros(d), t, 13)
        plus.append(state[0] > 0)
        big.append(abs(state[2 * d]))
    plus, big = np.array(plus), np.array(big)
    above = big > np.median(big)
    assert abs(np.mean(plus[above]) - np.mean(plus[~above])) < 0.12  # sd 0.029 when independent


@pytest.mark.parametrize("domain, radius", [("ball", 1.0), ("box", 0.4)])
def test_round_comparators_when_theta_leaves_the_set(domain, radius):
    """u_t = Pi_X(theta_t), F_t(u_t) = 1/2 ||Pi_X(theta) - theta||^2 (non-convex world: its F_t), and
    ||Pi_X(theta) - theta||^2 / (2 d) + s^2 / 2 (least squares), with theta_t outside X."""
    theta = np.array([1.5, -2.0, 0.25])
    proj = theta / np.linalg.norm(theta) * radius if domain == "ball" else np.clip(theta, -radius, radius)
    want = 0.5 * np.sum((proj - theta) ** 2)
    for name, extra in (("sea_nonconvex", 0.0), ("sea_least_squares", 0.5 * 0.3 ** 2)):
        env = environments.make(name, dim=3, domain=domain, radius=radius, noise=0.3)
        spec = environments.REGISTRY[name]
        state = np.zeros(3 * 3 + 3)
        state[:3] = theta
        out = np.zeros(3)
        value = spec.round_best(state, env.row(), out)
        assert out == pytest.approx(proj, rel=1e-12)
        assert value == pytest.approx(want / (3 if name == "sea_least_squares" else 1) + extra, rel=1e-12)


@pytest.mark.parametrize("domain, rows", [("ball", 40), ("box", 40), ("ball", 2)])
def test_least_squares_comparator_is_exact_on_an_exact_fit(domain, rows):
    """b = A x0 with x0 inside X: min_X 1/2 ||A x - b||^2 = 0 (at x0 when A has full column rank); the ridge
    1e-12 (1 + tr H / d) must not move the value above rounding, also when H is singular (2 rows, d = 3)."""
    d, r = 3, 1.0
    rng_ = np.random.default_rng(rows)
    A = rng_.normal(size=(rows, d)) / math.sqrt(d)
    x0 = np.array([0.3, -0.25, 0.2])
    b = A @ x0
    env = environments.make("sea_least_squares", dim=d, domain=domain, radius=r)
    suff = np.zeros(3 * d * d + 7 * d + 2)
    h = 3 * d + 1
    suff[h : h + d * d] = (A.T @ A).ravel()
    suff[h + d * d : h + d * d + d] = A.T @ b
    suff[h + d * d + d] = b @ b
    value = sea_families.ls_best_total(env.row(), suff, float(rows), 0)
    assert abs(value) < 1e-13
    if rows > d:
        assert suff[-d:] == pytest.approx(x0, abs=1e-9)  # the comparator's point: the last d slots


@pytest.mark.parametrize("name", ["sea_least_squares", "sea_nonconvex"])
@pytest.mark.parametrize("bad", [{"period": 0}, {"kappa": -0.1}, {"noise": -0.1}, {"radius": 0.0}])
def test_drift_and_noise_parameters_keep_their_ranges(name, bad):
    """period >= 1 (theta_t switches at t // period), kappa = ||theta_t|| >= 0, s >= 0, radius > 0."""
    with pytest.raises(olearn.ParameterError, match=f"'{next(iter(bad))}'"):
        environments.make(name, **bad)


def test_least_squares_loss_and_model_are_the_drawn_example():
    """f_t(x) = 1/2 (<a_t, x> - b_t)^2 by its definition from the drawn (a_t, b_t): the loss kernel and the model
    (code SQUARED, y = b_t, v = a_t) that implicit learners read give its value and gradient."""
    from olearn.engine import models

    d = 3
    env = environments.make("sea_least_squares", dim=d, noise=0.4, drift="rotation", omega=0.3, kappa=0.9)
    params, state = env.row(), np.zeros(3 * d + 3)
    rng_ = np.random.default_rng(3)
    g, gm, m = np.zeros(d), np.zeros(d), np.zeros(2 + d)
    for t in range(10):
        x = rng_.uniform(-0.5, 0.5, size=d)
        sea_families.ls_draw(state, params, x, t, 4)
        a, b = state[2 * d : 3 * d], state[3 * d + 2]
        sea_families.ls_model(state, params, m)
        assert m[0] == models.SQUARED
        for value, grad in ((sea_families.ls_loss_grad(state, params, x, g), g), (models.loss_grad(m, d, x, gm), gm)):
            assert value == pytest.approx(0.5 * (a @ x - b) ** 2, rel=1e-12)
            assert grad == pytest.approx((a @ x - b) * a, rel=1e-12, abs=1e-15)


def test_least_squares_dimension_keeps_its_noise_draw_below_the_fixed_indices():
    """z_t is a Box-Muller normal from uniform indices 4d and 4d + 1; at d = 2^18 the first is 2^20, the blocks drift's
    sign draw (round = block), so the two were one draw at t = block: d stops at 2^18 - 1 there (the other SEA worlds,
    whose draws stay below 2d, keep 2^18)."""
    with pytest.raises(olearn.ParameterError, match="'dim'"):
        environments.make("sea_least_squares", dim=2**18)
    assert max(p.high for p in environments.REGISTRY["sea_least_squares"].params if p.name == "dim") * 4 + 1 < 2**20
    environments.make("sea_quadratic", dim=2**18)
