"""ML-Prod and BOA: Prod-type weights with one adaptive learning rate per expert, for second-order regret bounds
(full information).

Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses, ML-Prod.  Over N experts
with losses l_t in [0, 1]^N, under the uniform prior w_{i,0} = 1/N, the learner plays

    p_{t,i}  proportional to  eta_{i,t-1} w_{i,t-1},

and after the losses charges each expert its instantaneous regret r_{t,i} = <p_t, l_t> - l_{t,i}:

    eta_{i,t} = min(1/2, sqrt(ln N / (1 + sum_{s <= t} r_{s,i}^2))),
    w_{i,t}   = (w_{i,t-1} (1 + eta_{i,t-1} r_{t,i}))^(eta_{i,t} / eta_{i,t-1}).

The rate of each expert shrinks with its own excess losses' second moment, which gives their second-order bound:
regret to expert i of order sqrt(sum_t r_{t,i}^2) times a factor logarithmic in N and ln T, plus such a factor
(quoted from memory: the exact factors and constants are not checked here).  Against an expert with no loss
r_{t,i} = <p_t, l_t> >= 0, so sum_t r_{t,i}^2 <= the learner's expected loss L_T and L_T = O(ln N + ln ln T): the
loss stops growing in the realizable case.  Nothing is tuned to T.

BOA (Wintenberger, Machine Learning 2017, Bernstein online aggregation) replaces the factor 1 + eta r by the
exponential weight with a second-order term, exp(eta r - eta^2 r^2); its multiple-learning-rates version is run
here with ML-Prod's rates and power rescaling above (Wintenberger's exact rate constants are not checked here).

The potential both share (derived here, as in ML-Prod's analysis): with gains G <= 1 + eta r (exp(x - x^2) <= 1 + x
for x >= -1/2) and sum_i eta_i w_i r_i = 0 (p ∝ eta w), the inequality x <= x^a + (a - 1)/a (x > 0, a >= 1) with
a = eta_{i,t-1} / eta_{i,t} gives

    sum_i w_{i,T}  <=  1 + sum_i sum_t (1 - eta_{i,t} / eta_{i,t-1})       (W_0 = 1),

at most 1 + sum_i ln(eta_{i,0} / eta_{i,T}) <= 1 + (N/2) ln(1 + T) as 1 - 1/a <= ln a: the bound
``tests/test_prod.py`` checks on adversarial sequences.  Taking logarithms of w_{i,T} gives the regret bound, with
its ln ln T from ln W_T.

Computed on ln w (the power becomes a product): ln w_{i,t} = (eta_{i,t} / eta_{i,t-1}) (ln w_{i,t-1} + g), g =
ln(1 + eta_{i,t-1} r_{t,i}) or eta_{i,t-1} r_{t,i} - (eta_{i,t-1} r_{t,i})^2, and p from ln eta + ln w with the
largest subtracted, so no weight under- or overflows.  With losses in [0, 1], |r| <= 1 and eta <= 1/2 keep 1 + eta r
>= 1/2; a loss outside [0, 1] (a world the analysis does not cover) has 1 + eta r held at 1e-300 or more.  One
expert: ln N = 0, and it is played.

State: ``[ln w_i (N), eta_i (N), sum r_i^2 (N), p_i (N)]``; update reads the p that act played, so feedback must
not be delayed.  Registered: ``ml_prod``, ``boa``.
"""
import math
from dataclasses import replace

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
def reweight(state, params, feedback, bernstein):
    """r_i = <p, l> - l_i with the p that act played; sum r_i^2 += r_i^2; the new rate eta_i'; then
    ln w_i <- (eta_i' / eta_i) (ln w_i + g_i), the gain g_i = ln(1 + eta_i r_i) (ML-Prod) or
    eta_i r_i - (eta_i r_i)^2 (BOA's exponential weights with their second-order term)."""
    n = int(params[0])
    log_n = math.log(n)
    mixture = dot(state[3 * n : 4 * n], feedback, n)
    for i in range(n):
        r = mixture - feedback[i]
        eta = state[n + i]
        state[2 * n + i] += r * r
        new = rate(log_n, state[2 * n + i])
        if eta > 0.0:
            x = eta * r
            if bernstein:
                gain = x - x * x
            else:
                gain = math.log(max(1.0 + x, 1e-300))
            state[i] = new / eta * (state[i] + gain)
        state[n + i] = new


@kernel
def ml_prod_update(state, params, obs, action, feedback, t, seed):
    """ML-Prod's step: w_i <- (w_i (1 + eta_i r_i))^(eta_i' / eta_i), in logarithms."""
    reweight(state, params, feedback, False)


@kernel
def boa_update(state, params, obs, action, feedback, t, seed):
    """BOA's step: w_i <- (w_i exp(eta_i r_i - eta_i^2 r_i^2))^(eta_i' / eta_i), in logarithms."""
    reweight(state, params, feedback, True)


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

BOA = replace(  # ML-Prod's parameters, state, rates and act; only the update's gain differs
    ML_PROD,
    name="boa",
    summary="BOA: p_i ∝ eta_i w_i, w_i <- (w_i exp(eta_i r_i - eta_i^2 r_i^2))^(eta_i' / eta_i), exponential weights "
    "with a second-order term, with ML-Prod's rate per expert eta_i' = min(1/2, sqrt(ln N / (1 + sum r_i^2))) "
    "(log domain); no horizon",
    reference="Wintenberger (Machine Learning 2017), Optimal learning with Bernstein online aggregation (its "
    "multiple-learning-rates version, run with the rates and rescaling of Gaillard, Stoltz and van Erven 2014): "
    "second-order regret to each expert up to a ln ln T factor (form quoted from memory)",
    update=boa_update,
)

LEARNERS = (ML_PROD, BOA)
