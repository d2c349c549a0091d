"""Gaussian-process bandits over a finite set of arms placed at positions x_1..x_K (a grid of a parameter: omega
values, step sizes, prices), where nearby arms have similar mean rewards and one play teaches about its neighbours.

Model.  The mean reward f(x_k) (reward = 1 - loss) has the prior GP(m, k): E f(x_k) = m, Cov(f(x_i), f(x_j)) =
k(x_i, x_j), with ``covariance``

* ``"squared_exponential"``: k(x, x') = v exp(-r^2 / (2 l^2)),
* ``"matern52"``: k(x, x') = v (1 + sqrt(5) r / l + 5 r^2 / (3 l^2)) exp(-sqrt(5) r / l),

r = |x - x'|, l the ``lengthscale``, v the ``variance``; an observed reward is f(x_a) plus N(0, sigma^2) noise.  On a
finite set the posterior is exact and of fixed size: the mean vector mu (K) and covariance matrix S (K x K).  A
reward y of arm a conditions it by one rank-one step (Rasmussen and Williams 2006, section 2.2, one point at a time),

    s = S_aa + sigma^2,   mu <- mu + S_a (y - mu_a) / s,   S <- S - S_a S_a' / s,      (S_a = column a of S)

O(K^2) per reward, in any order of the rewards (conditioning commutes), so delayed feedback is exact.  ``gp_ucb``'s
choice costs O(K); ``gp_thompson``'s factors S every round, O(K^3).

``gp_ucb`` (Srinivas, Krause, Kakade and Seeger, ICML 2010, GP-UCB): play

    argmax_k mu_k + sqrt(beta_t) sqrt(S_kk),      beta_t = 2 ln(K t^2 pi^2 / (6 delta)),  t the 1-based round.

Their Theorem 1 (finite D, f drawn from the prior, k(x, x) <= 1): with probability >= 1 - delta the regret is at
most sqrt(C_1 T beta_T gamma_T) for every T >= 1 at once, C_1 = 8 / ln(1 + sigma^-2), gamma_T the largest
information gain of T plays (checked against a restatement that cites their Theorem 1 and Lemmas 5.1 to 5.4, with
this beta_t for finite D; the paper's own text was not read).  The step behind it (their Lemmas 5.1 to 5.4) holds
on every path of the confidence event: with v = k(x, x) it reads sum_t r_t^2 <= C_1 beta_T I_T,
C_1 = 8 v / ln(1 + v / sigma^2), I_T = ln det(I + sigma^-2 K_T) / 2 the information the plays gave (K_T the prior
covariance of the arms played), which :func:`information_gain` computes from the plays.

``gp_thompson`` (posterior sampling; Russo and Van Roy, Math. of OR 2014, Learning to optimize via posterior
sampling: their abstract (checked) states a connection that turns regret bounds proved for UCB algorithms into
Bayesian regret bounds for posterior sampling, and a secondary source says a Gaussian-process bound is among those
they derive; that its form is GP-UCB's, O(sqrt(T beta_T gamma_T)), is quoted from memory, not checked: the paper's
text beyond its abstract was not found): play argmax_k of one draw f~ ~ N(mu, S), drawn as mu + L z with L the
Cholesky factor of S + 1e-9 v I (the usual jitter: a smooth covariance on a fine grid is singular to rounding; a
pivot that still rounds to <= 0 adds no noise along its direction) and z ~ N(0, I) (stream ``rng.LEARNER``, index k
for z_k).  It plays arm k with the posterior probability that k is the best arm.

Positions default to k / (K - 1), evenly spaced on [0, 1] (0 for one arm), so ``lengthscale`` is a fraction of the
range; given ``positions``, in their units.  Defaults suit rewards in [0, 1]: prior mean 1/2, prior standard
deviation 1/2 (v = 1/4), noise sigma = 1/2 (a [0, 1] reward is 1/2-sub-Gaussian).  Ties go to the lowest index.

Params row: ``[K, l, v, sigma^2, m, ln(K pi^2 / (6 delta)), covariance (0 or 1), x_1..x_K]``.
State: ``mu (K) | S (K x K, row-major) | scratch (K)`` and, for ``gp_thompson``, ``L (K x K)`` after them.

>>> import olearn, environments
>>> env = environments.make("gaussian", means=[0.2, 0.5, 0.7, 0.6, 0.3], sigma=0.5)
>>> r = olearn.run(olearn.make("gp_ucb", lengthscale=0.3), env, horizon=1000, seeds=4, backend="python")
>>> bool(r.final("pseudo_regret").mean() < 100)    # 60.3; uniform play: (0.7 - 0.46) T = 240
True
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param, finite_vector
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS

COVARIANCES = ("squared_exponential", "matern52")
HEAD = 7  # params row before the positions
JITTER = 1e-9  # added to S's diagonal, times v, before gp_thompson factors it

GP_PARAMS = (
    N_ARMS,
    Param("positions", (), "arm k's location x_k, one per arm; empty: evenly spaced on [0, 1]", kind="vector", min_size=0),
    Param("lengthscale", 0.2, "lengthscale l of the covariance, in the positions' units", low=0.0, open_low=True),
    Param("variance", 0.25, "prior variance v = k(x, x) of an arm's mean reward; at most 1e12 noise^2", low=0.0, open_low=True),
    Param("noise", 0.5, "standard deviation sigma of the reward noise", low=0.0, open_low=True),
    Param("prior_mean", 0.5, "prior mean m of every arm's mean reward", low=-1e6, high=1e6),
    Param("covariance", "squared_exponential", "covariance function: 'squared_exponential' or 'matern52'",
          kind="choice", choices=COVARIANCES),
)


def positions(v, k: int, owner: str) -> np.ndarray:
    """The arms' positions: the given ones (one per arm), or k / (K - 1)."""
    x = v["positions"]
    if x.size == 0:
        return np.linspace(0.0, 1.0, k) if k > 1 else np.zeros(1)
    if x.size != k:
        raise ParameterError(owner, "positions", f"{x.size} numbers", f"one position per arm: {k} numbers")
    return np.asarray(x, dtype=float)


