"""Split conformal prediction for time series: the empirical quantile of every score so far.

Radius before round t (Vovk et al. 2005; the time-series baseline of Bhatnagar et al. 2023)::

    s_t = Quantile_q(S_1, ..., S_{t-1})     (calibration scores first; NumPy's inverted_cdf rule)

i.e. the ceil(n q)-th smallest of the n scores held; 0 before any score.  The history holds
``max_rounds`` scores (a sliding window beyond that).
"""
from olearn.conformal import common
from olearn.conformal.history import history_add, history_quantile, history_slots
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType

_CAP = common.HEADER  # history capacity slot of the row


@kernel
def split_step(state, params, score):
    history_add(state, 0, int(params[_CAP]), score)


@kernel
def split_radius(state, params):
    return history_quantile(state, 0, params[common.Q])


_init, _act, _update = common.score_kernels(common.no_reset, split_step, split_radius)

SPLIT = LearnerType(
    name="split",
    summary="split conformal: the q-quantile of all scores so far (calibration included)",
    reference="Vovk, Gammerman and Shafer (2005); time-series form as in Bhatnagar et al. (ICML 2023), sec. 5",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON,
    state_size=lambda v, k, d: history_slots(common.history_size(v)),
    row=lambda v, k, d, horizon: common.header_row("split", v, [common.history_size(v)], needs_scale=False),
    init=_init,
    act=_act,
    update=_update,
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {}),
)
