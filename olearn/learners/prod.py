"""ML-Prod and BOA: Prod-type weights with one adaptive learning rate per expert, for second-order regret bounds
(full information).

Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses: Prod with one learning rate
per expert (ML-Prod), here with the adaptive rates below, the version the paper names Adapt-ML-Prod (registered as
``ml_prod``).  Over N experts with losses l_t in [0, 1]^N, under the uniform prior w_{i,0} = 1/N, the learner plays

    p_{t,i}  proportional to  eta_{i,t-1} w_{i,t-1},

and after the losses charges each expert its instantaneous regret r_{t,i} = <p_t, l_t> - l_{t,i}:

    eta_{i,t} = min(1/2, sqrt(ln N / (1 + sum_{s <= t} r_{s,i}^2))),
    w_{i,t}   = (w_{i,t-1} (1 + eta_{i,t-1} r_{t,i}))^(eta_{i,t} / eta_{i,t-1}).

The rate of each expert shrinks with its own excess losses' second moment, which gives their second-order bound
(their Corollary 4, for these rates and this prior): for every expert i and every T,

    sum_t r_{t,i}  <=  (C / sqrt(ln N)) sqrt(1 + sum_t r_{t,i}^2) + 2 C,
    C = 3 ln N + ln(1 + N (1 + ln(T + 1)) / (2e))  = O(ln N + ln ln T)

(checked against the corollary as restated, with these constants, by Yang, Wang, Zhao and Zhang, NeurIPS 2024,
Universal online convex optimization with 1 projection per round, proof of their Lemma 8, which also writes out
these rates and updates; the COLT paper's own page was not read).  :func:`corollary4_bound` evaluates it.  Against
an expert with no loss r_{t,i} = <p_t, l_t> in [0, 1], so sum_t r_{t,i}^2 <= the learner's expected loss L_T, and
L_T <= (C / sqrt(ln N)) sqrt(1 + L_T) + 2 C gives L_T = O(C^2 / ln N + C): the loss grows with T only through
C's ln ln T (at N = 10, L_T <= 74.6 at T = 1,000 and <= 78.1 at T = 16,000).  Nothing is tuned to T.

BOA (Wintenberger, Machine Learning 2017, Bernstein online aggregation) replaces the factor 1 + eta r by the
exponential weight with a second-order term, exp(eta r - eta^2 r^2); its multiple-learning-rates version is run
here with ML-Prod's rates and power rescaling above (Wintenberger's exact rate constants are not checked here, and
Corollary 4 above is proved for ML-Prod's factor 1 + eta r, not for this one).  The paper's abstract says this
fully adaptive version is optimal up to a log log n factor; its regret theorem was not read here.

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
from olearn.core.errors import check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.engine.models import dot
from olearn.learners.bandits import N_ARMS, normalized_exp


@kernel
def rate(log_n, squares):
    """min(1/2, sqrt(ln N / (1 + sum r^2)))."""
    return min(0.5, math.sqrt(log_n / (1.0 + squares)))


def corollary4_bound(n_experts: int, horizon: int, squares: float) -> float:
    """Corollary 4's bound on ``ml_prod``'s regret to one expert after T rounds (the module docstring):
    (C / sqrt(ln N)) sqrt(1 + S) + 2 C, C = 3 ln N + ln(1 + N (1 + ln(T + 1)) / (2e)), for integers N >= 2 and
    T >= 1 and S = ``squares`` >= 0, that expert's sum_t r_{t,i}^2 (losses in [0, 1])."""
    owner = "corollary4_bound"
    n_experts = check_integer(owner, "n_experts", n_experts, 2)
    horizon = check_integer(owner, "horizon", horizon, 1)
    squares = check_range(owner, "squares", squares, 0.0)
    log_n = math.log(n_experts)
    c = 3.0 * log_n + math.log(1.0 + n_experts * (1.0 + math.log(horizon + 1.0)) / (2.0 * math.e))
    return c / math.sqrt(log_n) * math.sqrt(1.0 + squares) + 2.0 * c


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
    reference="Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses (the adaptive-rate "
    "version they name Adapt-ML-Prod), Corollary 4: regret to expert i at most (C / sqrt(ln N)) sqrt(1 + sum_t "
    "r_{t,i}^2) + 2 C, C = 3 ln N + ln(1 + N (1 + ln(T + 1)) / (2e)) = O(ln N + ln ln T) (checked against a "
    "restatement of the corollary)",
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
    "its abstract calls the fully adaptive version optimal up to a log log n factor (its second-order regret "
    "theorem not checked here)",
    update=boa_update,
)

LEARNERS = (ML_PROD, BOA)
