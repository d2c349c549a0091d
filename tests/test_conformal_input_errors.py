"""Hostile inputs to olearn.conformal: each refused with a ParameterError naming the parameter and its range,
before any work starts; valid edge inputs (scores at the 1e100 bound) checked against values worked by hand."""
import numpy as np
import pytest

from olearn import conformal
from olearn.conformal import Predictor, forecasters, metrics
from olearn.core.errors import ParameterError, UnknownNameError


def refused(name, *fragments):
    """A pytest.raises for a ParameterError naming ``name`` whose message holds every fragment."""
    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(ParameterError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            out = self.ctx.__exit__(*exc)
            assert self.info.value.name == name, str(self.info.value)
            for f in fragments:
                assert f in str(self.info.value), str(self.info.value)
            return out
    return Check()


# 1. scores beyond olearn's 1e100 bound on magnitudes (conformal_pid's scorecaster, in squared score units, had
# given NaN radii from about 1e105 on), for every method alike


@pytest.mark.parametrize("method", conformal.names())
def test_scores_past_magnitude_refused(method):
    with refused("scores", "numbers in [0, 1e100]"):
        conformal.run_scores(method, [1e105] * 5, calibration=[1.0, 2.0], backend="python")


def test_calibration_past_magnitude_refused():
    with refused("calibration", "numbers in [0, 1e100]"):
        conformal.run_scores("conformal_pid", [1.0, 2.0], calibration=[1e152], backend="python")


def test_predictor_update_past_magnitude_refused_and_state_kept():
    p = Predictor("conformal_pid", calibration=[1.0], backend="python")
    r = p.predict()
    with refused("score", "a number in [0, 1e100]"):
        p.update(1e308)
    assert p.rounds == 0
    p.update(0.5)  # the round is still open: nothing was lost
    assert p.rounds == 1 and np.isfinite(r)


def test_split_at_magnitude_bound_exact():
    # split's radius is the ceil((n + 1) q)-th smallest score seen, here 1e100 itself
    radii = conformal.run_scores("split", [1e100] * 3, calibration=[1e100], backend="python")
    assert radii.tolist() == [1e100] * 3


@pytest.mark.parametrize("calibration", [[1e100, 0.0], [1.0]])
def test_conformal_pid_finite_at_magnitude_bound(calibration):
    radii = conformal.run_scores("conformal_pid", [1e100, 0.0] * 4, calibration=calibration, backend="python")
    assert np.all(np.isfinite(radii)) and np.all(radii >= 0)


# 2. bools are not scores


def test_bool_scores_refused():
    with refused("scores", "not bools"):
        conformal.run_scores("saocp", [True, False], calibration=[1.0], backend="python")
    with refused("calibration", "not bools"):
        conformal.run_scores("saocp", [1.0, 0.5], calibration=np.array([True]), backend="python")


def test_predictor_update_bool_refused():
    p = Predictor("saocp", calibration=[1.0], backend="python")
    p.predict()
    for value in (True, np.bool_(False)):
        with refused("score", "not a bool"):
            p.update(value)
    assert p.rounds == 0


# 3. max_rounds bounded by memory


@pytest.mark.parametrize("method,value", [("split", 10**11), ("aci", 2**62), ("nexcp", 2**62), ("faci", 2**30)])
def test_max_rounds_bounded(method, value):
    with refused("max_rounds", "[1, 536870912]", "8 GiB"):
        Predictor(method, calibration=[1.0], max_rounds=value, backend="python")


def test_max_rounds_bounded_in_run_scores():
    with refused("max_rounds", "[1, 536870912]"):
        conformal.run_scores("split", [1.0], calibration=[1.0], max_rounds=2**62, backend="python")


# 4. metrics


def test_metrics_nan_radius_refused():
    with refused("radii", "numbers in [0, 1e100]"):
        metrics.summary([0.5, 0.5, 0.5], [np.nan, 1.0, 1.0], q=0.9, window=2)


def test_metrics_negative_refused():
    with refused("radii", "numbers in [0, 1e100]"):
        metrics.summary([0.5, 0.5, 0.5], [-1.0, 1.0, 1.0], q=0.9, window=2)
    with refused("scores", "numbers in [0, 1e100]"):
        metrics.coverage([-5.0, -1.0], [1.0, 1.0])
    with refused("radii", "numbers in [0, 1e100]"):
        metrics.width([-1.0, 2.0])


def test_metrics_past_magnitude_refused():
    with refused("scores", "numbers in [0, 1e100]"):
        metrics.strongly_adaptive_regret([1e308] * 4, [0.0] * 4, q=0.9, window=2)


def test_metrics_at_magnitude_bound_by_hand():
    # windows of 2 scores 1e100, radii 0: played loss 2 * 0.9e100, best fixed 0 (radius 1e100); mean 0.9e100
    assert metrics.strongly_adaptive_regret([1e100] * 4, [0.0] * 4, q=0.9, window=2) == pytest.approx(0.9e100)


@pytest.mark.parametrize("bad", ["abc", ["a"], {"a": 1}, [True, False]])
def test_metrics_non_numbers_refused(bad):
    with refused("scores", "numbers in [0, 1e100]"):
        metrics.coverage(bad, [1.0, 1.0])


def test_metrics_missing_score_still_skipped():
    # NaN scores (with a NaN radius or not) are missing rounds: both observed rounds covered
    assert metrics.coverage([0.5, np.nan, 0.5], [1.0, np.nan, 1.0]) == 1.0


@pytest.mark.parametrize("lengths", [None, 3, "ab", [], [1.5], [0], [4]])
def test_regret_by_length_lengths_checked(lengths):
    with refused("lengths", "integer"):
        metrics.regret_by_length([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.9, lengths)


def test_regret_by_length_valid_by_hand():
    # radii equal to the scores: played loss 0.  k = 1: best fixed 0, regret 0.  k = 3: best fixed radius 3 (the
    # ceil(3 * 0.9) = 3rd smallest), loss (1 - 0.9)(3 - 1) + (1 - 0.9)(3 - 2) = 0.3, regret -0.3
    assert metrics.regret_by_length([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.9, [1, 3]) == pytest.approx([0.0, -0.3])


# 5. strongly_adaptive's base, datasets.load's name


def test_strongly_adaptive_base_checked():
    from olearn.learners import REGISTRY

    with refused("base", "kind 'scores'"):
        conformal.strongly_adaptive("split", None, "x", "y")
    with refused("base", "kind 'scores'"):
        conformal.strongly_adaptive(REGISTRY["hedge"], None, "x", "y")


def test_datasets_load_unhashable_name():
    with pytest.raises(UnknownNameError, match="dataset"):
        conformal.datasets.load(["co2"])


# 6. forecasters used directly


@pytest.mark.parametrize("h", [0, -1, 1.5, None, "a", True])
@pytest.mark.parametrize("make", [forecasters.Naive, lambda: forecasters.SeasonalNaive(12)])
def test_forecast_h_checked(make, h):
    with refused("h", "an integer >= 1"):
        make().forecast(np.arange(40.0), h)


def test_ar_forecast_h_zero_refused():
    y = np.sin(np.arange(40.0))
    with refused("h", "an integer >= 1"):
        forecasters.AR(2).fit(y).forecast(y, 0)


def test_seasonal_naive_valid_h_by_hand():
    # period 12, h = 2: y_{t+2} = y_{t+2-12} = y_{t-10}; history 0..39 ends at t = 39, so 29
    assert forecasters.SeasonalNaive(12).forecast(np.arange(40.0), np.int64(2)) == 29.0


@pytest.mark.parametrize("make", [lambda: forecasters.ExpSmoothing(1), lambda: forecasters.AR(1)])
def test_fit_non_finite_refused(make):
    with refused("train", "finite"):
        make().fit([1.0, np.nan] * 10)


def test_make_forecaster_unknown_parameter():
    with refused("period", "no parameters"):
        forecasters.make_forecaster("naive", period=3)


# 7. wrap on an exactly forecast calibration part


def test_wrap_exact_calibration_names_series():
    with refused("series", "scale=D") as info:
        conformal.wrap("naive", np.ones(60))
    assert info.value.owner == "wrap"
    assert conformal.wrap("naive", np.ones(60), scale=1.0)["radius"].notna().all()
