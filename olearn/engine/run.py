"""``olearn.run``: validate, bind, allocate, run the fused loop on a backend, package the result."""
from __future__ import annotations

import hashlib
import numbers
import time

import numpy as np

from olearn import backends
from olearn.core import config, rng
from olearn.core.errors import ParameterError, UnknownNameError, check_flag, check_integer
from olearn.core.spec import Environment, Learner
from olearn.engine import arms, delays, problems
from olearn.engine.loop import make_seed_loop
from olearn.io.result import Result

_BUILT: dict = {}  # compiled batch runners, by (backend, learner type, environment type, metrics, flags)
#: results larger than this are refused up front (bytes)
MAX_RESULT_BYTES = 8 * 2**30
MAX_HORIZON = rng.RESERVED_ROUND  # rounds 0 .. 2^62 - 1; reset and init draw at round 2^62
MAX_HORIZON_MEANING = "round 2^62 is where reset and init draw"


def check_horizon(owner: str, horizon) -> int:
    """``horizon`` as an int when it is an integer in [1, MAX_HORIZON]; else a ParameterError naming it."""
    return check_integer(owner, "horizon", horizon, 1, MAX_HORIZON, MAX_HORIZON_MEANING)


def checkpoint_grid(horizon: int, checkpoints=None) -> np.ndarray:
    """Rounds (1-based) at which metrics are recorded; the horizon is always the last.

    ``None``: about :data:`olearn.core.config.CHECKPOINTS` log-spaced rounds; an int n: n log-spaced
    rounds from 1 to the horizon (1: the horizon alone); a sequence: those rounds.
    """
    if checkpoints is None or isinstance(checkpoints, (int, np.integer)) and not isinstance(checkpoints, bool):
        n = config.CHECKPOINTS if checkpoints is None else int(checkpoints)
        if n < 1:
            raise ParameterError("run", "checkpoints", checkpoints, "an integer >= 1, a list of rounds, or None")
        if n > MAX_RESULT_BYTES // 8:  # more could never be kept (8 bytes each): refused before geomspace allocates them
            raise ParameterError("run", "checkpoints", checkpoints,
                                 f"an integer in [1, {MAX_RESULT_BYTES // 8}] (results are kept up to "
                                 f"{MAX_RESULT_BYTES / 2**30:.0f} GiB), a list of rounds, or None")
        grid = np.unique(np.round(np.geomspace(1, horizon, n)).astype(np.int64)) if n > 1 else np.array([horizon])
    else:
        try:
            grid = np.asarray(checkpoints)
        except (TypeError, ValueError):  # e.g. a CuPy array (no implicit copy to the host) or ragged lists
            grid = np.asarray([])
        if (grid.ndim != 1 or grid.size == 0 or grid.dtype.kind not in "iuf" or np.any(grid != np.floor(grid))
                or np.any(grid < 1) or np.any(grid > horizon)):
            raise ParameterError("run", "checkpoints", checkpoints,
                                 f"a non-empty list of rounds in [1, {horizon}], an integer count >= 1, or None")
        grid = np.unique(grid.astype(np.int64))
    if grid[-1] != horizon:
        grid = np.append(grid, horizon)
    return grid


def _seed_array(seeds) -> np.ndarray:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ParameterError("run", "seeds", seeds, "an integer >= 1 (that many seeds 0, 1, ...) or a list of distinct seeds >= 0")
        if seeds > MAX_RESULT_BYTES // 8:  # more could never be kept (8 bytes each): refused before arange allocates them
            raise ParameterError("run", "seeds", seeds, f"an integer in [1, {MAX_RESULT_BYTES // 8}] (that many seeds 0, 1, ...; "
                                 f"results are kept up to {MAX_RESULT_BYTES / 2**30:.0f} GiB) or a list of distinct seeds >= 0")
        return np.arange(int(seeds), dtype=np.int64)
    try:
        if isinstance(seeds, (list, tuple)) and all(isinstance(s, numbers.Integral) for s in seeds):
            # as Python ints: NumPy promotes a uint64 beside a signed int (or a Python int) to float64
            arr = np.asarray([] if any(isinstance(s, (bool, np.bool_)) for s in seeds) else [int(s) for s in seeds])
        else:
            arr = np.asarray(seeds)
    except Exception:  # noqa: BLE001
        arr = np.asarray([])
    if (
        arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu" or np.any(arr < 0)
        or np.any(arr > np.iinfo(np.int64).max) or np.unique(arr).size != arr.size
    ):
        raise ParameterError("run", "seeds", seeds,
                             "an integer >= 1 (that many seeds 0, 1, ...) or a list of distinct integers in [0, 2^63 - 1]")
    return arr.astype(np.int64)


