"""Figure (a): regret vs T (log-log) at the stochastic and adversarial extremes, in between and benign, with fitted slopes.

python experiments/sea/regret_vs_T.py [--small]   (sizes in experiments/sea/regret_vs_T.toml)
"""
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from _run import options  # noqa: E402
import oco_figures as F  # noqa: E402

if __name__ == "__main__":
    sizes, out = options(Path(__file__).with_suffix(".toml"))
    data = F.regret_vs_horizon(**sizes)
    fig, axes = plt.subplots(1, len(F.REGIMES), figsize=(4.2 * len(F.REGIMES), 3.6), sharey=True)
    for ax, regime in zip(axes, F.REGIMES):
        for name in F.LEARNERS_A:
            d = data[(regime, name)]
            ax.loglog(d["rounds"], d["regret"].clip(1e-3), label=f"{name} (slope {d['slope']:.2f})")
            print(f"{regime:40s} {name:16s} slope {d['slope']:.3f}  R_T {d['regret'][-1]:.2f}  sqrt(s2)+sqrt(S2) {d['bound'][-1]:.2f}")
        ax.loglog(d["rounds"], d["bound"].clip(1e-3), "k--", label="sqrt(sigma2)+sqrt(Sigma2)")
        ax.set_title(regime, fontsize=9)
        ax.set_xlabel("T")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("mean regret")
    print("figure:", F.save(fig, out))
