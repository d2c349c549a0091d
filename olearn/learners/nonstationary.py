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
switches by 2 sqrt(e - 1) sqrt(K T (S ln(KT) + e)) (their Corollary 8.3).  The weights are kept divided by
their total (the update scales with them), so they neither overflow nor underflow.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported, zero_init

XI = Param("xi", 0.6, "exploration constant xi in the confidence width (their analysis takes xi > 1/2)", low=0.0)
BREAKPOINTS = Param("breakpoints", 1, "breakpoints Upsilon the horizon is expected to hold (sets the default gamma)",
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
def discounted_ucb_update(state, params, obs, action, feedback, t, seed):
    """N_k <- gamma N_k + 1[a = k], S_k <- gamma S_k + (1 - loss) 1[a = k]."""
    k_arms = int(params[0])
    gamma = params[1]
    a = int(action[0])
    for k in range(2 * k_arms):
        state[k] *= gamma
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
    params=(N_ARMS, Param("gamma", None, "discount factor in (0, 1]; None: 1 - sqrt(breakpoints / T) / 4",
                          low=0.0, high=1.0, optional=True), XI, BREAKPOINTS),
    state_size=lambda v, k, d: 2 * k,  # discounted plays N[k], then discounted rewards S[k]
    row=lambda v, k, d, horizon: [k, _gamma(v, k, d, horizon), v["xi"]],
    init=zero_init,
    act=discounted_ucb_act,
    update=discounted_ucb_update,
    test_params=({}, {"gamma": 0.9, "xi": 0.3}),
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
    """w_a *= exp(gamma x^_a / K); every w_k += e alpha W / K; then w /= its total (p_a recorded with the action)."""
    k_arms = int(params[0])
    gamma, alpha = params[1], params[2]
    a = int(action[0])
    total = 0.0
    for k in range(k_arms):
        total += state[k]
    state[a] *= math.exp(gamma * (1.0 - feedback[0]) / action[1] / k_arms)
    share = math.e * alpha * total / k_arms
    new_total = 0.0
    for k in range(k_arms):
        state[k] += share
        new_total += state[k]
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


LEARNERS = (DISCOUNTED_UCB, SLIDING_WINDOW_UCB, EXP3S)
