"""Second-order learners for exp-concave online convex optimization (problem kind ``oco``).

Both keep a d x d matrix A and move in its norm; the feasible set is a ball, a box, a simplex (online portfolio
selection, Agarwal, Hazan, Kale and Schapire 2006) or R^d.

* ``ons``: online Newton step (Hazan, Agarwal and Kale 2007):
  A_t = eps I + sum_{s<=t} g_s g_s^T,  x_{t+1} = Pi^{A_t}_X(x_t - (1/gamma) A_t^{-1} g_t);
  with gamma = 1/2 min(1/(4 G D), alpha) and eps = 1/(gamma^2 D^2) regret <= 5 (1/alpha + G D) d log T
  for alpha-exp-concave losses, ||g_t|| <= G and diameter D (their Theorem 2; checked against a restatement
  citing it, which adds the hypothesis d log T >= 4).  The defaults gamma = 0.5, eps = 1 are not that tuning.
* ``optimistic_omd_exp_concave``: the exp-concave rule of two-step optimistic OMD (Chen, Zhang, Tu,
  Zhao and Zhang, ICML 2023, Thm 3; constants as reconstructed in the project's paper notes), mirror
  map psi_t(x) = 1/2 x^T A_t x with A_t = delta I + (beta/2) sum_{s<t} g_s g_s^T and hint M_t = g_{t-1}:
  x_t = Pi^{A_t}_X(xh_t - A_t^{-1} M_t),  xh_{t+1} = Pi^{A_t}_X(xh_t - A_t^{-1} g_t);
  with beta = 1/2 min(1/(4 G D), alpha) and delta >= 1 + beta G^2: E[R_T] = O(d log(sigma^2_{1:T} + Sigma^2_{1:T})).
  Checked: only the rate, which is the paper's abstract's.  Its body was not found, so the theorem number, the
  mirror map and the constants beta and delta are not checked against it (beta is the constant of Hazan, Agarwal
  and Kale's exp-concavity lemma, as in ONS).

Pi^A_X is the projection in the A-norm (:mod:`olearn.engine.metric_projection`).
"""
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.metric_projection import a_norm_project, add_outer, shifted_solve
from olearn.engine.oco import require_domains
from olearn.learners.oco import DIM, _dim, ogd_act, start_at_center

@kernel
def identity_scaled_init(state, params, seed):
    """All slots zero, then A = params[2] I (A sits at 1 + 2d in both learners' states)."""
    d = int(params[0])
    for i in range(state.size):
        state[i] = 0.0
    for i in range(d):
        state[1 + 2 * d + i * d + i] = params[2]


# ---------------------------------------------------------------- ONS
# state: flag, x (d), y (d), A (d d), chol (d d + d: the simplex projection's vector), scratch (d);  row: d, gamma, eps


@kernel
def ons_update(state, params, obs, action, feedback, t, seed):
    """A += g g^T;  y = x - (1/gamma) A^{-1} g;  x = Pi^A_X(y)."""
    d = int(params[0])
    x, y = state[1 : 1 + d], state[1 + d : 1 + 2 * d]
    a, chol = state[1 + 2 * d : 1 + 2 * d + d * d], state[1 + 2 * d + d * d : 1 + 3 * d + 2 * d * d]
    scratch = state[1 + 3 * d + 2 * d * d : 1 + 4 * d + 2 * d * d]
    g = feedback[1 : 1 + d]
    add_outer(a, g, 1.0, d)
    shifted_solve(a, 0.0, g, d, chol, y)
    for i in range(d):
        y[i] = x[i] - y[i] / params[1]
    a_norm_project(int(obs[0]), obs[1], d, a, y, chol, scratch, x)


ONS = LearnerType(
    name="ons",
    summary="online Newton step: x <- Pi^A(x - A^{-1} g / gamma), A = eps I + sum g g^T (ball, box, simplex or free domain)",
    reference="Hazan, Agarwal and Kale (2007): regret <= 5 (1/alpha + G D) d log T for alpha-exp-concave losses "
    "with gamma = 1/2 min(1/(4 G D), alpha), eps = 1/(gamma^2 D^2)",
    feedback="full",
    kind="oco",
    params=(DIM, Param("gamma", 0.5, "Newton step scale: x - A^{-1} g / gamma", low=0.0, open_low=True),
            Param("eps", 1.0, "initial A = eps I; the analysis takes eps = 1/(gamma D)^2, which scales with G^2 "
                  "(with gradients far above 1 the default is lost to rounding and the solve only stays finite)", low=0.0, open_low=True)),
    state_size=lambda v, k, d: 1 + 4 * k + 2 * k * k,
    row=lambda v, k, d, h: [_dim("ons", v, k), v["gamma"], v["eps"]],
    init=identity_scaled_init,
    act=ogd_act,
    update=ons_update,
    test_params=({}, {"gamma": 0.1, "eps": 4.0}),
)
require_domains("ons", (domains.BALL, domains.BOX, domains.SIMPLEX, domains.FREE))

