"""Figure: best-arm identification, with a fixed budget and with a fixed confidence.

Left: Bernoulli arms (by default Audibert, Bubeck and Munos's "one best, a group close behind, the rest
further" shape: 0.5, five at 0.45, fourteen at 0.4), probability of error P(J_T != best) against the
budget T on log-log axes, over seeds: ``successive_rejects``, ``sequential_halving`` and
``top_two_thompson`` spend the budget on telling the arms apart; ``ucb1`` spends it on low regret and
recommends its most played arm.  Dotted: successive rejects' bound K (K - 1) / 2 exp(-(T - K) /
(logbar(K) H_2)) where it is below 1 (their Theorem 2), H_2 = max_i i Delta_(i)^-2.
Right: ``lucb`` at confidence delta: mean plays until it stops (left axis) against ln(1/delta), with a
line of slope H_1 = sum_k Delta_k^-2 for scale (the summary fits the slope), and its observed error rate
beside delta itself (the summary reports the share of seeds that stopped within the horizon).
Successive rejects' bound is drawn where it falls below 1 (at these budgets it does not on the default arms).

olearn run experiments/bandits/best_arm.toml   (or: python experiments/bandits/best_arm.py [--small] [--out DIR])
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


def gaps(means):
    """Delta_k = max mu - mu_k, the best arm's own gap being the smallest other one."""
    means = np.asarray(means, float)
    d = means.max() - means
    d[np.argmax(means)] = np.min(d[d > 0])
    return d


def rejects_bound(means, budget):
    """K (K - 1) / 2 exp(-(T - K) / (logbar(K) H_2))."""
    k = len(means)
    ordered = np.sort(gaps(means))
    h2 = max((i + 1) / ordered[i] ** 2 for i in range(k))
    logbar = 0.5 + sum(1 / i for i in range(2, k + 1))
    return k * (k - 1) / 2 * math.exp(-(budget - k) / (logbar * h2))


def build(sizes):
    backend, seeds = sizes["backend"], sizes["seeds"]
    means, budgets = sizes["means"], sizes["budgets"]
    env = environments.make("bernoulli", means=means)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    table, summary = [], []
    for name in sizes["learners"]:
        errors = []
        for budget in budgets:
            res = olearn.run(olearn.make(name), env, horizon=budget, seeds=seeds, metrics=["misidentified", "simple_regret"],
                             checkpoints=[budget], backend=backend, progress=False)
            wrong, simple = res.final("misidentified")[0], res.final("simple_regret")[0]
            errors.append(wrong.mean())
            table.append(dict(panel="fixed budget", learner=name, budget=budget, delta=float("nan"), error=float(wrong.mean()),
                              se=float(wrong.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else float("nan"),
                              simple_regret=float(simple.mean()), plays=float(budget), stopped=float("nan")))
        left.plot(budgets, np.maximum(errors, 0.5 / seeds), marker=".", label=name)
        summary.append(f"fixed budget: {name} P(error) " + ", ".join(f"{e:.3f} at T = {b:,}" for e, b in zip(errors, budgets)))
    bound = np.array([rejects_bound(means, b) for b in budgets])
    shown = bound < 1
    if shown.any():
        left.plot(np.array(budgets)[shown], bound[shown], "k:", lw=1, label="successive rejects' bound")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("budget T")
    left.set_ylabel(f"P(recommendation is not the best arm), {seeds} seeds")
    left.set_title(f"fixed budget: K = {len(means)} Bernoulli arms", fontsize=9)
    left.legend(fontsize=7)

    cmeans, deltas = sizes["confidence_means"], sizes["deltas"]
    cenv = environments.make("bernoulli", means=cmeans)
    h1 = float(np.sum(gaps(cmeans) ** -2.0))
    plays, wrong_rates = [], []
    n_seeds = sizes["confidence_seeds"]
    for delta in deltas:
        res = olearn.run(olearn.make("lucb", delta=delta), cenv, horizon=sizes["confidence_horizon"], seeds=n_seeds,
                         metrics=["stopping_time", "misidentified"], backend=backend, progress=False)
        stop, wrong = res.final("stopping_time")[0], res.final("misidentified")[0]
        done = np.isfinite(stop)
        plays.append(float(np.mean(stop[done])) if done.any() else float("nan"))
        wrong_rates.append(float(wrong.mean()))
        table.append(dict(panel="fixed confidence", learner="lucb", budget=sizes["confidence_horizon"], delta=delta,
                          error=wrong_rates[-1], se=float(wrong.std(ddof=1) / math.sqrt(n_seeds)) if n_seeds > 1 else float("nan"),
                          simple_regret=float("nan"), plays=plays[-1], stopped=float(done.mean())))
        summary.append(f"fixed confidence: lucb at delta = {delta:g} stops after {plays[-1]:,.0f} plays on average "
                       f"({done.mean():.0%} of seeds stopped), error rate {wrong_rates[-1]:.4f} (allowed {delta:g})")
    x = np.log(1 / np.array(deltas))
    right.plot(x, plays, marker="o", color="C0", label="lucb: mean plays until it stops")
    right.plot(x, plays[0] + h1 * (x - x[0]), "C0:", lw=1, label=f"slope H_1 = sum Delta^-2 = {h1:.0f}")
    if len(x) > 1 and np.all(np.isfinite(plays)):
        summary.append(f"fixed confidence: plays until stopping grow by {np.polyfit(x, plays, 1)[0]:.0f} per unit of "
                       f"ln(1/delta) (H_1 = {h1:.0f}; LUCB1's threshold also grows like 4 ln t)")
    right.set_xlabel("ln(1 / delta)")
    right.set_ylabel("plays until stopping")
    right.set_title(f"fixed confidence: K = {len(cmeans)} Bernoulli arms", fontsize=9)
    twin = right.twinx()
    twin.plot(x, wrong_rates, marker="s", color="C3", label="lucb: error rate")
    twin.plot(x, deltas, "C3:", lw=1, label="delta")
    twin.set_ylabel("error rate", color="C3")
    right.legend(fontsize=7, loc="upper left")
    twin.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
