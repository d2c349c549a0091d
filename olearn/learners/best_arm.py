"""Best-arm identification (bandit feedback): find the arm of least mean loss, not low regret on the way.

Each learner names the arm it would recommend now through its ``recommend`` kernel (the engine's
``simple_regret``, ``misidentified`` and ``stopping_time`` metrics read it at every checkpoint; see
:mod:`olearn.engine.arms`).  Empirical mean loss of arm k: mu^_k = L_k / N_k over its N_k plays.

Fixed budget (the horizon T is the budget):

* ``successive_rejects`` (Audibert, Bubeck and Munos, COLT 2010): K - 1 phases; in phase k every arm still
  in play is pulled until it has n_k plays, n_k = ceil((T - K) / (logbar(K) (K + 1 - k))),
  logbar(K) = 1/2 + sum_{i=2}^K 1/i, and then the arm of largest mu^ leaves (the highest index on ties).  The
  last one left is the recommendation.  P(error) <= K (K - 1) / 2 exp(-(T - K) / (logbar(K) H_2)) with
  H_2 = max_i i Delta_(i)^-2 (their Theorem 2).  At most T plays; a leftover goes to the recommendation.
* ``sequential_halving`` (Karnin, Koren and Somekh, ICML 2013): R = ceil(log2 K) rounds; in round r every
  arm still in play is pulled t_r = floor(T / (|S_r| R)) times and the better half, ceil(|S_r| / 2) arms by
  their mean over *this round's* plays, goes on.  P(error) <= 3 log2 K exp(-T / (8 H_2 log2 K)) (their
  Theorem 4.1).

Fixed confidence (plays until a stopping rule certifies the best arm, then keeps playing it):

* ``lucb`` (LUCB1 of Kalyanakrishnan, Tewari, Auer and Stone, ICML 2012): with beta(t) = ln(5 K t^4 / (4 delta)),
  t the plays so far, and width c_k = sqrt(beta(t) / (2 N_k)) (losses in [0, 1]), h = argmin mu^ and
  l = argmin_{k != h} (mu^_k - c_k); play h, then l; stop as soon as mu^_h + c_h < mu^_l - c_l.  With
  probability at least 1 - delta the recommendation h is a best arm (their Theorem 1, which counts rounds
  of two plays in t; counting plays makes beta larger, so the guarantee stands), after
  O(H_1 log(H_1 / delta)) plays, H_1 = sum_k Delta_k^-2 (Delta of the best arm: the second-best gap).
  Each arm is played once first.

Anytime (any budget, no stopping rule):

* ``top_two_thompson`` (Russo, Operations Research 2020, "Simple Bayesian algorithms for best-arm
  identification"): Beta(1 + S_k, 1 + F_k) posteriors as ``thompson`` (rewards 1 - loss, fractional ones
  as Bernoulli trials); draw theta ~ posterior, leader I = argmax theta; with probability beta play I,
  else redraw theta until its argmax J differs from I (at most ``REDRAWS`` times; then J = the best arm
  other than I in the last draw) and play J.  The best arm's share of plays tends to beta, and the
  posterior probability of a wrong answer falls at the optimal exponential rate among beta-allocations
  (his Theorem 1).  Recommendation: argmax of the posterior mean (1 + S_k) / (2 + S_k + F_k).

Every learner here changes its plan in ``act`` from the plays so far, so feedback must not be delayed.
"""
import math
from fractions import Fraction

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, thompson_update, zero_init

#: the top-two draw's coin uses this index of the learner's stream (its Beta draws use far fewer)
COIN = 1 << 40
#: redraws of theta looking for a challenger J != I
REDRAWS = 100


@kernel
def empirical_best(state, k_arms, active_at):
    """argmin_k L_k / N_k over played arms that are still in play (state[active_at + k] > 0; active_at < 0: all
    arms), the lowest index on ties; the lowest-index arm in play when none has been played."""
    best, arm, first = math.inf, -1, -1
    for k in range(k_arms):
        if active_at >= 0 and state[active_at + k] <= 0.0:
            continue
        if first < 0:
            first = k
        if state[k] > 0.0:
            mean = state[k_arms + k] / state[k]
            if mean < best:
                best, arm = mean, k
    return arm if arm >= 0 else first