def world_horizon(owner: str, horizon, env: Environment) -> int:
    """``horizon`` as an ``int`` when it is an integer in [1, 2^62] (:func:`check_horizon`) and within the rounds that
    ``env`` defines (a world read from a table has no round past its last row); else a ParameterError of ``owner``."""
    horizon = check_horizon(owner, horizon)
    cap = env.type.max_horizon(env.values)
    if cap is not None and horizon > cap:
        raise ParameterError(owner, "horizon", horizon, f"an integer in [1, {cap}] (the rounds that {env.name} defines)")
    return int(horizon)


def _metrics(metrics, env: Environment, horizon: int) -> tuple:
    problem = problems.of(env.type.kind)
    defaults = problem.available_metrics(env)
    available = defaults + problem.on_request(env)
    windowed = problem is arms and arms.has_windows(env)
    named = available + ((f"{arms.WINDOW_NAME} (k a whole number in [1, {horizon}])",) if windowed else ())
    if metrics is None:  # the scalar metrics; per-action ones (counts) and best-arm identification's on request
        # (counts is per-action even where one action gives it one column: the same metrics for every K, so
        # one compiled loop serves worlds of any size)
        return problem.ordered(tuple(m for m in defaults if m != "counts" and len(problem.metric_columns((m,), env)) == 1))
    if isinstance(metrics, str):
        metrics = (metrics,)
    try:
        metrics = tuple(metrics)
    except TypeError:  # e.g. metrics = 5: an error that names the parameter, not "int is not iterable"
        raise ParameterError("run", "metrics", metrics, f"a metric name or a list of them: {', '.join(named)}") from None
    for m in metrics:
        if m in available:
            continue
        k = arms.window_length(m) if windowed else None
        if k is None:
            raise ParameterError("run", "metrics", m, f"metrics of {env.name}: {', '.join(named)}")
        if k > horizon:
            raise ParameterError("run", "metrics", m, f"{arms.WINDOW_NAME} with k in [1, {horizon}] (the horizon): "
                                 "a window longer than the run has no value")
    if not metrics:
        raise ParameterError("run", "metrics", metrics, f"a non-empty subset of {', '.join(named)}")
    return problem.ordered(tuple(dict.fromkeys(metrics)))


def compiled_batch(backend_name, learner_type, env_type, metrics, delayed, trace):
    """The backend's batch runner for this combination, built once per process."""
    key = (backend_name, id(learner_type), id(env_type), metrics, delayed, trace)
    hit = _BUILT.get(key)
    if hit is not None:
        return hit[0]
    backend = backends.get(backend_name)
    interact, record, conclude = problems.of(env_type.kind).make_interaction(env_type, learner_type, metrics)
    run_seed = make_seed_loop(learner_type, env_type, interact, record, delayed, trace, conclude)
    batch = backend.build(run_seed)
    _BUILT[key] = (batch, learner_type, env_type)
    return batch


