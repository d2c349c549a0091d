"""Test-wide settings: the GPU code path runs on numba's CUDA simulator unless told otherwise."""
import os
from pathlib import Path

import pytest

# must be set before numba.cuda is imported; NUMBA_ENABLE_CUDASIM=0 runs the gpu tests on a real GPU
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
# At test sizes compiling dominates, and LLVM's level-1 optimisation compiles much faster than numba's
# default 3 (the suite: 464 s against 535 s on 2 cores).  Results are the same bit for bit: without
# fast-math, LLVM may not reorder floating-point arithmetic at any level.  Benchmarks and users' runs
# keep numba's default.  Inherited by the notebooks' kernels and the figure scripts the tests start.
os.environ.setdefault("NUMBA_OPT", "1")


# A test file runs whole on one worker (pytest-xdist's loadfile), so its learner-world pairings compile once.
# These files run the same pairings (python == cpu, traced) and are scheduled as one unit.
_SHARED = {"test_parity.py", "test_reference.py", "test_conformance.py"}


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedPairings(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = super()._split_scope(nodeid)
            return "registry" if Path(path).name in _SHARED else path

    return SharedPairings(config, log)
