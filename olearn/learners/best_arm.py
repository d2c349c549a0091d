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
  their mean over *this round's* plays, goes on; the last one is the recommendation (when the rounds use the
  budget exactly, the last halving is the recommendation's).  P(error) <= 3 log2 K exp(-T / (8 H_2 log2 K))
  (their Theorem 4.1).  Give T >= K R: below that the first rounds' t_r are 0, those rounds play nothing, and
  their halvings keep the lowest-index arms unseen (an unplayed arm's mean loss counts as 0, ties drop the
  highest index), so the arms past them are never tried (K = 8, T = 10: t = 0, 0, 1, arms 4..7 never played).

Fixed confidence (plays until a stopping rule certifies the best arm, then keeps playing it):

* ``lucb`` (LUCB1 of Kalyanakrishnan, Tewari, Auer and Stone, ICML 2012): with beta(t) = ln(5 K t^4 / (4 delta)),
  t the plays so far, and width c_k = sqrt(beta(t) / (2 N_k)) (losses in [0, 1]), h = argmin mu^ and
  l = argmin_{k != h} (mu^_k - c_k); play h, then l; stop as soon as mu^_h + c_h < mu^_l - c_l.  With
  probability at least 1 - delta the recommendation h is a best arm (their Theorem 1, which counts rounds
  of two plays in t; counting plays makes beta larger, so the guarantee stands), after
  O(H_1 log(H_1 / delta)) plays, H_1 = sum_k Delta_k^-2 (Delta of the best arm: the second-best gap).
  Each arm is played once first.
