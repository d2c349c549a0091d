"""A sweep's ``[logs]`` table: the logged bandit data its learners are replayed on, instead of a world.

::

    [logs]                                   # events collected from a world under a logging policy ...
    world = { name = "linear_contextual", theta = [[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]] }
    events = 30000
    seed = 0                                 # the world's seed for the log (default 0)
    logging = [0.5, 0.3, 0.2]                # fixed probabilities; or { name = "exp3", eta = 0.01 }; default uniform

    [logs]                                   # ... or read from a table with one row per event
    file = "data/clicks.parquet"             # .parquet or .csv, relative to the working directory
    columns = { action = "arm", propensity = "p", reward = "click", contexts = ["x0", "x1"] }   # or loss = "..."

Each (learner configuration, seed chunk) is replayed with :func:`olearn.offpolicy.replay` (``run.shuffle``
lets each seed read the events in its own order); a seed's rounds are its kept events, and the
sweep records ``loss`` (total loss over the first kept events) and ``events`` (logged events read to keep
them), NaN past the end of the log.  A file's SHA-256 is part of the sweep's fingerprint: a changed file
is not mixed into a resumed sweep.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path

from olearn.core.errors import ParameterError, UnknownNameError, did_you_mean

#: the name a replayed configuration shows in the environment column
NAME = "logs"
METRICS = ("loss", "events")
KEYS = ("world", "events", "seed", "logging", "file", "columns", "label")
COLUMN_KEYS = ("action", "propensity", "loss", "reward", "contexts", "n_arms")


def _error(key, value, allowed):
    return ParameterError("logs", key, value, allowed)


def spec(table: dict) -> dict:
    """The ``[logs]`` table checked and made plain (a file's digest added); raises ParameterError."""
    if not isinstance(table, dict):
        raise _error("(table)", table, "a [logs] table")
    for key in table:
        if key not in KEYS:
            raise _error(key, table[key], "keys " + ", ".join(KEYS))
    out = {k: v for k, v in table.items() if k != "label"}
    if ("file" in table) == ("world" in table):
        raise _error("file" if "file" in table else "world", table.get("file", table.get("world")),
                     "exactly one of world = { name = ..., ... } (events collected from it) or file = \"...\" (a table of events)")
    if "file" in table:
        for key in ("events", "seed", "logging"):
            if key in table:
                raise _error(key, table[key], "absent when the events come from a file (they are the file's rows)")
        path = Path(str(table["file"]))
        if not isinstance(table["file"], str) or path.suffix.lower() not in (".parquet", ".csv") or not path.is_file():
            raise _error("file", table["file"], "an existing .parquet or .csv file with one row per logged event")
        columns = table.get("columns", {})
        if not isinstance(columns, dict) or any(k not in COLUMN_KEYS for k in columns):
            raise _error("columns", columns, "a table with keys among " + ", ".join(COLUMN_KEYS))
        out["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    else:
        if "columns" in table:
            raise _error("columns", table["columns"], "absent when the events are collected from a world")
        world = table["world"]
        if not isinstance(world, dict) or not isinstance(world.get("name"), str):
            raise _error("world", world, "a table with the world's name and parameters, e.g. { name = \"bernoulli\", means = [0.2, 0.8] }")
        events = table.get("events")
        if isinstance(events, bool) or not isinstance(events, int) or events < 1:
            raise _error("events", events, "an integer >= 1, the number of logged events to collect")
        logging = table.get("logging")
        if logging is not None and not isinstance(logging, (list, dict)):
            raise _error("logging", logging, "a list of probabilities, one per arm, or { name = ..., ... } of a bandit learner "
                         "that reports its arm's probability (default: uniform)")
    return out


def label(table: dict) -> str:
    """How the log is shown: its ``label``, else the world's name or the file's name."""
    if table.get("label") is not None:
        if not isinstance(table["label"], str):
            raise _error("label", table["label"], "a string, the name the log is shown under")
        return table["label"]
    return f"{NAME}({table['world']['name']})" if "world" in table else f"{NAME}({Path(table['file']).name})"


def build(given: dict):
    """The :class:`~olearn.offpolicy.Logs` a checked spec describes (collected or read; kept per process, a
    file's digest checked at every call)."""
    if "file" in given and "sha256" in given and hashlib.sha256(Path(given["file"]).read_bytes()).hexdigest() != given["sha256"]:
        raise _error("file", given["file"], f"the file the sweep was set up with (SHA-256 {given['sha256'][:12]}...); it has "
                     "changed since: start the sweep over (--force) or restore the file")
    return _build(json.dumps(given, sort_keys=True))


@functools.lru_cache(maxsize=4)
def _build(key: str):
    import environments  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    from olearn import offpolicy  # noqa: PLC0415
    from olearn.learners import make  # noqa: PLC0415

    given = json.loads(key)
    if "file" in given:
        path = Path(given["file"])
        try:
            frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
        except Exception as err:  # noqa: BLE001  an empty file, malformed CSV, a .parquet that is not Parquet, unreadable bytes
            kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
            raise _error("file", given["file"], f"a readable {kind} file with a header row and one row per logged event "
                         f"(reading it failed: {type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''})") from None
        try:
            return offpolicy.Logs.from_frame(frame, **given.get("columns", {}))
        except ParameterError as err:  # the column or value at fault, and the file it is in
            raise _error(err.name, err.value, f"{err.allowed} (in {given['file']})") from None
    world = dict(given["world"])
    with _named("world"):
        env = environments.make(world.pop("name"), **world)
    logging = given.get("logging")
    if isinstance(logging, dict):
        logging = dict(logging)
        with _named("logging"):
            logging = make(logging.pop("name", None), **logging)
    return offpolicy.collect(env, given["events"], seed=given.get("seed", 0), logging=logging)


@contextlib.contextmanager
def _named(key: str):
    """Errors of the world or logging learner a [logs] table names, as that table's keys (``world.means``,
    ``logging.name``), not as keys of [logs] itself."""
    try:
        yield
    except ParameterError as err:
        raise _error(f"{key}.{err.name}", err.value, err.allowed) from None
    except UnknownNameError as err:
        raise _error(f"{key}.name", err.name, f"a registered {err.what} name{did_you_mean(str(err.name), err.known)}: "
                     + ", ".join(err.known)) from None
