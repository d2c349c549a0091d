"""Bandits for rotting arms: averages over windows of the most recent plays (bandit feedback).

When an arm's mean reward can only fall with its plays (rested rotting bandits,
:mod:`environments.rotting`), any average of its past rewards over-estimates its next one, by less
the more recent the plays it averages; the shorter the window, the wider its confidence interval.
Both learners compare arms on windows of their most recent rewards (reward r = 1 - loss), with the
confidence width

    c(h) = sqrt(2 sigma^2 alpha ln(t) / h)        (the level delta_t = t^-alpha; t the round, from 0; ln(0) read as 0)

for a window of h rewards of a sigma-sub-Gaussian arm.  Arms never played are tried first, in index order.

* ``raw_ucb`` (RAW-UCB: Seznec, Ménard, Lazaric and Valko, AISTATS 2020, "A single algorithm for both
  restless and rested rotting bandits"): play argmax_k min_h (mean_k^h + c(h)), the smallest upper
  confidence bound over the windows (lowest index on ties); alpha = 1.4 as in their experiments.
* ``fewa`` (FEWA: Seznec, Locatelli, Carpentier, Lazaric and Valko, AISTATS 2019, "Rotting bandits are
  no harder than stochastic ones"): filter the arms on windows of increasing length, keeping those with
  mean_k^h >= max_j mean_j^h - 2 c(h), until some remaining arm has too few plays for the next window
  (or one arm remains); play the remaining arm with the fewest plays among those (lowest index on ties).
  alpha = 0.06 as in their experiments (their analysis takes alpha >= 5).

Windows.  Both use the geometric windows h = 1, 2, 4, ..., 2^31 of the papers' efficient versions
(memory and time O(K log T) instead of O(K T)): mean_k^h is the average of the most recent *complete
aligned block* of h rewards of arm k (its plays (B - 1) h + 1 .. B h with B = floor(N_k / h)), so
the window of length h is at most h - 1 plays old.  An older average only over-estimates a rotting
arm's next reward further, so each mean_k^h + c(h) is still an upper confidence bound; the papers'
efficient versions refresh the windows differently but with the same delay of at most h.

State per arm k: N_k, then the 32 complete-block sums, then the 32 partial sums (the block in
progress at each length); ``fewa`` also keeps K flags for the arms still in its filter.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, first_unplayed, zero_init

#: window lengths 2^0 .. 2^(LEVELS - 1): an arm's plays stay below 2^LEVELS
LEVELS = 32
SIGMA = Param("sigma", 1.0, "sub-Gaussian scale of the rewards (1/2 for rewards in [0, 1])", low=0.0, open_low=True)


def _alpha(default, note):
    return Param("alpha", default, f"confidence level delta_t = t^-alpha ({note})", low=0.0, open_low=True)


@kernel
def block_sum(state, k_arms, k, j):
    """Sum of arm k's most recent complete aligned block of 2^j rewards (valid once N_k >= 2^j)."""
    return state[k_arms + k * LEVELS + j]


@kernel
def windows_update(state, params, obs, action, feedback, t, seed):
    """N_a += 1; for every length h = 2^j the block in progress gains r = 1 - loss and, once it holds h
    rewards (N_a a multiple of h), becomes the complete block."""
    k_arms = int(params[0])
    a = int(action[0])
    r = 1.0 - feedback[0]
    state[a] += 1.0
    n = int(state[a])
    complete = k_arms + a * LEVELS
    partial = k_arms + k_arms * LEVELS + a * LEVELS
    for j in range(LEVELS):
        state[partial + j] += r
        if n % (1 << j) == 0:
            state[complete + j] = state[partial + j]
            state[partial + j] = 0.0


@kernel
def width_squared(params, t):
    """c(1)^2 = 2 sigma^2 alpha ln(t); c(h)^2 = c(1)^2 / h."""
    return 2.0 * params[2] * params[2] * params[1] * (math.log(t) if t > 1 else 0.0)


# ---------------------------------------------------------------- RAW-UCB


@kernel
def raw_ucb_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    first = first_unplayed(state, k_arms)
    if first >= 0:
        action[0] = first
        return
    c2 = width_squared(params, t)
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = int(state[k])
        index = math.inf
        j = 0
        while j < LEVELS and (1 << j) <= n:
            h = float(1 << j)
            index = min(index, block_sum(state, k_arms, k, j) / h + math.sqrt(c2 / h))
            j += 1
        if index > best:
            best = index
            arm = k
    action[0] = arm


# ---------------------------------------------------------------- FEWA


@kernel
def fewa_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    first = first_unplayed(state, k_arms)
    if first >= 0:
        action[0] = first
        return
    alive = k_arms * (1 + 2 * LEVELS)  # K flags: the arms still in the filter
    for k in range(k_arms):
        state[alive + k] = 1.0
    c2 = width_squared(params, t)
    j = 0
    while True:
        h = float(1 << j)
        top = -math.inf
        for k in range(k_arms):
            if state[alive + k] > 0.0:
                top = max(top, block_sum(state, k_arms, k, j) / h)
        threshold = top - 2.0 * math.sqrt(c2 / h)
        remaining = 0
        last = 0
        for k in range(k_arms):
            if state[alive + k] > 0.0:
                if block_sum(state, k_arms, k, j) / h < threshold:
                    state[alive + k] = 0.0
                else:
                    remaining += 1
                    last = k
        j += 1
        if remaining == 1:
            action[0] = last
            return
        arm = -1
        fewest = math.inf
        for k in range(k_arms):  # the remaining arms without a block of the next length
            if state[alive + k] > 0.0 and (j >= LEVELS or state[k] < float(1 << j)) and state[k] < fewest:
                fewest = state[k]
                arm = k
        if arm >= 0:
            action[0] = arm
            return


def _windowed(name, summary, reference, alpha, act, flags):
    """A learner over the windows' statistics (``flags``: K extra slots for ``act``'s own use)."""
    return LearnerType(
        name=name, summary=summary, reference=reference, feedback="bandit",
        params=(N_ARMS, alpha, SIGMA),
        state_size=lambda v, k, d: k * (1 + 2 * LEVELS + flags),
        row=lambda v, k, d, horizon: [k, v["alpha"], v["sigma"]],
        init=zero_init, act=act, update=windows_update,
        test_params=({}, {"alpha": 4.0, "sigma": 0.5}),
    )


RAW_UCB = _windowed(
    "raw_ucb", "RAW-UCB: the smallest UCB over windows of recent rewards, for rotting arms",
    "Seznec, Ménard, Lazaric and Valko (AISTATS 2020): regret O~(sqrt(KT)) on rested and restless rotting arms",
    _alpha(1.4, "1.4 in the paper's experiments"), raw_ucb_act, flags=0,
)
FEWA = _windowed(
    "fewa", "FEWA: filter arms on expanding windows of recent rewards, for rotting arms",
    "Seznec, Locatelli, Carpentier, Lazaric and Valko (AISTATS 2019): regret O~(sqrt(KT)) on rested rotting arms, "
    "without knowing T or the decay",
    _alpha(0.06, "0.06 in the paper's experiments; its analysis takes alpha >= 5"), fewa_act, flags=1,
)

LEARNERS = (RAW_UCB, FEWA)
