"""A sweep's results directory: one parquet chunk per (configuration, seed chunk), each with a receipt.

Layout::

    OUT/sweep.json                                            resolved config, fingerprint, versions, git commit, device
    OUT/results/configuration=0003/seeds-00000000-00000999.parquet   seed, round, metric, value
    OUT/receipts/configuration=0003/seeds-00000000-00000999.json     sha256 and row count of that chunk

A chunk is written to a hidden temporary file and renamed into place; its receipt is written
the same way afterwards.  A chunk counts as done only when its receipt exists and the file's
SHA-256 and row count match it, so a half-written, truncated or corrupted chunk is recomputed
on ``--resume`` and no (configuration, seed) row is ever lost or duplicated.
``results/`` is a hive-partitioned parquet dataset that other tools (pandas, DuckDB, polars)
read directly.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from olearn.io.files import atomic_write

SWEEP_FILE = "sweep.json"


def chunk_name(lo: int, hi: int) -> str:
    """Name of the chunk holding seed positions lo..hi-1 of the seed list."""
    return f"seeds-{lo:08d}-{hi - 1:08d}"


def chunk_path(out: Path, configuration: int, lo: int, hi: int) -> Path:
    return Path(out) / "results" / f"configuration={configuration:04d}" / f"{chunk_name(lo, hi)}.parquet"


def receipt_path(out: Path, configuration: int, lo: int, hi: int) -> Path:
    return Path(out) / "receipts" / f"configuration={configuration:04d}" / f"{chunk_name(lo, hi)}.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_chunk(out: Path, configuration: int, lo: int, hi: int, frame: pd.DataFrame, seconds: float) -> dict:
    """Store one chunk (columns seed, round, metric, value) and then its receipt."""
    path = chunk_path(out, configuration, lo, hi)
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
    receipt = {"sha256": _sha256(path), "rows": len(frame), "seeds": [int(frame["seed"].iloc[0]), int(frame["seed"].iloc[-1])],
               "seconds": seconds, "host": platform.node(), "pid": os.getpid()}
    atomic_write(receipt_path(out, configuration, lo, hi), lambda tmp: tmp.write_text(json.dumps(receipt)))
    return receipt


def chunk_done(out: Path, configuration: int, lo: int, hi: int, rows: int) -> bool:
    """The chunk exists, matches its receipt, and has the rows it should."""
    return not _chunk_problem(out, configuration, lo, hi, rows)


def _chunk_problem(out: Path, configuration: int, lo: int, hi: int, rows: int | None = None) -> str:
    """What keeps a stored chunk from counting ('' when its file and receipt are in place and agree, and the receipt
    has ``rows`` rows where that is given)."""
    path, receipt = chunk_path(out, configuration, lo, hi), receipt_path(out, configuration, lo, hi)
    if not path.exists():
        return " (no results file)"
    if not receipt.exists():
        return " (no receipt: half-written)"
    try:
        info = json.loads(receipt.read_text())
    except (OSError, ValueError):
        return " (unreadable receipt)"
    if rows is not None and info.get("rows") != rows:
        return f" ({info.get('rows')} rows, {rows} expected)"
    return "" if info.get("sha256") == _sha256(path) else " (changed since it was written)"


def read_chunk(out: Path, configuration: int, lo: int, hi: int) -> pd.DataFrame:
    return pd.read_parquet(chunk_path(out, configuration, lo, hi))


def write_sweep(out: Path, resolved: dict, fingerprint: str) -> None:
    """The sweep's description: resolved config, fingerprint of what determines the numbers, versions, device."""
    from olearn.io import provenance

    body = {"fingerprint": fingerprint, "code": provenance.code_hash(), "config": resolved, **provenance.describe(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / SWEEP_FILE, lambda tmp: tmp.write_text(json.dumps(body, indent=2)))


def read_sweep(out: Path) -> dict | None:
    path = Path(out) / SWEEP_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        from olearn.core.errors import ParameterError  # noqa: PLC0415

        raise ParameterError("sweep", SWEEP_FILE, str(path), f"the JSON that olearn run writes (this file is not: {err}); "
                             "restore it, or run the config again into a new --out") from None


def results_digest(out: Path) -> str:
    """sha256 over every receipt (each holds its chunk's sha256): it changes whenever a chunk is recomputed."""
    digest = hashlib.sha256()
    for path in sorted((Path(out) / "receipts").rglob("*.json")):
        digest.update(path.relative_to(out).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def clear(out: Path) -> None:
    """Remove a sweep's results (``--force``)."""
    for sub in ("results", "receipts"):
        shutil.rmtree(Path(out) / sub, ignore_errors=True)
    (Path(out) / SWEEP_FILE).unlink(missing_ok=True)


def units(resolved: dict):
    """(configuration, lo, hi) of every chunk, in table order."""
    n, size = len(resolved["seeds"]), resolved["chunk_seeds"]
    for c in range(len(resolved["configurations"])):
        for lo in range(0, n, size):
            yield c, lo, min(lo + size, n)


def table(out: Path) -> pd.DataFrame:
    """The tidy table of a finished sweep: one row per (configuration, seed, round, metric).

    Columns: configuration, learner, config (its label), environment, env_config (its label),
    the learner parameters given in the config, ``env.<name>`` for scalar environment
    parameters given, then seed, round, metric, value.  Rows are ordered by configuration,
    seed, round and metric recording order.
    """
    out = Path(out)
    sweep = read_sweep(out)
    if sweep is None:
        raise FileNotFoundError(f"{out} holds no olearn sweep (expected {SWEEP_FILE})")
    resolved = sweep["config"]
    configs = resolved["configurations"]
    missing = [f"configuration={c:04d}/{chunk_name(lo, hi)}" + problem for c, lo, hi in units(resolved)
               if (problem := _chunk_problem(out, c, lo, hi))]
    if missing:  # named, and never read: a damaged chunk is no part of the table (--resume recomputes it)
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise FileNotFoundError(f"{out}: the sweep is unfinished ({len(missing)} chunks missing or damaged: {shown}); "
                                "run it again with --resume")
    parts = []
    for c, lo, hi in units(resolved):
        part = read_chunk(out, c, lo, hi)
        part.insert(0, "configuration", np.int64(c))
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    conf = configs
    idx = frame["configuration"].to_numpy()
    meta = {
        "learner": [x["learner"] for x in conf], "config": [x["label"] for x in conf],
        "environment": [x["environment"] for x in conf], "env_config": [x["env_label"] for x in conf],
    }
    for pos, (name, values) in enumerate(meta.items(), start=1):
        frame.insert(pos, name, pd.Categorical(np.asarray(values, dtype=object)[idx], categories=list(dict.fromkeys(values))))
    pos = 1 + len(meta)
    for prefix, key in (("", "learner_params"), ("env.", "env_params")):
        names = []
        for x in conf:
            names.extend(k for k, v in x[key].items() if not isinstance(v, (list, dict)) and k not in names)
        for k in names:
            cells = np.asarray([x[key].get(k, np.nan) for x in conf], dtype=object)
            column = pd.Series(cells[idx])
            given = [v for v in cells if not (isinstance(v, float) and np.isnan(v))]
            if given and all(isinstance(v, bool) for v in given):  # a flag stays a flag (missing: <NA>)
                column = column.map(lambda v: v if isinstance(v, bool) else pd.NA).astype("boolean")
            else:
                numeric = pd.to_numeric(column, errors="coerce")
                column = numeric if numeric.notna().sum() == column.notna().sum() else column
            frame.insert(pos, prefix + k, column)
            pos += 1
    frame["metric"] = pd.Categorical(frame["metric"], categories=list(pd.unique(frame["metric"])))
    return frame