SIGNAL_TO_NOISE = 1e12  # largest v / sigma^2


def _row(owner, v, k, delta):
    if v["variance"] > SIGNAL_TO_NOISE * v["noise"] ** 2:
        raise ParameterError(owner, "variance", v["variance"], f"at most {SIGNAL_TO_NOISE:g} noise^2 = "
                             f"{SIGNAL_TO_NOISE * v['noise'] ** 2:g}: the covariance form of the posterior loses "
                             "the noise to rounding beyond that (raise noise, or lower variance)")
    log_term = math.log(k * math.pi ** 2 / (6.0 * delta)) if delta is not None else 0.0
    return [k, v["lengthscale"], v["variance"], v["noise"] ** 2, v["prior_mean"], log_term,
            float(COVARIANCES.index(v["covariance"]))] + positions(v, k, owner).tolist()


@kernel
def covariance(params, i, j):
    """k(x_i, x_j) of the params row.  Far apart it is returned as 0 rather than computed: exp(-r^2 / 2) is 0 in
    double precision beyond r / l ~ 38.6 and exp(-s), s = sqrt(5) r / l, beyond s ~ 745.13, so 0 is what the
    formulas give wherever they are finite; computed, s * s overflows to inf from s ~ 1.3e154 and Matern's
    inf * exp(-s) = inf * 0 is NaN (r * r overflows as well, harmlessly, to exp(-inf) = 0)."""
    r = abs(params[HEAD + i] - params[HEAD + j]) / params[1]
    if params[6] == 0.0:
        if r > 40.0:  # exp(-800) = 0
            return 0.0
        return params[2] * math.exp(-0.5 * r * r)
    s = math.sqrt(5.0) * r
    if s > 750.0:  # exp(-750) = 0
        return 0.0
    return params[2] * (1.0 + s + s * s / 3.0) * math.exp(-s)


