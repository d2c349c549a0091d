"""Figure (b): final regret against sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T}) over a grid of noise and drift.

python experiments/sea/bound_grid.py [--small]
"""
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from _run import options  # noqa: E402
import oco_figures as F  # noqa: E402

if __name__ == "__main__":
    sizes, out = options(Path(__file__).with_suffix(".toml"))
    rows = F.regret_vs_variation(**sizes)
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, marker in (("optimistic_omd", "o"), ("ogd", "x")):
        a, b, r2 = F.linear_fit(rows, name)
        xs = [r[3] for r in rows if r[0] == name]
        ax.scatter(xs, [r[4] for r in rows if r[0] == name], marker=marker, label=f"{name}: {a:.2f} x + {b:.2f}, R2 {r2:.3f}")
        print(f"{name}: regret = {a:.3f} (sqrt(sigma2) + sqrt(Sigma2)) + {b:.3f}, R^2 = {r2:.4f}")
    ax.set_xlabel("sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})")
    ax.set_ylabel("final mean regret")
    ax.legend(fontsize=7)
    print("figure:", F.save(fig, out))
