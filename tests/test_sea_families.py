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
