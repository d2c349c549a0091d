"""Summaries and paired comparisons of results: a :class:`~olearn.io.result.Result` or a tidy table
(``olearn.load(DIR)`` of a sweep, ``Result.to_frame()``).

Confidence intervals are Student-t intervals over seeds.  Two learners run on the same seeds
see the same environment draws (common random numbers), so their difference is compared seed
by seed: the paired interval is much narrower than the difference of two independent intervals.
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from olearn.core import config
from olearn.core.errors import ParameterError, check_real

LEVEL_ALLOWED = "a number in (0, 1), e.g. 0.95"


def check_level(owner: str, level) -> float:
    """``level`` as a ``float`` when it is a confidence level in (0, 1); otherwise a :class:`ParameterError`."""
    value = check_real(owner, "level", level, LEVEL_ALLOWED)
    if not 0 < value < 1:
        raise ParameterError(owner, "level", level, LEVEL_ALLOWED)
    return value


def standard_error(values) -> float:
    """Standard error of the mean, sd / sqrt(n) with the n - 1 sample standard deviation (NaN when n < 2)."""
    values = np.asarray(values, dtype=float).ravel()
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


def half_width(se: float, n: int, level: float) -> float:
    """Half-width of the Student-t interval at ``level`` for a mean of n values with standard error se (NaN when n < 2)."""
    from scipy import stats

    return se * float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else float("nan")


def _interval(values: np.ndarray, level: float):
    n = values.size
    mean = float(values.mean()) if n else np.nan
    se = standard_error(values)  # NaN with one seed: no interval
    half = half_width(se, n, level)
    return mean, se, mean - half, mean + half


def tidy(owner: str, frame) -> pd.DataFrame:
    """The tidy table of ``frame``: a DataFrame as ``olearn.load`` returns for a sweep, or a
    :class:`~olearn.io.result.Result` (its ``to_frame()``), as ``olearn.run`` and ``olearn.load`` of a run return."""
    from olearn.io.result import Result

    if isinstance(frame, pd.DataFrame):
        needed = ["config", "seed", "round", "metric", "value"]
        missing = [c for c in needed if c not in frame.columns] + ([] if "environment" in frame.columns
                                                                     or "env_config" in frame.columns else ["environment"])
        if missing:
            raise ParameterError(owner, "frame", f"a table without column(s) {', '.join(missing)}",
                                 "a Result or its tidy table (Result.to_frame(), olearn.load(DIR)): columns "
                                 f"{', '.join(needed)} and environment")
        if not pd.api.types.is_numeric_dtype(frame["value"]):
            raise ParameterError(owner, "frame", f"a value column of {frame['value'].dtype}", "a tidy table whose "
                                 "value column holds numbers")
        return frame
    if isinstance(frame, Result):
        return frame.to_frame()
    raise ParameterError(owner, "frame", type(frame).__name__, "a Result or its tidy table (Result.to_frame(), olearn.load(DIR))")


def _env_column(frame):
    return "env_config" if "env_config" in frame.columns else "environment"


def summarize(frame, metric: str | None = None, level: float = config.CONFIDENCE) -> pd.DataFrame:
    """Mean, standard error and a ``level`` t-interval over seeds, per configuration, environment, round and metric
    (NaN standard error and interval for a single seed); ``level`` is in (0, 1), e.g. 0.95.  A seed without a value
    (NaN: a stopping time before that seed stops, a window regret before round k) makes the summary NaN, as
    :meth:`Result.summary` does: a mean over the seeds that have a value would be biased (the early stoppers)."""
    from scipy import stats

    frame = tidy("summarize", frame)
    level = check_level("summarize", level)
    if metric is not None:
        _check_metric(frame, metric)
        frame = frame[frame["metric"] == metric]
    keys = ["config", _env_column(frame), "round", "metric"]
    _refuse_repeated_seeds("summarize", frame, keys)
    grouped = frame.groupby(keys, sort=False, observed=True)["value"]
    out = grouped.agg(n_seeds="size", mean="mean", sd="std").reset_index()
    missing = frame["value"].isna().groupby([frame[k] for k in keys], sort=False, observed=True).any().to_numpy()
    out.loc[missing, ["mean", "sd"]] = np.nan
    n = out["n_seeds"].to_numpy()
    se = np.where(n > 1, out["sd"].to_numpy() / np.sqrt(n), np.nan)  # one seed: no interval
    half = se * np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
    out["se"] = se
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out.drop(columns="sd")


def _refuse_repeated_seeds(owner, frame, keys):
    """ParameterError naming ``frame`` when a seed has two rows for one value of ``keys`` (config, world, round,
    metric): pooling or pairing them would count it twice and mix the runs that share a label."""
    repeated = frame.duplicated([*keys, "seed"])
    if repeated.any():
        row = frame[repeated].iloc[0]
        raise ParameterError(owner, "frame", f"seed {row['seed']} of {row['config']} on {row[keys[1]]} repeated at round "
                             f"{row['round']} ({row['metric']})", f"one row per ({', '.join(keys)}, seed); a table of several "
                             "runs needs distinct configuration labels (olearn.Result.concat gives them)")


def _check_metric(frame, metric):
    known = list(dict.fromkeys(frame["metric"].astype(str)))
    if metric not in known:
        raise ParameterError("table", "metric", metric, ", ".join(known))


def compare(frame, a: str, b: str, metric: str = "regret", round: int | None = None,
            level: float = config.CONFIDENCE) -> pd.DataFrame:
    """Paired comparison of configurations ``a`` and ``b`` (labels) over the seeds both ran.

    One row per environment: the mean of ``a - b`` at ``round`` (the horizon by default), its
    standard error and ``level`` t-interval (``level`` in (0, 1), e.g. 0.95), and the number of paired seeds.
    """
    frame = tidy("compare", frame)
    level = check_level("compare", level)
    _check_metric(frame, metric)
    labels = list(dict.fromkeys(frame["config"].astype(str)))
    for name, label in (("a", a), ("b", b)):
        if label not in labels:
            raise ParameterError("compare", name, label, ", ".join(labels))
    part = frame[frame["metric"] == metric]
    allowed = f"a recorded checkpoint round (an integer), e.g. {int(frame['round'].max())}"
    if round is not None and (isinstance(round, bool) or not isinstance(round, numbers.Integral)):
        raise ParameterError("compare", "round", round, allowed)  # int(10.5) would compare at round 10
    at = int(part["round"].max()) if round is None else int(round)
    part = part[part["round"] == at]
    if part.empty:
        raise ParameterError("compare", "round", round, allowed)
    env_col = _env_column(frame)
    _refuse_repeated_seeds("compare", part[part["config"].isin([a, b])], ["config", env_col, "round", "metric"])
    rows = []
    for env, group in part.groupby(env_col, sort=False, observed=True):
        va = group[group["config"] == a].set_index("seed")["value"]
        vb = group[group["config"] == b].set_index("seed")["value"]
        common = va.index.intersection(vb.index)
        if common.empty:
            continue
        diff = (va.loc[common] - vb.loc[common]).to_numpy()
        mean, se, low, high = _interval(diff, level)
        rows.append({env_col: env, "a": a, "b": b, "metric": metric, "round": at, "n_seeds": common.size,
                     "mean_difference": mean, "se": se, "low": low, "high": high})
    return pd.DataFrame(rows)


def fit_slope(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of log y against log x (positive finite values only; NaN, NaN when fewer
    than two distinct x remain: no line is determined)."""
    try:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("fit_slope", "x, y", f"{type(x).__name__}, {type(y).__name__}", "two sequences of numbers") from None
    if x.ndim != 1 or y.shape != x.shape:  # None became a 0-d NaN, a table was flattened, unequal lengths broadcast
        raise ParameterError("fit_slope", "y", f"shape {y.shape} against x's {x.shape}",
                             "two one-dimensional sequences of the same length")
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if np.unique(x[keep]).size < 2:
        return np.nan, np.nan
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(slope), float(intercept)


__all__ = ["summarize", "compare", "fit_slope"]
