"""Figure: delayed dual averaging's regret against (1 + d) T (log-log) under fixed delays d.

python experiments/delays/delay_regret.py [--small]
"""
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sea"))
from _run import options  # noqa: E402
import oco_figures as F  # noqa: E402

if __name__ == "__main__":
    sizes, out = options(Path(__file__).with_suffix(".toml"))
    data = F.delayed_regret(**sizes)
    fig, ax = plt.subplots(figsize=(5, 4))
    xs, ys = [], []
    for d, v in data.items():
        x = (1 + d) * v["rounds"]
        ax.loglog(x, v["regret"], marker=".", label=f"d = {d}")
        xs.append(x[-1])
        ys.append(v["regret"][-1])
        print(f"d = {d:3d}: R_T = {v['regret'][-1]:.2f}, R_T / sqrt((1+d) T) = {v['regret'][-1] / np.sqrt(x[-1]):.3f}")
    print(f"slope of final regret on (1 + d) T across delays: {F.slope(np.array(xs), np.array(ys)):.3f} (theory 0.5)")
    ax.set_xlabel("(1 + d) t")
    ax.set_ylabel("mean regret")
    ax.legend()
    print("figure:", F.save(fig, out))
