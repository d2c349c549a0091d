"""Exp3.P: the adversarial bandit with regret bounded with high probability, not only in expectation.

Auer, Cesa-Bianchi, Freund and Schapire (SIAM J. Comput. 2002), The nonstochastic multiarmed bandit problem,
section 6.  Rewards x = 1 - loss in [0, 1]; with exploration gamma in (0, 1] and confidence alpha > 0,

    p_k = (1 - gamma) w_k / sum_j w_j + gamma / K,
    w_k <- w_k exp(gamma / (3K) (xhat_k + alpha / (p_k sqrt(K T)))),   xhat_k = x_k / p_k if k was played, else 0,

from w_k = exp(alpha gamma / 3 sqrt(T / K)).  So ln w_k = gamma / (3K) (Ghat_k + alpha sigmahat_k) at every
round: the estimated gain Ghat_k plus alpha times sigmahat_k = sqrt(K T) + sum_t 1 / (p_k(t) sqrt(K T)),
which bounds the estimate's deviation.  Their Lemma 6.1: for 2 sqrt(ln(K T / delta)) <= alpha <= 2 sqrt(K T),
the upper confidence bound Ghat_k + alpha sigmahat_k falls below the true total gain G_k with probability
at most delta / K for each arm.  Plain EXP3 weights arms by Ghat_k alone, which an adversary can
leave far below G_k with constant probability.

Theorem 6.3 (as recalled; the text was not at hand): alpha = 2 sqrt(ln(K T / delta)) and
gamma = min(3/5, 2 sqrt(3 K ln K / (5 T))) give, with probability at least 1 - delta,

    G_max - G_Exp3.P <= 4 sqrt(K T ln(K T / delta)) + 4 sqrt(5 K T ln K / 3) + 8 ln(K T / delta),

where G_max is the best arm's realized total gain.  These are the defaults; :func:`regret_bound`
evaluates the bound.

State: ``[ln w_k (K), p_k (K)]``; act writes p, which the next update reads for every arm, so feedback must
not be delayed.  Registered: ``exp3_p``.
"""
import math

from olearn.core.errors import check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported, normalized_exp


def _checked(owner: str, n_arms, horizon, delta=None) -> tuple:
    """(K, T, delta): K and T integers >= 1, delta (skipped when None) in (0, 1); otherwise a ParameterError naming the
    first bad one (a bool is not a number here)."""
    n_arms = check_integer(owner, "n_arms", n_arms, 1)
    horizon = check_integer(owner, "horizon", horizon, 1)
    if delta is not None:
        delta = check_range(owner, "delta", delta, 0.0, 1.0, open_low=True, open_high=True)
    return n_arms, horizon, delta


def default_alpha(n_arms: int, horizon: int, delta: float) -> float:
    """alpha = 2 sqrt(ln(K T / delta)), for integers K, T >= 1 and delta in (0, 1)."""
    n_arms, horizon, delta = _checked("default_alpha", n_arms, horizon, delta)
    return 2.0 * math.sqrt(math.log(n_arms * horizon / delta))


def default_gamma(n_arms: int, horizon: int) -> float:
    """gamma = min(3/5, 2 sqrt(3 K ln K / (5 T))) (3/5 for one arm, where ln K = 0 leaves nothing to explore), for
    integers K, T >= 1."""
    n_arms, horizon, _ = _checked("default_gamma", n_arms, horizon)
    return min(0.6, 2.0 * math.sqrt(0.6 * n_arms * math.log(n_arms) / horizon)) if n_arms > 1 else 0.6


def regret_bound(n_arms: int, horizon: int, delta: float) -> float:
    """4 sqrt(K T ln(K T / delta)) + 4 sqrt(5 K T ln K / 3) + 8 ln(K T / delta): Theorem 6.3 at its tuning, for
    integers K, T >= 1 and delta in (0, 1)."""
    n_arms, horizon, delta = _checked("regret_bound", n_arms, horizon, delta)
    kt = n_arms * horizon
    return 4.0 * math.sqrt(kt * math.log(kt / delta)) + 4.0 * math.sqrt(5.0 * kt * math.log(n_arms) / 3.0) + 8.0 * math.log(kt / delta)


@kernel
def exp3_p_init(state, params, seed):
    """ln w_k = alpha gamma / 3 sqrt(T / K) for every arm (sigmahat starts at sqrt(K T))."""
    k_arms = int(params[0])
    gamma, alpha, root_kt = params[1], params[2], params[3]
    for k in range(k_arms):
        state[k] = gamma / (3.0 * k_arms) * alpha * root_kt
        state[k_arms + k] = 1.0 / k_arms


@kernel
def exp3_p_act(state, params, obs, t, seed, action):
    """p_k = (1 - gamma) w_k / W + gamma / K, from ln w."""
    k_arms = int(params[0])
    gamma = params[1]
    probs = state[k_arms : 2 * k_arms]
    normalized_exp(state, probs, k_arms)
    for k in range(k_arms):
        probs[k] = (1.0 - gamma) * probs[k] + gamma / k_arms
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def exp3_p_update(state, params, obs, action, feedback, t, seed):
    """ln w_k += gamma / (3K) (xhat_k + alpha / (p_k sqrt(K T))) for every arm k."""
    k_arms = int(params[0])
    gamma, alpha, root_kt = params[1], params[2], params[3]
    a = int(action[0])
    for k in range(k_arms):
        p = state[k_arms + k]
        gain = (1.0 - feedback[0]) / p if k == a else 0.0
        state[k] += gamma / (3.0 * k_arms) * (gain + alpha / (p * root_kt))


def _exp3_p_row(v, k, d, horizon):
    gamma = v["gamma"] if v["gamma"] is not None else default_gamma(k, horizon)
    alpha = v["alpha"] if v["alpha"] is not None else default_alpha(k, horizon, v["delta"])
    return [k, gamma, alpha, math.sqrt(k * horizon)]


EXP3_P = LearnerType(
    name="exp3_p",
    summary="Exp3.P: EXP3 whose weights are upper confidence bounds on each arm's total gain, so its regret is "
    "bounded with high probability",
    reference="Auer, Cesa-Bianchi, Freund and Schapire (2002), Thm 6.3: alpha = 2 sqrt(ln(KT/delta)) and "
    "gamma = min(3/5, 2 sqrt(3 K ln K / (5T))) give regret <= 4 sqrt(KT ln(KT/delta)) + 4 sqrt(5 KT ln K / 3) "
    "+ 8 ln(KT/delta) with probability >= 1 - delta",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("gamma", None, "exploration in (0, 1]; None: min(3/5, 2 sqrt(3 K ln K / (5 T)))", low=0.0, high=1.0,
              open_low=True, optional=True),
        Param("alpha", None, "confidence width; None: 2 sqrt(ln(K T / delta))", low=0.0, optional=True),
        Param("delta", 0.01, "the probability the regret bound may fail (sets the default alpha), in (0, 1)", low=0.0,
              high=1.0, open_low=True, open_high=True),
    ),
    state_size=lambda v, k, d: 2 * k,  # ln w[k], then the probabilities p[k] of this round
    row=_exp3_p_row,
    init=exp3_p_init,
    act=exp3_p_act,
    update=exp3_p_update,
    action_dim=2,  # arm, and its probability (the propensity off-policy logs read)
    delayable=False,
    test_params=({}, {"gamma": 0.3, "alpha": 0.5}),
)

LEARNERS = (EXP3_P,)
