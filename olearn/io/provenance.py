"""Where a result came from: package versions, the source's git commit, the machine.

Written into every ``run.json`` (:meth:`olearn.Result.save`) and ``sweep.json`` (``olearn run``),
so a stored number can be traced to the code and the libraries that produced it.
"""
from __future__ import annotations

import os
import platform
import subprocess
from functools import lru_cache
from pathlib import Path

LIBRARIES = ("numpy", "numba", "pandas", "pyarrow", "scipy")  # what every result depends on
SWEEP_LIBRARIES = ("dask", "distributed")  # reported when loaded (sweeps)


def versions() -> dict:
    """Versions of olearn, Python, the numeric libraries, and dask when a sweep has loaded it."""
    import importlib
    import sys

    from olearn import __version__

    out = {"olearn": __version__, "python": platform.python_version()}
    for name in LIBRARIES + SWEEP_LIBRARIES:
        try:
            module = importlib.import_module(name) if name in LIBRARIES else sys.modules.get(name)
        except ImportError:
            module = None
        if module is not None and hasattr(module, "__version__"):
            out[name] = module.__version__
    return out


@lru_cache(maxsize=1)
def source() -> dict:
    """The git commit of olearn's source tree and whether it had uncommitted changes; {} outside a git checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return {}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if commit.returncode != 0:
        return {}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 (16 hex digits) of olearn's and environments' Python sources: what computes the numbers."""
    import hashlib

    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for package in ("olearn", "environments"):
        for path in sorted((root / package).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def device() -> dict:
    return {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count()}


FIELDS = ("versions", "source", "device")  # the keys describe() writes into a sidecar file


def describe() -> dict:
    """``{"versions": ..., "source": ..., "device": ...}`` (:data:`FIELDS`) for a sidecar file."""
    return dict(zip(FIELDS, (versions(), source(), device())))