@kernel
def gp_init(state, params, seed):
    """mu_k = m, S_ij = k(x_i, x_j), the scratch (and L) zero."""
    k_arms = int(params[0])
    for i in range(state.size):
        state[i] = 0.0
    for i in range(k_arms):
        state[i] = params[4]
        for j in range(k_arms):
            state[k_arms + i * k_arms + j] = covariance(params, i, j)


@kernel
def gp_update(state, params, obs, action, feedback, t, seed):
    """Condition on the reward y = 1 - loss of arm a: s = max(S_aa, 0) + sigma^2, mu += S_a (y - mu_a) / s,
    S -= S_a S_a' / s (S_a copied into the scratch first)."""
    k_arms = int(params[0])
    a = int(action[0])
    cov = k_arms
    col = k_arms + k_arms * k_arms
    for i in range(k_arms):
        state[col + i] = state[cov + i * k_arms + a]
    s = max(state[col + a], 0.0) + params[3]  # S_aa >= 0 but for rounding
    gain = (1.0 - feedback[0] - state[a]) / s
    for i in range(k_arms):
        state[i] += state[col + i] * gain
        ci = state[col + i] / s
        for j in range(k_arms):
            state[cov + i * k_arms + j] -= ci * state[col + j]


@kernel
def gp_ucb_act(state, params, obs, t, seed, action):
    """argmax_k mu_k + sqrt(beta) sqrt(max(S_kk, 0)), beta = 2 (ln(K pi^2 / (6 delta)) + 2 ln(t + 1))."""
    k_arms = int(params[0])
    width = math.sqrt(2.0 * (params[5] + 2.0 * math.log(t + 1.0)))
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        index = state[k] + width * math.sqrt(max(state[k_arms + k * k_arms + k], 0.0))
        if index > best:
            best = index
            arm = k
    action[0] = arm


@kernel
def cholesky(source, dest, n, jitter):
    """dest (n x n, row-major, lower triangle) = the Cholesky factor of source + jitter I; a pivot <= 0 gives
    its column zeros below the diagonal and a zero pivot."""
    for j in range(n):
        d = source[j * n + j] + jitter
        for m in range(j):
            d -= dest[j * n + m] * dest[j * n + m]
        pivot = math.sqrt(d) if d > 0.0 else 0.0
        dest[j * n + j] = pivot
        for i in range(j + 1, n):
            if pivot > 0.0:
                s = source[i * n + j]
                for m in range(j):
                    s -= dest[i * n + m] * dest[j * n + m]
                dest[i * n + j] = s / pivot
            else:
                dest[i * n + j] = 0.0


@kernel
def gp_thompson_act(state, params, obs, t, seed, action):
    """argmax_k (mu + L z)_k, L L' = S + 1e-9 v I, z_k = normal(seed, LEARNER, t, k)."""
    k_arms = int(params[0])
    cov = k_arms
    low = k_arms + k_arms * k_arms + k_arms
    col = low - k_arms
    cholesky(state[cov:col], state[low:low + k_arms * k_arms], k_arms, JITTER * params[2])
    for j in range(k_arms):
        state[col + j] = rng.normal(seed, rng.LEARNER, t, j)
    arm = 0
    best = -math.inf
    for i in range(k_arms):
        sample = state[i]
        for j in range(i + 1):
            sample += state[low + i * k_arms + j] * state[col + j]
        if sample > best:
            best = sample
            arm = i
    action[0] = arm


