"""Figure (d): dynamic regret of the optimistic OMD ensemble against the path length P_T, next to single learners.

olearn run experiments/sea/dynamic_regret.toml   (or: python experiments/sea/dynamic_regret.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import oco_figures as F  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    data = F.dynamic_vs_path(**sizes)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    table, summary = [], []
    names = list(dict.fromkeys(k[0] for k in data))
    omegas = list(dict.fromkeys(k[1] for k in data))
    for name in names:
        path = np.array([data[(name, w)]["path"] for w in omegas])
        dyn = np.array([data[(name, w)]["dynamic"] for w in omegas])
        moving = path > 1.0
        s = F.slope(1 + path[moving], dyn[moving]) if moving.sum() > 1 else float("nan")
        ax.loglog(1 + path, dyn.clip(1e-2), marker="o", label=f"{name} (slope {s:.2f} for P_T > 1)")
        summary.append(f"{name:16s} slope of dynamic regret on 1 + P_T: {s:.3f}; "
                       + ", ".join(f"P_T {p:.3g}: {v:.1f}" for p, v in zip(path, dyn)))
        table += [dict(learner=name, omega=w, path_length=float(p), dynamic_regret=float(v)) for w, p, v in zip(omegas, path, dyn)]
    ref = data[(names[0], omegas[0])]
    path = np.array([data[(names[0], w)]["path"] for w in omegas])
    var = np.array([data[(names[0], w)]["variation"] for w in omegas])
    bound = F.dynamic_bound(path, var)
    ratios = np.array([data[(names[0], w)]["dynamic"] for w in omegas]) / bound
    ax.loglog(1 + path, bound, "k--", label="sqrt((1+P_T+sigma2+Sigma2)(1+P_T))")
    summary.append(f"{names[0]}: dynamic regret / sqrt((1+P_T+sigma2+Sigma2)(1+P_T)) from {ratios.min():.3f} to {ratios.max():.3f}"
                   f" (sigma2 + Sigma2 at omega = 0: {ref['variation']:.0f})")
    ax.set_xlabel("1 + P_T (path length of the per-round minimizers)")
    ax.set_ylabel("mean dynamic regret")
    ax.legend(fontsize=7)
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
