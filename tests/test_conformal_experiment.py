"""The one-command conformal table and figure at its small size, one row recomputed by hand."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from olearn.conformal import datasets
from olearn.experiment.config import ConfigError
from olearn.experiment.script import run_figure_script

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "conformal" / "time_series.toml"
sys.path.insert(0, str(CONFIG.parent))
import time_series as ts  # noqa: E402
from shift_seeds import segment_coverage  # noqa: E402


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("conformal")
    run_figure_script(CONFIG, out, small=True)
    return out


def test_outputs_and_layout(outputs):
    for name in ("table.csv", "table.md", "summary.csv", "intervals.png", "intervals.pdf"):
        assert (outputs / name).stat().st_size > 0, name
    table = pd.read_csv(outputs / "table.csv")
    # small size: 2 datasets x 1 forecaster + 2 synthetic streams, seven methods each
    assert len(table) == 4 * 7 and set(table["method"]) == {"split", "nexcp", "aci", "faci", "faci_s", "sf_ogd", "saocp"}
    assert table[["coverage", "width", "lce", "sareg"]].notna().all().all()
    md = (outputs / "table.md").read_text()
    assert md.count("| SAOCP |") == 5 and "**nile** / naive (horizons 1 to 1, MAE" in md and "**sunspots** / naive (horizons 1 to 11," in md and "LCE_20" in md  # + the mean block
    real = table[table["forecaster"] != "-"]
    saocp = real[real["method"] == "saocp"]
    mean_row = next(line for line in md.split("**real series (2)**")[1].splitlines() if line.startswith("| SAOCP |"))
    assert mean_row.split("|")[4].strip().strip("*").startswith(f"{saocp['lce'].mean():.4f}")  # LCE: mean over the two series (bold if best)


def test_split_conformal_row_by_hand(outputs):
    """nile / naive / split: the running 0.9-quantile of calibration and past scores, metrics with NumPy."""
    y = datasets.load("nile").to_numpy()  # 100 values: test from 70, calibration residuals from 56
    calib = np.abs(y[56:70] - y[55:69])
    scores = np.abs(y[70:] - y[69:99])
    radii = np.array([np.quantile(np.concatenate([calib, scores[:t]]), 0.9, method="inverted_cdf") for t in range(30)])
    covered = scores <= radii
    lce = max(abs(covered[i : i + 20].mean() - 0.9) for i in range(11))

    def pinball(s, r):
        return np.maximum(0.9 * (s - r), 0.1 * (r - s)).mean()

    # the best fixed radius of a window minimises a piecewise-linear convex loss with kinks at its scores
    sareg = max(pinball(w, radii[i : i + 20]) - min(pinball(w, r) for r in w)
                for i in range(11) for w in [scores[i : i + 20]])
    row = pd.read_csv(outputs / "table.csv").query("dataset == 'nile' and forecaster == 'naive' and method == 'split'").iloc[0]
    assert row["coverage"] == pytest.approx(covered.mean(), abs=1e-12)
    assert row["width"] == pytest.approx(np.median(radii), abs=1e-12)
    assert row["lce"] == pytest.approx(lce, abs=1e-12)
    assert row["sareg"] == pytest.approx(sareg, abs=1e-12)
    assert row["mae"] == pytest.approx(scores.mean(), abs=1e-12)


def test_multi_horizon_split_row_by_hand(outputs):
    """sunspots / naive / split with horizons 1..11, the authors' loop: horizon h forecasts y[tau - h]
    and its predictor has seen the h-step scores of all earlier targets; test step i is scored with
    horizon (i mod 11) + 1."""
    y = datasets.load("sunspots").to_numpy()  # 309 values: test from 216, calibration tail from 173
    H, start, calib_start = 11, 216, 173
    scores, radii = np.empty(y.size - start), np.empty(y.size - start)
    for i in range(scores.size):
        h = i % H + 1
        calib = np.abs(y[calib_start:start] - y[calib_start - h : start - h])
        calib = calib[np.abs(calib - calib.mean()) / calib.std() < 5]  # no |z| >= 5 outlier is dropped here
        seen = np.abs(y[start : start + i] - y[start - h : start - h + i])
        radii[i] = np.quantile(np.concatenate([calib, seen]), 0.9, method="inverted_cdf")
        scores[i] = abs(y[start + i] - y[start + i - h])
    covered = scores <= radii
    lce = max(abs(covered[i : i + 20].mean() - 0.9) for i in range(scores.size - 19))
    row = pd.read_csv(outputs / "table.csv").query("dataset == 'sunspots' and forecaster == 'naive' and method == 'split'")
    row = row.iloc[0]
    assert row["horizons"] == H
    assert row["coverage"] == pytest.approx(covered.mean(), abs=1e-12)
    assert row["width"] == pytest.approx(np.median(radii), abs=1e-12)
    assert row["lce"] == pytest.approx(lce, abs=1e-12)
    assert row["mae"] == pytest.approx(scores.mean(), abs=1e-12)


def test_live_timing_delays_a_horizons_feedback():
    """feedback_delay: the radius of test target i at horizon h is predicted from the h-step scores of
    the targets revealed at its forecast origin only: calibration targets up to train_end - h, then
    one more target per step (those of the calibration tail's end first; an outlier among them is a step
    without an update)."""
    from olearn.conformal.intervals import forecast_scores

    h, series = 3, datasets.load("sunspots")
    y = series.to_numpy()
    data = forecast_scores("naive", series, horizon=h, calib_frac=0.2, test_frac=0.3)
    cfg = {"coverage": 0.9, "backend": "python"}
    live = ts.horizon_radii("split", data, h, True, cfg)
    train_end, calib_start = 216, 216 - 43
    targets = np.abs(y[calib_start:] - y[calib_start - h : -h])  # every h-step naive score from the calibration tail on
    assert np.allclose(data["scores"], targets[train_end - calib_start :])
    by_hand = [np.quantile(targets[: train_end - calib_start + i - h + 1], 0.9, method="inverted_cdf")
               for i in range(data["scores"].size)]  # targets calib_start .. train_end + i - h
    assert np.allclose(live, by_hand, rtol=0, atol=1e-12)
    assert not np.allclose(ts.horizon_radii("split", data, h, False, cfg), live)  # the authors' timing differs
    # a late calibration score dropped as an outlier still takes its step: the later ones keep their time
    data["residuals"] = data["residuals"].copy()
    data["residuals"][-1] = 1e6
    keep = np.arange(targets.size) != train_end - calib_start - 1
    by_hand = [np.quantile(targets[: train_end - calib_start + i - h + 1][keep[: train_end - calib_start + i - h + 1]],
                           0.9, method="inverted_cdf") for i in range(data["scores"].size)]
    np.testing.assert_allclose(ts.horizon_radii("split", data, h, True, cfg), by_hand, rtol=0, atol=1e-12)


def test_segment_coverage_from_cumulative_coverage_matches_the_trace():
    """shift_seeds derives coverage per segment from the engine's running coverage; check it against
    the rounds covered in the trace (radius >= score, round by round)."""
    import environments.score_streams as streams
    import olearn
    from olearn import conformal

    env = streams.make("change_points", scales=[1.0, 4.0], period=25)
    res = olearn.run(conformal.make("split", coverage=0.8), env, horizon=100, seeds=3, backend="python",
                     checkpoints=list(range(10, 101, 10)), metrics=["coverage"], trace=True)
    row = env.row()
    with np.errstate(over="ignore"):
        scores = np.array([[env.type.loss(None, row, None, t, s, 0) for t in range(100)] for s in range(3)])
    covered = (scores <= res.actions[0]).reshape(3, 10, 10).mean(axis=2)  # actions: the radius per round
    ends, local = segment_coverage(np.asarray(res.rounds), res.metric("coverage")[0])
    np.testing.assert_array_equal(ends, np.arange(10, 101, 10))  # the first segment is rounds 1..10
    np.testing.assert_allclose(local, covered, rtol=0, atol=1e-12)


def test_synthetic_verdict_ties_by_paired_standard_error():
    """SAOCP counts as tied on a synthetic stream when no method is lower by 2 paired standard errors."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.3, 40)
    noise = rng.normal(0.0, 0.01, 40)
    se = noise.std(ddof=1) / np.sqrt(40)
    for gap, tied in ((1.0, True), (3.0, False)):
        shift = gap * se - noise.mean()  # SAOCP worse by `gap` paired standard errors
        per_seed = {("s", "sf_ogd"): {"lce": base, "sareg": base},
                    ("s", "saocp"): {"lce": base - 0.05, "sareg": base + shift + noise}}
        table = pd.DataFrame([{"dataset": "s", "forecaster": "-", "method": m, "coverage": 0.9,
                               **{k: float(v.mean()) for k, v in per_seed["s", m].items()}} for m in ("sf_ogd", "saocp")])
        verdict = ts.saocp_verdicts(table, 0.9, tie=0.0, per_seed=per_seed).iloc[0]
        diff = shift + noise
        assert verdict["sareg_gap_se"] == pytest.approx(diff.mean() / (diff.std(ddof=1) / np.sqrt(40)))
        assert verdict["sareg_gap_se"] == pytest.approx(gap)
        assert bool(verdict["sareg_best"]) is tied and bool(verdict["lce_best"])
        # a third method with a higher mean but always just below SAOCP is the stronger evidence
        per_seed["s", "faci"] = {"lce": base, "sareg": base + shift + noise - 0.001}
        table = pd.concat([table, pd.DataFrame([{"dataset": "s", "forecaster": "-", "method": "faci", "coverage": 0.9,
                                                 "lce": base.mean(), "sareg": float(per_seed["s", "faci"]["sareg"].mean())}])], ignore_index=True)
        verdict = ts.saocp_verdicts(table, 0.9, tie=0.0, per_seed=per_seed).iloc[0]
        assert verdict["sareg_gap_se"] == np.inf and not verdict["sareg_best"]


