"""Experiments as data: a TOML file names learners, environments, grids, seeds and figures.

::

    [run]
    horizon = 10000          # rounds per seed
    seeds = 1000             # n (seeds 0..n-1) or a list of distinct seeds
    backend = "cpu"          # python, cpu or gpu
    checkpoints = 50         # log-spaced rounds, or a list of rounds
    metrics = ["regret"]     # default: every one-column metric (add "counts" for plays per action)
    delay = 0                # fixed feedback delay in rounds
    chunk_seeds = 1000       # seeds per stored chunk (the unit of work and of resuming)
    shuffle = false          # with [logs]: each seed reads the events in its own order
    out = "runs/name"        # results directory (default runs/<config file name>)

    [[environments]]         # or one [environment] table; a list for a scalar parameter is a grid
    name = "bernoulli"
    means = [0.2, 0.5, 0.8]

    [[learners]]             # a list for a scalar parameter is a grid
    name = "exp3"
    eta = [0.05, 0.1]

    [logs]                   # instead of environments: replay the learners on logged events
    world = { name = "bernoulli", means = [0.2, 0.8] }   # or file = "events.parquet"; see olearn.experiment.logged
    events = 20000

    [[figures]]              # optional; see olearn.experiment.figures
    kind = "curves"
    metric = "regret"

Everything is validated before any work starts; each error names the key and what it allows.
A *configuration* is one learner configuration on one environment configuration; the sweep
runs every configuration on every seed.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from olearn.core.errors import ParameterError, UnknownNameError, did_you_mean
from olearn.core.params import SCALAR_KINDS

RUN_KEYS = ("horizon", "seeds", "backend", "checkpoints", "metrics", "delay", "chunk_seeds", "out", "plot_metric", "shuffle")
TOP_KEYS = ("run", "environment", "environments", "logs", "learners", "figures")
DEFAULT_CHUNK_SEEDS = 1000
#: a sweep whose full table would exceed this is refused before it starts (bytes; about 32 per table row)
MAX_TABLE_BYTES = 8 * 2**30
ROW_BYTES = 32


class ConfigError(ParameterError):
    """A config key with a value outside what it allows."""


def _key_error(source, key, value, allowed, known=None):
    hint = "" if known is None else did_you_mean(str(key).rsplit(".", 1)[-1], known)
    return ConfigError(source, key, value, allowed + hint)


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def _short(value) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        return np.array2string(arr, separator=",", threshold=6, precision=4).replace("\n", "")
    return str(value)


@dataclass(frozen=True)
class Configuration:
    """One learner configuration on one environment configuration."""

    index: int
    learner: str
    learner_params: dict  # the values given in the config (plain JSON)
    label: str
    environment: str
    env_params: dict
    env_label: str

    def as_dict(self) -> dict:
        return {
            "index": self.index, "learner": self.learner, "learner_params": self.learner_params, "label": self.label,
            "environment": self.environment, "env_params": self.env_params, "env_label": self.env_label,
        }


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: configurations x seeds, cut into (configuration, seed chunk) units."""

    source: str
    raw: dict
    configurations: tuple
    horizon: int
    seeds: np.ndarray
    backend: str
    checkpoints: object
    metrics: object
    delay: int
    chunk_seeds: int
    out: Path
    figures: tuple
    shuffle: bool = False  # with [logs]: each seed reads the events in its own order

    def chunks(self) -> list[np.ndarray]:
        """The seed chunks, in order (each a contiguous slice of the seed list)."""
        return [self.seeds[i : i + self.chunk_seeds] for i in range(0, self.seeds.size, self.chunk_seeds)]

    def fingerprint(self) -> str:
        """Hash of everything that determines the numbers (not the output directory or the figures)."""
        body = {k: v for k, v in self.resolved().items() if k not in ("out", "figures")}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def resolved(self) -> dict:
        """The experiment with every configuration spelled out, as plain JSON."""
        return {
            "horizon": self.horizon,
            "seeds": self.seeds.tolist(),
            "backend": self.backend,
            "checkpoints": _plain(self.checkpoints),
            "metrics": _plain(self.metrics),
            "delay": self.delay,
            "chunk_seeds": self.chunk_seeds,
            "configurations": [c.as_dict() for c in self.configurations],
            "out": str(self.out),
            "figures": list(self.figures),
        } | ({"shuffle": True} if self.shuffle else {})


