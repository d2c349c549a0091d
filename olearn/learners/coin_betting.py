"""Parameter-free online convex optimization by coin betting (problem kind ``oco``): no step size.

``coin_betting``: the Krichevsky-Trofimov (KT) bettor in R^d of Orabona and Pál (NeurIPS 2016),
"Coin betting and parameter-free online learning", Algorithm 2.  Start with wealth W_0 = eps; at the
t-th round (t = 1, 2, ...) bet the fraction theta_{t-1} / t of the wealth on the "coin" c = -g / G:

    w_t = W_{t-1} theta_{t-1} / t,        theta_t = theta_{t-1} + c_t,
    W_t = W_{t-1} + <c_t, w_t>,            c_t = -gt_t / G,

with G a bound on ||g_t|| (``lipschitz``) and eps the initial wealth (``wealth``).  As ||c_t|| <= 1
and ||theta_{t-1}|| <= t - 1, each factor W_t / W_{t-1} = 1 + <c_t, theta_{t-1}> / t is positive.  For
linear losses and every comparator u at once,

    Regret_T(u) = sum_t <g_t, w_t - u> = G (eps - W_T + <theta_T, u>) <= G (eps + F_T*(||u||)),

where W_T >= F_T(||theta_T||) with the KT potential F_T(x) = eps 2^T Gamma((T + 1 + x)/2)
Gamma((T + 1 - x)/2) / (pi T!) (equality for coins +-1 in one dimension), whose conjugate gives
O(G ||u|| sqrt(T ln(1 + T ||u|| / eps)) + G eps): the rate OGD attains only with its step tuned to
the unknown ||u||, and constant regret G eps against u = 0.

Feasible sets.  On R^d (``free``) the learner plays x_t = w_t.  On a ball, box or simplex it plays
x_t = Pi_X(w_t) and bets on the surrogate gradient (the constraint reduction of Cutkosky and Orabona,
COLT 2018, in the form of Cutkosky, ICML 2020, without their factor 2):

    gt_t = g_t                                       if <g_t, w_t - x_t> >= 0,
    gt_t = g_t - <g_t, v> v,  v = (w_t - x_t) / ||w_t - x_t||   otherwise,

so ||gt_t|| <= ||g_t|| and <g_t, x_t - u> <= <gt_t, w_t - u> for every u in X (the projection puts
every u of X on the far side of the hyperplane through x_t normal to v): the bound above holds on X.

A gradient longer than G is shortened to length G in the bet (its coin to norm 1), which keeps the
wealth positive; the guarantee then no longer covers that round.

State: ``[W, rounds, theta (d), w (d)]`` (w the unprojected point of the round, for its update);
row: ``[d, G, eps]``.
"""
import math

from olearn.core import special
from olearn.core.errors import check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.learners.oco import DIM, _dim

LIPSCHITZ = Param("lipschitz", 1.0, "G, a bound on the gradients' norm ||g_t|| (longer ones are shortened to G in the bet)",
                  low=0.0, open_low=True)
WEALTH = Param("wealth", 1.0, "initial wealth eps: regret against u = 0 is at most G eps", low=0.0, open_low=True)


@kernel
def coin_betting_init(state, params, seed):
    """W_0 = eps; rounds, theta and w at zero."""
    for i in range(state.size):
        state[i] = 0.0
    state[0] = params[2]


@kernel
def coin_betting_act(state, params, obs, t, seed, action):
    """w_t = W theta / (rounds + 1); x_t = Pi_X(w_t)."""
    d = int(params[0])
    fraction = state[0] / (state[1] + 1.0)
    for i in range(d):
        state[2 + d + i] = fraction * state[2 + i]
    domains.project(int(obs[0]), obs[1], d, state[2 + d : 2 + 2 * d], action)


@kernel
def coin_betting_update(state, params, obs, action, feedback, t, seed):
    """Surrogate gt (the constraint reduction), coin c = -gt / G shortened to norm <= 1,
    W += <c, w>, theta += c, rounds += 1."""
    d = int(params[0])
    across = 0.0  # <g, w - x>
    gap2 = 0.0  # ||w - x||^2
    for i in range(d):
        diff = state[2 + d + i] - action[i]
        across += feedback[1 + i] * diff
        gap2 += diff * diff
    fold = across / gap2 if across < 0.0 and gap2 > 0.0 else 0.0
    norm2 = 0.0
    for i in range(d):
        gi = feedback[1 + i] - fold * (state[2 + d + i] - action[i])
        norm2 += gi * gi
    scale = 1.0 / max(params[1], math.sqrt(norm2))
    gain = 0.0
    for i in range(d):
        c = -(feedback[1 + i] - fold * (state[2 + d + i] - action[i])) * scale
        gain += c * state[2 + d + i]
        state[2 + i] += c
    state[0] += gain
    state[1] += 1.0


COIN_BETTING = LearnerType(
    name="coin_betting",
    summary="parameter-free OCO by KT coin betting: x = Pi_X(W theta / t), theta = -sum gt / G, W = eps - sum <gt, w> / G; "
    "no step size",
    reference="Orabona and Pál (NeurIPS 2016), Coin betting and parameter-free online learning: regret "
    "O(G ||u|| sqrt(T ln(1 + T ||u|| / eps)) + G eps) against every u at once; constrained X by the reduction of "
    "Cutkosky and Orabona (COLT 2018) as in Cutkosky (ICML 2020)",
    feedback="full",
    kind="oco",
    params=(DIM, LIPSCHITZ, WEALTH),
    state_size=lambda v, k, d: 2 + 2 * k,
    row=lambda v, k, d, h: [_dim("coin_betting", v, k), v["lipschitz"], v["wealth"]],
    init=coin_betting_init,
    act=coin_betting_act,
    update=coin_betting_update,
    delayable=False,  # the update reads the round's unprojected point w_t, left by act
    test_params=({}, {"lipschitz": 4.0, "wealth": 0.5}),
)

