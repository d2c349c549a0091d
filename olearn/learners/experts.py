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

LEARNERS = (HEDGE,)
