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
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, zero_init

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


LEARNERS = (DISCOUNTED_UCB, SLIDING_WINDOW_UCB)
