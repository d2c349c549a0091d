"""Robust UCB with the truncated empirical mean, for rewards with heavy tails.

Bubeck, Cesa-Bianchi and Lugosi (IEEE Trans. Inf. Theory 59(11), 2013), Bandits with heavy tail: every arm's
reward X (here X = 1 - loss, the reward itself, *not* centred) satisfies E|X|^(1 + eps) <= u for a known
eps in (0, 1] and u > 0.  Their Lemma 1: for n i.i.d. samples and delta in (0, 1), the truncated empirical mean

    mean_hat = (1/n) sum_{s=1}^{n} X_s 1{|X_s| <= B_s},   B_s = (u s / ln(1/delta))^(1 / (1 + eps)),

satisfies mean_hat <= mu + 4 u^(1/(1+eps)) (ln(1/delta) / n)^(eps/(1+eps)) with probability at least 1 - delta
(and the same below).  Robust UCB plays argmax_k mean_hat_k + 4 u^(1/(1+eps)) (ln(1/delta) / n_k)^(eps/(1+eps)).

**Known-horizon variant.**  The paper takes delta = t^-2 at round t, so every threshold B_s moves with t and
the estimator would have to keep all of an arm's samples and re-truncate them each round.  Here delta = T^-2
for the horizon T (the engine passes T to the parameter row, as for MOSS): ln(1/delta) = 2 ln T is fixed, so
sample s is truncated once, at B_s, when it arrives, and each arm's state is a running sum.  The index only
changes when the arm is played, so it is kept in the state as well (state: plays n_k, truncated sum, index).
Giving ``delta`` instead fixes ln(1/delta) without the horizon.  With ln(1/delta) = 2 ln T the bonus is at
least the paper's at every t <= T (more exploration), and the paper's proof applies with log n = ln T.  The index
need not be: the larger ln(1/delta) also lowers every truncation threshold B_s, so a sample the paper keeps at
round t can be dropped here, and the truncated mean can fall by more than the bonus rises.

Regret: their Proposition 1 states R_n <= sum_{k: Delta_k > 0} (8 (4u / Delta_k)^(1/eps) ln n + 5 Delta_k)
(:func:`paper_regret_bound`).  That constant comes from playing a suboptimal arm until its confidence radius
alone falls below Delta_k; requiring both arms' radii to fit in Delta_k, as a union-bound proof of the
known-horizon variant does, gives sum_k Delta_k (floor(2 ln T (8 u^(1/(1+eps)) / Delta_k)^((1+eps)/eps)) + 3)
(:func:`known_horizon_regret_bound`, larger by a factor of about 2^(1 + 1/eps)).  The printed constant is not a bound
for this variant everywhere: on two arms at +-1/2 with Lomax(2.5) noise of scale 0.3 (eps = 1) the mean regret passes
it by 2% at T = 1e5 and 9% at T = 1e6 (experiments/bandits/heavy_tails.py), at 0.28 of the union bound.
"""
import math

import numpy as np

from olearn.core.errors import ParameterError, check_integer, check_real
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, moss_act, zero_init


def _log_inverse_delta(v, horizon):
    """ln(1/delta): 2 ln T for delta = T^-2 (0 at T = 1, where the one round plays arm 0 whatever the index)."""
    return -math.log(v["delta"]) if v["delta"] is not None else 2.0 * math.log(horizon)


def _robust_ucb_row(v, k, d, horizon):
    """[K, 1/(1+eps), eps/(1+eps), u, ln(1/delta), 4 u^(1/(1+eps))]."""
    p = 1.0 + v["eps"]
    return [k, 1.0 / p, v["eps"] / p, v["u"], _log_inverse_delta(v, horizon), 4.0 * v["u"] ** (1.0 / p)]


@kernel
def robust_ucb_update(state, params, obs, action, feedback, t, seed):
    """n_a += 1; the reward x = 1 - loss joins the sum when |x| <= B_n = (u n / ln(1/delta))^(1/(1+eps)); then
    index_a = sum_a / n_a + 4 u^(1/(1+eps)) (ln(1/delta) / n_a)^(eps/(1+eps)).  At ln(1/delta) = 0 (T = 1) nothing
    is truncated and the bonus is 0."""
    k_arms = int(params[0])
    a = int(action[0])
    n = state[a] + 1.0
    state[a] = n
    x = 1.0 - feedback[0]
    log_inv_delta = params[4]
    bonus = 0.0
    if log_inv_delta > 0.0:
        if abs(x) <= math.exp(params[1] * math.log(params[3] * n / log_inv_delta)):
            state[k_arms + a] += x
        bonus = params[5] * math.exp(params[2] * math.log(log_inv_delta / n))
    else:
        state[k_arms + a] += x
    state[2 * k_arms + a] = state[k_arms + a] / n + bonus


