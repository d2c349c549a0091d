"""Intervals around forecasters: the rolling protocol by hand, forecasters against statsmodels, datasets."""
import numpy as np
import pandas as pd
import pytest

from olearn import conformal
from olearn.conformal import datasets, forecasters
from olearn.core.errors import ParameterError, UnknownNameError


def _walk(n=100, seed=0):
    return np.cumsum(np.random.default_rng(seed).normal(size=n))


def test_wrap_at_horizon_one_is_run_scores_on_naive_residuals():
    y = _walk()
    # 100 values, test 30% -> train_end 70; calibration 20% of 70 -> rows 56..69
    calib = np.abs(y[56:70] - y[55:69])
    scores = np.abs(y[70:] - y[69:99])
    expected = conformal.run_scores("saocp", scores, coverage=0.8, calibration=calib)
    out = conformal.wrap("naive", y, method="saocp", coverage=0.8)
    np.testing.assert_array_equal(out["radius"], expected)
    np.testing.assert_array_equal(out["yhat"], y[69:99])
    np.testing.assert_allclose(out["upper"] - out["lower"], 2 * expected, rtol=1e-14)
    assert out["covered"].mean() == pytest.approx(np.mean(scores <= expected))
    assert list(out.columns) == ["y", "yhat", "radius", "lower", "upper", "covered"]


@pytest.mark.parametrize("h", [2, 4])
def test_scores_arrive_h_minus_one_rounds_late(h):
    """Split conformal at horizon h: test target 70 + i is forecast at origin 70 + i - h, so its radius
    is the quantile of the scores of the targets revealed by then, 56 .. 70 + i - h (calibration tail
    included: its last h - 1 scores are not known at the first origin either)."""
    y = _walk(seed=h)
    out = conformal.wrap("naive", y, method="split", coverage=0.9, horizon=h)
    scores = np.abs(y[56:] - y[56 - h : 100 - h])  # naive h-step forecast: yhat_tau = y_{tau - h}; targets 56..99
    assert np.array_equal(out.attrs["calibration"], scores[: 15 - h])
    for i in range(30):
        seen = scores[: 15 + i - h]  # targets 56 .. 70 + i - h
        assert out["radius"].iloc[i] == np.quantile(seen, 0.9, method="inverted_cdf")


def test_a_dropped_late_calibration_outlier_does_not_bring_later_scores_forward():
    """At h = 3 the calibration target 69 arrives late; its score is an outlier (|z| >= 5), dropped.  Test
    target 70 + i is still forecast at origin 70 + i - 3, so its radius is the quantile of targets 56 .. 67 + i
    without 69: the dropped score's step passes (the test scores had arrived one step early, before they are known)."""
    h, y = 3, _walk()
    y[69] = y[66] + 1000.0  # naive 3-step residual of target 69
    out = conformal.wrap("naive", y, method="split", coverage=0.9, horizon=h)
    scores = np.abs(y[56:] - y[56 - h : 100 - h])  # targets 56..99
    keep = np.arange(56, 100) != 69
    for i in range(30):
        seen = scores[: 15 + i - h][keep[: 15 + i - h]]  # targets 56 .. 70 + i - h revealed by the origin
        assert out["radius"].iloc[i] == np.quantile(seen, 0.9, method="inverted_cdf"), i
    assert out.attrs["skipped"] == 0  # a calibration outlier is not a missing observation


def test_missing_observations_in_the_test_part_are_skipped_and_counted():
    y = _walk()
    y[80], y[90] = np.nan, np.nan
    with pytest.warns(conformal.MissingScoreWarning):
        out = conformal.wrap("naive", y, method="sf_ogd")
    # the naive forecast after a missing value carries the last observed one: two missing scores
    assert out.attrs["skipped"] == 2 and out["covered"].isna().sum() == 2 and out["yhat"].notna().all()
    assert out["covered"].isna().to_numpy().nonzero()[0].tolist() == [10, 20]
    assert np.isfinite(out["radius"]).all()


@pytest.mark.parametrize("name, params", [("naive", {}), ("seasonal_naive", {"period": 12}), ("ar", {"lags": 4}),
                                          ("exp_smoothing", {"period": 12})])
