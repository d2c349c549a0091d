"""Bandits for piecewise-stationary worlds: UCB on discounted or windowed statistics (bandit feedback).

Discounted UCB (D-UCB; Garivier and Moulines, ALT 2011, "On upper-confidence bound policies for
switching bandit problems"), with rewards r = 1 - loss in [0, 1] (their B = 1).  After each feedback
every arm's statistics are discounted,

    N_k <- gamma N_k + 1[a = k],    S_k <- gamma S_k + r 1[a = k],

and the learner plays argmax_k S_k / N_k + 2 sqrt(xi ln n / N_k), n = sum_k N_k; arms with N_k = 0 (never
played, or discounted to 0 in floating point) are tried first, in index order, and remaining ties go to
the lowest index.  With Upsilon the number of
breakpoints the horizon is expected to hold (``breakpoints``), gamma = 1 - sqrt(Upsilon / T) / 4 gives
regret O(sqrt(T Upsilon) log T) (their Theorem 1).  Under delayed feedback the discount counts feedbacks
as they arrive.

Discounted Thompson sampling (Raj and Kalyani 2017): Thompson sampling's Beta(1 + S_k, 1 + F_k) draws on success
and failure counts discounted the same way, S_k <- gamma S_k + 1[a = k, success], F_k <- gamma F_k + 1[a = k,
failure] (a reward r in [0, 1] is a success with probability r, as for ``thompson``); gamma defaults to D-UCB's.

Sliding-window UCB (SW-UCB, the same paper): the statistics are those of the last tau feedbacks only,
N_k = plays of arm k among them and S_k their summed rewards, and the learner plays
argmax_k S_k / N_k + sqrt(xi ln(min(n, tau)) / N_k) (their c_t(tau, i) with B = 1; n feedbacks so far, so
min(n, tau) = sum_k N_k); arms absent from the window first, in index order.  tau = 2 sqrt(T ln T / Upsilon)
gives regret O(sqrt(T Upsilon ln T)) (their Theorem 2); the default 200 is the window of Seznec et al.'s
(2019) comparisons.  The window's arms and rewards are kept: 2 tau + 2K + 2 numbers per seed, so tau is
given, not derived from the horizon.

Exp3.S (Auer, Cesa-Bianchi, Freund and Schapire, SIAM J. Computing 2002, section 8), for adversaries whose
best arm switches: with rewards x = 1 - loss in [0, 1], play p_k = (1 - gamma) w_k / W + gamma / K; after
arm a's reward, x^_a = x / p_a and

    w_k <- w_k exp(gamma x^_k / K) + (e alpha / K) W        (x^_k = 0 for k != a, W the total before),

the share term letting an arm that lost weight come back.  alpha = 1 / T and gamma = min(1,
sqrt(K (S ln(KT) + e) / ((e - 1) T))) bound the expected regret against every sequence of arms with S
switches by 2 sqrt(e - 1) sqrt(K T (S ln(KT) + e)) (their Corollary 8.3).  As recalled (the paper's text was not
found), their S is the sequence's "hardness", 1 + its switches: the default gamma plugs in ``switches`` itself, a
slightly smaller gamma than theirs for that sequence, and the bound with S = switches is the stricter one, which
tests/test_regret.py asserts.  The weights are kept divided by their total (the update scales with them), so they
neither overflow nor underflow.

Rexp3 (Besbes, Gur and Zeevi, NeurIPS 2014, "Stochastic multi-armed-bandit problem with non-stationary rewards"):
Exp3 restarted at the start of every batch of Delta rounds, for means that drift with a total variation
V_T = sum_t max_k |mu_{t+1,k} - mu_{t,k}| known in advance.  Within a batch it is Exp3.S with alpha = 0 (Auer et
al.'s Exp3 in its reward form, the weights kept divided by their total); Delta = ceil((K ln K)^(1/3) (T/V_T)^(2/3))
and gamma = min(1, sqrt(K ln K / ((e - 1) Delta))) bound the regret against the best arm of each round by
C (K ln K V_T)^(1/3) T^(2/3) (their Theorem 2, C an absolute constant).  Under delays, feedback emitted in an
earlier batch than the current one is dropped: the restart has forgotten that batch.

M-UCB (Cao, Wen, Kveton and Xie, AISTATS 2019, "Nearly optimal adaptive procedure with change detection for
piecewise-stationary bandit", Algorithm 1): UCB on the samples since the last detected change, with forced
uniform exploration and a two-window change detector on each arm.  With tau the first round of the current
statistics (0 at the start), o = t - tau and L = floor(K / gamma), the learner plays arm o mod L when
o mod L < K (round robin: a share gamma of the rounds), and otherwise

    argmax_k  S_k / N_k + sqrt(2 ln(o + 1) / N_k)            (their t - tau counts rounds from 1),

N_k and S_k the plays and summed rewards r = 1 - loss of arm k since tau, unplayed arms first.  After a play
of arm a with N_a >= w, its last w rewards Y_1..Y_w (oldest first) are tested:

    alarm  iff  |sum_{i > w/2} Y_i - sum_{i <= w/2} Y_i| > b,

and an alarm restarts every arm's statistics (tau = t + 1, the next round).  Their recommended setting for
horizon T, K arms, M stationary segments and changes of size at least delta (Remark 1 and Theorem 1):
w = (4 / delta^2) (sqrt(ln(2 K T^2)) + sqrt(ln(2 T)))^2 (:func:`m_ucb_window`, rounded up to even),
b = sqrt(w ln(2 K T^2) / 2) and gamma = sqrt((M - 1) K min(w / 2, ceil(b / delta) + 3 sqrt(w)) / (2 T)),
giving regret O(sqrt(M K T ln T)).  By Hoeffding's inequality one test on stationary data alarms with
probability at most 2 exp(-2 b^2 / w) = 1 / (K T^2) at that b (their false-alarm lemma), and a change of size
delta is detected within w / 2 plays of the arm with probability at least 1 - 1 / T.  The state holds each
arm's last w rewards (a ring of K w slots), so w is a parameter, not derived from the horizon; b and gamma
are derived when not given, delta (when not given) being the smallest change w is sized for.

CUSUM-UCB (Liu, Lee and Shroff, AAAI 2018, "A change-detection based framework for piecewise-stationary
multi-armed bandit problem", CD-UCB with the two-sided CUSUM test): UCB on each arm's samples since that arm's
own last alarm (local restarts), with uniform exploration.  Each round, with probability alpha a uniform arm,
else

    argmax_k  S_k / N_k + sqrt(xi ln n / N_k),     n = sum_k N_k,

N_k and S_k the plays and summed rewards r = 1 - loss of arm k since its restart, unplayed arms first
(lowest index), ties to the lowest index.  After a play of arm a, its CUSUM statistics (Page 1954) see the
reward: the first M rewards since the restart set u_0 = their mean; each later reward y moves

    g+ <- max(0, g+ + y - u_0 - eps),     g- <- max(0, g- + u_0 - y - eps),

and g+ > h or g- > h is an alarm, which restarts arm a alone (N_a = S_a = 0, its test anew; a delayed reward
of arm a from a round before the restart is dropped, as the global restarts below drop theirs).  Their
Corollary: h = ln(T / Upsilon) and alpha = sqrt((Upsilon / T) ln(T / Upsilon)) (Upsilon the breakpoints the
horizon holds) give regret O(sqrt(T Upsilon ln(T / Upsilon))) when changes are large enough against eps and
M samples fit between them; those are the defaults of h and alpha.  xi = 2 is UCB1's constant (the paper
leaves it a constant); M = 100 and eps = 0.05 are this implementation's defaults.  The state is six numbers
per arm (N, S, the sum of the first M rewards, g+, g-, the restart round) and the number of alarms: nothing
grows with the run.

PHT-UCB (the same paper's second detector, the Page-Hinkley test): as CUSUM-UCB, but each reward is compared
with the running mean of the arm's rewards since its restart, itself included (u_0 <- S_a / N_a), from the
first reward on; there is no M.

GLR-klUCB (Besson, Kaufmann, Maillard and Seznec, JMLR 2022, "Efficient change-point detection for tackling
piecewise-stationary bandits"), with global restarts: kl-UCB on the samples since the last restart tau, forced
round robin, and the Bernoulli generalized likelihood ratio test on the arm just played.  With o = t - tau
(rounds since the restart, from 0) and L = floor(K / alpha), the learner plays arm o mod L when o mod L < K,
else argmax_k max{q : N_k kl(S_k / N_k, q) <= ln(o + 1)} (means clipped to [0, 1]; unplayed arms first).
After a reward of arm a, with n = N_a rewards y_1..y_n since tau (tested when n is a multiple of Delta_n):

    alarm  iff  max over s = Delta_s, 2 Delta_s, ... < n of  s kl(mu_{1:s}, mu_{1:n}) + (n - s) kl(mu_{s+1:n}, mu_{1:n})
                >= beta(n, delta) = ln(3 n^(3/2) / delta),

mu_{i:j} the mean of y_i..y_j (clipped to [0, 1]; the Bernoulli test assumes rewards in [0, 1]), and an alarm
restarts every arm (tau = t + 1).  Their tuning for Upsilon breakpoints and global restarts, the defaults here:
delta = 1 / sqrt(Upsilon T) and alpha = sqrt(Upsilon ln(T) / T), with beta and the alarm at >= as above (all four as
the first author's public implementation writes them for global restarts; some of its versions scale that alpha by 0.1
by default).  The regret: their JMLR abstract states
O(sqrt(K Upsilon T ln T)) on some "easy" instances (K the arms), without prior knowledge of Upsilon; the theorem behind
it (its conditions on the changes and its tuning) was not found, so it is not checked here.  The 2019 preprint (Besson
and Kaufmann) stated O(sqrt(Upsilon T ln T)) with Upsilon known, O(Upsilon sqrt(T ln T)) without.  Delta_n = Delta_s
= 1 is the test as stated; larger values test less often and at fewer splits (their suggested speed-up),
O(n / (Delta_n Delta_s)) work per round.  The splits fall between blocks of Delta_s rewards, so the state keeps each
arm's block sums since the restart, ceil(capacity / Delta_s) numbers per arm (``capacity`` >= the horizon).
"""
import math
from dataclasses import replace

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import (N_ARMS, bernoulli_kl, draw_reported, kl_ucb_arm, thompson_act, thompson_update,
                                     uniform_arm_with, zero_init)

