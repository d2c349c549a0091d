"""A differentially private stochastic bandit: UCB on Laplace-noised means of per-arm doubling episodes.

Privacy model (table DP, as for bandits in Azize and Basu, NeurIPS 2022): the input is the table of every arm's
reward in every round; neighbouring tables differ in one round's row; the released object is the sequence of
arms played.  Rewards r = 1 - loss are clipped to [0, 1] inside the update, so the guarantee holds whatever the
learner is fed.

``dp_ucb`` follows the structure of their AdaP-UCB: each arm is played in episodes, and an episode's mean is
released once, with Laplace noise, from that episode's rewards alone:

* when no episode is running, the learner picks an arm (an arm never played first, lowest index; otherwise the
  largest index below) and plays it for L = max(1, n_a) rounds, n_a its plays so far, so an arm's plays double
  with each episode;
* at the episode's end it releases mu~_a = (1/L) sum of the episode's rewards + Laplace(1 / (eps L)) and keeps
  m_a = L;
* the index is mu~_a + sqrt(alpha ln t / (2 m_a)) + alpha ln t / (eps m_a), t the 1-based round.

Privacy (pure eps-DP for the whole run, derived here): a row of the table reaches the learner only as the one
reward of the arm played in that round, which enters exactly one episode mean, of sensitivity 1 / L; Laplace
noise of scale 1 / (eps L) makes that release eps-DP, the releases use disjoint rewards, and every choice is a
function of earlier releases alone (the episodes' lengths and arms included), so by parallel composition and
post-processing the sequence of arms is eps-DP.  :func:`olearn.privacy.guarantees.guarantee` reports it and
``olearn.privacy.audit`` measures it.

The index's width is also derived here: Hoeffding gives P(mean of m rewards >= mu + sqrt(alpha ln t / (2m))) <=
t^-alpha, and the Laplace tail P(Laplace(1 / (eps m)) >= alpha ln t / (eps m)) = t^-alpha / 2.  alpha = 4 makes the
first term UCB1's sqrt(2 ln t / m).  Their Theorem 7 (rewards in [0, 1], alpha > 3; checked against the paper's
submitted text, whose numbering the final version may not keep) bounds AdaP-UCB's expected regret by the sum over arms
with Delta_a > 0 of 16 alpha ln T / min(Delta_a, eps) + alpha / (alpha - 3); since 1 / min(Delta, eps) <= 1 / Delta +
1 / eps, that is at most O(sum_a ln T / Delta_a + K ln T / eps).  Their index has ln(2 t) where this one has ln t in
the Hoeffding term (the Laplace term and the noise, Lap(1 / (eps m)) over the m rewards of the last episode, are
theirs), so the theorem describes the design, not a proven guarantee of ``dp_ucb``.  Only the last episode's rewards
count, as there, which the doubling keeps to at least half of the arm's plays.

State: ``[n_a, L_a, c_a, s_a, mu~_a, m_a] x K`` by field (plays, episode length, episode plays, episode reward
sum, released mean, its episode length), then the arm of the running episode + 1 (0: none).  act starts episodes,
so feedback must not be delayed.  Registered: ``dp_ucb``.
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, zero_init
from olearn.learners.private import EPSILON
from olearn.privacy.mechanisms import clip_unit, laplace

PLAYS, LENGTH, COUNT, SUM, MEAN, SIZE = 0, 1, 2, 3, 4, 5  # field f of arm a at state[f K + a]


@kernel
def dp_ucb_act(state, params, obs, t, seed, action):
    """The running episode's arm; else a new episode of max(1, n_a) plays of the arm never played, or of the
    largest mu~_a + sqrt(alpha ln t / (2 m_a)) + alpha ln t / (eps m_a) (noise scale 1 / eps = params[1])."""
    k_arms = int(params[0])
    running = int(state[6 * k_arms])
    if running > 0:
        action[0] = running - 1
        return
    scaled_log = params[2] * math.log(t + 1.0)
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        index = math.inf
        m = state[SIZE * k_arms + k]
        if m > 0.0:
            index = state[MEAN * k_arms + k] + math.sqrt(scaled_log / (2.0 * m)) + scaled_log * params[1] / m
        if index > best:
            best = index
            arm = k
    state[LENGTH * k_arms + arm] = max(1.0, state[PLAYS * k_arms + arm])
    state[6 * k_arms] = arm + 1.0
    action[0] = arm


@kernel
def dp_ucb_update(state, params, obs, action, feedback, t, seed):
    """Add the clipped reward to the running episode; at its end release mu~ = mean + Laplace(1 / (eps L))."""
    k_arms = int(params[0])
    a = int(action[0])
    state[PLAYS * k_arms + a] += 1.0
    state[COUNT * k_arms + a] += 1.0
    state[SUM * k_arms + a] += clip_unit(1.0 - feedback[0])
    length = state[LENGTH * k_arms + a]
    if state[COUNT * k_arms + a] >= length:
        noise = laplace(seed, rng.LEARNER_UPDATE, t, 0, params[1] / length)
        state[MEAN * k_arms + a] = state[SUM * k_arms + a] / length + noise
        state[SIZE * k_arms + a] = length
        state[COUNT * k_arms + a] = 0.0
        state[SUM * k_arms + a] = 0.0
        state[6 * k_arms] = 0.0


DP_UCB = LearnerType(
    name="dp_ucb",
    summary="eps-DP UCB: each arm in doubling episodes, one Laplace(1/(eps L)) release of each episode's mean, index "
    "mu~ + sqrt(alpha ln t / 2m) + alpha ln t / (eps m) over the last episode's m rewards",
    reference="episodes and releases as in AdaP-UCB, Azize and Basu (NeurIPS 2022), When privacy meets partial "
    "information, Thm 7 (rewards in [0, 1], alpha > 3): regret <= sum over Delta_a > 0 of 16 alpha ln T / "
    "min(Delta_a, eps) + alpha / (alpha - 3), for their index (ln 2t in its Hoeffding term, ln t here); the width "
    "and the eps-DP argument (parallel composition over disjoint episodes) derived in olearn.learners.private_bandits",
    feedback="bandit",
    params=(N_ARMS, EPSILON, Param("alpha", 4.0, "exploration exponent: each width term fails with probability "
                                   "about t^-alpha", low=0.0, open_low=True, high=100.0)),
    state_size=lambda v, k, d: 6 * k + 1,
    row=lambda v, k, d, horizon: [k, 1.0 / v["epsilon"], v["alpha"]],
    init=zero_init,
    act=dp_ucb_act,
    update=dp_ucb_update,
    delayable=False,
    test_params=({}, {"epsilon": 0.2, "alpha": 2.0}),
)

LEARNERS = (DP_UCB,)
