"""Linear contextual bandits: per-arm ridge regressions of the reward on a context vector.

* ``linucb``: disjoint LinUCB (Li, Chu, Langford and Schapire, WWW 2010, "A contextual-bandit
  approach to personalized news article recommendation", Algorithm 1).
* ``lin_ts``: linear Thompson sampling (Agrawal and Goyal, ICML 2013, "Thompson sampling for
  contextual bandits with linear payoffs", Algorithm 1) on the same per-arm statistics.
* ``square_cb``: SquareCB (Foster and Rakhlin, ICML 2020, "Beyond UCB: optimal and efficient contextual
  bandits with regression oracles", Algorithm 1) with the same per-arm ridge regressions as its online
  regression oracle.

Conventions (as in :mod:`olearn.learners.bandits`): the engine feeds losses and the learner
regresses the reward ``r = 1 - loss``.  The feature vector of a round is the context
``obs[0..d)`` (``d`` the environment's ``obs_dim``) followed by a constant 1 when
``intercept=True`` (the default: a reward that is affine in the context, such as
``linear_contextual``'s 1/2 + theta.x / 2, is then linear in the features).  A world without
contexts (``obs_dim = 0``) plays with the single feature 1, where LinUCB becomes a per-arm
ridge mean with an ``alpha / sqrt(lam + n_k)`` bonus.  Ties go to the lowest arm index.

>>> import olearn, environments
>>> env = environments.make("linear_contextual", n_arms=3, dim=2)
>>> r = olearn.run(olearn.make("linucb"), env, horizon=50, seeds=2, backend="python", trace=True)
>>> r.actions.shape
(1, 2, 50)
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported
from olearn.learners.contextual import inverse_gap_weights

# params: [K, d, m, lam, alpha]   (m = number of features: d, or d + 1 with the constant)
# state:  x[m] | u[m] (scratch: A^{-1} x) | per arm a: A_a^{-1} (m x m, row-major), b_a (m)


def _n_features(v, d):
    return d + 1 if v["intercept"] or d == 0 else d


def _linucb_size(v, k, d):
    m = _n_features(v, d)
    return 2 * m + k * (m * m + m)


@kernel
def linear_features(state, params, obs):
    """x = (obs[0..d), 1) into state[0..m): the context, then the constant feature when m = d + 1."""
    d = int(params[1])
    m = int(params[2])
    for j in range(d):
        state[j] = obs[j]
    if m > d:
        state[d] = 1.0


@kernel
def inverse_times_x(state, base, m):
    """u = A_a^{-1} x into the scratch state[m .. 2m) (A_a^{-1} at state[base], x at state[0]); returns x' u."""
    width = 0.0
    for i in range(m):
        s = 0.0
        for j in range(m):
            s += state[base + i * m + j] * state[j]
        state[m + i] = s
        width += state[i] * s
    return width


@kernel
def estimate(state, base, m):
    """theta_a . x = b_a . u (A_a^{-1} is symmetric), with u = A_a^{-1} x from :func:`inverse_times_x`."""
    mean = 0.0
    for i in range(m):
        mean += state[base + m * m + i] * state[m + i]
    return mean


@kernel
def linucb_init(state, params, seed):
    """A_a^{-1} = I / lam and b_a = 0 for every arm."""
    k_arms = int(params[0])
    m = int(params[2])
    for i in range(state.size):
        state[i] = 0.0
    inv_lam = 1.0 / params[3]
    for a in range(k_arms):
        base = 2 * m + a * (m * m + m)
        for i in range(m):
            state[base + i * m + i] = inv_lam


@kernel
def linucb_act(state, params, obs, t, seed, action):
    """Play argmax_a theta_a . x + alpha sqrt(x' A_a^{-1} x), theta_a = A_a^{-1} b_a (first index on ties):
    O(m^2) per arm, theta_a never formed."""
    k_arms = int(params[0])
    m = int(params[2])
    alpha = params[4]
    linear_features(state, params, obs)
    arm = 0
    best = -math.inf
    for a in range(k_arms):
        base = 2 * m + a * (m * m + m)
        width = inverse_times_x(state, base, m)
        index = estimate(state, base, m) + alpha * math.sqrt(max(width, 0.0))
        if index > best:
            best = index
            arm = a
    action[0] = arm