XI = Param("xi", 0.6, "exploration constant xi in the confidence width (their analysis takes xi > 1/2)", low=0.0)
BREAKPOINTS = Param("breakpoints", 1, "breakpoints Upsilon the horizon is expected to hold (sets the defaults derived from it)",
                    kind="int", low=1)


@kernel
def _ucb_arm(state, k_arms, log_n, width):
    """argmax_k S_k / N_k + width sqrt(log_n / N_k), arms with N_k = 0 first (state: N[k], then S[k])."""
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = state[k]
        index = math.inf if n <= 0.0 else state[k_arms + k] / n + width * math.sqrt(max(log_n, 0.0) / n)
        if index > best:
            best = index
            arm = k
    return arm


# ---------------------------------------------------------------- D-UCB


@kernel
def _play_ucb(state, k_arms, width, action):
    """action[0] = _ucb_arm with log_n = ln(sum_k N_k) (0 before any feedback)."""
    n = 0.0
    for k in range(k_arms):
        n += state[k]
    action[0] = _ucb_arm(state, k_arms, math.log(n) if n > 0.0 else 0.0, width)


@kernel
def discounted_ucb_act(state, params, obs, t, seed, action):
    _play_ucb(state, int(params[0]), 2.0 * math.sqrt(params[2]), action)


