"""The stochastic linear bandit (one parameter shared by all actions): OFUL and linear Thompson sampling.

OFUL: Abbasi-Yadkori, Pál and Szepesvári (NeurIPS 2011), Improved algorithms for linear stochastic bandits.  Each
round the learner sees the K actions' feature vectors x_{t,a} in R^d (``obs``, action by action: the world's
observation has K d numbers, as ``linear_bandit``'s) and plays

    argmax_a <x_{t,a}, theta_hat> + beta_t ||x_{t,a}||_{V^-1},

the ridge estimate theta_hat = V^-1 b, V = lam I + sum_s x_s x_s', b = sum_s r_s x_s over the n played
actions so far (r = 1 - loss), and the radius of their Theorem 2's confidence ellipsoid

    beta_t = R sqrt(2 ln(1/delta) + ln(det V / lam^d)) + sqrt(lam) S,

which holds ||theta_hat - theta||_V <= beta_t at every round at once with probability >= 1 - delta, for
R-sub-Gaussian noise and ||theta|| <= S.  ln det V is kept exactly by the matrix determinant lemma,
det(V + x x') = det V (1 + x' V^-1 x), so no bound L on the features is needed; V^-1 by Sherman-Morrison.
Their Theorem 3 (checked against a restatement citing it, NIPS 2011 p. 5): with ||x|| <= L, ||theta|| <= S,
R-sub-Gaussian noise and <x, theta> in [-1, 1] for every action, the pseudo-regret is at most
4 sqrt(T d ln(lam + T L / d)) (sqrt(lam) S + R sqrt(2 ln(1/delta) + d ln(1 + T L / (lam d)))) for all T at once
with probability 1 - delta (:func:`regret_bound`).  That restatement notes that the paper prints T L / d in both
logarithms where the determinant-trace bound gives T L^2 / d (the printed form is implied for L <= 1), and adds
the hypothesis lam >= max(1, L^2) (for lam < 1 the first logarithm can be negative).

A world without features (``obs_dim = 0``) gives each action its own coordinate, x_a = e_a (d = K): OFUL is
then a UCB with ridge means.  Ties go to the lowest action.

State: ``[x (d) | u = V^-1 x (d) | V^-1 (d x d) | b (d) | ln(det V / lam^d)]``.  Registered: ``oful``.

``lin_ts_shared`` is linear Thompson sampling on the same statistics (Agrawal and Goyal, ICML 2013, Algorithm 1,
whose model is this one: one parameter, a feature vector per action): with V = L L' (Cholesky of V itself,
d^3/6 per round) draw theta~ = L^-T (L^-1 b + v z), z_j = rng.normal(seed, LEARNER, t, j), which is
N(theta_hat, v^2 V^-1), and play argmax_a <x_a, theta~>.
Their analysis takes v = R sqrt(24 d ln(1/delta) / eps); experiments (Chapelle and Li, NeurIPS 2011) use v of
the order of the noise, and so does the default v = 1.  State: ``[x (d) | V (d x d) | b (d) | L (d x d) | theta~ (d)]``.
"""
import math

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine.metric_projection import add_outer, back_solve, cholesky, forward_solve
from olearn.learners.bandits import N_ARMS
from olearn.learners.linear import LAM, estimate, inverse_times_x, ridge_update

# params: [K, per-action features in obs (0: none, one-hot), d, lam, R, S, ln(1/delta)]


