"""MetaGrad, full-matrix version (problem kind ``oco``): many learning rates at once, no curvature to know.

van Erven and Koolen (NeurIPS 2016), "MetaGrad: Multiple Learning Rates in Online Learning" (Algorithms 1
and 2, the full-matrix slaves); journal version van Erven, Koolen and van der Hoeven (JMLR 2021),
"MetaGrad: Adaptation using Multiple Learning Rates in Online Learning", whose extensions (adapting to an
unknown gradient range by restarts, the sketched and coordinate-wise slaves) are not implemented here.

Notation as in :mod:`olearn.learners.oco`: X is a ball, a box or R^d (``free``) of diameter D
(:func:`olearn.engine.domains.diameter`; r for ``free``), G (``lipschitz``) bounds ||g_t||, x_t is the
point played and g_t its gradient.  For a point w let

    r_t(w) = <x_t - w, g_t>,     l_t^eta(w) = -eta r_t(w) + eta^2 r_t(w)^2    (the surrogate loss of rate eta).

Grid and prior.  n rates eta_i = 2^-i / (5 D G), i = 0 .. n - 1, with n = ceil(1/2 log2 T) + 1 (T the
horizon, from the engine's row) so that the smallest rate is at most 1 / (5 D G sqrt(T)); or n = ``rates``
given, which frees the learner from the horizon.  Prior pi_i = C / ((i + 1)(i + 2)), C = 1 + 1/n (it sums to 1).

Slave i (Algorithm 2) starts at w_i = the centre of X and Sigma_i = D^2 I, and after round t

    Sigma_i <- (Sigma_i^-1 + 2 eta_i^2 g_t g_t^T)^-1
             = Sigma_i - 2 eta_i^2 u u^T / (1 + 2 eta_i^2 <g_t, u>),   u = Sigma_i g_t      (Sherman-Morrison),
    w_i     <- Pi_X^{A_i}(w_i - eta_i (1 - 2 eta_i r_t(w_i)) Sigma_i g_t),  A_i = Sigma_i^-1,

the step being along the surrogate's gradient eta_i (1 + 2 eta_i <w_i - x_t, g_t>) g_t and Pi_X^A the
projection in the A-norm (:func:`olearn.engine.metric_projection.a_norm_project`, the kernels ONS uses).
A_i = D^-2 I + 2 eta_i^2 sum_s g_s g_s^T is accumulated beside Sigma_i for the projection, which is needed
only when the step leaves X; the step itself costs O(d^2) (Sigma_i g_t = u / (1 + 2 eta_i^2 <g_t, u>)).

Master (Algorithm 1, tilted exponential weights):

    x_t = sum_i pi_i eta_i w_i / sum_i pi_i eta_i,        pi_i <- pi_i exp(-l_t^{eta_i}(w_i)) / normaliser,

kept as log-weights (the largest set to 0 each round).  x_t lies in X (an average of points of X).

Guarantee (re-derived here from the paper's three steps, with explicit constants).  Let
R~_T(u) = sum_t <x_t - u, g_t> >= R_T(u) and V_T^u = sum_t <x_t - u, g_t>^2, and assume ||g_t|| <= G.

1. Master: eta |r_t(w_i)| <= eta D G <= 1/5 and e^{z - z^2} <= 1 + z for z >= -1/2 give
   sum_i pi_i e^{-l_t^{eta_i}(w_i)} <= sum_i pi_i (1 + eta_i <x_t - w_i, g_t>) = 1 by the choice of x_t,
   so the potential never grows: -sum_t l_t^{eta_i}(w_i) <= ln(1 / pi_i).
2. Slave: l_t^eta is quadratic with Hessian 2 eta^2 g g^T, so the Newton-step argument gives
   sum_t l_t^eta(w_t) - l_t^eta(u) <= ||u - w_1||^2 / (2 D^2) + 1/2 sum_t grad_t^T Sigma_{t+1} grad_t
   <= 1/2 + (49/100) ln det(I + 2 eta^2 D^2 sum_t g_t g_t^T) <= 1/2 + (49/100) d ln(1 + 2T / (25 d))
   (grad_t = eta (1 - 2 eta r_t(w_t)) g_t; (1 - 2 eta r)^2 <= 49/25; v^T (B + v v^T)^-1 v <= ln(det(B + v v^T) / det B)).
3. Adding the two: eta R~_T(u) - eta^2 V_T^u = -sum_t l_t^eta(u) <= Xi_T for every rate of the grid, with

       Xi_T = 1/2 + (49/100) d ln(1 + 2T / (25 d)) + 2 ln(n + 1),

   and the rate of the grid within a factor 2 below sqrt(Xi_T / V_T^u) (or eta_0 when that is larger; the
   grid reaches below it because V_T^u <= D^2 G^2 T <= 4^(n-1) D^2 G^2) gives, for every u in X,

       R_T(u) <= R~_T(u) <= 5/2 sqrt(V_T^u Xi_T) + 10 D G Xi_T  =  O(sqrt(V_T^u d ln T) + d D G ln T).

   (The paper's theorem for the full-matrix version has this form, with its own constants.)

Consequences, without telling the learner which case holds: in the worst case V_T^u <= D^2 G^2 T, so
R_T = O(D G sqrt(d T ln T)); for alpha-exp-concave losses f_t(x_t) - f_t(u) <= r_t(u) - beta/2 r_t(u)^2 with
beta = 1/2 min(1/(4 G D), alpha) (Hazan, Agarwal and Kale 2007), so R_T <= R~_T - beta/2 V_T^u
<= (25 / (8 beta) + 10 D G) Xi_T = O((1/alpha + D G) d ln T); lambda-strongly convex losses are
(lambda / G^2)-exp-concave, and even directly R_T <= (25 G^2 / (8 lambda) + 10 D G) Xi_T.

The analysis needs ||g_t|| <= G (a longer gradient is not clipped: that round is outside the guarantee) and
||w - u|| <= D for points of X, which R^d (D = r, a nominal scale) does not give: there the learner runs
with D = r, and the derivation holds only while the comparator and the slaves' points stay within r/2 of
the origin.

Feasible sets: ball, box, simplex and R^d (the A-norm projections of ONS).  The update reads
the slaves' points of the round (left in the state by act), so feedback must not be delayed.

State: ``[flag, n blocks of (log-weight, w_i (d), Sigma_i (d d), A_i (d d)), y (d), chol (d d + d), scratch (d)]``
with room for ``rates`` blocks (or for the grid of ``max_rounds`` rounds when ``rates`` is None);
row: ``[d, G, n]``.
"""
import math