@kernel
def discount(state, size, gamma):
    """state[:size] *= gamma: every arm's statistics forget at the rate gamma."""
    for i in range(size):
        state[i] *= gamma


@kernel
def discounted_ucb_update(state, params, obs, action, feedback, t, seed):
    """N_k <- gamma N_k + 1[a = k], S_k <- gamma S_k + (1 - loss) 1[a = k]."""
    k_arms = int(params[0])
    a = int(action[0])
    discount(state, 2 * k_arms, params[1])
    state[a] += 1.0
    state[k_arms + a] += 1.0 - feedback[0]


def _gamma(v, k, d, horizon):
    if v["gamma"] is not None:
        return v["gamma"]
    return 1.0 - math.sqrt(min(v["breakpoints"], horizon) / horizon) / 4.0


DISCOUNTED_UCB = LearnerType(
    name="discounted_ucb",
    summary="discounted UCB: UCB on statistics discounted by gamma per round, for switching means",
    reference="Garivier and Moulines (ALT 2011): gamma = 1 - sqrt(Upsilon / T) / 4 gives regret O(sqrt(T Upsilon) log T) "
    "with Upsilon breakpoints",
    feedback="bandit",
    params=(N_ARMS, Param("gamma", None, "discount factor in (0, 1]; None: 1 - sqrt(min(breakpoints, T) / T) / 4",
                          low=0.0, high=1.0, open_low=True, optional=True), XI, BREAKPOINTS),
    state_size=lambda v, k, d: 2 * k,  # discounted plays N[k], then discounted rewards S[k]
    row=lambda v, k, d, horizon: [k, _gamma(v, k, d, horizon), v["xi"]],
    init=zero_init,
    act=discounted_ucb_act,
    update=discounted_ucb_update,
    test_params=({}, {"gamma": 0.9, "xi": 0.3}),
)


# ---------------------------------------------------------------- discounted Thompson sampling


@kernel
def discounted_thompson_update(state, params, obs, action, feedback, t, seed):
    """S_k <- gamma S_k, F_k <- gamma F_k for every arm, then the played arm's reward counts as a success with
    probability r = 1 - loss (the Bernoulli trial of :func:`olearn.learners.bandits.thompson_update`)."""
    discount(state, 2 * int(params[0]), params[1])
    thompson_update(state, params, obs, action, feedback, t, seed)


DISCOUNTED_THOMPSON = LearnerType(
    name="discounted_thompson",
    summary="discounted Thompson sampling: theta_k ~ Beta(1 + S_k, 1 + F_k) on success and failure counts discounted "
    "by gamma per feedback, for switching means",
    reference="Raj and Kalyani (2017), Taming non-stationary bandits: a Bayesian approach (discounted Thompson "
    "sampling, Beta(1, 1) prior); default gamma = 1 - sqrt(Upsilon / T) / 4, D-UCB's (Garivier and Moulines 2011)",
    feedback="bandit",
    params=(N_ARMS, Param("gamma", None, "discount factor in (0, 1]; None: 1 - sqrt(min(breakpoints, T) / T) / 4",
                          low=0.0, high=1.0, open_low=True, optional=True), BREAKPOINTS),
    state_size=lambda v, k, d: 2 * k,  # discounted successes S[k], then discounted failures F[k]
    row=lambda v, k, d, horizon: [k, _gamma(v, k, d, horizon)],
    init=zero_init,
    act=thompson_act,
    update=discounted_thompson_update,
    test_params=({}, {"gamma": 0.9}),
)


# ---------------------------------------------------------------- SW-UCB


@kernel
def sliding_window_ucb_act(state, params, obs, t, seed, action):
    _play_ucb(state, int(params[0]), math.sqrt(params[2]), action)


@kernel
def sliding_window_ucb_update(state, params, obs, action, feedback, t, seed):
    """The feedback enters the window (ring of tau (arm, reward) pairs after N[k], S[k], then the number
    received and the next slot); the one tau feedbacks older leaves it."""
    k_arms = int(params[0])
    tau = int(params[1])
    a = int(action[0])
    r = 1.0 - feedback[0]
    ring = 2 * k_arms + 2
    slot = int(state[2 * k_arms + 1])
    if state[2 * k_arms] >= tau:
        old = int(state[ring + 2 * slot])
        state[old] -= 1.0
        state[k_arms + old] -= state[ring + 2 * slot + 1]
    else:
        state[2 * k_arms] += 1.0
    state[ring + 2 * slot] = a
    state[ring + 2 * slot + 1] = r
    state[a] += 1.0
    state[k_arms + a] += r
    state[2 * k_arms + 1] = (slot + 1) % tau


