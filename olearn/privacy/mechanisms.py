"""Differential-privacy building blocks as kernels: Laplace noise, the exponential mechanism,
AboveThreshold (sparse vector), report-noisy-min and binary-tree aggregation noise.

Each block is written once in the kernel subset (see :mod:`olearn.core.kernel`) and is used both
by the private learners (:mod:`olearn.learners.private`) and by the privacy audit
(:mod:`olearn.privacy.audit`), so the audit measures the very code the learners run.

Sensitivities assumed throughout (Dwork and Roth 2014, ch. 3): neighbouring loss sequences
differ in one round's loss vector, with every loss in [0, 1]; so each expert's cumulative loss,
and each sum of one expert's losses over a window, moves by at most 1.
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel


@kernel
def laplace(seed, stream, t, i, scale):
    """Laplace(0, scale) by inversion of one uniform draw ``i`` (density exp(-|x|/scale) / (2 scale))."""
    u = rng.uniform(seed, stream, t, i) - 0.5  # in [-1/2, 1/2)
    if u >= 0.0:
        return -scale * math.log(1.0 - 2.0 * u)
    return scale * math.log(max(1.0 + 2.0 * u, 1e-300))


@kernel
def clip_unit(x):
    """x clipped to [0, 1], so one round moves every score by at most 1 whatever the input."""
    return min(max(x, 0.0), 1.0)


@kernel
def exponential_mechanism(scores, n, eta, u):
    """Index i in 0..n-1 with probability exp(-eta scores[i]) / sum_j exp(-eta scores[j]).

    The exponential mechanism (McSherry and Talwar 2007) on loss scores of sensitivity 1 is
    (2 eta)-DP; callers pass eta = eps0 / 2.  Sampled by inversion of the uniform ``u`` in two
    passes (no buffer: the state stays O(n)), shifted by the minimum score for stability.
    """
    low = math.inf
    for i in range(n):
        low = min(low, scores[i])
    total = 0.0
    for i in range(n):
        total += math.exp(-eta * (scores[i] - low))
    target = u * total
    acc = 0.0
    for i in range(n):
        acc += math.exp(-eta * (scores[i] - low))
        if target < acc:
            return i
    return n - 1


@kernel
def above_threshold(query, noisy_threshold, seed, stream, t, i, query_scale):
    """One step of AboveThreshold (Dwork and Roth 2014, Alg. 1): query + Lap(query_scale) >= threshold.

    With threshold noise Lap(2/eps0) drawn once per instance and query noise Lap(4/eps0), an
    instance that halts at its first "above" answer is eps0-DP for sensitivity-1 queries (Thm 3.23).
    """
    return query + laplace(seed, stream, t, i, query_scale) >= noisy_threshold


@kernel
def report_noisy_min(scores, n, seed, stream, t, scale):
    """argmin_i scores[i] + Lap(scale); with scale = 2/eps0 it is eps0-DP for sensitivity-1 scores."""
    best = math.inf
    arg = 0
    for i in range(n):
        v = scores[i] + laplace(seed, stream, t, i, scale)
        if v < best:
            best = v
            arg = i
    return arg


@kernel
def node_noise(seed, stream, created, i, scale, gaussian):
    """Noise of coordinate ``i`` of the tree node completed at round ``created`` (a pure function)."""
    if gaussian:
        return scale * rng.normal(seed, stream, created, i)
    return laplace(seed, stream, created, i, scale)


@kernel
def tree_noise_advance(noise_sum, n, seed, stream, t, scale, gaussian):
    """Move the noise of the binary-tree prefix sum from rounds 0..t-1 to rounds 0..t.

    Binary-tree aggregation (Dwork, Naor, Pitassi and Rothblum 2010; Chan, Shi and Song 2011):
    the prefix of m rounds is the sum of the dyadic nodes given by the binary digits of m, each
    node released once with its own noise.  Round t completes exactly one node that any later
    prefix uses (the one of level r = trailing zeros of t + 1) and retires the r nodes of the
    lower levels, created at rounds t - 2^j (j < r).  A node's noise is a pure function of
    (seed, stream, creation round, coordinate), so nothing but the running sum is stored.
    """
    m = t + 1
    r = 0
    while (m >> r) & 1 == 0:
        r += 1
    for i in range(n):
        s = noise_sum[i]
        for j in range(r):
            s -= node_noise(seed, stream, t - (1 << j), i, scale, gaussian)
        s += node_noise(seed, stream, t, i, scale, gaussian)
        noise_sum[i] = s


def tree_levels(horizon: int) -> int:
    """Most released nodes of the tree over ``horizon`` rounds that contain one round: 1 + floor(log2 horizon).

    Only rounds 0..horizon-1 complete nodes, so the levels are 0..floor(log2 horizon) (a node of level r needs
    2^r <= horizon rounds), one node each per round: ceil(log2(horizon + 1)) nodes, dp-accounting's tree depth
    (1 + ceil(log2 horizon) counts a node that is never released unless horizon is a power of 2).
    """
    return max(int(horizon), 1).bit_length()