def test_a_missing_value_is_its_own_one_step_forecast(name, params):
    """Zero innovation: a history with y_i missing forecasts exactly as the history with y_i replaced by
    the forecaster's one-step forecast of it from y_0..y_{i-1}, for every horizon and any i."""
    y = datasets.load("co2").to_numpy()[:200]
    model = forecasters.make_forecaster(name, **params).fit(y[:150])
    for gaps in ([196], [190, 191, 193], [185, 199]):
        missing, filled = y.copy(), y.copy()
        for i in gaps:
            missing[i] = np.nan
            filled[i] = model.forecast(filled[:i], 1)
        for end in sorted({i + 1 for i in gaps} | {i + 2 for i in gaps} | {y.size}):  # histories ending at or after a gap
            for h in (1, 3, 13):
                assert model.forecast(missing[:end], h) == pytest.approx(model.forecast(filled[:end], h), rel=1e-12, abs=1e-12)


def test_wrap_with_missing_values_keeps_every_forecast():
    y = datasets.load("co2").to_numpy()[:300].copy()
    y[[250, 251, 270]] = np.nan
    for name, params in (("ar", {"lags": 4}), ("exp_smoothing", {"period": 12})):
        with pytest.warns(conformal.MissingScoreWarning):
            out = conformal.wrap(forecasters.make_forecaster(name, **params), y, method="saocp")
        assert out["yhat"].notna().all() and out.attrs["skipped"] == 3 and out["covered"].isna().sum() == 3


@pytest.mark.parametrize("kw, name", [({"horizon": 0}, "horizon"), ({"horizon": True}, "horizon"), ({"horizon": 1.5}, "horizon"),
                                      ({"test_frac": 1.0}, "test_frac"), ({"calib_frac": 0.0}, "calib_frac"),
                                      ({"coverage": 1.2}, "coverage"), ({"horizon": 80}, "series")])
def test_bad_wrap_arguments(kw, name):
    with pytest.raises(ParameterError, match=name):
        conformal.wrap("naive", _walk(), **kw)


@pytest.mark.parametrize("series", [np.ones((100, 2)), pd.DataFrame({"y": _walk()}), np.array(["a"] * 100),
                                    pd.Series([f"{v:.3f}" for v in _walk()]),  # numbers as text (read from a file)
                                    [10**400] + list(range(99))])  # an int no float holds (it raised OverflowError)
def test_wrap_refuses_a_series_that_is_not_1d_numbers(series):
    with pytest.raises(ParameterError, match="series"):
        conformal.wrap("naive", series)


def test_fractions_given_as_numpy_scalars_are_the_same_fractions():
    """np.float32(0.25) is the number 0.25 (exact in float32): it was refused as not 'a number in (0, 1)'."""
    y = _walk()
    by_float = conformal.wrap("naive", y, method="split", calib_frac=0.25, test_frac=0.25)
    by_numpy = conformal.wrap("naive", y, method="split", calib_frac=np.float32(0.25), test_frac=np.float32(0.25))
    pd.testing.assert_frame_equal(by_numpy, by_float)
    assert len(by_float) == 25


def test_ar_needs_enough_training_values():
    with pytest.raises(ParameterError, match=r"'train'.*2 lags \+ 1 = 9"):
        forecasters.make_forecaster("ar", lags=4).fit(np.arange(8.0))


def test_unknown_forecaster_or_dataset():
    with pytest.raises(UnknownNameError, match="seasonal_naive"):
        conformal.wrap("prophet", _walk())
    with pytest.raises(UnknownNameError, match="sunspots"):
        datasets.load("m4")


# ---------------------------------------------------------------- forecasters against statsmodels


def test_ar_one_step_forecasts_are_statsmodels_fitted_values():
    from statsmodels.tsa.ar_model import AutoReg

    y = datasets.load("sunspots").to_numpy()[:200]
    model = forecasters.make_forecaster("ar", lags=4).fit(y)
    fitted = AutoReg(y, lags=4, trend="c").fit().fittedvalues  # predictions of y[4:]
    ours = [model.forecast(y[:t], 1) for t in range(4, 200)]
    np.testing.assert_allclose(ours, fitted, rtol=0, atol=1e-12)


