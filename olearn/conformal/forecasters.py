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
"""
from __future__ import annotations

import numpy as np

from olearn.core.errors import ParameterError, UnknownNameError, check_integer


class Naive:
    name = "naive"

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        return float(history[-1])


class SeasonalNaive:
    name = "seasonal_naive"

    def __init__(self, period: int = 12):
        self.period = check_integer("seasonal_naive", "period", period, 1)

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        k = -(-h // self.period)
        back = self.period * k - h + 1
        return float(history[-back]) if back <= len(history) else float(history[-1])


class AR:
    name = "ar"

    def __init__(self, lags: int = 4):
        self.lags = check_integer("ar", "lags", lags, 1)

    def fit(self, train):
        from statsmodels.tsa.ar_model import AutoReg

        res = AutoReg(np.asarray(train, dtype=float), lags=self.lags, trend="c").fit()
        self.const, self.coef = float(res.params[0]), np.asarray(res.params[1:], dtype=float)
        return self

    def forecast(self, history, h: int) -> float:
        window = list(np.asarray(history[-self.lags :], dtype=float))
        for _ in range(h):
            nxt = self.const + float(np.dot(self.coef, window[::-1][: self.lags]))
            window.append(nxt)
        return window[-1]


class ExpSmoothing:
    name = "exp_smoothing"

    def __init__(self, period: int = 1):
        self.period = check_integer("exp_smoothing", "period", period, 1)

    def fit(self, train):
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        m, train = self.period, np.asarray(train, dtype=float)
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
        a, b, g, phi = self.alpha, self.beta, self.gamma, self.phi
        level, trend, m = self.level0, self.trend0, self.seasons0.size
        seasons = list(self.seasons0)  # seasons[-m] is s_{t-m}
        for y in np.asarray(history, dtype=float):
            prev, damped = level, phi * trend
            level = a * (y - seasons[-m]) + (1 - a) * (prev + damped)
            trend = b * (level - prev) + (1 - b) * damped
            seasons.append(g * (y - prev - damped) + (1 - g) * seasons[-m])
        return level + trend * sum(phi**j for j in range(1, h + 1)) + seasons[-m + (h - 1) % m]


FORECASTERS = {"naive": Naive, "seasonal_naive": SeasonalNaive, "ar": AR, "exp_smoothing": ExpSmoothing}


def make_forecaster(name: str, **params):
    """A forecaster by name: ``naive``, ``seasonal_naive`` (period), ``ar`` (lags), ``exp_smoothing`` (period)."""
    if name not in FORECASTERS:
        raise UnknownNameError("forecaster", name, FORECASTERS)
    return FORECASTERS[name](**params)
