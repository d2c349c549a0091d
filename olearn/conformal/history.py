"""A bounded history of scores in the kernel subset: sorted copy, arrival ring, empirical quantiles.

Layout inside a learner's state row, from offset ``at`` with capacity ``cap``::

    [at]                 number of scores held, n
    [at + 1]             ring position of the oldest score
    [at + 2, +cap)       the scores in increasing order
    [at + 2 + cap, +cap) the scores in arrival order (a ring)

Insertion keeps the sorted copy sorted (binary search and a shift, O(n)); once ``cap``
scores are held, the oldest is dropped first (a sliding window).  With ``cap`` at least
the number of rounds, the history is every score seen, as in the split-conformal and FACI
baselines of Bhatnagar et al. (2023).
"""
import math

from olearn.core.kernel import kernel


def history_slots(cap: int) -> int:
    return 2 + 2 * cap


@kernel
def lower_bound(state, base, n, x):
    """First index i in the sorted block with state[base + i] >= x."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if state[base + mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@kernel
def history_add(state, at, cap, x):
    """Append score ``x`` (dropping the oldest when ``cap`` are held)."""
    n = int(state[at])
    head = int(state[at + 1])
    sorted_at = at + 2
    ring_at = at + 2 + cap
    if n == cap:
        old = state[ring_at + head]
        i = lower_bound(state, sorted_at, n, old)
        for j in range(i, n - 1):
            state[sorted_at + j] = state[sorted_at + j + 1]
        n -= 1
        state[ring_at + head] = x
        state[at + 1] = (head + 1) % cap
    else:
        state[ring_at + (head + n) % cap] = x
    i = lower_bound(state, sorted_at, n, x)
    for j in range(n, i, -1):
        state[sorted_at + j] = state[sorted_at + j - 1]
    state[sorted_at + i] = x
    state[at] = n + 1


@kernel
def history_count(state, at):
    return int(state[at])


@kernel
def history_quantile(state, at, q):
    """Empirical q-quantile, NumPy's ``inverted_cdf`` rule: the ceil(n q)-th smallest; 0 when empty.

    Index i = floor(v) if v is an integer else floor(v) + 1, with v = n q - 1, clipped to [0, n - 1];
    ``q`` is clipped to [0, 1] first.
    """
    n = int(state[at])
    if n == 0:
        return 0.0
    q = min(max(q, 0.0), 1.0)
    v = n * q - 1.0
    lower = math.floor(v)
    i = int(lower) if v - lower == 0.0 else int(lower) + 1
    i = min(max(i, 0), n - 1)
    return state[at + 2 + i]


@kernel
def history_fraction_at_least(state, at, x):
    """Fraction of held scores >= x (0 when empty)."""
    n = int(state[at])
    if n == 0:
        return 0.0
    return (n - lower_bound(state, at + 2, n, x)) / n
