"""Figure: average online loss of generalized implicit FTRL variants against the learning rate (2^-6 .. 2^10).

olearn run experiments/implicit_ftrl/lr_sweep.toml   (or: python experiments/implicit_ftrl/lr_sweep.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402

import oco_figures as F  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    data = F.implicit_sweep(**sizes)
    etas = sizes.get("etas", F.ETAS)  # the rates run (a configuration may set its own)
    panels = list(dict.fromkeys(k[0] for k in data))
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.5))
    table, summary = [], []
    for ax, panel in zip(axes, panels):
        for variant in F.IMPLICIT_VARIANTS:
            y = data[(panel, variant)]
            ax.loglog(etas, y, marker=".", label=variant)
            table += [dict(data=panel, variant=variant, eta=eta, average_loss=float(v)) for eta, v in zip(etas, y)]
            summary.append(f"{panel:22s} {variant:12s} " + " ".join(f"{v:.3g}" for v in y))
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("eta (eta_t = eta / sqrt(t))")
        ax.set_ylim(top=10)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("average loss")
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
