"""Gaussian-process bandits as omega tuners on the paper's sequences (an addition to Learning to Relax).

    olearn run experiments/relax/smooth_tuners.toml [--small]
    python experiments/relax/smooth_tuners.py [--config X.toml] [--out DIR] [--small] [--trials N] [--backend B]

An iteration count is a smooth function of omega below the instance-optimal omega and rises steeply above it, so one
solve also says something about the neighbouring omegas.  Tsallis-INF ignores that: it learns each of the 20 arms on
its own.  ``gp_ucb`` and ``gp_thompson`` (olearn.learners.gaussian_process) place the arms at their omegas and share
what a solve teaches through a squared-exponential covariance.  Their model is of rewards, here 1 - iterations / 1000,
with prior mean 0.8 and prior standard deviation 0.1 (100 iterations): my choice from the order of magnitude of the
counts (tens to hundreds), fixed before any run.  The lengthscale (in omega) and the noise sigma (in thousands of
iterations) are the model's two remaining knobs, and the figure shows every pair of the config's grid, so the result
is the sensitivity, not one tuned number.

Writes smooth_tuners.png/.pdf: one heat map per variance and learner of total iterations / the best fixed omega's
(5000 instances, ``trials`` seeds replaying the cached cost table), Tsallis-INF's ratio in the title; and the ratios
as .csv/.md.
"""
import numpy as np
import pandas as pd

import olearn
from relax_common import VARIANCES, cumulative_iterations, options, paper_learners, paper_tables, save
import matplotlib.pyplot as plt

SCALE = 1000.0  # rewards are 1 - iterations / SCALE
PRIOR = {"prior_mean": 0.8, "variance": 0.01}
LEARNERS = ("gp_ucb", "gp_thompson")


def totals(name, lengthscales, noises, table, sizes):
    """Mean total iterations of ``name`` for every (lengthscale, noise), as a len(lengthscales) x len(noises) array."""
    learner = olearn.make(name, positions=table.omegas, lengthscale=list(lengthscales), noise=list(noises), **PRIOR)
    T = table.costs.shape[0]
    result = olearn.run(learner, table.environment(scale=SCALE, contexts=False), horizon=T, seeds=sizes["trials"],
                        backend=sizes["backend"], metrics=["loss"], progress=False)
    return (result.final("loss").mean(axis=1) * SCALE).reshape(len(lengthscales), len(noises))


def main():
    sizes, out = options(__file__, replays=True)
    lengthscales, noises = sizes["lengthscales"], sizes["noises"]
    fig, axes = plt.subplots(len(VARIANCES), len(LEARNERS), figsize=(9, 7.5), squeeze=False)
    rows = []
    for i, variance in enumerate(VARIANCES):
        _, table, _, _ = paper_tables(variance, sizes["instances"])
        best = table.costs.astype(float).sum(axis=0).min()
        tsallis, _ = paper_learners()["Tsallis-INF"]
        tsallis_ratio = cumulative_iterations(tsallis, table, sizes, contexts=False)[:, -1].mean() / best
        rows.append({"variance": variance, "learner": "tsallis_inf", "lengthscale": np.nan, "noise": np.nan,
                     "ratio_to_best_fixed": tsallis_ratio})
        for j, name in enumerate(LEARNERS):
            ratio = totals(name, lengthscales, noises, table, sizes) / best
            rows += [{"variance": variance, "learner": name, "lengthscale": l, "noise": s,
                      "ratio_to_best_fixed": ratio[a, b]} for a, l in enumerate(lengthscales) for b, s in enumerate(noises)]
            ax = axes[i, j]
            ax.imshow(np.minimum(ratio, 2.0), cmap="viridis_r", vmin=1.0, vmax=2.0, aspect="auto")
            for a in range(len(lengthscales)):
                for b in range(len(noises)):
                    ax.text(b, a, f"{ratio[a, b]:.3f}", ha="center", va="center",
                            color="white" if ratio[a, b] > 1.5 else "black")
            ax.set(xticks=range(len(noises)), xticklabels=[f"{s:g}" for s in noises],
                   yticks=range(len(lengthscales)), yticklabels=[f"{l:g}" for l in lengthscales],
                   xlabel="noise sigma (thousands of iterations)", ylabel="lengthscale (omega)",
                   title=f"{name}, {variance} variance\n(Tsallis-INF {tsallis_ratio:.3f})")
    fig.suptitle(f"total iterations / best fixed omega's, {sizes['instances']} instances, {sizes['trials']} trials")
    save(fig, pd.DataFrame(rows), out, "smooth_tuners")


if __name__ == "__main__":
    main()