@kernel
def linucb_update(state, params, obs, action, feedback, t, seed):
    """For the played arm a, with r = 1 - loss and u = A_a^{-1} x:
    A_a^{-1} <- A_a^{-1} - u u' / (1 + x' u)  (Sherman-Morrison for A_a + x x'),  b_a <- b_a + r x."""
    m = int(params[2])
    a = int(action[0])
    linear_features(state, params, obs)
    ridge_update(state, 2 * m + a * (m * m + m), m, 1.0 - feedback[0])


@kernel
def ridge_update(state, base, m, r):
    """A^{-1} <- A^{-1} - u u' / (1 + x' u) (Sherman-Morrison for A + x x') and b <- b + r x, for x at state[0..m),
    u = A^{-1} x in the scratch state[m..2m), A^{-1} at state[base] and b after it; returns 1 + x' u = det(A + x x') / det A.
    x' u >= 0 enters as |x' u|: rounding leaves it below 0 where A^{-1} is far larger across x than along it (a
    ridge far below lam's 1e-6 floor), and 1 + x' u < 0 would break the update and OFUL's log det."""
    den = 1.0 + abs(inverse_times_x(state, base, m))
    for i in range(m):
        ui = state[m + i] / den
        for j in range(m):
            state[base + i * m + j] -= ui * state[m + j]
        state[base + m * m + i] += r * state[i]
    return den


#: at least 1e-6: A^-1 starts at I / lam and is kept by Sherman-Morrison updates, whose rounding (about
#: machine epsilon / lam) swamps the data's 1/n below that for features of unit scale (LinUCB on linear_contextual,
#: 20,000 rounds: the same regret at lam = 1e-4 .. 1e-8, drifting at 1e-10, doubled at 1e-12, NaN at 1e-100)
LAM = Param("lam", 1.0, "ridge parameter: A_a starts at lam I (at least 1e-6, for features of unit scale)", low=1e-6)
INTERCEPT = Param("intercept", True, "append a constant 1 to the context (always, when the world has no context)",
                  kind="bool")

LINUCB = LearnerType(
    name="linucb",
    summary="LinUCB (disjoint): argmax_a theta_a . x + alpha sqrt(x' A_a^-1 x), per-arm ridge regression of the reward",
    reference="Li, Chu, Langford and Schapire (WWW 2010), A contextual-bandit approach to personalized news article "
    "recommendation, Algorithm 1 (disjoint linear models); A_a = lam I + sum x x', b_a = sum r x, r = 1 - loss, "
    "A_a^-1 kept by Sherman-Morrison updates",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("alpha", 1.0, "exploration: width of the confidence bonus alpha sqrt(x' A_a^-1 x)", low=0.0),
        LAM,
        INTERCEPT,
    ),
    state_size=_linucb_size,
    row=lambda v, k, d, horizon: [k, d, _n_features(v, d), v["lam"], v["alpha"]],
    init=linucb_init,
    act=linucb_act,
    update=linucb_update,
    test_params=({}, {"alpha": 0.5, "lam": 2.0, "intercept": False}),
)

# ---------------------------------------------------------------- linear Thompson sampling


@kernel
def lin_ts_act(state, params, obs, t, seed, action):
    """Play argmax_a x . theta~_a, theta~_a ~ N(theta_a, v^2 A_a^{-1}) independently per arm (first index on ties).

    The paper samples one mu~ ~ N(mu, v^2 B^-1); on the disjoint model B is block-diagonal, so the arms'
    blocks theta~_a are independent, and only x . theta~_a ~ N(theta_a . x, v^2 x' A_a^{-1} x) enters the
    argmax.  It is drawn as theta_a . x + v sqrt(x' A_a^{-1} x) z_a, z_a = rng.normal(seed, LEARNER, t, a):
    the same law of the played arm as the full sample (one normal per arm instead of a Cholesky factor
    of A_a^{-1}: O(K m^2)).
    """
    k_arms = int(params[0])
    m = int(params[2])
    v = params[4]
    linear_features(state, params, obs)
    arm = 0
    best = -math.inf
    for a in range(k_arms):
        base = 2 * m + a * (m * m + m)
        width = inverse_times_x(state, base, m)
        sample = estimate(state, base, m) + v * math.sqrt(max(width, 0.0)) * rng.normal(seed, rng.LEARNER, t, a)
        if sample > best:
            best = sample
            arm = a
    action[0] = arm


