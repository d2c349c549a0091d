"""Figure: average online loss of generalized implicit FTRL variants against the learning rate (2^-6 .. 2^10).

python experiments/implicit_ftrl/lr_sweep.py [--small]
"""
import sys
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sea"))
from _run import options  # noqa: E402
import oco_figures as F  # noqa: E402

if __name__ == "__main__":
    sizes, out = options(Path(__file__).with_suffix(".toml"))
    data = F.implicit_sweep(**sizes)
    losses = sorted({k[0] for k in data})
    fig, axes = plt.subplots(1, len(losses), figsize=(4 * len(losses), 3.5))
    for ax, loss in zip(axes, losses):
        for variant in ("linearized", "aprox", "implicit", "mirror_prox"):
            y = data[(loss, variant)]
            ax.loglog(F.ETAS, y, marker=".", label=variant)
            print(f"{loss:9s} {variant:12s} " + " ".join(f"{v:.3g}" for v in y))
        ax.set_title(loss)
        ax.set_xlabel("eta (eta_t = eta / sqrt(t))")
        ax.set_ylim(top=10)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("average loss")
    print("figure:", F.save(fig, out))
