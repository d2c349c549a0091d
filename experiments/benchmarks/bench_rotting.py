"""The rotting-arm learners' speed against UCB1 on the same world, measured in the same run.

    python experiments/benchmarks/bench_rotting.py [--arms 10] [--horizon 25000] [--seeds 64] [--backend cpu]

The ten-arm world of Seznec et al. (2019), figure 2 (``abrupt_rotting``), played by ``raw_ucb``,
``fewa`` and ``ucb1`` for the same seeds; each is timed after a warm-up that compiles it.  Prints
steps per second (seeds x rounds) and the ratio to UCB1's.  RAW-UCB's index scans the log2 N_k
windows of every arm (O(K log T) per round, against UCB1's O(K)); FEWA stops filtering as soon as
one arm is left.
"""
import argparse
import time

import numpy as np

import environments
import olearn
from olearn import bench


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arms", type=int, default=10)
    p.add_argument("--horizon", type=int, default=25_000)
    p.add_argument("--seeds", type=int, default=64)
    p.add_argument("--backend", default="cpu")
    a = p.parse_args()
    mus = np.array([0.0] + [0.001 * np.sqrt(10) ** i for i in range(a.arms - 1)])
    env = environments.make("abrupt_rotting", before=mus, after=-mus, pulls=[1000] * a.arms)
    rates = {}
    for name in ("ucb1", "raw_ucb", "fewa"):
        learner = olearn.make(name)
        # compile the runner the timed call uses (the cpu backend's threaded one from config.SERIAL_STEPS steps)
        bench.warm_up(learner, env, a.horizon, a.seeds, backend=a.backend, metrics=["dynamic_regret"])
        start = time.perf_counter()
        olearn.run(learner, env, horizon=a.horizon, seeds=a.seeds, backend=a.backend, metrics=["dynamic_regret"])
        rates[name] = a.horizon * a.seeds / (time.perf_counter() - start)
        print(f"{name:8s} {rates[name]:14,.0f} steps/s   {rates[name] / rates['ucb1']:.2f} x ucb1")


if __name__ == "__main__":
    main()
