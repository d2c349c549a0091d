"""The geometric covering of time and the coin-betting weights shared by strongly adaptive learners.

At every round t = 1, 2, ... a copy of a base learner starts with lifetime ``g 2^u``, u the number of
times 2 divides t (Daniely, Gonen and Shalev-Shwartz 2015; Jun, Orabona, Wright and Willett, AISTATS
2017), with the prior pi proportional to 1 / (t^2 (1 + floor(log2 t))).  A copy's slots in a state row
begin ``[t_i, z_i, wz_i, n_i, L_i, unnormalised prior]``: the sum of its clipped meta gradients, their
sum weighted by its bets, the rounds it has seen and its lifetime; its bet is
``w_i = (z_i / n_i)(1 + wz_i)`` (0 before its first round).  Users: SAOCP
(:mod:`olearn.conformal.adaptive`) and the strongly adaptive OCO learners (:mod:`olearn.learners.oco_adaptive`).
"""
import math

from olearn.core.errors import check_integer
from olearn.core.kernel import kernel
from olearn.core.params import Param


def capacity(g: int, n_rounds: int) -> int:
    """An upper bound on the experts alive at once in the first ``n_rounds`` rounds (the slots allocated).

    At round t the live experts of level u (lifetime g 2^u) started at odd multiples of 2^u in
    [t - g 2^u, t]: at most g // 2 + 1 of them for odd g; for even g, g // 2 except at the one
    level u = v2(t), where both ends of the interval can count.  With L = floor(log2 T) + 1
    levels: (g // 2 + 1) L for odd g, (g // 2) L + 1 for even g.  Exact for g = 1; for g >= 2 the per-level
    counts need not peak at one round together (g = 3, T = 256: 16 alive at most, against 18 here).

    ``g`` and ``n_rounds``: integers >= 1; anything else raises :class:`~olearn.core.errors.ParameterError`
    naming the parameter.
    """
    g = check_integer("capacity", "g", g, 1, meaning="lifetime multiplier")
    n_rounds = check_integer("capacity", "n_rounds", n_rounds, 1, meaning="rounds")
    levels = int(math.floor(math.log2(max(n_rounds, 1)))) + 1
    return (g // 2 + 1) * levels if g % 2 else (g // 2) * levels + 1


def covering_params(g: int) -> tuple:
    """The covering's own parameters, declared after a base learner's: ``g`` (the default lifetime multiplier, an
    integer >= 1; anything else raises :class:`~olearn.core.errors.ParameterError`) and ``max_rounds``."""
    g = check_integer("covering_params", "g", g, 1, meaning="lifetime multiplier")
    return (
        Param("g", g, "lifetime multiplier: a copy started at t lives g 2^u(t) rounds", kind="int", low=1),
        Param("max_rounds", 100_000, "rounds the covering is sized for (past them the oldest copy makes room)", kind="int", low=1),
    )


@kernel
def init_covering(state, params, seed):
    """A combinator's state with no copies alive, at round 1 (the covering counts rounds from 1)."""
    for i in range(state.size):
        state[i] = 0.0
    state[0] = 1.0


@kernel
def floor_log2(t):
    u = 0
    m = t
    while m >= 2.0:
        m = math.floor(m / 2.0)
        u += 1
    return u


@kernel
def two_adic_valuation(t):
    u = 0
    m = t
    while m % 2.0 == 0.0 and m > 0.0:
        m = m / 2.0
        u += 1
    return u


@kernel
def bet(state, e):
    n = state[e + 3]
    if n == 0.0:
        return 0.0
    return state[e + 1] / n * (1.0 + state[e + 2])


@kernel
def start_copy(state, head, width, cap, g, now):
    """Drop the copies past their lifetime (n_i > L_i; the others keep their order of start), drop the
    oldest if all ``cap`` slots are still full (only past the rounds the covering is sized for), and
    write the bookkeeping of the copy starting at round ``now`` in the next slot.  Copies are ``width``
    slots each from ``head``; ``state[1]`` is the number alive.  Returns the new copy's offset (its base
    state is the caller's to initialise)."""
    live = int(state[1])
    kept = 0
    for i in range(live):
        e = head + i * width
        if state[e + 3] <= state[e + 4]:
            if kept != i:
                dst = head + kept * width
                for j in range(width):
                    state[dst + j] = state[e + j]
            kept += 1
    if kept == cap:
        for i in range(1, kept):
            for j in range(width):
                state[head + (i - 1) * width + j] = state[head + i * width + j]
        kept -= 1
    e = head + kept * width
    state[e] = now
    state[e + 1] = 0.0
    state[e + 2] = 0.0
    state[e + 3] = 0.0
    state[e + 4] = g * 2.0 ** two_adic_valuation(now)
    state[e + 5] = 1.0 / (now * now * (1.0 + floor_log2(now)))
    state[1] = kept + 1
    return e


@kernel
def prior_sum(state, head, width):
    """sum_i pi_i over the live copies (the unnormalised priors)."""
    norm = 0.0
    for i in range(int(state[1])):
        norm += state[head + i * width + 5]
    return norm


@kernel
def bet_sum(state, head, width, norm):
    """sum_i (pi_i / norm) max(0, w_i) over the live copies: 0 when no bet is positive."""
    total = 0.0
    for i in range(int(state[1])):
        e = head + i * width
        total += state[e + 5] / norm * max(0.0, bet(state, e))
    return total


@kernel
def weight(state, e, norm, total):
    """The meta weight of the copy at ``e``: p_i = pi_i max(0, w_i) / sum_j pi_j max(0, w_j), or the
    prior pi_i when no bet is positive (``norm``, ``total``: :func:`prior_sum`, :func:`bet_sum`)."""
    p = state[e + 5] / norm
    if total > 0.0:
        p = p * max(0.0, bet(state, e)) / total
    return p


@kernel
def settle(state, e, gradient):
    """The copy at offset ``e`` takes the meta gradient clipped to [-1 if its bet is positive else 0, 1]:
    z_i += gt, wz_i += gt w_i, n_i += 1.  Returns the rounds it had seen before (its base learner's round)."""
    w = bet(state, e)
    gt = min(max(gradient, -1.0 if w > 0.0 else 0.0), 1.0)
    state[e + 1] += gt
    state[e + 2] += gt * w
    n = int(state[e + 3])
    state[e + 3] = n + 1
    return n
