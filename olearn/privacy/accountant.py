"""Privacy accounting with dp-accounting: calibrate per-mechanism budgets, report what a run spent.

* ``n`` mechanisms that are each eps0-DP (sparse vector instances, exponential-mechanism draws,
  report-noisy-min) compose to (eps, delta)-DP.  Pure DP (delta = 0) uses basic composition,
  eps = n eps0.  For delta > 0 we use the privacy-loss distribution (PLD) that dominates every
  eps0-DP mechanism (randomized response, Kairouz, Oh and Viswanath 2015, whose composition is
  the optimal one), self-composed n times by dp-accounting; beyond ``PLD_MAX_COUNT`` mechanisms
  we use the zCDP bound (an eps0-DP mechanism is eps0^2/2-zCDP, Bun and Steinke 2016) converted
  by dp-accounting's RDP accountant, which is cheaper and slightly looser.
* Gaussian binary-tree aggregation is accounted with dp-accounting's
  ``SingleEpochTreeAggregationDpEvent`` (Kairouz et al. 2021) under the RDP accountant.

Calibration inverts these maps with Brent's method; results are cached per argument tuple.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

# dp-accounting takes about a second to import; it is loaded on the first accounting call so that
# ``import olearn`` stays fast.

PLD_MAX_COUNT = 256
_PLD_GRID = 1e-4  # value discretization of the PLD (a pessimistic rounding: bounds stay valid)


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


def composed_epsilon(eps0: float, count: int, delta: float) -> float:
    """Epsilon of ``count`` adaptively composed eps0-DP mechanisms, at ``delta``."""
    if count <= 0:
        return 0.0
    if delta <= 0.0:
        return count * eps0
    from dp_accounting import dp_event
    from dp_accounting.pld import common as pld_common
    from dp_accounting.pld import privacy_loss_distribution as pld
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    if count <= PLD_MAX_COUNT:
        one = pld.from_privacy_parameters(pld_common.DifferentialPrivacyParameters(eps0, 0.0), value_discretization_interval=_PLD_GRID)
        return min(count * eps0, one.self_compose(count).get_epsilon_for_delta(delta))
    acc = rdp.RdpAccountant()
    acc.compose(dp_event.ZCDpEvent(count * eps0 * eps0 / 2.0))
    return min(count * eps0, acc.get_epsilon(delta))


@functools.lru_cache(maxsize=512)
def calibrate_epsilon0(epsilon: float, delta: float, count: int) -> float:
    """The largest eps0 such that ``count`` composed eps0-DP mechanisms are (epsilon, delta)-DP."""
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
    from dp_accounting import dp_event
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    acc = rdp.RdpAccountant(neighboring_relation=rdp.NeighborRel.REPLACE_SPECIAL)
    acc.compose(dp_event.SingleEpochTreeAggregationDpEvent(noise_multiplier, int(horizon)))
    return acc.get_epsilon(delta)


@functools.lru_cache(maxsize=512)
def calibrate_gaussian_tree(epsilon: float, delta: float, horizon: int) -> float:
    """The smallest noise multiplier making the Gaussian tree over ``horizon`` rounds (epsilon, delta)-DP."""
    from dp_accounting import dp_event, mechanism_calibration
    from dp_accounting.rdp import rdp_privacy_accountant as rdp

    z = mechanism_calibration.calibrate_dp_mechanism(
        lambda: rdp.RdpAccountant(neighboring_relation=rdp.NeighborRel.REPLACE_SPECIAL),
        lambda m: dp_event.SingleEpochTreeAggregationDpEvent(m, int(horizon)),
        epsilon, delta,
        mechanism_calibration.LowerEndpointAndGuess(1e-3, 1.0),
        tol=1e-6,
    )
    while gaussian_tree_epsilon(z, horizon, delta) > epsilon:
        z *= 1.0 + 1e-6
    return z
