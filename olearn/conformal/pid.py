"""Conformal PID control: quantile tracking, and quantile tracking with an error integrator.

Angelopoulos, Candes and Tibshirani (NeurIPS 2023), "Conformal PID control for time series
prediction", as their public implementation runs it.  With alpha = 1 - q, the radius q_t predicted
for score S_t and the miscoverage err_t = 1[S_t > q_t]:

* ``quantile_tracking`` (their P control, online gradient descent on the pinball loss)::

      q_{t+1} = q_t + eta_t (err_t - alpha),      eta_t = lr t^(-decay)

  with t = 1, 2, ... counting the calibration scores first (they go through the same update), so the first
  prediction of the stream is made with t = n + 1 after n calibration scores, and eta_1 and T below count them.

  ``decay = 0`` (the default) is their fixed step, and their Proposition 1: for scores in [0, B],
  |(1/T) sum_t err_t - alpha| <= (B + lr) / (lr T) on any sequence, so the long-run coverage is exact
  whatever the shift.  ``decay`` in (1/2, 1] gives the decaying steps of Angelopoulos, Barber and Bates
  (ICML 2024, Online conformal prediction with decaying step sizes): on i.i.d. scores q_t then converges
  to the scores' (1 - alpha)-quantile (Robbins-Monro: sum eta_t = inf, sum eta_t^2 < inf), where a
  fixed step keeps it wandering, and on any sequence, for non-increasing steps (derived here: q_t stays in
  [-alpha eta_1, B + (1 - alpha) eta_1], and summation by parts over (q_{t+1} - q_t) / eta_t),

      |(1/T) sum_t err_t - alpha| <= (B + eta_1) / (eta_T T),

  which is Proposition 1 at decay = 0 and O(T^(decay - 1)) in general.
* ``conformal_pi`` (P plus an integrator with a saturating gain): the tracked part s_t takes the step
  above and the integrator adds r_t(E_t) of the running excess of errors after a burn-in of b rounds,
  E_t = sum_{b < i <= t} err_i - (t - b) alpha::

      s_{t+1} = s_t + lr (err_t - alpha),     q_{t+1} = s_{t+1} + r_t(E_t),
      r_t(x) = K_I tan(x ln(t - b + 1) / (C_sat t - b + 100))   for t >= b (0 before),

  with tan read as +-inf beyond +-pi/2 (a radius of +inf covers everything).  Rounds t count from 0
  over the calibration scores and the stream together; r_t is written as in their code, whose denominator
  C_sat t - b + 100 is what their experiments ran (the paper displays t C_sat).

* ``conformal_pid`` (P, I and a scorecaster, their section 2.3): q_{t+1} = s^_{t+1} + s_{t+1} + r_t(E_t), with s^
  an AR(p) forecast of the next score (:mod:`olearn.conformal.scorecaster`; theirs a theta model).

Their methods start from q_1 = 0 and leave q free to go below zero; here the calibration scores are fed
through the update first (as for every method of :mod:`olearn.conformal`), and the radius predicted is
max(q, 0) (a negative radius covers no positive score either, so coverage is unchanged on positive scores;
a score of exactly 0 with q < 0 counts as a miss in the update, as in their loop, and is covered by the radius 0).  Defaults, ours:
``lr`` = 0.1 D, ``ki`` = D with D the scale (given, or sqrt(3) max |calibration score|), ``csat`` = 5 as in
their configurations, burn-in b = the number of calibration scores.

State: ``quantile_tracking`` ``[q, rounds so far]``; ``conformal_pi`` ``[s, q, t, errors after the burn-in]``; ``conformal_pid`` the
same, then the scorecaster's block.
"""
import math

from olearn.conformal import common, scorecaster
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType

_LR, _KI, _CSAT, _BURNIN = common.HEADER, common.HEADER + 1, common.HEADER + 2, common.HEADER + 3
_LAGS, _FORGET, _RIDGE = common.HEADER + 4, common.HEADER + 5, common.HEADER + 6
_AR = 4  # where conformal_pid's scorecaster block starts in its state
_DECAY = common.HEADER + 1  # quantile_tracking's second slot

