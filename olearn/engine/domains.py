"""Feasible sets of online convex optimization: Euclidean projection, centre, diameter, linear minimization.

An ``oco`` environment reveals its feasible set X to the learner as the round's context
``obs = [domain code, radius]`` (see :mod:`olearn.engine.oco`), so a learner and the
environment's regret comparator always use the same set.  Codes:

=========  =========================================  ===================
code       set                                         diameter D
=========  =========================================  ===================
BALL  (0)  {x : ||x||_2 <= r}                          2 r
BOX   (1)  [-r, r]^d                                   2 r sqrt(d)
SIMPLEX(2) {x >= 0 : sum_i x_i = r}                    r sqrt(2)
FREE  (3)  R^d (unconstrained; r is a scale only)      r (a nominal scale)
=========  =========================================  ===================

Every function here is a kernel (see :mod:`olearn.core.kernel`).
"""
import math

from olearn.core.kernel import kernel

BALL, BOX, SIMPLEX, FREE = 0, 1, 2, 3
NAMES = ("ball", "box", "simplex", "free")
#: bisection steps of the simplex projection's threshold (then made exact on the found support)
SIMPLEX_BISECTION = 60
#: below this ||y||^2, :func:`euclidean_norm` measures y / max|y_i| instead (underflow would cost digits)
TINY_NORM2 = 2.0**-960


@kernel
def diameter(code, r, d):
    """Diameter D = max ||x - y||_2 over the set (a nominal scale r for FREE)."""
    if code == BALL:
        return 2.0 * r
    if code == BOX:
        return 2.0 * r * math.sqrt(d)
    if code == SIMPLEX:
        return r * math.sqrt(2.0) if d > 1 else 0.0
    return r


@kernel
def step_scale(code, r, d):
    """The diameter as a scale for step sizes and initial covariances: D, or 1 on the one-point simplex (d = 1),
    where D = 0 would divide by zero and every step lands on the point anyway."""
    diam = diameter(code, r, d)
    return diam if diam > 0.0 else 1.0


@kernel
def max_norm_diameter(code, r, d):
    """D_inf = max ||x - y||_inf over the set: 2 r (ball, box), r (simplex: two vertices), r (FREE, nominal).
    On the one-point simplex (d = 1) D_inf is 0; r is returned there too, as a step scale (AdaGrad's), where every
    step lands on the point anyway (as :func:`step_scale` does for D)."""
    if code == BALL or code == BOX:
        return 2.0 * r
    return r


@kernel
def center(code, r, d, out):
    """A central point: the origin (ball, box, free) or the barycentre r/d * 1 (simplex)."""
    for i in range(d):
        out[i] = r / d if code == SIMPLEX else 0.0


@kernel
def euclidean_norm(d, y):
    """||y||_2: the square root of the sum of squares, or max|y_i| ||y / max|y_i|||_2 where that sum overflows or falls
    below 2^-960 (where it would lose digits to underflow); inf with an infinite coordinate."""
    norm2 = 0.0
    for i in range(d):
        norm2 += y[i] * y[i]
    if TINY_NORM2 <= norm2 < math.inf:
        return math.sqrt(norm2)
    big = 0.0
    for i in range(d):
        big = max(big, abs(y[i]))
    if big == 0.0 or math.isinf(big):
        return big
    norm2 = 0.0
    for i in range(d):
        norm2 += (y[i] / big) * (y[i] / big)
    return big * math.sqrt(norm2)


@kernel
def onto_sphere(r, d, y, norm, out):
    """r y / ||y||_2 into ``out`` (``out`` may be ``y``; y = 0 gives 0), given ``norm`` = :func:`euclidean_norm` (d, y).

    An infinite ``norm`` (infinite coordinates, or finite ones whose norm passes the largest double) is handled on
    y / max|y_i|; with infinite coordinates, the limit direction: r sign(y_i) / sqrt(#infinite) on those, 0 elsewhere.
    """
    if norm == 0.0:
        for i in range(d):
            out[i] = 0.0
    elif norm * norm >= TINY_NORM2 and norm < math.inf:  # y (r / ||y||), as the projection has always scaled
        scale = r / norm
        for i in range(d):
            out[i] = y[i] * scale
    elif norm < math.inf:  # ||y|| below 2^-480: r / ||y|| might overflow, y / ||y|| cannot
        for i in range(d):
            out[i] = r * (y[i] / norm)
    else:
        n_inf = 0
        big = 0.0
        for i in range(d):
            n_inf += 1 if math.isinf(y[i]) else 0
            big = max(big, abs(y[i]))
        if n_inf > 0:
            each = r / math.sqrt(n_inf)
            for i in range(d):
                out[i] = (each if y[i] > 0.0 else -each) if math.isinf(y[i]) else 0.0
        else:
            norm2 = 0.0
            for i in range(d):
                norm2 += (y[i] / big) * (y[i] / big)
            unit = math.sqrt(norm2)
            for i in range(d):
                out[i] = r * ((y[i] / big) / unit)


@kernel
def project(code, r, d, y, out):
    """Euclidean projection Pi_X(y) into ``out`` (``out`` may be ``y``).

    Ball: y * min(1, r / ||y||).  Box: clip to [-r, r].  Simplex (sum r): x_i = max(y_i - tau, 0)
    with tau found by bisection on sum_i max(y_i - tau, 0) = r, then recomputed exactly as
    (sum over the support of y_i - r) / |support| (Duchi et al. 2008).
    """
    if code == BALL:
        norm = euclidean_norm(d, y)
        if norm > r:
            onto_sphere(r, d, y, norm, out)
        else:
            for i in range(d):
                out[i] = y[i]
    elif code == BOX:
        for i in range(d):
            out[i] = min(max(y[i], -r), r)
    elif code == SIMPLEX:
        hi = y[0]
        for i in range(d):
            hi = max(hi, y[i])
        lo = hi - r  # sum_i max(y_i - lo, 0) >= r
        hi_t = hi  # sum = 0 < r
        for _ in range(SIMPLEX_BISECTION):
            mid = 0.5 * (lo + hi_t)
            s = 0.0
            for i in range(d):
                s += max(y[i] - mid, 0.0)
            if s > r:
                lo = mid
            else:
                hi_t = mid
        total = 0.0
        count = 0
        for i in range(d):
            if y[i] > lo:
                total += y[i]
                count += 1
        if count == 0:  # max y_i beyond 2^52 r: hi - r rounds to hi, the mass goes to the largest coordinates
            ties = 0
            for i in range(d):
                if y[i] == hi:
                    ties += 1
            for i in range(d):
                out[i] = r / ties if y[i] == hi else 0.0
        else:
            tau = (total - r) / count
            for i in range(d):
                out[i] = max(y[i] - tau, 0.0)
    else:
        for i in range(d):
            out[i] = y[i]


@kernel
def linear_minimizer(code, r, d, c, out):
    """argmin_{x in X} <c, x> into ``out`` (ties: the first coordinate; c = 0 gives the centre).

    Ball: -r c / ||c||.  Box: -r sign(c).  Simplex: r e_k, k = argmin c_k.  FREE: unbounded, the origin.
    """
    if code == BALL:
        onto_sphere(-r, d, c, euclidean_norm(d, c), out)
    elif code == BOX:
        for i in range(d):
            out[i] = -r if c[i] > 0.0 else (r if c[i] < 0.0 else 0.0)
    elif code == SIMPLEX:
        k = 0
        for i in range(d):
            if c[i] < c[k]:
                k = i
        for i in range(d):
            out[i] = r if i == k else 0.0
    else:
        for i in range(d):
            out[i] = 0.0
