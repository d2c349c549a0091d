"""UCB1 on the 10-armed Bernoulli demo problem: olearn.run (cpu backend) against the hand-written
numba kernel and a plain-Python loop, all measured in this run.

    python experiments/benchmarks/bench_cpu.py [--seeds 2000] [--horizon 10000] [--all]

Prints steps/s (seeds x rounds per second) and each figure's ratio to the hand-written kernel at
the same thread count.  Target: the engine at >= 0.8x the kernel.
"""
import argparse
import sys
from pathlib import Path

from olearn import bench

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "reference_ucb.py"

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=2000)
    p.add_argument("--horizon", type=int, default=10_000)
    p.add_argument("--reference", type=Path, default=REFERENCE)
    p.add_argument("--all", action="store_true", help="also time every learner on the demo problem")
    a = p.parse_args()
    try:
        rows = bench.cpu_ucb1(a.reference, seeds=a.seeds, horizon=a.horizon)
    except FileNotFoundError as err:  # the ratios need the reference kernel
        sys.exit(f"error: {err}")
    for row in rows:
        print(f"{row['what']:<45} seeds={row['seeds']:<6} horizon={row['horizon']}: "
              f"{row['steps_per_s']:.3e} steps/s  ratio {row['ratio']:.3f}  pseudo-regret {row['pseudo_regret']:.1f}")
    if a.all:
        for row in bench.learners_throughput(seeds=min(a.seeds, 1000), horizon=a.horizon):
            print(f"{row['what']:<15} {row['steps_per_s']:.3e} steps/s  pseudo-regret {row['pseudo_regret']:.1f}")