def test_ar_multi_step_forecast_is_statsmodels_out_of_sample():
    from statsmodels.tsa.ar_model import AutoReg

    y = datasets.load("elnino").to_numpy()[:300]
    model = forecasters.make_forecaster("ar", lags=3).fit(y)
    expected = AutoReg(y, lags=3, trend="c").fit().predict(start=300, end=305)
    np.testing.assert_allclose([model.forecast(y, h) for h in range(1, 7)], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, period", [("elnino", 12), ("nile", 1)])
def test_exp_smoothing_forecasts_are_statsmodels_holt_winters(name, period):
    """Damped additive Holt-Winters: one-step forecasts are statsmodels' fitted values, multi-step
    forecasts (past one season) its out-of-sample forecasts."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = datasets.load(name).to_numpy()[:150]  # the Nile has 100 values
    model = forecasters.make_forecaster("exp_smoothing", period=period).fit(y)
    res = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add" if period > 1 else None,
                               seasonal_periods=period if period > 1 else None, initialization_method="heuristic").fit()
    assert 0 < res.params["damping_trend"] < 1
    np.testing.assert_allclose([model.forecast(y[:t], 1) for t in range(y.size)], res.fittedvalues, rtol=0, atol=1e-10)
    hs = np.array([1, 2, 5, 12, 13, 25])
    np.testing.assert_allclose([model.forecast(y, h) for h in hs], res.forecast(25)[hs - 1], rtol=0, atol=1e-8)
    with pytest.raises(ParameterError, match="period"):
        forecasters.make_forecaster("exp_smoothing", period=0)
    with pytest.raises(ParameterError, match=r"'train'.*at least max\(10, 2 period\) = 24"):
        forecasters.make_forecaster("exp_smoothing", period=12).fit(y[:23])


@pytest.mark.parametrize("period", [1, 4, 12])
def test_seasonal_naive_repeats_the_last_season(period):
    history = np.arange(40.0)
    f = forecasters.make_forecaster("seasonal_naive", period=period)
    for h in range(1, 30):
        target = 39 + h  # the index being forecast; the same phase in the last observed season
        assert f.forecast(history, h) == history[target - period * int(np.ceil(h / period))]
    with pytest.raises(ParameterError, match="period"):
        forecasters.make_forecaster("seasonal_naive", period=0)


# ---------------------------------------------------------------- datasets


@pytest.mark.parametrize("name, length", [("co2", 526), ("sunspots", 309), ("elnino", 732), ("nile", 100)])
def test_datasets_ship_offline_normalised(name, length):
    s = datasets.load(name)
    assert isinstance(s, pd.Series) and len(s) == length and s.name == name
    assert s.min() == 0.0 and s.max() == 1.0 and not s.isna().any()
    raw = datasets.load(name, normalise=False)
    np.testing.assert_allclose((raw - raw.min()) / (raw.max() - raw.min()), s, rtol=0, atol=1e-15)


class _ArrayForecaster:
    """forecast() returns the path of h values (statsmodels' style), not the h-step value."""

    def fit(self, train):
        return self

    def forecast(self, history, h):
        return np.full(h, history[-1])


def test_a_forecast_that_is_not_one_number_is_named():
    """A length-h path used to broadcast (n, h) against y or fail inside the predictor as a bad 'score'."""
    y = _walk()
    with pytest.raises(ParameterError, match=r"'forecaster'.*returned shape \(3,\).*one number"):
        conformal.wrap(_ArrayForecaster(), y, horizon=3)
    # a one-element array is one number
    np.testing.assert_array_equal(conformal.wrap(_ArrayForecaster(), y)["radius"], conformal.wrap("naive", y)["radius"])



@pytest.mark.parametrize("where", [10, 99])  # in the training part and in the test stream
def test_an_infinite_value_in_the_series_is_named_with_its_position(where):
    """It used to reach the forecaster's fit, or the predictor as a bad 'score' the user never gave."""
    y = _walk()
    y[where] = -np.inf
    with pytest.raises(ParameterError, match=rf"'series' = '-inf at position {where}'.*finite numbers"):
        conformal.wrap("naive", y)


class _OverflowingForecaster:
    def fit(self, train):
        return self

    def forecast(self, history, h):
        return np.inf if history.size > 90 else history[-1]


def test_an_infinite_forecast_is_named():
    with pytest.raises(ParameterError, match=r"'forecaster'.*inf at step \d+ of the test part.*finite forecasts"):
        conformal.wrap(_OverflowingForecaster(), _walk())

def test_covered_is_the_score_test_the_method_learns_from():
    """On a decimal grid |y - yhat| can equal the radius while yhat + radius rounds the other way:
    ``covered`` is 1[|y - yhat| <= radius], so its mean is metrics.coverage (0.867 here, where lower <= y <= upper
    holds in 0.9 of the rounds)."""
    rng = np.random.default_rng(29)
    y = np.round(10 + np.cumsum(rng.integers(-3, 4, size=200)) * 0.1, 1)
    out = conformal.wrap("naive", y, method="split", coverage=0.8)
    scores = np.abs(out["y"] - out["yhat"]).to_numpy()
    np.testing.assert_array_equal(out["covered"].to_numpy(), (scores <= out["radius"].to_numpy()).astype(float))
    assert out["covered"].mean() == conformal.metrics.coverage(scores, out["radius"])
    assert out["covered"].mean() < ((out["lower"] <= out["y"]) & (out["y"] <= out["upper"])).mean()  # the grid's ties


@pytest.mark.parametrize("h", [1, 3])
def test_late_calibration_scores_pass_the_same_outlier_filter(h):
    """An outlier among the calibration tail's last h - 1 targets is dropped at h > 1 as it is at h = 1
    (|z| >= 5 with the known part's mean and standard deviation), NaN in its step; the others arrive in order."""
    from olearn.conformal.intervals import live_feedback

    residuals = np.random.default_rng(1).normal(size=60)
    residuals[-1] = 100.0
    scores = np.array([0.3, 0.1])
    calibration, arriving = live_feedback({"residuals": residuals, "scores": scores}, h)
    known = residuals[: 60 - (h - 1)]
    assert np.array_equal(calibration, np.abs(known[np.abs(known - known.mean()) / known.std() < 5]))
    assert 100.0 not in calibration and 100.0 not in arriving
    late = np.abs(residuals[60 - (h - 1) :])
    late[-1:] = np.nan  # dropped in its place: the step passes without an update
    np.testing.assert_array_equal(arriving, np.concatenate([late, scores]))


@pytest.mark.parametrize("h", [1, 3])
def test_a_forecast_function_is_a_forecaster_with_nothing_to_fit(h):
    """wrap(f, ...) with f(history, h) gives the same intervals as the registered forecaster it computes
    (a function had failed with AttributeError: no attribute 'fit')."""
    y = _walk(seed=4)
    by_name = conformal.wrap("naive", y, method="faci", coverage=0.8, horizon=h)
    by_function = conformal.wrap(lambda history, steps: history[-1], y, method="faci", coverage=0.8, horizon=h)
    pd.testing.assert_frame_equal(by_function, by_name)


def test_a_forecaster_that_is_neither_is_named():
    with pytest.raises(ParameterError, match="'forecaster'.*fit\\(train\\) and forecast\\(history, h\\)"):
        conformal.wrap(5, _walk(), method="aci")


def test_calibration_outlier_filter_is_a_population_z_score_below_5():
    """The authors' filter keeps a residual r when |r - mean| / std < 5, std the population deviation (ddof 0) of
    all the residuals.  Residuals centred at 3 (so dropping the mean would cut the bulk), one at z = 4.5 (kept),
    one at z = -5.02 (dropped; its z with ddof 1 would be -4.97, kept)."""
    from olearn.conformal.intervals import calibration_scores

    base = np.round(3.0 + 0.5 * np.random.default_rng(7).normal(size=48), 3)
    r = np.concatenate([base, [8.947, -4.017]])
    n, mean = r.size, r.sum() / r.size
    sd = np.sqrt(((r - mean) ** 2).sum() / n)
    z = (r - mean) / sd
    assert 4.4 < z[48] < 4.6 and -5.05 < z[49] < -5.0  # the two probes sit where they should
    assert abs(z[49]) * np.sqrt((n - 1) / n) < 5.0  # with ddof 1 the second one would be kept
    assert np.any(np.abs(r) / sd >= 5)  # without the mean the bulk would be cut
    np.testing.assert_array_equal(calibration_scores(r), np.abs(r[:49]))  # all but the last, in order