def load(path) -> Experiment:
    """Read and validate a TOML experiment file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")  # TOML is UTF-8 whatever the locale
    except FileNotFoundError:
        raise FileNotFoundError(f"no config file at {path}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(str(path), "(file)", path.name, f"a UTF-8 TOML file ({err.reason} at byte {err.start})") from None
    except OSError as err:  # a folder, a file this user may not read
        raise ConfigError(str(path), "(file)", path.name, f"a readable TOML file ({err.strerror})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(str(path), "(file)", path.name, f"valid TOML ({err})") from None
    return parse(raw, source=str(path), default_out=Path("runs") / path.stem)


def _grid(source, key, spec_params, given):
    """Split given values into fixed ones and grid axes (lists for scalar parameters)."""
    kinds = {p.name: p.kind for p in spec_params}
    fixed, axes = {}, {}
    for name, value in given.items():
        if name not in kinds:
            raise _key_error(source, f"{key}.{name}", value, f"parameters {', '.join(kinds) or '(none)'}", known=kinds)
        if kinds[name] in SCALAR_KINDS and isinstance(value, list):
            if not value:
                raise ConfigError(source, f"{key}.{name}", value, "a non-empty list of values for a grid")
            if any(isinstance(v, (list, dict)) for v in value):  # [[1, 2]] had become one configuration holding a grid
                raise ConfigError(source, f"{key}.{name}", value, "one value, or a flat list of values for a grid")
            repeated = [v for i, v in enumerate(value) if v in value[:i]]
            if repeated:  # two configurations would be the same one, under the same label
                raise ConfigError(source, f"{key}.{name}", value, f"a grid of distinct values ({repeated[0]!r} is given twice)")
            axes[name] = value
        else:
            fixed[name] = value
    return [dict(fixed, **dict(zip(axes, combo))) for combo in itertools.product(*axes.values())], tuple(axes)


def _table_list(source, raw, key):
    tables = raw.get(key, [])
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(source, key, tables, f"[[{key}]] tables")
    return tables


def _expand(source, key, table, registry, what):
    """Configurations of one [[learners]] / [[environments]] table: (name, given values, label) each."""
    table = dict(table)
    name = table.pop("name", None)
    label = table.pop("label", None)
    if name is None:
        raise ConfigError(source, f"{key}.name", None, f"a registered {what} name: {', '.join(registry.names())}")
    if not isinstance(name, str) or name not in registry:  # a list is no name (and unhashable)
        raise ConfigError(source, f"{key}.name", name, f"a registered {what} name: {', '.join(registry.names())}")
    if label is not None and not isinstance(label, str):
        raise ConfigError(source, f"{key}.label", label, "a string, the name its configurations are shown under")
    spec = registry[name]
    combos, axes = _grid(source, key, spec.params, table)
    out = []
    for given in combos:
        try:
            spec.make(**given)  # validates every value (ranges, shapes, consistency)
        except ParameterError as err:
            raise ConfigError(source, f"{key}.{err.name}", err.value, err.allowed) from None
        shown = {k: given[k] for k in given if k in axes or label is None}
        if label is None:
            text = name + ("(" + ", ".join(f"{k}={_short(v)}" for k, v in shown.items()) + ")" if shown else "")
        else:
            text = label + ("(" + ", ".join(f"{k}={_short(given[k])}" for k in axes) + ")" if axes else "")
        out.append((name, {k: _plain(v) for k, v in given.items()}, text))
    return out


def parse(raw: dict, source: str = "config", default_out: Path = Path("runs/experiment")) -> Experiment:
    """Validate a config dictionary (as read from TOML) into an :class:`Experiment`."""
    import environments
    from olearn import backends
    from olearn.engine import delays, problems
    from olearn.engine.run import MAX_RESULT_BYTES, _metrics, _seed_array, checkpoint_grid, world_horizon
    from olearn.learners import REGISTRY as LEARNERS

    for key in raw:
        if key not in TOP_KEYS:
            raise _key_error(source, key, raw[key], "top-level tables [run], [[environments]] (or [environment]) or [logs], "
                             "[[learners]], [[figures]]", known=TOP_KEYS)
    run = raw.get("run", {})
    if not isinstance(run, dict):
        raise ConfigError(source, "run", run, "a [run] table")
    for key in run:
        if key not in RUN_KEYS:
            raise _key_error(source, f"run.{key}", run[key], f"keys {', '.join(RUN_KEYS)}", known=RUN_KEYS)
    if "environment" in raw and "environments" in raw:
        raise ConfigError(source, "environment", raw["environment"], "either [environment] or [[environments]], not both")
    replayed = "logs" in raw
    if replayed and ("environment" in raw or "environments" in raw):
        raise ConfigError(source, "logs", "(table)", "either [logs] (the learners replayed on logged events) or [[environments]], not both")
    env_tables = _table_list(source, raw, "environments" if "environments" in raw else "environment")
    learner_tables = _table_list(source, raw, "learners")
    shuffle = run.get("shuffle", False)
    if not isinstance(shuffle, bool) or (shuffle and not replayed):
        raise ConfigError(source, "run.shuffle", shuffle, "true or false, and true only with [logs] (the order a seed reads the events in)")
    if not env_tables and not replayed:
        raise ConfigError(source, "environments", None, f"at least one [[environments]] table; names: {', '.join(environments.names())}")
    if not learner_tables:
        raise ConfigError(source, "learners", None, f"at least one [[learners]] table; names: {', '.join(LEARNERS.names())}")

    def wrap(key, fn, *args):
        try:
            return fn(*args)
        except ParameterError as err:
            raise ConfigError(source, key, err.value, err.allowed) from None
        except UnknownNameError as err:
            raise ConfigError(source, key, err.name, ", ".join(err.known)) from None

    backend = run.get("backend", "cpu")
    if backend not in backends.NAMES:
        raise ConfigError(source, "run.backend", backend, ", ".join(backends.NAMES))
    seeds = wrap("run.seeds", _seed_array, run.get("seeds", 100))
    chunk = run.get("chunk_seeds", DEFAULT_CHUNK_SEEDS)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ConfigError(source, "run.chunk_seeds", chunk, "an integer >= 1")
    delay = run.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        raise ConfigError(source, "run.delay", delay, "an integer >= 0 (a fixed delay in rounds)")

    envs = []
    for i, table in enumerate(env_tables):
        envs.extend(_expand(source, f"environments[{i}]", table, environments.REGISTRY, "environment"))
    learners = []
    for i, table in enumerate(learner_tables):
        learners.extend((i, *x) for x in _expand(source, f"learners[{i}]", table, LEARNERS, "learner"))
    for what, labels in (("environments", [e[2] for e in envs]), ("learners", [x[3] for x in learners])):
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ConfigError(source, f"{what}.label", dupes[0], "distinct labels (give each table a 'label')")

    if replayed:
        horizon, configurations, names, max_ckpts = _replayed(source, raw["logs"], run, learners, delay, wrap)
        n_cols, recorded = len(names), set(names)
    else:
        horizon = run.get("horizon", 1000)
        configurations, n_cols, max_ckpts, recorded = [], 0, 0, None  # recorded: the columns every environment records
    for env_name, env_given, env_label in envs:
        env = environments.make(env_name, **env_given)
        env_horizon = wrap("run.horizon", world_horizon, "run", horizon, env)
        ckpts = wrap("run.checkpoints", checkpoint_grid, horizon, run.get("checkpoints"))
        metrics = wrap("run.metrics", _metrics, run.get("metrics"), env, env_horizon)
        names = problems.of(env.type.kind).metric_columns(metrics, env)
        recorded = set(names) if recorded is None else recorded & set(names)
        cols = len(names)
        n_cols, max_ckpts = max(n_cols, cols), max(max_ckpts, ckpts.size)
        for i, name, given, label in learners:
            learner = LEARNERS.make(name, **given)
            try:
                problems.check_pair(learner.type, env)
                learner.bind(env.n_actions, env.obs_dim, horizon)
                if delay:
                    delays.fixed(delay).check_horizon(horizon)
            except ParameterError as err:
                raise ConfigError(source, f"learners[{i}].{err.name}", err.value, err.allowed) from None
            if delay and not learner.type.delayable:
                raise ConfigError(source, f"learners[{i}].name", name, "a learner that accepts delayed feedback "
                                  "(its update reads what its last act computed), or run.delay = 0")
            configurations.append(Configuration(len(configurations), name, given, label, env_name, env_given, env_label))

    n_chunk = min(chunk, seeds.size)
    unit_bytes = n_chunk * max_ckpts * n_cols * 8
    if unit_bytes > MAX_RESULT_BYTES:
        raise ConfigError(source, "run.chunk_seeds", chunk, f"chunks whose results fit in {MAX_RESULT_BYTES / 2**30:.0f} GiB "
                          f"(one chunk needs {unit_bytes / 2**30:.1f} GiB)")
    table_bytes = len(configurations) * seeds.size * max_ckpts * n_cols * ROW_BYTES
    if table_bytes > MAX_TABLE_BYTES:
        raise ConfigError(
            source, "run.seeds", f"{len(configurations)} configurations x {seeds.size} seeds x {max_ckpts} checkpoints x {n_cols} columns",
            f"a results table up to {MAX_TABLE_BYTES / 2**30:.0f} GiB (this grid needs {table_bytes / 2**30:.1f} GiB): "
            "fewer seeds, configurations, checkpoints or metrics",
        )
    if not isinstance(run.get("out", ""), str) or run.get("out") == "":
        raise ConfigError(source, "run.out", run.get("out"), "a directory path as a string, e.g. out = \"runs/mine\"")
    figures = _figures(source, raw, run, [c for c in names if c in recorded], configurations)
    return Experiment(
        source=source, raw=raw, configurations=tuple(configurations), horizon=int(horizon), seeds=seeds,
        backend=backend, checkpoints=run.get("checkpoints"), metrics=run.get("metrics"), delay=int(delay),
        chunk_seeds=int(chunk), out=Path(run.get("out", default_out)), figures=figures, shuffle=shuffle,
    )


def _replayed(source, table, run, learners, delay, wrap):
    """The [logs] table's configurations: (horizon, configurations, recorded metric names, checkpoints)."""
    from olearn.core.errors import check_integer
    from olearn.engine.run import checkpoint_grid
    from olearn.experiment import logged
    from olearn.learners import REGISTRY as LEARNERS
    from olearn.offpolicy.replay_loop import check_learner

    try:
        given, text = logged.spec(table), logged.label(table)
        logs = logged.build(given)
    except ParameterError as err:
        raise ConfigError(source, f"logs.{err.name}", err.value, err.allowed) from None
    except UnknownNameError as err:
        raise ConfigError(source, "logs", err.name, ", ".join(err.known)) from None
    if delay:
        raise ConfigError(source, "run.delay", delay, "0 with [logs]: a logged event's loss is known when it is replayed")
    if run.get("metrics") is not None:
        raise ConfigError(source, "run.metrics", run.get("metrics"), f"absent with [logs]: a replay records {', '.join(logged.METRICS)}")
    n, p_min = len(logs), float(logs.propensities.min())
    horizon = wrap("run.horizon", check_integer, "run", "horizon", run.get("horizon", max(1, int(n * p_min))), 1, n,
                   f"kept events per seed, at most the log's {n} events (about n p_min = {n * p_min:.0f} are kept)")
    ckpts = wrap("run.checkpoints", checkpoint_grid, horizon, run.get("checkpoints"))
    configurations = []
    for i, name, given_values, label in learners:
        try:
            learner = LEARNERS.make(name, **given_values)
            check_learner(learner)
            learner.bind(logs.n_arms, logs.obs_dim, horizon)
        except ParameterError as err:
            raise ConfigError(source, f"learners[{i}].{err.name}", err.value, err.allowed) from None
        configurations.append(Configuration(len(configurations), name, given_values, label, logged.NAME, given, text))
    return horizon, configurations, list(logged.METRICS), ckpts.size


