"""GPU throughput: UCB1 on the 10-armed Bernoulli demo problem through ``olearn.run(..., backend="gpu")``,
printed next to the hand-written reference kernels run in the same process, then EXP3, Thompson sampling,
Hedge with 100 experts, and a 16-configuration EXP3 grid as one launch, and UCB1 on 5 arms; each twice,
with the working rows in local arrays (``config.GPU_LOCAL_ROW = 128``) and left in their device-memory
columns (``config.GPU_LOCAL_ROW = 0``), with the ratio of the two (the backend's default, 32, keeps local
the rows that gain); and the host memory of UCB1's full-size run with the default metrics and checkpoints.

    python experiments/benchmarks/bench_gpu.py [--seeds 1000000] [--horizon 10000] [--reference PATH]

Steps/s = seeds x rounds per second, compilation excluded (each combination is compiled by a small
warm-up run first).  Needs an NVIDIA GPU, numba-cuda and CuPy (``pip install "olearn[gpu]"``); without
CuPy the reference kernels are skipped.  ``NUMBA_ENABLE_CUDASIM=1`` with tiny sizes checks the script.
"""
import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

import environments
import olearn
from olearn.core import config

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "reference_ucb_gpu.py"


def reference(path: Path, seeds: int, horizon: int, required: bool):
    """The reference kernels' steps/s, or None; a missing or unloadable file given with --reference ends the run."""
    if not path.is_file():
        print(f"reference kernel not found: {path} is not a file (pass --reference PATH to shared/bench/reference_ucb_gpu.py)")
        if required:
            sys.exit(2)
        return None
    try:
        spec = importlib.util.spec_from_file_location("reference_ucb_gpu", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError as err:  # CuPy missing: the reference kernels need it, olearn's do not
        print(f"reference kernels skipped: {err}")
        return None
    raw, _ = module.raw(seeds, horizon)
    print(f"{'reference raw CUDA kernel (float32)':<48} seeds={seeds:<8} horizon={horizon}: {raw:.3e} steps/s")
    s2, h2 = min(seeds, 100_000), min(horizon, 2_000)
    module.per_round(s2, min(h2, 12))  # compile its CuPy kernels (argmax, random, ...) first, as raw() does its own
    per_round, _ = module.per_round(s2, h2)
    print(f"{'reference per-round CuPy':<48} seeds={s2:<8} horizon={h2}: {per_round:.3e} steps/s")
    return raw


def timed(label, learner, env, seeds, horizon, baseline=None, **kw):
    olearn.run(learner, env, horizon=min(horizon, 10), seeds=2, backend="gpu", **kw)  # compile
    start = time.perf_counter()
    result = olearn.run(learner, env, horizon=horizon, seeds=seeds, backend="gpu", **kw)
    seconds = time.perf_counter() - start
    steps = result.values.shape[0] * result.values.shape[1] * horizon
    ratio = f"  ratio to raw kernel {steps / seconds / baseline:.3f}" if baseline else ""
    metric = result.columns[0]
    print(f"{label:<48} seeds={result.values.shape[1]:<8} horizon={horizon}: {steps / seconds:.3e} steps/s "
          f"({seconds:.2f} s, mean {metric} {result.final(metric).mean():.1f}){ratio}")
    return result, steps / seconds


def layouts(label, learner, env, seeds, horizon, baseline=None, **kw):
    """``timed`` with the working rows in local arrays (rows of up to 128 numbers), then in device-memory columns;
    prints their ratio and whether the two runs' numbers are identical (they must be: the layout moves no
    arithmetic).  The backend's default (``config.GPU_LOCAL_ROW``) keeps local only the rows that gained here."""
    default = config.GPU_LOCAL_ROW
    try:
        config.GPU_LOCAL_ROW = 128
        local = timed(f"{label}, local rows", learner, env, seeds, horizon, baseline, **kw)
        config.GPU_LOCAL_ROW = 0
        column = timed(f"{label}, rows in columns", learner, env, seeds, horizon, baseline, **kw)
    finally:
        config.GPU_LOCAL_ROW = default
    print(f"{'':<48} local rows / columns: {local[1] / column[1]:.2f}x the steps/s; same numbers: "
          f"{np.array_equal(local[0].values, column[0].values)}")


def memory(env, seeds, horizon):
    """Host memory of a full-size run with the default metrics and log-spaced checkpoints (issue: < 2 GB)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (ru_maxrss is in KiB on Linux)
    result = olearn.run(olearn.make("ucb1"), env, horizon=horizon, seeds=seeds, backend="gpu")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"memory: ucb1 with the default metrics {result.columns} at {result.rounds.size} checkpoints, "
          f"{result.values.shape[1]} seeds x {horizon} rounds: results {result.values.nbytes / 1e9:.2f} GB; "
          f"process peak RSS {before:.2f} GiB before the run, {peak:.2f} GiB after")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=1_000_000)
    p.add_argument("--horizon", type=int, default=10_000)
    p.add_argument("--reference", type=Path, default=None, help=f"reference kernel file (default: {REFERENCE})")
    a = p.parse_args()
    from olearn.backends import gpu

    gpu.check()
    raw = reference(a.reference or REFERENCE, a.seeds, a.horizon, required=a.reference is not None)
    demo = environments.make("bernoulli", means=np.linspace(0.1, 0.9, 10))
    layouts("olearn ucb1 (float64 state)", olearn.make("ucb1"), demo, a.seeds, a.horizon, raw, metrics=["pseudo_regret"])
    memory(demo, a.seeds, a.horizon)
    small = max(1, a.seeds // 10)
    layouts("olearn ucb1", olearn.make("ucb1"), demo, small, a.horizon, metrics=["pseudo_regret"])
    layouts("olearn exp3", olearn.make("exp3"), demo, small, a.horizon, metrics=["pseudo_regret"])
    layouts("olearn thompson", olearn.make("thompson"), demo, small, a.horizon, metrics=["pseudo_regret"])
    experts = environments.make("experts", n_experts=100, gap=0.1)
    layouts("olearn hedge, 100 experts", olearn.make("hedge"), experts, max(1, a.seeds // 100), a.horizon,
            metrics=["regret"])
    grid = olearn.make("exp3", eta=list(np.geomspace(0.005, 0.5, 16)))
    layouts("olearn exp3, 16-value eta grid in one run", grid, demo, small, a.horizon, metrics=["pseudo_regret"])
    five = environments.make("bernoulli", means=np.linspace(0.1, 0.9, 5))
    # no ratio here: the raw kernel plays the 10-arm demo problem, not these 5 arms
    layouts("olearn ucb1, 5 arms", olearn.make("ucb1"), five, a.seeds, a.horizon, metrics=["pseudo_regret"])
