"""Conformal metrics against brute force, and SAOCP's strongly adaptive regret against its theorem."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import environments.score_streams as streams
import olearn
from olearn import conformal
from olearn.conformal import metrics
from olearn.core.errors import ParameterError


def _brute_sareg(scores, radii, q, k, mean):
    """Every window, and the best fixed radius over a fine grid plus every score (the loss is piecewise linear)."""
    grid = np.concatenate([np.linspace(0, scores.max() * 1.1, 400), scores])
    worst = -math.inf
    for start in range(scores.size - k + 1):
        s, r = scores[start : start + k], radii[start : start + k]
        played = sum(max(q * (a - b), (1 - q) * (b - a)) for a, b in zip(s, r))
        best = min(sum(max(q * (a - c), (1 - q) * (c - a)) for a in s) for c in grid)
        worst = max(worst, (played - best) / (k if mean else 1))
    return worst


def _brute_lce(scores, radii, q, k):
    return max(abs(np.mean(scores[i : i + k] <= radii[i : i + k]) - q) for i in range(scores.size - k + 1))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.integers(8, 30), st.sampled_from([0.5, 0.8, 0.9]))
def test_window_metrics_match_brute_force(seed, n, q):
    rng = np.random.default_rng(seed)
    scores = np.round(np.abs(rng.standard_t(2, size=n)), 2)  # ties included
    radii = np.abs(rng.normal(1.0, 0.5, size=n))
    for k in (1, 3, n // 2, n):
        assert metrics.local_coverage_error(scores, radii, q, k) == pytest.approx(_brute_lce(scores, radii, q, k), abs=1e-12)
        for mean in (True, False):
            assert metrics.strongly_adaptive_regret(scores, radii, q, k, mean=mean) == pytest.approx(
                _brute_sareg(scores, radii, q, k, mean), abs=1e-9
            )


def test_coverage_and_width():
    scores = np.array([0.1, 0.5, 2.0, 0.3, float("nan")])
    radii = np.array([0.2, 0.4, 3.0, 0.3, 9.0])
    assert metrics.coverage(scores, radii) == 0.75  # the NaN round is not counted; 0.3 <= 0.3 covers
    assert metrics.width(radii) == 0.4
    summary = metrics.summary(scores, radii, 0.9, window=2)
    assert summary["lce_2"] == pytest.approx(0.4)
    # SAReg as a window mean (the paper's tables), over the observed rounds only
    assert summary["sareg_2"] == pytest.approx(_brute_sareg(scores[:4], radii[:4], 0.9, 2, mean=True), abs=1e-12)
    assert summary["sareg_2"] == pytest.approx(0.03, abs=1e-12)  # by hand: window (0.1, 0.5), (0.1 - 0.04) / 2
    assert metrics.width(np.array([0.2, np.nan, 0.4, 3.0])) == 0.4  # a NaN radius is not counted


def test_regret_is_zero_for_the_windows_best_radius():
    scores = np.abs(np.random.default_rng(1).normal(size=20))
    best = np.quantile(scores, 0.9, method="inverted_cdf")
    assert metrics.strongly_adaptive_regret(scores, np.full(20, best), 0.9, 20) == pytest.approx(0.0, abs=1e-12)


def test_bad_window_or_shapes():
    with pytest.raises(ParameterError, match="window"):
        metrics.local_coverage_error([1.0, 2.0], [1.0, 1.0], 0.9, window=3)
    with pytest.raises(ParameterError, match="radii"):
        metrics.coverage([1.0, 2.0], [1.0])
    with pytest.raises(ParameterError, match="'scores'.*1-D"):  # not "radii: allowed the shape of scores, (1, 2)"
        metrics.coverage([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ParameterError, match="window"):  # 2.5 was truncated to a window of 2
        metrics.regret_by_length([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 0.9, [2.5])
    assert metrics.regret_by_length([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 0.5, np.array([3])).tolist() == [0.5]  # 1.5 - min_s 1.0
    assert metrics.regret_by_length([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 0.5, [3], mean=True).tolist() == [0.5 / 3]
    for q in (1.5, 0.0, 1.0, True, "0.9"):
        with pytest.raises(ParameterError, match=r"'q'.*\(0, 1\)"):
            metrics.strongly_adaptive_regret([1.0, 2.0], [1.0, 1.0], q, window=2)
        with pytest.raises(ParameterError, match=r"'q'.*\(0, 1\)"):
            metrics.local_coverage_error([1.0, 2.0], [1.0, 1.0], q, window=2)
    with pytest.raises(ParameterError, match="scores.*not NaN"):
        metrics.coverage([float("nan")], [1.0])
    with pytest.raises(ParameterError, match="radii"):
        metrics.width([])


def test_strongly_adaptive_regret_on_long_windows_needs_linear_memory():
    """k = 500 over 5,000 rounds: a (n, k, k) candidate table would need 10 GB."""
    rng = np.random.default_rng(2)
    scores, radii = np.abs(rng.normal(size=5000)), np.abs(rng.normal(size=5000))
    k = 500
    value = metrics.strongly_adaptive_regret(scores, radii, 0.9, k, mean=False)
    starts = np.arange(0, 5000 - k + 1, 250)  # spot check: windows by an independent exact minimiser
    best = [min(metrics.pinball(scores[i : i + k], c, 0.9).sum() for c in scores[i : i + k]) for i in starts]
    played = [metrics.pinball(scores[i : i + k], radii[i : i + k], 0.9).sum() for i in starts]
    np.testing.assert_allclose(metrics.best_fixed_losses(scores, 0.9, k)[starts], best, rtol=1e-12)
    assert value >= max(np.subtract(played, best)) - 1e-9


# ---------------------------------------------------------------- theory: SAReg(T, k) = O(D sqrt(k log T))


def test_saocp_strongly_adaptive_regret_grows_at_most_like_sqrt_k():
    """Bhatnagar et al. (2023), Theorem 3: SAReg(T, k) <= O~(D sqrt(k)) for every k simultaneously.

    On a stream whose scale changes every 256 rounds (T = 2048), the worst-window regret of SAOCP
    (window sums, mean over 4 seeds) has log-log slope <= 1/2 in k = 16 .. 256 and stays below
    D sqrt(k ln T).  The check can fail: SF-OGD alone, SAOCP's expert run once from the start, has steps
    D / sqrt(sum of squared gradients) that shrink with the whole past, follows late changes slowly,
    and grows faster than sqrt(k) here (measured slopes 0.24 and 0.57; at k = 256 SAOCP's regret is 18
    against SF-OGD's 81).
    """
    T, ks, seeds = 2048, np.array([16, 64, 256]), [0, 1, 2, 3]
    env = streams.make("change_points", scales=[1.0, 4.0, 0.5, 2.0], period=256)
    calib = np.abs(np.random.default_rng(0).normal(size=20))
    row = env.row()
    scores = np.array([[env.type.loss(None, row, None, t, s, 0) for t in range(T)] for s in seeds])
    scale = math.sqrt(3) * calib.max()
    sareg, slope = {}, {}
    for method in ("saocp", "sf_ogd"):
        res = olearn.run(conformal.make(method, calibration=calib, max_rounds=T + 20), env, horizon=T, seeds=seeds,
                         backend="python", trace=True, progress=False)
        sareg[method] = np.mean([metrics.regret_by_length(scores[i], res.actions[0, i], 0.9, ks)
                                 for i in range(len(seeds))], axis=0)
        slope[method] = np.polyfit(np.log(ks), np.log(sareg[method]), 1)[0]
    assert slope["saocp"] <= 0.5, f"SAReg grows like k^{slope['saocp']:.2f}"
    assert np.all(sareg["saocp"] <= scale * np.sqrt(ks * math.log(T))), sareg["saocp"] / (scale * np.sqrt(ks * math.log(T)))
    assert slope["sf_ogd"] > 0.5 and sareg["sf_ogd"][-1] > 2 * sareg["saocp"][-1], (slope, sareg)