from olearn.core.errors import ParameterError, check_integer
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.metric_projection import a_norm_project, add_outer
from olearn.engine.oco import require_domains, zero_state
from olearn.learners.oco import DIM, _dim

LIPSCHITZ = Param("lipschitz", 1.0, "G, a bound on the gradients' norm ||g_t||: the largest rate is 1/(5 D G)", low=0.0, open_low=True)
RATES = Param("rates", None, "number n of learning rates eta_i = 2^-i / (5 D G), i < n; None: ceil(log2(T) / 2) + 1 "
              "from the horizon T (the paper's grid)", kind="int", low=1, high=64, optional=True)
MAX_ROUNDS = Param("max_rounds", 2**20, "the longest horizon the state has room for when rates is None "
                   "(ceil(log2(max_rounds) / 2) + 1 slaves)", kind="int", low=1, high=2**40)


def rates_for(horizon: int) -> int:
    """n = ceil(log2(T) / 2) + 1, the grid's size for horizon T: the smallest n with 4^(n-1) >= T (exact in integers).

    ``horizon`` T: an integer >= 1; anything else raises :class:`~olearn.core.errors.ParameterError`."""
    horizon = check_integer("rates_for", "horizon", horizon, 1, meaning="rounds")
    n = 1
    while 4 ** (n - 1) < horizon:
        n += 1
    return n


def _capacity(v) -> int:
    return v["rates"] if v["rates"] is not None else rates_for(v["max_rounds"])


def _row(v, k, d, h):
    if v["rates"] is None and h > v["max_rounds"]:
        raise ParameterError("metagrad", "max_rounds", v["max_rounds"], f"an integer >= the horizon {h} (it sizes the state "
                             "for the grid of rates), or give rates=")
    return [_dim("metagrad", v, k), v["lipschitz"], float(v["rates"] if v["rates"] is not None else rates_for(h))]


@kernel
def block_size(d):
    """Slots per slave: log-weight, w (d), Sigma (d d), A = Sigma^-1 (d d)."""
    return 1 + d + 2 * d * d


@kernel
def largest_rate(params, obs, d):
    """eta_0 = 1 / (5 D G); eta_i = eta_0 / 2^i is reached by halving (exact)."""
    return 0.2 / (domains.step_scale(int(obs[0]), obs[1], d) * params[1])


@kernel
def metagrad_start(state, params, obs, d, n):
    """First call only (flag state[0] == 0): log-weight ln(C / ((i + 1)(i + 2))), C = 1 + 1/n; w_i = centre of X;
    Sigma_i = D^2 I; A_i = I / D^2."""
    if state[0] != 0.0:
        return
    state[0] = 1.0
    size = block_size(d)
    diam = domains.step_scale(int(obs[0]), obs[1], d)
    for i in range(n):
        at = 1 + i * size
        state[at] = math.log((1.0 + 1.0 / n) / ((i + 1.0) * (i + 2.0)))
        domains.center(int(obs[0]), obs[1], d, state[at + 1 : at + 1 + d])
        for j in range(d):
            state[at + 1 + d + j * d + j] = diam * diam
            state[at + 1 + d + d * d + j * d + j] = 1.0 / (diam * diam)


