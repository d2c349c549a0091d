"""The CPU backend: every kernel compiled with ``numba.njit``; jobs spread over threads with ``prange``.

Small calls (fewer than ``config.SERIAL_STEPS`` seeds x rounds) run the same batch compiled without
threads, where ``prange`` is ``range``: each seed's loop is the same compiled function either way, so the
results are the same bit for bit; each runner is compiled on its first use only."""
import numba
import numpy as np

from olearn.core import config
from olearn.core.kernel import Compiler
from olearn.engine.loop import make_batch

name = "cpu"
_compile = Compiler(numba.njit(error_model="numpy"))
compile_kernel = _compile  # one kernel compiled on its own (the step-wise driver)
# the loop's direct parts (act, update, interact, record) are inlined into it; deeper calls are not,
# which keeps compilation short (numba's inliner is slow on large call trees)
_inline_parts = Compiler(numba.njit(error_model="numpy", inline="always"), nested=_compile)
_loop = Compiler(numba.njit(error_model="numpy"), nested=_inline_parts)


def threaded(steps: int) -> bool:
    """Whether a call of ``steps`` seeds x rounds runs on the threaded batch (at least ``config.SERIAL_STEPS``)."""
    return steps >= config.SERIAL_STEPS


def batch_runner(source):
    """``source`` (a batch whose jobs loop with ``prange``) compiled twice, each on first use: ``runner(steps)`` is
    the threaded one for calls of at least ``config.SERIAL_STEPS`` seeds x rounds, else the one on the calling thread."""
    parallel = numba.njit(parallel=True, error_model="numpy")(source)
    serial = numba.njit(error_model="numpy")(source)

    def runner(steps):
        return parallel if threaded(steps) else serial

    return runner


def build(run_seed):
    """Compile the per-seed loop, and batch runners around it (:func:`batch_runner`)."""
    runner = batch_runner(_compile.rebind(make_batch(_loop(run_seed))))

    def run(lp_table, config_of, seeds, ep, dp, horizon, ckpts, width, layout, out, trace_actions, trace_losses, states):
        work = np.zeros((seeds.size, width))
        runner(seeds.size * horizon)(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions,
                                     trace_losses)
        states[:] = work[:, : states.shape[1]]  # the learner's state is the first block of each working row

    return run


def threads() -> int:
    return numba.get_num_threads()


def chunk_jobs(n_jobs: int, horizon: int, job_bytes: int) -> int:
    """Jobs per call: about CHUNK_STEPS steps, at most MAX_CHUNK_SEEDS rows and MAX_CHUNK_BYTES of working memory."""
    return int(max(1, min(config.MAX_CHUNK_SEEDS, config.CHUNK_STEPS // horizon, config.MAX_CHUNK_BYTES // job_bytes)))
