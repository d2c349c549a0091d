"""Special functions as kernels: the regularized incomplete beta function and its upper quantile.

Written in the kernel subset (:mod:`olearn.core.kernel`), so a learner that needs a posterior
quantile (Bayes-UCB) runs on every backend.
"""
import math

from olearn.core.kernel import kernel

#: most continued-fraction terms, and most safeguarded Newton steps of the quantile
BETA_TERMS = 300
QUANTILE_STEPS = 200
_TINY = 1e-300


@kernel
def log_beta(a, b):
    """ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), which is also ln B(b, a)."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@kernel
def log_beta_tail(x, a, b):
    """ln I_x(a, b), the regularized incomplete beta function, for 0 < x < 1 and a, b > 0.

    I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) / (1 + d_1 / (1 + d_2 / (1 + ...))) with
    d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
    (DLMF 8.17.22), evaluated by the modified Lentz method.  The fraction converges fast for
    x < (a + 1) / (a + b + 2); past that point I_x(a, b) = 1 - I_{1-x}(b, a) is used instead, where
    I_x(a, b) >= 1/2 roughly, so no relative precision that matters is lost.
    """
    return _log_tail(x, a, b, log_beta(a, b))


@kernel
def _log_tail(x, a, b, log_b):
    """:func:`log_beta_tail` given log_b = ln B(a, b), so a solver computes it once, not every evaluation."""
    if x <= 0.0:
        return -math.inf
    if x >= 1.0:
        return 0.0
    if x > (a + 1.0) / (a + b + 2.0):
        return math.log1p(-math.exp(_log_front(1.0 - x, b, a, log_b) + math.log(_fraction(1.0 - x, b, a))))
    return _log_front(x, a, b, log_b) + math.log(_fraction(x, a, b))


@kernel
def _log_front(x, a, b, log_b):
    """ln( x^a (1 - x)^b / (a B(a, b)) ), log_b = ln B(a, b)."""
    return a * math.log(x) + b * math.log1p(-x) - math.log(a) - log_b


@kernel
def _fraction(x, a, b):
    """1 / (1 + d_1 / (1 + d_2 / (1 + ...))) of :func:`log_beta_tail` (modified Lentz, relative tolerance 1e-15)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, BETA_TERMS + 1):
        m2 = 2.0 * m
        for odd in range(2):
            if odd == 0:
                term = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2))
            else:
                term = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))
            d = 1.0 + term * d
            if abs(d) < _TINY:
                d = _TINY
            c = 1.0 + term / c
            if abs(c) < _TINY:
                c = _TINY
            d = 1.0 / d
            step = c * d
            h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


@kernel
def beta_upper_quantile(log_delta, a, b):
    """The q with P(X > q) = delta for X ~ Beta(a, b), given ln delta (delta in (0, 1)): 1 - :func:`beta_upper_gap`."""
    return 1.0 - beta_upper_gap(log_delta, a, b)


@kernel
def beta_upper_gap(log_delta, a, b):
    """y = 1 - q, q the upper delta-quantile of Beta(a, b) (P(X > q) = delta), given ln delta.

    Kept as y, it has full relative precision when q is within 1e-16 of 1, where q itself rounds to 1.
    It solves g(y) = ln I_y(b, a) - ln delta = 0, an increasing function of y on
    (0, 1) (the lower tail of Beta(b, a); working with the tail keeps full relative precision
    when delta is small).  Newton's method on g, g'(y) = density(y) / I_y(b, a), safeguarded by a
    bracket [lo, hi] around the root: a step that leaves the bracket is replaced by bisection
    (geometric while hi > 2 lo, and hi / 100 while lo is 0, so a root near 1e-12 is reached in few steps).  Stops
    when |g| <= 1e-14 or the step is below 1e-15 of y.  For a, b >= 1 the density is log-concave, so
    ln I_y(b, a) is concave: once an iterate is left of the root, Newton climbs to it monotonically.
    """
    if log_delta >= 0.0:
        return 1.0
    log_b = log_beta(a, b)
    lo = 0.0
    hi = 1.0
    # start a normal tail of sqrt(2 ln(1/delta)) standard deviations below the mean of Beta(b, a), which is
    # usually just left of the root (Newton then climbs to it), or at the mean when that is not in (0, 1)
    y = b / (a + b)
    below = y - math.sqrt(-2.0 * log_delta * a * b / (a + b + 1.0)) / (a + b)
    if below > 0.0:
        y = below
    for _ in range(QUANTILE_STEPS):
        g = _log_tail(y, b, a, log_b) - log_delta
        if g > 0.0:
            hi = y
        else:
            lo = y
        if abs(g) <= 1e-14:
            break
        # d/dy ln I_y(b, a) = y^(b-1) (1 - y)^(a-1) / (B(b, a) I_y(b, a))
        log_slope = (b - 1.0) * math.log(y) + (a - 1.0) * math.log1p(-y) - log_b - (g + log_delta)
        nxt = -1.0  # a flat spot (the density underflows): bisect
        if log_slope > -700.0:
            nxt = y - g * math.exp(-log_slope)
        if not (lo < nxt < hi):
            if lo == 0.0:
                nxt = 0.01 * hi
                if nxt == 0.0:  # the root is below the smallest double: 1 - q rounds to 0
                    y = 0.0
                    break
            elif hi > 2.0 * lo:
                nxt = math.sqrt(lo * hi)
            else:
                nxt = 0.5 * (lo + hi)
        done = abs(nxt - y) <= 1e-15 * y
        y = nxt
        if done:
            break
    return y
