"""Shared setup of the Learning-to-Relax figures: command line, the paper's sequences and their cached cost tables.

Khodak, Chow, Balcan and Talwalkar (ICLR 2024), section 5: A_t = Laplacian(10 x 10) + c_t I,
c_t = -0.15 + 0.6 Beta (high variance: Beta(0.5, 1.5); low: Beta(2, 6)), T = 5000 instances,
20 omegas in [1, 1.95], SOR to relative residual 1e-8, at most 10,000 iterations.
The 40 trials are 40 learner seeds replaying one cached table of 5000 instances.

Every figure script takes ``--config FIGURE.toml`` (default: the TOML next to the script),
``--out DIR`` (default ``runs/<family>/<toml stem>``) and ``--small`` (the ``[small]`` sizes instead of
``[full]``), and writes PNG and PDF plus its numbers as CSV and markdown into DIR.  The figures that replay
learners also take ``--trials N`` (seeds) and ``--backend {python,cpu,gpu}`` (default cpu): the replays are
engine runs, so thousands of seeds go to the GPU in one launch, e.g.
``python experiments/relax/contextual.py --backend gpu --trials 4096``.
"""
from __future__ import annotations

import argparse
import hashlib
import time
import tomllib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import olearn
from environments.linear_systems import shifted_laplacian
from olearn import backends, relax
from olearn.analysis import standard_error
from olearn.experiment.script import default_out

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "runs" / "relax_cache"
CONTEXT_RANGE = (-0.15, 0.65)
VARIANCES = ("high", "low")


def options(script: str, replays: bool = False) -> tuple[dict, Path]:
    """The sizes of ``[full]`` (or ``[small]`` with ``--small``) of the figure's TOML, and the output folder;
    ``replays``: the figure replays learners through the engine, and takes ``--backend`` and ``--trials``."""
    script = Path(script)
    p = argparse.ArgumentParser(description=f"draw {script.stem} (Learning to Relax)")
    p.add_argument("--config", type=Path, default=script.with_suffix(".toml"))
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--small", action="store_true", help="the [small] sizes of the config (seconds, for tests)")
    if replays:
        p.add_argument("--backend", choices=backends.NAMES, default=None,
                       help="the engine backend of the learners' replays (default: the config's, else cpu)")
        p.add_argument("--trials", type=int, default=None, help="learner seeds per replay (default: the config's)")
    a = p.parse_args()
    cfg = tomllib.loads(a.config.read_text())
    sizes = {"backend": "cpu", **cfg["small" if a.small else "full"]}
    if getattr(a, "backend", None) is not None:
        sizes["backend"] = a.backend
    if getattr(a, "trials", None) is not None:
        if a.trials < 1:
            p.error(f"--trials must be an integer >= 1, got {a.trials}")
        sizes["trials"] = a.trials
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
    # keyed like the cost table by the solvers' source (a changed solver must not reuse old counts) and by the
    # omegas solved at (a changed sequence or omega* formula must not reuse the counts of other omegas)
    digest = hashlib.sha256(relax.costs.source_digest().encode() + np.ascontiguousarray(young, dtype=float).tobytes())
    young_path = CACHE / f"young-{variance}-{instances}-seed{seed}-{digest.hexdigest()[:16]}.npy"
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


def cumulative_iterations(learner, table, sizes: dict, contexts: bool = True) -> np.ndarray:
    """Cumulative iterations of ``learner`` replaying ``table``, one row per seed 0 .. ``sizes["trials"]`` - 1,
    on ``sizes["backend"]``: shape (trials, instances).  The engine's cumulative loss recorded at every round
    (the world's losses are the iteration counts), so no per-round trace is kept."""
    T = table.costs.shape[0]
    result = olearn.run(learner, table.environment(contexts=contexts), horizon=T, seeds=sizes["trials"],
                        backend=sizes["backend"], metrics=["loss"], checkpoints=np.arange(1, T + 1), progress=False)
    return result.metric("loss")[0]


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

    ``curves_for(table, young_costs, sizes)`` returns ``(curves, extra_rows)``: cumulative
    iterations per policy name (one row per seed for a learner: :func:`cumulative_iterations`), and rows
    to add to the table after that variance's totals.  A learner's row in the table has the mean total
    over seeds and its standard error (``se_ratio``: of the ratio to the best fixed omega).
    """
    sizes, out = options(script, replays=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    rows = []
    for ax, variance in zip(axes, VARIANCES):
        _, table, _, young_costs = paper_tables(variance, sizes["instances"])
        curves, extra = curves_for(table, young_costs, sizes)
        best_omega, best_total = table.best_fixed()
        for name, curve in curves.items():
            se = standard_error(curve[:, -1]) / best_total if curve.ndim == 2 else float("nan")
            curves[name] = curve = curve.mean(axis=0) if curve.ndim == 2 else curve
            rows.append({"variance": variance, "policy": name, "total_iterations": float(curve[-1]),
                         "ratio_to_best_fixed": curve[-1] / best_total, "se_ratio": se})
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
