"""The feasible sets of oco (olearn.engine.domains) against independent truth, at radii other than 1.

Ball: Pi(y) = y min(1, r / ||y||) (closed form).  Box: clip to [-r, r].  Simplex of total r: the sort-based
algorithm of Held, Wolfe and Crowder (1974) / Duchi et al. (2008), written here from scratch, and the
optimality check that no other simplex point is nearer.  Diameters are the largest distance between
vertices (box, simplex) or antipodes (ball), enumerated by brute force.
"""
import itertools

import numpy as np
import pytest

from olearn.engine import domains

RADII = [0.3, 0.5, 1.0, 2.0, 7.5]


def _points(d, r, rng):
    """Points inside, near the boundary (just inside and just outside, between r and r^2 in squared norm
    where those differ) and far outside the set."""
    ys = [rng.normal(size=d) * s for s in (0.05 * r, 0.5 * r, 2.0 * r, 30.0 * r)]
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    for rho in (0.9 * r, 0.999 * r, 1.001 * r, 1.1 * r, np.sqrt(r), 0.5 * (r + np.sqrt(r)), 0.5 * (r + r * r) ** 0.5 + 0.5 * r):
        ys.append(u * rho)
    return ys


def _simplex_reference(y, r):
    """Euclidean projection onto {x >= 0 : sum x = r} by sorting (no bisection)."""
    z = np.sort(y)[::-1]
    cum = np.cumsum(z) - r
    k = np.arange(1, y.size + 1)
    rho = np.nonzero(z - cum / k > 0)[0][-1]
    tau = cum[rho] / (rho + 1)
    return np.maximum(y - tau, 0.0)


@pytest.mark.parametrize("r", RADII)
def test_ball_projection_is_the_closed_form_at_every_radius(r):
    rng = np.random.default_rng(1)
    for d in (1, 2, 5):
        for y in _points(d, r, rng):
            out = np.zeros(d)
            domains.project(domains.BALL, r, d, y.copy(), out)
            norm = np.linalg.norm(y)
            expected = y if norm <= r else y * (r / norm)
            np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15, err_msg=f"d={d} y={y}")
            assert np.linalg.norm(out) <= r * (1 + 1e-12)


@pytest.mark.parametrize("r", RADII)
def test_box_projection_clips_at_every_radius(r):
    rng = np.random.default_rng(2)
    for d in (1, 3):
        for y in _points(d, r, rng):
            out = np.zeros(d)
            domains.project(domains.BOX, r, d, y.copy(), out)
            np.testing.assert_array_equal(out, np.clip(y, -r, r))


@pytest.mark.parametrize("r", RADII)
def test_simplex_projection_matches_the_sorting_algorithm_and_is_nearest(r):
    rng = np.random.default_rng(3)
    for d in (1, 2, 4, 7):
        for y in _points(d, r, rng):
            out = np.zeros(d)
            domains.project(domains.SIMPLEX, r, d, y.copy(), out)
            expected = _simplex_reference(y, r)
            np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12 * max(r, np.abs(y).max()))
            assert out.min() >= 0.0 and out.sum() == pytest.approx(r, rel=1e-12)
            # no simplex point is nearer: compare with random points of the simplex and its vertices
            others = np.vstack([rng.dirichlet(np.ones(d), size=50) * r, r * np.eye(d)])
            assert np.linalg.norm(out - y) <= np.linalg.norm(others - y, axis=1).min() + 1e-12


@pytest.mark.parametrize("r", RADII)
def test_diameters_are_the_largest_distances_between_extreme_points(r):
    for d in (1, 2, 3, 4):
        box = np.array(list(itertools.product((-r, r), repeat=d)))
        simplex = r * np.eye(d)
        far = lambda pts: max(np.linalg.norm(a - b) for a in pts for b in pts)  # noqa: E731
        assert domains.diameter(domains.BOX, r, d) == pytest.approx(far(box), rel=1e-12)
        assert domains.diameter(domains.SIMPLEX, r, d) == pytest.approx(far(simplex), rel=1e-12, abs=0.0)
        assert domains.diameter(domains.BALL, r, d) == pytest.approx(2.0 * r, rel=1e-12)
        assert domains.max_norm_diameter(domains.BOX, r, d) == pytest.approx(max(np.abs(a - b).max() for a in box for b in box))
        if d > 1:
            assert domains.max_norm_diameter(domains.SIMPLEX, r, d) == pytest.approx(
                max(np.abs(a - b).max() for a in simplex for b in simplex))


def test_the_sphere_point_is_r_y_over_the_norm_to_a_few_ulps_at_every_scale_of_y():
    """onto_sphere(r, y) = r y / ||y||_2 against ||y|| to 40 digits (mpmath), for y from 1e-300 to 1e300 and for finite
    y whose norm passes the largest double: in the middle ||y||^2 is summed directly; below 2^-960 and past the
    largest double it is measured on y / max|y_i|.  The ball's projection beyond r and its linear minimizer
    (radius -r) are this point, bit for bit."""
    import mpmath

    mpmath.mp.dps = 40
    rng = np.random.default_rng(5)
    r = 1.7
    for scale in (1e-300, 1e-170, 1e-155, 1e-140, 1e-3, 1.0, 1e150, 1e160, 1e300):
        for d in (1, 3, 6):
            y = rng.normal(size=d) * scale
            out = np.full(d, np.nan)
            domains.onto_sphere(r, d, y, domains.euclidean_norm(d, y), out)
            norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(v)) ** 2 for v in y))
            want = [float(r * mpmath.mpf(float(v)) / norm) for v in y]
            np.testing.assert_allclose(out, want, rtol=4e-16 * d, atol=0, err_msg=f"scale {scale}, d {d}")
            projected, minimizer = np.full(d, np.nan), np.full(d, np.nan)
            inner = float(norm) * 1e-3  # a ball y lies outside of
            domains.project(domains.BALL, inner, d, y, projected)
            domains.onto_sphere(inner, d, y, domains.euclidean_norm(d, y), out)
            np.testing.assert_array_equal(projected, out)
            domains.linear_minimizer(domains.BALL, r, d, y, minimizer)
            domains.onto_sphere(-r, d, y, domains.euclidean_norm(d, y), out)
            np.testing.assert_array_equal(minimizer, out)
    # ||y|| past the largest double (1.8e308), every coordinate finite: still r y / ||y||, projected and minimized
    y = np.array([1.7e308, -1.7e308, 1e308])
    norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(v)) ** 2 for v in y))
    want = [float(r * mpmath.mpf(float(v)) / norm) for v in y]
    projected, minimizer = np.full(3, np.nan), np.full(3, np.nan)
    with np.errstate(over="ignore"):
        domains.project(domains.BALL, r, 3, y, projected)
        domains.linear_minimizer(domains.BALL, r, 3, y, minimizer)
    np.testing.assert_allclose(projected, want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(minimizer, [-w for w in want], rtol=1e-15, atol=0)
    out = np.full(2, np.nan)
    domains.onto_sphere(r, 2, np.zeros(2), 0.0, out)
    np.testing.assert_array_equal(out, [0.0, 0.0])