LIN_TS = LearnerType(
    name="lin_ts",
    summary="linear Thompson sampling: argmax_a x . theta~_a, theta~_a ~ N(A_a^-1 b_a, v^2 A_a^-1) per arm",
    reference="Agrawal and Goyal (ICML 2013), Thompson sampling for contextual bandits with linear payoffs, "
    "Algorithm 1 (one shared mu~) on the disjoint model: arm a's features e_a (x) x make B block-diagonal, so the "
    "blocks A_a, f = b_a, r = 1 - loss, and the per-arm samples are independent; ridge lam (theirs: lam = 1); their "
    "analysis takes v = R sqrt(24 D ln(1/delta) / eps) with D = K m here, in practice a constant",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("v", 0.5, "scale of the posterior: theta~_a ~ N(theta_a, v^2 A_a^-1)", low=0.0),
        LAM,
        INTERCEPT,
    ),
    state_size=_linucb_size,
    row=lambda v, k, d, horizon: [k, d, _n_features(v, d), v["lam"], v["v"]],
    init=linucb_init,
    act=lin_ts_act,
    update=linucb_update,
    test_params=({}, {"v": 1.0, "lam": 2.0, "intercept": False}),
)

# ---------------------------------------------------------------- SquareCB


def _square_cb_size(v, k, d):
    return _linucb_size(v, k, d) + 2 * k  # then the probabilities p[k] and the predicted losses yhat[k]


@kernel
def square_cb_act(state, params, obs, t, seed, action):
    """Predicted losses yhat_a = 1 - theta_a . x; with b the argmin (first index on ties), p_a = 1 / (K +
    gamma_t (yhat_a - yhat_b)) for a != b and p_b the rest, gamma_t = gamma_scale sqrt(t + 1) (t from 0);
    draw a ~ p and report p_a."""
    k_arms = int(params[0])
    m = int(params[2])
    gamma = params[4] * math.sqrt(t + 1.0)
    linear_features(state, params, obs)
    at = 2 * m + k_arms * (m * m + m)
    probs = state[at : at + k_arms]
    yhat = state[at + k_arms : at + 2 * k_arms]
    best = 0
    for a in range(k_arms):
        base = 2 * m + a * (m * m + m)
        inverse_times_x(state, base, m)
        yhat[a] = 1.0 - estimate(state, base, m)
        if yhat[a] < yhat[best]:
            best = a
    inverse_gap_weights(yhat, best, gamma, probs, k_arms)
    draw_reported(probs, k_arms, seed, t, action)


SQUARE_CB = LearnerType(
    name="square_cb",
    summary="SquareCB: inverse-gap weighting p_a = 1 / (K + gamma_t (yhat_a - yhat_best)) over per-arm ridge predictions "
    "of the loss, gamma_t = gamma_scale sqrt(t)",
    reference="Foster and Rakhlin (ICML 2020), Beyond UCB, Algorithm 1: regret O(sqrt(K T Reg_Sq)) with gamma = "
    "sqrt(K T / Reg_Sq), of order sqrt(T); the anytime gamma_t = 10 sqrt(t) is Vowpal Wabbit's documented default",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("gamma_scale", 10.0, "greediness: the inverse-gap weight is gamma_scale sqrt(t)", low=0.0),
        LAM,
        INTERCEPT,
    ),
    state_size=_square_cb_size,
    row=lambda v, k, d, horizon: [k, d, _n_features(v, d), v["lam"], v["gamma_scale"]],
    init=linucb_init,
    act=square_cb_act,
    update=linucb_update,
    action_dim=2,  # arm, and its probability (off-policy logs, delayed feedback)
    test_params=({}, {"gamma_scale": 2.0, "lam": 2.0, "intercept": False}),
)

LEARNERS = (LINUCB, LIN_TS, SQUARE_CB)
