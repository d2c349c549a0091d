"""Heavy-tailed stochastic arms: symmetric Lomax (Pareto II) noise around each arm's mean.

The reward of arm ``k`` at round ``t`` is

    X = means[k] + scale * S * L,   S = +-1 with probability 1/2 each,   L ~ Lomax(alpha): P(L > x) = (1 + x)^-alpha,

drawn by inversion from the counter-based generator (stream ``ENV``): L = U^(-1/alpha) - 1 with
U = 1 - uniform(seed, ENV, t, 2k) in (0, 1] (computed as expm1(-ln(U) / alpha)), S = +1 when
uniform(seed, ENV, t, 2k + 1) < 1/2.  The loss is ``1 - X`` (unbounded, as in the ``gaussian`` world).
The smallest U is 2^-53, so the largest |X - means[k]| is scale (2^(53 / alpha) - 1) < scale 2^53.

Moments: L has E L^p = alpha B(p + 1, alpha - p) = Gamma(p + 1) Gamma(alpha - p) / Gamma(alpha) for
0 <= p < alpha and E L^p = +inf for p >= alpha.  Since |X - means[k]| = scale L,

    E|X - means[k]|^p = scale^p Gamma(p + 1) Gamma(alpha - p) / Gamma(alpha)   (p < alpha),

(:func:`central_moment`), and for alpha > 1 the mean reward is exactly means[k] (S is symmetric and E L is
finite); the variance is finite only for alpha > 2 (it is 2 scale^2 / ((alpha - 1)(alpha - 2))).  So the
arms have moments of order 1 + eps exactly for eps < alpha - 1, which is what ``robust_ucb`` (Bubeck,
Cesa-Bianchi and Lugosi, 2013) assumes; :func:`moment_bound` gives its u = max_k E|X_k|^(1 + eps) for the
raw (not centred) reward X, as the paper states the assumption.

Parameter row: ``[K, best_mean_loss, alpha, scale, means...]``.
"""
import math

import numpy as np

from environments.stochastic import best_of_row, no_advance, no_context, no_reset
from olearn.core import rng, special
from olearn.core.errors import ParameterError, check_real
from olearn.core.kernel import kernel
from olearn.core.params import Param, real_array
from olearn.core.spec import EnvType

_LOG_MAX = math.log(np.finfo(float).max)
_ALG_WEIGHT = 1e-3  # raw_moment weighs its quadrature by u^(-p / alpha) from this exponent on
ALPHA = Param("alpha", 1.5, "tail index of the Lomax noise: moments of order p exist for p < alpha", low=1.0, open_low=True)
SCALE = Param("scale", 0.5, "noise scale: |reward - mean| = scale L, L ~ Lomax(alpha)", low=0.0)


@kernel
def lomax_noise(seed, t, k, alpha):
    """S L for arm k at round t: L = U^(-1/alpha) - 1 by inversion (U = 1 - uniform in (0, 1]), S a fair sign."""
    lomax = math.expm1(-math.log(1.0 - rng.uniform(seed, rng.ENV, t, 2 * k)) / alpha)
    return lomax if rng.uniform(seed, rng.ENV, t, 2 * k + 1) < 0.5 else -lomax


@kernel
def heavy_tailed_loss(state, params, obs, t, seed, k):
    return 1.0 - params[4 + k] - params[3] * lomax_noise(seed, t, k, params[2])


@kernel
def heavy_tailed_mean_loss(state, params, obs, t, k):
    return 1.0 - params[4 + k]


HEAVY_TAILED = EnvType(
    name="heavy_tailed",
    summary="K arms with reward means[k] + scale S L, S a fair sign, L ~ Lomax(alpha) (P(L > x) = (1 + x)^-alpha): "
    "moments of order p < alpha only (loss = 1 - reward, unbounded)",
    reference="the heavy-tailed model of Bubeck, Cesa-Bianchi and Lugosi (IEEE Trans. IT 2013), Bandits with heavy tail: "
    "E|X|^(1 + eps) finite exactly for eps < alpha - 1",
    params=(
        Param("means", (0.2, 0.5, 0.8), "mean reward of each arm", kind="vector"),
        ALPHA,
        SCALE,
    ),
    n_actions=lambda v: len(v["means"]),
    row=lambda v: np.concatenate([[len(v["means"]), 1.0 - v["means"].max(), v["alpha"], v["scale"]], v["means"]]),
    reset=no_reset,
    observe=no_context,
    loss=heavy_tailed_loss,
    mean_loss=heavy_tailed_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    test_params=({"means": [0.2, 0.5, 0.8], "alpha": 1.5, "scale": 0.5}, {"means": [0.0, 1.0], "alpha": 3.0, "scale": 0.0}),
)

ENVIRONMENTS = (HEAVY_TAILED,)


# ---------------------------------------------------------------- moments (NumPy / SciPy helpers, not kernels)


def _check_moment_args(owner, p, alpha, scale):
    p = check_real(owner, "p", p, "a finite number >= 0")
    alpha = check_real(owner, "alpha", alpha, "a finite number > 1")
    scale = check_real(owner, "scale", scale, "a finite number >= 0")
    if p < 0.0:
        raise ParameterError(owner, "p", p, "a finite number >= 0")
    if alpha <= 1.0:
        raise ParameterError(owner, "alpha", alpha, "a finite number > 1")
    if scale < 0.0:
        raise ParameterError(owner, "scale", scale, "a finite number >= 0")
    return p, alpha, scale


