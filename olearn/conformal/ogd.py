"""Scale-free online gradient descent (SF-OGD) on the pinball loss of the radius.

Orabona and Pal (2016), "Scale-free online learning"; as used for conformal radii by
Bhatnagar et al. (ICML 2023), Algorithm 2.  With g_t = d/ds pinball_q(S_t, s_t) in
{-q, 0, 1 - q} and the scale D::

    G_t = sum_{i <= t} g_i^2,        s_{t+1} = max(0, s_t - eta / sqrt(G_t) * g_t)   (when G_t > 0)

with eta = D / sqrt(3) (their Theorem 1: anytime regret O(D sqrt(T))), starting from s_1 = 0
(calibration scores are fed through the update first).

State: ``[s, G]``.
"""
import math

from olearn.conformal import common
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType

_ETA = common.HEADER  # eta = D / sqrt(3)


@kernel
def sf_ogd_step(state, params, score):
    s = state[0]
    g = common.pinball_grad(score, s, params[common.Q])
    state[1] += g * g
    if state[1] != 0.0:
        state[0] = max(0.0, s - params[_ETA] / math.sqrt(state[1]) * g)


@kernel
def sf_ogd_radius(state, params):
    return state[0]


@kernel
def sf_ogd_start(state, params, radius):
    """Start from the given radius with no gradients seen (an expert of the strongly adaptive meta-algorithm)."""
    state[0] = radius
    state[1] = 0.0


_init, _act, _update = common.score_kernels(common.no_reset, sf_ogd_step, sf_ogd_radius)

SF_OGD = LearnerType(
    name="sf_ogd",
    summary="scale-free online gradient descent on the pinball loss of the radius",
    reference="Orabona and Pal (2016); Bhatnagar, Wang, Xiong and Bai (ICML 2023), Algorithm 2",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON,
    state_size=lambda v, k, d: 2,
    row=lambda v, k, d, horizon: common.header_row("sf_ogd", v, [common.scale_of("sf_ogd", v) / math.sqrt(3)], needs_scale=True),
    init=_init,
    act=_act,
    update=_update,
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {"scale": 2.0, "coverage": 0.8}),
)