def run(
    learner,
    env,
    horizon: int,
    seeds=1,
    backend: str = "cpu",
    checkpoints=None,
    metrics=None,
    delay=None,
    trace: bool = False,
    progress: bool | None = None,
    keep_state: bool = False,
) -> Result:
    """Run ``learner`` against ``env`` for ``horizon`` rounds on each seed and record regret.

    Parameters
    ----------
    learner : Learner or str
        From :func:`olearn.make`; a grid of configurations runs every configuration on every seed.
    env : Environment
        From :func:`environments.make`.
    horizon : int
        Rounds per seed (>= 1).
    seeds : int or sequence of int
        ``n`` for seeds ``0..n-1``, or explicit distinct non-negative seeds.  Seed ``s`` gives the
        same trajectory on every backend; all configurations see the same environment draws
        (common random numbers).
    backend : {"cpu", "python", "gpu"}
    checkpoints : None, int or sequence of int
        Rounds at which metrics are recorded (log-spaced by default; the horizon is always included).
    metrics : sequence of str, optional
        Subset of ``env.metrics()``, or best-arm identification's ``simple_regret``, ``misidentified`` and
        ``stopping_time`` where a fixed best arm exists, or ``window_regret_<k>``; by default every metric of
        ``env.metrics()`` with one column (loss, regret, pseudo-regret, ...), leaving out per-action ones such as
        ``counts``, whose width grows with the number of actions (ask for them, and the others, by name).
    delay : None, int or :class:`olearn.engine.delays.Delay`
        Feedback delay (``olearn.delays.fixed(d)``, ``uniform(d_max)``, ``sequence([...])``).
    trace : bool
        Also keep every round's action and loss per seed (``Result.actions``, ``Result.losses``).
    progress : bool or callable, optional
        Show a progress bar (default: only for runs of more than 10^8 steps), or a callable
        that receives the number of steps (seeds x rounds) done after each chunk.
    keep_state : bool
        Also return every job's learner state after the last round (``Result.states[c, s]``, in
        the learner's own state layout, e.g. UCB1's plays n[k], summed rewards s[k], means, sqrt(1 / n[k])), to
        inspect or reuse what each seed learned.
    """
    from olearn import learners  # noqa: PLC0415  (registry import kept out of module load)

    if isinstance(learner, str):
        learner = learners.make(learner)
    if not isinstance(learner, Learner):
        raise ParameterError("run", "learner", learner, "a learner from olearn.make(name, ...) or a registered name")
    if isinstance(env, str):
        import environments  # noqa: PLC0415

        env = environments.make(env)
    if not isinstance(env, Environment):
        raise ParameterError("run", "env", env, "an environment from environments.make(name, ...)")
    if backend not in backends.NAMES:
        raise UnknownNameError("backend", backend, backends.NAMES)
    problems.check_pair(learner.type, env)
    problem = problems.of(env.type.kind)
    horizon = world_horizon("run", horizon, env)
    seed_ids = _seed_array(seeds)
    ckpts = checkpoint_grid(horizon, checkpoints)
    metrics = _metrics(metrics, env, horizon)
    check_flag("run", "trace", trace)
    check_flag("run", "keep_state", keep_state)
    if progress is not None and not isinstance(progress, (bool, np.bool_)) and not callable(progress):
        raise ParameterError("run", "progress", progress, "None, True, False, or a callable that takes the steps done")
    delay = delays.as_delay(delay)
    if delay is not None:
        if not learner.type.delayable:
            raise ParameterError("run", "delay", delay, f"no delay for {learner.name!r}: its update reads what its "
                                 "last act() computed, so feedback must arrive in the same round")
        delay.check_horizon(horizon)

    n_actions, obs_dim = env.n_actions, env.obs_dim
    lp_table, ls_size = learner.bind(n_actions, obs_dim, horizon)
    ep = env.row()
    dp = delay.row() if delay is not None else np.zeros(2)
    columns = problem.metric_columns(metrics, env)
    n_configs, n_seeds = lp_table.shape[0], seed_ids.size
    n_jobs = n_configs * n_seeds

    result_bytes = n_jobs * ckpts.size * len(columns) * 8
    if trace:
        result_bytes += 2 * n_jobs * horizon * 8
    if keep_state:
        result_bytes += n_jobs * ls_size * 8
    if result_bytes > MAX_RESULT_BYTES:
        shape = f"{n_configs} configurations x {n_seeds} seeds x {ckpts.size} checkpoints x {len(columns)} columns"
        extras = ([f"trace of {horizon} rounds"] if trace else []) + ([f"kept state of {ls_size} numbers"] if keep_state else [])
        raise ParameterError(
            "run", "seeds", " + ".join([shape] + extras),
            f"results up to {MAX_RESULT_BYTES / 2**30:.0f} GiB (this run needs {result_bytes / 2**30:.1f} GiB): "
            "use fewer seeds, checkpoints or metrics" + (", or no trace / keep_state" if extras else ""),
        )

    fb_size = problem.feedback_size(learner.type, env)
    action_size = problem.action_size(learner.type, env)
    # feedback due at or after the horizon is never delivered, so no more than horizon + 1 slots are ever in use
    cap = min(delay.max_delay, horizon) + 1 if delay is not None else 0
    event = obs_dim + action_size + fb_size
    sizes = [ls_size, env.state_size(), obs_dim, action_size, fb_size, problem.n_stats(env, metrics), cap * (1 + event)]
    width = sum(int(size) for size in sizes)  # in python integers: a size past int64 (n_arms = 10**19) is refused below
    longest = max(arms.windows(metrics), default=0) if problem is arms else 0
    if 8 * (n_actions + 1) * longest > MAX_RESULT_BYTES:  # the window's ring alone could never be held
        limit = MAX_RESULT_BYTES // (8 * (n_actions + 1))
        raise ParameterError("run", "metrics", f"{arms.WINDOW}{longest}",
                             f"{arms.WINDOW_NAME} with k <= {limit:,} here: it keeps (K + 1) k = {(n_actions + 1) * longest:,} "
                             f"numbers per seed, and one seed's working state must fit in {MAX_RESULT_BYTES / 2**30:.0f} GiB")
    if 8 * width > MAX_RESULT_BYTES:  # one seed's working row could never be held (e.g. n_bins = 1e9)
        raise ParameterError("run", "learner", f"{learner!r} on {env.name}: {width:,} numbers of working state per seed",
                             f"a learner and world whose working state per seed fits in {MAX_RESULT_BYTES / 2**30:.0f} GiB: "
                             "use smaller size parameters")
    layout = np.zeros(9, dtype=np.int64)
    layout[1:8] = np.cumsum(sizes)
    layout[8] = cap

    batch = compiled_batch(backend, learner.type, env.type, metrics, delay is not None, trace)
    config_of = np.repeat(np.arange(n_configs, dtype=np.int64), n_seeds)
    job_seeds = np.tile(seed_ids, n_configs)
    out = np.zeros((n_jobs, ckpts.size, len(columns)))
    trace_len = horizon if trace else 1
    actions = np.zeros((n_jobs, trace_len))
    losses = np.zeros((n_jobs, trace_len))
    states = np.zeros((n_jobs, ls_size if keep_state else 0))

    job_bytes = 8 * (width + ckpts.size * len(columns) + 2 * trace_len + states.shape[1])  # working row and results of one job
    chunk = backends.get(backend).chunk_jobs(n_jobs, horizon, job_bytes)
    total_steps = n_jobs * horizon
    show = progress if progress is not None else total_steps > 1e8
    started = time.perf_counter()
    with _progress(show, f"{learner.name} on {env.name}", total_steps) as advance:
        for lo in range(0, n_jobs, chunk):
            hi = min(lo + chunk, n_jobs)
            batch(
                lp_table, config_of[lo:hi], job_seeds[lo:hi], ep, dp, horizon, ckpts,
                max(width, 1), layout, out[lo:hi], actions[lo:hi], losses[lo:hi], states[lo:hi],
            )
            advance((hi - lo) * horizon)
    elapsed = time.perf_counter() - started

    return Result(
        values=out.reshape(n_configs, n_seeds, ckpts.size, len(columns)),
        learner=[learner.name] * n_configs,
        labels=learner.labels(),
        params=[dict(c) for c in learner.configs],
        environment=[env.name] * n_configs,
        env_params=[dict(env.values)] * n_configs,
        seeds=seed_ids,
        rounds=ckpts,
        columns=columns,
        horizon=horizon,
        backend=backend,
        delay=_recorded_delay(delay, horizon),
        actions=actions.reshape(n_configs, n_seeds, -1) if trace else None,
        losses=losses.reshape(n_configs, n_seeds, -1) if trace else None,
        states=states.reshape(n_configs, n_seeds, -1) if keep_state else None,
        seconds=elapsed,
    )


