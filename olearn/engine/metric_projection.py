"""Projections in a matrix norm and the linear algebra they need, as kernels (oco learners and worlds).

Pi^A_X(y) = argmin_{x in X} (x - y)^T A (x - y), the projection in the A-norm:

* ball {||x|| <= r}: x(mu) = (A + mu I)^{-1} A y with mu >= 0 the root of ||x(mu)|| = r (the KKT
  condition), found by bisection on [0, ||A y|| / r] (``BISECTION`` halvings; the feasible end is kept);
* box [-r, r]^d (a strictly convex QP with bound constraints): the primal active-set method, exact up
  to the rounding of the Cholesky solves (forward error ~ cond(A) eps) for any symmetric positive definite A.
  The iterate x stays feasible; each coordinate is free or bound at -r / +r, starting from x = clip(y)
  with the clipped coordinates bound.  One iteration solves the free block exactly,
  A_FF (x_F - y_F) = -A_FB (x_B - y_B) (Cholesky of A_FF; x_F = y_F when nothing is bound), and moves
  x_F toward that point by the largest step <= 1 that stays in the box; a coordinate the step stops at
  becomes bound.  After a full step x minimizes the objective on its free set, and the KKT signs of the
  bound coordinates are checked: g = A (x - y) must have g_i <= 0 at +r and g_i >= 0 at -r.  If one is
  violated by more than ``KKT_TOL`` d sum_j |A_ij| (|x_j| + |y_j|) (rounding), the most violated is
  freed; otherwise x is the projection.  The objective decreases strictly between free-set minimizers,
  so no free set recurs and the method ends in finitely many iterations (seen: at most ~2 d); a freed
  coordinate that goes straight back to its bound (possible only by rounding) also ends it.  Should
  ``ACTIVE_SET_ITERS`` d + ``ACTIVE_SET_BASE`` iterations pass without that (not met in tests), x is
  finished by ``SWEEPS`` sweeps of exact coordinate minimization (linear convergence, slow when A is
  ill-conditioned).  Scratch: ``chol`` holds the factor of A_FF (row stride |F|) and the solution, which
  fit in d x d since |F| < d whenever a solve is needed; ``ay`` holds the bound pattern (-1, 0, +1);
* simplex {x >= 0 : sum_i x_i = r}: the same primal active-set method with the equality constraint, coordinates
  free or bound at 0, from the Euclidean projection of y.  On a free set F the minimizer has x_F - y_F = z with
  A_FF z = A_FB y_B + nu 1, nu the multiplier of sum_F x = r, from two solves with one factor of A_FF
  (w = A_FF^{-1} 1 gives nu, then z); the step toward it stops at the first coordinate to reach 0, which is bound.
  After a full step a bound coordinate with [A (x - y)]_i < nu (moving mass onto it lowers the objective, beyond
  rounding) is freed, the most violated first; none left means x is the projection.  ``chol`` needs d d + d
  slots here (the factor and one vector);
* free: no projection.

With a diagonal A = diag(h), h > 0 (:func:`diagonal_project`), each set has a one-dimensional dual:
ball: x_i = h_i y_i / (h_i + mu) with mu >= 0 the root of ||x(mu)|| = r (bisection on
[0, max_i h_i ||y|| / r], the feasible end kept); box: clip(y) (separable); simplex of total r:
x_i = max(y_i - tau / h_i, 0) with sum_i x_i(tau) = r (bisection on [min_i h_i (y_i - r), max_i h_i y_i],
then tau recomputed exactly on the support found, (sum_S y_i - r) / sum_S 1/h_i; where |y| is so far beyond r
that rounding loses the answer (the mass left is off by r/2), the vertex of the largest h_i y_i, the limit as y
grows); free: no projection.

Linear systems are solved by a Cholesky factorization in the kernel (d^3 / 6 per solve).
"""
import math

from olearn.core.kernel import kernel
from olearn.engine import domains

BISECTION = 100
SWEEPS = 200
ACTIVE_SET_ITERS = 4  # the active-set loop runs at most ACTIVE_SET_ITERS d + ACTIVE_SET_BASE iterations
ACTIVE_SET_BASE = 20
KKT_TOL = 8.0 * 2.0**-52  # a multiplier of the wrong sign below KKT_TOL d sum_j |A_ij| (|x_j| + |y_j|) is rounding
PIVOT_FLOOR = 4.0 * 2.0**-52  # relative floor on Cholesky pivots: a few ulps of the diagonal


