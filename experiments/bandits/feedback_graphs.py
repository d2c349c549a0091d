"""Figure: bandits with graph-structured feedback, regret at a fixed horizon against the graph's independence number.

K arms form alpha disjoint cliques of K / alpha arms (alpha divides K): playing an arm reveals the losses of every
arm of its clique, so the independence number is alpha exactly, from the complete graph (alpha = 1, experts) to
the empty one (alpha = K, bandit feedback).  The world is the minimax construction (``lower_bound``: one arm,
hidden per seed, with mean loss 1/2 - gap, the rest 1/2).  ``exp3_ix_graph`` (Kocák, Neu, Valko and Munos 2014;
eta = 2 gamma = sqrt(2 ln K / (alpha T))) and ``exp3_graph`` (Exp3.G of Alon, Cesa-Bianchi, Dekel and Koren 2015;
gamma = min{(alpha T)^(-1/2), 1/2}, eta = 2 gamma, exploring a greedy dominating set: one arm per clique) use the
side observations; ``exp3_ix`` with bandit feedback on the same K arms is the baseline (flat in alpha).  Mean
pseudo-regret at T over seeds on log-log axes, with sqrt(alpha T ln K) drawn (dashed); the summary fits the slope of
log R_T on log alpha (1/2 for the sqrt(alpha T) rate) and gives each learner's regret as a share of the baseline's.
At alpha = K the graph learners are bandit learners (exp3_ix_graph is then exp3_ix itself).

olearn run experiments/bandits/feedback_graphs.toml   (or: python experiments/bandits/feedback_graphs.py [--small] [--out DIR])
"""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402


def cliques(k, alpha):
    """Adjacency of alpha disjoint cliques of k / alpha arms (alpha divides k): independence number alpha."""
    if k % alpha:
        raise SystemExit(f"alphas must divide arms = {k}; {alpha} does not")
    size = k // alpha
    g = np.zeros((k, k))
    for c in range(alpha):
        g[c * size : (c + 1) * size, c * size : (c + 1) * size] = 1.0
    return g


def final_pseudo_regret(learner, env, horizon, seeds, backend):
    result = olearn.run(learner, env, horizon=horizon, seeds=seeds, metrics=["pseudo_regret"], checkpoints=[horizon],
                        backend=backend, progress=False)
    return result.final("pseudo_regret")[0]


def slope(x, y):
    """Least-squares slope of log y on log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def build(sizes):
    backend, horizon, seeds, k = sizes["backend"], sizes["horizon"], sizes["seeds"], sizes["arms"]
    alphas = np.array(sizes["alphas"])
    env = environments.make("lower_bound", n_arms=k, gap=sizes["gap"])
    fig, ax = plt.subplots(figsize=(6, 4.2))
    table, summary = [], []
    base = final_pseudo_regret(olearn.make(sizes["baseline"]), env, horizon, seeds, backend)
    base_mean = float(base.mean())
    for name in sizes["learners"]:
        means, errors = [], []
        for alpha in alphas:
            r = final_pseudo_regret(olearn.make(name, graph=cliques(k, int(alpha))), env, horizon, seeds, backend)
            means.append(float(r.mean()))
            errors.append(float(r.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else float("nan"))
            rate = math.sqrt(alpha * horizon * math.log(k))
            table.append(dict(learner=name, alpha=int(alpha), arms=k, horizon=horizon, regret=means[-1], se=errors[-1],
                              sqrt_alpha_T_lnK=rate, share_of_baseline=means[-1] / base_mean))
        means = np.array(means)
        ax.errorbar(alphas, means, yerr=errors, marker=".", capsize=2, label=name)
        rates = np.sqrt(alphas * horizon * math.log(k))
        fitted = f"slope on alpha {slope(alphas, means):.2f}" if len(alphas) >= 2 and np.all(means > 0) else "no slope"
        summary.append(f"{name}, K = {k}, T = {horizon}, {seeds} seeds: R_T = " + ", ".join(
            f"{m:.1f} (alpha = {a})" for a, m in zip(alphas, means)) + f"; {fitted}; R_T / sqrt(alpha T ln K) = "
            + ", ".join(f"{m / q:.2f}" for m, q in zip(means, rates)) + "; "
            f"{means[0] / base_mean:.2f} (alpha = {alphas[0]}) to {means[-1] / base_mean:.2f} (alpha = {alphas[-1]}) of {sizes['baseline']}'s")
    table.append(dict(learner=sizes["baseline"], alpha=k, arms=k, horizon=horizon, regret=base_mean,
                      se=float(base.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else float("nan"),
                      sqrt_alpha_T_lnK=math.sqrt(k * horizon * math.log(k)), share_of_baseline=1.0))
    summary.append(f"{sizes['baseline']} (bandit feedback, K = {k}): R_T = {base_mean:.1f}; sqrt(K T ln K) = "
                   f"{math.sqrt(k * horizon * math.log(k)):.1f}")
    ax.axhline(base_mean, color="gray", lw=1, label=f"{sizes['baseline']} (bandit feedback)")
    fine = np.geomspace(alphas[0], alphas[-1], 100)
    ax.plot(fine, np.sqrt(fine * horizon * math.log(k)), "k--", lw=1, label="sqrt(alpha T ln K)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(f"independence number alpha ({k} arms in alpha cliques)")
    ax.set_ylabel(f"pseudo-regret at T = {horizon:,}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
