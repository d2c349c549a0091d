"""Record reference radius sequences from the authors' ``online_conformal`` 1.0.2 package.

The tests (``tests/test_conformal_reference.py``) compare :func:`olearn.conformal.run_scores`
against these recordings to 1e-9; they never need the package itself.

Setup (a separate environment: the package's declared dependencies pull a heavy forecasting
stack that the score-based classes do not use, so it is installed without them)::

    python3 -m venv /tmp/ocvenv
    /tmp/ocvenv/bin/pip install numpy scipy pandas tqdm
    /tmp/ocvenv/bin/pip download online_conformal==1.0.2 --no-deps -d /tmp/oc
    /tmp/ocvenv/bin/pip install --no-deps /tmp/oc/online_conformal-1.0.2-py3-none-any.whl
    /tmp/ocvenv/bin/python experiments/conformal/record_reference.py            # radii and metrics
    /tmp/ocvenv/bin/python experiments/conformal/record_reference.py --metrics  # metrics of the committed radii

The forecasting modules those classes import at module level are replaced by empty stand-ins
below (the score-based code paths never touch them).  Each stream is driven the way the
package drives its own predictors: the calibration scores go in as ``calib_residuals`` (fed
through ``update``), then for each score ``predict(1)`` gives the radius before ``update``.

The package's own metric functions (``online_conformal.utils``: coverage, median width,
``interval_miscoverage`` = LCE_k, ``interval_regret`` = SAReg_k) are then applied to every
recorded radius sequence and stored in ``reference_metrics.npz`` for k = 20 and 100.  Their
SAReg takes the window's interpolated q-quantile as the comparator; it is the exact minimiser
of the window's pinball loss whenever k q is an integer, which holds for every recorded
coverage at these k.
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "conformal" / "reference.npz"
METRICS_OUT = OUT.with_name("reference_metrics.npz")
WINDOWS = (20, 100)


def _stub_forecasting_modules():
    """Empty stand-ins for the forecasting library the package imports at module level."""
    names = {
        "merlion": {}, "merlion.models": {}, "merlion.models.forecast": {},
        "merlion.models.forecast.base": {"ForecasterBase": type("ForecasterBase", (), {})},
        "merlion.models.forecast.sklearn_base": {"SKLearnForecaster": type("SKLearnForecaster", (), {})},
        "merlion.models.ensemble": {},
        "merlion.models.ensemble.forecast": {"ForecasterEnsemble": type("ForecasterEnsemble", (), {})},
        "merlion.models.utils": {},
        "merlion.models.utils.rolling_window_dataset": {"RollingWindowDataset": type("RollingWindowDataset", (), {})},
        "merlion.transform": {}, "merlion.transform.base": {"Identity": type("Identity", (), {})},
        "merlion.utils": {"TimeSeries": type("TimeSeries", (), {})},
    }
    for name, attrs in names.items():
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        sys.modules.setdefault(name, mod)


def streams() -> dict:
    """Named (calibration, scores) pairs: stationary, sudden shifts, drift, heavy tails, ties."""
    rng = np.random.default_rng(20230207)
    out = {}
    out["iid"] = (np.abs(rng.normal(size=40)), np.abs(rng.normal(size=400)))
    scale = np.repeat([1.0, 5.0, 0.5, 3.0], 100)
    out["change_points"] = (np.abs(rng.normal(size=30)), np.abs(scale * rng.normal(size=400)))
    drift = 1.0 + 3.0 * np.abs(np.sin(np.arange(500) / 60.0))
    out["drift"] = (np.abs(rng.normal(size=25)), np.abs(drift * rng.normal(size=500)))
    out["heavy_tail"] = (np.abs(rng.standard_t(1.5, size=50)), np.abs(rng.standard_t(1.5, size=400)))
    out["ties"] = (rng.integers(0, 4, size=20).astype(float), rng.integers(0, 6, size=300).astype(float))
    out["short_calibration"] = (np.array([0.7]), np.abs(rng.normal(size=200)) * 2.0)
    return out


# (label, class name, keyword arguments, coverage)
METHODS = [
    ("split", "SplitConformal", {}, 0.9),
    ("nexcp", "NExConformal", {}, 0.9),
    ("nexcp_cov80", "NExConformal", {}, 0.8),
    ("sf_ogd", "ScaleFreeOGD", {}, 0.9),
    ("faci", "FACI", {}, 0.9),
    ("faci_s", "FACI_S", {}, 0.9),
    ("saocp", "SAOCP", {"lifetime": 8}, 0.9),
    ("saocp_g2", "SAOCP", {"lifetime": 2}, 0.9),
    ("saocp_g32", "SAOCP", {"lifetime": 32}, 0.9),
    ("saocp_cov80", "SAOCP", {"lifetime": 8}, 0.8),
    ("sf_ogd_cov95", "ScaleFreeOGD", {}, 0.95),
    ("faci_cov80", "FACI", {}, 0.8),
]


def reference_radii(cls, kwargs, coverage, calibration, scores):
    from online_conformal.utils import Residuals

    calib = Residuals(1)
    calib.extend(1, [float(x) for x in calibration])
    predictor = cls(None, None, coverage=coverage, horizon=1, calib_residuals=calib, **kwargs)
    radii = np.empty(len(scores))
    zero = pd.Series([0.0])
    for i, s in enumerate(scores):
        radii[i] = predictor.predict(1)[1]
        predictor.update(pd.Series([float(s)]), zero, 1)
    return radii


def main():
    _stub_forecasting_modules()
    import importlib

    classes = {}
    for module, names in [("online_conformal.split_conformal", ["SplitConformal"]),
                          ("online_conformal.nex_conformal", ["NExConformal"]), ("online_conformal.ogd", ["ScaleFreeOGD"]),
                          ("online_conformal.faci", ["FACI", "FACI_S"]), ("online_conformal.saocp", ["SAOCP"])]:
        mod = importlib.import_module(module)
        classes.update({n: getattr(mod, n) for n in names})
    arrays = {}
    for stream, (calib, scores) in streams().items():
        arrays[f"{stream}/calibration"] = calib
        arrays[f"{stream}/scores"] = scores
        for label, cls_name, kwargs, coverage in METHODS:
            arrays[f"{stream}/{label}"] = reference_radii(classes[cls_name], kwargs, coverage, calib, scores)
    meta = {"package": "online_conformal 1.0.2", "methods": METHODS}
    arrays["meta"] = np.array(repr(meta))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(arrays)} arrays to {OUT}")
    record_metrics()


def record_metrics():
    """The package's metrics of each recorded radius sequence: [coverage, width, LCE_k, SAReg_k for k in WINDOWS]."""
    _stub_forecasting_modules()
    from online_conformal import utils

    ref = np.load(OUT)
    arrays = {}
    for key in ref.files:
        stream, _, label = key.partition("/")
        if label in ("", "calibration", "scores"):
            continue
        coverage = next(c for name, _, _, c in METHODS if name == label)
        y = pd.Series(ref[f"{stream}/scores"])
        zero, radii = y * 0.0, pd.Series(ref[key])
        row = [utils.coverage(y, zero, -radii, radii), utils.width(y, zero, -radii, radii)]
        for k in WINDOWS:
            row += [utils.interval_miscoverage(y, zero, -radii, radii, k, coverage),
                    utils.interval_regret(y, zero, -radii, radii, k, coverage)]
        arrays[key] = np.array(row, dtype=float)
    arrays["windows"] = np.array(WINDOWS)
    np.savez_compressed(METRICS_OUT, **arrays)
    print(f"wrote the metrics of {len(arrays) - 1} radius sequences to {METRICS_OUT}")


if __name__ == "__main__":
    record_metrics() if sys.argv[1:] == ["--metrics"] else main()
