"""Shared pieces of the private-experts figures: command line, sizes from the TOML, runs, fits, saving.

Every figure script accepts ``--config PATH`` (default: its own TOML), ``--out DIR`` (default
``runs/<family>/<toml stem>``) and ``--small`` (the ``[small]`` table instead of ``[full]``), and writes
PNG, PDF, a CSV table and a markdown summary with the fitted slopes.
"""
from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import environments  # noqa: E402
import olearn  # noqa: E402
from olearn import privacy  # noqa: E402
from olearn.analysis import standard_error  # noqa: E402
from olearn.experiment.script import default_out  # noqa: E402

STYLE = {"dp_svt_experts": "C0", "dp_ftrl_tree_laplace": "C1", "dp_ftrl_tree_gauss": "C2", "dp_lazy_hedge": "C3",
         "dp_noisy_leader": "C4", "halving": "k", "hedge": "0.5"}


def sizes(script: str) -> tuple[dict, Path]:
    """Parse the command line; return the chosen size table and the output folder."""
    stem = Path(script).with_suffix("")
    parser = argparse.ArgumentParser(description=(Path(script).read_text().split('"""')[1]).strip().splitlines()[0])
    parser.add_argument("--config", default=str(stem) + ".toml")
    parser.add_argument("--out", default=None)
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    config = tomllib.loads(Path(args.config).read_text())
    out = Path(args.out) if args.out else default_out(args.config, ROOT / "runs")
    out.mkdir(parents=True, exist_ok=True)
    return dict(config["small" if args.small else "full"]), out


def mean_regret(name, values, env_values, horizon, seeds) -> tuple[float, float, dict]:
    """(mean final regret, its standard error, the spent-budget report) of one configuration; prints a progress line."""
    started = time.perf_counter()
    env = environments.make("realizable_experts", **env_values)
    result = privacy.run(olearn.make(name, **values), env, horizon=horizon, seeds=seeds, metrics=["regret"],
                         checkpoints=[horizon])
    final = result.final("regret").ravel()
    mean, se = float(final.mean()), standard_error(final) if final.size > 1 else 0.0
    settings = ", ".join(f"{k} = {v}" for k, v in {**values, **env_values}.items())
    print(f"  {name} ({settings}, T = {horizon}): regret {mean:.1f} +/- {se:.1f}  [{time.perf_counter() - started:.1f} s]", flush=True)
    return mean, se, result.meta["privacy"][0]


def fitted_slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = y > 0
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0]) if keep.sum() >= 2 else float("nan")


def rate_line(ax, x, rate, anchor_x, anchor_y, label, style="--"):
    """Draw ``rate(x)`` scaled to pass through (anchor_x, anchor_y)."""
    x = np.asarray(x, float)
    ax.plot(x, anchor_y * rate(x) / rate(anchor_x), style, color="0.3", lw=1, label=label)


def save(fig, table: pd.DataFrame, lines: list[str], out: Path, stem: str, started: float) -> None:
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"{stem}.{ext}", dpi=130)
    table.to_csv(out / f"{stem}.csv", index=False)
    text = "\n".join(lines + [f"\n{time.perf_counter() - started:.0f} s"])
    (out / f"{stem}.md").write_text(text + "\n")
    print(text)
    print(f"wrote {out / stem}.png/.pdf/.csv/.md")