SLIDING_WINDOW_UCB = LearnerType(
    name="sliding_window_ucb",
    summary="sliding-window UCB: UCB on the last tau feedbacks, for switching means",
    reference="Garivier and Moulines (ALT 2011): tau = 2 sqrt(T ln T / Upsilon) gives regret O(sqrt(T Upsilon ln T)) "
    "with Upsilon breakpoints",
    feedback="bandit",
    params=(N_ARMS, Param("tau", 200, "window length: the number of most recent feedbacks kept (their analysis: "
                          "2 sqrt(T ln T / Upsilon) for Upsilon breakpoints)", kind="int", low=1, high=10**7), XI),
    state_size=lambda v, k, d: 2 * k + 2 + 2 * v["tau"],
    row=lambda v, k, d, horizon: [k, v["tau"], v["xi"]],
    init=zero_init,
    act=sliding_window_ucb_act,
    update=sliding_window_ucb_update,
    test_params=({}, {"tau": 5, "xi": 0.3}),
)


# ---------------------------------------------------------------- Exp3.S


@kernel
def exp3s_init(state, params, seed):
    """Weights 1/K (their w_k = 1, divided by the total), probabilities after them."""
    k_arms = int(params[0])
    for k in range(2 * k_arms):
        state[k] = 1.0 / k_arms


@kernel
def exp3s_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    gamma = params[1]
    probs = state[k_arms : 2 * k_arms]
    for k in range(k_arms):
        probs[k] = (1.0 - gamma) * state[k] + gamma / k_arms
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def exp3s_update(state, params, obs, action, feedback, t, seed):
    """w_a *= exp(gamma x^_a / K); every w_k += e alpha W / K; then w /= its total (p_a recorded with the action).

    Where exp(gamma x^_a / K) would overflow (x^_a beyond 700 K / gamma: a reward far outside [0, 1]), the
    weights are rescaled so that w_a becomes 1 (every other one divided by w_a exp(gamma x^_a / K) < inf),
    which the normalisation makes the same update."""
    k_arms = int(params[0])
    gamma, alpha = params[1], params[2]
    a = int(action[0])
    total = 0.0
    for k in range(k_arms):
        total += state[k]
    z = gamma * (1.0 - feedback[0]) / action[1] / k_arms
    if z <= 700.0:
        state[a] *= math.exp(z)
    elif state[a] > 0.0:
        grown = z + math.log(state[a])  # ln of the new w_a
        if grown <= 700.0:
            state[a] = math.exp(grown)
        else:
            shrink = math.exp(-grown)
            total *= shrink
            for k in range(k_arms):
                state[k] = 1.0 if k == a else state[k] * shrink
    share = math.e * alpha * total / k_arms
    new_total = 0.0
    for k in range(k_arms):
        state[k] += share
        new_total += state[k]
    if new_total == 0.0:  # w_a exp(...) underflowed, the only weight left (alpha = 0): normalised, it is 1
        state[a] = 1.0
        new_total = 1.0
    for k in range(k_arms):
        state[k] /= new_total


def _exp3s_row(v, k, d, horizon):
    alpha = v["alpha"] if v["alpha"] is not None else 1.0 / horizon
    gamma = v["gamma"]
    if gamma is None:
        gamma = min(1.0, math.sqrt(k * (v["switches"] * math.log(k * horizon) + math.e) / ((math.e - 1.0) * horizon)))
    return [k, gamma, alpha]


EXP3S = LearnerType(
    name="exp3s",
    summary="Exp3.S: EXP3 with a share of the total weight given back to every arm, for switching best arms",
    reference="Auer, Cesa-Bianchi, Freund and Schapire (2002), Corollary 8.3: alpha = 1/T and gamma from the number of "
    "switches S bound the regret against S-switch sequences by 2 sqrt(e - 1) sqrt(K T (S ln(KT) + e))",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("gamma", None, "exploration in (0, 1]; None: min(1, sqrt(K (S ln(KT) + e) / ((e - 1) T)))", low=0.0,
              high=1.0, open_low=True, optional=True),
        Param("alpha", None, "weight share; None: 1 / T", low=0.0, optional=True),
        Param("switches", 1, "switches S of the best arm the horizon is expected to hold (sets the default gamma)",
              kind="int", low=0),
    ),
    state_size=lambda v, k, d: 2 * k,  # weights w[k] (summing to 1), then the current probabilities p[k]
    row=_exp3s_row,
    init=exp3s_init,
    act=exp3s_act,
    update=exp3s_update,
    action_dim=2,  # arm, and its probability (so delayed feedback is weighted correctly)
    test_params=({}, {"gamma": 0.3, "alpha": 0.01}),
)


# ---------------------------------------------------------------- Rexp3


@kernel
def rexp3_init(state, params, seed):
    """Exp3.S's start (weights 1/K), in batch 0."""
    exp3s_init(state, params, seed)
    state[2 * int(params[0])] = 0.0


