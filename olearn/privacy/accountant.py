"""Privacy accounting: calibrate per-mechanism budgets, report what a run spent.

* ``n`` mechanisms that are each eps0-DP (sparse vector instances, exponential-mechanism draws,
  report-noisy-min) compose to (eps, delta)-DP.  Pure DP (delta = 0) uses basic composition,
  eps = n eps0.  For delta > 0 we use the optimal composition theorem (Kairouz, Oh and Viswanath
  2015, Theorem 3.3), evaluated exactly: n independent randomized responses dominate any n
  adaptively composed eps0-DP mechanisms, and their privacy profile is a sum over binomial
  terms (:func:`composed_epsilon`).  Beyond ``EXACT_MAX_COUNT`` mechanisms we use the zCDP bound
  (an eps0-DP mechanism is eps0^2/2-zCDP, Bun and Steinke 2016) converted by dp-accounting's RDP
  accountant, which is slightly looser.
* Gaussian binary-tree aggregation is accounted with dp-accounting's
  ``SingleEpochTreeAggregationDpEvent`` (Kairouz et al. 2021) under the RDP accountant.

Calibration inverts these maps with Brent's method; results are cached per argument tuple.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.engine.run import check_horizon

# dp-accounting (about a second to import) and scipy are loaded on the first call that needs them, so that
# ``import olearn`` stays fast.

EXACT_MAX_COUNT = 1 << 20  # the exact profile holds arrays of count + 1 floats
# RDP orders: dp-accounting's defaults (at most 1024) and the powers of 2 up to 2^63.  Converting order alpha to
# (eps, delta) costs about log(1 / delta) / (alpha - 1), so with alpha <= 1024 an epsilon below about
# log(1 / delta) / 1000 (0.01 at delta = 1e-8) cannot be certified by any noise of moderate size: the calibration
# returned noise 10^5 times too large, or failed.  The RDP of a Gaussian or zCDP mechanism holds at every order.
LARGE_ORDERS = tuple(2.0 ** np.arange(11, 64))
_ROUNDING = 1e-9  # relative allowance for rounding in the exact profile's sums (reported epsilons stay valid)


@dataclass(frozen=True)
class Guarantee:
    """What one configuration of a private learner guarantees over a run of ``horizon`` rounds."""

    learner: str
    epsilon: float  # spent epsilon, recomputed from the noise the learner actually uses
    delta: float
    epsilon_target: float
    mechanisms: str  # the composition that was accounted

    def as_dict(self) -> dict:
        return asdict(self)


def _epsilon(owner: str, name: str, value) -> float:
    """A privacy budget: a finite number > 0."""
    return check_range(owner, name, value, 0.0, open_low=True, allowed="a finite number > 0")


def _count(owner: str, count) -> int:
    """A number of composed mechanisms: an integer >= 0 (0: nothing composed)."""
    return check_integer(owner, "count", count, 0, meaning="composed mechanisms; 0: none")


def _delta_pure(owner: str, delta) -> float:
    """delta of a composition: a number in [0, 1] (0: pure DP, basic composition; 1 holds at every epsilon)."""
    return check_range(owner, "delta", delta, 0.0, 1.0, allowed="a number in [0, 1] (0: pure DP)")


def _delta_gauss(owner: str, delta) -> float:
    """delta of Gaussian noise: a number in (0, 1) (no Gaussian noise is (epsilon, 0)-DP)."""
    return check_range(owner, "delta", delta, 0.0, 1.0, open_low=True, open_high=True)


def _orders() -> tuple:
    """The RDP orders of every accountant here: dp-accounting's defaults and ``LARGE_ORDERS``."""
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    return tuple(rdp.DEFAULT_RDP_ORDERS) + LARGE_ORDERS


