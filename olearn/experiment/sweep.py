"""Run an experiment's (configuration, seed chunk) units, in this process or on a Dask cluster.

Every unit is one call of :func:`olearn.run` on one configuration and a contiguous slice of the
seeds, written as its own chunk (:mod:`olearn.experiment.store`).  Because a seed's trajectory
does not depend on which other seeds share its launch, the table is the same bit for bit
whether the units run here, on a 2-worker ``LocalCluster`` or on a remote cluster, and whether
the sweep ran in one go or was resumed.
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from olearn.experiment import logged, store
from olearn.experiment.config import Experiment


class SweepExistsError(RuntimeError):
    """The results directory holds another or an unfinished sweep and neither --resume nor --force was given."""


def run_unit(task: dict) -> dict:
    """Run one configuration on one seed chunk and store it; returns the chunk's receipt.

    ``task`` is plain data (it travels to Dask workers): the configuration, the run settings,
    the seed slice and the output directory.
    """
    import environments
    import olearn
    from olearn import offpolicy

    if task.get("threads"):
        import numba

        numba.set_num_threads(min(int(task["threads"]), numba.config.NUMBA_NUM_THREADS))
    conf = task["configuration"]
    learner = olearn.make(conf["learner"], **conf["learner_params"])
    seeds = np.asarray(task["seeds"], dtype=np.int64)
    if conf["environment"] == logged.NAME:  # replayed on logged events
        started = time.perf_counter()
        replayed = offpolicy.replay(learner, logged.build(conf["env_params"]), horizon=task["horizon"], seeds=seeds,
                                    checkpoints=task["checkpoints"], shuffle=task.get("shuffle", False), backend=task["backend"])
        rounds, columns = replayed.checkpoints, list(logged.METRICS)
        values = np.stack([replayed.loss[0], replayed.events[0]], axis=-1)
        seconds = time.perf_counter() - started
    else:
        env = environments.make(conf["environment"], **conf["env_params"])
        result = olearn.run(learner, env, horizon=task["horizon"], seeds=seeds, backend=task["backend"],
                            checkpoints=task["checkpoints"], metrics=task["metrics"], delay=task["delay"] or None, progress=False)
        rounds, columns, values, seconds = result.rounds, result.columns, result.values[0], result.seconds
    n_s, n_r, n_m = values.shape
    frame = pd.DataFrame({
        "seed": np.repeat(seeds, n_r * n_m),
        "round": np.tile(np.repeat(rounds, n_m), n_s),
        "metric": np.tile(np.asarray(columns, dtype=object), n_s * n_r),
        "value": values.reshape(-1),
    })
    receipt = store.write_chunk(Path(task["out"]), conf["index"], task["lo"], task["hi"], frame, seconds)
    return {"configuration": conf["index"], "lo": task["lo"], "hi": task["hi"], "steps": n_s * task["horizon"],
            "final": _final(columns, values[:, -1, :]), **receipt}


def _final(columns, at_end) -> dict:
    """Each metric at the last checkpoint over a chunk's seeds (``at_end``: seeds x metrics): count, mean, sum of
    squared deviations, what :class:`RunningFinal` merges."""
    final = {}
    for j, name in enumerate(columns):
        values = at_end[:, j]
        values = values[np.isfinite(values)]  # a replayed seed whose log ran out has none
        mean = float(values.mean()) if values.size else float("nan")
        final[name] = (int(values.size), mean, float(((values - mean) ** 2).sum()))
    return final


def stored_finals(exp: Experiment, out: Path, tasks: list, configurations) -> list[dict]:
    """The ``final`` of every chunk of ``configurations`` stored in ``out`` and not among the pending ``tasks`` (as
    ``run_unit`` returns it), so that a resumed sweep's running summary counts the seeds stored before it too."""
    pending = {(t["configuration"]["index"], t["lo"]) for t in tasks}
    found = []
    for c, lo, hi in store.units(exp.resolved()):
        if c not in configurations or (c, lo) in pending:
            continue
        frame = store.read_chunk(out, c, lo, hi)
        last = frame[frame["round"] == frame["round"].max()]
        table = last.pivot(index="seed", columns="metric", values="value")
        found.append({"configuration": c, "final": _final(list(table.columns), table.to_numpy(dtype=float))})
    return found


class RunningFinal:
    """Each configuration's metrics at the horizon over the chunks finished so far, while a sweep runs.

    ``add(receipt)`` for each finished chunk (what ``run_experiment``'s ``progress`` and ``execute``'s
    ``on_done`` receive); ``get(configuration, metric)`` -> (mean, standard error, seeds).  Chunks are
    merged with the pairwise update of Chan, Golub and LeVeque (1979), so the result equals the stored
    table's mean and standard error whatever the order the chunks finish in.
    """

    def __init__(self):
        self._acc = {}

    def add(self, receipt: dict) -> None:
        for name, (n, mean, m2) in receipt["final"].items():
            if n == 0:  # no seed of the chunk reached the horizon (a replay whose log ran out)
                continue
            key = (receipt["configuration"], name)
            n0, mean0, m20 = self._acc.get(key, (0, 0.0, 0.0))
            total = n0 + n
            delta = mean - mean0
            self._acc[key] = (total, mean0 + delta * n / total, m20 + m2 + delta * delta * n0 * n / total)

    def get(self, configuration: int, metric: str) -> tuple[float, float, int]:
        n, mean, m2 = self._acc.get((configuration, metric), (0, float("nan"), 0.0))
        se = math.sqrt(m2 / (n - 1) / n) if n > 1 else float("nan")
        return mean, se, n