def test_a_tie_on_a_negative_sareg_is_within_tie_of_its_size():
    """SAReg can be negative (a moving radius beats the window's best constant one): SAOCP at -0.0096 against a best
    of -0.0100 is within 5% of it, and a ratio of two negatives is not reported (it read 0.96, as if lower)."""
    table = pd.DataFrame([{"dataset": "x", "forecaster": "naive", "method": m, "coverage": 0.9, "lce": 0.1, "sareg": v}
                          for m, v in (("saocp", -0.0096), ("faci", -0.0100), ("aci", 0.02))])
    verdict = ts.saocp_verdicts(table, 0.9, tie=0.05).iloc[0]
    assert bool(verdict["sareg_best"]) and np.isnan(verdict["sareg_ratio"]) and verdict["lce_ratio"] == 1.0
    table.loc[0, "sareg"] = -0.0094  # 6% above the best
    assert not ts.saocp_verdicts(table, 0.9, tie=0.05).iloc[0]["sareg_best"]


def test_real_series_verdict_pairs_methods_series_by_series(outputs):
    """The mean block's verdict: SAOCP minus each other method on every real series, in standard errors."""
    table = pd.read_csv(outputs / "table.csv")
    real = table[table["forecaster"] != "-"]
    wide = real.pivot_table(index=["dataset", "forecaster"], columns="method", values=["lce", "sareg"])
    verdict = pd.read_csv(outputs / "summary.csv").query("forecaster == 'mean'").iloc[0]
    assert verdict["dataset"] == "real series (2)"
    assert verdict["coverage"] == pytest.approx(real.query("method == 'saocp'")["coverage"].mean(), abs=1e-12)
    for metric in ("lce", "sareg"):
        gaps = []
        for other in ("split", "nexcp", "aci", "faci", "faci_s", "sf_ogd"):
            diff = (wide[metric]["saocp"] - wide[metric][other]).to_numpy()
            se = diff.std(ddof=1) / np.sqrt(diff.size)
            gaps.append(diff.mean() / se if se > 0 else (0.0 if diff.mean() == 0 else np.inf * np.sign(diff.mean())))
        assert verdict[f"{metric}_gap_se"] == pytest.approx(max(gaps), rel=1e-9)


