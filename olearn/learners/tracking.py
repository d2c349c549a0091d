"""Tracking the best expert: Fixed Share (full information).

Herbster and Warmuth (Machine Learning 1998), Tracking the best expert; in the form of Cesa-Bianchi and
Lugosi (2006), Prediction, Learning, and Games, section 5.2.  Weights w_t over K experts start uniform; the
learner plays an expert drawn from w_t, and after the loss vector l_t

    v_k = w_{t,k} exp(-eta l_{t,k}),     w_{t+1,k} = alpha / K + (1 - alpha) v_k / sum_j v_j.

Every expert keeps at least alpha / K of the weight, so an expert that was bad and turns good is followed
within about ln(K / alpha) / eta rounds; alpha = 0 is Hedge.  Fixed Share is exponential weights over
compound experts (sequences of experts) under the Markov prior that starts uniform and, each round, stays
with probability 1 - alpha + alpha / K and moves to each other expert with alpha / K.  A sequence with m
switches has prior mass at least (1/K) (alpha/K)^m (1 - alpha)^(T-m-1), so for losses in [0, 1] (Hoeffding's
lemma for the mixture's loss) the expected regret against every sequence with at most m switches is

    R_T <= ((m + 1) ln K + ln(1 / (alpha^m (1 - alpha)^(T-m-1)))) / eta + eta T / 8,

and with alpha = m / (T - 1), eta = sqrt(8 B / T), B = (m + 1) ln K + (T - 1) H(alpha) (H the binary
entropy in nats), R_T <= sqrt(T B / 2): Cesa-Bianchi and Lugosi, Corollary 5.1.  These are the defaults
(``switches`` = m); :func:`switching_regret_bound` evaluates the bound.

State: ``[ln w_k (K), w_k (K, scratch of the draw)]``.  Registered: ``fixed_share``.
"""
import math

from olearn.core import rng
from olearn.core.errors import check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, log_sum_exp, normalized_exp


def binary_entropy(p: float) -> float:
    """H(p) = -p ln p - (1 - p) ln(1 - p) in nats (0 at p = 0 and p = 1), for p in [0, 1]."""
    p = check_range("binary_entropy", "p", p, 0.0, 1.0)
    return -sum(q * math.log(q) for q in (p, 1.0 - p) if q > 0.0)


def _checked(owner: str, n_experts, horizon, switches) -> tuple:
    """(K, T, m): K (skipped when None) and T integers >= 1, m an integer >= 0; otherwise a ParameterError naming the
    first bad one (a bool is not a number here)."""
    if n_experts is not None:
        n_experts = check_integer(owner, "n_experts", n_experts, 1)
    horizon = check_integer(owner, "horizon", horizon, 1)
    switches = check_integer(owner, "switches", switches, 0)
    return n_experts, horizon, switches


def share_rate(switches: int, horizon: int) -> float:
    """alpha = m / (T - 1), at most 1 (0 when T = 1: nothing can switch), for integers m >= 0 and T >= 1."""
    _, horizon, switches = _checked("share_rate", None, horizon, switches)
    return min(switches, horizon - 1) / (horizon - 1) if horizon > 1 else 0.0


def switching_regret_bound(n_experts: int, horizon: int, switches: int, eta=None, alpha=None) -> float:
    """Cesa-Bianchi and Lugosi's bound on the expected regret of Fixed Share against the best sequence of experts
    with at most ``switches`` switches, for losses in [0, 1]: ((m+1) ln K + ln 1/(alpha^m (1-alpha)^(T-m-1))) / eta
    + eta T / 8; at the defaults this is sqrt(T B / 2), B = (m + 1) ln K + (T - 1) H(m / (T - 1)).

    Allowed: K = ``n_experts`` and T integers >= 1, m = ``switches`` an integer >= 0, ``eta`` >= 0 finite (None:
    :func:`default_eta`), ``alpha`` in [0, 1] (None: :func:`share_rate`); otherwise a ParameterError naming the first
    bad one."""
    owner = "switching_regret_bound"
    n_experts, horizon, switches = _checked(owner, n_experts, horizon, switches)
    if eta is not None:
        eta = check_range(owner, "eta", eta, 0.0, allowed="a finite number >= 0, or None")
    if alpha is not None:
        alpha = check_range(owner, "alpha", alpha, 0.0, 1.0, allowed="a number in [0, 1], or None")
    m = min(switches, horizon - 1)
    alpha = share_rate(switches, horizon) if alpha is None else alpha
    eta = default_eta(n_experts, horizon, switches) if eta is None else eta
    prior = (m + 1) * math.log(n_experts) + _times_log_inverse(m, alpha) + _times_log_inverse(horizon - m - 1, 1.0 - alpha)
    if eta == 0.0:
        return 0.0 if prior == 0.0 else math.inf
    return prior / eta + eta * horizon / 8.0


