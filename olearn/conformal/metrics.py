"""Metrics of a radius sequence against its scores (Bhatnagar et al., ICML 2023, sec. 6).

With scores S_t, radii s_t, target coverage q and covered_t = 1[S_t <= s_t]:

* ``coverage``: mean_t covered_t;
* ``width``: the median radius (the median half-width of the intervals yhat +/- s_t);
* ``local_coverage_error(k)`` (LCE_k): max over windows of k consecutive rounds of
  |mean coverage in the window - q|;
* ``strongly_adaptive_regret(k)`` (SAReg_k): max over windows I of length k of
  sum_{t in I} l_t(s_t) - min_s sum_{t in I} l_t(s), with l_t the pinball loss at level q;
  ``mean=True`` divides by k (the authors' tables).  The inner minimum is exact: the window's
  loss is convex and piecewise linear in s with slope -q #{S > s} + (1 - q) #{S < s}, so it is
  attained at the window's ceil(k q)-th smallest score (its q-quantile); the order statistics
  next to it are evaluated too, so rounding in k q cannot pick a wrong one.  O(n k) time and memory.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from olearn.conformal.runner import SCORES, is_bool
from olearn.core.errors import ParameterError, check_integer
from olearn.core.params import MAGNITUDE, real_array


def _array(name, value) -> np.ndarray:
    """``value`` as a float array whose entries are NaN or in [0, MAGNITUDE], or a ParameterError naming ``name``."""
    try:
        arr = None if is_bool(value) or isinstance(value, (str, bytes, dict)) else real_array(value)
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is None:
        raise ParameterError("metrics", name, value, f"a 1-D sequence of real {SCORES} (NaN: missing; not bools)")
    bad = np.isinf(arr) | (arr < 0) | (arr > MAGNITUDE)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), arr.shape)
        raise ParameterError("metrics", name, f"value {float(arr[i])!r} at index {i[0] if arr.ndim == 1 else i}",
                             f"{SCORES} (NaN: missing)")
    return arr


def _pair(scores, radii):
    s, r = _array("scores", scores), _array("radii", radii)
    if s.ndim != 1:
        raise ParameterError("metrics", "scores", f"shape {s.shape}", "a 1-D sequence of scores")
    if s.shape != r.shape:
        raise ParameterError("metrics", "radii", f"shape {r.shape}", f"the shape of scores, {s.shape}")
    keep = ~np.isnan(s)
    if not keep.any():
        raise ParameterError("metrics", "scores", f"{s.size} values, none observed", "at least one score that is not NaN")
    missing = keep & np.isnan(r)
    if missing.any():  # a radius is predicted at every round: a NaN one would count as uncovered
        i = int(np.argmax(missing))
        raise ParameterError("metrics", "radii", f"NaN at index {i}, where the score is observed", SCORES)
    return s[keep], r[keep]


def _level(q) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float, np.floating)) or not 0.0 < q < 1.0:
        raise ParameterError("metrics", "q", q, "the target coverage, a number in (0, 1)")
    return float(q)


def _window(k, n):
    return check_integer("metrics", "window", k, 1, n, meaning="the number of scores")


def pinball(scores, radii, q):
    """Pinball loss max(q (S - s), (1 - q)(s - S)), elementwise."""
    d = np.asarray(scores, dtype=float) - np.asarray(radii, dtype=float)
    return np.maximum(q * d, (q - 1.0) * d)


def coverage(scores, radii) -> float:
    s, r = _pair(scores, radii)
    return float(np.mean(s <= r))


def width(radii) -> float:
    r = _array("radii", radii)
    if r.ndim != 1:
        raise ParameterError("metrics", "radii", f"shape {r.shape}", "a 1-D sequence of radii")
    r = r[~np.isnan(r)]
    if r.size == 0:
        raise ParameterError("metrics", "radii", "no radius that is not NaN", "at least one radius")
    return float(np.median(r))


def local_coverage_error(scores, radii, q: float, window: int = 20) -> float:
    s, r = _pair(scores, radii)
    q, k = _level(q), _window(window, s.size)
    covered = (s <= r).astype(float)
    local = sliding_window_view(covered, k).mean(axis=1)
    return float(np.max(np.abs(local - q)))


def best_fixed_losses(scores, q: float, window: int) -> np.ndarray:
    """min_s sum_{t in I} l_t(s) for every window I of ``window`` consecutive scores."""
    s = np.asarray(scores, dtype=float)
    wins = sliding_window_view(s, window)  # (n - k + 1, k), a view
    j = min(max(int(np.ceil(window * q)), 1), window) - 1  # 0-based rank of the q-quantile
    ranks = sorted({max(j - 1, 0), j, min(j + 1, window - 1)})
    order = np.partition(wins, ranks, axis=1)[:, ranks]  # (n - k + 1, <= 3) candidate radii
    best = np.full(wins.shape[0], np.inf)
    for c in range(order.shape[1]):
        best = np.minimum(best, pinball(wins, order[:, c : c + 1], q).sum(axis=1))
    return best


def strongly_adaptive_regret(scores, radii, q: float, window: int = 20, mean: bool = True) -> float:
    s, r = _pair(scores, radii)
    q, k = _level(q), _window(window, s.size)
    played = sliding_window_view(pinball(s, r, q), k).sum(axis=1)
    regret = np.max(played - best_fixed_losses(s, q, k))
    return float(regret / k if mean else regret)


def regret_by_length(scores, radii, q: float, lengths, mean: bool = False) -> np.ndarray:
    """SAReg_k for each k in ``lengths`` (sums unless ``mean``)."""
    if isinstance(lengths, (str, bytes, dict)) or not np.iterable(lengths) or np.ndim(lengths) != 1 or len(lengths) == 0:
        raise ParameterError("metrics", "lengths", lengths, "a non-empty list of integers in [1, the number of scores]")
    n = _pair(scores, radii)[0].size
    for k in lengths:
        check_integer("metrics", "lengths", k, 1, n, meaning="each one a window length, at most the number of scores")
    return np.array([strongly_adaptive_regret(scores, radii, q, k, mean=mean) for k in lengths])  # k checked, not truncated


def summary(scores, radii, q: float, window: int = 20) -> dict:
    """Coverage, width, LCE_k and SAReg_k (window means), as in the paper's tables."""
    return {
        "coverage": coverage(scores, radii),
        "width": width(radii),
        f"lce_{window}": local_coverage_error(scores, radii, q, window),
        f"sareg_{window}": strongly_adaptive_regret(scores, radii, q, window),
    }
