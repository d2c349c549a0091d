"""Online convex optimization learners (problem kind ``oco``): the action is a point x_t of X in R^d.

Every learner reads the feasible set X from the round's context ``obs = [domain code, radius]``
(:mod:`olearn.engine.domains`; D is its diameter) and the feedback row ``[f_t(x_t), g_t, model]``
(:mod:`olearn.engine.oco`).  Rounds ``t`` count from 0, so the textbook round is t + 1.  Pi_X is the
Euclidean projection onto X.  State slot 0 is a flag: the first ``act`` puts the learner at X's centre.

* ``ogd``: x_{t+1} = Pi_X(x_t - eta_t g_t), eta_t = eta D / sqrt(t) (``sqrt``), eta D / sqrt(T) with T the
  known horizon (``fixed``: Zinkevich 2003's minimax-tuned constant step; with eta = 1/G,
  R_T <= D^2 / (2 eta_t) + eta_t G^2 T / 2 = D G sqrt(T)) or 1 / (lam t) (``strongly_convex``; Hazan,
  Agarwal and Kale 2007).
* ``adagrad_norm``: eta_t = eta D / sqrt(sum_{s<=t} ||g_s||^2) (Streeter and McMahan 2010; Ward et al. 2019).
* ``optimistic_omd``: two-step optimistic OMD, hint M_t = g_{t-1} (Chen, Zhang, Tu, Zhao and Zhang,
  ICML 2023, Alg. 1): x_t = Pi_X(xh_t - eta_t M_t), xh_{t+1} = Pi_X(xh_t - eta_t g_t); convex rule
  eta_t = eta D / sqrt(delta + sum_{s<t} ||g_s - M_s||^2) (their Thm 1), strongly convex rule
  eta_t = c / (lam t) (Thm 2).  Only the paper's abstract (arXiv 2302.04552, JMLR 2024) and a restatement of
  its convex step were found, not its body: the theorem numbers here and in ``rule``'s help, the strongly
  convex constant c and the bounds' constants are not checked; ``reference`` gives the abstract's rates.
  The restatement (Wang, Barik, Zhao and Tan, NeurIPS 2025, Sec. 2.2) reads the JMLR convex step as
  D / sqrt(delta' + 4 G^2 + sum_{s<t} ||g_s - M_s||^2), delta' > 0, G bounding the gradients: the rule
  above with eta = 1 and delta = delta' + 4 G^2 (the default delta = 1 leaves out the 4 G^2).
* ``optimistic_omd_entropic``: the same on the simplex with the entropic mirror map (optimistic Hedge):
  x_t ∝ xh_t exp(-eta_t M_t), xh_{t+1} ∝ xh_t exp(-eta_t g_t), eta_t = eta sqrt(ln d) / sqrt(delta + sum ||g_s - M_s||_inf^2).
  On the simplex of total r, <g, x> = <r g, p> with p = x / r: Hedge on the losses r g with its tuned
  rate sqrt(ln d) / (r sqrt(V)) puts sqrt(ln d) / sqrt(V) on g, so the iterates scale with r and regret by r.
* ``optimistic_ftrl`` (Sachs, Hadiji, van Erven and Guzman, NeurIPS 2022; checked against arXiv 2202.07554v2),
  hint M_t = g_{t-1} (M_1 = 0), S_t = sum_{s<t} g_s.  Convex rule, their OFTRL, eq. (2), with the adaptive step
  of their Theorem 5:

      x_t = argmin_X <S_t + M_t, x> + ||x||^2 / eta_t = Pi_X(-(eta_t / 2) (S_t + M_t)),
      eta_t = D^2 / (nu + sum_{s<t} eta_s ||g_s - M_s||^2),

  D the diameter of X, as in the paper (:func:`olearn.engine.domains.step_scale`: 1 on the one-point simplex) and
  nu > 0 (default 2 D, their nu = 2 D G at G = 1).  If every f_t is convex with ||grad f_t|| <= G, nu = 2 D G gives
  R_T(u) <= 3 sqrt(2) D G sqrt(T) + 4 D G on every sequence (deterministic); in the SEA model with F_t L-smooth, E[R_T(u)] <= 6 D
  sqrt(sigma^2_{1:T}) + 3 sqrt(2) D sqrt(Sigma^2_{1:T}) + 3 sqrt(2) D G / 2 + nu + (4 D^2 G^2 + 9 L^2 D^4) / nu
  (both Theorem 5; they need each f_t convex, where Chen et al. need convexity of the mean F_t only).  That is the
  step of the arXiv v2 text; a later paper (Wang, Barik, Zhao and Tan, NeurIPS 2025) restates Sachs et al.'s step as
  D^2 / sum_{s<t} min{eta_s/2 ||g_s - m_s||^2, D ||g_s - m_s||}, perhaps the published version's (not read).  Strongly
  convex rule, their OFTL on the surrogates <g_s, x - x_s> + lam/2 ||x - x_s||^2, eq. (5):
  x_t = Pi_X((lam sum x_s - S_t - M_t) / (lam (t-1))) (Theorem 7; the first point, argmin of <M_1, x> = 0, is
  free: ours is X's centre).
* ``implicit_ftrl``: generalized implicit FTRL (Chen and Orabona, ICML 2023): theta_{t+1} = theta_t + z_t,
  x_{t+1} = Pi_X(-eta_t theta_{t+1}), with z_t from the variant: ``linearized`` z_t = g_t; ``implicit``
  z_t = (w_t - x')/eta_t, x' = prox_{eta_t f_t}(w_t) at the anchor w_t = -eta_t theta_t
  (:func:`olearn.engine.models.prox`; linearized when the feedback carries no model);
  ``aprox`` z_t = beta_t g_t, beta_t = clip((f_t(x_t) - floor + <g_t, w_t - x_t>) / (eta_t ||g_t||^2), 0, 1)
  (Asi and Duchi 2019's truncated model); ``mirror_prox`` z_t = grad f_t(x'), x' = Pi_X(-eta_t (theta_t + g_t))
  (a second gradient, from the model, at the projected look-ahead).  Schedules: eta_t = eta / sqrt(t) or eta.  The prox is taken
  without the constraint, at the unprojected anchor; on a bounded X that is a valid z_t, not the
  constrained implicit step argmin_X F_t + f_t (their regret bound holds for any z_t).  Only the paper's
  abstract (arXiv 2306.00201) was found, not its body: the regret bound in ``reference`` and the
  variants' details are not checked against its theorems.
* ``delayed_dual_averaging``: dual averaging on the feedback received so far, x_t = Pi_X(-eta_t (S + o M)),
  S the sum of received gradients, M the latest received one (o = 1 for the optimistic variant),
  eta_t = eta D / sqrt(sum_s (1 + tau_s) ||g_s - o M_s||^2) over received rounds s, tau_s the rounds
  g_s waited: a (1 + tau)-weighted AdaGrad-norm rate in the spirit of the delay-adaptive rates of
  McMahan and Streeter (2014) and Joulani, Gyorgy and Szepesvari (2016), regret O(D G sqrt((1 + d) T))
  under a fixed delay d.
* ``sea_ensemble``: see :mod:`olearn.learners.oco_ensemble`; ``ons`` and ``optimistic_omd_exp_concave``
  (the exp-concave rule, A-norm mirror map): see :mod:`olearn.learners.oco_newton`.
"""
import math

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains, models
from olearn.engine.oco import require_domains, zero_state

