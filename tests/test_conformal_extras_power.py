"""Conformal PID control, the scorecaster and the point forecasters at their edges (python backend only).

* Quantile tracking and its PI / PID variants (Angelopoulos, Candes and Tibshirani 2023) count a miss as
  err_t = 1[S_t > q_t], strictly: a score equal to the radius is covered (the interval [-q, q] is closed).  With
  coverage 3/4 (alpha = 1/4) and a dyadic lr every step is exact in floating point, so the radii are computed
  by hand in each test (a miss adds lr (1 - alpha), a cover subtracts lr alpha; the radius is max(q, 0)).
* The integrator's tangent is read as +inf from the float pi/2 on, as the authors' ``mytan`` does
  (``x >= pi/2``); tan(fl(pi/2)) itself is a finite 1.6e16, so the boundary is pinned at an angle that rounds
  to fl(pi/2) exactly.  The gain K_I defaults to D = sqrt(3) max |calibration|, the step to 0.1 D; ``lags`` runs
  up to 64, its help range.
* The scorecaster's forecast theta' x is clipped to [0, max score seen]: on a line of scores 1, 3, ..., 19 the
  least-squares AR(1) fit is S_t = S_{t-1} + 2 and forecasts 21 (clipped to 19); on 19, 17, ..., 1 it forecasts
  -1 (clipped to 0).  With lambda < 1 its covariance is divided by lambda only while the trace of the divided
  matrix stays at most P_0's, m / ridge: a slow NumPy recursion of the documented rule (k = P x / (lambda +
  x'P x)) is the oracle for P and theta, on streams where both branches of the rule are taken.
* Seasonal naive forecasts y_{t+h-period k}, k the smallest with period k >= h, back to the first value of
  the history; when that season was never observed it falls back to naive (the last observed value).  Naive on
  a history with no observation is NaN.  AR fills a missing value with fewer than ``lags`` values before it by
  the mean of the observed history.  Damped Holt-Winters rolls the module's recursion, whose season update uses
  the one-step forecast's level l_{t-1} + phi b_{t-1} (Hyndman et al. 2008), checked with dyadic smoothing
  constants by hand (the statsmodels comparison in test_conformal_intervals.py fits gamma = 0 on elnino, where
  the season update has no effect).
"""
import math

import numpy as np
import pytest

import olearn
from olearn import conformal
from olearn.conformal import forecasters, pid, scorecaster


def _radii(name, scores, **params):
    """Radius predicted before each score, step by step on the python backend."""
    step = olearn.stepwise(conformal.make(name, **params), seed=0, backend="python")
    out = []
    for s in scores:
        out.append(float(step.act()))
        step.update(out[-1], float(s))
    return out


# ---------------------------------------------------------------- a score equal to the radius is covered


def test_quantile_tracking_counts_a_score_equal_to_the_radius_as_covered():
    """alpha = 1/4, lr = 1, q_1 = 0: S = 0 = q is covered, q = -1/4 (radius 0); S = 0 > -1/4 is a miss, q = 1/2;
    S = 1/2 = q is covered, q = 1/4.  Counting S >= q as a miss would give radii 0, 3/4, ... instead."""
    assert _radii("quantile_tracking", [0.0, 0.0, 0.5, 1.0], coverage=0.75, lr=1.0) == [0.0, 0.0, 0.5, 0.25]


def test_conformal_pi_counts_a_score_equal_to_the_radius_as_covered():
    """K_I = 0: the PI loop is the tracking loop above, with the same radii 0, 0, 1/2, 1/4."""
    assert _radii("conformal_pi", [0.0, 0.0, 0.5, 1.0], coverage=0.75, lr=1.0, ki=0.0) == [0.0, 0.0, 0.5, 0.25]


def test_conformal_pid_counts_a_score_equal_to_the_radius_as_covered():
    """K_I = 0, p = 1: after the first two scores (both 0) the scorecast is clipped to [0, max seen] = [0, 0], so
    q = s exactly as in tracking: radii 0, 0, then 1/2; a miss at S = 0 = q would give 3/4 at the second round."""
    assert _radii("conformal_pid", [0.0, 0.0, 0.5], coverage=0.75, lr=1.0, ki=0.0, lags=1) == [0.0, 0.0, 0.5]


# ---------------------------------------------------------------- the integrator's gain


def test_saturation_is_infinite_at_exactly_the_float_half_pi():
    """t = 28, b = 0, C_sat = 1: angle = x ln 29 / 128; x = fl(64 pi / ln 29) makes it round to fl(pi / 2) exactly
    (checked below).  The authors' mytan returns inf for x >= pi/2; math.tan there is a finite 1.6e16."""
    params = np.zeros(pid._BURNIN + 1)
    params[pid._KI], params[pid._CSAT], params[pid._BURNIN] = 1.0, 1.0, 0.0
    x = 59.710206640963406
    assert x * math.log(29.0) / 128.0 == 0.5 * math.pi and math.isfinite(math.tan(0.5 * math.pi))
    assert pid.saturation(x, 28.0, params) == math.inf
    assert pid.saturation(-x, 28.0, params) == -math.inf