@kernel
def cholesky(chol, m):
    """In place: the lower triangle of the m x m matrix in chol[0 : m m] (row stride m, symmetric positive
    definite) becomes its Cholesky factor L (A = L L^T); the upper triangle is not read or written.

    A pivot below ``PIVOT_FLOOR * m`` times its diagonal entry (rounding has made the matrix singular or
    indefinite) is raised to that value, so solves stay finite.
    """
    for i in range(m):
        for j in range(i + 1):
            s = chol[i * m + j]
            for k in range(j):
                s -= chol[i * m + k] * chol[j * m + k]
            if i == j:
                # a pivot lost to rounding (eps I next to g g^T with |g|^2 / eps > 2^52) is floored at PIVOT_FLOOR
                # times the diagonal, as if A held a slightly larger eps I; a well-conditioned A never meets it
                chol[i * m + i] = math.sqrt(max(s, PIVOT_FLOOR * m * chol[i * m + i]))
            else:
                chol[i * m + j] = s / chol[j * m + j]


@kernel
def cholesky_solve(chol, m, x, start):
    """x[start : start + m] = (L L^T)^{-1} x[start : start + m], in place, with L from :func:`cholesky`."""
    forward_solve(chol, m, x, start)
    back_solve(chol, m, x, start)


@kernel
def forward_solve(chol, m, x, start):
    """x[start : start + m] = L^{-1} x[start : start + m], in place (L w = b)."""
    for i in range(m):
        s = x[start + i]
        for k in range(i):
            s -= chol[i * m + k] * x[start + k]
        x[start + i] = s / chol[i * m + i]


@kernel
def back_solve(chol, m, x, start):
    """x[start : start + m] = L^{-T} x[start : start + m], in place (L^T z = w)."""
    for i in range(m - 1, -1, -1):
        s = x[start + i]
        for k in range(i + 1, m):
            s -= chol[k * m + i] * x[start + k]
        x[start + i] = s / chol[i * m + i]


@kernel
def pack_free_block(a, d, free, m, chol):
    """The lower triangle of A_FF (A row-major d x d; F = {i : free[i] == 0}, m = |F|) into chol[0 : m m], row
    stride m, ready for :func:`cholesky`."""
    ip = 0
    for i in range(d):
        if free[i] != 0.0:
            continue
        jp = 0
        for j in range(i + 1):
            if free[j] == 0.0:
                chol[ip * m + jp] = a[i * d + j]
                jp += 1
        ip += 1


@kernel
def shifted_solve(a, mu, b, d, chol, out):
    """out = (A + mu I)^{-1} b by Cholesky (A row-major d x d, symmetric positive definite; ``chol`` d x d
    scratch, left holding the factor of A + mu I in its lower triangle; ``out`` is not ``b``)."""
    for i in range(d):
        for j in range(i + 1):
            chol[i * d + j] = a[i * d + j] + (mu if i == j else 0.0)
        out[i] = b[i]
    cholesky(chol, d)
    cholesky_solve(chol, d, out, 0)


@kernel
def norm2(v, d):
    s = 0.0
    for i in range(d):
        s += v[i] * v[i]
    return s


@kernel
def a_norm_project(code, r, d, a, y, chol, ay, out):
    """out = Pi^A_X(y) (see the module docstring); ``chol`` (d x d) and ``ay`` (d) are scratch (A y for the
    ball, the bound pattern for the box); ``out`` is not ``y``."""
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
        box_project(r, d, a, y, chol, ay, out)
    elif code == domains.SIMPLEX:
        simplex_project(r, d, a, y, chol, ay, out)


@kernel
def bound_pull(a, d, status, y, out, i):
    """-sum_{j bound} A_ij (out_j - y_j): row i (a free coordinate) of the right-hand side of
    A_FF z_F = -A_FB (x_B - y_B)."""
    s = 0.0
    for j in range(d):
        if status[j] != 0.0:
            s -= a[i * d + j] * (out[j] - y[j])
    return s


