"""Conformal methods against the authors' implementation (recorded) and NumPy references.

``tests/data/conformal/reference.npz`` holds radius sequences recorded from the authors'
``online_conformal`` 1.0.2 package by ``experiments/conformal/record_reference.py`` (six score
streams: stationary, sudden shifts, drift, heavy tails, ties, one calibration score), and
``reference_metrics.npz`` the package's own metrics of those sequences.  The package itself is
not needed here.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

import environments.score_streams as streams
import olearn
from olearn import conformal

REF = np.load(Path(__file__).parent / "data" / "conformal" / "reference.npz")
REF_METRICS = np.load(Path(__file__).parent / "data" / "conformal" / "reference_metrics.npz")
META = ast.literal_eval(str(REF["meta"]))
STREAMS = sorted({k.split("/")[0] for k in REF.files if "/" in k})
CASES = [(s, m) for s in STREAMS for m in META["methods"]]


def _method(label, kwargs):
    name = label.split("_cov")[0].split("_g")[0]
    return name, ({"g": kwargs["lifetime"]} if "lifetime" in kwargs else {})


# two SAOCP variants (g = 2, coverage 0.8) are compared on a prefix of each stream to keep the
# uncompiled runs short; the radius of round t depends on rounds before t only.  g = 32 (the
# shift figures' setting) runs the whole stream, so its experts of several lifetimes expire.
PREFIX = {"saocp_g2": 150, "saocp_cov80": 150}


@pytest.mark.parametrize("stream, method", CASES, ids=[f"{s}-{m[0]}" for s, m in CASES])
def test_radii_match_the_authors_implementation(stream, method):
    label, _, kwargs, coverage = method
    name, params = _method(label, kwargs)
    n = PREFIX.get(label)
    calib, scores, expected = REF[f"{stream}/calibration"], REF[f"{stream}/scores"][:n], REF[f"{stream}/{label}"][:n]
    radii = conformal.run_scores(name, scores, coverage=coverage, calibration=calib, **params)
    assert radii.shape == expected.shape
    np.testing.assert_allclose(radii, expected, rtol=0, atol=1e-9, err_msg=f"{label} on {stream}")


@pytest.mark.parametrize("stream", STREAMS)
def test_metrics_match_the_authors_implementation(stream):
    """Coverage, median width, LCE_k and SAReg_k (k = 20, 100) of every recorded radius sequence,
    against the values the package's own ``utils`` functions gave for them."""
    scores = REF[f"{stream}/scores"]
    for label, _, _, q in META["methods"]:
        radii = REF[f"{stream}/{label}"]
        ours = [conformal.metrics.coverage(scores, radii), conformal.metrics.width(radii)]
        for k in REF_METRICS["windows"]:
            ours += [conformal.metrics.local_coverage_error(scores, radii, q, int(k)),
                     conformal.metrics.strongly_adaptive_regret(scores, radii, q, int(k))]
        np.testing.assert_allclose(ours, REF_METRICS[f"{stream}/{label}"], rtol=0, atol=1e-12, err_msg=f"{label} on {stream}")


def test_recordings_are_not_degenerate():
    """The recorded radii move with the stream and differ between methods (so the match above means something)."""
    for stream in STREAMS:
        radii = {m[0]: REF[f"{stream}/{m[0]}"] for m in META["methods"]}
        assert np.std(radii["saocp"]) > 0.01 and np.std(radii["sf_ogd"]) > 0.01
        assert not np.allclose(radii["saocp"], radii["sf_ogd"])
        assert not np.allclose(radii["saocp"], radii["saocp_g2"])


def aci_reference(scores, calibration, coverage, gamma, levels=None):
    """Gibbs and Candes (2021), eq. (2), round by round with NumPy: level alpha_t, quantile of past scores
    (``levels``, a list: receives alpha_t of each prediction)."""
    alpha = 1 - coverage
    level, history, radii = alpha, [], []

    def radius():
        return np.quantile(history, np.clip(1 - level, 0, 1), method="inverted_cdf") if history else 0.0

    for s in list(calibration):
        level += gamma * (alpha - float(s > radius()))
        history.append(s)
    for s in scores:
        r = radius()
        radii.append(r)
        if levels is not None:
            levels.append(level)
        level += gamma * (alpha - float(s > r))
        history.append(s)
    return np.array(radii)


@pytest.mark.parametrize("stream", STREAMS)
def test_aci_matches_a_numpy_reference(stream):
    calib, scores = REF[f"{stream}/calibration"], REF[f"{stream}/scores"]
    expected = aci_reference(scores, calib, 0.9, 0.05)
    radii = conformal.run_scores("aci", scores, coverage=0.9, calibration=calib, gamma=0.05)
    np.testing.assert_array_equal(radii, expected)