DIM = Param("dim", None, "dimension d; taken from the environment when None", kind="int", low=1, optional=True)
ETA = Param("eta", 1.0, "step-size scale: 1/G (G bounds ||g||) in ogd's and sea_ensemble's eta D / sqrt(t or T), "
            "D/G in implicit_ftrl's eta / sqrt(t); of order 1 in the adaptive rules (eta D / sqrt(sum ||g||^2), "
            "the entropic rate), which scale with the gradients themselves", low=0.0, open_low=True)
LAM = Param("lam", 1.0, "strong-convexity modulus lambda of the losses", low=0.0, open_low=True)
DELTA = Param("delta", 1.0, "constant delta > 0 in the adaptive step eta D / sqrt(delta + sum ||g - M||^2)", low=0.0, open_low=True)


def _dim(name, v, n_actions):
    if v["dim"] is not None and v["dim"] != n_actions:
        raise ParameterError(name, "dim", v["dim"], f"{n_actions}, the environment's dimension")
    return n_actions


@kernel
def start_at_center(state, obs, d, x):
    """First call only (flag state[0] == 0): x = centre of X."""
    if state[0] == 0.0:
        domains.center(int(obs[0]), obs[1], d, x)
        state[0] = 1.0


@kernel
def sq_dist(a, b, d):
    s = 0.0
    for i in range(d):
        diff = a[i] - b[i]
        s += diff * diff
    return s


