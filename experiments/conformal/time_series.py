"""Table and figure: online conformal methods around cheap forecasters on real and synthetic series.

    olearn run experiments/conformal/time_series.toml [--out DIR] [--small]
    python experiments/conformal/time_series.py [--config TOML] [--out DIR] [--small]

Protocol of Bhatnagar, Wang, Xiong and Bai (ICML 2023), time-series experiments, with the
forecasters and series that ship offline (:mod:`olearn.conformal.forecasters`,
:mod:`olearn.conformal.datasets`): each series min-max normalised, the last ``test_frac`` of it
is the test stream, the forecaster is fitted on the rest minus a calibration tail whose
residuals are the calibration scores; rolling forecasts 1 to H steps ahead, H one seasonal cycle
(``datasets.SEASONS``: 12 for the monthly series, 11 for sunspots, 1 for the Nile), score
|y - yhat_h|.  Each horizon h has its own predictor.  As in the authors' evaluation loop, it
receives the score of a target right after predicting that target's radius, before it predicts
the next one, although at the forecast origin that target is still h - 1 steps in the future;
``feedback_delay = true`` gives the live timing instead, in which the radius is predicted at the
origin from the h-step scores of targets up to the origin (feedback h - 1 steps late, as
:func:`olearn.conformal.wrap` does).  The real-series metrics are the paper's "full" aggregate:
test step t is scored with horizon (t mod H) + 1.  One deliberate difference: the authors' loop
starts its calibration forecasts at the calibration tail, so horizon h gets no score for the first
h - 1 calibration targets; here their forecasts come from origins in the training part, and all
calibration targets count (the real-series means move by less than 0.01).
SAOCP's lifetime multiplier is ``g`` (8, the paper's time-series runs) on the real series.
Synthetic rows: the score streams of ``environments/score_streams.py`` (sudden change points, the
paper's gradual shift as a staircase of scales, a linear drift, heavy tails), a calibration prefix
of ``calibration`` scores, then ``rounds`` scored rounds, averaged over ``seeds`` seeds; they mimic
the paper's distribution-shift runs (regimes of 500 rounds), so SAOCP gets their lifetime
multiplier ``synthetic_g`` = 32.  Their scale D is, by default, the time-series runs' (``synthetic_scale =
"calibration"``: sqrt(3) max |calibration score|, for every method that uses one); ``"largest"`` (or
``--synthetic-scale largest``) gives every method the largest score of the seed's stream, calibration prefix
included, as ``scale``: the shift runs' convention (all methods get ``max_scale`` = D, a bound on every score),
with the bound known in advance (written, without ``--out``, to ``runs/conformal/time_series_largest_scale``).

Outputs in ``--out``:

* ``table.csv`` -- one row per (dataset, forecaster, method): coverage, width (median radius),
  LCE_k and SAReg_k (window means), k = ``window``; the number of horizons H and the MAE of the
  forecaster (both over the full aggregate);
* ``table.md`` -- the same in the paper's layout (a block per dataset and forecaster, H and MAE in
  the block's header); best per column in bold among methods with |coverage - target| < 0.05; a last
  block of each method's mean ± standard error over all real (dataset, forecaster) series;
* ``intervals.png`` / ``.pdf`` -- the one-step interval over time on one series (top) and the local
  coverage over a rolling window of k rounds (bottom) for the chosen methods;
* ``summary.csv`` -- per series and for the real-series mean: is SAOCP's LCE and SAReg the lowest
  (or within ``tie`` |best| of it, among every method whatever its coverage (table.md's bold counts only those
  within 0.05 of the target); ``*_ratio`` is SAOCP's over the best, NaN where the best is not positive; on the
  synthetic streams and the mean also: no other method lower by 2 standard errors of the paired difference over
  seeds, or over series, the largest of which ``*_gap_se`` lists), and is its coverage within 0.01 of the target.
"""
from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

import matplotlib.pyplot as plt

