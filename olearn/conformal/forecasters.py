"""Cheap, standard point forecasters for the conformal wrapper.

Each forecaster is fitted once on a training prefix (``fit(train)``) and then forecasts
``h`` steps ahead from any history (``forecast(history, h)``), so a rolling evaluation
costs one recursion per step and no refitting, as in the rolling protocol of
Bhatnagar et al. (ICML 2023).

* ``naive``: yhat_{t+h} = y_t.
* ``seasonal_naive(period)``: yhat_{t+h} = y_{t+h-period k}, k the smallest with period k >= h.
* ``ar(lags)``: autoregression fitted by statsmodels ``AutoReg`` (OLS with a constant);
  multi-step forecasts by iterating the fitted recursion.
* ``exp_smoothing``: Holt's linear-trend exponential smoothing fitted by statsmodels
  ``Holt`` (level alpha, trend beta, initial level and trend); the recursion
  l_t = alpha y_t + (1 - alpha)(l_{t-1} + b_{t-1}), b_t = beta (l_t - l_{t-1}) + (1 - beta) b_{t-1}
  is rolled over the history and yhat_{t+h} = l_t + h b_t.
"""
from __future__ import annotations

import numpy as np

from olearn.core.errors import ParameterError, UnknownNameError


class Naive:
    name = "naive"

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        return float(history[-1])


class SeasonalNaive:
    name = "seasonal_naive"

    def __init__(self, period: int = 12):
        if int(period) < 1:
            raise ParameterError("seasonal_naive", "period", period, "an integer >= 1")
        self.period = int(period)

    def fit(self, train):
        return self

    def forecast(self, history, h: int) -> float:
        k = -(-h // self.period)
        back = self.period * k - h + 1
        return float(history[-back]) if back <= len(history) else float(history[-1])


class AR:
    name = "ar"

    def __init__(self, lags: int = 4):
        if int(lags) < 1:
            raise ParameterError("ar", "lags", lags, "an integer >= 1")
        self.lags = int(lags)

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

    def fit(self, train):
        from statsmodels.tsa.holtwinters import Holt

        res = Holt(np.asarray(train, dtype=float), initialization_method="estimated").fit()
        p = res.params
        self.alpha, self.beta = float(p["smoothing_level"]), float(p["smoothing_trend"])
        self.level0, self.trend0 = float(p["initial_level"]), float(p["initial_trend"])
        return self

    def forecast(self, history, h: int) -> float:
        level, trend = self.level0, self.trend0
        for y in np.asarray(history, dtype=float):
            prev = level
            level = self.alpha * y + (1 - self.alpha) * (level + trend)
            trend = self.beta * (level - prev) + (1 - self.beta) * trend
        return level + h * trend


FORECASTERS = {"naive": Naive, "seasonal_naive": SeasonalNaive, "ar": AR, "exp_smoothing": ExpSmoothing}


def make_forecaster(name: str, **params):
    """A forecaster by name: ``naive``, ``seasonal_naive`` (period), ``ar`` (lags), ``exp_smoothing``."""
    if name not in FORECASTERS:
        raise UnknownNameError("forecaster", name, FORECASTERS)
    return FORECASTERS[name](**params)