# ---------------------------------------------------------------- OGD


@kernel
def ogd_act(state, params, obs, t, seed, action):
    d = int(params[0])
    x = state[1 : 1 + d]
    start_at_center(state, obs, d, x)
    for i in range(d):
        action[i] = x[i]


@kernel
def ogd_update(state, params, obs, action, feedback, t, seed):
    """x <- Pi_X(x - eta_t g_t); eta_t = eta D / sqrt(t + 1) (schedule 0), 1 / (lam (t + 1)) (schedule 1)
    or eta D / sqrt(T) (schedule 2, T = params[4] the horizon)."""
    d = int(params[0])
    x = state[1 : 1 + d]
    if params[1] == 0.0:
        eta = params[2] * domains.diameter(int(obs[0]), obs[1], d) / math.sqrt(t + 1.0)
    elif params[1] == 1.0:
        eta = 1.0 / (params[3] * (t + 1.0))
    else:
        eta = params[2] * domains.diameter(int(obs[0]), obs[1], d) / math.sqrt(params[4])
    for i in range(d):
        x[i] -= eta * feedback[1 + i]
    domains.project(int(obs[0]), obs[1], d, x, x)


OGD_SCHEDULES = ("sqrt", "strongly_convex", "fixed")

OGD = LearnerType(
    name="ogd",
    summary="online gradient descent: x <- Pi_X(x - eta_t g_t), eta_t = eta D/sqrt(t), 1/(lam t) or eta D/sqrt(T) (T the horizon)",
    reference="Zinkevich (2003), regret <= 3/2 D G sqrt(T) with eta_t = eta D/sqrt(t), eta = 1/G, and <= D G sqrt(T) with the "
    "constant eta D/sqrt(T) tuned to a known horizon T; Hazan, Agarwal and Kale (2007), "
    "eta_t = 1/(lam t): regret <= G^2/(2 lam) (1 + ln T)",
    feedback="full",
    kind="oco",
    params=(DIM, Param("schedule", "sqrt", "sqrt: eta D/sqrt(t); strongly_convex: 1/(lam t); "
                       "fixed: eta D/sqrt(T), T the horizon (Zinkevich's minimax-tuned constant step)", kind="choice",
                       choices=OGD_SCHEDULES), ETA, LAM),
    state_size=lambda v, k, d: 1 + k,
    row=lambda v, k, d, h: [_dim("ogd", v, k), OGD_SCHEDULES.index(v["schedule"]), v["eta"], v["lam"],
                            float(h) if v["schedule"] == "fixed" else 0.0],  # only the fixed step reads T
    init=zero_state,
    act=ogd_act,
    update=ogd_update,
    test_params=({}, {"schedule": "strongly_convex", "lam": 0.5}, {"schedule": "fixed", "eta": 2.0}),
)

# ---------------------------------------------------------------- AdaGrad-norm


@kernel
def adagrad_norm_update(state, params, obs, action, feedback, t, seed):
    """G2 += ||g_t||^2;  x <- Pi_X(x - eta D / sqrt(G2) g_t)."""
    d = int(params[0])
    x = state[1 : 1 + d]
    for i in range(d):
        state[1 + d] += feedback[1 + i] * feedback[1 + i]
    if state[1 + d] > 0.0:
        eta = params[1] * domains.diameter(int(obs[0]), obs[1], d) / math.sqrt(state[1 + d])
        for i in range(d):
            x[i] -= eta * feedback[1 + i]
        domains.project(int(obs[0]), obs[1], d, x, x)