def composed_epsilon(eps0: float, count: int, delta: float) -> float:
    """Epsilon of ``count`` adaptively composed eps0-DP mechanisms, at ``delta`` (the optimal composition).

    With k = count, q = 1 / (1 + e^eps0) and p = 1 - q, k randomized responses answer with l flips,
    l ~ Binomial(k, q) on one input (law P) and Binomial(k, p) on the other (law Q); the privacy loss
    of l flips is (k - 2 l) eps0.  Their hockey-stick divergence is

        delta(eps) = sum_l [P(l) - e^eps Q(l)]_+ = max_m h_m(eps),  h_m(eps) = F_P(m) - e^eps F_Q(m),

    with F_P, F_Q the two binomial distribution functions (the positive terms are those of the
    smallest l).  So the smallest eps with delta(eps) <= delta is the largest root of h_m = delta:

        eps = max(0, max_m log F_P(m) - log F_Q(m) + log(1 - delta / F_P(m)))  over F_P(m) > delta,

    computed in logarithms (no cancellation, no underflow), and never more than basic composition's
    k eps0.  Kairouz, Oh and Viswanath (2015) show no composition theorem can do better.

    ``eps0`` is a finite number > 0, ``count`` an integer >= 0 (0: nothing spent), ``delta`` a number in [0, 1].
    """
    owner = "composed_epsilon"
    eps0, count, delta = _epsilon(owner, "eps0", eps0), _count(owner, count), _delta_pure(owner, delta)
    if count <= 0:
        return 0.0
    basic = count * eps0
    if delta <= 0.0:
        return basic
    if delta >= 1.0:
        return 0.0
    if count > EXACT_MAX_COUNT:
        from dp_accounting import dp_event
        from dp_accounting.rdp import rdp_privacy_accountant as rdp

        acc = rdp.RdpAccountant(orders=_orders())
        acc.compose(dp_event.ZCDpEvent(count * eps0 * eps0 / 2.0))
        return min(basic, acc.get_epsilon(delta))
    from scipy.special import gammaln

    k = int(count)
    log_p = -np.logaddexp(0.0, -eps0)  # log(e^eps0 / (1 + e^eps0))
    log_q = -np.logaddexp(0.0, eps0)
    l = np.arange(k // 2 + 1, dtype=float)  # beyond k / 2 the loss is <= 0 and adds nothing
    log_choose = gammaln(k + 1.0) - gammaln(l + 1.0) - gammaln(k - l + 1.0)
    log_f_p = np.logaddexp.accumulate(log_choose + (k - l) * log_p + l * log_q)
    log_f_q = np.logaddexp.accumulate(log_choose + (k - l) * log_q + l * log_p)
    log_delta = math.log(delta)
    live = log_f_p > log_delta
    if not live.any():
        return 0.0
    f_p, f_q = log_f_p[live], log_f_q[live]
    roots = f_p - f_q + np.log1p(-np.exp(log_delta - f_p))
    eps = max(0.0, float(roots.max())) * (1.0 + _ROUNDING)
    return min(basic, eps)


def calibrate_epsilon0(epsilon: float, delta: float, count: int) -> float:
    """The largest eps0 up to epsilon such that ``count`` composed eps0-DP mechanisms are (epsilon, delta)-DP (no
    single mechanism is given more than the whole budget, even where delta would allow it; inf for no mechanisms)."""
    owner = "calibrate_epsilon0"
    return _calibrate_epsilon0(_epsilon(owner, "epsilon", epsilon), _delta_pure(owner, delta), _count(owner, count))


@functools.lru_cache(maxsize=512)
def _calibrate_epsilon0(epsilon: float, delta: float, count: int) -> float:
    if count <= 0:
        return math.inf
    basic = epsilon / count
    if delta <= 0.0 or count == 1:
        return basic
    gap = lambda e0: composed_epsilon(e0, count, delta) - epsilon  # noqa: E731
    if gap(epsilon) <= 0.0:
        return epsilon
    if gap(basic) >= 0.0:  # the advanced bound gains nothing over basic composition (tiny epsilon: rounding)
        e0 = basic
    else:  # gap(basic) < 0 < gap(epsilon): [basic, epsilon] brackets the root
        from scipy.optimize import brentq

        e0 = brentq(gap, basic, epsilon, xtol=basic * 1e-6)
    while gap(e0) > 0.0:  # keep the safe side
        e0 *= 1.0 - 1e-6
    return e0


def gaussian_tree_epsilon(noise_multiplier: float, horizon: int, delta: float) -> float:
    """Epsilon of Gaussian binary-tree aggregation over ``horizon`` rounds (noise per node / sensitivity)."""
    owner = "gaussian_tree_epsilon"
    noise_multiplier = _epsilon(owner, "noise_multiplier", noise_multiplier)
    horizon, delta = check_horizon(owner, horizon), _delta_gauss(owner, delta)
    from dp_accounting import dp_event
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    acc = rdp.RdpAccountant(orders=_orders(), neighboring_relation=rdp.NeighborRel.REPLACE_SPECIAL)
    acc.compose(dp_event.SingleEpochTreeAggregationDpEvent(noise_multiplier, int(horizon)))
    return acc.get_epsilon(delta)


def calibrate_gaussian_tree(epsilon: float, delta: float, horizon: int) -> float:
    """The smallest noise multiplier making the Gaussian tree over ``horizon`` rounds (epsilon, delta)-DP."""
    owner = "calibrate_gaussian_tree"
    return _calibrate_gaussian_tree(_epsilon(owner, "epsilon", epsilon), _delta_gauss(owner, delta), check_horizon(owner, horizon))


@functools.lru_cache(maxsize=512)
def _calibrate_gaussian_tree(epsilon: float, delta: float, horizon: int) -> float:
    owner = "calibrate_gaussian_tree"
    from dp_accounting import dp_event, mechanism_calibration
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    try:
        with np.errstate(over="ignore"):  # dp-accounting's bracket search multiplies two epsilons
            z = mechanism_calibration.calibrate_dp_mechanism(
                lambda: rdp.RdpAccountant(orders=_orders(), neighboring_relation=rdp.NeighborRel.REPLACE_SPECIAL),
                lambda m: dp_event.SingleEpochTreeAggregationDpEvent(m, int(horizon)),
                epsilon, delta,
                mechanism_calibration.LowerEndpointAndGuess(1e-3, 1.0),
                tol=1e-6,
            )
    except mechanism_calibration.NoBracketIntervalFoundError:
        least = gaussian_tree_epsilon(1e-3, horizon, delta)  # the epsilon of the smallest noise searched
        if least <= epsilon:  # even the smallest noise searched is private enough: epsilon is too large
            raise ParameterError(owner, "epsilon", epsilon,
                                 f"an epsilon below {least:g}, the epsilon of Gaussian noise of 10^-3 times the "
                                 f"sensitivity (the least searched) at delta = {delta:g} over {horizon} rounds "
                                 "(a smaller epsilon or delta)") from None
        raise ParameterError(owner, "epsilon", epsilon,
                             f"an epsilon that Gaussian noise of at most 2^30 times the sensitivity reaches at "
                             f"delta = {delta:g} over {horizon} rounds (a larger epsilon or delta)") from None
    while gaussian_tree_epsilon(z, horizon, delta) > epsilon:
        z *= 1.0 + 1e-6
    return z