import environments.score_streams as streams
from olearn import conformal
from olearn.analysis import standard_error
from olearn.conformal import datasets, metrics
from olearn.conformal.intervals import forecast_scores, live_feedback
from olearn.experiment.config import ConfigError
from olearn.experiment.script import default_out

HERE = Path(__file__).resolve().parent
SEASONAL = ("seasonal_naive", "exp_smoothing")  # forecasters given the season length H
SYNTHETIC_SCALES = ("calibration", "largest")  # D from the calibration prefix, or the stream's largest score given
LABELS = {"split": "SCP", "nexcp": "NExCP", "aci": "ACI", "faci": "FACI", "faci_s": "FACI-S", "sf_ogd": "SF-OGD", "saocp": "SAOCP"}


def options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "time_series.toml")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--small", action="store_true", help="test size (seconds)")
    parser.add_argument("--synthetic-scale", choices=SYNTHETIC_SCALES, default=None,
                        help="the synthetic streams' scale D (default: the config's synthetic_scale)")
    args = parser.parse_args(argv)
    raw = tomllib.loads(args.config.read_text())
    cfg = dict(raw.get("full", {}))
    if args.small:
        cfg.update(raw.get("small", {}))
    if args.synthetic_scale is not None:
        cfg["synthetic_scale"] = args.synthetic_scale
    cfg.setdefault("synthetic_scale", "calibration")
    if cfg["synthetic_scale"] not in SYNTHETIC_SCALES:
        raise ConfigError(str(args.config), "synthetic_scale", cfg["synthetic_scale"], f"one of {', '.join(SYNTHETIC_SCALES)}")
    out = args.out or default_out(args.config)
    if args.out is None and cfg["synthetic_scale"] != "calibration":  # beside the default table, not over it
        out = out.with_name(f"{out.name}_{cfg['synthetic_scale']}_scale")
    out.mkdir(parents=True, exist_ok=True)
    return cfg, out


def evaluate(scores, radii, q, window):
    s = metrics.summary(scores, radii, q, window=min(window, len(scores)))
    return {"coverage": s["coverage"], "width": s["width"], "lce": list(s.values())[2], "sareg": list(s.values())[3]}


def horizon_radii(method, data, horizon, live, cfg):
    """A horizon's radius for each test target: predicted after the scores of all earlier targets
    (``live`` false, the authors' loop) or of the targets up to its forecast origin only (live timing:
    the last ``horizon`` - 1 calibration scores and every test score arrive ``horizon`` - 1 steps late,
    :func:`olearn.conformal.intervals.live_feedback`)."""
    if not live:
        return conformal.run_scores(method, data["scores"], coverage=cfg["coverage"], calibration=data["calibration"],
                                    backend=cfg["backend"], **_params(method, cfg))
    calibration, arriving = live_feedback(data, horizon)
    known = ~np.isnan(arriving)  # a late calibration outlier (NaN) is a step without an update
    updates = (np.cumsum(known) - known)[: data["scores"].size]  # before test target i's radius
    radii = conformal.run_scores(method, arriving[known][: updates[-1] + 1], coverage=cfg["coverage"],
                                 calibration=calibration, backend=cfg["backend"], **_params(method, cfg))
    return radii[updates]


def full_horizon(per_horizon: list) -> np.ndarray:
    """The paper's aggregate over horizons: entry t of the horizon-((t mod H) + 1) sequence, H = len(per_horizon)."""
    stacked = np.stack(per_horizon)
    t = np.arange(stacked.shape[1])
    return stacked[t % len(per_horizon), t]


