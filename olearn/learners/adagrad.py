"""Diagonal AdaGrad (problem kind ``oco``): a step size per coordinate, from that coordinate's gradients.

``adagrad``: Duchi, Hazan and Singer (JMLR 2011), "Adaptive subgradient methods for online learning and
stochastic optimization", the diagonal primal-dual-free update (their composite mirror descent with
psi_t(x) = <x, H_t x> / 2 and no regulariser); McMahan and Streeter (COLT 2010) in parallel::

    s_{t,i} = sqrt(sum_{s<=t} g_{s,i}^2),    H_t = diag(delta + s_t),
    x_{t+1} = Pi^{H_t}_X(x_t - eta D_inf H_t^{-1} g_t),

with Pi^H the projection in the H-norm (:func:`olearn.engine.metric_projection.diagonal_project`: a clip on
a box, one-dimensional duals on a ball and a simplex) and D_inf = max ||x - y||_inf over X.  Their
Theorem 5 with step eta D_inf:

    R_T(u) <= (delta / (eta D_inf)) ||u - x_1||^2 + D_inf (1/(2 eta) + eta) sum_i ||g_{1:T,i}||_2,

so eta = 1/sqrt(2) (the default) gives sqrt(2) D_inf sum_i ||g_{1:T,i}||_2 + O(delta): on sparse or
badly scaled gradients sum_i ||g_{1:T,i}||_2 can be far below sqrt(d T) G, where one step size for every
coordinate (``adagrad_norm``, ``ogd``) pays D G sqrt(T).

State: ``[flag, x (d), sum g^2 (d), h (d), y (d)]`` (h = delta + s and the unprojected point, scratch);
row: ``[d, eta, delta]``.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.metric_projection import diagonal_project
from olearn.engine.oco import zero_state
from olearn.learners.oco import DIM, _dim, ogd_act

ETA = Param("eta", 1.0 / math.sqrt(2.0), "step scale: x - eta D_inf g_i / (delta + sqrt(sum g_i^2)); "
            "1/sqrt(2) minimizes the bound D_inf (1/(2 eta) + eta) sum_i ||g_{1:T,i}||", low=0.0, open_low=True)
DELTA = Param("delta", 1e-8, "delta > 0 added to every coordinate's sqrt(sum g_i^2) (keeps H positive definite)",
              low=0.0, open_low=True)


@kernel
def adagrad_update(state, params, obs, action, feedback, t, seed):
    """S_i += g_i^2;  h_i = delta + sqrt(S_i);  y = x - eta D_inf g / h;  x = Pi^{diag(h)}_X(y)."""
    d = int(params[0])
    x, total = state[1 : 1 + d], state[1 + d : 1 + 2 * d]
    h, y = state[1 + 2 * d : 1 + 3 * d], state[1 + 3 * d : 1 + 4 * d]
    step = params[1] * domains.max_norm_diameter(int(obs[0]), obs[1], d)
    for i in range(d):
        g = feedback[1 + i]
        total[i] += g * g
        h[i] = params[2] + math.sqrt(total[i])
        y[i] = x[i] - step * g / h[i]
    diagonal_project(int(obs[0]), obs[1], d, h, y, x)


ADAGRAD = LearnerType(
    name="adagrad",
    summary="diagonal AdaGrad: x <- Pi^H(x - eta D_inf H^{-1} g), H = diag(delta + sqrt(sum_s g_s^2)) per coordinate",
    reference="Duchi, Hazan and Singer (JMLR 2011), Thm 5; McMahan and Streeter (COLT 2010): regret <= "
    "D_inf (1/(2 eta) + eta) sum_i ||g_{1:T,i}||_2 + O(delta), sqrt(2) D_inf sum_i ||g_{1:T,i}||_2 at eta = 1/sqrt(2)",
    feedback="full",
    kind="oco",
    params=(DIM, ETA, DELTA),
    state_size=lambda v, k, d: 1 + 4 * k,
    row=lambda v, k, d, h: [_dim("adagrad", v, k), v["eta"], v["delta"]],
    init=zero_state,
    act=ogd_act,
    update=adagrad_update,
    test_params=({}, {"eta": 2.0, "delta": 0.5}),
)

LEARNERS = (ADAGRAD,)
