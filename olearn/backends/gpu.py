"""The GPU backend: the engine's per-seed loop compiled with numba-cuda, one thread per (configuration, seed).

The kernels are the very functions the other backends run, compiled as CUDA device
functions; state lives in device memory (CuPy arrays when CuPy is installed), and only
the checkpoint arrays come back to the host.  Without a GPU (or numba-cuda), asking for
this backend raises :class:`BackendUnavailableError` with the reason; importing olearn
never needs a GPU.  In CI the same path runs on numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from olearn.core import config
from olearn.core.errors import BackendUnavailableError
from olearn.core.kernel import Compiler

try:
    from numba import cuda  # a module global, so the CUDA simulator can stand in for it
except ImportError as _err:  # pragma: no cover - depends on the install
    cuda = None
    _IMPORT_ERROR = str(_err)

name = "gpu"
_compiler = None


def _cuda():
    if cuda is None:  # pragma: no cover - depends on the install
        raise BackendUnavailableError(
            f"backend 'gpu' needs numba-cuda ({_IMPORT_ERROR}); install the extra: pip install \"olearn[gpu]\""
        )
    if not cuda.is_available():
        raise BackendUnavailableError(
            "backend 'gpu' found no usable CUDA GPU on this machine; use backend='cpu', "
            "or set NUMBA_ENABLE_CUDASIM=1 to run the GPU code path on the CUDA simulator (slow, for tests)"
        )
    return cuda


def simulated() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") == "1"


def check() -> None:
    """Raise BackendUnavailableError unless a GPU (or the simulator) can run kernels."""
    _cuda()


def build(run_seed):
    """Compile the per-seed loop as a device function and a kernel that maps it over jobs."""
    global _compiler
    _cuda()
    if _compiler is None:
        _compiler = Compiler(cuda.jit(device=True))
    seed_loop = _compiler(run_seed)

    @cuda.jit
    def batch(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions, trace_losses):
        j = cuda.grid(1)
        if j < seeds.size:
            seed_loop(
                lp_table[config_of[j]], ep, dp, seeds[j], horizon, ckpts,
                work[:, j], layout, out[j], trace_actions[j], trace_losses[j],
            )

    def run(lp_table, config_of, seeds, ep, dp, horizon, ckpts, width, layout, out, trace_actions, trace_losses):
        n = seeds.size
        to_dev = cuda.to_device
        d_out = cuda.device_array(out.shape, dtype=np.float64)
        d_ta = cuda.device_array(trace_actions.shape, dtype=np.float64)
        d_tl = cuda.device_array(trace_losses.shape, dtype=np.float64)
        # one column per job: neighbouring threads touch neighbouring addresses (coalesced loads and stores)
        d_work = cuda.device_array((width, n), dtype=np.float64)
        threads = min(config.THREADS_PER_BLOCK, n) if simulated() else config.THREADS_PER_BLOCK  # the simulator runs a thread each
        blocks = (n + threads - 1) // threads
        with warnings.catch_warnings():  # the simulator runs the uint64 hashing in NumPy, in its own threads
            warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
            batch[blocks, threads](
                to_dev(lp_table), to_dev(config_of), to_dev(seeds), to_dev(ep), to_dev(dp), horizon, to_dev(ckpts),
                d_work, to_dev(layout), d_out, d_ta, d_tl,
            )
        out[:] = d_out.copy_to_host()
        trace_actions[:] = d_ta.copy_to_host()
        trace_losses[:] = d_tl.copy_to_host()

    return run


def chunk_jobs(n_jobs: int, horizon: int, width: int) -> int:
    """All jobs in one launch when their working rows fit in a quarter of the free device memory."""
    if simulated():
        return max(1, min(n_jobs, 64))
    _cuda()
    free, _ = cuda.current_context().get_memory_info()
    per_job = 8 * (width + 64)
    fit = max(1, int(free // 4 // per_job))
    return max(1, min(n_jobs, fit))
