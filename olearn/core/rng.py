"""Counter-based random numbers: a draw is a hash of (seed, stream, round, index).

There is no generator state.  The ``i``-th draw of stream ``stream`` at round
``t`` for seed ``seed`` is ``mix(key + t G + i O)`` with ``key = mix(seed G + stream O + G)``,
``mix`` the splitmix64 finaliser (Steele, Lea and Flood, 2014) and G, O two odd constants, all
modulo 2^64.  The same seed therefore gives the same trajectory on every backend, at any thread
count and in any order of evaluation, and different seeds hash apart.  Being linear in (t, i)
inside the last ``mix``, two counters one lattice step apart draw alike: the shortest such step is
about 2e9 in both round and index (found by lattice reduction), beyond every (t, i) pair in use.

Streams in use (one home, so two components never share draws):

========  =======================================
stream    used by
========  =======================================
0         environments (rewards, losses, contexts)
1         learners, in ``act`` (exploration, posterior samples)
2         feedback delays
3         learners, in ``update``
4+        free for combinators and wrappers
16        off-policy logs: the logging policy's arm
17        off-policy replay: acceptance of an event
18        off-policy replay: the order a seed reads the events in
========  =======================================

Round ``RESERVED_ROUND`` = 2^62 is where draws made before the first round are taken (a world's
``reset``, a learner's ``init``): horizons are at most 2^62 (rounds 0 .. 2^62 - 1), so no round of
a run draws there.

Every function here is a kernel (see :mod:`olearn.core.kernel`).
"""
import math

import numpy as np

from olearn.core.kernel import kernel

ENV = 0
LEARNER = 1
DELAY = 2
LEARNER_UPDATE = 3
LOGGING = 16
REPLAY = 17
REPLAY_ORDER = 18
RESERVED_ROUND = 1 << 62  # the round of draws made in reset and init; no run reaches it

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_ODD = np.uint64(0xD1B54A32D192ED03)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0
_TWO_PI = 2.0 * math.pi


@kernel
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel
def bits(seed, stream, t, i):
    """64 random bits for draw ``i`` of ``stream`` at round ``t`` of ``seed``."""
    key = _mix(np.uint64(seed) * _GOLDEN + np.uint64(stream) * _ODD + _GOLDEN)
    return _mix(key + np.uint64(t) * _GOLDEN + np.uint64(i) * _ODD)


@kernel
def uniform(seed, stream, t, i):
    """Uniform on [0, 1) with 53 random bits."""
    return float(bits(seed, stream, t, i) >> _S11) * _TWO_M53


@kernel
def normal(seed, stream, t, i):
    """Standard normal by Box-Muller from draws ``2i`` and ``2i + 1``."""
    u1 = 1.0 - uniform(seed, stream, t, 2 * i)  # in (0, 1]
    u2 = uniform(seed, stream, t, 2 * i + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)


@kernel
def _marsaglia_tsang(seed, stream, t, i, a):
    """Gamma(a, 1) for a >= 1 by Marsaglia and Tsang (2000): attempt ``j`` uses sub-indices ``1024 i + 4 j + {0, 1, 2}``
    (always > 0)."""
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    x = d
    for j in range(255):
        z = normal(seed, stream, t, 512 * i + 2 * j)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(seed, stream, t, 1024 * i + 4 * j + 2)
        z2 = z * z
        if u < 1.0 - 0.0331 * z2 * z2:  # squeeze: accepts most draws without logarithms
            x = d * v
            break
        if math.log(u + 1e-300) < 0.5 * z2 + d - d * v + d * math.log(v):
            x = d * v
            break
    return x


@kernel
def _core_shape(shape):
    """The shape Marsaglia and Tsang draw at: shape, or shape + 1 below 1 (the boost makes up the rest)."""
    return shape + 1.0 if shape < 1.0 else shape


