"""Figure: delayed dual averaging's regret against (1 + d) T (log-log) under fixed delays d.

olearn run experiments/delays/delay_regret.toml   (or: python experiments/delays/delay_regret.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import oco_figures as F  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    data = F.delayed_regret(**sizes)
    fig, ax = plt.subplots(figsize=(5, 4))
    xs, ys, table, summary = [], [], [], []
    for d, v in data.items():
        x = (1 + d) * v["rounds"]
        ax.loglog(x, v["regret"], marker=".", label=f"d = {d}")
        xs.append(x[-1])
        ys.append(v["regret"][-1])
        ratio = v["regret"][-1] / np.sqrt(x[-1])
        table.append(dict(delay=d, T=int(v["rounds"][-1]), regret=float(v["regret"][-1]), ratio_to_sqrt_1pd_T=float(ratio)))
        summary.append(f"d = {d:3d}: R_T = {v['regret'][-1]:.2f}, R_T / sqrt((1+d) T) = {ratio:.3f}")
    summary.append(f"slope of final regret on (1 + d) T across delays: {F.slope(np.array(xs), np.array(ys)):.3f} (theory 0.5)")
    ax.set_xlabel("(1 + d) t")
    ax.set_ylabel("mean regret")
    ax.legend()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
