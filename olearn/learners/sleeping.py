"""Learners for sleeping arms: each round only the awake arms may be played (:mod:`environments.sleeping`).

The awake set A_t arrives as the round's observation, ``obs[k] > 0`` for an awake arm; on a world
without observations (``obs_dim = 0``) every arm is awake and these learners are their classical
selves.  Regret is measured per arm over the rounds it is awake (``sleeping_regret``) or against
the best awake arm each round (``dynamic_regret``).
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.engine.models import dot
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported, mean_update, zero_init


@kernel
def is_awake(params, obs, k):
    """Arm k is awake: always where the world has no observation (params[2] = obs_dim = 0), else obs[k] > 0."""
    return params[2] == 0.0 or obs[k] > 0.0


@kernel
def awake_regret_update(state, params, obs, feedback, absolute):
    """State R[n], second-order sums[n], then the p that act played: for each awake expert r_i = <p, l> - l_i,
    R_i += r_i and its second-order sum += |r_i| (``absolute``) or r_i^2 (AdaNormalHedge's C_i, ML-Poly's sum r_i^2)."""
    n = int(params[0])
    mixture = dot(state[2 * n : 3 * n], feedback, n)
    for i in range(n):
        if is_awake(params, obs, i):
            r = mixture - feedback[i]
            state[i] += r
            state[n + i] += abs(r) if absolute else r * r


# ---------------------------------------------------------------- UCB on the awake arms


@kernel
def awake_ucb_act(state, params, obs, t, seed, action):
    """Among the awake arms: an unplayed one first (lowest index), else argmax mean_k + sqrt(c ln t / n_k)."""
    k_arms = int(params[0])
    log_t = params[1] * math.log(t + 1.0)
    arm = -1
    best = -math.inf
    for k in range(k_arms):
        if not is_awake(params, obs, k):
            continue
        n = state[k]
        index = math.inf if n == 0.0 else state[k_arms + k] / n + math.sqrt(log_t / n)
        if arm < 0 or index > best:
            best = index
            arm = k
    action[0] = max(arm, 0)


AWAKE_UCB = LearnerType(
    name="awake_ucb",
    summary="UCB on the awake arms: argmax over A_t of mean_k + sqrt(c ln t / n_k), t the 1-based round",
    reference="Kleinberg, Niculescu-Mizil and Sharma (Machine Learning 2010), Regret bounds for sleeping experts and "
    "bandits: this rule (AUER) has regret O(sum_k ln T / Delta_k) against the best ordering of the arms for stochastic "
    "rewards and availability (their analysis uses a larger constant; c = 2 is UCB1's)",
    feedback="bandit",
    params=(N_ARMS, Param("c", 2.0, "exploration constant in sqrt(c ln t / n)", low=0.0)),
    state_size=lambda v, k, d: 2 * k,  # plays n[k], summed rewards s[k]
    row=lambda v, k, d, horizon: [k, v["c"], d],
    init=zero_init,
    act=awake_ucb_act,
    update=mean_update,
    sleeping=True,
    test_params=({}, {"c": 0.5}),
)

# ---------------------------------------------------------------- Hedge over specialists


@kernel
def awake_weights(state, params, obs, probs):
    """probs[k] = exp(-eta L_k) / sum over awake j of exp(-eta L_j) for awake k, 0 for the others."""
    k_arms = int(params[0])
    eta = params[1]
    low = math.inf
    for k in range(k_arms):
        if is_awake(params, obs, k):
            low = min(low, state[k])
    total = 0.0
    for k in range(k_arms):
        w = 0.0
        if is_awake(params, obs, k):
            w = math.exp(-eta * (state[k] - low))
        probs[k] = w
        total += w
    for k in range(k_arms):
        probs[k] /= total


@kernel
def sleeping_hedge_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    awake_weights(state, params, obs, probs)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, probs, k_arms)


@kernel
def specialists_step(state, params, obs, losses):
    """L_k += l_k - m for every awake k, m = -(1/eta) ln sum_{j awake} p_j exp(-eta l_j) the mix loss of the
    weights p over the awake arms: the awake arms' total weight is kept, so a sleeping arm keeps its share."""
    k_arms = int(params[0])
    eta = params[1]
    probs = state[k_arms : 2 * k_arms]
    awake_weights(state, params, obs, probs)
    low = math.inf
    for k in range(k_arms):
        if probs[k] > 0.0:
            low = min(low, losses[k])
    mix = 0.0
    for k in range(k_arms):
        if probs[k] > 0.0:
            mix += probs[k] * math.exp(-eta * (losses[k] - low))
    mix_loss = low - math.log(mix) / eta
    for k in range(k_arms):
        if is_awake(params, obs, k):
            state[k] += losses[k] - mix_loss