def _recorded_delay(delay, horizon: int) -> dict | None:
    """The delay as the result records it: its kind and bound, and for a sequence the sha256 of the
    delays of its first ``horizon`` rounds (int64 bytes), the ones the run used: two sequences are the
    same delay exactly when those agree, and a million-round sequence costs 64 characters, not 10 MB."""
    if delay is None:
        return None
    out = {"kind": ["fixed", "uniform", "sequence"][delay.kind], "max_delay": delay.max_delay}
    if delay.kind == delays.SEQUENCE:
        used = np.asarray(delay.values[:horizon], dtype=np.int64)
        out["sha256"] = hashlib.sha256(used.tobytes()).hexdigest()
    return out


class _progress:
    """A rich progress bar over steps (seeds x rounds), or nothing."""

    def __init__(self, show: bool, label: str, total: int):
        self.show, self.label, self.total = show, label, total

    def __enter__(self):
        if callable(self.show):
            return self.show
        if not self.show:
            return lambda n: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), transient=False,
        )
        self._bar.__enter__()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda n: self._bar.update(task, advance=n)

    def __exit__(self, *exc):
        if hasattr(self, "_bar"):  # the bar __enter__ started (any true show that is not a callable)
            self._bar.__exit__(*exc)
        return False


def steps_per_second(result: Result) -> float:
    return result.values.shape[0] * result.values.shape[1] * result.horizon / max(result.seconds, 1e-12)


__all__ = ["run", "checkpoint_grid", "steps_per_second"]