def _times_log_inverse(n: int, p: float) -> float:
    """n ln(1 / p), 0 when n = 0 (whatever p is)."""
    if n == 0:
        return 0.0
    return -n * math.log(p) if p > 0.0 else math.inf


def default_eta(n_experts: int, horizon: int, switches: int) -> float:
    """eta = sqrt(8 B / T), B = (m + 1) ln K + (T - 1) H(alpha), alpha = m / (T - 1), for integers K, T >= 1 and
    m >= 0."""
    n_experts, horizon, switches = _checked("default_eta", n_experts, horizon, switches)
    m = min(switches, horizon - 1)
    b = (m + 1) * math.log(n_experts) + (horizon - 1) * binary_entropy(share_rate(switches, horizon))
    return math.sqrt(8.0 * b / horizon)


@kernel
def fixed_share_init(state, params, seed):
    k_arms = int(params[0])
    for k in range(k_arms):
        state[k] = -math.log(k_arms)


@kernel
def fixed_share_act(state, params, obs, t, seed, action):
    """Draw from w = exp(ln w) (renormalised: rounding leaves the sum near one)."""
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    normalized_exp(state, probs, k_arms)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, probs, k_arms)


@kernel
def fixed_share_update(state, params, obs, action, feedback, t, seed):
    """ln v_k = ln w_k - eta l_k; w_k = alpha / K + (1 - alpha) v_k / sum v, kept as ln w_k (log-sum-exp): the
    weights of raw products underflowed, and at alpha = 0 an expert whose weight reached the subnormals froze there
    (or every weight reached 0, and 0 / 0)."""
    k_arms = int(params[0])
    eta, alpha = params[1], params[2]
    for k in range(k_arms):
        state[k] -= eta * feedback[k]
    shift = log_sum_exp(state, 0, k_arms)  # ln sum v
    for k in range(k_arms):
        log_share = state[k] - shift  # ln (v_k / sum v)
        if alpha > 0.0:
            # ln(alpha / K + (1 - alpha) v_k / sum v) summed in logs: alpha / K and the product underflow apart
            # (alpha near the smallest double), and ln 0 is a domain error
            floor = math.log(alpha) - math.log(k_arms)
            kept = log_share + math.log(1.0 - alpha) if alpha < 1.0 else -math.inf
            top = max(floor, kept)
            state[k] = top + math.log(1.0 + math.exp(min(floor, kept) - top))
        else:
            state[k] = log_share


def _fixed_share_row(v, k, d, horizon):
    alpha = v["alpha"] if v["alpha"] is not None else share_rate(v["switches"], horizon)
    eta = v["eta"] if v["eta"] is not None else default_eta(k, horizon, v["switches"])
    return [k, eta, alpha]


FIXED_SHARE = LearnerType(
    name="fixed_share",
    summary="Fixed Share: Hedge whose weights are mixed each round with alpha of the uniform distribution, "
    "to track a best expert that switches",
    reference="Herbster and Warmuth (Machine Learning 1998), Tracking the best expert; Cesa-Bianchi and Lugosi (2006), "
    "Cor 5.1: alpha = m/(T-1) and eta = sqrt(8 B/T) give expected regret <= sqrt(T B/2) against every sequence with "
    "m switches, B = (m+1) ln K + (T-1) H(alpha)",
    feedback="full",
    params=(
        N_ARMS,
        Param("eta", None, "learning rate; None: sqrt(8 B / T), B = (m + 1) ln K + (T - 1) H(alpha)", low=0.0,
              optional=True),
        Param("alpha", None, "share of the weight spread uniformly each round, in [0, 1]; None: m / (T - 1)", low=0.0,
              high=1.0, optional=True),
        Param("switches", 1, "switches m of the best expert the horizon is expected to hold (sets the defaults)",
              kind="int", low=0),
    ),
    state_size=lambda v, k, d: 2 * k,  # ln w[k], then the probabilities drawn from
    row=_fixed_share_row,
    init=fixed_share_init,
    act=fixed_share_act,
    update=fixed_share_update,
    test_params=({}, {"eta": 2.0, "alpha": 0.1}, {"switches": 0}),
)

LEARNERS = (FIXED_SHARE,)
