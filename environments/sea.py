"""Worlds between stochastic and adversarial online convex optimization (the SEA model).

Stochastically extended adversarial (SEA) model (Sachs et al., NeurIPS 2022; Chen et al.,
ICML 2023): each round the environment picks a distribution D_t -- adversarially, possibly
after seeing the learner's point x_t -- and draws f_t ~ D_t.  Here D_t is a mean component
theta_t (the adversarial drift) plus a noise vector xi_t ~ N(0, s^2 I / d) (the stochastic part):

* ``sea_quadratic``: f_t(x) = 1/2 ||x - theta_t||^2 + <xi_t, x>  (1-strongly convex, 1-smooth);
* ``sea_linear``:    f_t(x) = <theta_t + xi_t, x>                 (convex, 0-smooth).

Both have F_t = E f_t with grad F_t(x) - grad F_{t-1}(x) = theta_{t-1} - theta_t for every x, so
sigma_t^2 = E ||xi_t||^2 = s^2 and Sigma_t^2 = ||theta_t - theta_{t-1}||^2 exactly (Sigma_1^2 = 0).
``noise = 0`` is adversarial OCO (point masses); ``drift = "fixed"`` is i.i.d. stochastic OCO.

Drifts of theta_t (magnitude ``kappa``, unit direction u = (1, ..., 1) / sqrt(d)):

* ``fixed``: theta_t = kappa u;
* ``switching``: theta_t = +kappa u or -kappa u, the sign flipping every ``period`` rounds;
* ``rotation``: theta_t = kappa (cos(omega t), sin(omega t), 0, ...);
* ``blocks``: theta_t = +-kappa u with an independent fair sign per block of ``period`` rounds
  (drawn from stream ENV, round = block, index 2^20): the oblivious random adversary of the
  sqrt((1 + d) T) lower bound under delays when period = d + 1;
* ``adaptive``: against the learner's point x_t: theta_t = -kappa x_t / ||x_t|| (quadratic: the
  target sits opposite the learner) or +kappa x_t / ||x_t|| (linear: the loss grows where the learner
  stands); kappa u when x_t = 0.

Static regret is exact: sum_t f_t is a quadratic (or linear) function of x with sufficient
statistics S_theta = sum theta_t, S_xi = sum xi_t, Q = sum ||theta_t||^2, so the best fixed point is
Pi_X((S_theta - S_xi) / T) (quadratic) or the linear minimizer of S_theta + S_xi over X (linear).
"""
import math

import numpy as np

from environments.adversarial import held_period
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.engine import domains, models
from olearn.engine.oco import OcoEnvType, zero_state

DRIFTS = ("fixed", "switching", "rotation", "adaptive", "blocks")
FIXED, SWITCHING, ROTATION, ADAPTIVE, BLOCKS = range(5)
QUADRATIC_FAMILY, LINEAR_FAMILY = 0, 1

# at most 2^18: a round's noise uses draw indices below 2 d, under the fixed indices 2^20 + i of its other draws
DIM = Param("dim", 10, "dimension d of the points x_t", kind="int", low=1, high=2**18)
DOMAIN = Param("domain", "ball", "feasible set: ball (||x|| <= radius), box ([-radius, radius]^d), simplex (sum radius)",
               kind="choice", choices=("ball", "box", "simplex"))
RADIUS = Param("radius", 1.0, "size of the feasible set", low=0.0, open_low=True)
SEA_PARAMS = (
    DIM, DOMAIN, RADIUS,
    Param("noise", 0.1, "stochastic scale s: xi_t ~ N(0, s^2 I / d), so sigma_t^2 = s^2", low=0.0),
    Param("drift", "fixed", "adversarial drift of theta_t: " + ", ".join(DRIFTS), kind="choice", choices=DRIFTS),
    Param("kappa", 0.5, "drift magnitude ||theta_t||", low=0.0),
    Param("period", 100, "rounds between sign switches (drift='switching' or 'blocks')", kind="int", low=1),
    Param("omega", 0.01, "angular speed of drift='rotation' (radians per round)"),
)

# row: [d, domain, radius, family, noise, drift, kappa, period, omega]; the period as held_period holds it
_NOISE, _DRIFT, _KAPPA, _PERIOD, _OMEGA, _FAMILY = 4, 5, 6, 7, 8, 3


def _row(family):
    def row(v):
        return np.array([v["dim"], domains.NAMES.index(v["domain"]), v["radius"], family, v["noise"],
                         DRIFTS.index(v["drift"]), v["kappa"], held_period(v["period"]), v["omega"]], dtype=float)

    return row