@kernel
def _free_target(y, chol, i, ip, m, d):
    """The subspace minimizer's coordinate i, the ip-th free one: y_i plus the free block's solution
    (y_i itself when nothing is bound, m == d)."""
    return y[i] + chol[m * m + ip] if m < d else y[i]


@kernel
def _free_block_step(r, d, a, y, status, m, chol, out):
    """Subspace minimizer on the free set F = {i : status[i] == 0}, m = |F| < d, and the line search toward it.

    Solves A_FF z_F = -A_FB (x_B - y_B) by Cholesky (the factor of A_FF packed with row stride m in
    chol[0 : m m], z_F in chol[m m : m m + m]; m m + m <= d d as m < d), the subspace minimizer being
    y_F + z_F; with m == d (no bound coordinate) it is y itself and ``chol`` is not touched.  Then out_F
    moves toward it by the largest step alpha <= 1 that stays in [-r, r]^d.  Returns the index of the
    coordinate the step stopped at (set to its bound exactly), or -1 after the full step.
    """
    z = m * m
    if m < d:
        pack_free_block(a, d, status, m, chol)
        ip = 0
        for i in range(d):
            if status[i] != 0.0:
                continue
            chol[z + ip] = bound_pull(a, d, status, y, out, i)
            ip += 1
        cholesky(chol, m)
        cholesky_solve(chol, m, chol, z)
    alpha = 1.0
    block = -1
    ip = 0
    for i in range(d):
        if status[i] != 0.0:
            continue
        target = _free_target(y, chol, i, ip, m, d)
        ip += 1
        if target > r:
            t = (r - out[i]) / (target - out[i])
            if t < alpha:
                alpha = t
                block = i
        elif target < -r:
            t = (-r - out[i]) / (target - out[i])
            if t < alpha:
                alpha = t
                block = i
    ip = 0
    for i in range(d):
        if status[i] != 0.0:
            continue
        target = _free_target(y, chol, i, ip, m, d)
        ip += 1
        if block < 0:
            out[i] = target
        elif i == block:
            out[i] = r if target > r else -r
        else:
            out[i] = min(r, max(-r, out[i] + alpha * (target - out[i])))
    return block


@kernel
def most_violated(a, d, y, status, nu, out):
    """The bound coordinate whose multiplier has the wrong sign by the most, or -1: with g = A (out - y), the
    coordinate i maximizing status_i (g_i - nu) > ``KKT_TOL`` d sum_j |A_ij| (|out_j| + |y_j|) (rounding), status
    -1 at a lower bound and +1 at an upper one (0 free), nu the free coordinates' common g (0 for the box, the
    sum constraint's multiplier for the simplex): there, moving the coordinate inward lowers the objective."""
    worst = 0.0
    released = -1
    for i in range(d):
        if status[i] == 0.0:
            continue
        g = 0.0
        scale = 0.0
        for j in range(d):
            g += a[i * d + j] * (out[j] - y[j])
            scale += abs(a[i * d + j]) * (abs(out[j]) + abs(y[j]))
        v = status[i] * (g - nu)
        if v > KKT_TOL * d * scale and v > worst:
            worst = v
            released = i
    return released


@kernel
def box_project(r, d, a, y, chol, status, out):
    """out = argmin_{x in [-r, r]^d} (x - y)^T A (x - y) by the primal active-set method (see the module
    docstring); ``chol`` (d x d) and ``status`` (d: -1 at -r, 0 free, +1 at +r) are scratch."""
    for i in range(d):
        if y[i] > r:
            out[i] = r
            status[i] = 1.0
        elif y[i] < -r:
            out[i] = -r
            status[i] = -1.0
        else:
            out[i] = y[i]
            status[i] = 0.0
    done = False
    released = -1
    released_side = 0.0
    for _ in range(ACTIVE_SET_ITERS * d + ACTIVE_SET_BASE):
        m = 0
        for i in range(d):
            if status[i] == 0.0:
                m += 1
        block = -1
        if m > 0:
            block = _free_block_step(r, d, a, y, status, m, chol, out)
        if block >= 0:  # a coordinate reached its bound: it joins the bound set
            status[block] = 1.0 if out[block] > 0.0 else -1.0
            if block == released and status[block] == released_side:
                # the coordinate just released goes straight back to its bound (in exact arithmetic it moves
                # inward): its multiplier's sign was lost to rounding, and out is the minimizer
                done = True
                break
            released = -1
            continue
        # out minimizes on the current free set: check the signs of the bound coordinates' multipliers
        released = most_violated(a, d, y, status, 0.0, out)
        if released < 0:
            done = True
            break
        released_side = status[released]
        status[released] = 0.0
    if not done:  # not reached on any A met so far: finish by coordinate descent
        for _ in range(SWEEPS):
            for i in range(d):
                s = 0.0
                for j in range(d):
                    if j != i:
                        s += a[i * d + j] * (out[j] - y[j])
                out[i] = min(r, max(-r, y[i] - s / a[i * d + i]))


