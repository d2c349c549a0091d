"""Supporting figure for Learning to Relax: each learner's total iterations over the first T instances,
relative to the best fixed omega in hindsight over those same T instances, against T.

    olearn run experiments/relax/ratio_vs_instances.toml [--small]
    python experiments/relax/ratio_vs_instances.py [--config X.toml] [--out DIR] [--small]

The contextual figure compares totals at the paper's T = 5000 only.  There the binned baseline
(Tsallis-INF-CB, 5 bins) is at the best fixed omega at high variance but about 1.09x it at low
variance, which is the cost of exploring 20 arms in each bin.  Regret against the best fixed omega
grows sublinearly while the best fixed total grows linearly, so the ratio of a no-regret learner
falls towards 1 as T grows.  A learner that also uses the context can end below 1.  This figure
runs the same learners (ChebCB, Tsallis-INF-CB, Tsallis-INF; ``trials`` seeds replaying one cached
cost table) on sequences of ``instances`` instances, and reads off the ratio at every T; the
instance-optimal policy (Young's omega per instance) is drawn for reference.

Writes ratio_vs_instances.png/.pdf: one panel per variance, ratio against T on a log axis, with the
paper's T = 5000 marked.  Also writes the ratios at the ``report`` values of T as .csv/.md, with the
best fixed omega of each prefix.
"""
import numpy as np
import pandas as pd

from relax_common import VARIANCES, cumulative_iterations, options, paper_learners, paper_tables, save
import matplotlib.pyplot as plt

PAPER_T = 5000


def best_fixed_prefix(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every T: the smallest total of one fixed omega over the first T instances, and that omega's column."""
    cumulative = np.cumsum(costs, axis=0)
    return cumulative.min(axis=1), cumulative.argmin(axis=1)


def main():
    sizes, out = options(__file__, replays=True)
    report = [t for t in sizes["report"] if t <= sizes["instances"]]
    fig, axes = plt.subplots(1, len(VARIANCES), figsize=(11, 4.2), sharey=True)
    rows = []
    for ax, variance in zip(axes, VARIANCES):
        _, table, _, young_costs = paper_tables(variance, sizes["instances"])
        best, column = best_fixed_prefix(table.costs)
        ratios = {"instance-optimal (Young)": np.cumsum(young_costs) / best}
        for name, (learner, contexts) in paper_learners().items():
            ratios[name] = cumulative_iterations(learner, table, sizes, contexts=contexts).mean(axis=0) / best
        T = np.arange(1, best.size + 1)
        for name, ratio in ratios.items():
            young = name.startswith("instance-optimal")
            ax.plot(T, ratio, lw=1.0 if young else 1.4, color="black" if young else None, label=name)
        rows += [{"variance": variance, "instances": t, **{name: float(r[t - 1]) for name, r in ratios.items()},
                  "best_fixed_omega": float(table.omegas[column[t - 1]])} for t in report]
        ax.axhline(1.0, color="black", lw=0.8, ls="--", label="best fixed omega (hindsight, first T)")
        if PAPER_T <= best.size:
            ax.axvline(PAPER_T, color="gray", lw=0.8, ls=":", label=f"the paper's T = {PAPER_T}")
        ax.set(xscale="log", xlabel="instances T", title=f"{variance} variance, {sizes['trials']} trials",
               xlim=(min(100, best.size // 4), best.size), ylim=(0.4, 1.6))
        ax.legend(fontsize=8)
    axes[0].set_ylabel("total iterations / best fixed omega's")
    save(fig, pd.DataFrame(rows), out, "ratio_vs_instances")


if __name__ == "__main__":
    main()