# state: theta_t (d), theta_{t-1} (d), xi_t (d), sigma_t^2, Sigma_t^2


@kernel
def sea_draw(state, params, x, t, seed):
    """theta_{t-1} <- theta_t; theta_t from the drift (x_t for the adaptive one); xi_t from stream ENV."""
    d = int(params[0])
    kappa = params[_KAPPA]
    drift = int(params[_DRIFT])
    for i in range(d):
        state[d + i] = state[i]
    unit = 1.0 / math.sqrt(d)
    if drift == FIXED:
        for i in range(d):
            state[i] = kappa * unit
    elif drift == SWITCHING:
        sign = 1.0 if (t // int(params[_PERIOD])) % 2 == 0 else -1.0
        for i in range(d):
            state[i] = sign * kappa * unit
    elif drift == BLOCKS:
        block = t // int(params[_PERIOD])
        sign = 1.0 if rng.uniform(seed, rng.ENV, block, 1048576) < 0.5 else -1.0
        for i in range(d):
            state[i] = sign * kappa * unit
    elif drift == ROTATION:
        for i in range(d):
            state[i] = 0.0
        state[0] = kappa * math.cos(params[_OMEGA] * t)
        if d > 1:
            state[1] = kappa * math.sin(params[_OMEGA] * t)
    else:
        norm2 = 0.0
        for i in range(d):
            norm2 += x[i] * x[i]
        sign = -1.0 if int(params[_FAMILY]) == QUADRATIC_FAMILY else 1.0
        for i in range(d):
            state[i] = sign * kappa * x[i] / math.sqrt(norm2) if norm2 > 0.0 else kappa * unit
    sd = params[_NOISE] * unit
    for i in range(d):
        state[2 * d + i] = sd * rng.normal(seed, rng.ENV, t, i) if sd > 0.0 else 0.0
    change = 0.0
    if t > 0:
        for i in range(d):
            diff = state[i] - state[d + i]
            change += diff * diff
    state[3 * d] = params[_NOISE] * params[_NOISE]
    state[3 * d + 1] = change


@kernel
def sea_variances(state, params, t, out):
    d = int(params[0])
    out[0] = state[3 * d]
    out[1] = state[3 * d + 1]


@kernel
def sea_accumulate(state, params, suff):
    """suff = [S_theta (d), S_xi (d), Q = sum ||theta_t||^2, scratch (d)]."""
    d = int(params[0])
    q = 0.0
    for i in range(d):
        suff[i] += state[i]
        suff[d + i] += state[2 * d + i]
        q += state[i] * state[i]
    suff[2 * d] += q


def _sea_type(name, family, summary, kernels, comparator, test_params):
    """An OcoEnvType of the SEA family: shared parameters, drift, noise and sufficient statistics."""
    loss_grad, mean_loss, round_best, best_total, model = kernels
    return OcoEnvType(
        name=name, summary=summary,
        reference="Sachs et al. (NeurIPS 2022); Chen et al. (ICML 2023): sigma_t^2 = s^2, Sigma_t^2 = ||theta_t - theta_{t-1}||^2",
        params=SEA_PARAMS, n_actions=lambda v: v["dim"], row=_row(family), reset=zero_state, draw=sea_draw,
        loss_grad=loss_grad, mean_loss=mean_loss, round_best=round_best, variances=sea_variances,
        accumulate=sea_accumulate, best_total=best_total, model=model,
        suff_size=lambda v: 3 * v["dim"] + 1, state_size=lambda v: 3 * v["dim"] + 2,
        comparator=comparator, test_params=test_params,
    )


# ---------------------------------------------------------------- quadratic family


@kernel
def quadratic_loss_grad(state, params, x, g):
    d = int(params[0])
    value = 0.0
    for i in range(d):
        diff = x[i] - state[i]
        value += 0.5 * diff * diff + state[2 * d + i] * x[i]
        g[i] = diff + state[2 * d + i]
    return value


@kernel
def quadratic_mean_loss(state, params, x):
    d = int(params[0])
    value = 0.0
    for i in range(d):
        diff = x[i] - state[i]
        value += 0.5 * diff * diff
    return value


@kernel
def quadratic_round_best(state, params, u):
    """u_t = Pi_X(theta_t), the minimizer of F_t = 1/2 ||x - theta_t||^2 over X."""
    d = int(params[0])
    domains.project(int(params[1]), params[2], d, state[0:d], u)
    return quadratic_mean_loss(state, params, u)


@kernel
def quadratic_model(state, params, m):
    """f_t(x) = 1/2 ||x||^2 - <theta_t - xi_t, x> + 1/2 ||theta_t||^2."""
    d = int(params[0])
    m[0] = models.QUADRATIC
    half_q = 0.0
    for i in range(d):
        m[2 + i] = state[i] - state[2 * d + i]
        half_q += 0.5 * state[i] * state[i]
    m[1] = half_q


@kernel
def quadratic_best_total(params, suff, n, expected):
    """min_X  n/2 ||x||^2 - <c, x> + Q/2, c = S_theta - S_xi (S_theta when expected): x* = Pi_X(c / n)."""
    d = int(params[0])
    c = suff[2 * d + 1 : 3 * d + 1]
    for i in range(d):
        c[i] = (suff[i] - (0.0 if expected else suff[d + i])) / n
    domains.project(int(params[1]), params[2], d, c, c)  # c now holds x*
    cx = 0.0
    xx = 0.0
    for i in range(d):
        cx += (suff[i] - (0.0 if expected else suff[d + i])) * c[i]
        xx += c[i] * c[i]
    return 0.5 * n * xx - cx + 0.5 * suff[2 * d]


SEA_QUADRATIC = _sea_type(
    "sea_quadratic", QUADRATIC_FAMILY,
    "SEA quadratic: f_t(x) = 1/2 ||x - theta_t||^2 + <xi_t, x>, theta_t drifts adversarially, xi_t ~ N(0, s^2 I/d)",
    (quadratic_loss_grad, quadratic_mean_loss, quadratic_round_best, quadratic_best_total, quadratic_model),
    "closed form: Pi_X((S_theta - S_xi) / T)",
    (
        {"dim": 3, "noise": 0.3, "drift": "switching", "period": 7},
        {"dim": 4, "domain": "box", "radius": 0.3, "noise": 0.1, "drift": "rotation", "omega": 0.3},
        {"dim": 3, "domain": "simplex", "noise": 0.2, "drift": "adaptive", "kappa": 0.8},
    ),
)

# ---------------------------------------------------------------- linear family


@kernel
def linear_loss_grad(state, params, x, g):
    d = int(params[0])
    value = 0.0
    for i in range(d):
        g[i] = state[i] + state[2 * d + i]
        value += g[i] * x[i]
    return value


@kernel
def linear_mean_loss(state, params, x):
    d = int(params[0])
    value = 0.0
    for i in range(d):
        value += state[i] * x[i]
    return value


@kernel
def linear_round_best(state, params, u):
    d = int(params[0])
    domains.linear_minimizer(int(params[1]), params[2], d, state[0:d], u)
    return linear_mean_loss(state, params, u)


@kernel
def linear_model(state, params, m):
    d = int(params[0])
    m[0] = models.LINEAR
    m[1] = 0.0
    for i in range(d):
        m[2 + i] = state[i] + state[2 * d + i]


@kernel
def linear_best_total(params, suff, n, expected):
    """min_X <c, x> with c = S_theta + S_xi (S_theta when expected): the linear minimizer."""
    d = int(params[0])
    c = suff[2 * d + 1 : 3 * d + 1]
    for i in range(d):
        c[i] = suff[i] + (0.0 if expected else suff[d + i])
    code = int(params[1])
    r = params[2]
    value = 0.0
    if code == domains.BALL:
        for i in range(d):
            value += c[i] * c[i]
        return -r * math.sqrt(value)
    if code == domains.BOX:
        for i in range(d):
            value -= r * abs(c[i])
        return value
    value = c[0]
    for i in range(d):
        value = min(value, c[i])
    return r * value


SEA_LINEAR = _sea_type(
    "sea_linear", LINEAR_FAMILY,
    "SEA linear: f_t(x) = <theta_t + xi_t, x>, theta_t drifts adversarially, xi_t ~ N(0, s^2 I/d)",
    (linear_loss_grad, linear_mean_loss, linear_round_best, linear_best_total, linear_model),
    "closed form: the linear minimizer of S_theta + S_xi over X",
    (
        {"dim": 3, "noise": 0.5, "drift": "switching", "period": 5},
        {"dim": 2, "domain": "box", "noise": 0.0, "drift": "adaptive"},
        {"dim": 4, "domain": "simplex", "noise": 0.2, "drift": "rotation", "omega": 0.2},
    ),
)

ENVIRONMENTS = (SEA_QUADRATIC, SEA_LINEAR)