def central_moment(p, alpha, scale):
    """E|X - mean|^p = scale^p Gamma(p + 1) Gamma(alpha - p) / Gamma(alpha) for 0 <= p < alpha; +inf for p >= alpha
    (0 at scale 0).  The Lomax law has density alpha (1 + x)^(-alpha - 1) on x >= 0, and
    int_0^inf x^p alpha (1 + x)^(-alpha - 1) dx = alpha B(p + 1, alpha - p).

    >>> round(central_moment(1.0, 2.5, 1.0), 12)  # E L = 1 / (alpha - 1)
    0.666666666667
    >>> central_moment(1.5, 1.5, 1.0)  # no moment of order alpha
    inf
    """
    p, alpha, scale = _check_moment_args("central_moment", p, alpha, scale)
    if p == 0.0:
        return 1.0
    if scale == 0.0:
        return 0.0
    if p >= alpha:
        return math.inf
    # as alpha B(p + 1, alpha - p): ln B cancels its large ln Gamma terms by hand, where lgamma(alpha - p) -
    # lgamma(alpha) lost every digit by alpha = 1e15; inf where the moment is past the doubles
    log_moment = p * math.log(scale) + math.log(alpha) + special.log_beta(p + 1.0, alpha - p)
    return math.exp(log_moment) if log_moment < _LOG_MAX else math.inf


def raw_moment(p, mean, alpha, scale):
    """E|X|^p for X = mean + scale S L (one arm of this world), by adaptive quadrature; +inf for p >= alpha > 0.

    With U = (1 + L)^-alpha uniform on (0, 1], E g(L) = int_0^1 g(U^(-1/alpha) - 1) dU, and
    |mean + s (u^(-1/a) - 1)|^p = u^(-p/a) |mean u^(1/a) + s (1 - u^(1/a))|^p: the factor u^(-p/a) (integrable,
    p < alpha) is quad's algebraic weight on the first piece (for p / alpha >= 1e-3; a milder one is left in the
    integrand), and each sign's integral is split at its kink."""
    from scipy import integrate

    p, alpha, scale = _check_moment_args("raw_moment", p, alpha, scale)
    mean = check_real("raw_moment", "mean", mean)
    if scale == 0.0 or p == 0.0:
        return abs(mean) ** p
    if p >= alpha:
        return math.inf
    a = 1.0 / alpha
    total = 0.0
    for sign in (1.0, -1.0):
        # mean r + sign scale (1 - r) vanishes at r = sign scale / (sign scale - mean), r = u^(1/alpha) in (0, 1]
        # (at r = 1 / (1 + x), x = -mean / (sign scale) > 0: the kink u = r^alpha = exp(-alpha ln(1 + x)), and
        # 1 - r' = -expm1(a ln u) in the integrand: r rounds to 1 for a large alpha, and 1 - u^a to 0)
        cuts = [0.0, 1.0]
        if -mean / (sign * scale) > 0.0:
            kink = math.exp(-alpha * math.log1p(-mean / (sign * scale)))
            if 0.0 < kink < 1.0:
                cuts.insert(1, kink)

        def smooth(u, sign=sign):
            log_root = a * math.log(u) if u > 0.0 else -math.inf
            return abs(mean * math.exp(log_root) - sign * scale * math.expm1(log_root)) ** p

        if p * a >= _ALG_WEIGHT:
            value, _ = integrate.quad(smooth, cuts[0], cuts[1], weight="alg", wvar=(-p * a, 0.0), epsabs=0.0,
                                      epsrel=1e-12, limit=200)
        else:  # a mild u^(-p/alpha), which the weighted rule's moments lose (1e-5 off at p / alpha = 2e-8)
            value = integrate.quad(lambda u: u ** (-p * a) * smooth(u), cuts[0], cuts[1], epsabs=0.0, epsrel=1e-12,
                                   limit=200)[0]
        for lo, hi in zip(cuts[1:-1], cuts[2:]):
            value += integrate.quad(lambda u: u ** (-p * a) * smooth(u), lo, hi, epsabs=0.0, epsrel=1e-12, limit=200)[0]
        total += 0.5 * value
    return total


def moment_bound(eps, means, alpha, scale):
    """u = max_k E|X_k|^(1 + eps), the raw (not centred) moment of each arm's reward X_k = 1 - loss: the smallest u
    for which ``robust_ucb``'s assumption E|X|^(1 + eps) <= u holds on ``heavy_tailed(means, alpha, scale)``.
    Finite only for eps < alpha - 1."""
    eps = check_real("moment_bound", "eps", eps, "a number in (0, 1]")
    if not 0.0 < eps <= 1.0:
        raise ParameterError("moment_bound", "eps", eps, "a number in (0, 1]")
    try:
        arr = real_array(means).ravel()
    except (TypeError, ValueError, OverflowError):  # text, complex or ragged values, or a number beyond the doubles
        arr = np.array([np.nan])
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError("moment_bound", "means", means, "a non-empty list of finite numbers")
    return max(raw_moment(1.0 + eps, float(m), alpha, scale) for m in arr)