@kernel
def count_and_sum(state, params, obs, action, feedback, t, seed):
    """N_a += 1, L_a += loss (state: N (K), then L (K))."""
    k_arms = int(params[0])
    a = int(action[0])
    state[a] += 1.0
    state[k_arms + a] += feedback[0]


# ---------------------------------------------------------------- successive rejects
# state: N (K), L (K), in play (K), phases done; row: K, T, n_1 .. n_{K-1}


@kernel
def in_play_init(state, params, seed):
    """Every slot zero, then every arm in play (the flags after N and L)."""
    k_arms = int(params[0])
    zero_init(state, params, seed)
    for k in range(k_arms):
        state[2 * k_arms + k] = 1.0


@kernel
def worst_in_play(state, k_arms, active_at, sums_at, counts_at):
    """argmax of the mean loss sums_k / counts_k (0 when unplayed) over arms in play; the highest index on ties."""
    worst, arm = -math.inf, -1
    for k in range(k_arms):
        if state[active_at + k] <= 0.0:
            continue
        n = state[counts_at + k]
        mean = state[sums_at + k] / n if n > 0.0 else 0.0
        if mean >= worst:
            worst, arm = mean, k
    return arm


@kernel
def sole_arm(state, k_arms, active_at):
    for k in range(k_arms):
        if state[active_at + k] > 0.0:
            return k
    return 0


@kernel
def rejects_act(state, params, obs, t, seed, action):
    """Pull the lowest-index arm in play below n_k; when every one has n_k, reject the worst and move on."""
    k_arms = int(params[0])
    active = 2 * k_arms
    for _ in range(k_arms):
        phase = int(state[3 * k_arms])  # 0-based: phase k + 1 of the paper
        if phase >= k_arms - 1:
            break
        target = params[2 + phase]
        for k in range(k_arms):
            if state[active + k] > 0.0 and state[k] < target:
                action[0] = k
                return
        state[active + worst_in_play(state, k_arms, active, k_arms, 0)] = 0.0
        state[3 * k_arms] = phase + 1.0
    action[0] = sole_arm(state, k_arms, active)


@kernel
def rejects_recommend(state, params, out):
    k_arms = int(params[0])
    out[0] = empirical_best(state, k_arms, 2 * k_arms)
    out[1] = -1.0


def logbar(k: int) -> Fraction:
    """1/2 + sum_{i=2}^K 1/i, exactly."""
    return Fraction(1, 2) + sum((Fraction(1, i) for i in range(2, k + 1)), Fraction(0))


def rejects_schedule(k: int, budget: int) -> list[int]:
    """n_1, ..., n_{K-1}: n_k = ceil((T - K) / (logbar(K) (K + 1 - k))), at least 0."""
    lb = logbar(k)
    return [max(0, math.ceil(Fraction(budget - k) / (lb * (k + 1 - j)))) for j in range(1, k)]


SUCCESSIVE_REJECTS = LearnerType(
    name="successive_rejects",
    summary="successive rejects: K - 1 phases; every arm in play reaches n_k plays, then the worst mean leaves (budget T)",
    reference="Audibert, Bubeck and Munos (COLT 2010), Best arm identification in multi-armed bandits: "
    "P(error) <= K(K-1)/2 exp(-(T - K) / (logbar(K) H_2))",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k + 1,
    row=lambda v, k, d, horizon: [k, float(horizon)] + [float(n) for n in rejects_schedule(k, horizon)],
    init=in_play_init,
    act=rejects_act,
    update=count_and_sum,
    delayable=False,
    recommend=rejects_recommend,
)

# ---------------------------------------------------------------- sequential halving
# state: N (K), L (K), in play (K), this round's plays (K), this round's loss sums (K), round; row: K, T, R, t_0 .. t_{R-1}


