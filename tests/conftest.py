"""Test-wide settings: the GPU code path runs on numba's CUDA simulator unless told otherwise."""
import os
from pathlib import Path


# must be set before numba.cuda is imported; NUMBA_ENABLE_CUDASIM=0 runs the gpu tests on a real GPU
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
# At test sizes compiling dominates, and LLVM's level-1 optimisation compiles much faster than numba's
# default 3 (the suite: 464 s against 535 s on 2 cores).  Results are the same bit for bit: without
# fast-math, LLVM may not reorder floating-point arithmetic at any level.  Benchmarks and users' runs
# keep numba's default.  Inherited by the notebooks' kernels and the figure scripts the tests start.
os.environ.setdefault("NUMBA_OPT", "1")

from olearn.core import config  # noqa: E402  (after the settings above, which numba reads on import)

# Every cpu call runs on the calling thread: the two workers already fill both cores, and the threaded
# runner's compilation (parallel=True) cost about 1 s per learner-world pair that a large call reaches.
# Serial and threaded runners give the same results bit for bit (tests/test_parity.py runs both).
config.SERIAL_STEPS = 1 << 62


# A test file runs whole on one worker (pytest-xdist's loadfile), so its learner-world pairings compile once.
# These files run the same pairings (python == cpu, traced): a learner's tests in all three go to one unit,
# chosen by the first letter of the test's parameters (every learner's id, and every reference case's,
# starts with the learner's name), in two units of about equal work, so both workers share the registry.
_SHARED = {"test_parity.py", "test_reference.py", "test_conformance.py"}
_FIRST_HALF = "_abcdefg"  # about 200 of the registry's 420 CPU seconds on 2 cores
# A notebook is a unit of its own (each starts its own kernel; together they are ~100 s).
_ONE_PER_TEST = {"test_notebooks.py"}
# Files run as one unit: the README's portfolio example is ONS on the portfolio world, whose compilation
# (11 s: the simplex projection in ONS's metric) test_portfolio.py also needs; the relax figure scripts'
# replays (test_relax_tables.py) and test_relax_learners.py both compile ChebCB on the cost-table world.
_TOGETHER = {"test_readme.py": "readme+portfolio", "test_portfolio.py": "readme+portfolio",
             "test_relax_tables.py": "relax", "test_relax_learners.py": "relax"}


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedPairings(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = super()._split_scope(nodeid)
            name = Path(path).name
            if name in _SHARED:
                first = nodeid.partition("[")[2][:1].lower() or "_"
                return "registry-1" if first in _FIRST_HALF else "registry-2"
            if name in _ONE_PER_TEST:
                return nodeid
            if name in _TOGETHER:
                return _TOGETHER[name]
            return path

    return SharedPairings(config, log)
