"""Figure (a): regret vs T (log-log) at the stochastic and adversarial extremes, in between and benign, with fitted slopes.

olearn run experiments/sea/regret_vs_T.toml   (or: python experiments/sea/regret_vs_T.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402

import oco_figures as F  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    data = F.regret_vs_horizon(**sizes)
    fig, axes = plt.subplots(1, len(F.REGIMES), figsize=(4.2 * len(F.REGIMES), 3.6), sharey=True)
    table, summary = [], []
    for ax, regime in zip(axes, F.REGIMES):
        for name in F.LEARNERS_A:
            d = data[(regime, name)]
            ax.loglog(d["rounds"], d["regret"].clip(1e-3), label=f"{name} (slope {d['slope']:.2f})")
            table.append(dict(regime=regime, learner=name, T=int(d["rounds"][-1]), regret=float(d["regret"][-1]),
                              bound=float(d["bound"][-1]), slope=d["slope"]))
            summary.append(f"{regime:40s} {name:16s} slope {d['slope']:.3f}  R_T {d['regret'][-1]:.2f}  "
                           f"sqrt(s2)+sqrt(S2) {d['bound'][-1]:.2f}")
        ax.loglog(d["rounds"], d["bound"].clip(1e-3), "k--", label="sqrt(sigma2)+sqrt(Sigma2) (Thm: R_T = O(this))")
        ax.set_title(regime, fontsize=9)
        ax.set_xlabel("T")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("mean regret")
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
