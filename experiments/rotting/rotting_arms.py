"""Figure: rested rotting arms, the two experiments of Seznec et al. (AISTATS 2019).

Left (their figure 1): two arms with Gaussian rewards (sigma = 1), one at 0 and one at mu for its
first T/4 plays and at -mu after; the regret at T = 10,000 against the greedy oracle as the drop
L = 2 mu grows.  RAW-UCB and FEWA, whose bounds do not depend on the drop, pay most where the drop
is about the size of the noise their windows can resolve and little once it is large; UCB1's
full-history means keep the collapsed arm above the other for about T/4 more plays, so its
regret grows like mu T / 4.
Right (their figure 2): ten arms at 0 and at 0.001 sqrt(10)^i (i = 0..8), each falling to minus its
value after 1,000 plays, T = 25,000: regret against the greedy oracle over time.

Discounted UCB runs with their gamma = 0.997, sliding-window UCB with their tau = 200 and Exp3.S with
alpha = 1/T and the gamma of Auer et al.'s corollary for one switch (theirs: min(1, sqrt(K ln(KT) / T)));
the paper's wSWA (Levine et al. 2017) and the GLR change detectors are not in olearn.

olearn run experiments/rotting/rotting_arms.toml   (or: python experiments/rotting/rotting_arms.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402


def learner(name, sizes):
    own = {"discounted_ucb": {"gamma": sizes["gamma"]}, "sliding_window_ucb": {"tau": sizes["tau"]}}
    return olearn.make(name, **own.get(name, {}))


def regret(result):
    """seeds x checkpoints of dynamic_regret (the regret against the greedy oracle)."""
    return result.metric("dynamic_regret")[0]


def build(sizes):
    backend, seeds, sigma = sizes["backend"], sizes["seeds"], sizes["sigma"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    table, summary = [], []
    horizon = sizes["horizon"]
    mus = 0.01 * sizes["ratio"] ** np.arange(sizes["drops"])
    for name in sizes["learners"]:
        means, halves = [], []
        for mu in mus:
            env = environments.make("abrupt_rotting", before=[mu, 0.0], after=[-mu, 0.0], pulls=[horizon // 4, 0], sigma=sigma)
            r = regret(olearn.run(learner(name, sizes), env, horizon=horizon, seeds=seeds, metrics=["dynamic_regret"],
                                  checkpoints=[horizon], backend=backend, progress=False))[:, -1]
            means.append(r.mean())
            halves.append(1.96 * r.std(ddof=1) / np.sqrt(seeds))
            table.append(dict(figure="two arms", learner=name, L=2 * mu, horizon=horizon, regret=float(r.mean()),
                              se=float(r.std(ddof=1) / np.sqrt(seeds))))
        means, halves = np.array(means), np.array(halves)
        line, = left.plot(2 * mus, means, marker=".", label=name)
        left.fill_between(2 * mus, means - halves, means + halves, color=line.get_color(), alpha=0.15)
        peak = int(np.argmax(means))
        summary.append(f"two arms, T = {horizon}: {name} regret peaks at {means[peak]:.1f} (L = {2 * mus[peak]:.3g}); "
                       f"at L = {2 * mus[-1]:.3g} it is {means[-1]:.1f}")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("L (the arm falls from L/2 to -L/2 after T/4 plays)")
    left.set_ylabel(f"regret at T = {horizon:,} against the greedy oracle")
    left.legend(fontsize=7)

    big_t, pulls = sizes["ten_arms_horizon"], sizes["ten_arms_pulls"]
    mus = np.array([0.0] + [0.001 * np.sqrt(10) ** i for i in range(9)])
    env = environments.make("abrupt_rotting", before=mus, after=-mus, pulls=[pulls] * 10, sigma=sigma)
    checkpoints = np.unique(np.linspace(1, big_t, 60).astype(np.int64))
    for name in sizes["learners"]:
        r = regret(olearn.run(learner(name, sizes), env, horizon=big_t, seeds=seeds, metrics=["dynamic_regret"],
                              checkpoints=checkpoints, backend=backend, progress=False))
        mean, half = r.mean(axis=0), 1.96 * r.std(axis=0, ddof=1) / np.sqrt(seeds)
        line, = right.plot(checkpoints, mean, label=name)
        right.fill_between(checkpoints, mean - half, mean + half, color=line.get_color(), alpha=0.15)
        se = float(r[:, -1].std(ddof=1) / np.sqrt(seeds))
        table.append(dict(figure="ten arms", learner=name, L=float("nan"), horizon=big_t, regret=float(mean[-1]), se=se))
        summary.append(f"ten arms, T = {big_t}: {name} regret {mean[-1]:.1f} +- {1.96 * se:.1f}")
    right.set_yscale("log")
    right.set_xlabel("round")
    right.set_ylabel("regret against the greedy oracle (95% band)")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
