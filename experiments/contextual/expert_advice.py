"""Figure: Exp4 (contextual bandits with expert advice) against its regret bound.

World: ``linear_contextual`` with K = 3 given arms theta_k in R^2 (contexts uniform on the circle, Bernoulli
rewards 1/2 + 1/2 theta_k . x).  Experts: N linear policies argmax_k W_n[k] . x, the first being the best policy
W_0 = theta and the others drawn with i.i.d. N(0, 1) entries (the same draws for every N, rng seed 0), so the
best expert is the best policy and the engine's ``dynamic_regret`` (sum over rounds of the best policy's mean loss
minus the played arm's) is the pseudo-regret against the best expert.
Left: regret over time for ``exp4`` (N = experts_over_time) and ``exp3`` (which competes with fixed arms only,
so its regret against the best policy grows linearly), with Exp4's bound sqrt(2 T K ln N) at the horizon T
(Lattimore and Szepesvari, Bandit Algorithms, Theorem 18.1; eta is tuned for T, so the bound is for T only).
Right: the final regret at T against N on log axes, with the bound sqrt(2 T K ln N).

olearn run experiments/contextual/expert_advice.toml   (or: python experiments/contextual/expert_advice.py [--small] [--out DIR])
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


def policies(theta, n):
    """The (N K) x d matrix of N linear experts: theta first, then N - 1 with standard normal entries."""
    theta = np.asarray(theta, float)
    k, d = theta.shape
    others = np.random.default_rng(0).normal(size=(255 * k, d))[: (n - 1) * k]
    return np.vstack([theta, others])


def build(sizes):
    backend, seeds, horizon = sizes["backend"], sizes["seeds"], sizes["horizon"]
    theta = np.asarray(sizes["theta"], float)
    k = theta.shape[0]
    env = environments.make("linear_contextual", theta=theta)
    checkpoints = np.unique(np.geomspace(10, horizon, 12).astype(int))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    table, summary = [], []
    n_time = sizes["experts_over_time"]
    for name, extra, label in (("exp4", {"policies": policies(theta, n_time)}, f"exp4, N = {n_time}"),
                               ("exp3", {}, "exp3 (fixed arms)")):
        res = olearn.run(olearn.make(name, **extra), env, horizon=horizon, seeds=seeds, metrics=["dynamic_regret"],
                         checkpoints=checkpoints, backend=backend, progress=False)
        regret = res.metric("dynamic_regret")[0]
        mean, se = regret.mean(axis=0), regret.std(axis=0, ddof=1) / math.sqrt(seeds) if seeds > 1 else 0 * regret[0]
        left.errorbar(checkpoints, mean, yerr=se, marker=".", capsize=2, label=label)
        summary.append(f"{label}: regret against the best policy {mean[-1]:.1f} +- {se[-1]:.1f} at T = {horizon:,}")
    left.plot([horizon], [math.sqrt(2 * horizon * k * math.log(n_time))], "kx", ms=8,
              label=f"bound sqrt(2 T K ln N) at T, N = {n_time}")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("round t")
    left.set_ylabel(f"regret against the best expert, mean of {seeds} seeds")
    left.set_title(f"linear_contextual, K = {k}, d = {theta.shape[1]}", fontsize=9)
    left.legend(fontsize=7)

    ns = np.array(sizes["n_experts"])
    finals = []
    for n in ns:
        res = olearn.run(olearn.make("exp4", policies=policies(theta, int(n))), env, horizon=horizon, seeds=seeds,
                         metrics=["dynamic_regret"], checkpoints=[horizon], backend=backend, progress=False)
        final = res.final("dynamic_regret")[0]
        bound = math.sqrt(2 * horizon * k * math.log(n))
        finals.append(float(final.mean()))
        table.append(dict(n_experts=int(n), horizon=horizon, regret=finals[-1],
                          se=float(final.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else float("nan"), bound=bound))
        summary.append(f"exp4, N = {n}: regret {finals[-1]:.1f} at T = {horizon:,}, bound sqrt(2 T K ln N) = {bound:.1f} "
                       f"({finals[-1] / bound:.0%} of it)")
    right.plot(ns, finals, marker="o", label="exp4: regret at T")
    right.plot(ns, np.sqrt(2 * horizon * k * np.log(ns)), "k:", lw=1, label="sqrt(2 T K ln N)")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("number of experts N")
    right.set_ylabel(f"regret at T = {horizon:,}")
    right.set_title("the best policy plus N - 1 random linear experts", fontsize=9)
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