ADAGRAD_NORM = LearnerType(
    name="adagrad_norm",
    summary="AdaGrad-norm: x <- Pi_X(x - eta D / sqrt(sum_{s<=t} ||g_s||^2) g_t)",
    reference="Streeter and McMahan (2010); Ward, Wu and Bottou (2019); regret <= sqrt(2) D sqrt(sum ||g_t||^2) with eta = 1/sqrt(2)",
    feedback="full",
    kind="oco",
    params=(DIM, ETA),
    state_size=lambda v, k, d: 2 + k,
    row=lambda v, k, d, h: [_dim("adagrad_norm", v, k), v["eta"]],
    init=zero_state,
    act=ogd_act,
    update=adagrad_norm_update,
    test_params=({}, {"eta": 0.3}),
)

# ---------------------------------------------------------------- optimistic OMD (Euclidean)
# state: flag, V = sum ||g_s - M_s||^2, xh (d), M (d);  row: d, rule, eta, delta, lam, c


@kernel
def omd_step(state, params, obs, t, d):
    """eta_t: rule 0 (convex) eta D / sqrt(delta + V); rule 1 (strongly convex) c / (lam (t + 1))."""
    if params[1] == 0.0:
        return params[2] * domains.diameter(int(obs[0]), obs[1], d) / math.sqrt(params[3] + state[1])
    return params[5] / (params[4] * (t + 1.0))


@kernel
def optimistic_omd_act(state, params, obs, t, seed, action):
    """x_t = Pi_X(xh_t - eta_t M_t)."""
    d = int(params[0])
    xh = state[2 : 2 + d]
    start_at_center(state, obs, d, xh)
    eta = omd_step(state, params, obs, t, d)
    for i in range(d):
        action[i] = xh[i] - eta * state[2 + d + i]
    domains.project(int(obs[0]), obs[1], d, action, action)


@kernel
def optimistic_omd_update(state, params, obs, action, feedback, t, seed):
    """xh_{t+1} = Pi_X(xh_t - eta_t g_t); V += ||g_t - M_t||^2; M_{t+1} = g_t."""
    d = int(params[0])
    xh = state[2 : 2 + d]
    eta = omd_step(state, params, obs, t, d)
    for i in range(d):
        xh[i] -= eta * feedback[1 + i]
    domains.project(int(obs[0]), obs[1], d, xh, xh)
    state[1] += sq_dist(feedback[1 : 1 + d], state[2 + d : 2 + 2 * d], d)
    for i in range(d):
        state[2 + d + i] = feedback[1 + i]


RULES = ("convex", "strongly_convex")
RULE = Param("rule", "convex", "step-size rule: convex (adaptive, Thm 1) or strongly_convex (c/(lam t), Thm 2)",
             kind="choice", choices=RULES)

OPTIMISTIC_OMD = LearnerType(
    name="optimistic_omd",
    summary="optimistic OMD (two-step, Euclidean), hint = previous gradient: adaptive or c/(lam t) steps",
    reference="Chen, Zhang, Tu, Zhao and Zhang (ICML 2023; JMLR 2024), rates from the JMLR abstract (the body, with "
    "the theorems' constants, was not found): E[R_T] = O(sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})) "
    "for smooth convex F_t; O((sigma^2_max + Sigma^2_max)/lam log((sigma^2_{1:T} + Sigma^2_{1:T})/(sigma^2_max + Sigma^2_max))) strongly convex",
    feedback="full",
    kind="oco",
    params=(DIM, RULE, ETA, DELTA, LAM, Param("c", 2.0, "constant c of the strongly convex rule c/(lam t)", low=0.0, open_low=True)),
    state_size=lambda v, k, d: 2 + 2 * k,
    row=lambda v, k, d, h: [_dim("optimistic_omd", v, k), RULES.index(v["rule"]), v["eta"], v["delta"], v["lam"], v["c"]],
    init=zero_state,
    act=optimistic_omd_act,
    update=optimistic_omd_update,
    test_params=({}, {"rule": "strongly_convex", "lam": 1.0, "c": 1.0}),
)

# ---------------------------------------------------------------- optimistic OMD, entropic (simplex)
# state: flag, V = sum ||g_s - M_s||_inf^2, log-weights of xh (d), M (d);  row: d, eta, delta


