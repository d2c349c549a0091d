"""Figure: Exp3, Exp3-IX and Exp3.P on a stochastic bandit, regret against the gap.

Lattimore and Szepesvari's Exercise 12.3 (their figure 12.1): k = 5 Bernoulli arms, n = 10,000 rounds,
mean rewards 1/2 for the first arm and 1/2 - Delta for the others, Delta from 0 to 1/2.  Exp3 with
eta = sqrt(2 ln k / (n k)) (their Theorem 11.2: regret <= sqrt(2 n k ln k), drawn dashed) and Exp3-IX with
the same eta and gamma = eta / 2; Exp3.P (Auer et al. 2002, delta = 0.01) beside them.  These learners
assume nothing stochastic: with eta fixed by n and k they learn at a pace set by eta, not by the gap, so past
Delta ~ 0.1 the regret of Exp3 and Exp3-IX stays about flat instead of falling like UCB's ln n / Delta, and
Exp3-IX's implicit exploration (estimates biased down for rarely played arms) costs it more than Exp3 in
expectation.  Exp3.P adds alpha / (p_k sqrt(k n)) to every arm's estimate each round, which keeps each worse
arm's probability near the level where that bonus matches the best arm's gain, so its regret grows with
Delta: the price of its high-probability guarantee at this horizon.  Each point is the mean pseudo-regret
over the seeds with its 95% interval; the dotted line is the 99th percentile over seeds.

olearn run experiments/bandits/exp3_vs_gap.toml   (or: python experiments/bandits/exp3_vs_gap.py [--small] [--out DIR])
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


def exp3_bound(n_arms, horizon):
    """Lattimore and Szepesvari, Theorem 11.2: sqrt(2 n k ln k)."""
    return math.sqrt(2 * horizon * n_arms * math.log(n_arms))


def build(sizes):
    backend, horizon, seeds, k = sizes["backend"], sizes["horizon"], sizes["seeds"], sizes["arms"]
    gaps = np.linspace(0.0, 0.5, sizes["gaps"])
    fig, (ax, near) = plt.subplots(1, 2, figsize=(11, 4))
    table, peaks = [], []
    for i, name in enumerate(sizes["learners"]):
        means, halves, tails = [], [], []
        for gap in gaps:
            env = environments.make("bernoulli", means=[0.5] + [0.5 - gap] * (k - 1))
            r = olearn.run(olearn.make(name), env, horizon=horizon, seeds=seeds, metrics=["pseudo_regret"],
                           checkpoints=[horizon], backend=backend, progress=False).final("pseudo_regret")[0]
            means.append(r.mean())
            halves.append(1.96 * r.std(ddof=1) / math.sqrt(seeds))
            tails.append(np.quantile(r, 0.99))
            table.append(dict(learner=name, gap=float(gap), regret=float(r.mean()), half_width=halves[-1],
                              q99=float(tails[-1])))
        for panel in (ax, near):
            (h,) = panel.plot(gaps, means, "-", marker="osD^"[i % 4], ms=4, label=name)
            panel.fill_between(gaps, np.array(means) - halves, np.array(means) + halves, color=h.get_color(), alpha=0.2, lw=0)
            panel.plot(gaps, tails, ":", color=h.get_color(), lw=1)
        top = int(np.argmax(means))
        peaks.append(f"{name}: largest mean regret {means[top]:.1f} at Delta = {gaps[top]:.2f} (99th percentile "
                     f"{tails[top]:.1f}); {means[-1]:.1f} at Delta = {gaps[-1]:.2f}")
    bound = exp3_bound(k, horizon)
    for panel in (ax, near):
        panel.axhline(bound, color="black", ls="--", lw=1, label="sqrt(2 n k ln k) (Thm 11.2)")
        panel.set_xlabel("Delta (mean rewards 1/2 and 1/2 - Delta)")
        panel.set_ylabel(f"pseudo-regret at n = {horizon:,}")
        panel.grid(True, alpha=0.3)
    ax.set_title(f"k = {k} Bernoulli arms, {seeds:,} seeds (dotted: 99th percentile)")
    near.set_ylim(0.0, 1.3 * bound)
    near.set_title("the same, up to 1.3 times the bound")
    ax.legend(fontsize=7)
    fig.tight_layout()
    summary = [f"k = {k}, n = {horizon:,}, {seeds:,} seeds; Exp3's bound sqrt(2 n k ln k) = {bound:.1f}"] + peaks
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