@kernel
def sleeping_hedge_update(state, params, obs, action, feedback, t, seed):
    specialists_step(state, params, obs, feedback)


def _sleeping_hedge_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else math.sqrt(8.0 * math.log(max(k, 2)) / horizon)
    return [k, eta, d]


SLEEPING_HEDGE = LearnerType(
    name="sleeping_hedge",
    summary="Hedge over specialists: p_k proportional to w_k over the awake arms; the awake arms' weights are "
    "multiplied by exp(-eta l_k) and rescaled to keep their total",
    reference="Freund, Schapire, Singer and Warmuth (STOC 1997), Using and combining predictors that specialize: "
    "for every arm k, the expected loss minus k's over the rounds k is awake is <= ln K / eta + eta T_k / 8 "
    "(T_k those rounds), sqrt(T ln K / 2) with eta = sqrt(8 ln K / T)",
    feedback="full",
    params=(N_ARMS, Param("eta", None, "learning rate; None: sqrt(8 ln max(K, 2) / T)", low=0.0, open_low=True, optional=True)),
    state_size=lambda v, k, d: 2 * k,  # log-weights L[k] (w = exp(-eta L)), then the probabilities p[k]
    row=_sleeping_hedge_row,
    init=zero_init,
    act=sleeping_hedge_act,
    update=sleeping_hedge_update,
    sleeping=True,
    test_params=({}, {"eta": 2.0}),
)

# ---------------------------------------------------------------- EXP3 over specialists


@kernel
def sleeping_exp3_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    awake_weights(state, params, obs, probs)
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def sleeping_exp3_update(state, params, obs, action, feedback, t, seed):
    """The specialists' step on the importance-weighted estimates: l_a / p_a for the played arm a (p_a recorded
    with the action), 0 for the others."""
    k_arms = int(params[0])
    estimates = state[2 * k_arms : 3 * k_arms]
    for k in range(k_arms):
        estimates[k] = 0.0
    a = int(action[0])
    estimates[a] = feedback[0] / action[1]
    specialists_step(state, params, obs, estimates)


def _sleeping_exp3_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else math.sqrt(2.0 * math.log(max(k, 2)) / (k * horizon))
    return [k, eta, d]


SLEEPING_EXP3 = LearnerType(
    name="sleeping_exp3",
    summary="EXP3 over specialists: Hedge over specialists on the importance-weighted losses l_a / p_a (bandit feedback)",
    reference="the specialists' update of Freund, Schapire, Singer and Warmuth (1997) on EXP3's estimates (Auer et al. "
    "2002): for every arm k, the expected loss minus k's over the rounds k is awake is <= ln K / eta + (eta / 2) "
    "sum over those rounds of |A_t| (from exp(-x) <= 1 - x + x^2 / 2), so <= sqrt(2 T K ln K) with eta = "
    "sqrt(2 ln K / (K T))",
    feedback="bandit",
    params=(N_ARMS, Param("eta", None, "learning rate; None: sqrt(2 ln max(K, 2) / (K T))", low=0.0, open_low=True, optional=True)),
    state_size=lambda v, k, d: 3 * k,  # log-weights L[k], probabilities p[k], this round's estimates
    row=_sleeping_exp3_row,
    init=zero_init,
    act=sleeping_exp3_act,
    update=sleeping_exp3_update,
    action_dim=2,  # arm, and its probability (so delayed feedback is weighted correctly)
    sleeping=True,
    test_params=({}, {"eta": 0.5}),
)

LEARNERS = (AWAKE_UCB, SLEEPING_HEDGE, SLEEPING_EXP3)