@kernel
def _boost(seed, stream, t, i, shape):
    """The uniform U of the boost for shape < 1 (Gamma(shape) = Gamma(shape + 1) U^(1/shape)); 1 otherwise."""
    return uniform(seed, stream, t, 1024 * i + 1023) if shape < 1.0 else 1.0


@kernel
def gamma(seed, stream, t, i, shape):
    """Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 via the U^(1/shape) boost.

    Attempt ``j`` of draw ``i`` uses sub-indices ``1024 i + 4 j + {0, 1, 2}``, the boost ``1024 i + 1023``.
    """
    return _marsaglia_tsang(seed, stream, t, i, _core_shape(shape)) * _boost(seed, stream, t, i, shape) ** (1.0 / shape)


@kernel
def _log_boost(u, shape):
    """ln(U^(1/shape)), -inf at U = 0 (Python's log raises there)."""
    return math.log(u) / shape if u > 0.0 else -math.inf


@kernel
def beta(seed, stream, t, i, a, b):
    """Beta(a, b) as X / (X + Y) with independent Gamma(a) and Gamma(b) (:func:`gamma`'s draws 2i and 2i + 1).

    Where both underflow to 0 (a and b small: a fifth of the draws at a = b = 1e-3, each below the smallest
    double with probability 0.475) the ratio is taken of their logarithms, 1 / (1 + exp(ln Y - ln X)), not 0 / 0.
    """
    core_x = _marsaglia_tsang(seed, stream, t, 2 * i, _core_shape(a))
    core_y = _marsaglia_tsang(seed, stream, t, 2 * i + 1, _core_shape(b))
    u_x = _boost(seed, stream, t, 2 * i, a)
    u_y = _boost(seed, stream, t, 2 * i + 1, b)
    x = core_x * u_x ** (1.0 / a)
    y = core_y * u_y ** (1.0 / b)
    if x + y > 0.0:
        return x / (x + y)
    log_x = math.log(core_x) + _log_boost(u_x, a)
    log_y = math.log(core_y) + _log_boost(u_y, b)
    if log_x == log_y:  # both -inf (U = 0 twice, probability 2^-106)
        return 0.5
    if log_y > log_x:  # exp of a difference <= 0 only: Python's math.exp raises past 709 where compiled code gives inf
        odds = math.exp(log_x - log_y)
        return odds / (1.0 + odds)
    return 1.0 / (1.0 + math.exp(log_y - log_x))


@kernel
def categorical(seed, stream, t, i, probs, n):
    """Index drawn from ``probs[:n]`` (non-negative, summing to one) by inversion."""
    u = uniform(seed, stream, t, i)
    acc = 0.0
    last = 0
    for k in range(n):
        if probs[k] > 0.0:
            last = k
            acc += probs[k]
            if u < acc:
                return k
    return last


def half_bits(n: int) -> int:
    """The smallest h >= 1 with 4^h >= n: :func:`permuted` works on 2h bits (host code, not a kernel)."""
    h = 1
    while 4**h < n:
        h += 1
    return h


@kernel
def permuted(seed, stream, i, n, half):
    """Entry ``i`` of a pseudo-random permutation of [0, n) keyed by (``seed``, ``stream``), with no memory.

    A four-round Feistel network on 2 ``half`` bits (``half = half_bits(n)``): the halves (L, R) become
    (R, L xor F_r(R)) in round r, with F_r(R) = floor(2^half uniform(seed, stream, r, R)); four rounds of
    a random function make a pseudo-random permutation (Luby and Rackoff 1988).  A value outside
    [0, n) is encrypted again until it falls inside (cycle walking, Black and Rogaway 2002), which
    restricts the permutation of [0, 4^half) to one of [0, n), in fewer than 4 steps on average.
    """
    size = 1 << half
    mask = size - 1
    x = i
    while True:
        left = x >> half
        right = x & mask
        for r in range(4):
            mixed = left ^ int(uniform(seed, stream, r, right) * size)
            left = right
            right = mixed
        x = (left << half) | right
        if x < n:
            return x
