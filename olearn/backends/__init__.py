"""Backends: each compiles the engine's fused loop and maps it over (configuration, seed) jobs.

* ``python``: the kernels run uncompiled (the reference; readable tracebacks, slow);
* ``cpu``: numba ``njit``, ``prange`` over jobs;
* ``gpu``: numba-cuda device functions, one thread per job (numba-cuda, a CUDA GPU or the simulator).

Every backend returns the same numbers for the same seeds.
"""
from olearn.core.errors import BackendUnavailableError, UnknownNameError

NAMES = ("python", "cpu", "gpu")


def get(name: str):
    """The backend module named ``name``."""
    if name == "python":
        from olearn.backends import python as module
    elif name == "cpu":
        from olearn.backends import cpu as module
    elif name == "gpu":
        from olearn.backends import gpu as module

        module.check()
    else:
        raise UnknownNameError("backend", name, NAMES)
    return module


__all__ = ["get", "NAMES", "BackendUnavailableError"]