LEARNERS = (COIN_BETTING,)


def log_kt_potential(horizon: int, x: float, wealth: float = 1.0) -> float:
    """ln F_T(x), F_T(x) = eps 2^T Gamma((T + 1 + x)/2) Gamma((T + 1 - x)/2) / (pi T!) for |x| < T + 1: the
    wealth the KT bettor is guaranteed after T coins summing to x in norm (their Lemma on the KT potential).

    ``horizon`` T: an integer >= 0; ``x``: a number in (-(T + 1), T + 1); ``wealth`` eps: a finite number > 0.
    Anything else raises :class:`~olearn.core.errors.ParameterError` naming the parameter."""
    owner = "log_kt_potential"
    horizon = check_integer(owner, "horizon", horizon, 0, meaning="coins seen")
    x = check_range(owner, "x", x, -(horizon + 1.0), horizon + 1.0, open_low=True, open_high=True,
                    allowed=f"a number in ({-(horizon + 1)}, {horizon + 1}) (|x| < horizon + 1)")
    wealth = check_range(owner, "wealth", wealth, 0.0, open_low=True)
    return _log_kt_potential(horizon, x, wealth)


def _log_kt_potential(horizon, x, wealth):
    """:func:`log_kt_potential` on values already checked.

    With s = T + 1, p = (s + x) / 2 and q = (s - x) / 2, F_T(x) = eps 2^T B(p, q) / pi.  For p, q >= 10, Stirling's
    formula cancels the 2^T by hand: T ln 2 + ln B(p, q) = (p - 1/2) ln(1 + x/s) + (q - 1/2) ln(1 - x/s) - ln(s) / 2
    + ln(2 pi) / 2 + the three Stirling rests, where T ln 2 and the ln Gamma terms (each ~T ln T) had cancelled in
    floating point (1e-7 off at T = 1e9, 2% at 1e14)."""
    from scipy.special import gammaln  # noqa: PLC0415 (plain Python, outside every kernel)

    s = horizon + 1.0
    p, q = (s + x) / 2.0, (s - x) / 2.0
    if min(p, q) < 10.0:
        return math.log(wealth) + horizon * math.log(2.0) + gammaln(p) + gammaln(q) - math.log(math.pi) - gammaln(s)
    rests = special.stirling_rest(p) + special.stirling_rest(q) - special.stirling_rest(s)
    return (math.log(wealth) + (p - 0.5) * math.log1p(x / s) + (q - 0.5) * math.log1p(-x / s) - 0.5 * math.log(s)
            + 0.5 * math.log(2.0 * math.pi) - math.log(math.pi) + rests)


def regret_bound(horizon: int, comparator_norm: float, lipschitz: float = 1.0, wealth: float = 1.0) -> float:
    """G (eps + sup_{0 <= x <= T} (x ||u|| - F_T(x))): coin_betting's regret bound at T against any u of norm ||u||,
    for losses with ||g_t|| <= G (linear or convex, on R^d or, through the reduction, on any X), since
    Regret_T(u) <= G (eps - F_T(||theta_T||) + ||theta_T|| ||u||) and ||theta_T|| <= T.  The sup is searched
    below the x where F_T first reaches e (T ||u|| + F_T(0) + 1) (F_T grows with x >= 0, so past it the gain
    x ||u|| - F_T(x) is below -F_T(0), its value at 0); F_T itself overflows long before x = T for large T.

    ``horizon`` T: an integer >= 1; ``comparator_norm`` ||u||: a finite number >= 0; ``lipschitz`` G and ``wealth``
    eps: finite numbers > 0.  Anything else raises :class:`~olearn.core.errors.ParameterError` naming the parameter."""
    from scipy.optimize import brentq, minimize_scalar  # noqa: PLC0415

    owner = "regret_bound"
    horizon = check_integer(owner, "horizon", horizon, 1, meaning="rounds")
    comparator_norm = check_range(owner, "comparator_norm", comparator_norm, 0.0)
    lipschitz = check_range(owner, "lipschitz", lipschitz, 0.0, open_low=True)
    wealth = check_range(owner, "wealth", wealth, 0.0, open_low=True)

    at_zero = math.exp(_log_kt_potential(horizon, 0.0, wealth))
    ceiling = math.log(horizon * comparator_norm + at_zero + 1.0) + 1.0
    high = float(horizon)
    if _log_kt_potential(horizon, high, wealth) > ceiling:
        high = brentq(lambda x: _log_kt_potential(horizon, x, wealth) - ceiling, 0.0, high)
    gain = lambda x: x * comparator_norm - math.exp(_log_kt_potential(horizon, x, wealth))  # noqa: E731
    best = minimize_scalar(lambda x: -gain(x), bounds=(0.0, high), method="bounded", options={"xatol": 1e-10})
    # the ends too: a bounded search stops ~1e-8 inside its interval, short of a sup at x = T
    return lipschitz * (wealth + max(gain(0.0), gain(high), -best.fun))