@kernel
def rexp3_act(state, params, obs, t, seed, action):
    """At the first round of batch j = floor(t / Delta) the weights restart at 1/K; then Exp3.S's draw (alpha = 0)."""
    k_arms = int(params[0])
    batch = float(t // int(params[3]))
    if batch != state[2 * k_arms]:
        state[2 * k_arms] = batch
        for k in range(k_arms):
            state[k] = 1.0 / k_arms
    exp3s_act(state, params, obs, t, seed, action)


@kernel
def rexp3_update(state, params, obs, action, feedback, t, seed):
    """Exp3's update (Exp3.S's with alpha = 0), for feedback emitted in the current batch only: a delayed reward from
    an earlier batch is dropped, as the restart has forgotten that batch."""
    if float(t // int(params[3])) == state[2 * int(params[0])]:
        exp3s_update(state, params, obs, action, feedback, t, seed)


def rexp3_batch(n_arms: int, horizon: int, variation: float) -> int:
    """Delta_T = ceil((K ln K)^(1/3) (T / V_T)^(2/3)), within [1, T]."""
    spread = n_arms * math.log(n_arms)
    return int(min(horizon, max(1, math.ceil(spread ** (1.0 / 3.0) * (horizon / variation) ** (2.0 / 3.0)))))


def _rexp3_row(v, k, d, horizon):
    batch = v["batch"] if v["batch"] is not None else rexp3_batch(k, horizon, v["variation"])
    gamma = v["gamma"] if v["gamma"] is not None else min(1.0, math.sqrt(k * math.log(k) / ((math.e - 1.0) * batch)))
    return [k, gamma, 0.0, batch]


REXP3 = LearnerType(
    name="rexp3",
    summary="Rexp3: Exp3 restarted every Delta rounds, Delta = ceil((K ln K)^(1/3) (T / V_T)^(2/3)) from the variation "
    "budget V_T of the arms' means, gamma = min(1, sqrt(K ln K / ((e - 1) Delta)))",
    reference="Besbes, Gur and Zeevi (NeurIPS 2014), Stochastic multi-armed-bandit problem with non-stationary rewards, "
    "Thm 2: regret against the best arm of each round O((K ln K V_T)^(1/3) T^(2/3)), minimax up to ln K",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("variation", 1.0, "V_T, the budget sum_t max_k |mu_{t+1,k} - mu_{t,k}| the horizon is expected to hold "
              "(sets the default batch)", low=0.0, open_low=True),
        Param("batch", None, "Delta, rounds between restarts; None: ceil((K ln K)^(1/3) (T / V_T)^(2/3))", kind="int",
              low=1, high=2**52, optional=True),
        Param("gamma", None, "exploration in (0, 1]; None: min(1, sqrt(K ln K / ((e - 1) Delta)))", low=0.0, high=1.0,
              open_low=True, optional=True),
    ),
    state_size=lambda v, k, d: 2 * k + 1,  # weights w[k] (summing to 1), probabilities p[k], the current batch
    row=_rexp3_row,
    init=rexp3_init,
    act=rexp3_act,
    update=rexp3_update,
    action_dim=2,  # arm, and its probability (so delayed feedback is weighted correctly)
    test_params=({}, {"batch": 7, "gamma": 0.3}),
)


# ---------------------------------------------------------------- M-UCB

#: the largest round-robin period kept (floor(K / gamma) beyond it, or gamma = 0: forced plays only in the K
#: rounds after each restart); float64 holds every integer up to it exactly
_MAX_PERIOD = 2.0**52


def m_ucb_window(delta, n_arms, horizon):
    """Cao et al.'s (2019) Remark 1 window, w = (4 / delta^2) (sqrt(ln(2 K T^2)) + sqrt(ln(2 T)))^2, rounded up to
    an even integer: with b = sqrt(w ln(2 K T^2) / 2) a change of size delta is detected within w / 2 plays of
    the arm with probability at least 1 - 1 / T."""
    if not (0.0 < delta <= 1.0):
        raise ParameterError("m_ucb", "delta", delta, "a change size in (0, 1]")
    w = 4.0 / delta**2 * (math.sqrt(math.log(2.0 * n_arms * horizon**2)) + math.sqrt(math.log(2.0 * horizon))) ** 2
    w = math.ceil(w)
    return w + (w % 2)


def _m_ucb_threshold(v, k, horizon):
    if v["threshold"] is not None:
        return v["threshold"]
    return math.sqrt(v["window"] * math.log(2.0 * k * horizon**2) / 2.0)


def _m_ucb_row(v, k, d, horizon):
    w = _m_ucb_window_checked(v)
    b = _m_ucb_threshold(v, k, horizon)
    gamma = v["gamma"]
    if gamma is None:
        delta = v["delta"]
        if delta is None:  # the smallest change Remark 1's window w is sized for
            delta = 2.0 * (math.sqrt(math.log(2.0 * k * horizon**2)) + math.sqrt(math.log(2.0 * horizon))) / math.sqrt(w)
        gamma = math.sqrt(v["breakpoints"] * k * min(w / 2.0, math.ceil(b / delta) + 3.0 * math.sqrt(w)) / (2.0 * horizon))
        gamma = min(gamma, 1.0)
    return [k, w, b, _round_robin_period(k, gamma)]


def _round_robin_period(k, share):
    """floor(K / share): K forced plays in every period; the largest kept period when share is (nearly) 0."""
    return _MAX_PERIOD if share * _MAX_PERIOD <= k else float(math.floor(k / share))


def _m_ucb_window_checked(v):
    w = v["window"]
    if w % 2 != 0:
        raise ParameterError("m_ucb", "window", w, "an even integer in [2, 1e6] (the test compares two halves of w / 2)")
    return w


def _m_ucb_state_size(v, k, d):
    # plays N[k] and summed rewards S[k] since the restart, the restart round tau, the number of alarms, then
    # each arm's last w rewards (arm k's ring at 2K + 2 + k w, sample n at slot n mod w)
    return 2 * k + 2 + k * _m_ucb_window_checked(v)


@kernel
def round_robin_arm(offset, period, k_arms):
    """The forced arm offset mod period when that is below K, else -1 (offset: rounds since the restart)."""
    phase = offset - period * math.floor(offset / period)
    return int(phase) if phase < k_arms else -1


@kernel
def m_ucb_act(state, params, obs, t, seed, action):
    """Round robin when (t - tau) mod floor(K / gamma) < K, else UCB on the statistics since tau."""
    k_arms = int(params[0])
    offset = max(t - state[2 * k_arms], 0.0)
    arm = round_robin_arm(offset, params[3], k_arms)
    action[0] = arm if arm >= 0 else _ucb_arm(state, k_arms, math.log(offset + 1.0), math.sqrt(2.0))


@kernel
def m_ucb_update(state, params, obs, action, feedback, t, seed):
    """N_a += 1, S_a += r, r into arm a's ring; with N_a >= w, |second half - first half| > b restarts all arms.
    Feedback emitted before the last restart (a delayed reward, t < tau) is dropped: the restart forgot its round."""
    k_arms = int(params[0])
    if t < state[2 * k_arms]:
        return
    w = int(params[1])
    a = int(action[0])
    r = 1.0 - feedback[0]
    ring = 2 * k_arms + 2 + a * w
    n = int(state[a])
    state[ring + n % w] = r
    n += 1
    state[a] = n
    state[k_arms + a] += r
    if n < w:
        return
    half = w // 2
    first = 0.0
    second = 0.0
    for j in range(half):  # oldest first: sample n - w + j sits at slot (n + j) mod w
        first += state[ring + (n + j) % w]
    for j in range(half, w):
        second += state[ring + (n + j) % w]
    if abs(second - first) > params[2]:
        restart_all(state, k_arms, t)


@kernel
def restart_all(state, k_arms, t):
    """A global restart after round t's alarm: N[k] = S[k] = 0, tau = t + 1, one more alarm counted."""
    for k in range(2 * k_arms):
        state[k] = 0.0
    state[2 * k_arms] = t + 1.0
    state[2 * k_arms + 1] += 1.0


M_UCB = LearnerType(
    name="m_ucb",
    summary="M-UCB: UCB since the last detected change, forced round robin, and a two-half window test per arm",
    reference="Cao, Wen, Kveton and Xie (AISTATS 2019), Algorithm 1; b = sqrt(w ln(2KT^2) / 2) and gamma = "
    "sqrt((M - 1) K min(w/2, ceil(b/delta) + 3 sqrt(w)) / (2T)) give regret O(sqrt(M K T ln T)) for M segments",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("window", 200, "w, even: the detector compares the sums of the two halves of each arm's last w rewards "
              "(their Remark 1: m_ucb_window(delta, K, T))", kind="int", low=2, high=10**6),
        Param("threshold", None, "b: alarm when the halves' sums differ by more; None: sqrt(w ln(2 K T^2) / 2)",
              low=0.0, optional=True),
        Param("gamma", None, "share of forced round-robin plays in [0, 1]; None: sqrt(breakpoints K min(w/2, "
              "ceil(b/delta) + 3 sqrt(w)) / (2T)), at most 1", low=0.0, high=1.0, optional=True),
        Param("breakpoints", 1, "changes the horizon is expected to hold (their M - 1; sets the default gamma)",
              kind="int", low=0),
        Param("delta", None, "smallest change of a mean (sets the default gamma); None: 2 (sqrt(ln(2 K T^2)) + "
              "sqrt(ln(2T))) / sqrt(w), the smallest change w is sized for", low=0.0, high=1.0, open_low=True,
              optional=True),
    ),
    state_size=_m_ucb_state_size,
    row=_m_ucb_row,
    init=zero_init,
    act=m_ucb_act,
    update=m_ucb_update,
    test_params=({"window": 4}, {"window": 6, "threshold": 0.5, "gamma": 0.5}),
)


