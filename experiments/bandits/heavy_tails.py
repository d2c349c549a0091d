"""Figure: regret against the horizon on heavy-tailed arms (robust_ucb, ucb1, moss) and on a bounded companion (all five).

Left and middle: ``heavy_tailed`` worlds, two arms with mean rewards +1/2 and -1/2 (Delta = 1) plus scale S L, S a
fair sign and L ~ Lomax(alpha), at two tail shapes: alpha = 1.5 (infinite variance; robust_ucb assumes moments of
order 1 + eps = 1.4) and alpha = 2.5 (finite variance; eps = 1).  robust_ucb (Bubeck, Cesa-Bianchi and Lugosi 2013,
known-horizon variant, delta = T^-2) is given u = max_k E|X_k|^(1 + eps), the raw moment of the reward
(environments.heavy_tailed.moment_bound).  Mean pseudo-regret over seeds against T on log-log axes, with +-1 standard
error; dotted: their Proposition 1 bound sum_k 8 (4u/Delta_k)^(1/eps) ln T + 5 Delta_k as printed, dash-dotted: the
union bound of the known-horizon variant (olearn.learners.heavy_tailed.known_horizon_regret_bound, about 2^(1 + 1/eps)
times larger), each drawn where below T Delta / 2.  The printed constant is not a bound for this variant: on the
alpha = 2.5 world robust_ucb's mean regret passes it at T >= 1e5 (the summary gives both ratios).
UCB1 and MOSS assume rewards in [0, 1]: an early large negative reward of the better arm can leave them on the worse
arm for good, so their mean regret is a few seeds' linear regret (the summary gives the share of seeds ending above
T Delta / 2); robust_ucb's regret is concentrated, but its constants (radius 4 u^(1/(1+eps)) (2 ln T / n)^(eps/(1+eps)))
make it explore for long.
Right: ``kl_ucb`` and ``imed`` use the Bernoulli divergence of rewards in [0, 1] (the engine clips their means, which is
meaningless for unbounded rewards), so they are drawn only on a bounded companion: Bernoulli arms at 0.75 and 0.25,
with all five learners (robust_ucb at eps = 1, u = max_k E X_k^2 = 0.75) and the Lai-Robbins term
ln T sum_k Delta_k / kl(mu_k, mu*) (dashed).

Learners whose parameters depend on the horizon (robust_ucb, moss) are run once per T; the others once, read at
checkpoints.

olearn run experiments/bandits/heavy_tails.toml   (or: python experiments/bandits/heavy_tails.py [--small] [--out DIR])
"""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from environments import heavy_tailed as heavy  # noqa: E402
from olearn.learners import heavy_tailed as robust  # noqa: E402
from oco_script import figure_main  # noqa: E402