def test_a_season_of_one_does_not_count_the_naive_series_twice():
    """The Nile's season is 1, where seasonal naive is naive: only one of the two enters the table."""
    cfg = {"datasets": ["nile"], "forecasters": ["naive", "seasonal_naive"], "methods": ["split"], "coverage": 0.9,
           "window": 20, "calib_frac": 0.2, "test_frac": 0.3, "feedback_delay": False, "backend": "python", "g": 8}
    rows, _ = ts.real_rows(cfg, None)
    assert [r["forecaster"] for r in rows] == ["naive"]


def test_synthetic_scale_largest_gives_every_method_the_streams_largest_score(tmp_path, monkeypatch):
    """``synthetic_scale = "largest"``: each method runs with scale = the seed's largest score (calibration prefix
    included), the shift runs' max_scale; the default keeps D = sqrt(3) max |calibration score|."""
    import environments.score_streams as streams
    from olearn import conformal

    base = {"methods": ["sf_ogd", "saocp"], "coverage": 0.9, "window": 5, "calibration": 10, "rounds": 40, "seeds": 1,
            "backend": "python", "g": 8, "synthetic_g": 8, "streams": {"stair": {"stream": "change_points",
                                                                                 "scales": [0.5, 3.0], "period": 10}}}
    env = streams.make("change_points", scales=[0.5, 3.0], period=10)
    with np.errstate(over="ignore"):
        s = np.array([env.type.loss(None, env.row(), None, t, 0, 0) for t in range(50)])
    assert s[10:].max() > np.sqrt(3) * s[:10].max()  # the stream leaves the calibration's scale
    for convention, given in (("calibration", {}), ("largest", {"scale": float(s.max())})):
        rows, _ = ts.synthetic_rows({**base, "synthetic_scale": convention})
        for row in rows:
            extra = {"g": 8} if row["method"] == "saocp" else {}
            radii = conformal.run_scores(row["method"], s[10:], coverage=0.9, calibration=s[:10], backend="python",
                                         **extra, **given)
            assert row["width"] == pytest.approx(np.median(radii), abs=1e-12)
            assert row["coverage"] == pytest.approx(np.mean(s[10:] <= radii), abs=1e-12)
    far = ts.synthetic_rows({**base, "synthetic_scale": "largest"})[0]
    near = ts.synthetic_rows({**base, "synthetic_scale": "calibration"})[0]
    assert [r["width"] for r in far] != [r["width"] for r in near]
    config = tmp_path / "bad.toml"
    config.write_text(CONFIG.read_text().replace('synthetic_scale = "calibration"', 'synthetic_scale = "huge"'))
    with pytest.raises(ConfigError, match=r"bad.toml: parameter 'synthetic_scale' = 'huge' is invalid; allowed: one of calibration, largest"):
        ts.options(["--config", str(config), "--out", str(tmp_path)])
    cfg, _ = ts.options(["--config", str(CONFIG), "--out", str(tmp_path), "--synthetic-scale", "largest"])
    assert cfg["synthetic_scale"] == "largest"
    monkeypatch.chdir(tmp_path)  # without --out, the variant writes beside the default table, not over it
    assert ts.options(["--synthetic-scale", "largest"])[1] == Path("runs/conformal/time_series_largest_scale")
    assert ts.options([])[1] == Path("runs/conformal/time_series")
