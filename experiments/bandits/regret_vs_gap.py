"""Figure: stochastic bandits' regret against the problem's parameters, with the theory drawn in.

Left: two Bernoulli arms at 1/2 + Delta/2 and 1/2 - Delta/2, pseudo-regret at T against Delta on log-log
axes.  Small gaps cannot be told apart in T rounds and cost about Delta T / 2 (each arm half the time,
dotted); large gaps cost about ln T / Delta.  Lai and Robbins (1985): a consistent policy's regret is at
least (1 - o(1)) Delta ln T / kl(mu_2, mu_1) (kl the Bernoulli relative entropy; dashed), which KL-UCB
and Thompson sampling attain asymptotically (Garivier and Cappe 2011; Kaufmann, Korda and Munos 2012)
and UCB1 within a constant (its analysis: 8 ln T / Delta).  The summary fits the slope of log R_T on
log Delta over the gaps at least twice the peak's (-1 for ln T / Delta; the slopes measured at T = 10^4
are flatter, -0.6 to -0.85 for the index policies and Thompson sampling).
Right: the minimax construction (one hidden arm better by Delta = sqrt(K / T) / 2, the rest at 1/2),
R_T / sqrt(T) against K, with the regret of playing uniformly, Delta T (1 - 1/K) (dotted), and a slope of 1/2,
the sqrt(K T) lower bound of Auer et al. (2002) (dashed).  At this gap a policy that finds the good arm
within T rounds pays less than uniform play; none can for large K (the lower bound's argument), so every
learner's curve climbs to the dotted one, and its fitted slope exceeds 1/2 over this range of K.

olearn run experiments/bandits/regret_vs_gap.toml   (or: python experiments/bandits/regret_vs_gap.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402


def kl_bernoulli(p, q):
    """kl(p, q) = p ln(p / q) + (1 - p) ln((1 - p) / (1 - q)) for p, q in (0, 1)."""
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def lai_robbins(gap, horizon):
    """Delta ln T / kl(mu_2, mu_1) for two arms at 1/2 +- Delta/2: the asymptotic lower bound's leading term."""
    return gap * np.log(horizon) / kl_bernoulli(0.5 - gap / 2, 0.5 + gap / 2)


def final_pseudo_regret(learner, env, horizon, seeds, backend):
    result = olearn.run(olearn.make(learner), env, horizon=horizon, seeds=seeds, metrics=["pseudo_regret"],
                        checkpoints=[horizon], backend=backend, progress=False)
    return result.final("pseudo_regret")[0]


def slope(x, y):
    """Least-squares slope of log y on log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def build(sizes):
    backend, horizon, seeds = sizes["backend"], sizes["horizon"], sizes["seeds"]
    gaps = np.geomspace(sizes["gap_min"], sizes["gap_max"], sizes["gaps"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    table, summary = [], []
    for name in sizes["learners"]:
        means = []
        for gap in gaps:
            env = environments.make("bernoulli", means=[0.5 + gap / 2, 0.5 - gap / 2])
            r = final_pseudo_regret(name, env, horizon, seeds, backend)
            means.append(r.mean())
            table.append(dict(panel="gap", learner=name, gap=float(gap), arms=2, horizon=horizon, regret=float(r.mean()),
                              se=float(r.std(ddof=1) / np.sqrt(seeds)), lai_robbins=float(lai_robbins(gap, horizon))))
        means = np.array(means)
        left.plot(gaps, means, marker=".", label=name)
        peak = int(np.argmax(means))
        large = gaps >= 2 * gaps[peak]
        fitted = f"slope {slope(gaps[large], means[large]):.2f} over Delta >= {2 * gaps[peak]:.3g}" if large.sum() >= 2 else "too few gaps past the peak to fit"
        summary.append(f"two arms, T = {horizon}: {name} peaks at {means[peak]:.1f} (Delta = {gaps[peak]:.3g}); {fitted}; "
                       f"at Delta = {gaps[-1]:.3g}: {means[-1]:.1f}, {means[-1] / lai_robbins(gaps[-1], horizon):.2f}x Lai-Robbins")
    fine = np.geomspace(gaps[0], gaps[-1], 200)
    left.plot(fine, lai_robbins(fine, horizon), "k--", lw=1, label="Lai-Robbins: Delta ln T / kl")
    left.plot(fine, fine * horizon / 2, "k:", lw=1, label="Delta T / 2 (arms not told apart)")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_ylim(bottom=0.5)
    left.set_xlabel("gap Delta (two Bernoulli arms at 1/2 +- Delta/2)")
    left.set_ylabel(f"pseudo-regret at T = {horizon:,}")
    left.legend(fontsize=7)

    arms = np.array(sizes["arms"])
    n_seeds = sizes["arms_seeds"]
    arm_gaps = np.minimum(0.5, np.sqrt(arms / horizon) / 2)
    uniform = arm_gaps * np.sqrt(horizon) * (1 - 1 / arms)  # uniform play's regret, Delta T (1 - 1/K), over sqrt(T)
    firsts = []
    for name in sizes["learners"]:
        ratios = []
        for k, gap in zip(arms, arm_gaps):
            env = environments.make("lower_bound", n_arms=int(k), gap=float(gap))
            r = final_pseudo_regret(name, env, horizon, n_seeds, backend)
            ratios.append(r.mean() / np.sqrt(horizon))
            table.append(dict(panel="arms", learner=name, gap=float(gap), arms=int(k), horizon=horizon,
                              regret=float(r.mean()), se=float(r.std(ddof=1) / np.sqrt(n_seeds)), lai_robbins=float("nan")))
        ratios = np.array(ratios)
        firsts.append(ratios[0])
        right.plot(arms, ratios, marker=".", label=name)
        summary.append(f"minimax construction, T = {horizon}: {name} R_T / sqrt(T) from {ratios[0]:.2f} (K = {arms[0]}) to "
                       f"{ratios[-1]:.2f} (K = {arms[-1]}); slope on K {slope(arms, ratios):.2f}; "
                       f"{ratios[0] / uniform[0]:.2f} to {ratios[-1] / uniform[-1]:.2f} of uniform play's")
    right.plot(arms, uniform, "k:", lw=1, label="uniform play: Delta T (1 - 1/K)")
    # drawn through the learners' median at the fewest arms
    right.plot(arms, np.median(firsts) * np.sqrt(arms / arms[0]), "k--", lw=1, label="slope 1/2 (sqrt(K T) lower bound)")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("arms K (one better by sqrt(K / T) / 2)")
    right.set_ylabel(f"pseudo-regret / sqrt(T) at T = {horizon:,}")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