@kernel
def halving_act(state, params, obs, t, seed, action):
    """Pull the lowest-index arm in play below t_r plays this round; when all have them, keep the better half."""
    k_arms = int(params[0])
    rounds = int(params[2])
    active, plays, sums = 2 * k_arms, 3 * k_arms, 4 * k_arms
    for _ in range(rounds + 1):
        r = int(state[5 * k_arms])
        if r >= rounds:
            break
        target = params[3 + r]
        for k in range(k_arms):
            if state[active + k] > 0.0 and state[plays + k] < target:
                action[0] = k
                return
        alive = 0
        for k in range(k_arms):
            alive += 1 if state[active + k] > 0.0 else 0
        for _ in range(alive // 2):
            state[active + worst_in_play(state, k_arms, active, sums, plays)] = 0.0
        for k in range(k_arms):
            state[plays + k] = 0.0
            state[sums + k] = 0.0
        state[5 * k_arms] = r + 1.0
    action[0] = sole_arm(state, k_arms, active)


@kernel
def halving_update(state, params, obs, action, feedback, t, seed):
    """N_a, L_a and this round's plays and loss sum of a."""
    k_arms = int(params[0])
    a = int(action[0])
    count_and_sum(state, params, obs, action, feedback, t, seed)
    state[3 * k_arms + a] += 1.0
    state[4 * k_arms + a] += feedback[0]


def halving_schedule(k: int, budget: int) -> list[int]:
    """t_r = floor(T / (|S_r| R)) for r < R = ceil(log2 K), |S_0| = K, |S_{r+1}| = ceil(|S_r| / 2)."""
    rounds = (k - 1).bit_length()  # ceil(log2 K) for K >= 1
    sizes, alive = [], k
    for _ in range(rounds):
        sizes.append(budget // (alive * rounds))
        alive = -(-alive // 2)
    return sizes


SEQUENTIAL_HALVING = LearnerType(
    name="sequential_halving",
    summary="sequential halving: ceil(log2 K) rounds; each arm in play gets floor(T / (|S| ceil(log2 K))) plays, "
    "the better half by this round's means goes on (budget T)",
    reference="Karnin, Koren and Somekh (ICML 2013), Almost optimal exploration in multi-armed bandits: "
    "P(error) <= 3 log2 K exp(-T / (8 H_2 log2 K))",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 5 * k + 1,
    row=lambda v, k, d, horizon: [k, float(horizon), float((k - 1).bit_length())] + [float(n) for n in halving_schedule(k, horizon)],
    init=in_play_init,
    act=halving_act,
    update=halving_update,
    delayable=False,
    recommend=rejects_recommend,  # the best played arm in play: the survivor once one is left
)

# ---------------------------------------------------------------- LUCB
# state: N (K), L (K), then [pending arm or -1, stopped, plays at stopping, recommendation, plays]; row: K, delta

_PENDING, _STOPPED, _STOP_AT, _REC, _PLAYS = 0, 1, 2, 3, 4


@kernel
def lucb_init(state, params, seed):
    k_arms = int(params[0])
    zero_init(state, params, seed)
    state[2 * k_arms + _PENDING] = -1.0


@kernel
def lucb_width(state, k_arms, k, beta):
    return math.sqrt(beta / (2.0 * state[k]))


@kernel
def lucb_act(state, params, obs, t, seed, action):
    """After the stop: the recommendation.  Else an unplayed arm, else the pending second arm l, else check
    the stopping rule on (h, l) and play h."""
    k_arms = int(params[0])
    tail = 2 * k_arms
    if state[tail + _STOPPED] > 0.0:
        action[0] = state[tail + _REC]
        return
    for k in range(k_arms):
        if state[k] <= 0.0:
            action[0] = k
            return
    if state[tail + _PENDING] >= 0.0:
        action[0] = state[tail + _PENDING]
        state[tail + _PENDING] = -1.0
        return
    plays = state[tail + _PLAYS]
    beta = math.log(5.0 * k_arms * plays**4 / (4.0 * params[1]))
    h = empirical_best(state, k_arms, -1)
    low, challenger = math.inf, h
    for k in range(k_arms):
        if k != h:
            lcb = state[k_arms + k] / state[k] - lucb_width(state, k_arms, k, beta)
            if lcb < low:
                low, challenger = lcb, k
    action[0] = h
    if k_arms == 1 or state[k_arms + h] / state[h] + lucb_width(state, k_arms, h, beta) < low:
        state[tail + _STOPPED] = 1.0
        state[tail + _STOP_AT] = plays
        state[tail + _REC] = h
    else:
        state[tail + _PENDING] = challenger


@kernel
def lucb_update(state, params, obs, action, feedback, t, seed):
    count_and_sum(state, params, obs, action, feedback, t, seed)
    state[2 * int(params[0]) + _PLAYS] += 1.0


@kernel
def lucb_recommend(state, params, out):
    k_arms = int(params[0])
    tail = 2 * k_arms
    stopped = state[tail + _STOPPED] > 0.0
    out[0] = state[tail + _REC] if stopped else empirical_best(state, k_arms, -1)
    out[1] = state[tail + _STOP_AT] if stopped else -1.0


LUCB = LearnerType(
    name="lucb",
    summary="LUCB1: play the empirical best h and the most optimistic other arm l until mu^_h + c_h < mu^_l - c_l "
    "(fixed confidence delta), then h",
    reference="Kalyanakrishnan, Tewari, Auer and Stone (ICML 2012), PAC subset selection in stochastic multi-armed "
    "bandits: correct with probability >= 1 - delta after O(H_1 log(H_1 / delta)) plays",
    feedback="bandit",
    params=(N_ARMS, Param("delta", 0.05, "confidence: the recommendation is wrong with probability at most delta",
                          low=0.0, high=1.0, open_low=True, open_high=True)),
    state_size=lambda v, k, d: 2 * k + 5,
    row=lambda v, k, d, horizon: [k, v["delta"]],
    init=lucb_init,
    act=lucb_act,
    update=lucb_update,
    delayable=False,
    recommend=lucb_recommend,
    test_params=({}, {"delta": 0.3}),
)

# ---------------------------------------------------------------- top-two Thompson sampling
# state: S (K), F (K) as thompson's; row: K, beta


@kernel
def posterior_argmax(state, k_arms, seed, t, draw, skip):
    """argmax_k theta_k, theta_k ~ Beta(1 + S_k, 1 + F_k) (draw number ``draw``), over k != skip."""
    arm, best = -1, -math.inf
    for k in range(k_arms):
        if k == skip:
            continue
        theta = rng.beta(seed, rng.LEARNER, t, draw * k_arms + k, 1.0 + state[k], 1.0 + state[k_arms + k])
        if theta > best:
            best, arm = theta, k
    return arm


@kernel
def top_two_act(state, params, obs, t, seed, action):
    """Leader I from one posterior draw; with probability beta I, else the first redraw's argmax J != I."""
    k_arms = int(params[0])
    leader = posterior_argmax(state, k_arms, seed, t, 0, -1)
    action[0] = leader
    if k_arms == 1 or rng.uniform(seed, rng.LEARNER, t, COIN) < params[1]:
        return
    for j in range(1, REDRAWS + 1):
        other = posterior_argmax(state, k_arms, seed, t, j, -1)
        if other != leader:
            action[0] = other
            return
    action[0] = posterior_argmax(state, k_arms, seed, t, REDRAWS, leader)


@kernel
def top_two_recommend(state, params, out):
    """argmax (1 + S_k) / (2 + S_k + F_k), the lowest index on ties."""
    k_arms = int(params[0])
    arm, best = 0, -math.inf
    for k in range(k_arms):
        mean = (1.0 + state[k]) / (2.0 + state[k] + state[k_arms + k])
        if mean > best:
            best, arm = mean, k
    out[0] = arm
    out[1] = -1.0


TOP_TWO_THOMPSON = LearnerType(
    name="top_two_thompson",
    summary="top-two Thompson sampling: the posterior draw's leader with probability beta, else a redraw's "
    "different argmax; recommends the best posterior mean",
    reference="Russo (Operations Research 2020), Simple Bayesian algorithms for best-arm identification: the best "
    "arm's share of plays tends to beta, and the posterior error decays at the optimal rate for that share",
    feedback="bandit",
    params=(N_ARMS, Param("beta", 0.5, "probability of playing the leader", low=0.0, high=1.0, open_low=True, open_high=True)),
    state_size=lambda v, k, d: 2 * k,
    row=lambda v, k, d, horizon: [k, v["beta"]],
    init=zero_init,
    act=top_two_act,
    update=thompson_update,
    recommend=top_two_recommend,
    test_params=({}, {"beta": 0.8}),
)

LEARNERS = (SUCCESSIVE_REJECTS, SEQUENTIAL_HALVING, LUCB, TOP_TWO_THOMPSON)