@kernel
def _simplex_block_step(r, d, a, y, bound, m, chol, out):
    """Subspace minimizer on the free set F = {i : bound[i] == 0} (m = |F| >= 1, the bound coordinates at 0) under
    sum_F x = r, and the line search toward it.

    The minimizer is y_F + z with A_FF z = b + nu 1, b = A_FB y_B, and nu such that the coordinates sum to r:
    with w = A_FF^{-1} 1, nu = (r - sum_F y - w.b) / sum w (1' A_FF^{-1} b = w.b, A being symmetric).  The factor
    of A_FF sits in chol[0 : m m] (row stride m), w, then z, then y_F + z in chol[m m : m m + m].  out_F moves toward
    the minimizer by the largest step alpha <= 1 that keeps it >= 0 (sum_F out stays r; the minimizer's sum, r in exact
    arithmetic, is restored by an even shift where rounding moved it, as it does when |y| is far above r).  Returns
    (the index of the coordinate the step stopped at, set to 0 exactly, or -1 after the full step; nu).
    """
    z = m * m
    pack_free_block(a, d, bound, m, chol)
    cholesky(chol, m)
    for ip in range(m):
        chol[z + ip] = 1.0
    cholesky_solve(chol, m, chol, z)
    total_w = 0.0
    wb = 0.0
    free_y = 0.0
    ip = 0
    for i in range(d):
        if bound[i] != 0.0:
            continue
        s = bound_pull(a, d, bound, y, out, i)  # A_FB y_B: the bound coordinates are 0
        total_w += chol[z + ip]
        wb += chol[z + ip] * s
        free_y += y[i]
        ip += 1
    nu = (r - free_y - wb) / total_w
    ip = 0
    for i in range(d):
        if bound[i] != 0.0:
            continue
        chol[z + ip] = nu + bound_pull(a, d, bound, y, out, i)
        ip += 1
    cholesky_solve(chol, m, chol, z)
    drift = r  # the minimizer's sum is r in exact arithmetic; with |y| far above r rounding can lose it
    ip = 0
    for i in range(d):
        if bound[i] != 0.0:
            continue
        chol[z + ip] += y[i]  # the minimizer's coordinate itself, y_i + z_i
        drift -= chol[z + ip]
        ip += 1
    for ip in range(m):
        chol[z + ip] += drift / m
    alpha = 1.0
    block = -1
    ip = 0
    for i in range(d):
        if bound[i] != 0.0:
            continue
        target = chol[z + ip]
        ip += 1
        if target < 0.0:
            t = out[i] / (out[i] - target)
            if t < alpha:
                alpha = t
                block = i
    ip = 0
    for i in range(d):
        if bound[i] != 0.0:
            continue
        target = chol[z + ip]
        ip += 1
        if block < 0:
            out[i] = target
        elif i == block:
            out[i] = 0.0
        else:
            out[i] = max(0.0, out[i] + alpha * (target - out[i]))
    return block, nu