* ``track_and_stop`` (Garivier and Kaufmann, COLT 2016, "Optimal best arm identification with fixed
  confidence"), on the mean rewards mu^_k = 1 - L_k / N_k with a divergence d: the Bernoulli kl
  (``divergence="bernoulli"``, both arguments clipped to [1e-12, 1 - 1e-12]) or d(x, y) = (x - y)^2 / (2 sigma^2)
  (``"gaussian"``).  Each arm is played once first; then at t plays, with a^ the empirical best (the lowest
  index on ties):

  - stopping rule (Chernoff's generalized likelihood ratio test): stop as soon as
    Z(t) = min_{b != a^} [N_a^ d(mu^_a^, mu^_a^b) + N_b d(mu^_b, mu^_a^b)] > beta(t, delta) = ln((ln t + 1) / delta),
    mu^_ab = (N_a mu^_a + N_b mu^_b) / (N_a + N_b); recommend a^ and play it from then on.  This beta is the
    heuristic threshold of their experiments: the one they prove delta-correct is larger (ln(2 t (K - 1) / delta)
    on Bernoulli arms), so here delta-correctness is an observation (``tests/test_best_arm.py``), where LUCB's
    threshold above is proven;
  - sampling rule, D-tracking with forced exploration: if some arm has N_a < sqrt(t) - K/2, the least played
    such arm; else argmax_a t w*_a(mu^) - N_a (the lowest index on ties);
  - optimal proportions w*(mu) (their Theorem 5 and Lemma 3), arm 1 the best: for a != 1,
    g_a(x) = d(mu_1, m_a(x)) + x d(mu_a, m_a(x)), m_a(x) = (mu_1 + x mu_a) / (1 + x), increases from 0 to
    d(mu_1, mu_a) with g_a'(x) = d(mu_a, m_a(x)); x_a(y) solves g_a(x) = y; y* in (0, min_a d(mu_1, mu_a)) solves
    F(y) = sum_{a != 1} d(mu_1, m_a(x_a(y))) / d(mu_a, m_a(x_a(y))) = 1; w*_1 = 1 / (1 + sum_a x_a(y*)),
    w*_a = x_a(y*) w*_1.  Gaussian: x_a(y) / (1 + x_a(y)) = 2 sigma^2 y / Delta_a^2 and the ratio is x_a(y)^2, in
    closed form.  Bernoulli: z = x_a(y) / (1 + x_a(y)) by Newton's method from z = y / d(mu_1, mu_a) (dg/dz =
    d(mu_a, m) / (1 - z)^2).  y* by Newton's method on F from min_a d(mu_1, mu_a) / 2, with dF/dy = sum_a
    Delta_a^2 / V(m_a) (z_a + (1 - z_a) r_a) (1 - z_a)^2 / d(mu_a, m_a)^2 (r_a the ratio, V(m) = m (1 - m) or
    sigma^2).  Both iterations keep every step inside the bracket that the signs of g_a - y (of F - 1) have
    left, bisecting it instead of a step that leaves it, and stop once a step moves the variable by at most
    1e-14 of itself (at most 50 steps each; typically 6 outer and 4 inner, about 100 evaluations of g_a at
    K = 5, where nested bisections of 50 steps each take 10,000 for the same weights).  When an other arm's
    empirical mean ties the best's (d = 0), the weights are uniform (and Z = 0: no stop).
  With a threshold ln(C t^alpha / delta), alpha in [1, e/2], they prove limsup E[tau_delta] / ln(1/delta) <=
  alpha T*(mu) as delta -> 0, where T*(mu)^-1 = max_w min_{a != 1} [w_1 d(mu_1, m) + w_a d(mu_a, m)],
  m = (w_1 mu_1 + w_a mu_a) / (w_1 + w_a), is the constant of their lower bound, and w*(mu) attains the max.

Anytime (any budget, no stopping rule):

* ``top_two_thompson`` (Russo, Operations Research 2020, "Simple Bayesian algorithms for best-arm
  identification"): Beta(1 + S_k, 1 + F_k) posteriors as ``thompson`` (rewards 1 - loss, fractional ones
  as Bernoulli trials); draw theta ~ posterior, leader I = argmax theta; with probability beta play I,
  else redraw theta until its argmax J differs from I (at most ``REDRAWS`` times; then J = the best arm
  other than I in the last draw) and play J.  The best arm's share of plays tends to beta, and the
  posterior probability of a wrong answer falls at the optimal exponential rate among beta-allocations
  (his Theorem 1).  Recommendation: argmax of the posterior mean (1 + S_k) / (2 + S_k + F_k).

Successive rejects, sequential halving, LUCB and track-and-stop change their plan in ``act`` from the plays so far
(phases, the pending arm, the stop), so their feedback must not be delayed (``delayable=False``).  Top-two Thompson
sampling's ``act`` only reads the posterior counts, which its update keeps, as ``thompson``'s: it takes delayed
feedback.
"""
import math
from fractions import Fraction

from olearn.core import rng
from olearn.core.errors import check_integer
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
    """1/2 + sum_{i=2}^K 1/i, exactly, for an integer K >= 1."""
    k = check_integer("logbar", "k", k, 1, meaning="the number of arms")
    return Fraction(1, 2) + sum((Fraction(1, i) for i in range(2, k + 1)), Fraction(0))


def _schedule_args(owner: str, k, budget) -> tuple[int, int]:
    """(K, T), both integers >= 1, or a ParameterError naming the first bad one (a bool is not a number here)."""
    return (check_integer(owner, "k", k, 1, meaning="the number of arms"),
            check_integer(owner, "budget", budget, 1, meaning="the number of plays T"))


def rejects_schedule(k: int, budget: int) -> list[int]:
    """n_1, ..., n_{K-1}: n_k = ceil((T - K) / (logbar(K) (K + 1 - k))), at least 0, for integers K, T >= 1."""
    k, budget = _schedule_args("rejects_schedule", k, budget)
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


@kernel
def halving_recommend(state, params, out):
    """The best arm in play by its mean over all its plays, except when the current round is complete (every arm in
    play has t_r plays this round) but its halving is not done yet, which happens after the last play when the
    rounds use the budget exactly: then the best by this round's means, the arm that halving keeps (the lowest
    index on ties, as it drops the highest)."""
    k_arms = int(params[0])
    active, plays, sums = 2 * k_arms, 3 * k_arms, 4 * k_arms
    r = int(state[5 * k_arms])
    complete = r < int(params[2])
    if complete:
        for k in range(k_arms):
            if state[active + k] > 0.0 and state[plays + k] < params[3 + r]:
                complete = False
    out[0] = empirical_best(state, k_arms, active)
    out[1] = -1.0
    if complete:
        best = math.inf
        for k in range(k_arms):
            if state[active + k] > 0.0 and state[plays + k] > 0.0 and state[sums + k] / state[plays + k] < best:
                best = state[sums + k] / state[plays + k]
                out[0] = k


def halving_schedule(k: int, budget: int) -> list[int]:
    """t_r = floor(T / (|S_r| R)) for r < R = ceil(log2 K), |S_0| = K, |S_{r+1}| = ceil(|S_r| / 2), for integers
    K, T >= 1."""
    k, budget = _schedule_args("halving_schedule", k, budget)
    rounds = (k - 1).bit_length()  # ceil(log2 K) for K >= 1
    sizes, alive = [], k
    for _ in range(rounds):
        sizes.append(budget // (alive * rounds))
        alive = -(-alive // 2)
    return sizes


def _halving_row(k: int, budget: int) -> list[float]:
    """[K, T, R, t_0 .. t_{R-1}]: R is the schedule's length."""
    schedule = halving_schedule(k, budget)
    return [k, float(budget), float(len(schedule))] + [float(n) for n in schedule]


