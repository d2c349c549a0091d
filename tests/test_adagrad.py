"""Diagonal AdaGrad against closed forms: the H-norm projections by their optimality conditions, Duchi, Hazan
and Singer's regret bound on adversarial linear losses, and the per-coordinate scale invariance that sets it
apart from one step size.  (Round-by-round equality with a NumPy reference: tests/test_oco_reference.py.)"""
import numpy as np
import pytest

import olearn
from olearn.engine import domains
from olearn.engine.metric_projection import diagonal_project


def _project(code, r, h, y):
    out = np.zeros(y.size)
    diagonal_project(code, r, y.size, h, y, out)
    return out


@pytest.mark.parametrize("code", [domains.BALL, domains.BOX, domains.SIMPLEX])
def test_diagonal_projection_meets_its_optimality_conditions(code):
    """KKT of argmin sum h_i (x_i - y_i)^2 on X: ball, h (y - x) = mu x with mu >= 0 and ||x|| = r when y is
    outside; box, the clip; simplex, h_i (y_i - x_i) = tau on the support and h_i y_i <= tau off it."""
    rng = np.random.default_rng(code)
    for _ in range(200):
        d = int(rng.integers(1, 7))
        r = float(rng.uniform(0.2, 2.0))
        h = rng.uniform(0.01, 10.0, d) ** 1.5
        y = rng.normal(size=d) * rng.uniform(0.1, 5.0)
        x = _project(code, r, h, y)
        if code == domains.BOX:
            np.testing.assert_array_equal(x, np.clip(y, -r, r))
        elif code == domains.BALL:
            if y @ y <= r * r:
                np.testing.assert_array_equal(x, y)
                continue
            assert x @ x <= r * r * (1 + 1e-12) and x @ x >= r * r * (1 - 1e-9)
            mu = h * (y - x) / np.where(x == 0, np.nan, x)
            assert np.nanmin(mu) >= 0 and np.nanmax(mu) - np.nanmin(mu) <= 1e-7 * max(1.0, np.nanmax(mu))
        else:
            assert np.all(x >= 0) and x.sum() == pytest.approx(r, rel=1e-12)
            on = x > 0
            tau = h[on] * (y[on] - x[on])
            assert np.ptp(tau) <= 1e-9 * max(1.0, np.abs(tau).max())
            assert np.all(h[~on] * y[~on] <= tau.mean() + 1e-9 * max(1.0, abs(tau.mean())))


def test_simplex_projection_of_a_point_far_beyond_r_is_its_limit_vertex():
    """As y grows along a direction, Pi^H(y) on the simplex ends at the vertex of the largest h_i y_i (there the
    gap between the two largest h_i y_i exceeds tau's whole range).  With |y| = 1e100, y_i - tau / h_i lost the
    O(r) answer to rounding and returned 0 (AdaGrad with eta = 1e100 then took log 0 on the portfolio world)."""
    h = np.array([2.0, 0.5, 1.0])
    for scale in (1e3, 1e100):
        y = np.array([0.3, 1.0, -0.2]) * scale  # h y = (0.6, 0.5, -0.2) scale: vertex 0
        np.testing.assert_array_equal(_project(domains.SIMPLEX, 1.5, h, y), [1.5, 0.0, 0.0])


def _play(gradients, domain, radius, **params):
    d = gradients.shape[1]
    tuner = olearn.stepwise(olearn.make("adagrad", dim=d, **params), domain=domain, radius=radius, backend="python")
    xs = []
    for g in gradients:
        x = tuner.act()
        xs.append(x.copy())
        tuner.update(x, loss=float(g @ x), gradient=g)
    return np.array(xs)