def kl_bernoulli(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def anytime(learner, n_arms):
    """True when the learner's parameter row does not depend on the horizon (one run serves every T)."""
    return np.array_equal(learner.bind(n_arms, 0, 1)[0], learner.bind(n_arms, 0, 2)[0])


def regret_by_horizon(learner, env, horizons, seeds, backend):
    """Pseudo-regret at each horizon, shape (seeds, horizons): one run read at checkpoints, or one run per T."""
    kw = dict(seeds=seeds, metrics=["pseudo_regret"], backend=backend, progress=False)
    if anytime(learner, env.n_actions):
        return olearn.run(learner, env, horizon=horizons[-1], checkpoints=list(horizons), **kw).metric("pseudo_regret")[0]
    return np.stack([olearn.run(learner, env, horizon=T, checkpoints=[T], **kw).final("pseudo_regret")[0] for T in horizons], axis=1)


def panel(ax, env, learners, horizons, seeds, backend, title, table, summary, bound=None, union_bound=None):
    means = np.asarray(env.values["means"], float)
    gap = means.max() - means.min()
    mean_regret = {}
    for name, learner in learners.items():
        regret = regret_by_horizon(learner, env, horizons, seeds, backend)
        m = regret.mean(axis=0)
        se = regret.std(axis=0, ddof=1) / math.sqrt(regret.shape[0]) if regret.shape[0] > 1 else np.zeros_like(m)
        stuck = (regret > np.asarray(horizons) * gap / 2).mean(axis=0)
        mean_regret[name] = m
        line, = ax.plot(horizons, m, marker=".", label=name)
        ax.fill_between(horizons, np.maximum(m - se, 1e-9), m + se, color=line.get_color(), alpha=0.2)
        for i, T in enumerate(horizons):
            table.append(dict(world=title, learner=name, horizon=int(T), regret=float(m[i]), se=float(se[i]),
                              share_above_half_linear=float(stuck[i]), worst_seed=float(regret[:, i].max()),
                              bound=float(bound(T)) if bound is not None and name == "robust_ucb" else float("nan")))
        summary.append(f"{title}: {name} regret " + ", ".join(f"{m[i]:,.0f} ± {se[i]:,.0f}" for i in range(len(horizons)))
                       + " at T = " + ", ".join(f"{T:,}" for T in horizons)
                       + (f"; seeds above T Delta / 2 at the largest T: {stuck[-1]:.1%}" if stuck[-1] > 0 else ""))
    if bound is not None:
        b = np.array([bound(T) for T in horizons])
        shown = b < np.asarray(horizons) * gap / 2
        if shown.any():
            ax.plot(np.asarray(horizons)[shown], b[shown], "k:", marker="x", ms=4, lw=1, label="robust_ucb: Prop. 1 bound (printed)")
    if union_bound is not None:
        b = np.array([union_bound(T) for T in horizons])
        shown = b < np.asarray(horizons) * gap / 2
        if shown.any():
            ax.plot(np.asarray(horizons)[shown], b[shown], "k-.", marker="+", ms=5, lw=1, label="robust_ucb: known-horizon union bound")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("horizon T")
    ax.set_title(title, fontsize=9)
    return mean_regret


def build(sizes):
    backend, seeds, horizons = sizes["backend"], sizes["seeds"], sorted(sizes["horizons"])
    heavy_means, scale = sizes["means"], sizes["scale"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    table, summary = [], []
    for ax, (alpha, eps) in zip(axes[:2], zip(sizes["alphas"], sizes["eps"])):
        env = environments.make("heavy_tailed", means=heavy_means, alpha=alpha, scale=scale)
        u = heavy.moment_bound(eps, heavy_means, alpha, scale)
        learners = {"robust_ucb": olearn.make("robust_ucb", eps=eps, u=u)}
        learners.update({name: olearn.make(name) for name in sizes["unbounded_learners"]})
        title = f"heavy tails: alpha = {alpha:g}, scale {scale:g}, eps = {eps:g}, u = {u:.3g}"
        mean_regret = panel(ax, env, learners, horizons, seeds, backend, title, table, summary,
                            bound=lambda T, e=eps, u=u: robust.paper_regret_bound(heavy_means, e, u, T),
                            union_bound=lambda T, e=eps, u=u: robust.known_horizon_regret_bound(heavy_means, e, u, T))
        paper = np.array([robust.paper_regret_bound(heavy_means, eps, u, T) for T in horizons])
        derived = np.array([robust.known_horizon_regret_bound(heavy_means, eps, u, T) for T in horizons])
        summary.append(f"{title}: robust_ucb's regret / Prop. 1's printed bound " + ", ".join(f"{r:.2f}" for r in mean_regret["robust_ucb"] / paper)
                       + "; / the known-horizon union bound " + ", ".join(f"{r:.2f}" for r in mean_regret["robust_ucb"] / derived))
        below = [T for T, r, c in zip(horizons, mean_regret["robust_ucb"], mean_regret["ucb1"]) if r < c]
        summary.append(f"{title}: robust_ucb's mean regret is below UCB1's at T = " + (", ".join(f"{T:,}" for T in below) if below else "none of the horizons"))
    ax = axes[0]
    ax.set_ylabel(f"mean pseudo-regret, {seeds} seeds")
    bounded = environments.make("bernoulli", means=sizes["bounded_means"])
    bmeans = np.asarray(sizes["bounded_means"], float)
    learners = {"robust_ucb": olearn.make("robust_ucb", eps=1.0, u=float(bmeans.max()))}
    learners.update({name: olearn.make(name) for name in sizes["unbounded_learners"] + sizes["bounded_learners"]})
    title = "bounded companion: Bernoulli " + ", ".join(f"{m:g}" for m in bmeans)
    mean_regret = panel(axes[2], bounded, learners, horizons, seeds, backend, title, table, summary,
                        bound=lambda T: robust.paper_regret_bound(bmeans, 1.0, float(bmeans.max()), T),
                        union_bound=lambda T: robust.known_horizon_regret_bound(bmeans, 1.0, float(bmeans.max()), T))
    best = bmeans.max()
    constant = sum((best - m) / kl_bernoulli(m, best) for m in bmeans if m < best)
    axes[2].plot(horizons, constant * np.log(horizons), "k--", lw=1, label="Lai-Robbins: C ln T")
    for name in sizes["bounded_learners"]:
        summary.append(f"{title}: {name}'s regret / (C ln T), C = {constant:.3f}: "
                       + ", ".join(f"{r:.2f}" for r in mean_regret[name] / (constant * np.log(horizons))))
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