def test_conformal_pi_default_gain_and_step_come_from_the_scale():
    """lr = 0.1 D and K_I = D, D = sqrt(3) max |calibration|: the defaults give the radii of those explicit values,
    and the integrator does act here (half the gain gives other radii)."""
    g = np.random.default_rng(3)
    scores = np.abs(g.standard_t(3, size=260)) * np.repeat([0.5, 3.0], 130)
    calib, stream = scores[:30], scores[30:]
    d = math.sqrt(3) * calib.max()
    default = conformal.run_scores("conformal_pi", stream, coverage=0.9, calibration=calib)
    explicit = conformal.run_scores("conformal_pi", stream, coverage=0.9, calibration=calib, lr=0.1 * d, ki=d)
    half = conformal.run_scores("conformal_pi", stream, coverage=0.9, calibration=calib, lr=0.1 * d, ki=0.5 * d)
    np.testing.assert_allclose(default, explicit, rtol=1e-12, atol=0)
    assert np.max(np.abs(half - explicit)) > 1e-3


def test_conformal_pid_takes_up_to_64_lags():
    """The help range of ``lags`` is [1, 64]: 64 is made and runs (the scorecast is 0 until 64 scores are seen)."""
    radii = _radii("conformal_pid", [1.0, 2.0, 0.5], lags=64, lr=0.5, ki=0.0, coverage=0.75)
    assert radii == [0.0, 0.375, 0.75]  # S = 1 > 0 and S = 2 > 0.375 are misses: q += 0.5 * 3/4 twice


# ---------------------------------------------------------------- the scorecaster's kernels


def _ar_block(scores, p, forget=1.0, ridge=1e-6):
    state = np.zeros(scorecaster.block_size(p))
    scorecaster.ar_reset(state, 0, p, ridge)
    for s in scores:
        scorecaster.ar_observe(state, 0, p, forget, ridge, float(s))
    return state


def test_scorecast_is_clipped_to_the_scores_seen():
    """AR(1) on the line 1, 3, ..., 19: the fit is S_t = 2 + S_{t-1}, forecast 21 > 19 = max, clipped to 19; on
    19, 17, ..., 1 it is S_t = S_{t-1} - 2, forecast -1, clipped to 0.  Inside the range the forecast is theta' x."""
    up = np.arange(1.0, 20.0, 2.0)
    state = _ar_block(up, 1)
    theta = state[2:4]
    assert theta[0] + theta[1] * 19.0 == pytest.approx(21.0, abs=1e-3)  # the unclipped forecast overshoots
    assert scorecaster.ar_forecast(state, 0, 1) == 19.0
    state = _ar_block(up[::-1], 1)
    assert state[0] == 10 and state[1] == 19.0  # the block's count and max: the first score is the largest
    assert state[2] + state[3] * 1.0 == pytest.approx(-1.0, abs=1e-3)
    assert scorecaster.ar_forecast(state, 0, 1) == 0.0
    state = _ar_block([1.0, 3.0, 5.0, 7.0, 9.0, 4.0], 1)  # a forecast inside [0, 9]
    want = state[2] + state[3] * 4.0
    assert 0.0 < want < 9.0 and scorecaster.ar_forecast(state, 0, 1) == pytest.approx(want, rel=1e-12)


def _rls_reference(scores, p, forget, ridge):
    """Recursive least squares with the windup bound, in NumPy from the module docstring: k = P x / (lambda + x'P x),
    theta += k (S - theta'x), P <- P - k x'P, then divided by lambda unless that makes its trace exceed m / ridge."""
    m = p + 1
    theta, cov = np.zeros(m), np.eye(m) / ridge
    for t in range(p, len(scores)):
        x = np.r_[1.0, scores[t - 1 :: -1][:p]]
        px = cov @ x
        k = px / (forget + x @ px)
        theta = theta + k * (scores[t] - theta @ x)
        cov = cov - np.outer(k, px)
        if np.trace(cov) / forget <= m / ridge:
            cov = cov / forget
    return theta, cov