def regret_bound(horizon: int, dim: int, lam: float = 1.0, noise: float = 1.0, bound: float = 1.0,
                 delta: float = 0.01, length: float = 1.0) -> float:
    """Theorem 3 of Abbasi-Yadkori et al. as printed: 4 sqrt(T d ln(lam + T L/d)) (sqrt(lam) S + R sqrt(2 ln(1/delta)
    + d ln(1 + T L/(lam d)))) (checked against a restatement, which notes that the proof gives T L^2 / d in both
    logarithms: the same at L = 1, implied for L <= 1; see the module docstring).

    Allowed: ``horizon`` T and ``dim`` d integers >= 1; ``lam`` > 0 with lam + T L / d >= 1 (the first logarithm is
    then >= 0); ``noise`` R, ``bound`` S and ``length`` L >= 0; ``delta`` in (0, 1); all finite.  Otherwise a
    ParameterError naming the first bad one."""
    owner = "regret_bound"
    horizon = check_integer(owner, "horizon", horizon, 1)
    dim = check_integer(owner, "dim", dim, 1)
    lam = check_range(owner, "lam", lam, 0.0, open_low=True)
    noise = check_range(owner, "noise", noise, 0.0)
    bound = check_range(owner, "bound", bound, 0.0)
    delta = check_range(owner, "delta", delta, 0.0, 1.0, open_low=True, open_high=True)
    length = check_range(owner, "length", length, 0.0)
    if lam + horizon * length / dim < 1.0:
        raise ParameterError(owner, "lam", lam, f"a finite number > 0 with lam + horizon * length / dim >= 1 (here "
                             f"horizon * length / dim = {horizon * length / dim:g}): ln(lam + T L / d) must be >= 0")
    radius = math.sqrt(lam) * bound + noise * math.sqrt(2 * math.log(1 / delta) + dim * math.log(1 + horizon * length / (lam * dim)))
    return 4.0 * math.sqrt(horizon * dim * math.log(lam + horizon * length / dim)) * radius


@kernel
def action_features(state, params, obs, a):
    """x = x_{t,a} into state[0..d): obs[a p .. (a + 1) p) with p features per action, or e_a when p = 0."""
    per = int(params[1])
    d = int(params[2])
    for j in range(d):
        state[j] = obs[a * per + j] if per > 0 else (1.0 if j == a else 0.0)


@kernel
def scaled_identity_at(state, start, d, value):
    """Every slot 0, then the d x d matrix at state[start] = value I."""
    for i in range(state.size):
        state[i] = 0.0
    for i in range(d):
        state[start + i * d + i] = value


@kernel
def oful_init(state, params, seed):
    """V^-1 = I / lam, b = 0, ln(det V / lam^d) = 0."""
    d = int(params[2])
    scaled_identity_at(state, 2 * d, d, 1.0 / params[3])


@kernel
def oful_act(state, params, obs, t, seed, action):
    """argmax_a <x_a, theta_hat> + beta ||x_a||_{V^-1} (theta_hat never formed: <x, V^-1 b> = <b, V^-1 x>)."""
    k_arms = int(params[0])
    d = int(params[2])
    lam, noise, bound, log_inv_delta = params[3], params[4], params[5], params[6]
    log_det = state[3 * d + d * d]
    beta = noise * math.sqrt(2.0 * log_inv_delta + log_det) + math.sqrt(lam) * bound
    arm = 0
    best = -math.inf
    for a in range(k_arms):
        action_features(state, params, obs, a)
        width = inverse_times_x(state, 2 * d, d)
        index = estimate(state, 2 * d, d) + beta * math.sqrt(max(width, 0.0))
        if index > best:
            best = index
            arm = a
    action[0] = arm


@kernel
def oful_update(state, params, obs, action, feedback, t, seed):
    """V <- V + x x' (V^-1 by Sherman-Morrison), b <- b + r x, ln det V += ln(1 + x' V^-1 x), x the played action's."""
    d = int(params[2])
    action_features(state, params, obs, int(action[0]))
    state[3 * d + d * d] += math.log(ridge_update(state, 2 * d, d, 1.0 - feedback[0]))


def _features(k, obs_dim, owner="oful"):
    """(features per action in obs, d): (0, K) without features, else (obs_dim / K, obs_dim / K)."""
    if obs_dim == 0:
        return 0, k
    if obs_dim % k:
        raise ParameterError(owner, "environment", f"{obs_dim} observed numbers for {k} actions",
                             "a world whose observation holds one feature vector per action (K d numbers), or none")
    return obs_dim // k, obs_dim // k


def _oful_row(v, k, d, horizon):
    per, dim = _features(k, d)
    return [k, per, dim, v["lam"], v["noise"], v["bound"], math.log(1.0 / v["delta"])]


def _oful_size(v, k, d):
    dim = _features(k, d)[1]
    return 3 * dim + dim * dim + 1


