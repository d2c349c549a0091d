"""Cheap, standard point forecasters for the conformal wrapper.

Each forecaster is fitted once on a training prefix (``fit(train)``) and then forecasts
``h`` steps ahead from any history (``forecast(history, h)``), so a rolling evaluation
costs one recursion per step and no refitting, as in the rolling protocol of
Bhatnagar et al. (ICML 2023).

* ``naive``: yhat_{t+h} = y_t.
* ``seasonal_naive(period)``: yhat_{t+h} = y_{t+h-period k}, k the smallest with period k >= h.
* ``ar(lags)``: autoregression fitted by statsmodels ``AutoReg`` (OLS with a constant);
  multi-step forecasts by iterating the fitted recursion.
* ``exp_smoothing(period)``: additive Holt-Winters exponential smoothing with a damped trend
  (ETS(A, Ad, A); Gardner and McKenzie 1985), fitted by statsmodels ``ExponentialSmoothing``
  (initial states from the first cycles by the heuristic of Hyndman et al. 2008, then level alpha,
  trend beta, seasonal gamma and damping phi by least squares); no seasonal term when ``period``
  is 1.  Fitting needs max(10, 2 period) values.  With m = period, the recursion
  l_t = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + phi b_{t-1}),
  b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1},
  s_t = gamma (y_t - l_{t-1} - phi b_{t-1}) + (1 - gamma) s_{t-m}
  is rolled over the history and yhat_{t+h} = l_t + (phi + ... + phi^h) b_t + s_{t+h-m(k+1)},
  k = floor((h - 1) / m).  The damped trend keeps multi-step forecasts of cyclic series bounded,
  where an undamped linear trend would extrapolate each swing.

A missing observation (NaN in the history) is never folded into a forecaster's state: each one
treats it as equal to its own one-step forecast from the values before it (zero innovation), so
``naive`` carries the last observed value, ``seasonal_naive`` the last observed value of the same
season, ``ar`` its fitted recursion, and ``exp_smoothing`` advances level, trend and season without
an update.
"""
from __future__ import annotations

import numpy as np

from olearn.core.errors import ParameterError, UnknownNameError, check_integer


def _steps(owner: str, h) -> int:
    """``h`` as an int when it is an integer >= 1 (the steps ahead), or a ParameterError."""
    return check_integer(owner, "h", h, 1, meaning="steps ahead")


def _train(owner: str, train) -> np.ndarray:
    """``train`` as a 1-D float array of finite numbers (the fitted series), or a ParameterError."""
    try:
        arr = None if isinstance(train, (str, bytes)) else np.asarray(train, dtype=float)
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is None or arr.ndim != 1 or not np.all(np.isfinite(arr)):
        shown = train if arr is None or arr.ndim != 1 else f"{int(np.sum(~np.isfinite(arr)))} values not finite (NaN or inf)"
        raise ParameterError(owner, "train", shown, "a 1-D series of finite numbers (fit on a part with no missing values)")
    return arr


class Naive:
    name = "naive"

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        _steps("naive", h)
        observed = np.flatnonzero(~np.isnan(np.asarray(history, dtype=float)))
        return float(history[observed[-1]]) if observed.size else float("nan")


