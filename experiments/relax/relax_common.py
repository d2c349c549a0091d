"""Shared setup of the Learning-to-Relax figures: command line, the paper's sequences and their cached cost tables.

Khodak, Chow, Balcan and Talwalkar (ICLR 2024), section 5: A_t = Laplacian(10 x 10) + c_t I,
c_t = -0.15 + 0.6 Beta (high variance: Beta(0.5, 1.5); low: Beta(2, 6)), T = 5000 instances,
20 omegas in [1, 1.95], SOR to relative residual 1e-8, at most 10,000 iterations.
The 40 trials are 40 learner seeds replaying one cached table of 5000 instances.

Every figure script takes ``--config FIGURE.toml`` (default: the TOML next to the script),
``--out DIR`` (default ``runs/<family>/<toml stem>``) and ``--small`` (the ``[small]`` sizes instead of
``[full]``), and writes PNG and PDF plus its numbers as CSV and markdown into DIR.
"""
from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import olearn
from environments.linear_systems import shifted_laplacian
from olearn import relax
from olearn.experiment.script import default_out

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "runs" / "relax_cache"
CONTEXT_RANGE = (-0.15, 0.65)
VARIANCES = ("high", "low")


def options(script: str) -> tuple[dict, Path]:
    """The sizes of ``[full]`` (or ``[small]`` with ``--small``) of the figure's TOML, and the output folder."""
    script = Path(script)
    p = argparse.ArgumentParser(description=f"draw {script.stem} (Learning to Relax)")
    p.add_argument("--config", type=Path, default=script.with_suffix(".toml"))
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--small", action="store_true", help="the [small] sizes of the config (seconds, for tests)")
    a = p.parse_args()
    cfg = tomllib.loads(a.config.read_text())
    sizes = dict(cfg["small" if a.small else "full"])
    out = a.out or default_out(a.config, ROOT / "runs")
    out.mkdir(parents=True, exist_ok=True)
    return sizes, out


def paper_tables(variance: str, instances: int, seed: int = 0):
    """The sequence, its grid cost table and the cost of Young's omega per instance (all cached)."""
    seq = shifted_laplacian(instances, variance, seed=seed)
    started = time.perf_counter()
    table = relax.cost_table(seq, relax.omega_grid(1.0, 1.95, 20), cache_dir=CACHE,
                             name=f"shifted_laplacian-{variance}-{instances}-seed{seed}")
    young = relax.instance_optimal_omegas(seq)
    # keyed like the cost table by the solvers' source: a changed solver must not reuse old counts
    young_path = CACHE / f"young-{variance}-{instances}-seed{seed}-{relax.costs.source_digest()[:16]}.npy"
    if young_path.exists():
        young_costs = np.load(young_path)
    else:
        young_costs = relax.solve_many(seq, young[:, None])[0][:, 0]
        np.save(young_path, young_costs)
    print(f"[{variance}] cost tables ready in {time.perf_counter() - started:.1f} s")
    return seq, table, young, young_costs


def paper_learners() -> dict:
    """The paper's learners by figure label, each with whether it reads the context: ChebCB (m = 6),
    Tsallis-INF-CB (5 bins) and Tsallis-INF, all with costs shifted by 1 (Tsallis-INF's normalised by
    their running mean), over the context range [-0.15, 0.65]."""
    low, high = CONTEXT_RANGE
    return {
        "ChebCB": (olearn.make("chebcb", low=low, high=high, degree=6, shift=1.0), True),
        "Tsallis-INF-CB (5 bins)": (olearn.make("tsallis_inf_cb", low=low, high=high, n_bins=5, shift=1.0,
                                                normalize=True), True),
        "Tsallis-INF": (olearn.make("tsallis_inf", shift=1.0, normalize=True), False),
    }


def mean_cumulative(learner, table, trials: int, contexts: bool = True) -> np.ndarray:
    """Mean over ``trials`` seeds of the cumulative iterations of ``learner`` replaying ``table`` (cpu backend)."""
    env = table.environment(contexts=contexts)
    result = olearn.run(learner, env, horizon=table.costs.shape[0], seeds=trials, trace=True, checkpoints=1)
    return np.cumsum(result.losses[0], axis=1).mean(axis=0)


def remaining_panel(ax, curves: dict, title: str, bold: str = "") -> None:
    """Instances remaining against total iterations, one line per curve (cumulative iterations per instance)."""
    for name, curve in curves.items():
        T = curve.size
        ax.plot(curve, T - np.arange(1, T + 1), lw=2.2 if name.startswith(bold) and bold else 1.3, label=name)
    ax.set(xlabel="total iterations", ylabel="instances remaining", title=title)
    ax.set_xlim(0, None)
    ax.set_ylim(0, T)
    ax.legend(fontsize=8)


def variance_figure(script: str, stem: str, curves_for, bold: str) -> None:
    """One panel per variance setting of instances remaining against total iterations, and the totals table.

    ``curves_for(table, young_costs, trials)`` returns ``(curves, extra_rows)``: cumulative
    iterations per policy name, and rows to add to the table after that variance's totals.
    """
    sizes, out = options(script)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    rows = []
    for ax, variance in zip(axes, VARIANCES):
        _, table, _, young_costs = paper_tables(variance, sizes["instances"])
        curves, extra = curves_for(table, young_costs, sizes["trials"])
        best_omega, best_total = table.best_fixed()
        for name, curve in curves.items():
            rows.append({"variance": variance, "policy": name, "total_iterations": float(curve[-1]),
                         "ratio_to_best_fixed": curve[-1] / best_total})
        if not any(name.startswith("best fixed") for name in curves):
            rows.append({"variance": variance, "policy": f"best fixed omega = {best_omega:.2f}",
                         "total_iterations": float(best_total), "ratio_to_best_fixed": 1.0})
        rows += [{"variance": variance, **row} for row in extra]
        remaining_panel(ax, curves, f"{variance} variance, {table.costs.shape[0]} instances, {sizes['trials']} trials",
                        bold=bold)
    save(fig, pd.DataFrame(rows), out, stem)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (numbers as printed by pandas)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    def cell(v):
        if isinstance(v, float) and np.isnan(v):
            return ""
        if isinstance(v, float):
            return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.4g}"
        return str(v)

    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def save(fig, frame: pd.DataFrame, out: Path, stem: str) -> None:
    """Write ``stem``.png/.pdf (the figure) and ``stem``.csv/.md (its numbers) into ``out``."""
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"{stem}.{ext}", dpi=130)
    plt.close(fig)
    frame.to_csv(out / f"{stem}.csv", index=False)
    (out / f"{stem}.md").write_text(markdown(frame))
    print(markdown(frame))
    print(f"wrote {out / stem}.png, .pdf, .csv, .md")