@kernel
def entropic_step(state, params, obs, d):
    if d < 2:
        return 0.0
    return params[1] * math.sqrt(math.log(d)) / math.sqrt(params[2] + state[1])


@kernel
def tilted_simplex_point(logw, vec, eta, r, d, out):
    """out_i = r exp(logw_i - eta vec_i) / sum_j exp(logw_j - eta vec_j) (max subtracted first)."""
    top = -math.inf
    for i in range(d):
        top = max(top, logw[i] - eta * vec[i])
    total = 0.0
    for i in range(d):
        out[i] = math.exp(logw[i] - eta * vec[i] - top)
        total += out[i]
    for i in range(d):
        out[i] = r * out[i] / total


@kernel
def entropic_act(state, params, obs, t, seed, action):
    """x_t ∝ xh_t exp(-eta_t M_t) (xh_1 uniform: log-weights 0)."""
    d = int(params[0])
    state[0] = 1.0
    tilted_simplex_point(state[2 : 2 + d], state[2 + d : 2 + 2 * d], entropic_step(state, params, obs, d), obs[1], d, action)


@kernel
def entropic_update(state, params, obs, action, feedback, t, seed):
    """log xh_{t+1} = log xh_t - eta_t g_t (renormalized to max 0); V += ||g_t - M_t||_inf^2; M = g_t."""
    d = int(params[0])
    eta = entropic_step(state, params, obs, d)
    top = -math.inf
    gap = 0.0
    for i in range(d):
        state[2 + i] -= eta * feedback[1 + i]
        top = max(top, state[2 + i])
        gap = max(gap, abs(feedback[1 + i] - state[2 + d + i]))
    for i in range(d):
        state[2 + i] -= top
        state[2 + d + i] = feedback[1 + i]
    state[1] += gap * gap


OPTIMISTIC_OMD_ENTROPIC = LearnerType(
    name="optimistic_omd_entropic",
    summary="optimistic OMD with the entropic mirror map on the simplex (optimistic Hedge), hint = previous gradient",
    reference="Chen et al. (ICML 2023), Alg. 1 with psi = negative entropy; Rakhlin and Sridharan (2013)",
    feedback="full",
    kind="oco",
    params=(DIM, ETA, DELTA),
    state_size=lambda v, k, d: 2 + 2 * k,
    row=lambda v, k, d, h: [_dim("optimistic_omd_entropic", v, k), v["eta"], v["delta"]],
    init=zero_state,
    act=entropic_act,
    update=entropic_update,
    test_params=({}, {"eta": 3.0}),
)
require_domains("optimistic_omd_entropic", (domains.SIMPLEX,))

# ---------------------------------------------------------------- exponentiated gradient (simplex)
# state: log-weights (d);  row: d, G, eta (0: tuned to T), T


@kernel
def eg_step(params, obs, d):
    """eta as given, else sqrt(2 ln d / T) / (r G): Hedge's tuning for the losses r g_i in [-r G, r G]."""
    if params[2] > 0.0:
        return params[2]
    if d < 2:
        return 0.0
    return math.sqrt(2.0 * math.log(d) / params[3]) / (obs[1] * params[1])


@kernel
def eg_act(state, params, obs, t, seed, action):
    """x = r w / sum w, w_i = exp(log-weight_i)."""
    d = int(params[0])
    tilted_simplex_point(state[:d], state[:d], 0.0, obs[1], d, action)


@kernel
def eg_update(state, params, obs, action, feedback, t, seed):
    """log w_i -= r eta g_i (the linearized loss <g, x> = r <g, p>), renormalized to max 0."""
    d = int(params[0])
    step = obs[1] * eg_step(params, obs, d)
    top = -math.inf
    for i in range(d):
        state[i] -= step * feedback[1 + i]
        top = max(top, state[i])
    for i in range(d):
        state[i] -= top