def _figures(source, raw, run, recorded, configurations) -> tuple:
    """The [[figures]] tables checked before any work: each metric (given, or the default a curves or slope figure
    falls back to) among ``recorded`` (the columns every environment records), a slope's x ``round`` or a learner
    parameter the [[learners]] give, and no two figures writing the same file."""
    from olearn.experiment.figures import KINDS, check, default_metric

    tables = _table_list(source, raw, "figures")
    if tables and run.get("plot_metric") is not None:
        raise ConfigError(source, "run.plot_metric", run["plot_metric"], "no plot_metric with [[figures]] tables (it sets the "
                          "default figure's metric; give each figure its own metric)")
    if not tables:
        metric = run.get("plot_metric")
        tables = [{"kind": "curves"} if metric is None else {"kind": "curves", "metric": metric}]
    parameters = sorted({key for c in configurations for key in c.learner_params})
    out, files = [], {}
    for i, table in enumerate(tables):
        kind = table.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:  # a list is no kind (and unhashable)
            raise ConfigError(source, f"figures[{i}].kind", kind, ", ".join(KINDS))
        if kind == "counts" and "counts" not in (run.get("metrics") or ()):
            raise ConfigError(source, "run.metrics", run.get("metrics"), f"a list that includes 'counts' for figures[{i}] (kind counts)")
        metric = table.get("metric")
        if kind != "counts" and (metric if metric is not None else default_metric(recorded)) not in recorded:
            key = f"figures[{i}].metric" if "figures" in raw else "run.plot_metric"
            raise ConfigError(source, key, metric, "a metric every environment records: " + ", ".join(recorded)
                              + ("" if metric is None else did_you_mean(metric, recorded)))
        x = table.get("x")
        if kind == "slope" and x is not None and x != "round" and x not in parameters:
            raise ConfigError(source, f"figures[{i}].x", x, "'round' or a learner parameter the [[learners]] give: "
                              + ", ".join(["round", *parameters]) + did_you_mean(str(x), ["round", *parameters]))
        try:
            spec = check(dict(table))
        except ParameterError as err:
            known = KINDS[kind] if err.name not in KINDS[kind] else None  # a hint for an unknown key, not a bad value
            raise _key_error(source, f"figures[{i}].{err.name}", err.value, err.allowed, known=known) from None
        if spec["file"] in files:
            raise ConfigError(source, f"figures[{i}].file", spec["file"], f"a file name figures[{files[spec['file']]}] "
                              "does not use (two figures of one kind need a file each)")
        files[spec["file"]] = i
        out.append(spec)
    return tuple(out)
