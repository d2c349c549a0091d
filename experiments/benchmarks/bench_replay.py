"""Off-policy replay's speed against the same learner playing live, measured in the same run.

    python experiments/benchmarks/bench_replay.py [--arms 10] [--events 200000] [--seeds 64] [--backend cpu]

A uniform log of ``events`` rounds of Bernoulli arms, replayed by UCB1 for every seed (each reads the
log in its own shuffled order until it has kept events / (2 arms), about half the log); the baseline
is ``olearn.run`` of UCB1 on the same world for events / 2 rounds and as many seeds.  Both are timed after a warm-up that compiles them.
Prints logged events read per second (replay), rounds per second (live), and their ratio; a replayed
event costs one act, plus an update and a state copy when it is kept or restored.
"""
import argparse
import time

import numpy as np

import environments
import olearn
from olearn import bench, offpolicy
from olearn.offpolicy import replay_loop


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arms", type=int, default=10)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--seeds", type=int, default=64)
    p.add_argument("--backend", default="cpu")
    a = p.parse_args()
    env = environments.make("bernoulli", means=list(np.linspace(0.1, 0.9, a.arms)))
    logs = offpolicy.collect(env, n=a.events, seed=0)
    horizon = a.events // a.arms // 2  # about half the log is read on average
    learner = olearn.make("ucb1")
    # compile what the timed calls run: replay at the timed size (its cpu runner, serial or threaded, is chosen
    # from seeds x events read), and the live run's runner for events / 2 rounds x seeds
    offpolicy.replay(learner, logs, horizon=horizon, seeds=a.seeds, shuffle=True, backend=a.backend)
    bench.warm_up(learner, env, a.events // 2, a.seeds, backend=a.backend)
    start = time.perf_counter()
    r = offpolicy.replay(learner, logs, horizon=horizon, seeds=a.seeds, shuffle=True, backend=a.backend)
    replay_s = time.perf_counter() - start
    start = time.perf_counter()
    olearn.run(learner, env, horizon=a.events // 2, seeds=a.seeds, backend=a.backend)
    live_s = time.perf_counter() - start
    read, live_rounds = int(r.read.sum()), a.events // 2 * a.seeds
    reads = replay_loop.events_read(logs, horizon)  # replay picks its runner by events read
    threads = (bench.engine_threads(a.seeds, reads), bench.engine_threads(a.seeds, a.events // 2))
    on = [f", {bench.threads_text(n)}" if a.backend == "cpu" else "" for n in threads]
    print(f"replay: {read:,} events read ({int(r.kept.sum()):,} kept) in {replay_s:.2f} s = {read / replay_s:,.0f} events/s{on[0]}")
    print(f"live:   {live_rounds:,} rounds in {live_s:.2f} s = {live_rounds / live_s:,.0f} rounds/s{on[1]}")
    print(f"replayed events per second / live rounds per second: {read / replay_s / (live_rounds / live_s):.2f}")


if __name__ == "__main__":
    main()
