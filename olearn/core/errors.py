"""User-facing errors: each names the parameter and what is allowed."""
import math
import numbers
import os
from pathlib import Path

import numpy as np


class ParameterError(ValueError):
    """A parameter is outside its allowed values."""

    def __init__(self, owner: str, name: str, value, allowed: str):
        self.owner, self.name, self.value, self.allowed = owner, name, value, allowed
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a NumPy scalar shows as the number
            value = value.item()
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{owner}: parameter '{name}' = {shown} is invalid; allowed: {allowed}")


def did_you_mean(word, known) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``word``, or ``""`` when none is close."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class UnknownNameError(KeyError):
    """A learner, environment, backend or metric name that is not registered."""

    def __init__(self, what: str, name, known, hint: str = ""):
        self.what, self.name, self.known = what, name, sorted(known)
        if hint:
            super().__init__(f"unknown {what} {name!r}: {hint}")
        else:
            super().__init__(f"unknown {what} {name!r}{did_you_mean(name, self.known)}; choose one of: {', '.join(self.known)}")

    def __str__(self):  # KeyError would quote the message
        return self.args[0]


class BackendUnavailableError(RuntimeError):
    """A backend was asked for but cannot run on this machine."""


def check_integer(owner: str, name: str, value, low: int, high: int | None = None, meaning: str = "") -> int:
    """``value`` as an ``int`` when it is an integer (a bool is not) in [low, high]; otherwise a
    :class:`ParameterError` that names it and the range (``meaning`` is added in parentheses)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low or (high is not None and value > high):
        allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ParameterError(owner, name, value, f"{allowed} ({meaning})" if meaning else allowed)
    return int(value)


def check_real(owner: str, name: str, value, allowed: str = "a finite number") -> float:
    """``value`` as a ``float`` when it is a finite real number (a bool is not; a NumPy scalar or 0-d
    array is); otherwise a :class:`ParameterError` that names it with ``allowed``."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(owner, name, value, allowed)
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int past the largest double (10**400)
        finite = False
    if not finite:
        raise ParameterError(owner, name, value, allowed)
    return float(value)


def check_flag(owner: str, name: str, value) -> bool:
    """``value`` as a ``bool`` when it is True or False (NumPy's included); otherwise a :class:`ParameterError` that
    names it: text such as "no" would be truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(owner, name, value, "True or False")
    return bool(value)


def check_path(owner: str, name: str, value, what: str) -> Path:
    """``value`` as a :class:`~pathlib.Path` when it is a non-empty string or path (``""`` would be the current
    folder, unasked); otherwise a :class:`ParameterError` that names it, allowed: ``what`` (a non-empty string or path)."""
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise ParameterError(owner, name, value, f"{what} (a non-empty string or path)")
    return Path(value)


def check_range(owner: str, name: str, value, low: float = -math.inf, high: float = math.inf, open_low: bool = False,
                open_high: bool = False, allowed: str = "") -> float:
    """``value`` as a ``float`` when it is a finite real number (as :func:`check_real` takes it) between ``low`` and
    ``high`` (each end excluded when ``open_low`` / ``open_high``); otherwise a :class:`ParameterError` that names it
    with ``allowed``, by default the range in words ("a finite number > 0", "a number in (0, 1)")."""
    if not allowed:
        if high == math.inf:
            allowed = "a finite number" + ("" if low == -math.inf else f" {'>' if open_low else '>='} {low:g}")
        else:
            allowed = f"a number in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    number = check_real(owner, name, value, allowed)
    if not ((number > low if open_low else number >= low) and (number < high if open_high else number <= high)):
        raise ParameterError(owner, name, value, allowed)
    return number