def _expected_rows(exp: Experiment, conf_index: int, n_seeds: int) -> int:
    import environments
    from olearn.engine import problems
    from olearn.engine.run import _metrics, checkpoint_grid

    conf = exp.configurations[conf_index]
    if conf.environment == logged.NAME:
        return n_seeds * checkpoint_grid(exp.horizon, exp.checkpoints).size * len(logged.METRICS)
    env = environments.make(conf.environment, **conf.env_params)
    metrics = _metrics(exp.metrics, env, exp.horizon)
    cols = len(problems.of(env.type.kind).metric_columns(metrics, env))
    return n_seeds * checkpoint_grid(exp.horizon, exp.checkpoints).size * cols


def pending_units(exp: Experiment, out: Path) -> tuple[list, int]:
    """Tasks of the units not yet stored (or stored wrongly), and the number of all units."""
    resolved = exp.resolved()
    tasks, total, rows_of = [], 0, {}
    for c, lo, hi in store.units(resolved):
        total += 1
        key = (c, hi - lo)
        if key not in rows_of:
            rows_of[key] = _expected_rows(exp, c, hi - lo)
        if store.chunk_done(out, c, lo, hi, rows_of[key]):
            continue
        tasks.append({
            "configuration": resolved["configurations"][c], "horizon": exp.horizon,
            "seeds": resolved["seeds"][lo:hi], "lo": lo, "hi": hi, "backend": exp.backend,
            "checkpoints": resolved["checkpoints"], "metrics": resolved["metrics"], "delay": exp.delay, "out": str(out),
            "shuffle": exp.shuffle,
        })
    return tasks, total


def _check_backend(exp: Experiment, local: bool) -> None:
    """Chunks about to run here on the gpu backend need a GPU (a finished sweep, or one a scheduler runs, does not)."""
    if local and exp.backend == "gpu":
        from olearn.backends import gpu

        gpu.check()


def prepare(exp: Experiment, out: Path, resume: bool, force: bool, local: bool = True) -> str:
    """Check the results directory against this experiment: 'done', 'resume' or 'new'.

    ``local``: the chunks would run in this process or a LocalCluster (not on a scheduler's workers),
    so a gpu sweep checks for a GPU here, before any file is written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SweepExistsError(f"--out {out} is an existing file: give a new path or a folder (a sweep is a folder of files)")
    stored = store.read_sweep(out)
    if force or stored is None:
        if not force and (out / "results").exists() and any((out / "results").iterdir()):
            raise SweepExistsError(f"{out} holds results without a {store.SWEEP_FILE}: use --force to overwrite or another --out")
        if stored is None and (out / "results.parquet").exists():  # a sweep.json here would hide it from olearn.load
            raise SweepExistsError(f"{out} holds a saved run (results.parquet, from Result.save or olearn demo): "
                                   "give the sweep another --out")
        _check_backend(exp, local)  # before anything stored is removed or written
        if force:
            store.clear(out)
        store.write_sweep(out, exp.resolved(), exp.fingerprint())
        return "new"
    if stored["fingerprint"] != exp.fingerprint():
        raise SweepExistsError(
            f"{out} holds a different sweep (its config differs from {exp.source}): "
            "use --force to replace it, or another out directory"
        )
    tasks, total = pending_units(exp, out)
    if not tasks:
        return "done"
    started = len(tasks) < total  # some chunks stored; with none (the scheduler never answered) there is nothing to keep
    if not started:
        _check_backend(exp, local)
        store.write_sweep(out, exp.resolved(), exp.fingerprint())  # the code, commit and versions that compute the chunks
        return "resume"
    if not resume:
        raise SweepExistsError(f"{out} holds an unfinished run of this sweep ({len(tasks)} chunks to go): "
                               "use --resume to finish it, or --force to start over")
    from olearn.io import provenance

    if stored.get("code") != provenance.code_hash():
        raise SweepExistsError(f"{out}: its stored chunks were computed by other code (olearn source hash "
                               f"{stored.get('code')}, now {provenance.code_hash()}); resuming would mix the two: "
                               "use --force to start over")
    _check_backend(exp, local)
    return "resume"


def execute(tasks: list, scheduler=None, workers: int = 0, on_done=None) -> None:
    """Run ``tasks`` here (``workers=0`` and no scheduler) or on Dask; ``on_done(receipt)`` after each unit.

    ``workers > 0`` starts a ``LocalCluster`` with that many single-threaded worker processes;
    ``scheduler`` is the address of an existing Dask scheduler.  A unit lost with a killed worker
    is run again by Dask; whatever finished is on disk either way.
    """
    on_done = on_done or (lambda receipt: None)
    if scheduler is None and workers == 0:
        for task in tasks:
            on_done(run_unit(task))
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        # ERROR, not Dask's WARNING: on Ctrl-C the workers' cancelled tasks and the nannies' killing of
        # busy workers are expected, and the CLI says what was stored
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        threads = 1 if cluster is not None else None
        futures = [
            client.submit(run_unit, dict(task, threads=threads), pure=False)
            for task in tasks
        ]
        for future in as_completed(futures):
            on_done(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_experiment(exp: Experiment, out=None, resume: bool = False, force: bool = False, scheduler=None,
                   workers: int = 0, progress=None) -> pd.DataFrame:
    """Run (or finish, or just read) an experiment and return its tidy table.

    ``progress(receipt, done_units, total_units)`` is called after each unit (the CLI draws bars).
    """
    out = Path(out or exp.out)
    state = prepare(exp, out, resume, force, local=scheduler is None)
    if state != "done":
        tasks, total = pending_units(exp, out)
        done = [total - len(tasks)]

        def on_done(receipt):
            done[0] += 1
            if progress is not None:
                progress(receipt, done[0], total)

        execute(tasks, scheduler=scheduler, workers=workers, on_done=on_done)
    return store.table(out)
