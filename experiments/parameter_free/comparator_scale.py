"""Figure: regret against the comparator's norm, with and without a step size.

Online absolute-loss regression on a stream y_t = <a_t, u*> with ||a_t|| uniform in [0.1, 1] (so G = 1) in R^d, one pass
of T examples in a shuffled order per seed, for ||u*|| log-spaced over four decades.  The best predictor
loses nothing, so the total loss is the regret against u*.  OGD (eta_t = D / sqrt(t)) and AdaGrad-norm
(eta_t = D / sqrt(sum ||g||^2)) are given a scale D, the ``radius`` of the stream's free domain: their
regret D^2 / eta + eta T-type trade-off, ||u*||^2 sqrt(T) / D + D sqrt(T), is tuned only where D is near
||u*||.  ``coin_betting`` (Orabona and Pal 2016) takes no scale: its regret follows
G (eps + F_T*(||u*||)) = O(||u*|| sqrt(T ln(1 + T ||u*||)) + eps), drawn dashed from the KT potential
(``olearn.learners.coin_betting.regret_bound``), at every scale at once.  The summary gives, per learner,
its regret at the smallest and largest ||u*|| and its worst ratio to the best learner at any scale.

olearn run experiments/parameter_free/comparator_scale.toml   (or: python experiments/parameter_free/comparator_scale.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402
from olearn.learners.coin_betting import regret_bound  # noqa: E402


def stream(horizon, dim, scale, seed=0):
    """Rows [a_t | <a_t, u*>] with a_t in a uniform direction, ||a_t|| uniform in [0.1, 1], and ||u*|| = scale."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(horizon, dim))
    a *= rng.uniform(0.1, 1.0, size=(horizon, 1)) / np.linalg.norm(a, axis=1, keepdims=True)
    direction = rng.normal(size=dim)
    return np.column_stack([a, a @ (scale * direction / np.linalg.norm(direction))])


def total_loss(learner, data, radius, horizon, seeds, backend):
    env = environments.make("linear_stream", data=data, loss="absolute", domain="free", radius=radius)
    result = olearn.run(learner, env, horizon=horizon, seeds=seeds, metrics=["loss"], checkpoints=[horizon],
                        backend=backend, progress=False)
    return result.final("loss")[0]


def build(sizes):
    backend, horizon, seeds, dim = sizes["backend"], sizes["horizon"], sizes["seeds"], sizes["dim"]
    scales = np.geomspace(sizes["scale_min"], sizes["scale_max"], sizes["scales"])
    runs = [("coin_betting", olearn.make("coin_betting"), 1.0)]  # the free domain's radius is not read by it
    color = {"coin_betting": "k"}
    for i, D in enumerate(sizes["tuned_to"]):
        runs += [(f"ogd (D = {D:g})", olearn.make("ogd"), D), (f"adagrad_norm (D = {D:g})", olearn.make("adagrad_norm"), D)]
        color[f"ogd (D = {D:g})"] = color[f"adagrad_norm (D = {D:g})"] = f"C{i}"
    regret = {}
    table = []
    for label, learner, radius in runs:
        means = []
        for scale in scales:
            r = total_loss(learner, stream(horizon, dim, scale), radius, horizon, seeds, backend)
            means.append(r.mean())
            table.append(dict(learner=label, comparator_norm=float(scale), horizon=horizon, regret=float(r.mean()),
                              se=float(r.std(ddof=1) / np.sqrt(seeds)), bound=float(regret_bound(horizon, scale))))
        regret[label] = np.array(means)
    best = np.min(np.array(list(regret.values())), axis=0)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    summary = []
    for label, means in regret.items():
        ax.plot(scales, means, marker=".", label=label, color=color[label], lw=2 if label == "coin_betting" else 1,
                ls="--" if label.startswith("adagrad") else "-")
        worst = int(np.argmax(means / best))
        summary.append(f"{label}: regret {means[0]:.3g} at ||u*|| = {scales[0]:.3g}, {means[-1]:.4g} at ||u*|| = {scales[-1]:.3g}; "
                       f"worst {means[worst] / best[worst]:.2f}x the best learner (at ||u*|| = {scales[worst]:.3g})")
    bound = [regret_bound(horizon, s) for s in scales]
    coin = regret["coin_betting"]
    summary.append(f"coin_betting within its bound G (eps + F_T*(||u*||)) at every scale: {bool(np.all(coin <= bound))} "
                   f"(largest ratio to it {np.max(coin / np.array(bound)):.2f})")
    ax.plot(scales, bound, "k:", lw=1, label="coin_betting's bound G (eps + F_T*(||u||))")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("comparator norm ||u*||")
    ax.set_ylabel(f"regret against u* at T = {horizon:,} (absolute loss, G = 1)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