@pytest.mark.parametrize("scores", [np.ones(300), np.r_[np.ones(150), np.linspace(0.0, 2.0, 150) ** 2]])
def test_forgetting_holds_the_covariance_trace_at_the_prior(scores):
    """lambda = 0.9, ridge 1: constant scores excite one direction, so P / lambda would grow without bound; the
    state's P is the reference recursion's (the division skipped exactly on the rounds the rule says), its trace
    at most m / ridge = 3, and theta the same."""
    p, forget, ridge = 2, 0.9, 1.0
    state = _ar_block(scores, p, forget, ridge)
    m = p + 1
    theta, cov = _rls_reference(scores, p, forget, ridge)
    got = state[2 + m : 2 + m + m * m].reshape(m, m)
    np.testing.assert_allclose(got, cov, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(state[2 : 2 + m], theta, rtol=1e-9, atol=1e-12)
    assert np.trace(got) <= m / ridge * (1 + 1e-12)


# ---------------------------------------------------------------- point forecasters


def test_seasonal_naive_reaches_back_to_the_first_value():
    """period 4 on 4 values: h = 1 forecasts y_{4 - 4} = y_0, h = 4 forecasts y_3, h = 5 forecasts y_0 again."""
    f = forecasters.make_forecaster("seasonal_naive", period=4)
    history = np.array([10.0, 20.0, 30.0, 40.0])
    assert [f.forecast(history, h) for h in (1, 2, 4, 5)] == [10.0, 20.0, 40.0, 10.0]


def test_seasonal_naive_without_that_season_is_naive():
    """period 2.  History [nan, 5, nan, 7], h = 1 (target position 4): its season, positions 2 and 0, was never
    observed, so the forecast is naive's, the last observed value 7.  History [3, 5, nan, 7, nan]: h = 2 (target 6)
    reads the season's last observed value, position 0: 3; h = 1 (target 5) reads position 3: 7."""
    f = forecasters.make_forecaster("seasonal_naive", period=2)
    assert f.forecast(np.array([np.nan, 5.0, np.nan, 7.0]), 1) == 7.0
    assert f.forecast(np.array([3.0, 5.0, np.nan, 7.0, np.nan]), 2) == 3.0
    assert f.forecast(np.array([3.0, 5.0, np.nan, 7.0, np.nan]), 1) == 7.0


def test_naive_without_any_observation_is_nan():
    assert math.isnan(forecasters.make_forecaster("naive").forecast(np.array([np.nan, np.nan]), 1))
    assert forecasters.make_forecaster("naive").forecast(np.array([2.0, np.nan, 3.0, np.nan]), 2) == 3.0


def test_ar_fills_an_early_gap_with_the_mean_of_the_observed_values():
    """AR(3), history [1, 2, nan, 9]: the gap has only 2 < 3 values before it, so it is filled by the mean of the
    observed values (1 + 2 + 9) / 3 = 4 (their median would be 2), and the forecast is c + a_1 9 + a_2 4 + a_3 2."""
    model = forecasters.make_forecaster("ar", lags=3)
    model.const, model.coef = 0.5, np.array([0.25, 0.125, 2.0**-6])  # as fit() sets them (no statsmodels here)
    want = 0.5 + 0.25 * 9.0 + 0.125 * 4.0 + 2.0**-6 * 2.0
    assert model.forecast(np.array([1.0, 2.0, np.nan, 9.0]), 1) == want
    # two steps: the first forecast enters the window as y_4
    assert model.forecast(np.array([1.0, 2.0, np.nan, 9.0]), 2) == 0.5 + 0.25 * want + 0.125 * 9.0 + 2.0**-6 * 4.0


def test_exp_smoothing_rolls_the_documented_recursion():
    """alpha = beta = gamma = phi = 1/2, m = 2, zero initial states, history [2, 4] (all dyadic, exact by hand):
    y = 2: l = 1/2 (2 - 0) + 1/2 (0) = 1, b = 1/2 (1 - 0) = 1/2, s = 1/2 (2 - 0 - 0) = 1;
    y = 4: l = 1/2 (4 - 0) + 1/2 (1 + 1/4) = 21/8, b = 1/2 (21/8 - 1) + 1/2 (1/4) = 15/16,
           s = 1/2 (4 - 1 - 1/4) + 1/2 (0) = 11/8 (the season is updated from l_{t-1} + phi b_{t-1}, not from l_t).
    Forecasts: h = 1, l + phi b + s_{t-1} = 21/8 + 15/32 + 1; h = 2, l + (phi + phi^2) b + s_t = 21/8 + 45/64 + 11/8."""
    f = forecasters.make_forecaster("exp_smoothing", period=2)  # the states fit() sets, given by hand
    f.alpha = f.beta = f.gamma = f.phi = 0.5
    f.level0, f.trend0, f.seasons0 = 0.0, 0.0, np.zeros(2)
    assert f.forecast(np.array([2.0]), 1) == 1.0 + 0.25 + 0.0 and f.forecast(np.array([2.0]), 2) == 1.0 + 0.375 + 1.0
    assert f.forecast(np.array([2.0, 4.0]), 1) == 21 / 8 + 15 / 32 + 1.0
    assert f.forecast(np.array([2.0, 4.0]), 2) == 21 / 8 + 45 / 64 + 11 / 8