# ---------------------------------------------------------------- CUSUM-UCB


def _cusum_row(v, k, d, horizon, name="cusum_ucb"):
    ratio = horizon / v["breakpoints"]
    if ratio <= 1.0 and (v["threshold"] is None or v["alpha"] is None):
        raise ParameterError(name, "breakpoints", v["breakpoints"], f"an integer in [1, {horizon - 1}] (below "
                             f"the horizon, which sets h = ln(T / breakpoints) and alpha), or h and alpha given")
    h = math.log(ratio) if v["threshold"] is None else v["threshold"]
    alpha = min(1.0, math.sqrt(math.log(ratio) / ratio)) if v["alpha"] is None else v["alpha"]
    return [k, v.get("samples", 0), v["epsilon"], h, alpha, math.sqrt(v["xi"]), 0.0 if name == "cusum_ucb" else 1.0]


def _pht_row(v, k, d, horizon):
    return _cusum_row(v, k, d, horizon, "pht_ucb")


@kernel
def cusum_ucb_act(state, params, obs, t, seed, action):
    """A uniform arm with probability alpha, else argmax S_k / N_k + sqrt(xi ln n / N_k), n = sum_k N_k."""
    k_arms = int(params[0])
    arm = uniform_arm_with(params[4], seed, t, k_arms)
    if arm >= 0:
        action[0] = arm
    else:
        _play_ucb(state, k_arms, params[5], action)


