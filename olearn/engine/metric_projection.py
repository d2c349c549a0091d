"""Projections in a matrix norm and the linear algebra they need, as kernels (oco learners and worlds).

Pi^A_X(y) = argmin_{x in X} (x - y)^T A (x - y), the projection in the A-norm:

* ball {||x|| <= r}: x(mu) = (A + mu I)^{-1} A y with mu >= 0 the root of ||x(mu)|| = r (the KKT
  condition), found by bisection on [0, ||A y|| / r] (``BISECTION`` halvings; the feasible end is kept);
* box [-r, r]^d: ``SWEEPS`` sweeps of exact coordinate minimization (a convex QP with box constraints:
  coordinate descent converges linearly; the result is within float precision for well-conditioned A);
* free: no projection.

Linear systems are solved by a Cholesky factorization in the kernel (d^3 / 6 per solve).
"""
import math

from olearn.core.kernel import kernel
from olearn.engine import domains

BISECTION = 100
SWEEPS = 200
PIVOT_FLOOR = 4.0 * 2.0**-52  # relative floor on Cholesky pivots: a few ulps of the diagonal


@kernel
def shifted_solve(a, mu, b, d, chol, out):
    """out = (A + mu I)^{-1} b by Cholesky (A row-major d x d, symmetric positive definite; ``chol`` d x d scratch).

    A pivot below ``PIVOT_FLOOR * d`` times its diagonal entry (rounding has made A + mu I singular or
    indefinite) is raised to that value, so the solve stays finite.
    """
    for i in range(d):
        for j in range(i + 1):
            s = a[i * d + j] + (mu if i == j else 0.0)
            for k in range(j):
                s -= chol[i * d + k] * chol[j * d + k]
            if i == j:
                # a pivot lost to rounding (eps I next to g g^T with |g|^2 / eps > 2^52) is floored at PIVOT_FLOOR
                # times the diagonal, as if A held a slightly larger eps I; a well-conditioned A never meets it
                chol[i * d + i] = math.sqrt(max(s, PIVOT_FLOOR * d * (a[i * d + i] + mu)))
            else:
                chol[i * d + j] = s / chol[j * d + j]
    for i in range(d):  # forward: L z = b
        s = b[i]
        for k in range(i):
            s -= chol[i * d + k] * out[k]
        out[i] = s / chol[i * d + i]
    for i in range(d - 1, -1, -1):  # backward: L^T x = z
        s = out[i]
        for k in range(i + 1, d):
            s -= chol[k * d + i] * out[k]
        out[i] = s / chol[i * d + i]


@kernel
def norm2(v, d):
    s = 0.0
    for i in range(d):
        s += v[i] * v[i]
    return s


@kernel
def a_norm_project(code, r, d, a, y, chol, ay, out):
    """out = Pi^A_X(y) (see the module docstring); ``chol`` (d x d) and ``ay`` (d) are scratch; ``out`` is not ``y``."""
    for i in range(d):
        out[i] = y[i]
    if code == domains.BALL:
        if norm2(y, d) <= r * r:
            return
        for i in range(d):
            s = 0.0
            for j in range(d):
                s += a[i * d + j] * y[j]
            ay[i] = s
        lo, hi = 0.0, math.sqrt(norm2(ay, d)) / r
        for _ in range(BISECTION):
            mid = 0.5 * (lo + hi)
            shifted_solve(a, mid, ay, d, chol, out)
            if norm2(out, d) > r * r:
                lo = mid
            else:
                hi = mid
        shifted_solve(a, hi, ay, d, chol, out)
    elif code == domains.BOX:
        for i in range(d):
            out[i] = min(r, max(-r, y[i]))
        for _ in range(SWEEPS):
            for i in range(d):
                s = 0.0
                for j in range(d):
                    if j != i:
                        s += a[i * d + j] * (out[j] - y[j])
                out[i] = min(r, max(-r, y[i] - s / a[i * d + i]))


@kernel
def add_outer(a, g, scale, d):
    """A += scale g g^T."""
    for i in range(d):
        for j in range(d):
            a[i * d + j] += scale * g[i] * g[j]
