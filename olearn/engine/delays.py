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
from dataclasses import dataclass

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer
from olearn.core.kernel import kernel

FIXED, UNIFORM, SEQUENCE = 0, 1, 2


@dataclass(frozen=True)
class Delay:
    """A feedback delay: use :func:`fixed`, :func:`uniform` or :func:`sequence`."""

    kind: int
    max_delay: int
    values: tuple = ()

    def row(self) -> np.ndarray:
        return np.asarray([self.kind, self.max_delay, *self.values], dtype=np.float64)

    def check_horizon(self, horizon: int):
        if self.kind == SEQUENCE and len(self.values) < horizon:
            raise ParameterError("delay", "sequence", f"{len(self.values)} delays", f"at least horizon = {horizon} delays")


def _check_delay(name, d):
    return check_integer("delay", name, d, 0)


def fixed(d: int) -> Delay:
    """Every round's feedback arrives ``d`` rounds later."""
    return Delay(FIXED, _check_delay("d", d))


def uniform(max_delay: int) -> Delay:
    """Each round's delay is uniform on {0, ..., max_delay}."""
    return Delay(UNIFORM, _check_delay("max_delay", max_delay))


def sequence(delays) -> Delay:
    """Round t's feedback arrives ``delays[t]`` rounds later."""
    try:
        arr = np.asarray(delays)
    except (TypeError, ValueError):  # ragged nesting
        arr = np.asarray([None])
    if arr.dtype.kind not in "iuf" or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise ParameterError("delay", "sequence", delays, "a non-empty list of integers >= 0")
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
