"""The CPU backend: every kernel compiled with ``numba.njit``; jobs spread over threads with ``prange``."""
import numba

from olearn.core.kernel import Compiler
from olearn.engine.loop import make_batch

name = "cpu"
_compile = Compiler(numba.njit(error_model="numpy"))
# the loop's direct parts (act, update, interact, record) are inlined into it; deeper calls are not,
# which keeps compilation short (numba's inliner is slow on large call trees)
_inline_parts = Compiler(numba.njit(error_model="numpy", inline="always"), nested=_compile)
_loop = Compiler(numba.njit(error_model="numpy"), nested=_inline_parts)


def build(run_seed):
    """Compile the per-seed loop and a parallel batch runner around it."""
    return numba.njit(parallel=True, error_model="numpy")(_compile.rebind(make_batch(_loop(run_seed))))


def threads() -> int:
    return numba.get_num_threads()