OFUL = LearnerType(
    name="oful",
    summary="OFUL: argmax_a <x_a, theta_hat> + beta_t ||x_a||_V^-1, one ridge estimate shared by all actions, beta_t "
    "the radius of the self-normalized confidence ellipsoid",
    reference="Abbasi-Yadkori, Pál and Szepesvári (NeurIPS 2011), Improved algorithms for linear stochastic bandits, "
    "Thm 2: beta_t = R sqrt(2 ln(1/delta) + ln(det V_t / lam^d)) + sqrt(lam) S; Thm 3: regret O(d sqrt(T) ln T)",
    feedback="bandit",
    params=(
        N_ARMS,
        LAM,
        Param("noise", 1.0, "R: the reward noise is R-sub-Gaussian", low=0.0),
        Param("bound", 1.0, "S: a bound on ||theta||", low=0.0),
        Param("delta", 0.01, "the confidence ellipsoid may fail with probability delta, in (0, 1)", low=0.0, high=1.0,
              open_low=True, open_high=True),
    ),
    state_size=_oful_size,
    row=_oful_row,
    init=oful_init,
    act=oful_act,
    update=oful_update,
    test_params=({}, {"lam": 2.0, "noise": 0.3, "bound": 2.0, "delta": 0.2}),
)

# ---------------------------------------------------------------- linear Thompson sampling, one shared parameter


@kernel
def lin_ts_shared_act(state, params, obs, t, seed, action):
    """theta~ = L^-T (L^-1 b + v z) with V = L L' (so theta~ ~ N(V^-1 b, v^2 V^-1)); play argmax_a <x_a, theta~>
    (first index on ties).  V itself is factored, not V^-1, so a tiny ridge loses nothing to cancellation."""
    k_arms = int(params[0])
    d = int(params[2])
    v = params[4]
    chol = state[2 * d + d * d : 2 * d + 2 * d * d]
    at = 2 * d + 2 * d * d  # theta~
    for i in range(d * d):
        chol[i] = state[d + i]
    cholesky(chol, d)
    for i in range(d):
        state[at + i] = state[d + d * d + i]
    forward_solve(chol, d, state, at)
    for i in range(d):
        state[at + i] += v * rng.normal(seed, rng.LEARNER, t, i)
    back_solve(chol, d, state, at)
    arm = 0
    best = -math.inf
    for a in range(k_arms):
        action_features(state, params, obs, a)
        score = 0.0
        for j in range(d):
            score += state[j] * state[at + j]
        if score > best:
            best = score
            arm = a
    action[0] = arm


@kernel
def lin_ts_shared_init(state, params, seed):
    """V = lam I, b = 0."""
    d = int(params[2])
    scaled_identity_at(state, d, d, params[3])


@kernel
def lin_ts_shared_update(state, params, obs, action, feedback, t, seed):
    """V <- V + x x', b <- b + r x, x the played action's features."""
    d = int(params[2])
    action_features(state, params, obs, int(action[0]))
    add_outer(state[d : d + d * d], state, 1.0, d)
    r = 1.0 - feedback[0]
    for i in range(d):
        state[d + d * d + i] += r * state[i]


def _lin_ts_shared_size(v, k, d):
    dim = _features(k, d)[1]
    return 3 * dim + 2 * dim * dim


def _lin_ts_shared_row(v, k, d, horizon):
    per, dim = _features(k, d, "lin_ts_shared")
    return [k, per, dim, v["lam"], v["v"]]


LIN_TS_SHARED = LearnerType(
    name="lin_ts_shared",
    summary="linear Thompson sampling with one shared parameter: theta~ ~ N(V^-1 b, v^2 V^-1) (drawn as L^-T (L^-1 b + v z), "
    "V = L L'), play argmax_a <x_a, theta~>",
    reference="Agrawal and Goyal (ICML 2013), Thompson sampling for contextual bandits with linear payoffs, Algorithm 1 "
    "(regret O(d^(3/2) sqrt(T)) up to logarithms with their v); Abeille and Lazaric (2017)",
    feedback="bandit",
    params=(
        N_ARMS,
        LAM,
        Param("v", 1.0, "scale of the posterior draw (the paper's analysis: R sqrt(24 d ln(1/delta) / eps))", low=0.0),
    ),
    state_size=_lin_ts_shared_size,
    row=_lin_ts_shared_row,
    init=lin_ts_shared_init,
    act=lin_ts_shared_act,
    update=lin_ts_shared_update,
    test_params=({}, {"lam": 2.0, "v": 0.3}),
)

LEARNERS = (OFUL, LIN_TS_SHARED)
