"""Throughput of the engine against hand-written baselines, measured in the same process.

steps/s = seeds x rounds per second.  The baselines are the hand-written numba UCB1 kernel and
the plain-Python loop of ``reference_ucb.py`` (kept outside the package, in the project's
shared bench folder); the engine runs UCB1 through ``olearn.run`` on the same problem.
"""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np

DEMO_MEANS = np.linspace(0.1, 0.9, 10)


def load_reference(path):
    """Import the hand-written reference module from ``path``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"reference kernel not found at {path}; pass its path (reference_ucb.py)")
    spec = importlib.util.spec_from_file_location("reference_ucb", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def warm_up(learner, env, horizon: int, seeds: int, backend: str = "cpu", **kw) -> None:
    """Compile what ``olearn.run(learner, env, horizon, seeds, backend, **kw)`` will run, without timing it.

    The cpu backend compiles two runners, each on its first use: a serial one for calls of fewer than
    ``config.SERIAL_STEPS`` jobs x rounds and a threaded one at or above it.  A short warm-up alone
    compiles the serial one only, so a timed call above the threshold would pay the threaded runner's
    compilation (0.5 to 1 s) inside its timing; here the threaded one is compiled too when it will be used.
    """
    import olearn
    from olearn.backends import cpu
    from olearn.core import config

    short = min(horizon, 50)
    olearn.run(learner, env, horizon=short, seeds=2, backend=backend, **kw)
    jobs = len(learner.configs) * seeds
    if backend == "cpu" and cpu.threaded(jobs * horizon):
        per_config = -(-config.SERIAL_STEPS // (short * len(learner.configs)))
        olearn.run(learner, env, horizon=short, seeds=per_config, backend=backend, **kw)


def engine_threads(seeds: int, horizon: int, configs: int = 1) -> int:
    """Threads the cpu backend runs a call of ``configs x seeds`` jobs x ``horizon`` rounds on."""
    import numba

    from olearn.backends import cpu

    return numba.get_num_threads() if cpu.threaded(configs * seeds * horizon) else 1


def threads_text(n: int) -> str:
    """``n`` threads as a label: "1 thread", "2 threads"."""
    return f"{n} thread" + ("s" if n != 1 else "")


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def cpu_ucb1(reference_path, seeds: int = 2000, horizon: int = 10_000, python_seeds: int = 2, repeats: int = 3) -> list[dict]:
    """Rows of (what, seeds, horizon, steps/s, ratio to the hand-written kernel, mean pseudo-regret)."""
    import numba

    import environments
    import olearn

    ref = load_reference(reference_path)
    env = environments.make("bernoulli", means=DEMO_MEANS)
    learner = olearn.make("ucb1")
    ref.numba_ucb1(DEMO_MEANS, 50, 4)  # compile both before timing (the engine's runner for this size: warm_up)
    warm_up(learner, env, horizon, seeds, metrics=["pseudo_regret"])
    best_ref, best_eng = np.inf, np.inf
    for _ in range(repeats):  # interleaved, best of `repeats`, so both see the same machine state
        sec, ref_regret = _timed(ref.numba_ucb1, DEMO_MEANS, horizon, seeds)
        best_ref = min(best_ref, sec)
        sec, result = _timed(olearn.run, learner, env, horizon, seeds, "cpu", None, ["pseudo_regret"])
        best_eng = min(best_eng, sec)
    sec_py, py_regret = _timed(ref.python_ucb1, list(DEMO_MEANS), horizon, python_seeds)
    steps = seeds * horizon
    ref_sps, eng_sps, py_sps = steps / best_ref, steps / best_eng, python_seeds * horizon / sec_py
    threads = numba.get_num_threads()
    return [
        {"what": f"hand-written numba kernel ({threads} threads)", "seeds": seeds, "horizon": horizon,
         "steps_per_s": ref_sps, "ratio": 1.0, "pseudo_regret": float(np.mean(ref_regret))},
        {"what": f"olearn.run ucb1, cpu backend ({threads_text(engine_threads(seeds, horizon))})", "seeds": seeds, "horizon": horizon,
         "steps_per_s": eng_sps, "ratio": eng_sps / ref_sps, "pseudo_regret": float(result.final("pseudo_regret").mean())},
        {"what": "plain-Python loop", "seeds": python_seeds, "horizon": horizon,
         "steps_per_s": py_sps, "ratio": py_sps / ref_sps, "pseudo_regret": float(np.mean(py_regret))},
    ]


def learners_throughput(names=("ucb1", "kl_ucb", "thompson", "exp3", "tsallis_inf", "hedge", "corral"), seeds=1000,
                        horizon=10_000) -> list[dict]:
    """steps/s of each learner on the demo problem (cpu backend, pseudo-regret only, compiled first)."""
    import environments
    import olearn

    env = environments.make("bernoulli", means=DEMO_MEANS)
    rows = []
    for name in names:
        learner = olearn.make(name)
        warm_up(learner, env, horizon, seeds, metrics=["pseudo_regret"])
        sec, result = _timed(olearn.run, learner, env, horizon, seeds, "cpu", None, ["pseudo_regret"])
        rows.append({"what": name, "seeds": seeds, "horizon": horizon, "steps_per_s": seeds * horizon / sec,
                     "pseudo_regret": float(result.final("pseudo_regret").mean())})
    return rows