@kernel
def simplex_project(r, d, a, y, chol, bound, out):
    """out = argmin (x - y)^T A (x - y) over {x >= 0 : sum_i x_i = r}, by the primal active-set method with the
    equality constraint (see the module docstring); ``chol`` (d d + d: the factor and one vector) and ``bound``
    (d: -1 at 0, 0 free) are scratch.

    Starts from the Euclidean projection (feasible), its zero coordinates bound.  After a full step to the
    subspace minimizer, a bound coordinate with g_i = [A (x - y)]_i below the free coordinates' common value nu
    (raising it would lower the objective) is released, the most violated first, beyond ``KKT_TOL`` d
    sum_j |A_ij| (|x_j| + |y_j|) (rounding).  A coordinate released and bound again at once ends it (its
    multiplier's sign was rounding), as does the iteration cap, keeping the last feasible point.  Should rounding
    leave no simplex point (|y| many orders above r: the solves' cancellation loses the answer), the result is the
    Euclidean projection of y, which stays exact there.
    """
    domains.project(domains.SIMPLEX, r, d, y, out)
    for i in range(d):
        bound[i] = -1.0 if out[i] <= 0.0 else 0.0
        out[i] = max(out[i], 0.0)
    released = -1
    for _ in range(ACTIVE_SET_ITERS * d + ACTIVE_SET_BASE):
        m = 0
        for i in range(d):
            if bound[i] == 0.0:
                m += 1
        block, nu = _simplex_block_step(r, d, a, y, bound, m, chol, out)
        if block >= 0:
            bound[block] = -1.0
            if block == released:
                break
            released = -1
            continue
        released = most_violated(a, d, y, bound, nu, out)
        if released < 0:
            break
        bound[released] = 0.0
    total = 0.0
    feasible = True
    for i in range(d):
        feasible = feasible and out[i] >= 0.0  # False for NaN too
        total += out[i]
    if not feasible or abs(total - r) > 1e-9 * r:  # |y| so far above r that the solves lost it: the Euclidean one
        domains.project(domains.SIMPLEX, r, d, y, out)


@kernel
def add_outer(a, g, scale, d):
    """A += scale g g^T."""
    for i in range(d):
        for j in range(d):
            a[i * d + j] += scale * g[i] * g[j]


@kernel
def _scaled_norm2(h, y, mu, d):
    """||x(mu)||^2 with x_i = h_i y_i / (h_i + mu)."""
    s = 0.0
    for i in range(d):
        v = h[i] * y[i] / (h[i] + mu)
        s += v * v
    return s


@kernel
def _simplex_mass(h, y, tau, d):
    """sum_i max(y_i - tau / h_i, 0)."""
    s = 0.0
    for i in range(d):
        s += max(y[i] - tau / h[i], 0.0)
    return s


@kernel
def diagonal_project(code, r, d, h, y, out):
    """out = Pi^A_X(y) for A = diag(h), every h_i > 0 (see the module docstring); ``out`` is not ``y``."""
    for i in range(d):
        out[i] = y[i]
    if code == domains.BALL:
        if norm2(y, d) <= r * r:
            return
        top = 0.0
        for i in range(d):
            top = max(top, h[i])
        lo, hi = 0.0, top * math.sqrt(norm2(y, d)) / r
        for _ in range(BISECTION):
            mid = 0.5 * (lo + hi)
            if _scaled_norm2(h, y, mid, d) > r * r:
                lo = mid
            else:
                hi = mid
        for i in range(d):
            out[i] = h[i] * y[i] / (h[i] + hi)
    elif code == domains.BOX:
        for i in range(d):
            out[i] = min(r, max(-r, y[i]))
    elif code == domains.SIMPLEX:
        lo, hi = math.inf, -math.inf
        for i in range(d):
            lo = min(lo, h[i] * (y[i] - r))
            hi = max(hi, h[i] * y[i])
        for _ in range(BISECTION):
            mid = 0.5 * (lo + hi)
            if _simplex_mass(h, y, mid, d) > r:
                lo = mid
            else:
                hi = mid
        weight, excess = 0.0, -r  # tau on the support {y_i > tau / h_i} (as at lo, just below the root), exactly
        for i in range(d):
            if y[i] - lo / h[i] > 0.0:
                weight += 1.0 / h[i]
                excess += y[i]
        tau = excess / weight
        mass = 0.0
        for i in range(d):
            out[i] = max(y[i] - tau / h[i], 0.0)
            mass += out[i]
        if abs(mass - r) > 0.5 * r:  # |y| so far beyond r that y_i - tau / h_i lost the O(r) answer to rounding:
            top = 0  # the limit of the projection as y grows, the vertex of the largest h_i y_i
            for i in range(d):
                if h[i] * y[i] > h[top] * y[top]:
                    top = i
            for i in range(d):
                out[i] = r if i == top else 0.0
