"""Figure (b): final regret against sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T}) over a grid of noise and drift.

olearn run experiments/sea/bound_grid.toml   (or: python experiments/sea/bound_grid.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402

import oco_figures as F  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    rows = F.regret_vs_variation(**sizes)
    fig, ax = plt.subplots(figsize=(5, 4))
    summary = []
    for name, marker in (("optimistic_omd", "o"), ("ogd", "x")):
        a, b, r2 = F.linear_fit(rows, name)
        xs = [r[3] for r in rows if r[0] == name]
        ax.scatter(xs, [r[4] for r in rows if r[0] == name], marker=marker, label=f"{name}: {a:.2f} x + {b:.2f}, R2 {r2:.3f}")
        summary.append(f"{name}: regret = {a:.3f} (sqrt(sigma2) + sqrt(Sigma2)) + {b:.3f}, R^2 = {r2:.4f}")
    ax.set_xlabel("sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})")
    ax.set_ylabel("final mean regret")
    ax.legend(fontsize=7)
    table = [dict(learner=r[0], noise=r[1], kappa=r[2], variation=r[3], regret=r[4]) for r in rows]
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
