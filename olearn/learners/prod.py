"""ML-Prod: Prod with one adaptive learning rate per expert, for second-order regret bounds (full information).

Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses, ML-Prod.  Over N experts
with losses l_t in [0, 1]^N, under the uniform prior w_{i,0} = 1/N, the learner plays

    p_{t,i}  proportional to  eta_{i,t-1} w_{i,t-1},

and after the losses charges each expert its instantaneous regret r_{t,i} = <p_t, l_t> - l_{t,i}:

    eta_{i,t} = min(1/2, sqrt(ln N / (1 + sum_{s <= t} r_{s,i}^2))),
    w_{i,t}   = (w_{i,t-1} (1 + eta_{i,t-1} r_{t,i}))^(eta_{i,t} / eta_{i,t-1}).

The rate of each expert shrinks with its own excess losses' second moment, which gives their second-order bound:
regret to expert i of order sqrt(sum_t r_{t,i}^2) times a factor logarithmic in N and ln T, plus such a factor
(quoted from memory: the exact factors and constants are not checked here).  Against an expert with no loss r_{t,i} = <p_t, l_t> >= 0, so sum_t r_{t,i}^2 <= the
learner's expected loss L_T and L_T = O(ln N + ln ln T): the loss stops growing in the realizable case.  Nothing is
tuned to T.

Computed on ln w (the power becomes a product): ln w_{i,t} = (eta_{i,t} / eta_{i,t-1}) (ln w_{i,t-1} +
ln(1 + eta_{i,t-1} r_{t,i})), and p from ln eta + ln w with the largest subtracted, so no weight under- or
overflows.  With losses in [0, 1], |r| <= 1 and eta <= 1/2 keep 1 + eta r >= 1/2; a loss outside [0, 1] (a world
the analysis does not cover) has 1 + eta r held at 1e-300 or more.  One expert: ln N = 0, and it is played.

State: ``[ln w_i (N), eta_i (N), sum r_i^2 (N), p_i (N)]``; update reads the p that act played, so feedback must
not be delayed.  Registered: ``ml_prod``.
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.engine.models import dot
from olearn.learners.bandits import N_ARMS, normalized_exp


@kernel
def rate(log_n, squares):
    """min(1/2, sqrt(ln N / (1 + sum r^2)))."""
    return min(0.5, math.sqrt(log_n / (1.0 + squares)))


@kernel
def ml_prod_init(state, params, seed):
    """ln w_i = -ln N, eta_i = min(1/2, sqrt(ln N)), no squared regret yet, p uniform."""
    n = int(params[0])
    log_n = math.log(n)
    for i in range(n):
        state[i] = -log_n
        state[n + i] = rate(log_n, 0.0)
        state[2 * n + i] = 0.0
        state[3 * n + i] = 1.0 / n


@kernel
def ml_prod_act(state, params, obs, t, seed, action):
    """p_i ∝ eta_i w_i into state[3N:4N] (uniform while every eta_i is 0: one expert), then one expert drawn."""
    n = int(params[0])
    p = state[3 * n : 4 * n]
    if state[n] > 0.0:
        for i in range(n):
            p[i] = math.log(state[n + i]) + state[i]
        normalized_exp(p, p, n)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, p, n)


@kernel
def ml_prod_update(state, params, obs, action, feedback, t, seed):
    """r_i = <p, l> - l_i with the p that act played; sum r_i^2 += r_i^2; the new rate; ln w_i <- (eta' / eta)
    (ln w_i + ln(1 + eta r_i))."""
    n = int(params[0])
    log_n = math.log(n)
    mixture = dot(state[3 * n : 4 * n], feedback, n)
    for i in range(n):
        r = mixture - feedback[i]
        eta = state[n + i]
        state[2 * n + i] += r * r
        new = rate(log_n, state[2 * n + i])
        if eta > 0.0:
            state[i] = new / eta * (state[i] + math.log(max(1.0 + eta * r, 1e-300)))
        state[n + i] = new


ML_PROD = LearnerType(
    name="ml_prod",
    summary="ML-Prod: p_i ∝ eta_i w_i, w_i <- (w_i (1 + eta_i r_i))^(eta_i' / eta_i), eta_i' = min(1/2, sqrt(ln N / "
    "(1 + sum r_i^2))) a rate per expert from its own excess losses r_i = <p, l> - l_i (log domain); no horizon",
    reference="Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses: regret to expert i "
    "of order sqrt(sum_t r_{t,i}^2) times factors logarithmic in N and ln T (form quoted from memory)",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 4 * k,  # ln w[k], eta[k], sum r^2 [k], then the weights p[k] played this round
    row=lambda v, k, d, horizon: [k],
    init=ml_prod_init,
    act=ml_prod_act,
    update=ml_prod_update,
    delayable=False,
)

LEARNERS = (ML_PROD,)