EXPONENTIATED_GRADIENT = LearnerType(
    name="exponentiated_gradient",
    summary="exponentiated gradient: x ∝ x exp(-eta r g) on the simplex of total r, eta = sqrt(2 ln d / T) / (r G) "
    "unless given (Hedge on the linearized losses; the EG portfolio rule of Helmbold et al.)",
    reference="Kivinen and Warmuth (1997); Helmbold, Schapire, Singer and Warmuth (1998), portfolios: regret <= "
    "r G sqrt(2 T ln d) for gradients with |g_i| <= G at the tuned eta (Hoeffding's lemma on the linearized losses)",
    feedback="full",
    kind="oco",
    params=(DIM, Param("lipschitz", 1.0, "G, a bound on the gradients' entries |g_i| (sets the tuned eta)", low=0.0,
                       open_low=True),
            Param("eta", None, "step size; None: sqrt(2 ln d / T) / (r G), tuned to the horizon T", low=0.0,
                  open_low=True, optional=True)),
    state_size=lambda v, k, d: k,
    row=lambda v, k, d, h: [_dim("exponentiated_gradient", v, k), v["lipschitz"],
                            v["eta"] if v["eta"] is not None else 0.0, float(h) if v["eta"] is None else 0.0],
    init=zero_state,
    act=eg_act,
    update=eg_update,
    test_params=({}, {"eta": 0.7}, {"lipschitz": 3.0}),
)
require_domains("exponentiated_gradient", (domains.SIMPLEX,))

# ---------------------------------------------------------------- optimistic FTRL
# state: flag, A = sum eta_s ||g_s - M_s||^2, n received, S (d), M (d), sum of played points (d);  row: d, rule, nu, lam


@kernel
def oftrl_step(params, obs, a, d):
    """eta_t = D^2 / (nu + A), D the diameter of X, nu = params[2] (0: the default 2 D)."""
    diam = domains.step_scale(int(obs[0]), obs[1], d)
    nu = params[2] if params[2] > 0.0 else 2.0 * diam
    return diam * diam / (nu + a)


@kernel
def optimistic_ftrl_act(state, params, obs, t, seed, action):
    """convex: x_t = Pi_X(-(eta_t / 2) (S + M)); strongly convex: Pi_X((lam sum x_s - S - M) / (lam n)), centre while
    n = 0."""
    d = int(params[0])
    code = int(obs[0])
    state[0] = 1.0
    n = state[2]
    if params[1] == 0.0:
        half = 0.5 * oftrl_step(params, obs, state[1], d)
        for i in range(d):
            action[i] = -half * (state[3 + i] + state[3 + d + i])
    elif n == 0.0:
        domains.center(code, obs[1], d, action)
        return
    else:
        lam = params[3]
        for i in range(d):
            action[i] = (lam * state[3 + 2 * d + i] - state[3 + i] - state[3 + d + i]) / (lam * n)
    domains.project(code, obs[1], d, action, action)


@kernel
def optimistic_ftrl_update(state, params, obs, action, feedback, t, seed):
    """S += g_t; sum x += x_t; A += eta ||g_t - M_t||^2 (convex rule; eta the current step, the one act used when
    feedback is not delayed; under delays, the step of the feedback received so far); M = g_t; n += 1."""
    d = int(params[0])
    if params[1] == 0.0:
        state[1] += oftrl_step(params, obs, state[1], d) * sq_dist(feedback[1 : 1 + d], state[3 + d : 3 + 2 * d], d)
    for i in range(d):
        state[3 + i] += feedback[1 + i]
        state[3 + d + i] = feedback[1 + i]
        state[3 + 2 * d + i] += action[i]
    state[2] += 1.0


