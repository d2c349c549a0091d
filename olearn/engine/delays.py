"""Delayed feedback: the feedback of round t arrives at the end of round t + d_t.

A delay is described by a row ``[kind, D, seq...]``:

* ``fixed(D)``: d_t = D;
* ``uniform(D)``: d_t uniform on {0, ..., D}, drawn from stream ``DELAY``;
* ``sequence(d)``: d_t = d[t] given by the user.

Pending feedback lives in a per-seed ring buffer of ``D + 1`` slots, D = min(D_max, horizon),
indexed by the emission round (slot ``s mod (D + 1)``): an event emitted at round s is
delivered by round ``s + D`` or never (due at or after the horizon), so its slot is free again
before round ``s + D + 1`` reuses it.  A fixed delay delivers the one event of round t - D_max
each round; the others scan the buffer for what is due.  At the end of round t the events due at t are
delivered in arrival order: by due round, ties by emission round.  Feedback
still pending after the horizon is never delivered.  Zero delay (the default)
compiles the direct path with no buffer at all.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer
from olearn.core.kernel import kernel

FIXED, UNIFORM, SEQUENCE = 0, 1, 2
#: the longest delay: round 2^62 is past any run's horizon (a longer one would change nothing, and its due round
#: t + d must stay within int64)
MAX_DELAY = rng.RESERVED_ROUND
_LONGEST = f"at most 2^62 = {MAX_DELAY} (a delay that long already outlasts any horizon)"


@dataclass(frozen=True)
class Delay:
    """A feedback delay: use :func:`fixed`, :func:`uniform` or :func:`sequence` (one made by hand is checked alike)."""

    kind: int
    max_delay: int
    values: tuple = ()

    def __post_init__(self):  # a Delay made by hand is held to what fixed, uniform and sequence make
        if isinstance(self.kind, bool) or not isinstance(self.kind, numbers.Integral) or self.kind not in (FIXED, UNIFORM, SEQUENCE):
            raise ParameterError("Delay", "kind", self.kind, f"{FIXED} (fixed), {UNIFORM} (uniform) or {SEQUENCE} (sequence): "
                                 "use olearn.delays.fixed, uniform or sequence")
        _check_delay("max_delay", self.max_delay, "Delay")
        values = self.values
        if self.kind != SEQUENCE and (not isinstance(values, tuple) or values):
            raise ParameterError("Delay", "values", values, "() for a fixed or uniform delay")
        if self.kind == SEQUENCE and (not isinstance(values, tuple) or not values or not _delays_within(values, self.max_delay)):
            raise ParameterError("Delay", "values", values if not isinstance(values, tuple) else f"{len(values)} values",
                                 f"a non-empty tuple of integers in [0, max_delay = {self.max_delay}]")

    def row(self) -> np.ndarray:
        return np.asarray([self.kind, self.max_delay, *self.values], dtype=np.float64)

    def check_horizon(self, horizon: int):
        if self.kind == SEQUENCE and len(self.values) < horizon:
            raise ParameterError("delay", "sequence", f"{len(self.values)} delays", f"at least horizon = {horizon} delays")


def _delays_within(values: tuple, high: int) -> bool:
    """Whether every value is an integer (a bool is not) in [0, high] (plain ints, as sequence makes, checked by min and max)."""
    if all(type(v) is int for v in values):  # a bool's type is bool
        return min(values) >= 0 and max(values) <= high
    return all(not isinstance(v, bool) and isinstance(v, numbers.Integral) and 0 <= v <= high for v in values)


def _check_delay(name, d, owner="delay"):
    d = check_integer(owner, name, d, 0)
    if d > MAX_DELAY:
        raise ParameterError(owner, name, d, f"an integer >= 0, {_LONGEST}")
    return d


def fixed(d: int) -> Delay:
    """Every round's feedback arrives ``d`` rounds later; ``d``: an integer in [0, 2^62]."""
    return Delay(FIXED, _check_delay("d", d))


def uniform(max_delay: int) -> Delay:
    """Each round's delay is uniform on {0, ..., max_delay}; ``max_delay``: an integer in [0, 2^62]."""
    return Delay(UNIFORM, _check_delay("max_delay", max_delay))


def sequence(delays) -> Delay:
    """Round t's feedback arrives ``delays[t]`` rounds later; each an integer in [0, 2^62]."""
    try:
        arr = np.asarray(delays)
    except (TypeError, ValueError):  # ragged nesting
        arr = np.asarray([None])
    if arr.dtype.kind not in "iuf" or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)) or (
            np.any(arr > MAX_DELAY)):
        raise ParameterError("delay", "sequence", delays, f"a non-empty list of integers >= 0, each {_LONGEST}")
    return Delay(SEQUENCE, int(arr.max()), tuple(int(x) for x in arr))


def as_delay(delay) -> Delay | None:
    """``None``/0 (no delay), an int (fixed delay) or a :class:`Delay`."""
    if delay is None or isinstance(delay, Delay):
        return None if delay is not None and delay.kind == FIXED and delay.max_delay == 0 else delay
    d = _check_delay("delay", delay)
    return None if d == 0 else fixed(d)


@kernel
def delay_of(dp, t, seed):
    kind = int(dp[0])
    if kind == 0:
        return int(dp[1])
    if kind == 1:
        return int(math.floor(rng.uniform(seed, rng.DELAY, t, 0) * (dp[1] + 1.0)))
    return int(dp[2 + t])