LR = Param("lr", None, "step size in the scores' units; None: 0.1 D", low=0.0, optional=True)
DECAY = Param("decay", 0.0, "exponent of the step lr t^-decay: 0, a fixed step; in (1/2, 1], decaying steps whose "
              "radius converges on i.i.d. scores", low=0.0, high=1.0)
KI = Param("ki", None, "integrator gain K_I in the scores' units; None: D", low=0.0, optional=True)
#: C_sat >= 1 keeps r_t's denominator C_sat t - b + 100 >= 100 for t >= b (below 1 it can reach 0: a NaN radius)
CSAT = Param("csat", 5.0, "saturation constant C_sat of the integrator", low=1.0)
BURNIN = Param("burnin", None, "rounds b before the integrator starts; None: the number of calibration scores",
               kind="int", low=0, optional=True)
LAGS = Param("lags", 1, "p, the scorecaster's autoregressive order (its forecast: intercept + p past scores)",
             kind="int", low=1, high=64)
FORGET = Param("forget", 1.0, "forgetting factor lambda of the scorecaster's recursive least squares (1: every score "
               "weighs alike; at least 1/2, a memory 1 / (1 - lambda) of two rounds or more: near 0 the fit interpolates "
               "the last round and rounding breaks P, NaN radii at 1e-8)", low=0.5, high=1.0)
RIDGE = Param("ridge", 1e-3, "ridge penalty of the scorecaster's fit, in squared score units (P_0 = I / ridge)",
              low=0.0, open_low=True)


@kernel
def tracking_step(state, params, score):
    """q += lr t^-decay (1[S > q] - alpha), t = 1, 2, ... over the calibration scores, then the stream (at decay = 0
    the step is lr exactly)."""
    alpha = 1.0 - params[common.Q]
    err = 1.0 if score > state[0] else 0.0
    state[1] += 1.0
    step = params[_LR]
    if params[_DECAY] > 0.0:  # the fixed step pays no exp and log
        step *= math.exp(-params[_DECAY] * math.log(state[1]))
    state[0] += step * (err - alpha)


@kernel
def tracking_radius(state, params):
    return max(state[0], 0.0)


@kernel
def saturation(x, t, params):
    """r_t(x) = K_I tan(x ln(t - b + 1) / (C_sat t - b + 100)) for t >= b, +-inf past +-pi/2; 0 before b, and always
    0 at K_I = 0 (no integrator, as the authors' saturation function returns: K_I times an infinite tangent is not
    read as an infinite radius)."""
    b = params[_BURNIN]
    if t < b or params[_KI] == 0.0:
        return 0.0
    angle = x * math.log(t - b + 1.0) / (params[_CSAT] * t - b + 100.0)
    if angle >= 0.5 * math.pi:
        return math.inf
    if angle <= -0.5 * math.pi:
        return -math.inf
    return params[_KI] * math.tan(angle)


@kernel
def pi_advance(state, params, err):
    """The tracked part's step and the errors counted after the burn-in; returns s + r_t(E_t)."""
    alpha = 1.0 - params[common.Q]
    t = state[2]
    b = params[_BURNIN]
    excess = 0.0
    if t > b:
        state[3] += err
        excess = state[3] - (t - b) * alpha
    state[0] += params[_LR] * (err - alpha)
    state[2] = t + 1.0
    return state[0] + saturation(excess, t, params)


@kernel
def pi_step(state, params, score):
    """q = s + r_t(E_t) after the score's miscoverage 1[S > q]."""
    state[1] = pi_advance(state, params, 1.0 if score > state[1] else 0.0)


@kernel
def pi_radius(state, params):
    return max(state[1], 0.0)


@kernel
def pid_reset(state, params):
    scorecaster.ar_reset(state, _AR, int(params[_LAGS]), params[_RIDGE])


@kernel
def pid_step(state, params, score):
    """q = s^ + s + r_t(E_t): the PI terms after the score's miscoverage 1[S > q], the scorecaster's fit on the
    score, then its forecast s^ of the next one."""
    pi = pi_advance(state, params, 1.0 if score > state[1] else 0.0)
    lags = int(params[_LAGS])
    scorecaster.ar_observe(state, _AR, lags, params[_FORGET], params[_RIDGE], score)
    state[1] = scorecaster.ar_forecast(state, _AR, lags) + pi


