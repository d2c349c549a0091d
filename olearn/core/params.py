"""Declared parameters: name, default, allowed values, and their validation.

Learners and environments declare their parameters with :class:`Param`; the
declarations drive validation (with errors that name the parameter and the
allowed range), ``olearn list``, and parameter grids.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from olearn.core.errors import ParameterError, check_flag, did_you_mean

#: the kinds of parameter that hold one value (a list of them given to make() is a grid)
SCALAR_KINDS = ("float", "int", "bool", "choice")

#: scalar float parameters keep their magnitude within [1 / MAGNITUDE, MAGNITUDE] (0 where allowed), so the
#: squares, products and reciprocals that learners form from them stay finite in double precision
MAGNITUDE = 1e100


def real_array(value, copy: bool = False) -> np.ndarray:
    """``value`` as a float64 array; ValueError for complex values (a cast would drop their imaginary parts
    with only NumPy's warning), TypeError for text, and TypeError or ValueError for anything else that is not numbers."""
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise ValueError("complex values")
    if arr.dtype.kind in "USV":  # NumPy would parse "0.5" as a number
        raise TypeError("text, not numbers")
    return arr.astype(np.float64, copy=copy)


def finite_vector(owner: str, name: str, value, allowed: str, low: float = -math.inf) -> np.ndarray:
    """``value`` as a 1-D float64 array when it is a non-empty 1-D sequence of finite real numbers, each >= ``low``
    (bools, complex values, text and other objects are not); otherwise a :class:`ParameterError` naming ``name``
    with ``allowed``."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError):  # a ragged or unreadable sequence
        arr = None
    if arr is None or arr.dtype.kind not in "iuf" or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError(owner, name, value, allowed)
    arr = arr.astype(np.float64)
    if np.any(arr < low):
        raise ParameterError(owner, name, value, allowed)
    return arr


@dataclass(frozen=True)
class Param:
    """One parameter.

    kind: ``float``, ``int``, ``bool``, ``choice``, ``vector`` (1-D floats) or ``matrix`` (2-D floats).
    ``low``/``high`` bound scalars and the entries of vectors and matrices;
    ``open_low``/``open_high`` make a bound strict; ``optional`` allows ``None``
    (meaning "derive it", e.g. a step size from the horizon).  A scalar ``float`` is also held to
    [-MAGNITUDE, MAGNITUDE], and one that must be positive (``low=0, open_low=True``) to at least
    1 / MAGNITUDE: beyond that only overflow is left to see (a step of 1 / 5e-324 is inf).
    """

    name: str
    default: Any
    doc: str
    kind: str = "float"
    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False
    optional: bool = False
    choices: tuple = ()
    min_size: int = 1

    def allowed(self) -> str:
        if self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "bool":
            text = "True or False"
        else:
            lo = "(" if self.open_low or math.isinf(self.low) else "["
            hi = ")" if self.open_high or math.isinf(self.high) else "]"
            rng = f"{lo}{self.low:g}, {self.high:g}{hi}"
            if self.kind == "int":
                text = f"an integer in {rng}"
            elif self.kind == "float":
                text = f"a finite number in {rng}" if math.isfinite(self.low) or math.isfinite(self.high) else "a finite number"
                low, high, _, _ = self.enforced_bounds()
                limits = ([f"at least {low:g}"] if low != self.low else []) + ([f"at most {high:g}"] if high != self.high else [])
                text += ", " + " and ".join(limits) if limits else ""
            elif self.kind == "vector":
                size = "a list of" if self.min_size == 0 else "a non-empty list of" if self.min_size == 1 else f"a list of at least {self.min_size}"
                text = f"{size} finite numbers, each in {rng}"
            else:
                cols = f" with at least {self.min_size} columns" if self.min_size > 1 else ""
                text = f"a non-empty 2-D array{cols} of finite numbers, each in {rng}"
        return text + (", or None" if self.optional else "")

    def enforced_bounds(self) -> tuple[float, float, bool, bool]:
        """(low, high, open_low, open_high) as enforced: a scalar float's also within MAGNITUDE (see the class)."""
        if self.kind != "float":
            return self.low, self.high, self.open_low, self.open_high
        low, open_low = (1.0 / MAGNITUDE, False) if self.low == 0.0 and self.open_low else (self.low, self.open_low)
        if low < -MAGNITUDE:
            low, open_low = -MAGNITUDE, False
        high, open_high = (MAGNITUDE, False) if self.high > MAGNITUDE else (self.high, self.open_high)
        return low, high, open_low, open_high

    def _in_range(self, x) -> bool:
        x = np.asarray(x, dtype=float)
        if not np.all(np.isfinite(x)):
            return False
        low, high, open_low, open_high = self.enforced_bounds()
        ok_low = np.all(x > low) if open_low else np.all(x >= low)
        ok_high = np.all(x < high) if open_high else np.all(x <= high)
        return bool(ok_low and ok_high)

    def validate(self, owner: str, value):
        """Return the canonical value, or raise :class:`ParameterError`."""
        if value is None:
            if self.optional:
                return None
            raise ParameterError(owner, self.name, value, self.allowed())
        bad = ParameterError(owner, self.name, value, self.allowed())
        if self.kind == "choice":
            try:
                known = value in self.choices
            except (TypeError, ValueError):  # an array compared with each choice has no single truth value
                known = False
            if not known:
                raise bad
            return value
        if self.kind == "bool":
            return check_flag(owner, self.name, value)
        if self.kind in ("float", "int"):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise bad
            try:
                number = float(value)
            except OverflowError:  # an integer beyond the doubles (10**400): not a finite number
                raise bad from None
            if self.kind == "int":
                if not math.isfinite(number) or number != math.floor(number):
                    raise bad
                value = int(value)
            else:
                value = number
            if not self._in_range(value):
                raise bad
            return value
        try:
            arr = real_array(value, copy=True)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an entry beyond the doubles (10**400)
            raise bad from None
        want = 1 if self.kind == "vector" else 2
        if arr.ndim != want or (arr.size == 0 and self.min_size > 0) or arr.shape[-1] < self.min_size or not self._in_range(arr):
            raise bad
        arr.setflags(write=False)
        return arr


def resolve(owner: str, declared: tuple[Param, ...], given: dict) -> dict:
    """Validate ``given`` against ``declared`` and fill defaults; unknown names are errors."""
    names = {p.name for p in declared}
    for key in given:
        if key not in names:
            known = ", ".join(sorted(names)) or "(none)"
            raise ParameterError(owner, key, given[key], f"known parameters are {known}{did_you_mean(key, names)}")
    out = {}
    for p in declared:
        out[p.name] = p.validate(owner, given.get(p.name, p.default))
    return out