def real_rows(cfg, keep_traces):
    """Rows for every (dataset, forecaster, method), scored with the full aggregate over horizons 1..H;
    the one-step traces of the figure's series."""
    rows, traces, delayed = [], {}, bool(cfg["feedback_delay"])
    for name in cfg["datasets"]:
        series, H = datasets.load(name), datasets.SEASONS[name]
        for fc in cfg["forecasters"]:
            if fc == "seasonal_naive" and H == 1 and "naive" in cfg["forecasters"]:
                continue  # with a season of 1 it is the naive forecaster: the same series would count twice
            model = conformal.forecasters.make_forecaster(fc, **({"period": H} if fc in SEASONAL else {}))
            data = [forecast_scores(model, series, horizon=h, calib_frac=cfg["calib_frac"], test_frac=cfg["test_frac"])
                    for h in range(1, H + 1)]
            scores = full_horizon([d["scores"] for d in data])
            mae = float(np.mean(scores))
            for method in cfg["methods"]:
                radii = [horizon_radii(method, d, h, delayed, cfg) for h, d in enumerate(data, 1)]
                rows.append({"dataset": name, "forecaster": fc, "horizons": H, "mae": mae,
                             "method": method, **evaluate(scores, full_horizon(radii), cfg["coverage"], cfg["window"])})
                if (name, fc) == keep_traces:
                    traces[method] = {**data[0], "radii": radii[0]}
    return rows, traces


def synthetic_rows(cfg):
    """Rows for each synthetic score stream: metrics averaged over seeds, with their standard errors;
    and the per-seed metrics, keyed by (stream, method), for the paired comparisons of the verdicts."""
    rows, per_seed = [], {}
    n_cal, n = cfg["calibration"], cfg["rounds"]
    for name, params in cfg["streams"].items():
        params = dict(params)
        env = streams.make(params.pop("stream", name), **params)
        row = env.row()
        per_method = {m: [] for m in cfg["methods"]}
        for seed in range(cfg["seeds"]):
            with np.errstate(over="ignore"):  # the counter-based generator wraps around on purpose
                s = np.array([env.type.loss(None, row, None, t, seed, 0) for t in range(n_cal + n)])
            given = {"scale": float(s.max())} if cfg["synthetic_scale"] == "largest" else {}
            for method in cfg["methods"]:
                radii = conformal.run_scores(method, s[n_cal:], coverage=cfg["coverage"], calibration=s[:n_cal],
                                             backend=cfg["backend"], **_params(method, cfg, synthetic=True), **given)
                per_method[method].append(evaluate(s[n_cal:], radii, cfg["coverage"], cfg["window"]))
        for method, runs in per_method.items():
            values = {k: np.array([r[k] for r in runs]) for k in runs[0]}
            per_seed[name, method] = values
            rows.append({"dataset": name, "forecaster": "-", "mae": np.nan, "method": method,
                         **{k: float(v.mean()) for k, v in values.items()},
                         **{f"{k}_se": standard_error(values[k]) for k in ("lce", "sareg")}})
    return rows, per_seed


def _params(method, cfg, synthetic=False):
    return {"g": cfg["synthetic_g" if synthetic else "g"]} if method == "saocp" else {}


def real_series_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per method, the mean over the real (dataset, forecaster) series of each metric and its standard
    error over series, as the paper reports a data set's many series (``dataset`` = "real series")."""
    real = table[table["forecaster"] != "-"]
    if real.empty:
        return real
    rows = []
    for method, block in real.groupby("method", sort=False):
        rows.append({"dataset": f"real series ({len(block)})", "forecaster": "mean", "mae": float(block["mae"].mean()),
                     "method": method, **{c: float(block[c].mean()) for c in ("coverage", "width", "lce", "sareg")},
                     **{f"{c}_se": standard_error(block[c]) for c in ("coverage", "lce", "sareg")}})
    return pd.DataFrame(rows)


def per_series(means: pd.DataFrame, table: pd.DataFrame) -> dict:
    """Each method's LCE and SAReg on every real series (one order for all methods), keyed like the
    mean block's rows, so the verdicts can pair methods series by series as they pair seeds."""
    real = table[table["forecaster"] != "-"].sort_values(["dataset", "forecaster"], kind="stable")
    return {(name, method): {m: block[m].to_numpy() for m in ("lce", "sareg")}
            for name in means["dataset"].unique() for method, block in real.groupby("method", sort=False)}


