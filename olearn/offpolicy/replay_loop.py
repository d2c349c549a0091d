"""Replay: run a bandit learner on logged data as if it were live (Li, Chu, Langford, Wang, WSDM 2011).

The learner reads the log event by event.  At event i it sees x_i and picks an arm a; the event is
*kept* when a = a_i and, for a logging policy that was not uniform, an independent draw
u_i < p_min / p_i accepts it (rejection sampling, as Dudik, Erhan, Langford, Li 2012 use for known
propensities; p_min = min_i p_i).  A kept event gives the learner the logged loss and advances its
clock t; any other event leaves the learner exactly as it was before it acted (its state is restored).

For a log of i.i.d. events, the first T kept events are distributed as T rounds of the learner
playing live in the logging world (Li et al. 2011, Theorem 1; with the acceptance, an event is kept with
probability p(a | x) p_min / p(a | x) = p_min whatever its context x and the learner's arm a).  That needs
p_min <= p(a | x) for every context and arm: true when the logging policy's smallest propensity appears in the
log (a uniform log, or fixed probabilities per arm); a context-dependent logging policy whose smallest
propensities were never logged keeps the pairs below p_min less often than the others.  About n p_min events
are kept from n.

The learner's clock and random draws are those of the engine: at its t-th kept event it acts with
round t and its seed, as in ``olearn.run``.  ``shuffle=True`` lets each seed read the events in its
own random order (a valid resampling when the events are exchangeable, so a deterministic learner
gets a different trajectory per seed); the order is :func:`olearn.core.rng.permuted`, computed event
by event, so no seed holds a copy of the log or of its order.  Backends: ``python``, ``cpu`` (threads
over seeds) and ``gpu`` (a thread per seed; the log is read by every thread).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_flag, check_integer
from olearn.core.kernel import kernel
from olearn.core.spec import Learner
from olearn.engine.run import _seed_array, checkpoint_grid
from olearn.offpolicy.logs import Logs


def _make_replay_seed(learner_type):
    l_init, l_act, l_update = learner_type.init, learner_type.act, learner_type.update

    @kernel
    def replay_seed(lp, seed, contexts, actions, losses, accept, shuffle, half, horizon, ckpts, ls, backup, obs, action, fb, out):
        n = actions.size
        l_init(ls, lp, seed)
        kept = 0
        total = 0.0
        c = 0
        i = 0
        while i < n and kept < horizon:
            e = rng.permuted(seed, rng.REPLAY_ORDER, i, n, half) if shuffle else i
            for j in range(obs.size):
                obs[j] = contexts[e, j]
            for j in range(ls.size):
                backup[j] = ls[j]
            l_act(ls, lp, obs, kept, seed, action)
            if int(action[0]) == actions[e] and (accept[e] >= 1.0 or rng.uniform(seed, rng.REPLAY, e, 1) < accept[e]):
                fb[0] = losses[e]
                l_update(ls, lp, obs, action, fb, kept, seed)
                total += losses[e]
                kept += 1
                if kept == ckpts[c]:
                    out[c, 0] = total
                    out[c, 1] = i + 1
                    c += 1
            else:
                for j in range(ls.size):
                    ls[j] = backup[j]
            i += 1
        out[ckpts.size - 1, 0] = total  # past the checkpoints (a sentinel round): all the seed kept
        out[ckpts.size - 1, 1] = i
        return kept

    return replay_seed


def _make_batch(replay_seed):
    from numba import prange

    @kernel
    def replay_batch(lp_table, config_of, seeds, contexts, actions, losses, accept, shuffle, half, horizon, ckpts,
                     states, backups, obs, action, fb, out, kept):
        for j in prange(seeds.size):
            kept[j] = replay_seed(lp_table[config_of[j]], seeds[j], contexts, actions, losses, accept, shuffle, half, horizon, ckpts,
                                  states[j], backups[j], obs[j], action[j], fb[j], out[j])

    return replay_batch


def gpu_batch(device_seed):
    """The gpu kernel's Python source over the device function ``device_seed``: thread j replays job j,
    its working rows being column j of each array (neighbouring threads, neighbouring addresses)."""

    def replay_batch(lp_table, config_of, seeds, contexts, actions, losses, accept, shuffle, half, horizon, ckpts,
                     states, backups, obs, action, fb, out, kept):
        j = cuda.grid(1)
        if j < seeds.size:
            kept[j] = device_seed(lp_table[config_of[j]], seeds[j], contexts, actions, losses, accept, shuffle, half, horizon,
                                  ckpts, states[:, j], backups[:, j], obs[:, j], action[:, j], fb[:, j], out[j])

    return replay_batch


cuda = None  # numba.cuda (or its simulator), read by gpu_batch's kernel; set when the gpu backend is first used


def events_read(logs: Logs, horizon: int) -> int:
    """The events a job reads to keep ``horizon`` of them, about: each is kept with probability p_min whatever the
    learner plays (p(a) p_min / p(a)), and no job reads more than the log."""
    return min(len(logs), math.ceil(horizon / float(logs.propensities.min())))


def _host_runner(runner):
    """Working rows per job on the host, then the batch ``runner(seeds x events read)`` picks (python, or compiled for
    the cpu: :func:`olearn.backends.cpu.batch_runner`)."""

    def run(table, jc, seeds, contexts, actions, losses, accept, shuffle, half, horizon, ckpts, size, d, a_dim, out, kept,
            reads):
        m = seeds.size
        batch = runner(m * reads)
        with np.errstate(over="ignore"):  # the counter-based generator wraps in uint64 on purpose
            batch(table, jc, seeds, contexts, actions, losses, accept, shuffle, half, horizon, ckpts,
                  np.zeros((m, size)), np.zeros((m, size)), np.zeros((m, d)), np.zeros((m, a_dim)), np.zeros((m, 1)), out, kept)

    return run


def _gpu_runner(replay_seed):
    """The kernel launched with one thread per job; the log goes to the device once per call, and only the
    checkpoint arrays come back."""
    global cuda
    from olearn.backends import gpu  # noqa: PLC0415

    cuda = gpu._cuda()
    kernel = gpu._kernel_jit()(gpu_batch(gpu.device_compiler()(replay_seed)))

    def run(table, jc, seeds, contexts, actions, losses, accept, shuffle, half, horizon, ckpts, size, d, a_dim, out, kept,
            reads):
        to_device, zeros, to_host = gpu._device_arrays()
        m = seeds.size
        d_out, d_kept = to_device(out), to_device(kept)
        gpu.launch(kernel, m, to_device(table), to_device(jc), to_device(seeds),
                   to_device(contexts if d else np.zeros((actions.size, 1))), to_device(actions), to_device(losses),
                   to_device(accept), shuffle, half, horizon, to_device(ckpts), zeros((size, m)), zeros((size, m)),
                   zeros((max(d, 1), m))[:d], zeros((a_dim, m)), zeros((1, m)), d_out, d_kept)
        out[:] = to_host(d_out)
        kept[:] = to_host(d_kept)

    return run


_BUILT: dict = {}
BACKENDS = ("python", "cpu", "gpu")


def _runner(backend: str, learner_type):
    key = (backend, id(learner_type))
    hit = _BUILT.get(key)
    if hit is None or hit[1] is not learner_type:
        replay_seed = _make_replay_seed(learner_type)
        if backend == "gpu":
            run = _gpu_runner(replay_seed)
        elif backend == "cpu":
            from olearn.backends import cpu  # noqa: PLC0415

            run = _host_runner(cpu.batch_runner(cpu.compile_kernel.rebind(_make_batch(replay_seed))))
        else:
            batch = _make_batch(replay_seed)
            run = _host_runner(lambda steps: batch)
        _BUILT[key] = (run, learner_type)  # the type is kept so its id is not reused
    return _BUILT[key][0]


@dataclass(frozen=True)
class Replay:
    """Replay results: ``loss[c, s, p]`` is configuration c's, seed s's total loss over its first
    ``checkpoints[p]`` kept events, ``events[c, s, p]`` how many logged events it read to keep them
    (both NaN where the log ran out first); ``kept[c, s]`` the events it kept in all, ``total[c, s]``
    their total loss and ``read[c, s]`` the logged events it read."""

    labels: list
    seeds: np.ndarray
    checkpoints: np.ndarray
    loss: np.ndarray
    events: np.ndarray
    kept: np.ndarray
    total: np.ndarray
    read: np.ndarray
    n_events: int

    @property
    def horizon(self) -> int:
        return int(self.checkpoints[-1])

    def reached(self) -> np.ndarray:
        """Per configuration, the share of seeds that kept ``horizon`` events before the log ran out."""
        return np.mean(self.kept >= self.horizon, axis=1)

    def average_loss(self) -> np.ndarray:
        """Per configuration, the mean over seeds of the loss per kept event (each seed over all it kept;
        NaN for a configuration that kept none)."""
        with np.errstate(invalid="ignore"):
            per_seed = np.where(self.kept > 0, self.total / np.maximum(self.kept, 1), np.nan)
        out = np.full(per_seed.shape[0], np.nan)
        some = np.any(self.kept > 0, axis=1)
        out[some] = np.nanmean(per_seed[some], axis=1)
        return out

    def to_frame(self):
        """One row per (configuration, seed, checkpoint): learner, seed, round, loss, events."""
        import pandas as pd

        c, s, p = np.meshgrid(np.arange(len(self.labels)), np.arange(self.seeds.size), np.arange(self.checkpoints.size), indexing="ij")
        return pd.DataFrame({
            "learner": np.asarray(self.labels, dtype=object)[c.ravel()],
            "seed": self.seeds[s.ravel()],
            "round": self.checkpoints[p.ravel()],
            "loss": self.loss.ravel(),
            "events": self.events.ravel(),
        })


def check_learner(learner) -> None:
    """``learner`` can be replayed on a log (a bandit learner of kind ``arms`` that is not sleeping), or a clear error."""
    if not isinstance(learner, Learner):
        raise ParameterError("replay", "learner", learner, "a learner made with olearn.make(...)")
    t = learner.type
    if t.kind != "arms" or t.feedback != "bandit" or t.sleeping:
        from olearn.learners import REGISTRY  # noqa: PLC0415

        fit = ", ".join(n for n in REGISTRY.names() if REGISTRY[n].kind == "arms" and REGISTRY[n].feedback == "bandit" and not REGISTRY[n].sleeping)
        raise ParameterError("replay", "learner", t.name, f"a bandit learner (a log holds the played arm's loss only): {fit}")


def replay(learner: Learner, logs: Logs, horizon: int | None = None, seeds=1, checkpoints=None,
           shuffle: bool = False, backend: str = "cpu") -> Replay:
    """Replay ``learner`` (every configuration of a grid, every seed) on ``logs`` until it has kept
    ``horizon`` events or read the whole log.

    ``horizon`` sets the learner's parameters that depend on the number of rounds and where it stops;
    by default the number of events it keeps on average, n p_min (n / K for a uniform log).
    ``checkpoints`` are counts of kept events, as ``olearn.run``'s rounds.
    """
    check_learner(learner)
    if not isinstance(logs, Logs):
        raise ParameterError("replay", "logs", type(logs).__name__, "an olearn.offpolicy.Logs (offpolicy.collect or offpolicy.Logs(...))")
    t = learner.type
    if backend not in BACKENDS:
        raise ParameterError("replay", "backend", backend, "'python', 'cpu' or 'gpu'")
    n = len(logs)
    p_min = float(logs.propensities.min())
    accept = p_min / logs.propensities  # exactly 1 where p_i = p_min: no draw there
    if horizon is None:
        horizon = max(1, int(n * p_min))
    horizon = check_integer("replay", "horizon", horizon, 1, n, f"kept events to stop at; the log has {n} events")
    ckpts = checkpoint_grid(horizon, checkpoints)
    seeds = _seed_array(seeds)
    check_flag("replay", "shuffle", shuffle)
    table, size = learner.bind(logs.n_arms, logs.obs_dim, horizon)
    n_cfg, n_seeds, n_ck = table.shape[0], seeds.size, ckpts.size
    loss = np.full((n_cfg, n_seeds, n_ck), np.nan)
    events = np.full((n_cfg, n_seeds, n_ck), np.nan)
    kept = np.zeros((n_cfg, n_seeds), dtype=np.int64)
    total = np.zeros((n_cfg, n_seeds))
    read = np.zeros((n_cfg, n_seeds), dtype=np.int64)
    jobs_c = np.repeat(np.arange(n_cfg), n_seeds)
    jobs_s = np.tile(np.arange(n_seeds), n_cfg)
    run = _runner(backend, t)
    reads = events_read(logs, horizon)
    ckpts_k = np.append(ckpts, -1)  # a sentinel past the last checkpoint
    d, a_dim = logs.obs_dim, t.action_dim
    if backend == "gpu":  # as many jobs as fit in the free device memory: two state rows, context, action, results
        from olearn.backends import gpu  # noqa: PLC0415

        chunk = gpu.chunk_jobs(jobs_c.size, horizon, 8 * (2 * size + d + a_dim + 2 * (n_ck + 1) + 2))
    else:
        chunk = 4096
    for start in range(0, jobs_c.size, chunk):
        jc, js = jobs_c[start : start + chunk], jobs_s[start : start + chunk]
        m = jc.size
        out = np.full((m, n_ck + 1, 2), np.nan)
        k = np.zeros(m, dtype=np.int64)
        run(table, jc, seeds[js], logs.contexts, logs.actions, logs.losses, accept, bool(shuffle), rng.half_bits(n), horizon,
            ckpts_k, size, d, a_dim, out, k, reads)
        loss[jc, js] = out[:, :n_ck, 0]
        events[jc, js] = out[:, :n_ck, 1]
        kept[jc, js] = k
        total[jc, js] = out[:, n_ck, 0]
        read[jc, js] = out[:, n_ck, 1].astype(np.int64)
    return Replay(learner.labels(), seeds, ckpts, loss, events, kept, total, read, n)