@kernel
def cusum_ucb_update(state, params, obs, action, feedback, t, seed):
    """N_a += 1, S_a += r; CUSUM: the first M rewards sum into u_0's slot, later ones move g+ and g-; PHT: every
    reward moves them, u_0 = S_a / N_a.  An alarm (g+ > h or g- > h) after round t restarts arm a (tau_a = t + 1).
    State: N[k], S[k], first-M sums[k] (0 for PHT), g+[k], g-[k], alarms, tau[k].  Feedback of arm a emitted
    before its restart (a delayed reward, t < tau_a) is dropped: the restart forgot its round."""
    k_arms = int(params[0])
    m = params[1]
    a = int(action[0])
    if t < state[5 * k_arms + 1 + a]:
        return
    r = 1.0 - feedback[0]
    n = state[a] + 1.0
    state[a] = n
    state[k_arms + a] += r
    if params[6] > 0.0:
        u0 = state[k_arms + a] / n
    elif n <= m:
        state[2 * k_arms + a] += r
        return
    else:
        u0 = state[2 * k_arms + a] / m
    up = max(0.0, state[3 * k_arms + a] + r - u0 - params[2])
    down = max(0.0, state[4 * k_arms + a] + u0 - r - params[2])
    state[3 * k_arms + a] = up
    state[4 * k_arms + a] = down
    if up > params[3] or down > params[3]:
        for j in range(5):
            state[j * k_arms + a] = 0.0
        state[5 * k_arms] += 1.0
        state[5 * k_arms + 1 + a] = t + 1.0


CUSUM_UCB = LearnerType(
    name="cusum_ucb",
    summary="CUSUM-UCB: UCB on each arm's samples since its own last alarm, uniform exploration alpha, and a "
    "two-sided CUSUM test per arm",
    reference="Liu, Lee and Shroff (AAAI 2018), CD-UCB with CUSUM; h = ln(T / Upsilon) and alpha = "
    "sqrt((Upsilon / T) ln(T / Upsilon)) give regret O(sqrt(T Upsilon ln(T / Upsilon)))",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("samples", 100, "M: the first M rewards after a restart set the test's reference mean u_0",
              kind="int", low=1, high=10**9),
        Param("epsilon", 0.05, "eps: the drift each reward must exceed to move the CUSUM statistics", low=0.0, high=1.0),
        Param("threshold", None, "h: alarm when g+ or g- exceeds it; None: ln(T / breakpoints)", low=0.0, optional=True),
        Param("alpha", None, "probability of a uniform arm each round; None: sqrt((breakpoints / T) ln(T / "
              "breakpoints)), at most 1", low=0.0, high=1.0, optional=True),
        BREAKPOINTS,
        Param("xi", 2.0, "exploration constant xi of the index sqrt(xi ln n / N_k) (2: UCB1's)", low=0.0),
    ),
    state_size=lambda v, k, d: 6 * k + 1,
    row=_cusum_row,
    init=zero_init,
    act=cusum_ucb_act,
    update=cusum_ucb_update,
    test_params=({"samples": 3, "threshold": 0.5}, {"samples": 1, "epsilon": 0.0, "threshold": 0.2, "alpha": 0.3, "xi": 0.5}),
)


# ---------------------------------------------------------------- GLR-klUCB


def _glr_row(v, k, d, horizon):
    if horizon > v["capacity"]:
        raise ParameterError("glr_klucb", "capacity", v["capacity"], f"an integer >= the horizon {horizon} (the state "
                             "has room for the rewards of that many rounds since the last restart)")
    if v["breakpoints"] >= horizon and (v["alpha"] is None or v["delta"] is None):
        raise ParameterError("glr_klucb", "breakpoints", v["breakpoints"], f"an integer in [1, {horizon - 1}] (below "
                             "the horizon, which sets alpha and delta), or alpha and delta given")
    alpha = min(1.0, math.sqrt(v["breakpoints"] * math.log(horizon) / horizon)) if v["alpha"] is None else v["alpha"]
    delta = 1.0 / math.sqrt(v["breakpoints"] * horizon) if v["delta"] is None else v["delta"]
    return [k, _round_robin_period(k, alpha), math.log(3.0) - math.log(delta), v["test_every"], v["split_every"], _glr_blocks(v)]


@kernel
def glr_klucb_act(state, params, obs, t, seed, action):
    """Round robin when (t - tau) mod floor(K / alpha) < K, else kl-UCB with ln(t - tau + 1) on the samples since tau."""
    k_arms = int(params[0])
    offset = max(t - state[2 * k_arms], 0.0)
    arm = round_robin_arm(offset, params[1], k_arms)
    action[0] = arm if arm >= 0 else kl_ucb_arm(state, k_arms, math.log(offset + 1.0))


