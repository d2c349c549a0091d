"""NormalHedge: parameter-free experts that compete with the top epsilon-quantile (full information).

Chaudhuri, Freund and Hsu (NeurIPS 2009), A parameter-free hedging algorithm.  The learner plays weights
p_t over N experts (and one expert drawn from p_t, as Hedge does).  After the loss vector l_t in [0, 1]^N
each expert is charged its regret against the mixture's expected loss,

    R_{t,i} = sum_{s <= t} (<p_s, l_s> - l_{s,i}),

the scale c_t > 0 is the solution of the normalisation

    (1/N) sum_i exp([R_{t,i}]_+^2 / (2 c_t)) = e,

and the next weights are the derivative of that half-normal potential,

    p_{t+1,i}  proportional to  ([R_{t,i}]_+ / c_t) exp([R_{t,i}]_+^2 / (2 c_t)).

There is no learning rate and no horizon.  An expert doing no better than the learner (R_{t,i} <= 0) gets
weight exactly zero; while every expert is at or below zero, the learner plays the uniform distribution
(p_1 is uniform; the paper leaves that case free).  The normalisation gives the quantile form of the
guarantee directly: at least eps N experts have regret >= R_eps (the eps-quantile's), so
eps N exp(R_eps^2 / 2c_t) <= N e and R_eps <= sqrt(2 c_t (1 + ln(1/eps))); their analysis bounds c_t by O(T + ln^2 N),
which gives their Theorem 1, regret to the top eps-quantile O(sqrt(T ln(1/eps)) + ln^2 N), with no knowledge of
eps, N's effective size or T; its leading term, sqrt(3 T (1 + ln(1/eps))), is quoted here from memory, not checked
against the paper (:func:`quantile_regret` measures the quantity).

Solving for the scale.  With M = max_i R_{t,i} > 0, x_i = ([R_{t,i}]_+ / M)^2 in [0, 1] and u = M^2 / (2 c_t), the
normalisation reads h(u) = sum_i exp(u x_i) - N e = 0.  h is increasing and convex in u, h(0) = N - N e < 0 and
h(1 + ln N) >= exp(1 + ln N) - N e = 0 (the largest term alone), so Newton's method started at u = 1 + ln N
decreases monotonically to the root; it stops when h <= 0 (the root, to rounding) or a step no longer
decreases u.  Every exponent u x_i is at most 1 + ln N: nothing overflows, whatever the size of R.

State: ``[R_i (N), p_i (N)]``; update reads the p that act played, so feedback must not be delayed.

AdaNormalHedge (Luo and Schapire, COLT 2015, Achieving all with no parameters) replaces the scale by each expert's
own count C_{t,i} = sum_{s <= t} |<p_s, l_s> - l_{s,i}|: with the potential Phi(R, C) = exp([R]_+^2 / 3C),

    w(R, C) = (Phi(R + 1, C + 1) - Phi(R - 1, C + 1)) / 2,      p_{t+1,i}  proportional to  w(R_{t,i}, C_{t,i}),

under the uniform prior (uniform play while every w is 0, i.e. every R_i <= -1).  Nothing is solved per round.
Their Theorem 1, for losses in [0, 1], a prior q over the experts and any horizon (nothing is tuned), bounds the
regret to expert i by

    R_{T,i} <= sqrt(3 C_{T,i} (ln(1/q_i) + ln B + ln(1 + ln N))),      B = 1 + (3/2) sum_j q_j (1 + ln(1 + C_{T,j})),

here with q_j = 1/N, so ln(1/q_i) = ln N (:func:`adanormal_regret_bound`).  That form was checked against a
restatement, not the paper: a third party's notes that cite arXiv:1502.05934 and use its Theorem 1 (their
"Theorem A", a point competitor with a prior, B global and prior-weighted); the paper's own text was not found.
Since every C_{T,j} <= T, B <= 5/2 + (3/2) ln(1 + T) and the bound is O(sqrt(C_{T,i} (ln N + ln ln T))), at most
O(sqrt(T ln N)).  Against an expert with no loss R_{T,i} = C_{T,i} is the learner's own expected loss L_T, so
L_T <= 3 (ln N + ln B + ln(1 + ln N)) = O(ln N + ln ln T): regret that stops growing with T in the realizable case.
Computed in the log domain: ln w = a + ln(1 - exp(-(a - b))) - ln 2 with a, b the two exponents and
a - b = 4R / 3(C + 1) for R >= 1 (b = 0 for -1 < R < 1), so nothing overflows and w's digits survive when a ~ b.
Sleeping experts (their section on them): on a world of sleeping arms (:mod:`environments.sleeping`) only the
awake experts get weight and only their R and C move (r_i = 0 while expert i sleeps), which bounds the regret to
each expert over the rounds it is awake the same way; with every expert awake this is the rule above.
State: ``[R_i (N), C_i (N), p_i (N)]``, p computed by act from the round's awake set; not delayable either.

Registered: ``normal_hedge``, ``adanormal_hedge``.
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer
from olearn.core.kernel import kernel
from olearn.core.params import finite_vector
from olearn.core.spec import LearnerType
from olearn.engine.models import dot
from olearn.learners.bandits import N_ARMS, normalized_exp, zero_init
from olearn.learners.sleeping import awake_regret_update, is_awake

#: the most Newton steps for the scale (from u = 1 + ln N the root is reached in about ln N steps, then
#: quadratically; the loop ends long before this on any input)
SCALE_STEPS = 200


@kernel
def normal_hedge_init(state, params, seed):
    """R = 0, p uniform."""
    n = int(params[0])
    for i in range(n):
        state[i] = 0.0
        state[n + i] = 1.0 / n


@kernel
def normal_hedge_act(state, params, obs, t, seed, action):
    n = int(params[0])
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, state[n : 2 * n], n)


@kernel
def scale_exponent(regrets, n, top):
    """u = M^2 / (2 c) for M = max_i R_i = ``top`` > 0: the root of sum_i exp(u ([R_i]_+ / M)^2) = N e (see the module)."""
    target = n * math.e
    u = 1.0 + math.log(n)
    for _ in range(SCALE_STEPS):
        value = -target
        slope = 0.0
        for i in range(n):
            if regrets[i] > 0.0:
                x = regrets[i] / top
                x *= x
                term = math.exp(u * x)
                value += term
                slope += x * term
            else:
                value += 1.0
        if value <= 0.0:
            break
        nxt = u - value / slope
        if not nxt < u:
            break
        u = nxt
    return u


@kernel
def normal_hedge_weights(state, n):
    """p_i = [R_i]_+ exp(u x_i) / sum_j [R_j]_+ exp(u x_j) into state[N:2N] (uniform while no R_i > 0)."""
    top = 0.0
    for i in range(n):
        top = max(top, state[i])
    weights = state[n : 2 * n]
    if not top > 0.0:
        for i in range(n):
            weights[i] = 1.0 / n
        return
    u = scale_exponent(state[:n], n, top)
    total = 0.0
    for i in range(n):
        if state[i] > 0.0:
            x = state[i] / top
            weights[i] = x * math.exp(u * x * x)
        else:
            weights[i] = 0.0
        total += weights[i]
    for i in range(n):
        weights[i] /= total


@kernel
def normal_hedge_update(state, params, obs, action, feedback, t, seed):
    """R_i += <p_t, l_t> - l_i with the p that act played; then the next p."""
    n = int(params[0])
    mixture = dot(state[n : 2 * n], feedback, n)
    for i in range(n):
        state[i] += mixture - feedback[i]
    normal_hedge_weights(state, n)


def scale(regrets) -> float:
    """The scale c > 0 of the normalisation (1/N) sum_i exp([R_i]_+^2 / 2c) = e (inf while no R_i > 0: the equation
    has no solution there).

    ``regrets``: a non-empty 1-D sequence of finite numbers (no bools); anything else raises
    :class:`~olearn.core.errors.ParameterError` naming ``regrets``."""
    regrets = finite_vector("scale", "regrets", regrets, "a non-empty 1-D sequence of finite numbers")
    top = regrets.max()
    if not top > 0.0:
        return math.inf
    return top * top / (2.0 * scale_exponent(regrets, regrets.size, top))


def quantile_regret(learner_losses, expert_losses, epsilon: float) -> float:
    """Regret to the top eps-quantile: sum_t learner_losses[t] minus the cumulative loss of the ceil(eps N)-th best
    of the N experts (``expert_losses`` is T x N); eps = 1/N is the regret to the best expert."""
    expert_losses = np.asarray(expert_losses, dtype=float)
    n = expert_losses.shape[1]
    if not 0.0 < epsilon <= 1.0:
        raise ParameterError("quantile_regret", "epsilon", epsilon, "0 < epsilon <= 1")
    rank = max(1, math.ceil(epsilon * n - 1e-12))
    return float(np.sum(learner_losses) - np.sort(expert_losses.sum(axis=0))[rank - 1])


def adanormal_regret_bound(counts, i) -> float:
    """Theorem 1's bound on ``adanormal_hedge``'s regret to expert ``i`` (the module docstring, uniform prior):
    sqrt(3 C_i (ln N + ln B + ln(1 + ln N))), B = 1 + (3/2) mean_j (1 + ln(1 + C_j)), for ``counts`` the N >= 1
    finite C_j = sum_t |r_{t,j}| >= 0 (losses in [0, 1]) and an integer 0 <= i < N."""
    owner = "adanormal_regret_bound"
    counts = finite_vector(owner, "counts", counts, "a non-empty 1-D sequence of finite C_j >= 0", low=0.0)
    n = counts.size
    i = check_integer(owner, "i", i, 0, n - 1, meaning="the expert's index, 0 <= i < N")
    spread = 1.0 + 1.5 * float(np.mean(1.0 + np.log1p(counts)))
    return math.sqrt(3.0 * counts[i] * (math.log(n) + math.log(spread) + math.log1p(math.log(n))))


NORMAL_HEDGE = LearnerType(
    name="normal_hedge",
    summary="NormalHedge: p_i ∝ ([R_i]_+ / c) exp([R_i]_+^2 / 2c), R_i the summed regret against the mixture and c "
    "the scale with mean_i exp([R_i]_+^2 / 2c) = e; no step size, no horizon",
    reference="Chaudhuri, Freund and Hsu (NeurIPS 2009), A parameter-free hedging algorithm, Thm 1: regret to the top "
    "eps-quantile of the experts O(sqrt(T ln(1/eps)) + ln^2 N) for every eps at once",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 2 * k,  # R[k], then the weights p[k] of the next round
    row=lambda v, k, d, horizon: [k],
    init=normal_hedge_init,
    act=normal_hedge_act,
    update=normal_hedge_update,
    delayable=False,
)

# ---------------------------------------------------------------- AdaNormalHedge


@kernel
def adanormal_log_weight(r, c):
    """ln w(R, C) = ln((Phi(R + 1, C + 1) - Phi(R - 1, C + 1)) / 2), -inf where w = 0 (R <= -1)."""
    if r <= -1.0:
        return -math.inf
    scale = 3.0 * (c + 1.0)
    a = (r + 1.0) * (r + 1.0) / scale
    gap = 4.0 * r / scale if r >= 1.0 else a
    return a + math.log(-math.expm1(-gap)) - math.log(2.0)


@kernel
def adanormal_hedge_weights(state, params, obs, n):
    """p_i = w_i / sum_j w_j over the awake experts into state[2N:3N] (uniform over them while their w_i are all 0)."""
    weights = state[2 * n : 3 * n]
    alive = False
    awake = 0.0
    for i in range(n):
        weights[i] = -math.inf
        if is_awake(params, obs, i):
            awake += 1.0
            weights[i] = adanormal_log_weight(state[i], state[n + i])
            alive = alive or weights[i] > -math.inf
    if not alive:
        for i in range(n):
            weights[i] = 1.0 / awake if is_awake(params, obs, i) else 0.0
        return
    normalized_exp(weights, weights, n)


@kernel
def adanormal_hedge_act(state, params, obs, t, seed, action):
    n = int(params[0])
    adanormal_hedge_weights(state, params, obs, n)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, state[2 * n : 3 * n], n)


@kernel
def adanormal_hedge_update(state, params, obs, action, feedback, t, seed):
    """r_i = <p_t, l_t> - l_i for the awake experts, with the p that act played; R_i += r_i, C_i += |r_i|."""
    awake_regret_update(state, params, obs, feedback, True)


ADANORMAL_HEDGE = LearnerType(
    name="adanormal_hedge",
    summary="AdaNormalHedge: p_i ∝ (Phi(R_i + 1, C_i + 1) - Phi(R_i - 1, C_i + 1)) / 2, Phi(R, C) = exp([R]_+^2 / 3C), "
    "R_i the summed regret against the mixture and C_i the sum of its absolute values (over the rounds expert i is awake, "
    "on sleeping worlds); no step size, no horizon",
    reference="Luo and Schapire (COLT 2015), Achieving all with no parameters: AdaNormalHedge, Thm 1 (as restated by a "
    "third party; the paper's text not read): regret to expert i <= sqrt(3 C_{T,i} (ln N + ln B + ln(1 + ln N))), "
    "B = 1 + (3/2) mean_j (1 + ln(1 + C_{T,j})), i.e. O(sqrt(C_{T,i} (ln N + ln ln T))), so O(ln N + ln ln T) against "
    "an expert with no loss",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k,  # R[k], C[k], then the weights p[k] played this round
    row=lambda v, k, d, horizon: [k, 0.0, d],  # params[1] unused: is_awake reads obs_dim at params[2]
    init=zero_init,
    act=adanormal_hedge_act,
    update=adanormal_hedge_update,
    sleeping=True,
    delayable=False,
)

LEARNERS = (NORMAL_HEDGE, ADANORMAL_HEDGE)