def markdown_table(table: pd.DataFrame, target: float, window: int) -> str:
    """The paper's layout: a block per (dataset, forecaster), MAE in its header, best in bold;
    synthetic streams show LCE and SAReg as mean ± standard error over seeds."""
    lines = []
    for (name, fc), block in table.groupby(["dataset", "forecaster"], sort=False):
        mae = block["mae"].iloc[0]
        if fc == "-":
            head = f"**{name}** (synthetic)"
        elif fc == "mean":
            head = f"**{name}**, mean ± standard error over series (mean MAE {mae:.4f})"
        else:
            head = f"**{name}** / {fc} (horizons 1 to {block['horizons'].iloc[0]:.0f}, MAE {mae:.4f})"
        lines += ["", head, "", f"| method | coverage | width | LCE_{window} | SAReg_{window} |", "| --- | --- | --- | --- | --- |"]
        ok = (block["coverage"] - target).abs() < 0.05
        best = {c: block.loc[ok, c].min() if ok.any() else np.nan for c in ("width", "lce", "sareg")}
        for _, r in block.iterrows():
            se = r.get("coverage_se", np.nan)
            cells = [f"{r['coverage']:.3f}" + ("" if pd.isna(se) else f" ± {se:.3f}")]
            for c in ("width", "lce", "sareg"):
                v = f"{r[c]:.4f}"
                v = f"**{v}**" if ok[_] and np.isclose(r[c], best[c]) else v
                se = r.get(f"{c}_se", np.nan)
                cells.append(v if pd.isna(se) else f"{v} ± {se:.4f}")
            lines.append(f"| {LABELS.get(r['method'], r['method'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines).lstrip() + "\n"


def saocp_verdicts(table: pd.DataFrame, target: float, tie: float, per_seed=None) -> pd.DataFrame:
    """Per series: is SAOCP's LCE and SAReg the lowest, up to a relative ``tie``, and its coverage gap.

    Where ``per_seed`` holds each method's metric per replication (the seeds of a synthetic stream;
    the series of the real-series mean block) a metric also counts as tied when no other method is
    lower by 2 standard errors of the paired difference; ``*_gap_se`` is the largest such difference
    (SAOCP minus another method) in its standard errors (positive: SAOCP is worse)."""
    per_seed = per_seed or {}
    out = []
    for (name, fc), block in table.groupby(["dataset", "forecaster"], sort=False):
        sa = block[block["method"] == "saocp"].iloc[0]
        others = block[block["method"] != "saocp"]
        row = {"dataset": name, "forecaster": fc, "coverage": sa["coverage"],
               "coverage_ok": abs(sa["coverage"] - target) <= 0.01}
        for metric in ("lce", "sareg"):
            best_other = others.loc[others[metric].idxmin()]
            best = best_other[metric]
            ok = bool(sa[metric] <= best + tie * abs(best))  # SAReg can be negative: a tie is within tie |best|
            gap = np.nan
            if (name, "saocp") in per_seed:
                gap = max(_paired_gap(per_seed[name, "saocp"][metric] - per_seed[name, m][metric]) for m in others["method"])
                ok = ok or gap < 2.0
            row.update({f"{metric}_best": ok, f"{metric}_ratio": sa[metric] / best if best > 0 else np.nan,
                        f"{metric}_gap_se": gap})
        out.append(row)
    return pd.DataFrame(out)


def _paired_gap(diff: np.ndarray) -> float:
    """Mean of paired differences in standard errors (+-inf when they are all equal and nonzero)."""
    se = standard_error(diff)
    return float(diff.mean() / se) if se > 0 else (0.0 if diff.mean() == 0 else np.inf * np.sign(diff.mean()))


def interval_figure(traces, cfg, out: Path):
    """Interval over time (top: SAOCP's band, the other methods' bounds), radii, rolling local coverage."""
    fig, (top, mid, bottom) = plt.subplots(3, 1, figsize=(9, 7.5), sharex=True, gridspec_kw={"height_ratios": [2, 1, 1]})
    first = next(iter(traces.values()))
    index = first["index"]
    x = index.to_timestamp() if isinstance(index, pd.PeriodIndex) else np.asarray(index)
    top.plot(x, first["y"], color="black", lw=1, label="y")
    k, q = cfg["window"], cfg["coverage"]
    for i, method in enumerate(cfg["figure"]["methods"]):
        tr, label, color = traces[method], LABELS.get(method, method), f"C{i}"
        lower, upper = tr["yhat"] - tr["radii"], tr["yhat"] + tr["radii"]
        if method == "saocp":
            top.fill_between(x, lower, upper, color=color, alpha=0.3, label=f"{label} interval")
        else:
            top.plot(x, lower, color=color, lw=0.8, ls="--", label=f"{label} bounds")
            top.plot(x, upper, color=color, lw=0.8, ls="--")
        mid.plot(x, tr["radii"], color=color, lw=1, label=label)
        covered = (tr["scores"] <= tr["radii"]).astype(float)
        local = np.convolve(covered, np.ones(k) / k, mode="valid")
        lce = metrics.local_coverage_error(tr["scores"], tr["radii"], q, min(k, len(x)))
        bottom.plot(x[k - 1 :], local, color=color, label=f"{label} (LCE$_{{{k}}}$ = {lce:.2f})")
    mid.plot(x, first["scores"], color="gray", lw=0.6, ls=":", label="score |y - yhat|")
    bottom.axhline(q, color="black", ls="--", lw=0.8)
    top.set_ylabel("normalised value")
    top.set_title(f"{cfg['figure']['dataset']}, {cfg['figure']['forecaster']} forecaster, one step ahead, target coverage {q}")
    top.legend(loc="upper left", fontsize=8, ncol=4)
    mid.set_ylabel("radius")
    mid.legend(loc="upper left", fontsize=8, ncol=4)
    bottom.set_ylabel(f"coverage, last {k}")
    bottom.legend(loc="lower left", fontsize=8, ncol=3)
    fig.tight_layout()
    paths = [out / "intervals.png", out / "intervals.pdf"]
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths


def main(argv=None):
    started = time.perf_counter()
    cfg, out = options(argv)
    keep = (cfg["figure"]["dataset"], cfg["figure"]["forecaster"])
    rows, traces = real_rows(cfg, keep)
    synthetic, per_seed = synthetic_rows(cfg)
    table = pd.DataFrame(rows + synthetic)
    table.to_csv(out / "table.csv", index=False)
    means = real_series_means(table)
    with_means = pd.concat([table, means], ignore_index=True)
    (out / "table.md").write_text(markdown_table(with_means, cfg["coverage"], cfg["window"]))
    verdicts = saocp_verdicts(with_means, cfg["coverage"], cfg["tie"], {**per_seed, **per_series(means, table)})
    verdicts.to_csv(out / "summary.csv", index=False)
    paths = interval_figure(traces, cfg, out)
    print((out / "table.md").read_text())
    print(verdicts.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    shifting = verdicts[verdicts["dataset"].isin(cfg["shifting"]) | (verdicts["forecaster"] == "mean")]
    print(f"shifting series {list(shifting['dataset'])} (synthetic scale: {cfg['synthetic_scale']}): SAOCP lowest-or-tied LCE {shifting['lce_best'].tolist()}, "
          f"SAReg {shifting['sareg_best'].tolist()}, coverage {shifting['coverage'].round(3).tolist()}")
    print(f"SAOCP lowest-or-tied LCE on {verdicts['lce_best'].sum()}/{len(verdicts)} series, SAReg on "
          f"{verdicts['sareg_best'].sum()}/{len(verdicts)}, coverage within 0.01 on {verdicts['coverage_ok'].sum()}/{len(verdicts)}")
    print("figure:", ", ".join(map(str, paths)), f"(done in {time.perf_counter() - started:.1f} s)")
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