OPTIMISTIC_FTRL = LearnerType(
    name="optimistic_ftrl",
    summary="optimistic FTRL, hint = previous gradient: Pi_X(-(eta_t/2) (sum g + M)), eta_t = D^2 / (nu + sum eta_s "
    "||g_s - M_s||^2), or FTL on strongly convex surrogates",
    reference="Sachs, Hadiji, van Erven and Guzman (NeurIPS 2022; arXiv 2202.07554v2), each f_t convex, ||grad f_t|| <= G: "
    "Thm 5, R_T(u) <= 3 sqrt(2) D G sqrt(T) + 4 D G at nu = 2 D G on every sequence; with F_t L-smooth, E[R_T(u)] "
    "<= 6 D sqrt(sigma^2_{1:T}) + 3 sqrt(2) D sqrt(Sigma^2_{1:T}) + 3 sqrt(2) D G/2 + nu + (4 D^2 G^2 + 9 L^2 D^4)/nu; "
    "Thm 7 (F_t lam-strongly convex, rule strongly_convex): <= (1/lam) sum_t (8 sigma^2_max + 4 Sigma^2_max)/t "
    "+ 4 D^2 L^2/lam log(1 + 16 L/lam)",
    feedback="full",
    kind="oco",
    params=(DIM, Param("rule", "convex", "convex (OFTRL with Theorem 5's adaptive step) or strongly_convex (OFTL on "
                       "the lam-strongly convex surrogates, Theorem 7)", kind="choice", choices=RULES),
            Param("nu", None, "nu > 0 in the convex rule's step eta_t = D^2 / (nu + sum_{s<t} eta_s ||g_s - M_s||^2), "
                  "D the diameter of X; None: 2 D (their 2 D G for gradients with ||g|| <= G = 1)", low=0.0, open_low=True,
                  optional=True),
            LAM),
    state_size=lambda v, k, d: 3 + 3 * k,
    row=lambda v, k, d, h: [_dim("optimistic_ftrl", v, k), RULES.index(v["rule"]),
                            v["nu"] if v["nu"] is not None else 0.0, v["lam"]],
    init=zero_state,
    act=optimistic_ftrl_act,
    update=optimistic_ftrl_update,
    test_params=({}, {"nu": 0.3}, {"rule": "strongly_convex", "lam": 1.0}),
)

# ---------------------------------------------------------------- generalized implicit FTRL
# state: flag, theta (d), x (d), anchor w (d), scratch (d);  row: d, variant, schedule, eta, floor

VARIANTS = ("linearized", "implicit", "aprox", "mirror_prox")
SCHEDULES = ("sqrt", "constant")


@kernel
def implicit_ftrl_act(state, params, obs, t, seed, action):
    d = int(params[0])
    x = state[1 + d : 1 + 2 * d]
    if state[0] == 0.0:
        for i in range(d):
            x[i] = 0.0
        domains.project(int(obs[0]), obs[1], d, x, x)  # x_1 = argmin_X ||x||^2
        state[0] = 1.0
    for i in range(d):
        action[i] = x[i]


@kernel
def implicit_ftrl_update(state, params, obs, action, feedback, t, seed):
    """z_t by the variant, theta += z_t, x_{t+1} = Pi_X(-eta_t theta); eta_t = eta / sqrt(t + 1) or eta."""
    d = int(params[0])
    variant = int(params[1])
    eta = params[3] / math.sqrt(t + 1.0) if params[2] == 0.0 else params[3]
    theta = state[1 : 1 + d]
    x = state[1 + d : 1 + 2 * d]
    w = state[1 + 2 * d : 1 + 3 * d]
    z = state[1 + 3 * d : 1 + 4 * d]
    g = feedback[1 : 1 + d]
    model = feedback[1 + d :]
    for i in range(d):
        w[i] = -eta * theta[i]
        z[i] = g[i]
    if variant == 1:
        if models.prox(model, d, w, eta, z):
            for i in range(d):
                z[i] = (w[i] - z[i]) / eta
        else:
            for i in range(d):
                z[i] = g[i]
    elif variant == 2:
        gg = 0.0
        gap = 0.0
        for i in range(d):
            gg += g[i] * g[i]
            gap += g[i] * (w[i] - action[i])
        beta = 0.0
        if gg > 0.0:
            beta = min(max((feedback[0] - params[4] + gap) / (eta * gg), 0.0), 1.0)
        for i in range(d):
            z[i] = beta * g[i]
    elif variant == 3 and int(model[0]) != models.NONE:
        for i in range(d):
            x[i] = w[i] - eta * g[i]  # the look-ahead x' = Pi_X(w - eta g) (x is rewritten below)
        domains.project(int(obs[0]), obs[1], d, x, x)
        models.loss_grad(model, d, x, z)
    for i in range(d):
        theta[i] += z[i]
        x[i] = -eta * theta[i]
    domains.project(int(obs[0]), obs[1], d, x, x)


