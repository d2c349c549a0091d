"""Conformal intervals around a point forecaster on a time series (rolling evaluation).

Protocol (Bhatnagar et al., ICML 2023, time-series experiments): the last ``test_frac`` of the
series is the test stream; the forecaster is fitted on the rest minus a calibration tail
(``calib_frac`` of it), whose h-step residuals (outliers with |z| >= 5 dropped) are the
calibration scores.  At each test time tau the forecaster predicts y_tau from the data up to
tau - h, the conformal method gives the radius s_tau, and the interval is yhat_tau +/- s_tau.
The score |y_tau - yhat_tau| reaches the method at tau, so for h > 1 it learns with a delay
of h - 1 rounds (the radius for tau is predicted before the scores of tau - h + 1 .. tau - 1 arrive);
the calibration tail's last h - 1 scores too arrive only after the first test origin
(:func:`live_feedback`).
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from olearn.conformal.common import sized_for
from olearn.conformal.forecasters import make_forecaster
from olearn.conformal.predictor import Predictor
from olearn.core.errors import ParameterError, check_integer
from olearn.core.params import real_array


def _check_fraction(name, value, low_open=True):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not (0.0 < value < 1.0):  # NumPy scalars too
        raise ParameterError("wrap", name, value, "a number in (0, 1)")
    return float(value)


def _one_forecast(forecaster, history: np.ndarray, horizon: int) -> float:
    """``forecaster.forecast(history, horizon)`` as one float, or a ParameterError naming what came back."""
    value = forecaster.forecast(history, horizon)
    try:
        out = None if value is None else np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        out = None
    if out is None or out.size != 1:
        what = f"shape {out.shape}" if out is not None else repr(value)
        raise ParameterError("wrap", "forecaster", f"forecast(history, {horizon}) returned {what}",
                             f"one number, the forecast {horizon} step(s) after the history's last value")
    return float(out.reshape(()))


def rolling_forecasts(forecaster, values: np.ndarray, start: int, stop: int, horizon: int) -> np.ndarray:
    """yhat[tau] for tau in [start, stop), each from values[: tau - horizon + 1]."""
    return np.array([_one_forecast(forecaster, values[: tau - horizon + 1], horizon) for tau in range(start, stop)], dtype=float)


def _first_infinite(a: np.ndarray) -> int | None:
    """The position of the first +-inf in ``a``, or None."""
    hits = np.flatnonzero(np.isinf(a))
    return int(hits[0]) if hits.size else None


def split_series(series, horizon: int, calib_frac: float, test_frac: float):
    """(values, index, train_end, calib_start) with the test stream values[train_end:]."""
    horizon = check_integer("wrap", "horizon", horizon, 1, meaning="steps ahead")
    if isinstance(series, pd.DataFrame) or np.ndim(series) != 1:
        raise ParameterError("wrap", "series", f"shape {np.shape(series)}", "a 1-D series (a pandas Series or a 1-D array)")
    s = series if isinstance(series, pd.Series) else pd.Series(series)
    if s.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in s.to_numpy()):  # an object cast parses "1.5"
        raise ParameterError("wrap", "series", "text values", "real numbers (NaN for a missing observation)")
    try:
        values = real_array(s.to_numpy(), copy=True)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError("wrap", "series", f"dtype {s.dtype}", "real numbers (NaN for a missing observation)") from None
    n = values.size
    train_end = n - max(1, int(round(test_frac * n)))
    calib_start = train_end - max(1, int(round(calib_frac * train_end)))
    if calib_start - horizon + 1 < 2:
        raise ParameterError("wrap", "series", f"{n} values", f"a 1-D series long enough for the splits and horizon {horizon}")
    if np.isnan(values[:train_end]).any():
        raise ParameterError("wrap", "series", "NaN in the training part", "finite values before the test stream")
    where = _first_infinite(values)
    if where is not None:
        raise ParameterError("wrap", "series", f"{values[where]} at position {where}", "finite numbers (NaN for a missing observation)")
    return values, s.index, train_end, calib_start


def _kept(residuals: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Which residuals the outlier filter keeps: not NaN, and |z| < 5 with ``reference``'s mean and
    standard deviation (every one that is not NaN when that deviation is 0 or undefined)."""
    ref = reference[~np.isnan(reference)]
    keep = ~np.isnan(residuals)
    if ref.size > 1 and np.std(ref) > 0:
        with np.errstate(invalid="ignore"):
            keep &= np.abs(residuals - ref.mean()) / np.std(ref) < 5
    return keep


