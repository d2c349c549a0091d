"""Special functions as kernels: the regularized incomplete beta function and its upper quantile.

Written in the kernel subset (:mod:`olearn.core.kernel`), so a learner that needs a posterior
quantile (Bayes-UCB) runs on every backend.
"""
import math

from olearn.core.kernel import kernel

#: most continued-fraction terms, and most safeguarded Newton steps of the quantile.  Near the mean of
#: Beta(a, b) the fraction needs about 4.2 (a + b)^(1/3) terms to converge (115 at a = b = 1e4, 1,091 at
#: a = b = 1e7; 300 terms had left the median of Beta(1e7, 1e7) at 0.498), so 5,000 cover a + b up to
#: about 1.5e9; it stops as soon as it has converged, so the bound costs nothing where fewer suffice
BETA_TERMS = 5000
QUANTILE_STEPS = 200
_TINY = 1e-300
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


@kernel
def stirling_rest(x):
    """ln Gamma(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2) for x >= 10, by its asymptotic series
    1/(12 x) - 1/(360 x^3) + 1/(1260 x^5) - 1/(1680 x^7) + 1/(1188 x^9) - 691/(360360 x^11) (error below
    1/(156 x^13) <= 7e-16)."""
    r = 1.0 / (x * x)
    return (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r * (1.0 / 1188.0 - r * 691.0 / 360360.0))))) / x


@kernel
def log_beta(a, b):
    """ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), which is also ln B(b, a).

    With p = min(a, b) and q = max(a, b): for q >= 10 the large ln Gamma terms are cancelled by hand
    (Stirling's formula, its remainders from :func:`stirling_rest`), so the result keeps full precision
    where it is small beside them (ln B(5e6, 1) = -ln 5e6 next to ln Gamma(5e6) = 7e7):
    ln B = ln(2 pi) / 2 + (p - 1/2) ln(p / (p + q)) + q ln(q / (p + q)) - ln(q) / 2 + rests for p >= 10, and
    ln B = ln Gamma(p) + p - p ln(p + q) + (q - 1/2) ln(q / (p + q)) + rests for p < 10.
    """
    p = min(a, b)
    q = max(a, b)
    if q < 10.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    share = math.log1p(-p / (p + q))  # ln(q / (p + q))
    if p >= 10.0:
        rest = stirling_rest(p) + stirling_rest(q) - stirling_rest(p + q)
        return _HALF_LOG_TWO_PI - 0.5 * math.log(q) + rest + (p - 0.5) * math.log(p / (p + q)) + q * share
    rest = stirling_rest(q) - stirling_rest(p + q)
    return math.lgamma(p) + rest + p - p * math.log(p + q) + (q - 0.5) * share


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
    log_x = math.log(x)
    log_rest = math.log1p(-x)  # ln(1 - x) from x itself: 1 - x rounds, and b ln(1 - x) magnifies that b-fold
    if x > (a + 1.0) / (a + b + 2.0):
        return math.log1p(-math.exp(_log_front(log_rest, log_x, b, a, log_b) + math.log(_fraction(1.0 - x, b, a))))
    return _log_front(log_x, log_rest, a, b, log_b) + math.log(_fraction(x, a, b))


@kernel
def _log_front(log_x, log_rest, a, b, log_b):
    """ln( x^a (1 - x)^b / (a B(a, b)) ) given ln x, ln(1 - x) and log_b = ln B(a, b)."""
    return a * log_x + b * log_rest - math.log(a) - log_b


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
