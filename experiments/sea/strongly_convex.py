"""Figure (c): strongly convex quadratics with rare switches: optimistic OMD stays flat, OGD 1/(lam t) grows like log T.

python experiments/sea/strongly_convex.py [--small]
"""
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from _run import options  # noqa: E402
import oco_figures as F  # noqa: E402

if __name__ == "__main__":
    sizes, out = options(Path(__file__).with_suffix(".toml"))
    data = F.strongly_convex(**sizes)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for label, d in data.items():
        growth = F.log_growth(d["rounds"], d["regret"], sizes["period"])
        ax.semilogx(d["rounds"], d["regret"], label=f"{label}: {growth:.3f} per ln t")
        print(f"{label:32s} R_T {d['regret'][-1]:.3f}  growth per ln t {growth:.4f}  sigma2+Sigma2 {d['variation'][-1]:.2f}")
    ax.set_xlabel("T")
    ax.set_ylabel("mean regret")
    ax.legend(fontsize=7)
    print("figure:", F.save(fig, out))