def calibration_scores(residuals: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """|residuals| without outliers, as in the authors' protocol: a residual is dropped when it is NaN or
    its z-score is >= 5, with the mean and standard deviation of ``reference`` (default: the residuals)."""
    return np.abs(residuals[_kept(residuals, residuals if reference is None else reference)])


class _Function:
    """A forecast function ``f(history, h)`` as a forecaster that needs no fitting."""

    def __init__(self, function):
        self.function = function

    def fit(self, train):
        return self

    def forecast(self, history, h: int):
        return self.function(history, h)


def _forecaster(forecaster):
    """A name, an object with ``fit`` and ``forecast``, or a function ``f(history, h)``, as a forecaster."""
    if isinstance(forecaster, str):
        return make_forecaster(forecaster)
    if callable(getattr(forecaster, "fit", None)) and callable(getattr(forecaster, "forecast", None)):
        return forecaster
    if callable(forecaster):
        return _Function(forecaster)
    raise ParameterError("wrap", "forecaster", type(forecaster).__name__,
                         "a forecaster's name, an object with fit(train) and forecast(history, h), or a function "
                         "f(history, h) returning the forecast h steps after history[-1]")


def forecast_scores(forecaster, series, horizon: int = 1, calib_frac: float = 0.2, test_frac: float = 0.3) -> dict:
    """The protocol's data for one (series, forecaster): what every conformal method then sees.

    Returns a dict with ``calibration`` (|residuals| on the calibration tail, outliers dropped),
    ``residuals`` (the calibration tail's residuals y - yhat, in time order, none dropped), ``y`` and
    ``yhat`` over the test part, ``scores`` = |y - yhat| and ``index`` (the test part's time index).
    The forecaster is fitted once on the training part minus the calibration tail.
    """
    calib_frac, test_frac = _check_fraction("calib_frac", calib_frac), _check_fraction("test_frac", test_frac)
    values, index, train_end, calib_start = split_series(series, horizon, calib_frac, test_frac)
    model = _forecaster(forecaster)
    model.fit(values[:calib_start])
    calib_hat = rolling_forecasts(model, values, calib_start, train_end, horizon)
    yhat = rolling_forecasts(model, values, train_end, values.size, horizon)
    for part, hat in (("calibration", calib_hat), ("test", yhat)):
        where = _first_infinite(hat)
        if where is not None:
            raise ParameterError("wrap", "forecaster", f"a forecast of {hat[where]} at step {where} of the {part} part",
                                 "finite forecasts (NaN for none)")
    y = values[train_end:]
    residuals = values[calib_start:train_end] - calib_hat
    return {"calibration": calibration_scores(residuals), "residuals": residuals, "y": y, "yhat": yhat,
            "scores": np.abs(y - yhat), "index": index[train_end:]}


def live_feedback(data: dict, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(calibration, arriving): what a live h-step predictor knows at the first forecast origin, and
    the scores in the order they arrive after it.

    Test target i (time train_end + i) is forecast at origin train_end + i - h, when the targets up to
    that time are known.  At the first origin that is the calibration tail up to target train_end - h:
    its scores, outliers dropped, are the calibration; the last h - 1 calibration targets' scores and
    then the test scores arrive one per step, so the radius of test target i is predicted after
    ``arriving[:i]`` (the calibration targets' scores in ``data["residuals"]``, the test ones in
    ``data["scores"]``).  The late calibration scores go through the same outlier filter, with the
    known part's mean and standard deviation; a dropped one is NaN in its place, a step without an
    update (removing it would bring every later score one step forward, before its target is known).
    With h = 1 this is ``data["calibration"]`` and ``data["scores"]``.
    """
    residuals = data["residuals"]
    known = max(0, residuals.size - (horizon - 1))
    late = residuals[known:]
    late = np.where(_kept(late, residuals[:known]), np.abs(late), np.nan)
    return calibration_scores(residuals[:known]), np.concatenate([late, data["scores"]])


def wrap(forecaster, series, method: str = "saocp", coverage: float = 0.9, horizon: int = 1, calib_frac: float = 0.2,
         test_frac: float = 0.3, backend: str = "python", **params) -> pd.DataFrame:
    """Intervals yhat_t +/- s_t over the test part of ``series``, as a DataFrame.

    Parameters
    ----------
    forecaster : str, object or function
        A name from :mod:`olearn.conformal.forecasters`, an object with ``fit(train)`` and
        ``forecast(history, h)``, or a function ``f(history, h)`` (nothing to fit); the forecast is one
        number, the value h steps after ``history[-1]``.
    series : pandas.Series or 1-D array
    method : str
        Conformal method (:func:`olearn.conformal.names`).
    coverage, horizon, calib_frac, test_frac
        Target coverage in (0, 1), steps ahead (>= 1), calibration share of the training part,
        test share of the series.
    backend : {"python", "cpu"}
        Backend of the step-wise predictor.

    Returns
    -------
    DataFrame indexed like the test part, with columns ``y``, ``yhat``, ``radius``, ``lower``,
    ``upper``, ``covered`` = 1[|y - yhat| <= radius], the score's test that the method learns from
    and :func:`~olearn.conformal.metrics.coverage` counts (NaN where y or its forecast is missing;
    such scores are skipped with a warning and counted in ``attrs["skipped"]``).
    """
    data = forecast_scores(forecaster, series, horizon, calib_frac, test_frac)
    y, yhat, scores = data["y"], data["yhat"], data["scores"]
    calib, arriving = live_feedback(data, horizon)
    n_late = arriving.size - y.size  # the calibration tail's last h - 1 targets (NaN: dropped as outliers)
    try:
        predictor = Predictor(method, coverage=coverage, calibration=calib, backend=backend,
                              **sized_for("wrap", params, calib.size + y.size))
    except ParameterError as e:  # the calibration scores are wrap's own: say what of the user's input made them so
        if e.name != "calibration" or np.any(calib > 0):
            raise
        what = ("every calibration score is 0: the forecaster is exact on the calibration part" if calib.size
                else "no calibration score: every one on the calibration part is missing or an outlier")
        raise ParameterError("wrap", "series", what,
                             f"a series with forecast errors on its calibration part (the {method} method sets its scale "
                             "D = sqrt(3) max |score| from them), or give scale=D") from None
    radius = np.empty(y.size)
    for i in range(y.size):
        radius[i] = predictor.predict()
        if i < n_late and np.isnan(arriving[i]):
            continue  # a calibration outlier: nothing to learn, but its step passes (the later scores keep their time)
        predictor.update(arriving[i])  # the score of target i - h + 1, revealed at the next origin
    out = pd.DataFrame({"y": y, "yhat": yhat, "radius": radius, "lower": yhat - radius, "upper": yhat + radius}, index=data["index"])
    # the score's test, as the method learns it and metrics.coverage counts it: lower <= y <= upper can
    # round the other way when |y - yhat| equals the radius (values on a decimal grid, e.g. prices in cents)
    out["covered"] = np.where(np.isnan(scores), np.nan, (scores <= radius).astype(float))
    out.attrs.update(method=method, coverage=coverage, horizon=horizon, calibration=calib, skipped=predictor.skipped)
    return out