@kernel
def metagrad_act(state, params, obs, t, seed, action):
    """x_t = sum_i pi_i eta_i w_i / sum_i pi_i eta_i (pi_i = exp of the log-weight, the largest being 0)."""
    d = int(params[0])
    n = int(params[2])
    metagrad_start(state, params, obs, d, n)
    size = block_size(d)
    for j in range(d):
        action[j] = 0.0
    eta = largest_rate(params, obs, d)
    total = 0.0
    for i in range(n):
        at = 1 + i * size
        mass = math.exp(state[at]) * eta
        total += mass
        for j in range(d):
            action[j] += mass * state[at + 1 + j]
        eta *= 0.5
    for j in range(d):
        action[j] /= total


@kernel
def sherman_morrison(sigma, g, scale, d, u):
    """Sigma <- (Sigma^-1 + scale g g^T)^-1 = Sigma - v v^T, v = sqrt(c) u, c = scale / (1 + scale <g, u>), u = Sigma g
    (left in ``u``, as is: Sigma_new g = u / (1 + scale <g, u>)).  Returns 1 + scale <g, u>.  Sigma stays exactly
    symmetric.  Scaling u before the outer product keeps it in range: at a radius of 1e100, u u^T (~ D^4) overflowed."""
    q = 0.0
    for j in range(d):
        s = 0.0
        for k in range(d):
            s += sigma[j * d + k] * g[k]
        u[j] = s
        q += g[j] * s
    denom = 1.0 + scale * abs(q)  # q = g^T Sigma g >= 0; rounding can leave it below 0 where Sigma is nearly singular
    root = math.sqrt(scale / denom)
    for j in range(d):
        for k in range(d):
            sigma[j * d + k] -= (u[j] * root) * (u[k] * root)
    return denom


@kernel
def metagrad_update(state, params, obs, action, feedback, t, seed):
    """For each rate: r = <x_t - w_i, g>; log-weight += eta r - (eta r)^2; Sigma_i by Sherman-Morrison, A_i += 2 eta^2 g g^T;
    w_i <- Pi^{A_i}_X(w_i - eta (1 - 2 eta r) Sigma_i g).  Then the largest log-weight is set to 0."""
    d = int(params[0])
    n = int(params[2])
    size = block_size(d)
    code = int(obs[0])
    scratch = 1 + n * size
    y = state[scratch : scratch + d]
    chol = state[scratch + d : scratch + 2 * d + d * d]
    ay = state[scratch + 2 * d + d * d : scratch + 3 * d + d * d]
    g = feedback[1 : 1 + d]
    eta = largest_rate(params, obs, d)
    top = -math.inf
    for i in range(n):
        at = 1 + i * size
        w = state[at + 1 : at + 1 + d]
        r = 0.0
        for j in range(d):
            r += (action[j] - w[j]) * g[j]
        state[at] += eta * r - (eta * r) * (eta * r)
        top = max(top, state[at])
        curve = 2.0 * eta * eta
        denom = sherman_morrison(state[at + 1 + d : at + 1 + d + d * d], g, curve, d, y)
        add_outer(state[at + 1 + d + d * d : at + size], g, curve, d)
        step = eta * (1.0 - 2.0 * eta * r) / denom
        for j in range(d):
            y[j] = w[j] - step * y[j]
        a_norm_project(code, obs[1], d, state[at + 1 + d + d * d : at + size], y, chol, ay, w)
        eta *= 0.5
    for i in range(n):
        state[1 + i * size] -= top


METAGRAD = LearnerType(
    name="metagrad",
    summary="MetaGrad (full matrix): tilted exponential weights over Newton-step slaves at rates 2^-i/(5 D G); "
    "adapts to exp-concave, strongly convex and plain convex losses without being told which",
    reference="van Erven and Koolen (NeurIPS 2016), MetaGrad: Multiple Learning Rates in Online Learning; van Erven, Koolen "
    "and van der Hoeven (JMLR 2021): R_T(u) <= 5/2 sqrt(V_T^u Xi_T) + 10 D G Xi_T, V_T^u = sum <x_t - u, g_t>^2, "
    "Xi_T = O(d ln T): O(d ln T) on exp-concave and strongly convex losses, O(sqrt(d T ln T)) always",
    feedback="full",
    kind="oco",
    params=(DIM, LIPSCHITZ, RATES, MAX_ROUNDS),
    state_size=lambda v, k, d: 1 + _capacity(v) * block_size(k) + 3 * k + k * k,  # flag, the slaves, y, chol, scratch
    row=_row,
    init=zero_state,
    act=metagrad_act,
    update=metagrad_update,
    delayable=False,  # the update reads the slaves' points of the round, left by act
    test_params=({}, {"lipschitz": 3.0, "rates": 3}),
)
require_domains("metagrad", (domains.BALL, domains.BOX, domains.SIMPLEX, domains.FREE))

LEARNERS = (METAGRAD,)