@kernel
def glr_statistic(blocks, n, total, split_every):
    """max over s = split_every, 2 split_every, ... < n of s kl(mu_{1:s}, mu) + (n - s) kl(mu_{s+1:n}, mu), with
    blocks[j] the sum of rewards j split_every .. (j + 1) split_every - 1 and ``total`` the sum of all n (means
    clipped to [0, 1]).  Work O(n / split_every)."""
    mean = min(max(total / n, 0.0), 1.0)
    best = 0.0
    head = 0.0
    s = split_every
    j = 0
    while s < n:
        head += blocks[j]
        j += 1
        first = min(max(head / s, 0.0), 1.0)
        second = min(max((total - head) / (n - s), 0.0), 1.0)
        best = max(best, s * bernoulli_kl(first, mean) + (n - s) * bernoulli_kl(second, mean))
        s += split_every
    return best


def _glr_blocks(v):
    """Block sums kept per arm: ceil(capacity / split_every)."""
    return -(-v["capacity"] // v["split_every"])


@kernel
def glr_klucb_update(state, params, obs, action, feedback, t, seed):
    """N_a += 1, S_a += r, r into arm a's current block sum; every Delta_n-th reward the GLR test, whose alarm
    restarts all arms (tau = t + 1).  State: N[k], S[k], tau, alarms, then per arm the sums of its rewards since tau
    in blocks of Delta_s (the test splits only between blocks), ceil(capacity / Delta_s) slots each.  Feedback
    emitted before the last restart (a delayed reward, t < tau) is dropped, as M-UCB's."""
    k_arms = int(params[0])
    if t < state[2 * k_arms]:
        return
    split = int(params[4])
    blocks = int(params[5])
    a = int(action[0])
    r = 1.0 - feedback[0]
    n = int(state[a])
    sums = state[2 * k_arms + 2 + a * blocks : 2 * k_arms + 2 + (a + 1) * blocks]
    if n % split == 0:  # the first reward of a block (after a restart too: no clearing needed)
        sums[n // split] = r
    else:
        sums[n // split] += r
    n += 1
    state[a] = n
    state[k_arms + a] += r
    every = int(params[3])
    if n < 2 or n % every != 0:
        return
    if glr_statistic(sums, n, state[k_arms + a], split) >= params[2] + 1.5 * math.log(n):
        restart_all(state, k_arms, t)


GLR_KLUCB = LearnerType(
    name="glr_klucb",
    summary="GLR-klUCB: kl-UCB since the last restart, forced round robin, and the Bernoulli GLR change-point test "
    "on the arm just played (global restarts)",
    reference="Besson, Kaufmann, Maillard and Seznec (JMLR 2022), Efficient change-point detection for tackling "
    "piecewise-stationary bandits; beta(n, delta) = ln(3 n^(3/2) / delta), delta = 1/sqrt(Upsilon T), alpha = "
    "sqrt(Upsilon ln T / T) (as the first author's implementation sets them); their abstract: regret O(sqrt(K Upsilon "
    "T ln T)) on some 'easy' instances, K the arms (the theorem not checked)",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("alpha", None, "share of forced round-robin plays; None: sqrt(breakpoints ln T / T), at most 1",
              low=0.0, high=1.0, optional=True),
        Param("delta", None, "confidence of the test, in beta(n, delta) = ln(3 n^(3/2) / delta); None: 1 / sqrt("
              "breakpoints T)", low=0.0, high=1.0, open_low=True, optional=True),
        BREAKPOINTS,
        Param("test_every", 1, "Delta_n: test after every Delta_n-th reward of an arm", kind="int", low=1, high=10**6),
        Param("split_every", 1, "Delta_s: try the splits s = Delta_s, 2 Delta_s, ...", kind="int", low=1, high=10**6),
        Param("capacity", 20_000, "the longest horizon the state has room for (each arm keeps ceil(capacity / "
              "split_every) block sums of its rewards since the restart)", kind="int", low=2, high=10**7),
    ),
    state_size=lambda v, k, d: 2 * k + 2 + k * _glr_blocks(v),
    row=_glr_row,
    init=zero_init,
    act=glr_klucb_act,
    update=glr_klucb_update,
    test_params=({"capacity": 64}, {"alpha": 0.5, "delta": 0.5, "test_every": 2, "split_every": 3, "capacity": 64}),
)


PHT_UCB = replace(  # CUSUM-UCB's kernels and state; the test's reference mean is the running one, so no M
    CUSUM_UCB,
    name="pht_ucb",
    summary="PHT-UCB: CUSUM-UCB with the Page-Hinkley test, each reward compared with the running mean of the "
    "arm's rewards since its restart",
    reference="Liu, Lee and Shroff (AAAI 2018), CD-UCB with the Page-Hinkley test (Hinkley 1971); h and alpha as "
    "for CUSUM-UCB",
    params=tuple(p for p in CUSUM_UCB.params if p.name != "samples"),
    row=_pht_row,
    test_params=({"threshold": 0.5}, {"epsilon": 0.0, "threshold": 0.2, "alpha": 0.3, "xi": 0.5}),
)

LEARNERS = (DISCOUNTED_UCB, DISCOUNTED_THOMPSON, SLIDING_WINDOW_UCB, EXP3S, REXP3, M_UCB, CUSUM_UCB, PHT_UCB, GLR_KLUCB)
