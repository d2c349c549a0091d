"""A dynamic-regret ensemble for online convex optimization (problem kind ``oco``).

``sea_ensemble`` (Chen, Zhang, Tu, Zhao and Zhang, ICML 2023, Sec. 5; the two-layer structure of
Zhao, Zhang, Zhang and Zhou, NeurIPS 2020): N base learners, each the two-step optimistic OMD of
:mod:`olearn.learners.oco` with a fixed step from the geometric grid

    eta_i = eta D 2^i / sqrt(T),   i = 0 .. N-1,

hint M_t = g_{t-1}; base i plays x_{t,i} = Pi_X(xh_{t,i} - eta_i M_t) and moves
xh_{t+1,i} = Pi_X(xh_{t,i} - eta_i g_t).  A meta-learner, optimistic Hedge over the bases with the
linearized losses l_{t,i} = <g_t, x_{t,i}> and the optimistic predictions m_{t,i} = <M_t, x_{t,i}>,
weights them:

    p_{t,i} ∝ exp(-eps_t (L_{t-1,i} + m_{t,i})),   L_{t-1,i} = sum_{s<t} l_{s,i},
    eps_t = eta_meta sqrt(ln N / (delta + sum_{s<t} max_i (l_{s,i} - m_{s,i})^2)),

and the learner plays x_t = sum_i p_{t,i} x_{t,i} (in X: X is convex).  The base whose step suits
the path length P_T of the comparators has dynamic regret O(sqrt((1 + P_T + sigma^2_{1:T} +
Sigma^2_{1:T})(1 + P_T))).  Their Thm 5 carries that to the ensemble with N ~ log2 T + 1 bases (the
largest step about 1/(4L)) and Sword++'s stability corrections gamma ||x_{t,i} - x_{t-1,i}||^2 in the
meta losses.  This implementation has no correction term and N = ``n_base`` (default 8: steps up to
128 eta D / sqrt(T)), so it is the two-layer structure without the proof's extra terms; the
dynamic-regret figure (experiments/sea) measures it against P_T rather than assuming the bound.  Feedback must arrive undelayed (the update reads the bases'
points of the same round): ``olearn.run(..., delay=...)`` refuses it.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.oco import zero_state
from olearn.learners.oco import DELTA, DIM, ETA, _dim

@kernel
def root_sum_squares(a, b):
    """sqrt(a^2 + b^2) for a, b >= 0 without overflow, in +, *, / and sqrt only (libm's hypot differs
    between Python and numba in the last bit)."""
    big = max(a, b)
    if big == 0.0:
        return 0.0
    small = min(a, b) / big
    return big * math.sqrt(1.0 + small * small)


# state: flag, sqrt(V) (V = sum_s max_i (l_{s,i} - m_{s,i})^2, kept as its root: no overflow at radius 1e100), then per base i: xh_i (d) | L (N) | m (N) | p (N) | x_i (N d) | M (d)
# row: d, N, eta, eta_meta, delta, T


@kernel
def _base_step(params, obs, i):
    """eta_i = eta D 2^i / sqrt(T)."""
    d = int(params[0])
    return params[2] * domains.diameter(int(obs[0]), obs[1], d) * 2.0 ** i / math.sqrt(params[5])


@kernel
def ensemble_act(state, params, obs, t, seed, action):
    """Bases' optimistic points, the meta weights p_t (max-shifted softmax), x_t = sum_i p_i x_{t,i}."""
    d = int(params[0])
    n = int(params[1])
    code = int(obs[0])
    xh0, lo, mo, po, xo, mo_hint = 2, 2 + n * d, 2 + n * d + n, 2 + n * d + 2 * n, 2 + n * d + 3 * n, 2 + 2 * n * d + 3 * n
    if state[0] == 0.0:
        for i in range(n):
            domains.center(code, obs[1], d, state[xh0 + i * d : xh0 + (i + 1) * d])
        state[0] = 1.0
    hint = state[mo_hint : mo_hint + d]
    for i in range(n):
        eta = _base_step(params, obs, i)
        xi = state[xo + i * d : xo + (i + 1) * d]
        m = 0.0
        for j in range(d):
            xi[j] = state[xh0 + i * d + j] - eta * hint[j]
        domains.project(code, obs[1], d, xi, xi)
        for j in range(d):
            m += hint[j] * xi[j]
        state[mo + i] = m
    eps = 0.0
    if n > 1:  # state[1] = sqrt(V): V itself grows like the fourth power of the radius
        eps = params[3] * math.sqrt(math.log(n)) / root_sum_squares(math.sqrt(params[4]), state[1])
    top = -math.inf
    for i in range(n):
        top = max(top, -eps * (state[lo + i] + state[mo + i]))
    total = 0.0
    for i in range(n):
        state[po + i] = math.exp(-eps * (state[lo + i] + state[mo + i]) - top)
        total += state[po + i]
    for j in range(d):
        action[j] = 0.0
    for i in range(n):
        state[po + i] /= total
        for j in range(d):
            action[j] += state[po + i] * state[xo + i * d + j]


@kernel
def ensemble_update(state, params, obs, action, feedback, t, seed):
    """l_i = <g_t, x_{t,i}>; sqrt(V) <- sqrt(V + max_i (l_i - m_i)^2); L_i += l_i; xh_i <- Pi_X(xh_i - eta_i g_t); M = g_t."""
    d = int(params[0])
    n = int(params[1])
    code = int(obs[0])
    xh0, lo, mo, xo, mo_hint = 2, 2 + n * d, 2 + n * d + n, 2 + n * d + 3 * n, 2 + 2 * n * d + 3 * n
    gap = 0.0
    for i in range(n):
        ell = 0.0
        for j in range(d):
            ell += feedback[1 + j] * state[xo + i * d + j]
        gap = max(gap, abs(ell - state[mo + i]))
        state[lo + i] += ell
        eta = _base_step(params, obs, i)
        xh = state[xh0 + i * d : xh0 + (i + 1) * d]
        for j in range(d):
            xh[j] -= eta * feedback[1 + j]
        domains.project(code, obs[1], d, xh, xh)
    state[1] = root_sum_squares(state[1], gap)
    for j in range(d):
        state[mo_hint + j] = feedback[1 + j]


SEA_ENSEMBLE = LearnerType(
    name="sea_ensemble",
    summary="dynamic-regret ensemble: optimistic OMD bases over a step grid eta D 2^i / sqrt(T), optimistic Hedge on top",
    reference="Chen, Zhang, Tu, Zhao and Zhang (ICML 2023), Thm 5: dynamic regret "
    "O(sqrt((1 + P_T + sigma^2_{1:T} + Sigma^2_{1:T})(1 + P_T))); Zhao, Zhang, Zhang and Zhou (NeurIPS 2020)",
    feedback="full",
    kind="oco",
    params=(
        DIM,
        Param("n_base", 8, "number N of base learners (steps eta D 2^i / sqrt(T), i < N)", kind="int", low=1, high=40),
        ETA,
        Param("eta_meta", 1.0, "scale of the meta-learner's rate eps_t", low=0.0, open_low=True),
        DELTA,
    ),
    state_size=lambda v, k, d: 2 + 2 * v["n_base"] * k + 3 * v["n_base"] + k,
    row=lambda v, k, d, h: [_dim("sea_ensemble", v, k), v["n_base"], v["eta"], v["eta_meta"], v["delta"], float(h)],
    init=zero_state,
    act=ensemble_act,
    update=ensemble_update,
    test_params=({}, {"n_base": 3, "eta": 0.5, "eta_meta": 2.0}),
    delayable=False,
)

LEARNERS = (SEA_ENSEMBLE,)
