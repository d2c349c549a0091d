"""Dynamic-regret ensembles for online convex optimization (problem kind ``oco``): ``sea_ensemble`` and ``ader``.

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

``ader`` -- Improved Ader (Zhang, Lu and Zhou, NeurIPS 2018, Adaptive online learning in dynamic environments,
Algorithms 3 and 4).  N experts run projected OGD on the linearized losses <g_t, x>, g_t = grad f_t(x_t) at the
learner's point, with the step sizes

    eta_i = 2^(i-1) sqrt(7 D^2 / (2 G^2 T)),   i = 1 .. N,   N = ceil(log2(1 + 4T/7) / 2) + 1,

so that the grid covers the step sqrt((7 D^2 + 4 D P_T) / (2 G^2 T)) that suits any path length P_T in [0, T D].
The learner plays x_t = sum_i w_{t,i} x_{t,i}; the meta-learner is Hedge on the surrogate losses
l_{t,i} = <g_t, x_{t,i} - x_t> with rate alpha = sqrt(8 / (T G^2 D^2)) and the prior w_{1,i} = C / (i (i + 1)),
C = 1 + 1/N.  One gradient per round serves every expert.

Dynamic regret against any comparators u_1 .. u_T with path length P_T = sum_t ||u_{t+1} - u_t|| (convex f_t,
||g_t|| <= G, diameter D).  Expert i's OGD has sum_t <g_t, x_{t,i} - u_t> <= (7 D^2 / 4 + D P_T) / eta_i + eta_i T G^2 / 2
(their Theorem 1; the telescoping sum needs only D^2 / 2 in place of 7 D^2 / 4).  Hedge's regret against
expert i is at most ln(1 / w_{1,i}) / alpha + alpha T (G D)^2 / 8, since a round's surrogate losses span at most
G D (Hoeffding's lemma), and the mixture's surrogate loss is 0.  So

    sum_t f_t(x_t) - f_t(u_t) <= min_i [(7 D^2 / 4 + D P_T) / eta_i + eta_i T G^2 / 2
                                        + (sqrt(2T) G D / 4) (1 + ln(i (i + 1) / C))],

which :func:`ader_dynamic_regret_bound` evaluates; choosing i with eta_i within a factor 2 of the ideal step
gives their Theorem 4, (3 G / 4) sqrt(2 T (7 D^2 + 4 D P_T)) + (sqrt(2T) G D / 4)(1 + 2 ln(k + 1)) =
O(sqrt(T (1 + P_T))), k = floor(log2(1 + 4 P_T / 7D) / 2) + 1; this is minimax optimal (their Theorem 2).
Feedback must arrive undelayed (the update reads the experts' points of the same round).
"""
import math

from olearn.core.errors import ParameterError, check_integer, check_range
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
    "O(sqrt((1 + P_T + sigma^2_{1:T} + Sigma^2_{1:T})(1 + P_T))) (not checked: the paper's abstract only says it has "
    "dynamic regret guarantees; its body was not found); Zhao, Zhang, Zhang and Zhou (NeurIPS 2020)",
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


# ---------------------------------------------------------------- Improved Ader
# state: flag, then x_i (N d) | ln w_i (N, shifted so the largest is 0); row: d, N, G, T.  The state holds
# ADER_MAX_EXPERTS experts, enough for every horizon up to ADER_MAX_ROUNDS (N grows like log2(T) / 2)


def ader_experts(horizon: int) -> int:
    """N = ceil(log2(1 + 4T/7) / 2) + 1 (Zhang, Lu and Zhou 2018): m + 1 for the least m >= 0 with 7 4^m >= 7 + 4T,
    in integers, so exact at every T (floating point rounds the wrong way just past 7 (4^m - 1) / 4 from m = 24 on,
    and overflows past T = 1e308).

    ``horizon`` T: an integer >= 1; anything else raises :class:`~olearn.core.errors.ParameterError`."""
    horizon = check_integer("ader_experts", "horizon", horizon, 1, meaning="rounds")
    m = 0
    while 7 * 4**m < 7 + 4 * horizon:
        m += 1
    return m + 1


ADER_MAX_ROUNDS = 2**40
ADER_MAX_EXPERTS = ader_experts(ADER_MAX_ROUNDS)


def _ader_row(v, k, d, horizon):
    if horizon > ADER_MAX_ROUNDS:
        raise ParameterError("ader", "horizon", horizon, f"at most 2^40 = {ADER_MAX_ROUNDS} rounds")
    return [_dim("ader", v, k), ader_experts(horizon), v["lipschitz"], float(horizon)]


