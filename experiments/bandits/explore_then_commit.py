"""Figure: explore-then-commit on two Gaussian arms, regret against the exploration length m.

Arms with rewards N(0, 1) and N(-Delta, 1), T = 1,000, Delta = 0.1 (the experiment of Lattimore and
Szepesvari's figure 6.1).  Explore-then-commit plays each arm m times and then, for the T - 2m rounds
left, the arm whose m rewards have the larger mean.  The difference of the two means is N(Delta, 2 / m),
so the expected regret is exactly

    R(m) = m Delta + (T - 2m) Delta Phi(-Delta sqrt(m / 2)),

drawn as a line; Theorem 6.1's bound replaces Phi(-Delta sqrt(m / 2)) by exp(-m Delta^2 / 4) (dashed).
Too little exploration commits to the wrong arm too often, too much pays Delta on every exploration round
of the worse arm; the summary gives the best m measured and by the formula, and UCB1 and the default m
(ceil((T / K)^(2/3))) on the same arms for comparison.

olearn run experiments/bandits/explore_then_commit.toml   (or: python experiments/bandits/explore_then_commit.py [--small] [--out DIR])
"""
import math
import sys
from pathlib import Path
from statistics import NormalDist

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402


def exact_regret(m, gap, horizon, sigma=1.0):
    """m Delta + (T - 2m) Delta Phi(-Delta sqrt(m / 2) / sigma): explore-then-commit on two Gaussian arms."""
    return m * gap + (horizon - 2 * m) * gap * NormalDist().cdf(-gap * math.sqrt(m / 2) / sigma)


def theorem_bound(m, gap, horizon, sigma=1.0):
    """Lattimore and Szepesvari, Theorem 6.1, two arms: m Delta + (T - 2m) Delta exp(-m Delta^2 / (4 sigma^2))."""
    return m * gap + (horizon - 2 * m) * gap * math.exp(-m * gap**2 / (4 * sigma**2))


def final_regret(learner, env, horizon, seeds, backend):
    result = olearn.run(learner, env, horizon=horizon, seeds=seeds, metrics=["pseudo_regret"], checkpoints=[horizon],
                        backend=backend, progress=False)
    return result.final("pseudo_regret")[0]


def build(sizes):
    backend, horizon, gap, sigma, seeds = sizes["backend"], sizes["horizon"], sizes["gap"], sizes["sigma"], sizes["seeds"]
    ms = np.array([m for m in sizes["ms"] if 2 * m <= horizon])
    env = environments.make("gaussian", means=[0.0, -gap], sigma=sigma)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    table, means, halves = [], [], []
    for m in ms:
        r = final_regret(olearn.make("explore_then_commit", m=int(m)), env, horizon, seeds, backend)
        se = r.std(ddof=1) / np.sqrt(seeds)
        exact = exact_regret(m, gap, horizon, sigma)
        means.append(r.mean())
        halves.append(1.96 * se)
        z = (r.mean() - exact) / se if 2 * m < horizon else float("nan")  # 2m = T: every seed pays m Delta
        table.append(dict(m=int(m), regret=float(r.mean()), se=float(se), exact=exact, z=float(z),
                          bound=theorem_bound(m, gap, horizon, sigma)))
    means, halves = np.array(means), np.array(halves)
    ax.errorbar(ms, means, yerr=halves, fmt="o", ms=3, label=f"explore-then-commit ({seeds:,} seeds, 95%)")
    fine = np.arange(1, horizon // 2 + 1)
    exact = np.array([exact_regret(m, gap, horizon, sigma) for m in fine])
    ax.plot(fine, exact, "k-", lw=1, label="exact: m D + (T - 2m) D Phi(-D sqrt(m/2))")
    ax.plot(fine, [theorem_bound(m, gap, horizon, sigma) for m in fine], "k--", lw=1, label="Theorem 6.1 bound")
    ucb = final_regret(olearn.make("ucb1"), env, horizon, seeds, backend)
    default_learner = olearn.make("explore_then_commit")
    default = final_regret(default_learner, env, horizon, seeds, backend)
    ax.axhline(ucb.mean(), color="tab:green", lw=1, label="UCB1")
    ax.set_xscale("log")
    ax.set_xlabel("m (plays of each arm before committing)")
    ax.set_ylabel(f"pseudo-regret at T = {horizon:,} (Delta = {gap})")
    ax.legend(fontsize=7)
    fig.tight_layout()
    z = np.array([row["z"] for row in table])
    best = int(np.argmin(means))
    m_star = int(fine[np.argmin(exact)])
    m_default = int(default_learner.bind(env.n_actions, env.obs_dim, horizon)[0][0, 1])  # the learner's own default m
    summary = [
        f"T = {horizon}, Delta = {gap}: measured regret {means.min():.2f} at best (m = {ms[best]}); the formula's best m is "
        f"{m_star} ({exact.min():.2f})",
        f"measured against the exact formula: |z| <= {np.nanmax(np.abs(z)):.2f} over the {int(np.isfinite(z).sum())} values of m "
        f"with random regret",
        f"default m = {m_default}: {default.mean():.2f} (exact {exact_regret(m_default, gap, horizon, sigma):.2f}); "
        f"UCB1: {ucb.mean():.2f}; committing after one play each (m = 1): {means[0]:.2f}",
    ]
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