# ---------------------------------------------------------------- optimistic OMD, exp-concave rule
# state: flag, xh (d), M (d), A (d d), chol (d d + d), y (d), scratch (d);  row: d, beta, delta


@kernel
def _oe_step(a, base, vec, chol, y, scratch, code, r, d, out):
    """out = Pi^A_X(base - A^{-1} vec) (``y`` holds the unprojected point; ``out`` may be ``base``)."""
    shifted_solve(a, 0.0, vec, d, chol, y)
    for i in range(d):
        y[i] = base[i] - y[i]
    a_norm_project(code, r, d, a, y, chol, scratch, out)


@kernel
def oe_act(state, params, obs, t, seed, action):
    """x_t = Pi^{A_t}_X(xh_t - A_t^{-1} M_t)."""
    d = int(params[0])
    xh, hint = state[1 : 1 + d], state[1 + d : 1 + 2 * d]
    a, chol = state[1 + 2 * d : 1 + 2 * d + d * d], state[1 + 2 * d + d * d : 1 + 3 * d + 2 * d * d]
    y, scratch = state[1 + 3 * d + 2 * d * d : 1 + 4 * d + 2 * d * d], state[1 + 4 * d + 2 * d * d : 1 + 5 * d + 2 * d * d]
    start_at_center(state, obs, d, xh)
    _oe_step(a, xh, hint, chol, y, scratch, int(obs[0]), obs[1], d, action)


@kernel
def oe_update(state, params, obs, action, feedback, t, seed):
    """xh_{t+1} = Pi^{A_t}_X(xh_t - A_t^{-1} g_t);  A_{t+1} = A_t + (beta/2) g_t g_t^T;  M = g_t."""
    d = int(params[0])
    xh, hint = state[1 : 1 + d], state[1 + d : 1 + 2 * d]
    a, chol = state[1 + 2 * d : 1 + 2 * d + d * d], state[1 + 2 * d + d * d : 1 + 3 * d + 2 * d * d]
    y, scratch = state[1 + 3 * d + 2 * d * d : 1 + 4 * d + 2 * d * d], state[1 + 4 * d + 2 * d * d : 1 + 5 * d + 2 * d * d]
    g = feedback[1 : 1 + d]
    _oe_step(a, xh, g, chol, y, scratch, int(obs[0]), obs[1], d, xh)
    for i in range(d):
        hint[i] = g[i]
    add_outer(a, g, 0.5 * params[1], d)


OPTIMISTIC_OMD_EXP_CONCAVE = LearnerType(
    name="optimistic_omd_exp_concave",
    summary="optimistic OMD, exp-concave rule: psi_t = 1/2 x^T A_t x, A_t = delta I + beta/2 sum_{s<t} g g^T, hint g_{t-1}",
    reference="Chen, Zhang, Tu, Zhao and Zhang (ICML 2023), Thm 3: E[R_T] = O(d log(sigma^2_{1:T} + Sigma^2_{1:T})) "
    "with beta = 1/2 min(1/(4 G D), alpha), delta >= 1 + beta G^2 (the rate is the abstract's; the theorem number, "
    "beta and delta are not checked: the paper's body was not found)",
    feedback="full",
    kind="oco",
    params=(DIM, Param("beta", 0.5, "curvature scale beta of A_t", low=0.0, open_low=True),
            Param("delta", 1.0, "initial A = delta I; the theorem needs delta >= 1 + beta G^2 (give it when the gradient "
                  "bound G is known: with gradients far above 1 the default is lost to rounding and the solve only stays finite)", low=0.0,
                  open_low=True)),
    state_size=lambda v, k, d: 1 + 5 * k + 2 * k * k,
    row=lambda v, k, d, h: [_dim("optimistic_omd_exp_concave", v, k), v["beta"], v["delta"]],
    init=identity_scaled_init,
    act=oe_act,
    update=oe_update,
    test_params=({}, {"beta": 2.0, "delta": 0.5}),
)
require_domains("optimistic_omd_exp_concave", (domains.BALL, domains.BOX, domains.SIMPLEX, domains.FREE))

LEARNERS = (ONS, OPTIMISTIC_OMD_EXP_CONCAVE)