SEQUENTIAL_HALVING = LearnerType(
    name="sequential_halving",
    summary="sequential halving: ceil(log2 K) rounds; each arm in play gets floor(T / (|S| ceil(log2 K))) plays, "
    "the better half by this round's means goes on (budget T)",
    reference="Karnin, Koren and Somekh (ICML 2013), Almost optimal exploration in multi-armed bandits: "
    "P(error) <= 3 log2 K exp(-T / (8 H_2 log2 K))",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 5 * k + 1,
    row=lambda v, k, d, horizon: _halving_row(k, horizon),
    init=in_play_init,
    act=halving_act,
    update=halving_update,
    delayable=False,
    recommend=halving_recommend,
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
def lucb_width(state, k, beta):
    return math.sqrt(beta / (2.0 * state[k]))


@kernel
def stopped_or_unplayed(state, k_arms, action):
    """Once stopped, the recommendation; else the lowest-index unplayed arm.  True when either was chosen (state: N,
    L, then the tail above)."""
    tail = 2 * k_arms
    if state[tail + _STOPPED] > 0.0:
        action[0] = state[tail + _REC]
        return True
    for k in range(k_arms):
        if state[k] <= 0.0:
            action[0] = k
            return True
    return False


@kernel
def record_stop(state, tail, plays, arm):
    """The stopping rule fired after ``plays`` plays: stopped, when, and the recommended arm."""
    state[tail + _STOPPED] = 1.0
    state[tail + _STOP_AT] = plays
    state[tail + _REC] = arm


@kernel
def lucb_act(state, params, obs, t, seed, action):
    """After the stop: the recommendation.  Else an unplayed arm, else the pending second arm l, else check
    the stopping rule on (h, l) and play h."""
    k_arms = int(params[0])
    tail = 2 * k_arms
    if stopped_or_unplayed(state, k_arms, action):
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
            lcb = state[k_arms + k] / state[k] - lucb_width(state, k, beta)
            if lcb < low:
                low, challenger = lcb, k
    action[0] = h
    if k_arms == 1 or state[k_arms + h] / state[h] + lucb_width(state, h, beta) < low:
        record_stop(state, tail, plays, h)
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


# ---------------------------------------------------------------- track-and-stop
# state: N (K), L (K), then [y* of the last weights, stopped, plays at stopping, recommendation, plays] as LUCB's tail
# (so its update and recommendation serve), then the last optimal weights w (K); row: K, delta, family, sigma

_LEVEL = _PENDING
DIVERGENCES = ("bernoulli", "gaussian")
#: Bernoulli means are clipped to [KL_CLIP, 1 - KL_CLIP] inside kl (and its variance), so that both stay finite
KL_CLIP = 1e-12
#: at most this many safeguarded Newton steps on the level y (outer) and on a challenger's share z (inner)
NEWTON_STEPS = 50
#: a Newton iteration stops once a step moves its variable by at most this fraction of it
SETTLED = 1e-14


@kernel
def clipped_bernoulli_kl(p, q):
    """kl(p, q) = p ln(p / q) + (1 - p) ln((1 - p) / (1 - q)), both clipped to [KL_CLIP, 1 - KL_CLIP]; as
    p ln(1 + (p - q) / q) + (1 - p) ln(1 + (q - p) / (1 - q)) with log1p, so that close p and q keep their digits
    (track-and-stop's Newton solves compare near means).  KL-UCB's :func:`olearn.learners.bandits.bernoulli_kl` is
    the plain form with 0 log 0 = 0, unclipped: its index inversion reaches p = 0 and q -> 1, and its recorded
    trajectories follow that form's rounding."""
    p = min(max(p, KL_CLIP), 1.0 - KL_CLIP)
    q = min(max(q, KL_CLIP), 1.0 - KL_CLIP)
    return p * math.log1p((p - q) / q) + (1.0 - p) * math.log1p((q - p) / (1.0 - q))


@kernel
def divergence(p, q, family, sigma):
    """d(p, q): Bernoulli kl (family 0) or Gaussian (p - q)^2 / (2 sigma^2) (family 1)."""
    if family > 0.0:
        return (p - q) * (p - q) / (2.0 * sigma * sigma)
    return clipped_bernoulli_kl(p, q)


@kernel
def variance(q, family, sigma):
    """V(q) with d/dq d(p, q) = (q - p) / V(q): q (1 - q) (clipped as in kl) or sigma^2."""
    if family > 0.0:
        return sigma * sigma
    q = min(max(q, KL_CLIP), 1.0 - KL_CLIP)
    return q * (1.0 - q)


@kernel
def mean_reward(state, k_arms, k):
    """mu^_k = 1 - L_k / N_k, the empirical mean reward (N_k > 0)."""
    return 1.0 - state[k_arms + k] / state[k]


@kernel
def pair_cost(z, best, other, family, sigma):
    """g(x) = d(mu_1, m) + x d(mu_a, m) at x = z / (1 - z), m = (mu_1 + x mu_a) / (1 + x) = mu_1 + z (mu_a - mu_1)."""
    if z >= 1.0:
        return divergence(best, other, family, sigma)  # the limit x -> inf
    m = best + z * (other - best)
    return divergence(best, m, family, sigma) + z / (1.0 - z) * divergence(other, m, family, sigma)


def bracketed_newton(newton_iterate):
    """A kernel solve(x, hi, p, q, r, family, sigma): the root in [0, hi] of an increasing function h, from x, where
    newton_iterate(x, p, q, r, family, sigma) is x - h(x) / h'(x) (x itself where h(x) = 0; -inf or +inf, by the sign
    of h(x), where h'(x) is 0 or inf).  Each iterate is kept inside the bracket that the signs of h have left (its
    midpoint instead of an iterate outside it), until a step moves x by at most SETTLED x, or NEWTON_STEPS steps.
    (One definition for both of track-and-stop's iterations; two kernels, as the outer one calls the inner one.)"""

    @kernel
    def solve(x, hi, p, q, r, family, sigma):
        lo = 0.0
        for _ in range(NEWTON_STEPS):
            step = newton_iterate(x, p, q, r, family, sigma)
            if step == x:
                return x
            if step < x:
                hi = x
            else:
                lo = x
            if not lo < step < hi:
                step = 0.5 * (lo + hi)
            if abs(step - x) <= SETTLED * x:
                return step
            x = step
        return x

    return solve


@kernel
def share_newton_step(z, y, best, other, family, sigma):
    """Newton's iterate for g(z / (1 - z)) = y in z: z - (g - y) / (dg/dz), dg/dz = d(mu_a, m) / (1 - z)^2 (as
    g'(x) = d(mu_a, m_a(x)) and dx/dz = 1 / (1 - z)^2)."""
    gap = pair_cost(z, best, other, family, sigma) - y
    if gap == 0.0:
        return z
    slope = divergence(other, best + z * (other - best), family, sigma) / ((1.0 - z) * (1.0 - z)) if z < 1.0 else 0.0
    if not 0.0 < slope < math.inf:
        return -math.inf if gap > 0.0 else math.inf
    return z - gap / slope


#: share_by_newton(z, 1, y, mu_1, mu_a, family, sigma): z_a(y) in [0, 1], g_a(z / (1 - z)) = y, by Newton from z
share_by_newton = bracketed_newton(share_newton_step)


@kernel
def share_at_level(y, best, other, family, sigma):
    """z_a(y) = x_a(y) / (1 + x_a(y)), 0 <= y < d(mu_1, mu_a): Gaussian in closed form, 2 sigma^2 y / Delta_a^2;
    Bernoulli by Newton from that chord z = y / d(mu_1, mu_a)."""
    chord = y / divergence(best, other, family, sigma)
    if family > 0.0:
        return chord
    return share_by_newton(chord, 1.0, y, best, other, family, sigma)


@kernel
def level_newton_step(y, state, k_arms, best, family, sigma):
    """Newton's iterate for F(y) = 1: y - (F(y) - 1) / F'(y), F(y) = sum_{a != 1} r_a, r_a = d(mu_1, m_a) / d(mu_a, m_a)
    at z_a(y) (x_a^2 for Gaussians), dr_a/dy = Delta_a^2 / V(m_a) (z_a + (1 - z_a) r_a) / d(mu_a, m_a) * (1 - z_a)^2 /
    d(mu_a, m_a); -inf where F(y) = inf."""
    mu_best = mean_reward(state, k_arms, best)
    total, slope = 0.0, 0.0
    for a in range(k_arms):
        if a == best:
            continue
        other = mean_reward(state, k_arms, a)
        z = share_at_level(y, mu_best, other, family, sigma)
        m = mu_best + z * (other - mu_best)
        low = divergence(other, m, family, sigma)
        if not (z < 1.0 and low > 0.0):
            return -math.inf
        ratio = (z / (1.0 - z)) * (z / (1.0 - z)) if family > 0.0 else divergence(mu_best, m, family, sigma) / low
        total += ratio
        gap2 = (mu_best - other) * (mu_best - other)
        slope += gap2 / variance(m, family, sigma) * (z + (1.0 - z) * ratio) / low * ((1.0 - z) * (1.0 - z) / low)
    if total == 1.0:
        return y
    if not 0.0 < slope < math.inf:
        return -math.inf if total > 1.0 else math.inf
    return y - (total - 1.0) / slope


#: level_by_newton(y, hi, state, K, best, family, sigma): y* in [0, hi] with F(y*) = 1, by Newton from y
level_by_newton = bracketed_newton(level_newton_step)


@kernel
def level_of_unit_ratio_sum(state, k_arms, best, family, sigma):
    """y* in (0, min_{a != 1} d(mu_1, mu_a)) with F(y*) = 1, by Newton from the middle of that bracket; 0 when some
    other arm's empirical mean ties the best's (d = 0) or K = 1."""
    mu_best = mean_reward(state, k_arms, best)
    hi = math.inf
    for a in range(k_arms):
        if a != best:
            hi = min(hi, divergence(mu_best, mean_reward(state, k_arms, a), family, sigma))
    if not 0.0 < hi < math.inf:
        return 0.0
    return level_by_newton(0.5 * hi, hi, state, k_arms, best, family, sigma)


@kernel
def optimal_weights(state, k_arms, best, family, sigma, at):
    """w*(mu^) into state[at .. at + K): x_a = z_a(y*) / (1 - z_a(y*)), w_1 = 1 / (1 + sum_a x_a), w_a = x_a w_1;
    uniform when y* = 0 (a tie for the best, or K = 1).  Returns y*."""
    y = level_of_unit_ratio_sum(state, k_arms, best, family, sigma)
    mu_best, total = mean_reward(state, k_arms, best), 1.0
    for a in range(k_arms):
        if a != best and y > 0.0:
            z = share_at_level(y, mu_best, mean_reward(state, k_arms, a), family, sigma)
            if not z < 1.0:
                y = 0.0
            else:
                state[at + a] = z / (1.0 - z)
                total += state[at + a]
    if y > 0.0:
        state[at + best] = 1.0
        for a in range(k_arms):
            state[at + a] /= total
        return y
    for a in range(k_arms):
        state[at + a] = 1.0 / k_arms
    return 0.0


@kernel
def glr_statistic(state, k_arms, best, family, sigma):
    """Z = min_{b != a^} N_a^ d(mu^_a^, m) + N_b d(mu^_b, m), m = (N_a^ mu^_a^ + N_b mu^_b) / (N_a^ + N_b); inf when K = 1."""
    n_best, mu_best = state[best], mean_reward(state, k_arms, best)
    low = math.inf
    for b in range(k_arms):
        if b != best:
            mu_b = mean_reward(state, k_arms, b)
            m = (n_best * mu_best + state[b] * mu_b) / (n_best + state[b])
            low = min(low, n_best * divergence(mu_best, m, family, sigma) + state[b] * divergence(mu_b, m, family, sigma))
    return low


@kernel
def least_played_below(state, k_arms, level):
    """argmin N_k over arms with N_k < level (the lowest index on ties); -1 when there is none."""
    arm = -1
    for k in range(k_arms):
        if state[k] < level and (arm < 0 or state[k] < state[arm]):
            arm = k
    return arm


@kernel
def track_and_stop_act(state, params, obs, t, seed, action):
    """After the stop: the recommendation.  Else an unplayed arm; else stop (and play a^) if Z(t) > ln((ln t + 1) / delta);
    else the least played arm with N_a < sqrt(t) - K/2; else argmax_a t w*_a(mu^) - N_a (the lowest index on ties)."""
    k_arms = int(params[0])
    tail = 2 * k_arms
    weights = tail + 5
    if stopped_or_unplayed(state, k_arms, action):
        return
    plays = state[tail + _PLAYS]
    family, sigma = params[2], params[3]
    best = empirical_best(state, k_arms, -1)
    action[0] = best
    if glr_statistic(state, k_arms, best, family, sigma) > math.log((math.log(plays) + 1.0) / params[1]):
        record_stop(state, tail, plays, best)
        return
    starved = least_played_below(state, k_arms, math.sqrt(plays) - 0.5 * k_arms)
    if starved >= 0:
        action[0] = starved
        return
    state[tail + _LEVEL] = optimal_weights(state, k_arms, best, family, sigma, weights)
    lag = -math.inf
    for k in range(k_arms):
        if plays * state[weights + k] - state[k] > lag:
            lag = plays * state[weights + k] - state[k]
            action[0] = k


TRACK_AND_STOP = LearnerType(
    name="track_and_stop",
    summary="track-and-stop: D-tracking of the optimal proportions w*(mu^) with forced exploration, until the GLR "
    "statistic exceeds ln((ln t + 1) / delta) (fixed confidence delta), then the empirical best",
    reference="Garivier and Kaufmann (COLT 2016), Optimal best arm identification with fixed confidence: "
    "E[tau] / ln(1/delta) -> T*(mu), the lower bound's constant",
    feedback="bandit",
    params=(N_ARMS,
            Param("delta", 0.05, "confidence: stop when the GLR statistic exceeds ln((ln t + 1) / delta)",
                  low=0.0, high=1.0, open_low=True, open_high=True),
            Param("divergence", "bernoulli", "d(x, y) of the weights and the GLR: Bernoulli kl or Gaussian (x - y)^2 / (2 sigma^2)",
                  kind="choice", choices=DIVERGENCES),
            Param("sigma", 0.5, "standard deviation of the Gaussian divergence", low=0.0, open_low=True)),
    state_size=lambda v, k, d: 3 * k + 5,
    row=lambda v, k, d, horizon: [k, v["delta"], float(DIVERGENCES.index(v["divergence"])), v["sigma"]],
    init=zero_init,
    act=track_and_stop_act,
    update=lucb_update,
    delayable=False,
    recommend=lucb_recommend,
    test_params=({}, {"delta": 0.3, "divergence": "gaussian", "sigma": 0.6}),
)

LEARNERS = (SUCCESSIVE_REJECTS, SEQUENTIAL_HALVING, LUCB, TOP_TWO_THOMPSON, TRACK_AND_STOP)
