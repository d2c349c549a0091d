"""The one-command conformal table and figure at its small size, one row recomputed by hand."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from olearn.conformal import datasets
from olearn.experiment.script import run_figure_script

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "conformal" / "time_series.toml"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("conformal")
    run_figure_script(CONFIG, out, small=True)
    return out


def test_outputs_and_layout(outputs):
    for name in ("table.csv", "table.md", "summary.csv", "intervals.png", "intervals.pdf"):
        assert (outputs / name).stat().st_size > 0, name
    table = pd.read_csv(outputs / "table.csv")
    # small size: 2 datasets x 1 forecaster + 1 synthetic stream, six methods each
    assert len(table) == 3 * 6 and set(table["method"]) == {"split", "aci", "faci", "faci_s", "sf_ogd", "saocp"}
    assert table[["coverage", "width", "lce", "sareg"]].notna().all().all()
    md = (outputs / "table.md").read_text()
    assert md.count("| SAOCP |") == 3 and "**nile** / naive (MAE" in md and "LCE_20" in md


def test_split_conformal_row_by_hand(outputs):
    """nile / naive / split: the running 0.9-quantile of calibration and past scores, metrics with NumPy."""
    y = datasets.load("nile").to_numpy()  # 100 values: test from 70, calibration residuals from 56
    calib = np.abs(y[56:70] - y[55:69])
    scores = np.abs(y[70:] - y[69:99])
    radii = np.array([np.quantile(np.concatenate([calib, scores[:t]]), 0.9, method="inverted_cdf") for t in range(30)])
    covered = scores <= radii
    lce = max(abs(covered[i : i + 20].mean() - 0.9) for i in range(11))
    row = pd.read_csv(outputs / "table.csv").query("dataset == 'nile' and forecaster == 'naive' and method == 'split'").iloc[0]
    assert row["coverage"] == pytest.approx(covered.mean(), abs=1e-12)
    assert row["width"] == pytest.approx(np.median(radii), abs=1e-12)
    assert row["lce"] == pytest.approx(lce, abs=1e-12)
    assert row["mae"] == pytest.approx(scores.mean(), abs=1e-12)