def information_gain(counts, values: dict, noise: float | None = None) -> float:
    """I_T = ln det(I + sigma^-2 N^(1/2) K N^(1/2)) / 2: the information about f that n_k plays of each arm k give
    (K the prior covariance of ``values``' arms, N = diag(n)); Srinivas et al.'s Lemma 5.3 sum of
    ln(1 + sigma^-2 S_kk) / 2 over the plays, in closed form.

    Allowed: ``counts`` a non-empty 1-d list of finite numbers >= 0, one per arm; ``noise`` sigma finite and > 0, or
    None (``values``' noise); otherwise a ParameterError naming it."""
    allowed = "a non-empty 1-d list of finite play counts >= 0, one per arm"
    n = finite_vector("information_gain", "counts", counts, allowed, low=0.0)
    if noise is not None:
        noise = check_range("information_gain", "noise", noise, 0.0, open_low=True, allowed="a finite number > 0, or None")
    k = n.size
    row = _row("information_gain", values, k, None)
    cov = np.array([[covariance(row, i, j) for j in range(k)] for i in range(k)])
    sigma = values["noise"] if noise is None else noise
    root = np.sqrt(n)
    return 0.5 * np.linalg.slogdet(np.eye(k) + root[:, None] * cov * root[None, :] / sigma ** 2)[1]


def beta(n_arms: int, t: int, delta: float) -> float:
    """beta_t = 2 ln(K t^2 pi^2 / (6 delta)), t the 1-based round, for integers K, t >= 1 and delta in (0, 1)."""
    n_arms = check_integer("beta", "n_arms", n_arms, 1)
    t = check_integer("beta", "t", t, 1, meaning="the 1-based round")
    delta = check_range("beta", "delta", delta, 0.0, 1.0, open_low=True, open_high=True)
    return 2.0 * math.log(n_arms * t * t * math.pi ** 2 / (6.0 * delta))


GP_UCB = LearnerType(
    name="gp_ucb",
    summary="GP-UCB over arms at positions x_k: argmax_k mu_k + sqrt(beta_t) sigma_k of the exact Gaussian-process "
    "posterior (rank-one update per reward), beta_t = 2 ln(K t^2 pi^2 / (6 delta)); nearby arms share what is learnt",
    reference="Srinivas, Krause, Kakade and Seeger (ICML 2010), Gaussian process optimization in the bandit setting: "
    "no regret and experimental design, Thm 1: regret <= sqrt(C_1 T beta_T gamma_T) with probability >= 1 - delta, "
    "C_1 = 8 / ln(1 + sigma^-2), gamma_T the maximum information gain",
    feedback="bandit",
    params=GP_PARAMS + (Param("delta", 0.1, "confidence level of beta_t", low=0.0, high=1.0, open_low=True, open_high=True),),
    state_size=lambda v, k, d: k * k + 2 * k,
    row=lambda v, k, d, horizon: _row("gp_ucb", v, k, v["delta"]),
    init=gp_init,
    act=gp_ucb_act,
    update=gp_update,
    test_params=({}, {"covariance": "matern52", "lengthscale": 0.5, "noise": 0.1, "delta": 0.5}),
)

GP_THOMPSON = LearnerType(
    name="gp_thompson",
    summary="Thompson sampling with a Gaussian-process prior over arms at positions x_k: argmax_k of one draw from "
    "the exact posterior N(mu, S) (Cholesky factor, rank-one update per reward)",
    reference="Russo and Van Roy (Math. of OR 2014), Learning to optimize via posterior sampling (Gaussian-process case): "
    "UCB regret bounds carried over to Bayesian regret of posterior sampling (abstract, checked); GP-UCB's order "
    "O(sqrt(T beta_T gamma_T)) for the GP case (form quoted from memory, not checked); GP model as in "
    "Srinivas et al. (ICML 2010)",
    feedback="bandit",
    params=GP_PARAMS,
    state_size=lambda v, k, d: 2 * k * k + 2 * k,
    row=lambda v, k, d, horizon: _row("gp_thompson", v, k, None),
    init=gp_init,
    act=gp_thompson_act,
    update=gp_update,
    test_params=({}, {"covariance": "matern52", "lengthscale": 0.05, "variance": 1.0, "prior_mean": 0.0}),
)

LEARNERS = (GP_UCB, GP_THOMPSON)
