"""The GPU backend: the engine's per-seed loop compiled with numba-cuda, one thread per (configuration, seed).

The kernels are the very functions the other backends run, compiled as CUDA device
functions; state lives in device memory (CuPy arrays when CuPy is installed), and only
the checkpoint arrays come back to the host.  Without a GPU (or numba-cuda), asking for
this backend raises :class:`BackendUnavailableError` with the reason; importing olearn
never needs a GPU.  In CI the same path runs on numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np
from numba import float64

from olearn.core import config
from olearn.core.errors import BackendUnavailableError, ParameterError
from olearn.core.kernel import Compiler

if not hasattr(np, "row_stack"):
    # numba-cuda 0.30 registers an overload of np.row_stack (a NumPy alias of np.vstack, removed in
    # NumPy 2.5) when it first compiles; without the name it cannot compile at all under NumPy >= 2.5.
    def _row_stack(tup, *, dtype=None, casting="same_kind"):
        return np.vstack(tup, dtype=dtype, casting=casting)

    np.row_stack = _row_stack

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
    """Whether ``numba.cuda`` is the CUDA simulator.

    numba chose when ``numba.cuda`` was first imported, from ``NUMBA_ENABLE_CUDASIM`` read as an
    integer (``2`` or `` 1`` select it too); the variable's text now, perhaps changed since, can
    disagree with the module in use, so ask the module.
    """
    if cuda is not None:
        return getattr(cuda.jit, "__module__", "").startswith("numba.cuda.simulator")
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0").strip() not in ("", "0")  # pragma: no cover - no numba-cuda


@contextlib.contextmanager
def unfused():
    """Compile CUDA code without fused multiply-adds (NVVM ``-fma=0``) inside this block.

    NVVM contracts ``a * b + c`` into one FMA (a single rounding) by default, while python and the
    cpu backend round the product first; without contraction the gpu backend's arithmetic rounds as
    theirs does, and only CUDA's own exp, log and sqrt can differ in the last bit.  Compilation is
    lazy (at the first launch) and cached, so the launch that compiles a kernel runs in this block.
    A numba-cuda without the hook compiles as it would anyway.
    """
    try:
        from numba.cuda.cudadrv import nvvm  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the install
        yield
        return
    original = getattr(nvvm, "compile_ir", None)
    if simulated() or original is None:
        yield
        return

    def compile_ir(llvmir, **options):
        if not options.get("fastmath"):
            options.setdefault("fma", False)
        return original(llvmir, **options)

    nvvm.compile_ir = compile_ir
    try:
        yield
    finally:
        nvvm.compile_ir = original


def _kernel_jit():
    """``cuda.jit`` for the batch kernel: on a GPU without link-time optimization (LTO).

    numba-cuda turns LTO on whenever nvJitLink >= 12.3 is installed; the kernel then reaches the
    linker as LTO-IR and nvJitLink generates its code with its own options, whose ``fma`` defaults to
    on, so :func:`unfused`'s NVVM ``-fma=0`` would be lost.  Without LTO, NVVM writes PTX with
    explicitly rounded ``add.rn``/``mul.rn`` (never contracted by ptxas); the loop and every kernel it
    calls are still optimized together, in one NVVM module.  (The simulator's jit has no ``lto``; and
    ``cuda.jit(lto=False)`` without the function drops the option in numba-cuda 0.30, so it is passed
    with the function.)
    """
    if simulated():
        return cuda.jit
    return lambda fn: cuda.jit(fn, lto=False)


def check() -> None:
    """Raise BackendUnavailableError unless a GPU (or the simulator) can run kernels."""
    _cuda()


def device_compiler() -> Compiler:
    """The compiler of device functions (one per process, so kernels shared by loops compile once)."""
    global _compiler
    if _compiler is None:
        _compiler = Compiler(cuda.jit(device=True))
    return _compiler


def local_width(width: int) -> int:
    """Numbers of the per-thread local row for working rows of ``width`` (a power of two, at least 32), or 0
    when the row is wider than ``config.GPU_LOCAL_ROW`` and stays in its column of device memory."""
    if width > config.GPU_LOCAL_ROW:
        return 0
    return max(32, 1 << max(width - 1, 0).bit_length())


def batch_kernel(seed_loop, local: int = 0):
    """The batch kernel's Python source over the device function ``seed_loop``: thread j runs job j
    (its configuration's parameter row, its seed, its column of the working array).

    ``local`` > 0: the thread copies its column into a local array of that many numbers, runs the loop
    there and copies it back.  A local array is contiguous, so an element's address is its index times 8
    (a column's takes a 64-bit multiply by the column stride, on every access of every round), and the
    GPU lays local memory out thread by thread, so a warp's loads stay coalesced.
    """

    def batch(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions, trace_losses):
        j = cuda.grid(1)
        if j < seeds.size:
            seed_loop(
                lp_table[config_of[j]], ep, dp, seeds[j], horizon, ckpts,
                work[:, j], layout, out[j], trace_actions[j], trace_losses[j],
            )

    def batch_local(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions, trace_losses):
        j = cuda.grid(1)
        if j < seeds.size:
            row = cuda.local.array(local, float64)
            for i in range(work.shape[0]):
                row[i] = work[i, j]
            seed_loop(
                lp_table[config_of[j]], ep, dp, seeds[j], horizon, ckpts,
                row, layout, out[j], trace_actions[j], trace_losses[j],
            )
            for i in range(work.shape[0]):
                work[i, j] = row[i]

    return batch_local if local else batch


def build(run_seed):
    """Compile the per-seed loop as a device function and a kernel that maps it over jobs: one dispatcher per
    local row width (:func:`local_width`), each compiled at its first launch."""
    _cuda()
    seed_loop = device_compiler()(run_seed)
    widths = {0} | {local_width(w) for w in range(1, config.GPU_LOCAL_ROW + 1)}
    kernels = {local: _kernel_jit()(batch_kernel(seed_loop, local)) for local in sorted(widths)}

    def run(lp_table, config_of, seeds, ep, dp, horizon, ckpts, width, layout, out, trace_actions, trace_losses, states):
        n = seeds.size
        local = local_width(width)
        if local not in kernels:  # config.GPU_LOCAL_ROW raised since the build
            kernels[local] = _kernel_jit()(batch_kernel(seed_loop, local))
        to_device, zeros, to_host = _device_arrays()
        d_out, d_ta, d_tl = zeros(out.shape), zeros(trace_actions.shape), zeros(trace_losses.shape)
        # one column per job: neighbouring threads touch neighbouring addresses (coalesced loads and stores)
        d_work = zeros((width, n))
        launch(kernels[local], n, to_device(lp_table), to_device(config_of), to_device(seeds), to_device(ep), to_device(dp),
               horizon, to_device(ckpts), d_work, to_device(layout), d_out, d_ta, d_tl)
        out[:] = to_host(d_out)  # only the checkpoint arrays (and a trace or the final states, when asked) come back
        trace_actions[:] = to_host(d_ta)
        trace_losses[:] = to_host(d_tl)
        if states.shape[1]:  # the learner's state: the first rows of the job-per-column working array
            states[:] = to_host(d_work[: states.shape[1]]).T

    return run


def launch(kernel, n_jobs: int, *args) -> None:
    """Launch ``kernel`` with a thread per job (blocks of THREADS_PER_BLOCK), compiled without fused
    multiply-adds (:func:`unfused`)."""
    threads = min(config.THREADS_PER_BLOCK, n_jobs) if simulated() else config.THREADS_PER_BLOCK  # the simulator runs a thread each
    with warnings.catch_warnings(), unfused():  # the simulator runs the uint64 hashing in NumPy, in its own threads
        warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        kernel[(n_jobs + threads - 1) // threads, threads](*args)


def _device_arrays():
    """(to_device, zeros, to_host): CuPy arrays on a real GPU when CuPy is installed, else numba's device arrays.

    numba-cuda kernels take CuPy arrays through the CUDA array interface, so the kernel is the same either way.
    """
    if not simulated():
        try:
            import cupy  # noqa: PLC0415  (optional: the gpu extra)
        except ImportError:
            pass
        else:
            return cupy.asarray, lambda shape: cupy.zeros(shape, dtype=cupy.float64), cupy.asnumpy
    return cuda.to_device, lambda shape: cuda.to_device(np.zeros(shape)), lambda a: a.copy_to_host()


def jobs_per_launch(n_jobs: int, job_bytes: int, free_bytes: int) -> int:
    """Jobs of one launch: all of them when their working rows and results fit in 3/4 of the free device memory.

    Raises ParameterError with the numbers when not even one job fits (a trace of a very long horizon).
    """
    per_job = job_bytes + 3 * 8  # plus the job's configuration index and seed
    fit = int(free_bytes * 3 // 4 // per_job)
    if fit < 1:
        raise ParameterError(
            "run", "horizon", f"one job needing {per_job / 2**30:.2f} GiB of device memory",
            f"jobs that fit in the GPU's free memory ({free_bytes / 2**30:.2f} GiB): drop trace=True or use fewer "
            "checkpoints or metrics",
        )
    return max(1, min(n_jobs, fit))


def chunk_jobs(n_jobs: int, horizon: int, job_bytes: int) -> int:
    """Jobs per launch, from the free device memory (see :func:`jobs_per_launch`)."""
    if simulated():
        return max(1, min(n_jobs, 64))
    _cuda()
    try:
        import cupy  # noqa: PLC0415
    except ImportError:
        pass
    else:
        cupy.get_default_memory_pool().free_all_blocks()  # blocks CuPy caches from earlier runs count as free
    free, _ = cuda.current_context().get_memory_info()
    return jobs_per_launch(n_jobs, job_bytes, free)
