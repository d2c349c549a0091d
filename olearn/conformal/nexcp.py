"""Non-exchangeable split conformal prediction (NExCP): a quantile that weighs recent scores more.

Radius before round t (Barber, Candes, Ramdas and Tibshirani, "Conformal prediction beyond
exchangeability", Annals of Statistics 2023, with fixed weights), with the n scores held
S_1, ..., S_n in arrival order and weights decaying geometrically with age::

    w_i = gamma^(n - i)                      (the newest score has weight 1)
    s_t = min { S : sum_{S_i <= S} w_i >= q sum_i w_i }

the weighted q-quantile of the scores (the smallest score whose cumulative normalised weight in
increasing order reaches q; 0 before any score).  ``decay`` gamma defaults to the time-series
baseline of Bhatnagar et al. (ICML 2023): gamma = q + 3 (1 - q) / 4, 0.975 at q = 0.9.  Each
weight is computed as exp(age ln gamma) and summed in increasing order of the scores, as in
that baseline, so the radii agree with it to rounding.  The history holds ``max_rounds`` scores
(a sliding window beyond that; at gamma = 0.975 a score 1,000 rounds old weighs 1e-11).
"""
import math

import numpy as np

from olearn.conformal import common
from olearn.conformal.history import lower_bound
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType

_CAP, _LOG_DECAY = common.HEADER, common.HEADER + 1
# state: [0] scores held n, [1] scores seen, [2, 2 + cap) the scores in increasing order,
# [2 + cap, 2 + 2 cap) the arrival number (0, 1, ...) of each of those scores
_SORTED = 2

DECAY = Param("decay", None, "weight ratio gamma of a score to the next newer one; None: q + 3 (1 - q) / 4",
              low=0.0, high=1.0, open_low=True, optional=True)


@kernel
def nexcp_step(state, params, score):
    """Insert ``score`` into the sorted block with its arrival number (dropping the oldest when full)."""
    cap = int(params[_CAP])
    arrived = _SORTED + cap
    n = int(state[0])
    seen = state[1]
    if n == cap:
        oldest = seen - cap
        i = 0
        while state[arrived + i] != oldest:
            i += 1
        for j in range(i, n - 1):
            state[_SORTED + j] = state[_SORTED + j + 1]
            state[arrived + j] = state[arrived + j + 1]
        n -= 1
    i = lower_bound(state, _SORTED, n, score)
    for j in range(n, i, -1):
        state[_SORTED + j] = state[_SORTED + j - 1]
        state[arrived + j] = state[arrived + j - 1]
    state[_SORTED + i] = score
    state[arrived + i] = seen
    state[0] = n + 1
    state[1] = seen + 1.0


@kernel
def nexcp_radius(state, params):
    """The weighted q-quantile of the held scores (q clipped to [0, 1]); 0 when none is held."""
    n = int(state[0])
    if n == 0:
        return 0.0
    arrived = _SORTED + int(params[_CAP])
    newest = state[1] - 1.0
    log_decay = params[_LOG_DECAY]
    q = min(max(params[common.Q], 0.0), 1.0)
    total = 0.0
    for j in range(n):
        total += math.exp(log_decay * (newest - state[arrived + j]))
    cumulative = 0.0
    for j in range(n):
        cumulative += math.exp(log_decay * (newest - state[arrived + j]))
        if cumulative / total >= q:
            return state[_SORTED + j]
    return state[_SORTED + n - 1]


def _row(values, k, d, horizon):
    q = values["coverage"]
    decay = q + 3 * (1 - q) / 4 if values["decay"] is None else values["decay"]
    return common.header_row("nexcp", values, [common.history_size(values), float(np.log(decay))], needs_scale=False)


_init, _act, _update = common.score_kernels(common.no_reset, nexcp_step, nexcp_radius)

NEXCP = LearnerType(
    name="nexcp",
    summary="non-exchangeable split conformal: the q-quantile of all scores so far, weighted by decay^age",
    reference="Barber, Candes, Ramdas and Tibshirani (Ann. Statist. 2023); decay as in Bhatnagar et al. (ICML 2023)",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON + (DECAY,),
    state_size=lambda v, k, d: 2 + 2 * common.history_size(v),
    row=_row,
    init=_init,
    act=_act,
    update=_update,
    test_params=({"calibration": [0.3, 1.2, 0.7], "decay": 0.8}, {}),
)
