"""Bandits for piecewise-stationary worlds: UCB on discounted statistics (bandit feedback).

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
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, zero_init

XI = Param("xi", 0.6, "exploration constant xi in the confidence width (their analysis takes xi > 1/2)", low=0.0)
BREAKPOINTS = Param("breakpoints", 1, "breakpoints Upsilon the horizon is expected to hold (sets the default gamma / tau)",
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
def discounted_ucb_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    n = 0.0
    for k in range(k_arms):
        n += state[k]
    action[0] = _ucb_arm(state, k_arms, math.log(n) if n > 0.0 else 0.0, 2.0 * math.sqrt(params[2]))


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


LEARNERS = (DISCOUNTED_UCB,)