IMPLICIT_FTRL = LearnerType(
    name="implicit_ftrl",
    summary="generalized implicit FTRL: theta += z_t, x = Pi_X(-eta_t theta); z_t linearized, implicit (prox), aProx or Mirror-Prox",
    reference="Chen and Orabona (ICML 2023), Generalized Implicit Follow-The-Regularized-Leader: "
    "Regret(u) <= psi_{T+1}(u) - min psi_1 + sum_t [F_t(x_t) - F_{t+1}(x_{t+1}) + l_t(x_t) + l_t^*(z_t)] "
    "(not checked: only the paper's abstract was found)",
    feedback="full",
    kind="oco",
    params=(
        DIM,
        Param("variant", "implicit", "how z_t is chosen: " + ", ".join(VARIANTS), kind="choice", choices=VARIANTS),
        Param("schedule", "sqrt", "eta_t = eta/sqrt(t) (sqrt) or eta (constant)", kind="choice", choices=SCHEDULES),
        ETA,
        Param("floor", 0.0, "lower bound of the losses, for the aprox variant's truncated model"),
    ),
    state_size=lambda v, k, d: 1 + 4 * k,
    row=lambda v, k, d, h: [_dim("implicit_ftrl", v, k), VARIANTS.index(v["variant"]), SCHEDULES.index(v["schedule"]), v["eta"], v["floor"]],
    init=zero_state,
    act=implicit_ftrl_act,
    update=implicit_ftrl_update,
    test_params=({}, {"variant": "linearized"}, {"variant": "aprox", "eta": 3.0},
                 {"variant": "mirror_prox", "schedule": "constant", "eta": 0.5}),
)

# ---------------------------------------------------------------- delayed dual averaging
# state: flag, weighted sum W, last round acted, S (d), M (d);  row: d, optimistic, eta


@kernel
def delayed_da_act(state, params, obs, t, seed, action):
    """x_t = Pi_X(-eta_t (S + o M)), eta_t = eta D / sqrt(W) (the centre while W = 0)."""
    d = int(params[0])
    state[0] = 1.0
    state[2] = t
    eta = 0.0
    if state[1] > 0.0:
        eta = params[2] * domains.diameter(int(obs[0]), obs[1], d) / math.sqrt(state[1])
    for i in range(d):
        action[i] = -eta * (state[3 + i] + params[1] * state[3 + d + i])
    domains.project(int(obs[0]), obs[1], d, action, action)


@kernel
def delayed_da_update(state, params, obs, action, feedback, t, seed):
    """Feedback of round t arrives after round state[2]: W += (1 + tau) ||g - o M||^2, tau = state[2] - t; S += g; M = g."""
    d = int(params[0])
    tau = state[2] - t
    dev = 0.0
    for i in range(d):
        diff = feedback[1 + i] - params[1] * state[3 + d + i]
        dev += diff * diff
        state[3 + i] += feedback[1 + i]
        state[3 + d + i] = feedback[1 + i]
    state[1] += (1.0 + tau) * dev


DELAYED_DUAL_AVERAGING = LearnerType(
    name="delayed_dual_averaging",
    summary="adaptive dual averaging on the feedback received so far (optionally optimistic): robust to delays",
    reference="McMahan and Streeter (2014), Delay-tolerant algorithms for asynchronous distributed online learning; "
    "Joulani, Gyorgy and Szepesvari (2016): regret O(D G sqrt((1 + d) T)) under a fixed delay d",
    feedback="full",
    kind="oco",
    params=(DIM, Param("optimistic", False, "add the latest received gradient as a hint", kind="bool"), ETA),
    state_size=lambda v, k, d: 3 + 2 * k,
    row=lambda v, k, d, h: [_dim("delayed_dual_averaging", v, k), float(v["optimistic"]), v["eta"]],
    init=zero_state,
    act=delayed_da_act,
    update=delayed_da_update,
    test_params=({}, {"optimistic": True, "eta": 0.5}),
)

LEARNERS = (OGD, ADAGRAD_NORM, OPTIMISTIC_OMD, OPTIMISTIC_OMD_ENTROPIC, EXPONENTIATED_GRADIENT, OPTIMISTIC_FTRL, IMPLICIT_FTRL, DELAYED_DUAL_AVERAGING)
