"""Figure: conformal methods on many seeds of a synthetic shift stream, on any engine backend.

    olearn run experiments/conformal/shift_seeds.toml [--out DIR] [--small]
    python experiments/conformal/shift_seeds.py [--config TOML] [--out DIR] [--small] [--backend gpu --seeds 4096]

Each method is one engine learner of kind ``scores`` (the same kernels on python, cpu and gpu),
run by :func:`olearn.run` on every seed of a change-point stream (``environments/score_streams.py``:
|N(0, sigma^2)| scores, sigma switching every ``period`` rounds).  The scale D is given (``scale``),
as the paper does for its shift experiments (``max_scale``).  The engine keeps per seed the
cumulative pinball loss, the rounds covered and the summed radius; the figure shows the coverage
within each segment between checkpoints (mean and 5-95% band over seeds) against the target and the spread of the final coverage
over seeds; ``shift_seeds.csv`` holds the final coverage (mean and std over seeds), the worst segment's
coverage error (an LCE over segments, mean over seeds), width and loss (means over seeds) and
the throughput (seed-rounds per second) of each run.
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
import olearn
from olearn import conformal
from olearn.experiment.script import default_out

HERE = Path(__file__).resolve().parent


def options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "shift_seeds.toml")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--small", action="store_true", help="test size (seconds)")
    parser.add_argument("--backend", default=None, help="override the config's backend (python, cpu, gpu)")
    parser.add_argument("--seeds", type=int, default=None, help="override the config's number of seeds")
    args = parser.parse_args(argv)
    raw = tomllib.loads(args.config.read_text())
    cfg = dict(raw.get("full", {}))
    if args.small:
        cfg.update(raw.get("small", {}))
    cfg.update({k: v for k, v in (("backend", args.backend), ("seeds", args.seeds)) if v is not None})
    out = args.out or default_out(args.config)
    out.mkdir(parents=True, exist_ok=True)
    return cfg, out


def run_methods(cfg):
    """{method: Result} on the change-point stream, and seed-rounds per second of each run."""
    env = streams.make("change_points", **cfg["stream"])
    checkpoints = np.unique(np.linspace(0, cfg["horizon"], cfg["checkpoints"] + 1).astype(int)[1:]).tolist()
    results, speed = {}, {}
    for method in cfg["methods"]:
        extra = {"g": cfg["g"]} if method == "saocp" else {}
        learner = conformal.make(method, coverage=cfg["coverage"], scale=cfg["scale"], max_rounds=cfg["horizon"], **extra)
        olearn.run(learner, env, horizon=2, seeds=1, backend=cfg["backend"])  # compile outside the timing
        start = time.perf_counter()
        results[method] = olearn.run(learner, env, horizon=cfg["horizon"], seeds=cfg["seeds"], backend=cfg["backend"],
                                     checkpoints=checkpoints, metrics=["coverage", "width", "loss"])
        speed[method] = cfg["seeds"] * cfg["horizon"] / (time.perf_counter() - start)
    return results, speed


def segment_coverage(rounds, cumulative):
    """Coverage within each segment between checkpoints, from the coverage of rounds 1..t:
    (c_j t_j - c_{j-1} t_{j-1}) / (t_j - t_{j-1}) with t_0 = 0, the first segment rounds 1..t_1; returns
    (segment ends, seeds x segments)."""
    ends = np.concatenate([[0], rounds])
    covered = np.concatenate([np.zeros((cumulative.shape[0], 1)), cumulative * rounds], axis=1)
    return ends[1:], np.diff(covered, axis=1) / np.diff(ends)


def main(argv=None):
    cfg, out = options(argv)
    results, speed = run_methods(cfg)
    rows = []
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [2, 1]})
    for i, (method, res) in enumerate(results.items()):
        cov = res.metric("coverage")[0]  # seeds x checkpoints, coverage of rounds 1..t
        t, local = segment_coverage(np.asarray(res.rounds), cov)
        left.step(t, local.mean(axis=0), where="pre", color=f"C{i}", label=method)
        left.fill_between(t, *np.quantile(local, [0.05, 0.95], axis=0), step="pre", color=f"C{i}", alpha=0.2)
        right.hist(cov[:, -1], bins=30, color=f"C{i}", alpha=0.5, label=method)
        width, loss = res.metric("width")[0, :, -1], res.metric("loss")[0, :, -1]
        rows.append({"method": method, "seeds": cfg["seeds"], "coverage": cov[:, -1].mean(), "coverage_std": cov[:, -1].std(),
                     "segment_lce": np.abs(local - cfg["coverage"]).max(axis=1).mean(), "width": width.mean(), "loss": loss.mean(), "seed_rounds_per_s": speed[method],
                     "backend": cfg["backend"]})
    left.axhline(cfg["coverage"], color="black", ls="--", lw=0.8)
    right.axvline(cfg["coverage"], color="black", ls="--", lw=0.8)
    left.set_xlabel("round t")
    left.set_ylabel(f"coverage per {int(np.diff(t)[0])} rounds (mean, 5-95% over seeds)")
    left.legend(fontsize=8)
    right.set_xlabel(f"final coverage over {cfg['seeds']} seeds")
    fig.suptitle(f"change points {cfg['stream']['scales']} every {cfg['stream']['period']} rounds, backend {cfg['backend']}")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"shift_seeds.{ext}", dpi=150)
    plt.close(fig)
    table = pd.DataFrame(rows)
    table.to_csv(out / "shift_seeds.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("figure:", out / "shift_seeds.png")
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
