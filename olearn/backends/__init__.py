"""Backends: each compiles the engine's fused loop and maps it over (configuration, seed) jobs.

* ``python``: the kernels run uncompiled (the reference; readable tracebacks, slow);
* ``cpu``: numba ``njit``, ``prange`` over jobs.

Every backend returns the same numbers for the same seeds.
"""
from olearn.core.errors import BackendUnavailableError, UnknownNameError

NAMES = ("python", "cpu")


def get(name: str):
    """The backend module named ``name``."""
    if name == "python":
        from olearn.backends import python as module
    elif name == "cpu":
        from olearn.backends import cpu as module
    else:
        raise UnknownNameError("backend", name, NAMES)
    return module


__all__ = ["get", "NAMES", "BackendUnavailableError"]