def _scaled(name, values, key, fraction):
    """``values[key]``, or when it is None ``fraction`` times the scale D (which then must be known)."""
    return fraction * common.scale_of(name, values) if values[key] is None else values[key]


def _tracking_row(values, k, d, horizon):
    own = [_scaled("quantile_tracking", values, "lr", 0.1), values["decay"]]
    return common.header_row("quantile_tracking", values, own, needs_scale=False)


def _pi_slots(name, values):
    """The PI slots of the row: lr, K_I, C_sat, burn-in (defaults from the scale and the calibration count)."""
    burnin = len(values["calibration"]) if values["burnin"] is None else values["burnin"]
    return [_scaled(name, values, "lr", 0.1), _scaled(name, values, "ki", 1.0), values["csat"], float(burnin)]


def _pi_row(values, k, d, horizon):
    return common.header_row("conformal_pi", values, _pi_slots("conformal_pi", values), needs_scale=False)


def _pid_row(values, k, d, horizon):
    own = _pi_slots("conformal_pid", values) + [float(values["lags"]), values["forget"], values["ridge"]]
    return common.header_row("conformal_pid", values, own, needs_scale=False)


_t_init, _t_act, _t_update = common.score_kernels(common.no_reset, tracking_step, tracking_radius)
_p_init, _p_act, _p_update = common.score_kernels(common.no_reset, pi_step, pi_radius)
_d_init, _d_act, _d_update = common.score_kernels(pid_reset, pid_step, pi_radius)

QUANTILE_TRACKING = LearnerType(
    name="quantile_tracking",
    summary="quantile tracking (conformal P control): q += lr t^-decay (1[S > q] - alpha); decay = 0 a fixed step, "
    "decay in (1/2, 1] steps that decay so the radius converges on i.i.d. scores",
    reference="Angelopoulos, Candes and Tibshirani (NeurIPS 2023), Conformal PID control, Proposition 1: "
    "|mean miscoverage - alpha| <= (B + lr) / (lr T) for scores in [0, B]; decaying steps: Angelopoulos, Barber and "
    "Bates (ICML 2024), Online conformal prediction with decaying step sizes, with (B + eta_1) / (eta_T T) on any sequence",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON + (LR, DECAY),
    state_size=lambda v, k, d: 2,
    row=_tracking_row,
    init=_t_init,
    act=_t_act,
    update=_t_update,
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {"lr": 0.05, "coverage": 0.8}, {"lr": 2.0, "decay": 0.6}),
)

CONFORMAL_PI = LearnerType(
    name="conformal_pi",
    summary="quantile tracking plus an integrator of the excess errors through a saturating tan gain (conformal PI control)",
    reference="Angelopoulos, Candes and Tibshirani (NeurIPS 2023), Conformal PID control for time series prediction, "
    "quantile + integrator (log), as in their public implementation",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON + (LR, KI, CSAT, BURNIN),
    state_size=lambda v, k, d: 4,
    row=_pi_row,
    init=_p_init,
    act=_p_act,
    update=_p_update,
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {"lr": 0.05, "ki": 2.0, "csat": 2.0, "burnin": 1, "coverage": 0.8}),
)

CONFORMAL_PID = LearnerType(
    name="conformal_pid",
    summary="conformal PI control plus a scorecaster: q = s^ + s + r_t(E_t), s^ an AR(p) forecast of the next score "
    "(recursive least squares)",
    reference="Angelopoulos, Candes and Tibshirani (NeurIPS 2023), Conformal PID control for time series prediction, "
    "section 2.3 (scorecasting; theirs a theta model, here AR(p) by recursive least squares)",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON + (LR, KI, CSAT, BURNIN, LAGS, FORGET, RIDGE),
    state_size=lambda v, k, d: 4 + scorecaster.block_size(int(v["lags"])),
    row=_pid_row,
    init=_d_init,
    act=_d_act,
    update=_d_update,
    test_params=({"calibration": [0.3, 1.2, 0.7, 0.9, 0.4]}, {"lr": 0.05, "ki": 0.0, "lags": 3, "forget": 0.95, "coverage": 0.8,
                                                               "scale": 2.0}),
)
