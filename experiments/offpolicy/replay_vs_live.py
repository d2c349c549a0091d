"""Figure: replayed learners against live ones (Li et al. 2011), and four estimators of fixed policies.

Left: the mean cumulative loss of each learner replayed on logs of a world written by a skewed logging
policy (seed s replays a log of its own) minus that of the learner playing the world live (olearn.run),
with 95% bands: Li et al.'s Theorem 1 says the two have the same law, so the band holds 0.
Right: a fixed policy's mean loss estimated from one log by IPS, self-normalized IPS, the direct
method and doubly robust, with 95% intervals, against its true value from the world's means.

olearn run experiments/offpolicy/replay_vs_live.toml   (or: python experiments/offpolicy/replay_vs_live.py [--small] [--out DIR])
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from oco_script import figure_main  # noqa: E402
from olearn import offpolicy  # noqa: E402

THETA = [[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]]
WORLDS = {
    "bernoulli": (environments.make("bernoulli", means=[0.45, 0.5, 0.6]), ["ucb1", "thompson", "exp3"]),
    "linear_contextual": (environments.make("linear_contextual", theta=THETA), ["linucb", "lin_ts"]),
}
LOGGING = [0.5, 0.3, 0.2]


def build(sizes):
    horizon, seeds, events, backend = sizes["horizon"], sizes["seeds"], sizes["events"], sizes["backend"]
    writer = "cpu" if backend == "gpu" else backend  # logs are written on the host
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    checkpoints = np.unique(np.linspace(1, horizon, 40).astype(np.int64))
    table, summary = [], []
    for world, (env, names) in WORLDS.items():
        logs = [offpolicy.collect(env, n=events, seed=10_000 + s, logging=LOGGING, backend=writer) for s in range(seeds)]
        for name in names:
            learner = olearn.make(name)
            live = olearn.run(learner, env, horizon=horizon, seeds=seeds, metrics=["loss"], checkpoints=checkpoints,
                              backend=backend, progress=False)
            live_curve = live.metric("loss")[0]  # seeds x checkpoints
            replayed = np.stack([offpolicy.replay(learner, logs[s], horizon=horizon, seeds=[s], checkpoints=checkpoints,
                                                  backend=backend).loss[0, 0] for s in range(seeds)])
            short = int(np.isnan(replayed[:, -1]).sum())
            if short:
                raise SystemExit(f"{short} replays ran out of events before {horizon} kept: raise 'events' in the TOML")
            gap = replayed.mean(axis=0) - live_curve.mean(axis=0)
            half = 1.96 * np.sqrt(replayed.var(axis=0, ddof=1) / seeds + live_curve.var(axis=0, ddof=1) / seeds)
            line, = left.plot(checkpoints, gap, label=name)
            left.fill_between(checkpoints, gap - half, gap + half, color=line.get_color(), alpha=0.15)
            a, b = live_curve[:, -1], replayed[:, -1]
            se = float(np.sqrt(a.var(ddof=1) / seeds + b.var(ddof=1) / seeds))
            z = float((b.mean() - a.mean()) / se)
            table.append(dict(world=world, learner=name, live=float(a.mean()), replayed=float(b.mean()), se=se, z=z))
            summary.append(f"{world} {name}: total loss over {horizon} rounds live {a.mean():.2f}, replayed {b.mean():.2f} "
                           f"(difference {z:+.2f} standard errors)")
    left.axhline(0.0, color="k", lw=1)
    left.set_xlabel("rounds (kept events when replayed)")
    left.set_ylabel("replayed minus live mean cumulative loss (95% band)")
    left.legend(fontsize=7)
    # estimators of a fixed policy: greedy on a wrong model with probability 0.8, on one log
    env = WORLDS["linear_contextual"][0]
    log = offpolicy.collect(env, n=events, seed=0, logging=LOGGING, backend=writer)
    scores = log.contexts @ np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]).T
    target = np.full((len(log), 3), 0.1)
    target[np.arange(len(log)), np.argmax(scores, axis=1)] = 0.8
    truth = float(np.mean(np.sum(target * log.means, axis=1)))
    for i, (label, fn) in enumerate([("IPS", offpolicy.ips), ("SNIPS", offpolicy.snips),
                                     ("direct", offpolicy.direct), ("doubly robust", offpolicy.doubly_robust)]):
        est = fn(log, target)
        right.errorbar([i], [est.value], yerr=[1.96 * est.stderr], fmt="o", capsize=4)
        table.append(dict(world="linear_contextual", learner=f"fixed policy, {label}", live=truth, replayed=est.value,
                          se=est.stderr, z=(est.value - truth) / est.stderr))
        summary.append(f"fixed policy, {label}: {est.value:.4f} +- {1.96 * est.stderr:.4f} (truth {truth:.4f})")
    right.axhline(truth, color="k", lw=1, label="true mean loss")
    right.set_xticks(range(4), ["IPS", "SNIPS", "direct", "doubly robust"])
    right.set_ylabel(f"mean loss per round ({len(log):,} logged events)")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