class SeasonalNaive:
    name = "seasonal_naive"

    def __init__(self, period: int = 12):
        self.period = check_integer("seasonal_naive", "period", period, 1)

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        h = _steps("seasonal_naive", h)
        values = np.asarray(history, dtype=float)
        back = self.period * -(-h // self.period) - h + 1
        while back <= values.size and np.isnan(values[-back]):  # missing: that season's previous value
            back += self.period
        return float(values[-back]) if back <= values.size else Naive().forecast(values, h)


class AR:
    name = "ar"

    def __init__(self, lags: int = 4):
        self.lags = check_integer("ar", "lags", lags, 1)

    def fit(self, train):
        from statsmodels.tsa.ar_model import AutoReg

        train = _train("ar", train)
        if train.size < 2 * self.lags + 1:  # lags + 1 coefficients from size - lags equations
            raise ParameterError("ar", "train", f"{train.size} values",
                                 f"at least 2 lags + 1 = {2 * self.lags + 1} values to fit the lags and the constant")
        res = AutoReg(train, lags=self.lags, trend="c").fit()
        self.const, self.coef = float(res.params[0]), np.asarray(res.params[1:], dtype=float)
        return self

    def _next(self, window) -> float:
        return self.const + float(np.dot(self.coef, window[::-1][: self.lags]))

    def forecast(self, history, h: int) -> float:
        h = _steps("ar", h)
        values = np.asarray(history, dtype=float)
        start = max(values.size - self.lags, 0)  # the values the forecast reads
        while start > 0:  # a missing one among them is filled from the lags before it, and so on back
            gaps = np.flatnonzero(np.isnan(values[start:]))
            if gaps.size == 0 or gaps[0] >= self.lags:
                break
            start = max(start + gaps[0] - self.lags, 0)
        window = list(values[start:])
        for i, y in enumerate(window):
            if np.isnan(y):  # fewer than `lags` values before it only at the very start of the history
                window[i] = self._next(window[:i]) if i >= self.lags else float(np.nanmean(values))
        window = window[-self.lags :]
        for _ in range(h):
            window.append(self._next(window))
        return window[-1]


class ExpSmoothing:
    name = "exp_smoothing"

    def __init__(self, period: int = 1):
        self.period = check_integer("exp_smoothing", "period", period, 1)

    def fit(self, train):
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        m, train = self.period, _train("exp_smoothing", train)
        if train.size < max(10, 2 * m):
            raise ParameterError("exp_smoothing", "train", f"{train.size} values",
                                 f"at least max(10, 2 period) = {max(10, 2 * m)} values to set the initial states")
        res = ExponentialSmoothing(train, trend="add", damped_trend=True, seasonal="add" if m > 1 else None,
                                   seasonal_periods=m if m > 1 else None, initialization_method="heuristic").fit()
        p = res.params
        self.alpha, self.beta, self.phi = float(p["smoothing_level"]), float(p["smoothing_trend"]), float(p["damping_trend"])
        self.gamma = float(p["smoothing_seasonal"]) if m > 1 else 0.0
        self.level0, self.trend0 = float(p["initial_level"]), float(p["initial_trend"])
        self.seasons0 = np.asarray(p["initial_seasons"], dtype=float) if m > 1 else np.zeros(1)
        return self

    def forecast(self, history, h: int) -> float:
        h = _steps("exp_smoothing", h)
        a, b, g, phi = self.alpha, self.beta, self.gamma, self.phi
        level, trend, m = self.level0, self.trend0, self.seasons0.size
        seasons = list(self.seasons0)  # seasons[-m] is s_{t-m}
        for y in np.asarray(history, dtype=float):
            prev, damped = level, phi * trend
            if np.isnan(y):  # missing: y equals its one-step forecast, so the states only advance
                y = prev + damped + seasons[-m]
            level = a * (y - seasons[-m]) + (1 - a) * (prev + damped)
            trend = b * (level - prev) + (1 - b) * damped
            seasons.append(g * (y - prev - damped) + (1 - g) * seasons[-m])
        return level + trend * sum(phi**j for j in range(1, h + 1)) + seasons[-m + (h - 1) % m]


FORECASTERS = {"naive": Naive, "seasonal_naive": SeasonalNaive, "ar": AR, "exp_smoothing": ExpSmoothing}


def make_forecaster(name: str, **params):
    """A forecaster by name: ``naive``, ``seasonal_naive`` (period), ``ar`` (lags), ``exp_smoothing`` (period)."""
    if not isinstance(name, str) or name not in FORECASTERS:
        raise UnknownNameError("forecaster", name, FORECASTERS)
    takes = {"naive": (), "seasonal_naive": ("period",), "ar": ("lags",), "exp_smoothing": ("period",)}[name]
    for key in params:
        if key not in takes:
            raise ParameterError(name, key, params[key], f"only {', '.join(takes)}" if takes else "no parameters (naive has none)")
    return FORECASTERS[name](**params)