def test_aci_with_a_level_at_or_past_one_predicts_the_smallest_score():
    """Every covered round raises alpha_t by gamma alpha; once alpha_t >= 1 the quantile level 1 - alpha_t is
    clipped to 0 and the radius is the smallest score held (0.5 during the run of 0.5s, not 0), as NumPy's
    quantile at level 0 gives; past alpha_t < 0 it is the largest."""
    calib, scores = [1.0, 0.7], [0.5] * 30 + [0.3, 2.0, 0.4] * 4
    levels = []
    expected = aci_reference(scores, calib, 0.9, 0.5, levels)
    assert max(levels) >= 1.0 and min(levels) < 0.0  # both clips are reached
    radii = conformal.run_scores("aci", scores, coverage=0.9, calibration=calib, gamma=0.5)
    np.testing.assert_array_equal(radii, expected)


def test_split_conformal_is_the_running_quantile():
    scores = REF["iid/scores"]
    calib = REF["iid/calibration"]
    radii = conformal.run_scores("split", scores, coverage=0.8, calibration=calib)
    allv = np.concatenate([calib, scores])
    expected = [np.quantile(allv[: calib.size + t], 0.8, method="inverted_cdf") for t in range(scores.size)]
    np.testing.assert_array_equal(radii, expected)


def nexcp_reference(held, q, decay):
    """Barber et al. (2023), fixed weights: the smallest held score S whose weight of scores <= S, with the
    newest score weighing 1 and each older one ``decay`` times the next, is at least q of the total."""
    held = np.asarray(held, dtype=float)
    if held.size == 0:
        return 0.0
    weights = decay ** np.arange(held.size - 1, -1, -1, dtype=float)
    return min(v for v in held if weights[held <= v].sum() >= q * weights.sum() * (1 - 1e-12))


@pytest.mark.parametrize("stream", ["change_points", "ties"])
def test_nexcp_with_any_decay_is_the_weighted_quantile(stream):
    """Decay 0.8 against the definition (brute force over candidate radii; the 1e-12 slack only absorbs the
    sum's rounding, no recorded round sits that close to q), and decay 1 is split conformal exactly."""
    calib, scores = REF[f"{stream}/calibration"], REF[f"{stream}/scores"][:120]
    allv = np.concatenate([calib, scores])
    radii = conformal.run_scores("nexcp", scores, coverage=0.9, calibration=calib, decay=0.8)
    expected = [nexcp_reference(allv[: calib.size + t], 0.9, 0.8) for t in range(scores.size)]
    np.testing.assert_array_equal(radii, expected)
    flat = conformal.run_scores("nexcp", scores, coverage=0.9, calibration=calib, decay=1.0)
    np.testing.assert_array_equal(flat, conformal.run_scores("split", scores, coverage=0.9, calibration=calib))


def test_nexcp_sliding_window_drops_the_oldest_score():
    """Beyond max_rounds scores the oldest one leaves, whatever its rank among the held scores."""
    scores = REF["drift/scores"][:90]
    learner = conformal.make("nexcp", coverage=0.9, max_rounds=25, decay=0.9)
    res = olearn.run(learner, streams.make("score_sequence", scores=scores), horizon=scores.size, trace=True, backend="python")
    expected = [nexcp_reference(scores[max(0, t - 25) : t], 0.9, 0.9) for t in range(scores.size)]
    np.testing.assert_array_equal(res.actions[0, 0], expected)


def test_a_sliding_window_beyond_max_rounds():
    """With a history of w scores, split conformal is the quantile of the last w scores."""
    scores = REF["drift/scores"][:120]
    learner = conformal.make("split", coverage=0.9, max_rounds=30)
    res = olearn.run(learner, streams.make("score_sequence", scores=scores), horizon=scores.size, trace=True, backend="python")
    expected = [0.0] + [np.quantile(scores[max(0, t - 30) : t], 0.9, method="inverted_cdf") for t in range(1, scores.size)]
    np.testing.assert_array_equal(res.actions[0, 0], expected)


@pytest.mark.parametrize("decay", [0.0, 1.5, float("nan")])
def test_nexcp_decay_outside_0_1_is_one_clear_error(decay):
    with pytest.raises(olearn.ParameterError, match=r"'decay' = .* allowed: a finite number in \(0, 1\]"):
        conformal.make("nexcp", decay=decay)