def _sparse_gradients(rng, T, d):
    """Each round a few coordinates, at scales 10^-2 .. 1 by coordinate, with a sign pattern that drifts."""
    scales = np.geomspace(1e-2, 1.0, d)
    g = rng.normal(size=(T, d)) * scales * (rng.random((T, d)) < 0.3)
    g[:, : d // 2] += 0.3 * scales[: d // 2] * np.where(np.arange(T)[:, None] < T // 3, 1.0, -1.0)
    return g


@pytest.mark.parametrize("domain, radius", [("box", 1.0), ("ball", 0.7), ("simplex", 1.0)])
@pytest.mark.parametrize("eta", [1 / np.sqrt(2), 2.0])
def test_regret_within_the_diagonal_bound(domain, radius, eta):
    """R_T(u) <= (delta / (eta D_inf)) ||u - x_1||^2 + D_inf (1/(2 eta) + eta) sum_i ||g_{1:T,i}||_2 (Duchi, Hazan
    and Singer 2011, Thm 5, with step eta D_inf), against the best point of X for the linear losses."""
    rng = np.random.default_rng(int(eta * 10) + len(domain))
    T, d, delta = 500, 6, 1e-8
    g = _sparse_gradients(rng, T, d)
    xs = _play(g, domain, radius, eta=eta, delta=delta)
    total = g.sum(0)
    if domain == "box":
        u, d_inf = -radius * np.sign(total), 2 * radius
    elif domain == "ball":
        u, d_inf = -radius * total / np.linalg.norm(total), 2 * radius
    else:
        u, d_inf = radius * np.eye(d)[np.argmin(total)], radius
    regret = np.sum(g * xs) - total @ u
    bound = delta / (eta * d_inf) * np.sum((u - xs[0]) ** 2) + d_inf * (1 / (2 * eta) + eta) * np.linalg.norm(g, axis=0).sum()
    assert regret <= bound
    assert regret > 0.02 * bound  # the drift makes the comparison non-trivial


def test_per_coordinate_scaling_leaves_the_iterates_unchanged():
    """On a box, each coordinate's step g_i / sqrt(sum g_i^2) ignores that coordinate's scale (delta -> 0), so
    gradients multiplied by c_i > 0 per coordinate give the same points; one step size for all does not."""
    rng = np.random.default_rng(5)
    g = rng.normal(size=(200, 4)) + 0.2
    c = np.array([1e-3, 1.0, 30.0, 1e4])
    a = _play(g, "box", 1.0, delta=1e-100)
    b = _play(g * c, "box", 1.0, delta=1e-100)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    tuner = olearn.stepwise(olearn.make("adagrad_norm", dim=4), domain="box", radius=1.0, backend="python")
    moved = []
    for gi in g * c:
        x = tuner.act()
        moved.append(x.copy())
        tuner.update(x, loss=float(gi @ x), gradient=gi)
    assert np.abs(np.array(moved)[:, 0] - a[:, 0]).max() > 0.1


def test_free_domain_steps_follow_the_diagonal_recurrence_and_the_defaults():
    """On R^d (D_inf = r, the free domain's nominal scale) and from x_1 = 0, x_{t+1} = x_t - eta r g_t / (delta +
    sqrt(sum_{s<=t} g_s^2)) per coordinate (a NumPy recurrence; delta = 0.3 so it is visible); and with no
    parameters given, eta is the minimizer of the bound's factor 1/(2 eta) + eta (1/sqrt(2), checked by scipy) and
    delta is negligible: a first gradient of 1e-6 moves its coordinate eta r 1e-6 / (1e-8 + 1e-6)."""
    from scipy.optimize import minimize_scalar  # noqa: PLC0415

    rng = np.random.default_rng(12)
    g = _sparse_gradients(rng, 40, 4) * np.array([1.0, 5.0, 0.2, 3.0])
    r, eta, delta = 1.7, 0.9, 0.3
    xs = _play(g, "free", r, eta=eta, delta=delta)
    expected = np.zeros_like(xs)
    for t in range(1, len(g)):
        expected[t] = expected[t - 1] - eta * r * g[t - 1] / (delta + np.sqrt((g[:t] ** 2).sum(0)))
    assert np.abs(expected).max() > 0.5
    np.testing.assert_allclose(xs, expected, rtol=1e-12, atol=1e-14)
    eta_star = minimize_scalar(lambda e: 1 / (2 * e) + e, bounds=(1e-3, 10.0), method="bounded", options={"xatol": 1e-12}).x
    assert eta_star == pytest.approx(1 / np.sqrt(2), rel=1e-6)
    first = np.array([1e-6, -1.0, 3e-7])
    x2 = _play(np.vstack([first, np.zeros(3)]), "free", r)[1]
    np.testing.assert_allclose(x2, -eta_star * r * first / (1e-8 + np.abs(first)), rtol=1e-6)


@pytest.mark.parametrize("name, value", [("eta", 0.0), ("eta", -1.0), ("delta", 0.0), ("delta", -1e-9)])
def test_parameters_out_of_range_are_refused_by_name(name, value):
    """eta > 0 (a step) and delta > 0 (H positive definite)."""
    with pytest.raises(olearn.ParameterError, match=f"'{name}'"):
        olearn.make("adagrad", **{name: value})
