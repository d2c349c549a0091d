"""Full-information learners: the loss of every action is revealed after each round."""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, exponential_weights, zero_init


@kernel
def hedge_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    exponential_weights(state, params[1], probs, k_arms)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, probs, k_arms)


@kernel
def hedge_update(state, params, obs, action, feedback, t, seed):
    """L_k += loss_k for every expert k."""
    for k in range(int(params[0])):
        state[k] += feedback[k]


def _hedge_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else math.sqrt(8.0 * math.log(k) / horizon)
    return [k, eta]


HEDGE = LearnerType(
    name="hedge",
    summary="Hedge (exponential weights): play k with probability proportional to exp(-eta L_k)",
    reference="Freund and Schapire (1997); Cesa-Bianchi and Lugosi (2006), Thm 2.2: eta = sqrt(8 ln K / T) gives "
    "expected regret <= sqrt(T ln K / 2) for losses in [0, 1]",
    feedback="full",
    params=(N_ARMS, Param("eta", None, "learning rate; None: sqrt(8 ln K / T)", low=0.0, optional=True)),
    state_size=lambda v, k, d: 2 * k,  # cumulative losses L[k], then probabilities p[k]
    row=_hedge_row,
    init=zero_init,
    act=hedge_act,
    update=hedge_update,
    test_params=({}, {"eta": 2.0}),
)

# ---------------------------------------------------------------- AdaHedge


@kernel
def adahedge_act(state, params, obs, t, seed, action):
    """eta = ln K / Delta (infinite while Delta = 0: uniform over the leaders); w ∝ exp(-eta (L - min L))."""
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    gap = state[2 * k_arms]
    if gap > 0.0:
        exponential_weights(state, math.log(k_arms) / gap, probs, k_arms)
    else:
        low = math.inf
        for k in range(k_arms):
            low = min(low, state[k])
        leaders = 0.0
        for k in range(k_arms):
            leaders += 1.0 if state[k] == low else 0.0
        for k in range(k_arms):
            probs[k] = 1.0 / leaders if state[k] == low else 0.0
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, probs, k_arms)


@kernel
def adahedge_update(state, params, obs, action, feedback, t, seed):
    """Delta += h - m with the Hedge loss h = w . l and the mix loss m = -(1/eta) ln sum_k w_k exp(-eta l_k)
    (m = min of l over the support of w while eta is infinite); L += l."""
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    gap = state[2 * k_arms]
    hedge_loss = 0.0
    low = math.inf  # the least loss on the support of w: the mix loss's shift, and its value at eta = infinity
    for k in range(k_arms):
        hedge_loss += probs[k] * feedback[k]
        if probs[k] > 0.0:
            low = min(low, feedback[k])
    mix_loss = low
    if gap > 0.0:
        eta = math.log(k_arms) / gap
        total = 0.0
        for k in range(k_arms):
            if probs[k] > 0.0:
                total += probs[k] * math.exp(-eta * (feedback[k] - low))
        mix_loss = low - math.log(total) / eta
    state[2 * k_arms] = gap + max(hedge_loss - mix_loss, 0.0)
    for k in range(k_arms):
        state[k] += feedback[k]


ADAHEDGE = LearnerType(
    name="adahedge",
    summary="AdaHedge: Hedge with eta = ln K / Delta, Delta the cumulative mixability gap; no step size, no horizon",
    reference="de Rooij, van Erven, Grünwald and Koolen (JMLR 2014), Follow the leader if you can, hedge if you must: "
    "regret <= 2 Delta_T, and O(sqrt(T ln K)) in the worst case",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 2 * k + 1,  # cumulative losses L[k], then the weights w[k] of this round, then Delta
    row=lambda v, k, d, horizon: [k],
    init=zero_init,
    act=adahedge_act,
    update=adahedge_update,
    delayable=False,
)

LEARNERS = (HEDGE, ADAHEDGE)