@kernel
def ader_act(state, params, obs, t, seed, action):
    """First round: every expert at the centre, ln w_i = ln(C / (i (i + 1))); then x_t = sum_i w_i x_i."""
    d = int(params[0])
    n = int(params[1])
    xo, lw = 1, 1 + ADER_MAX_EXPERTS * d
    if state[0] == 0.0:
        for i in range(n):
            domains.center(int(obs[0]), obs[1], d, state[xo + i * d : xo + (i + 1) * d])
            state[lw + i] = -math.log((i + 1.0) * (i + 2.0))  # the common factor C cancels
        state[0] = 1.0
    total = 0.0
    for i in range(n):
        total += math.exp(state[lw + i])
    for j in range(d):
        action[j] = 0.0
    for i in range(n):
        w = math.exp(state[lw + i]) / total
        for j in range(d):
            action[j] += w * state[xo + i * d + j]


@kernel
def ader_update(state, params, obs, action, feedback, t, seed):
    """ln w_i -= alpha <g_t, x_i - x_t> (then shifted so the largest is 0); x_i <- Pi_X(x_i - eta_i g_t) with
    eta_i = 2^i sqrt(7 D^2 / (2 G^2 T)) for the 0-based i."""
    d = int(params[0])
    n = int(params[1])
    code = int(obs[0])
    xo, lw = 1, 1 + ADER_MAX_EXPERTS * d
    diam = domains.step_scale(code, obs[1], d)
    alpha = math.sqrt(8.0 / params[3]) / (params[2] * diam)
    smallest = diam * math.sqrt(3.5 / params[3]) / params[2]
    top = -math.inf
    for i in range(n):
        ell = 0.0
        for j in range(d):
            ell += feedback[1 + j] * (state[xo + i * d + j] - action[j])
        state[lw + i] -= alpha * ell
        top = max(top, state[lw + i])
        eta = 2.0**i * smallest  # a power of two: exact
        x = state[xo + i * d : xo + (i + 1) * d]
        for j in range(d):
            x[j] -= eta * feedback[1 + j]
        domains.project(code, obs[1], d, x, x)
    for i in range(n):
        state[lw + i] -= top


def ader_dynamic_regret_bound(horizon: int, path_length: float, diameter: float, lipschitz: float = 1.0) -> float:
    """min_i [(7 D^2/4 + D P_T) / eta_i + eta_i T G^2 / 2 + (sqrt(2T) G D / 4)(1 + ln(i (i+1) / C))], C = 1 + 1/N: Improved
    Ader's dynamic regret bound against comparators of path length P_T (see the module).

    ``horizon`` T: an integer >= 1; ``path_length`` P_T: a finite number >= 0; ``diameter`` D and ``lipschitz`` G:
    finite numbers > 0.  Anything else raises :class:`~olearn.core.errors.ParameterError` naming the parameter."""
    owner = "ader_dynamic_regret_bound"
    horizon = check_integer(owner, "horizon", horizon, 1, meaning="rounds")
    path_length = check_range(owner, "path_length", path_length, 0.0)
    diameter = check_range(owner, "diameter", diameter, 0.0, open_low=True)
    lipschitz = check_range(owner, "lipschitz", lipschitz, 0.0, open_low=True)
    n = ader_experts(horizon)
    g, big_d = lipschitz, diameter
    meta = math.sqrt(2.0 * horizon) * g * big_d / 4.0
    best = math.inf
    for i in range(1, n + 1):
        eta = 2.0 ** (i - 1) * math.sqrt(7.0 * big_d**2 / (2.0 * g**2 * horizon))
        expert = (1.75 * big_d**2 + big_d * path_length) / eta + eta * horizon * g**2 / 2.0
        best = min(best, expert + meta * (1.0 + math.log(i * (i + 1) / (1.0 + 1.0 / n))))
    return best


ADER = LearnerType(
    name="ader",
    summary="Improved Ader: Hedge (prior C/(i(i+1)), rate sqrt(8/(T G^2 D^2))) over OGD experts with steps "
    "2^(i-1) sqrt(7 D^2/(2 G^2 T)), all on the linearized loss <g_t, x>: one gradient per round",
    reference="Zhang, Lu and Zhou (NeurIPS 2018), Adaptive online learning in dynamic environments, Thm 4: dynamic "
    "regret <= (3G/4) sqrt(2T(7D^2 + 4D P_T)) + (sqrt(2T) G D/4)(1 + 2 ln(k+1)) = O(sqrt(T(1 + P_T))) against every "
    "comparator sequence of path length P_T, minimax optimal",
    feedback="full",
    kind="oco",
    params=(DIM, Param("lipschitz", 1.0, "G, a bound on the gradients' norm ||g_t|| (sets the experts' steps and the meta rate)",
                       low=0.0, open_low=True)),
    state_size=lambda v, k, d: 1 + (k + 1) * ADER_MAX_EXPERTS,
    row=_ader_row,
    init=zero_state,
    act=ader_act,
    update=ader_update,
    test_params=({}, {"lipschitz": 4.0}),
    delayable=False,
)

LEARNERS = (SEA_ENSEMBLE, ADER)