ROBUST_UCB = LearnerType(
    name="robust_ucb",
    summary="Robust UCB (truncated empirical mean), known-horizon: argmax_k mean_k + 4 u^(1/(1+eps)) (2 ln T / n_k)^"
    "(eps/(1+eps)), sample s of an arm kept when |x_s| <= (u s / (2 ln T))^(1/(1+eps)); needs E|reward|^(1+eps) <= u",
    reference="Bubeck, Cesa-Bianchi and Lugosi (IEEE Trans. IT 2013), Bandits with heavy tail, Lemma 1 and Prop. 1 "
    "(printed: regret <= sum_k 8 (4u/Delta_k)^(1/eps) ln T + 5 Delta_k; this variant's union bound is about "
    "2^(1 + 1/eps) times that); their delta = t^-2 is taken at t = T, delta = T^-2, so each sample is truncated once "
    "and the estimator is a running sum (the moment bound is on the raw reward, not centred)",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("eps", 1.0, "moment order 1 + eps of the assumption E|reward|^(1+eps) <= u", low=0.0, high=1.0, open_low=True),
        Param("u", 1.0, "bound on E|reward|^(1+eps) for every arm (reward = 1 - loss, not centred)", low=0.0, open_low=True),
        Param("delta", None, "confidence level of each arm's bound; None: T^-2 (the known-horizon variant)",
              low=0.0, high=1.0, open_low=True, open_high=True, optional=True),
    ),
    state_size=lambda v, k, d: 3 * k,  # plays n[k], truncated sums[k], then each arm's index
    row=_robust_ucb_row,
    init=zero_init,
    act=moss_act,  # argmax of the indices kept in the state; unplayed arms first, ties to the lowest index
    update=robust_ucb_update,
    test_params=({}, {"eps": 0.3, "u": 2.5}, {"eps": 0.5, "u": 0.2, "delta": 0.01}),
)

LEARNERS = (ROBUST_UCB,)


def _gaps(means):
    means = np.asarray(means, dtype=float)
    if means.ndim != 1 or means.size == 0 or not np.all(np.isfinite(means)):
        raise ParameterError("regret_bound", "means", means, "a non-empty list of finite mean rewards")
    gaps = means.max() - means
    return gaps[gaps > 0]


def _check_bound_args(eps, u, horizon):
    """(eps, u, horizon) as (float, float, int); a bool is refused (True is not eps = 1)."""
    eps = check_real("regret_bound", "eps", eps, "a number in (0, 1]")
    if not 0.0 < eps <= 1.0:
        raise ParameterError("regret_bound", "eps", eps, "a number in (0, 1]")
    u = check_real("regret_bound", "u", u, "a finite number > 0")
    if not u > 0.0:
        raise ParameterError("regret_bound", "u", u, "a finite number > 0")
    return eps, u, check_integer("regret_bound", "horizon", horizon, 2)


def paper_regret_bound(means, eps, u, horizon):
    """Bubeck, Cesa-Bianchi and Lugosi's Proposition 1 with their constants, n = T:
    sum_{k: Delta_k > 0} 8 (4u / Delta_k)^(1/eps) ln T + 5 Delta_k (mean rewards ``means``, E|X|^(1+eps) <= u)."""
    eps, u, horizon = _check_bound_args(eps, u, horizon)
    gaps = _gaps(means)
    return float(np.sum(8.0 * (4.0 * u / gaps) ** (1.0 / eps) * math.log(horizon) + 5.0 * gaps))


def known_horizon_regret_bound(means, eps, u, horizon):
    """sum_k Delta_k (l_k + 2), l_k = floor(L (8 u^(1/(1+eps)) / Delta_k)^((1+eps)/eps)) + 1, L = 2 ln T: the
    union-bound proof of the known-horizon variant, r(s) = 4 u^(1/(1+eps)) (L / s)^(eps/(1+eps)) the radius.
    Lemma 1 at a fixed count s fails with probability at most delta = T^-2 for the best arm (index below mu*) and
    for arm k (truncated mean above mu_k + r(s)).  Outside these events arm k, at count s, is played only while
    mu_k + 2 r(s) >= mu*, i.e. s < l_k; so E[plays of k] <= l_k + sum_{t <= T} 2 t T^-2 <= l_k + 2."""
    eps, u, horizon = _check_bound_args(eps, u, horizon)
    gaps = _gaps(means)
    p = 1.0 + eps
    plays = np.floor(2.0 * math.log(horizon) * (8.0 * u ** (1.0 / p) / gaps) ** (p / eps)) + 1.0
    return float(np.sum(gaps * (plays + 2.0)))
