"""Figure: best-arm identification, with a fixed budget and with a fixed confidence.

Left: Bernoulli arms (by default Audibert, Bubeck and Munos's "one best, a group close behind, the rest
further" shape: 0.5, five at 0.45, fourteen at 0.4), probability of error P(J_T != best) against the
budget T on log-log axes, over seeds: ``successive_rejects``, ``sequential_halving`` and
``top_two_thompson`` spend the budget on telling the arms apart; ``ucb1`` spends it on low regret and
recommends its most played arm.  Dotted: successive rejects' bound K (K - 1) / 2 exp(-(T - K) /
(logbar(K) H_2)) where it is below 1 (their Theorem 2), H_2 = max_i i Delta_(i)^-2.
Right: ``lucb`` and ``track_and_stop`` at confidence delta: mean plays until they stop (left axis, log scale)
against ln(1/delta), with lines of slope H_1 = sum_k Delta_k^-2 (LUCB) and T*(mu), the constant of Garivier and
Kaufmann's lower bound E[tau] >= T*(mu) ln(1 / (2.4 delta)) (track-and-stop) for scale (the summary fits the
slopes), and their observed error rates beside delta itself (right axis, log scale; the summary reports the
share of seeds that stopped within the horizon, and track-and-stop's plays as a share of LUCB's).
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
from olearn.learners import best_arm  # noqa: E402
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


#: the fixed-confidence learners, each with the constant its plays until stopping should grow by per unit of ln(1/delta)
CONFIDENCE = (("lucb", "H_1", "H_1 = sum Delta^-2"), ("track_and_stop", "T*(mu)", "T*(mu)"))
THRESHOLDS = {"lucb": "LUCB1's threshold also grows like 4 ln t",
              "track_and_stop": "its threshold ln((ln t + 1) / delta) adds only ln ln t"}


def characteristic_time(means):
    """T*(mu) = 1 / (w*_1 y*) for Bernoulli arms: at Garivier and Kaufmann's optimal proportions w* every challenger's
    w_1 d(mu_1, m_a) + w_a d(mu_a, m_a) equals w*_1 y* (track_and_stop's own kernel computes w* and y*)."""
    k = len(means)
    state = np.zeros(3 * k + 5)
    state[:k], state[k : 2 * k] = 1.0, 1.0 - np.asarray(means, float)
    best = int(np.argmax(means))
    y = best_arm.optimal_weights(state, k, best, 0.0, 0.5, 2 * k + 5)
    return 1.0 / (state[2 * k + 5 + best] * y)


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
    t_star = characteristic_time(cmeans)
    n_seeds = sizes["confidence_seeds"]
    x = np.log(1 / np.array(deltas))
    twin = right.twinx()
    zero = 0.25 / n_seeds  # where an error rate of 0 is drawn, at the bottom of the log axis
    mean_plays, all_stopped = {}, {}
    for colour, (name, constant, label) in zip(("C0", "C2"), CONFIDENCE):
        plays, wrong_rates, all_stopped[name] = [], [], True
        for delta in deltas:
            res = olearn.run(olearn.make(name, delta=delta), cenv, horizon=sizes["confidence_horizon"], seeds=n_seeds,
                             metrics=["stopping_time", "misidentified"], backend=backend, progress=False)
            stop, wrong = res.final("stopping_time")[0], res.final("misidentified")[0]
            done = np.isfinite(stop)
            all_stopped[name] &= bool(done.all())
            plays.append(float(np.mean(stop[done])) if done.any() else float("nan"))
            wrong_rates.append(float(wrong.mean()))
            table.append(dict(panel="fixed confidence", learner=name, budget=sizes["confidence_horizon"], delta=delta,
                              error=wrong_rates[-1], se=float(wrong.std(ddof=1) / math.sqrt(n_seeds)) if n_seeds > 1 else float("nan"),
                              simple_regret=float("nan"), plays=plays[-1], stopped=float(done.mean())))
            summary.append(f"fixed confidence: {name} at delta = {delta:g} stops after {plays[-1]:,.0f} plays on average "
                           f"({done.mean():.0%} of seeds stopped), error rate {wrong_rates[-1]:.4f} (allowed {delta:g})")
        mean_plays[name] = np.array(plays)
        scale = {"H_1": h1, "T*(mu)": t_star}[constant]
        right.plot(x, plays, marker="o", color=colour, label=f"{name}: mean plays until it stops")
        right.plot(x, plays[0] + scale * (x - x[0]), f"{colour}:", lw=1, label=f"slope {label} = {scale:.0f}")
        twin.plot(x, np.maximum(wrong_rates, zero), marker="s", ms=4, color=colour, ls="--", label=f"{name}: error rate")
        if len(x) > 1 and np.all(np.isfinite(plays)):
            summary.append(f"fixed confidence: {name}'s plays until stopping grow by {np.polyfit(x, plays, 1)[0]:.0f} per unit of "
                           f"ln(1/delta) ({constant} = {scale:.0f}; {THRESHOLDS[name]})")
    if all_stopped["lucb"] and all_stopped["track_and_stop"]:  # else a mean over the seeds that stopped is biased
        ratio = mean_plays["track_and_stop"] / mean_plays["lucb"]
        summary.append(f"fixed confidence: track_and_stop stops after {ratio.min():.1%} to {ratio.max():.1%} of lucb's plays "
                       f"at the same delta")
    right.set_yscale("log")
    right.set_xlabel("ln(1 / delta)")
    right.set_ylabel("plays until stopping")
    right.set_title(f"fixed confidence: K = {len(cmeans)} Bernoulli arms", fontsize=9)
    twin.plot(x, deltas, "C3:", lw=1, label="delta")
    twin.set_yscale("log")
    twin.set_ylim(min(zero, min(deltas) / 3) / 1.2, 1)
    twin.set_ylabel(f"error rate ({n_seeds} seeds; 0 drawn at the bottom)", color="C3")
    right.legend(fontsize=6, loc="upper left")
    twin.legend(fontsize=6, loc="center right")
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
