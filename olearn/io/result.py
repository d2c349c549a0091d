"""Run results: arrays with coordinates, the tidy table, summaries with confidence bands, parquet I/O."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from olearn.core import config
from olearn.core.errors import ParameterError, check_path
from olearn.io import provenance
from olearn.io.files import atomic_write

RESULTS_FILE = "results.parquet"
SIDECAR_FILE = "run.json"
RUN_KEY = b"olearn.run"  # the results table's metadata key holding run.json's content
ARRAYS = ("actions", "losses", "states")  # per-round traces and final states: saved beside the table when held
_OWN_FIELDS = ("config", "backend", "seconds", "created", "arrays", *provenance.FIELDS)


def _plain(value):
    """JSON-ready copy of a parameter value: NumPy arrays and scalars as lists and Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _json_value(value):
    """``json.dumps``'s hook for a result's description (``meta`` a user filled): :func:`_plain`, or TypeError."""
    plain = _plain(value)
    if plain is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return plain


def _param_cell(value):
    """A parameter as a table cell: scalars as they are, arrays as short text."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, separator=",", threshold=20)
    return value


@dataclass
class Result:
    """Metrics of one or more configurations over seeds at checkpoint rounds.

    ``values[c, s, r, m]`` is metric column ``columns[m]`` of configuration ``c`` and seed
    ``seeds[s]`` after ``rounds[r]`` rounds.
    """

    values: np.ndarray
    learner: list
    labels: list
    params: list
    environment: list
    env_params: list
    seeds: np.ndarray
    rounds: np.ndarray
    columns: list
    horizon: int
    backend: str
    delay: dict | None = None
    actions: np.ndarray | None = None
    losses: np.ndarray | None = None
    states: np.ndarray | None = None  # learner state after the last round, per job (run(..., keep_state=True))
    seconds: float = 0.0
    meta: dict = field(default_factory=dict)
    origin: dict | None = None  # provenance (versions, source, device, created) of a loaded result; None: this process

    # ------------------------------------------------------------------ access
    def metric(self, name: str) -> np.ndarray:
        """``values[..., m]`` for the metric column ``name``: shape (configs, seeds, checkpoints)."""
        if name not in self.columns:
            raise ParameterError("result", "metric", name, f"a recorded column: {', '.join(self.columns)}")
        return self.values[..., self.columns.index(name)]

    def final(self, name: str) -> np.ndarray:
        """The metric at the horizon: shape (configs, seeds)."""
        return self.metric(name)[:, :, -1]

    @property
    def n_steps(self) -> int:
        return int(self.values.shape[0] * self.values.shape[1] * self.horizon)

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """Tidy table: learner, config, environment, (parameters...), seed, round, metric, value."""
        n_c, n_s, n_r, n_m = self.values.shape
        per_config = n_s * n_r * n_m
        frame = pd.DataFrame(
            {
                "learner": pd.Categorical(np.repeat(self.learner, per_config)),
                "config": pd.Categorical(np.repeat(self.labels, per_config)),
                "environment": pd.Categorical(np.repeat(self.environment, per_config)),
                "seed": np.tile(np.repeat(self.seeds, n_r * n_m), n_c),
                "round": np.tile(np.repeat(self.rounds, n_m), n_c * n_s),
                "metric": pd.Categorical(np.tile(self.columns, n_c * n_s * n_r), categories=self.columns),
                "value": self.values.reshape(-1),
            }
        )
        names = []
        for p in self.params:
            names.extend(k for k in p if k not in names)
        for k in names:
            cells = [_param_cell(p.get(k)) for p in self.params]
            frame.insert(3 + names.index(k), k, np.repeat(np.array(cells, dtype=object), per_config))
        return frame

    def summary(self, level: float = config.CONFIDENCE) -> pd.DataFrame:
        """Per configuration, checkpoint and metric: mean, standard error and a ``level`` t-interval over seeds
        (NaN with a single seed: one seed gives no interval); ``level`` is in (0, 1), e.g. 0.95."""
        from scipy import stats

        from olearn.analysis import check_level  # noqa: PLC0415

        level = check_level("summary", level)
        n = self.values.shape[1]
        mean = self.values.mean(axis=1)
        sd = self.values.std(axis=1, ddof=1) if n > 1 else np.full_like(mean, np.nan)  # one seed: no interval
        se = sd / np.sqrt(n)
        half = se * (stats.t.ppf(0.5 + level / 2, n - 1) if n > 1 else np.nan)
        n_c, n_r, n_m = mean.shape
        return pd.DataFrame(
            {
                "learner": np.repeat(self.learner, n_r * n_m),
                "config": np.repeat(self.labels, n_r * n_m),
                "environment": np.repeat(self.environment, n_r * n_m),
                "round": np.tile(np.repeat(self.rounds, n_m), n_c),
                "metric": np.tile(self.columns, n_c * n_r),
                "n_seeds": n,
                "mean": mean.reshape(-1),
                "se": se.reshape(-1),
                "low": (mean - half).reshape(-1),
                "high": (mean + half).reshape(-1),
            }
        )

    def table(self, metric: str = "regret") -> pd.DataFrame:
        """One row per configuration: the metric at the horizon, mean +- 95% half-width over seeds.

        An unknown ``metric`` raises the :class:`~olearn.core.errors.ParameterError` of :meth:`metric`."""
        self.metric(metric)  # an unknown name: the error that lists the recorded columns
        s = self.summary()
        s = s[(s["metric"] == metric) & (s["round"] == self.horizon)]
        return pd.DataFrame(
            {
                "config": s["config"].to_numpy(),
                "environment": s["environment"].to_numpy(),
                metric: s["mean"].to_numpy(),
                "ci95": (s["high"] - s["mean"]).to_numpy(),
                "se": s["se"].to_numpy(),
            }
        )

    # ------------------------------------------------------------------ combine
    @staticmethod
    def concat(results: list["Result"]) -> "Result":
        """Stack results of the same seeds, checkpoints, columns, horizon and delay along the configuration axis.

        The delay must be the same (a ``sequence`` delay: the same delays over the horizon).  The values and labels
        are stacked; traces, states and meta are not carried (run again with ``trace=True`` or
        ``keep_state=True`` for the configurations you need them for).  Configurations that would share a
        label get their parameters spelled out in it, e.g. ``ucb1(c=1.0)``.  ``backend`` is the results'
        distinct backends in order, joined by ``+`` (e.g. ``"cpu+gpu"``) when they differ.
        At least one result is needed.
        """
        try:
            results = list(results)
        except TypeError:  # None, a number: no list
            raise ParameterError("concat", "results", results, "a list of at least one Result") from None
        if not results or not all(isinstance(r, Result) for r in results):
            raise ParameterError("concat", "results", [type(r).__name__ for r in results], "a list of at least one Result "
                                 "(nothing else)")
        first = results[0]
        for i, r in enumerate(results[1:], start=1):
            if not (np.array_equal(r.seeds, first.seeds) and np.array_equal(r.rounds, first.rounds) and r.columns == first.columns):
                raise ParameterError("concat", f"results[{i}]", _outline(r), "a result with the same seeds, checkpoint rounds and "
                                     "metric columns as results[0] (results to concatenate need the same seeds, ...)")
            if r.horizon != first.horizon or r.delay != first.delay:
                raise ParameterError("concat", f"results[{i}]", _outline(r), "a result with the same horizon and delay as results[0] "
                                     f"(results to concatenate need the same horizon and delay: got horizon {r.horizon} and "
                                     f"delay {r.delay} after horizon {first.horizon} and delay {first.delay})")
        pick = lambda name: [x for r in results for x in getattr(r, name)]  # noqa: E731
        return Result(
            values=np.concatenate([r.values for r in results]),
            learner=pick("learner"), labels=_distinct_labels(pick("labels"), pick("params"), pick("environment")),
            params=pick("params"),
            environment=pick("environment"), env_params=pick("env_params"),
            seeds=first.seeds, rounds=first.rounds, columns=first.columns, horizon=first.horizon,
            backend="+".join(dict.fromkeys(r.backend for r in results)), delay=first.delay,
            seconds=sum(r.seconds for r in results),
        )

    # ------------------------------------------------------------------ files
    def sidecar(self) -> dict:
        taken = [k for k in self.meta if k in _OWN_FIELDS]
        if taken:  # it would replace the description (config: a result that no longer loads; source: its commit)
            raise ParameterError("save", "meta", taken[0], f"meta keys other than {', '.join(_OWN_FIELDS)} (run.json's own fields)")
        return {
            "config": {
                "learner": self.learner,
                "labels": self.labels,
                "params": [{k: _plain(v) for k, v in p.items()} for p in self.params],
                "environment": self.environment,
                "env_params": [{k: _plain(v) for k, v in p.items()} for p in self.env_params],
                "horizon": self.horizon,
                "seeds": self.seeds.tolist(),
                "rounds": self.rounds.tolist(),
                "columns": self.columns,
                "delay": self.delay,
            },
            "backend": self.backend,
            **(self.origin or {**provenance.describe(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}),
            "seconds": self.seconds,
            **self.meta,
        }

    def save(self, path) -> Path:
        """Write ``path/results.parquet`` (the tidy table, carrying this run's description in its
        metadata) and ``path/run.json`` (the same description, to read); returns ``path`` as given.

        Only these two files are written or replaced: anything else in ``path`` stays.  Each is
        written whole under a hidden name and renamed into place (:func:`olearn.io.files.atomic_write`),
        the table first.  :func:`load` reads the description from the table itself, so a save
        interrupted anywhere leaves a result that loads, the old one or the new one, never a mix.
        A folder that holds a sweep (``sweep.json``) is refused: :func:`load` would read the sweep.

        A result that holds per-round traces or final states (``actions``, ``losses``, ``states``:
        ``run(..., trace=True, keep_state=True)``) also gets ``path/arrays-<token>.npz``, written
        before the table, which names it; the file the replaced table named is removed after.  An
        interrupted save can leave an unnamed arrays file behind, never a table naming a missing one.
        """
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        check_save_folder(path, "save", "path")
        given = Path(path)
        path = given.resolve()  # "." and ".." name the folder they stand for
        description = self.sidecar()
        arrays = {name: getattr(self, name) for name in ARRAYS if getattr(self, name) is not None}
        if arrays:
            description["arrays"] = f"arrays-{os.urandom(8).hex()}.npz"
        try:
            side = json.dumps(description, indent=2, default=_json_value)  # run.json, to read
            embedded = json.dumps(description, default=_json_value).encode()  # the table's own copy
        except (TypeError, ValueError) as err:  # nothing is written yet (ValueError: a value that holds itself)
            raise ParameterError("save", "meta", str(err), "values JSON can hold (numbers, strings, lists, dicts, none "
                                 "holding itself; NumPy scalars and arrays are written as numbers and lists)") from None
        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), RUN_KEY: embedded})
        made = not path.exists()
        replaced = _arrays_file(path)
        try:
            if arrays:
                atomic_write(path / description["arrays"], lambda tmp: _write_npz(tmp, arrays))
            atomic_write(path / RESULTS_FILE, lambda tmp: pq.write_table(table, tmp))
            atomic_write(path / SIDECAR_FILE, lambda tmp: tmp.write_text(side))
        except BaseException:
            if made and path.exists() and not any(path.iterdir()):  # a save that wrote nothing leaves no empty folder behind
                path.rmdir()
            raise
        if replaced is not None and replaced != description.get("arrays"):
            (path / replaced).unlink(missing_ok=True)
        return given


def _outline(result: Result) -> str:
    """A result in a few words, for a message (its repr spells out every array)."""
    return (f"Result of {', '.join(result.labels)}: {len(result.seeds)} seeds, horizon {result.horizon}, "
            f"{len(result.rounds)} checkpoints, columns {', '.join(result.columns)}")


def check_save_folder(path: Path, caller: str, name: str) -> None:
    """Raise ParameterError (naming ``caller``'s parameter ``name``) unless :meth:`Result.save` can write
    to ``path``: a new path or a folder that holds no sweep (``load`` would read the sweep instead)."""

    path = check_path(caller, name, path, "a folder path").resolve()  # "." and ".." name the folder they stand for
    if path.exists() and not path.is_dir():
        raise ParameterError(caller, name, str(path), "a new path or a folder (a result is a folder of files; "
                             "this is an existing file)")
    if (path / "sweep.json").exists():
        raise ParameterError(caller, name, str(path), "a new path or a folder that holds no sweep (sweep.json): "
                             "load() would read the sweep, not this result")


def _write_npz(tmp, arrays) -> None:
    with open(tmp, "wb") as fh:  # a handle: numpy.savez would append ".npz" to the hidden name
        np.savez(fh, **arrays)


def _description(path: Path) -> dict | None:
    """The description the results table in ``path`` carries, or None."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    if not (path / RESULTS_FILE).exists():
        return None
    return _embedded(pq.read_schema(path / RESULTS_FILE))


def _embedded(schema) -> dict | None:
    """The description a results table's schema carries in its metadata, or None (saved before tables carried it)."""
    embedded = (schema.metadata or {}).get(RUN_KEY)
    return None if embedded is None else json.loads(embedded)


def _arrays_file(path: Path) -> str | None:
    """The arrays file the result saved in ``path`` names, if any."""
    try:
        return (_description(path) or {}).get("arrays")
    except Exception:  # an unreadable table is replaced whole, and names nothing to remove
        return None


def _read_arrays(path: Path, name: str | None) -> dict:
    if name is None:
        return {}
    if not (path / name).exists():  # the metrics still load
        import warnings  # noqa: PLC0415

        warnings.warn(f"{path / name} is missing: the result loads without its traces and states", UserWarning, stacklevel=3)
        return {}
    with np.load(path / name) as npz:
        return {k: npz[k] for k in ARRAYS if k in npz.files}


def _distinct_labels(labels, params, environments) -> list:
    """``labels``, with those shared by configurations of one environment spelled out as ``name(k=v, ...)``
    over the parameters that tell them apart, and numbered ``#1, #2, ...`` where that is not enough."""
    def groups(names):
        seen = {}
        for i, key in enumerate(zip(names, environments)):
            seen.setdefault(key, []).append(i)
        return [g for g in seen.values() if len(g) > 1]

    out = list(labels)
    for same in groups(labels):
        keys = sorted({k for j in same for k in params[j]})
        differ = [k for k in keys if len({repr(_plain(params[j].get(k))) for j in same}) > 1]
        for j in same:
            if differ:
                out[j] = labels[j].split("(")[0] + "(" + ", ".join(f"{k}={_plain(params[j].get(k))}" for k in differ) + ")"
    for same in groups(out):
        for n, j in enumerate(same, start=1):
            out[j] = f"{out[j]}#{n}"
    return out


def load(path):
    """Read a result: a :class:`Result` written by :meth:`Result.save`, or the tidy table
    (a ``pandas.DataFrame``, see :func:`olearn.experiment.store.table`) of a sweep written by ``olearn run``."""
    path = check_path("load", "path", path, "a folder path")
    if (path / "sweep.json").exists():
        from olearn.experiment import store  # noqa: PLC0415

        return store.table(path)
    if not (path / RESULTS_FILE).exists():
        raise FileNotFoundError(f"{path} holds no olearn result (expected {RESULTS_FILE})")
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        table = pq.read_table(path / RESULTS_FILE)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise ParameterError("load", "path", str(path), f"a folder whose {RESULTS_FILE} is the parquet file Result.save "
                             f"writes (this one could not be read: {err})") from None
    side = _embedded(table.schema)
    if side is None:  # saved before the table carried its description: run.json has it
        if not (path / SIDECAR_FILE).exists():
            raise FileNotFoundError(f"{path} holds no olearn result (expected {SIDECAR_FILE} next to {RESULTS_FILE})")
        try:
            side = json.loads((path / SIDECAR_FILE).read_bytes())
        except ValueError as err:  # JSONDecodeError, or bytes that are no text
            side = f"{type(err).__name__}: {err}"
        if not isinstance(side, dict) or "config" not in side or "backend" not in side:  # every description has both
            raise ParameterError("load", "path", str(path), f"a folder whose {SIDECAR_FILE} is the description Result.save "
                                 f"writes (this one is not: {side if isinstance(side, str) else 'no config or backend'})")
    cfg = side["config"]
    frame = table.to_pandas()
    n_c, n_s, n_r, n_m = len(cfg["labels"]), len(cfg["seeds"]), len(cfg["rounds"]), len(cfg["columns"])
    values = frame["value"].to_numpy().reshape(n_c, n_s, n_r, n_m)
    return Result(
        values=values, learner=cfg["learner"], labels=cfg["labels"],
        params=[{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in p.items()} for p in cfg["params"]],
        environment=cfg["environment"],
        env_params=[{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in p.items()} for p in cfg["env_params"]],
        seeds=np.asarray(cfg["seeds"], dtype=np.int64), rounds=np.asarray(cfg["rounds"], dtype=np.int64),
        columns=cfg["columns"], horizon=cfg["horizon"], backend=side["backend"], delay=cfg["delay"],
        seconds=side.get("seconds", 0.0), **_read_arrays(path, side.get("arrays")),
        meta={k: v for k, v in side.items() if k not in _OWN_FIELDS},
        origin={k: side[k] for k in ("created", *provenance.FIELDS) if k in side},  # saving it again keeps where it came from
    )
