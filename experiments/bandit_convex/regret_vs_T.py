"""Figure: bandit convex optimization, mean regret against T (log-log), with fitted slopes and the theorems' rates.

Only the loss value f_t(y_t) at the played point is seen.  Two worlds on the unit ball in R^d, noise-free:

(a) linear losses f_t(x) = <theta, x>, ||theta|| = 1 (|f| <= C = 1, L = 1): ``bandit_ogd`` (Flaxman, Kalai and
    McMahan 2005: one-point gradient estimates, E[regret] <= 2 T^(3/4) sqrt(3 R d C (L + C/r))), ``scrible``
    (Abernethy, Hazan and Rakhlin 2008: FTRL with the ball's self-concordant barrier, Dikin-ellipsoid exploration,
    E[regret] <= 16 C d sqrt(T ln T)) and ``ogd`` with the full gradient (step D / sqrt(T), the full-information
    baseline, O(sqrt(T)));
(b) quadratic losses f_t(x) = 1/2 ||x - theta||^2, ||theta|| = 1/2 inside the ball (C = 1.125, L = 1.5):
    ``bandit_ogd`` and ``ogd`` (SCRiBLe is for linear losses).

Every learner is tuned to each horizon T (their steps are set from T), one run per T.  The theorems' bounds are
drawn dashed (``olearn.learners.bandit_convex.regret_bound`` and ``scrible_regret_bound``) and the rates T^(3/4) and
T^(1/2) dotted through the last point; the summary gives each curve's least-squares slope of log regret on log T
(all T, and the upper half), its regret at the largest T and its largest ratio to its bound.

olearn run experiments/bandit_convex/regret_vs_T.toml   (or: python experiments/bandit_convex/regret_vs_T.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402
from olearn.learners.bandit_convex import regret_bound, scrible_regret_bound  # noqa: E402

WORLDS = {  # name -> (sea world, its values, C, L)
    "(a) linear <theta, x>, ||theta|| = 1": ("sea_linear", {"kappa": 1.0}, 1.0, 1.0),
    "(b) quadratic 1/2 ||x - theta||^2, ||theta|| = 1/2": ("sea_quadratic", {"kappa": 0.5}, 1.125, 1.5),
}
STYLE = {"bandit_ogd": "C0", "scrible": "C3", "ogd (full gradient)": "k"}


def learners(world, C, L):
    made = {"bandit_ogd": olearn.make("bandit_ogd", loss_bound=C, lipschitz=L)}
    if world.startswith("(a)"):
        made["scrible"] = olearn.make("scrible", loss_bound=C)
    made["ogd (full gradient)"] = olearn.make("ogd", schedule="fixed", eta=1.0 / L)  # eta D / sqrt(T), eta = 1/G
    return made


def bound(name, T, dim, C, L):
    if name == "bandit_ogd":
        return regret_bound(T, dim, loss_bound=C, lipschitz=L)
    if name == "scrible":
        return scrible_regret_bound(T, dim, loss_bound=C)
    return None


def slope(x, y):
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def build(sizes):
    backend, seeds, dim = sizes["backend"], sizes["seeds"], sizes["dim"]
    horizons = np.unique(np.geomspace(sizes["horizon_min"], sizes["horizon_max"], sizes["horizons"]).round().astype(int))
    fig, axes = plt.subplots(1, len(WORLDS), figsize=(6.0 * len(WORLDS), 4.6))
    table, summary = [], [f"d = {dim}, unit ball, {seeds} seeds, T = {horizons[0]:,} .. {horizons[-1]:,}"]
    for ax, (world, (env_name, values, C, L)) in zip(axes, WORLDS.items()):
        env = environments.make(env_name, dim=dim, noise=0.0, drift="fixed", **values)
        for name, learner in learners(world, C, L).items():
            mean, se = [], []
            for T in horizons:
                res = olearn.run(learner, env, horizon=int(T), seeds=seeds, backend=backend, metrics=["regret"],
                                 checkpoints=[int(T)], progress=False)
                r = res.final("regret")[0]
                mean.append(r.mean())
                se.append(r.std(ddof=1) / np.sqrt(seeds) if seeds > 1 else 0.0)
                table.append(dict(world=world, learner=name, T=int(T), regret=float(r.mean()), se=float(se[-1]),
                                  bound=float(bound(name, int(T), dim, C, L) or np.nan)))
            mean = np.array(mean)
            whole, upper = slope(horizons, mean), slope(horizons[len(horizons) // 2 :], mean[len(horizons) // 2 :])
            ax.errorbar(horizons, mean, yerr=se, marker="o", ms=3, color=STYLE[name], label=f"{name} (slope {whole:.2f})")
            line = f"{world} | {name}: slope {whole:.3f} (upper half {upper:.3f}), regret {mean[-1]:,.1f} at T = {horizons[-1]:,}"
            bounds = [bound(name, int(T), dim, C, L) for T in horizons]
            if bounds[0] is not None:
                ax.plot(horizons, bounds, ls="--", lw=1, color=STYLE[name], label=f"{name}'s bound")
                line += f", at most {np.max(mean / np.array(bounds)):.3f} of its bound"
            summary.append(line)
            rate = 0.75 if name == "bandit_ogd" else 0.5
            ax.plot(horizons, mean[-1] * (horizons / horizons[-1]) ** rate, ls=":", lw=1, color=STYLE[name],
                    label=f"T^{rate:g} through the last point")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("T (each learner tuned to T)")
        ax.set_ylabel("mean regret at T")
        ax.set_title(world, fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
