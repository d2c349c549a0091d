"""Compile the gpu backend's batch kernel to PTX for every learner and world, on a machine without a GPU.

    python experiments/benchmarks/gpu_compile_check.py [--cc 9.0] [--names ucb1,ogd] [--trace] [--delay D] [--metrics M,...] [--replay]

The CUDA simulator (what the tests use) runs kernels as Python, so it cannot tell whether NVVM
accepts them.  This script compiles each (learner, world) pairing of the parity tests, every oco
learner on its world and every conformal method on a score stream, exactly as the gpu backend
builds it (``gpu.batch_kernel`` over the fused per-seed loop, with the local row a launch would use, the argument types of a real launch,
NVVM with ``-fma=0``), with ``numba.cuda.compile_ptx`` for compute capability ``--cc``; ``--trace``
and ``--delay`` compile the loop's traced and delayed-feedback variants (learners that need same-round
feedback are compiled undelayed); ``--metrics`` the bookkeeping of other metrics on the arms worlds
(e.g. ``regret,counts,window_regret_2``; the runs are 3 rounds long); ``--replay`` instead compiles
off-policy replay's kernel (``olearn.offpolicy.replay_loop.gpu_batch``) for every bandit learner, on a log
with contexts and shuffled.  Nothing runs: it checks compilation only.  It needs NVVM and NVRTC, which install without a GPU:
``pip install nvidia-cuda-nvrtc nvidia-nvvm nvidia-cuda-nvcc`` (the 13.x wheels).

Prints one line per pairing (PTX size; with ``--ptxas``, the registers per thread and spilled bytes
that NVIDIA's assembler from the same wheels reports for the machine code; seconds) and exits 1 if
any fails to compile.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

os.environ.pop("NUMBA_ENABLE_CUDASIM", None)  # before numba is imported: the real compiler, not the simulator

import numpy as np  # noqa: E402
from numba import cuda, typeof  # noqa: E402


def pairings():
    """(learner type, its parameters, environment) for every registered learner and world."""
    import environments
    import environments.score_streams as streams
    from olearn import conformal, testing
    from olearn.learners import REGISTRY

    def world(name):
        return environments.make(name, **environments.REGISTRY[name].test_params[0])

    def of_kind(registry, kind):
        return [registry[n] for n in sorted(registry.names()) if registry[n].kind == kind]

    arms_worlds = sorted(n for n, t in environments.REGISTRY.items() if t.kind == "arms")
    # as the parity tests pair them: every arms learner on a loss table and Bernoulli arms (a sleeping learner also on
    # its sleeping world), EXP3 on the other worlds (Hedge over specialists on the sleeping ones)
    out = [(t, {}, world(w)) for t in of_kind(REGISTRY, "arms") for w in ("loss_matrix", "bernoulli")]
    out += [(t, {}, testing.default_world(t)) for t in of_kind(REGISTRY, "arms") if t.sleeping]
    paired = {(t.name, env.name) for t, _, env in out}
    for w in arms_worlds:
        probe = REGISTRY[testing.probe_learner(environments.REGISTRY[w])]
        if w not in ("loss_matrix", "bernoulli") and (probe.name, w) not in paired:
            out.append((probe, {}, world(w)))
    out += [(t, {}, testing.default_world(t)) for t in of_kind(REGISTRY, "oco")]
    out += [(REGISTRY["ogd"], {}, world(w)) for w in sorted(environments.REGISTRY.names())
            if environments.REGISTRY[w].kind == "oco"]
    stream = streams.make("change_points", scales=[1.0, 3.0], period=10)
    out += [(t, t.test_params[0], stream) for t in of_kind(conformal.REGISTRY, "scores")]
    return out


def assemble(ptx: str, cc: str) -> str:
    """Registers per thread and spilled bytes of the kernel, from ``ptxas -v`` (the nvidia-cuda-nvcc wheel)."""
    import nvidia

    found = [p for root in nvidia.__path__ for p in Path(root).glob("*/bin/ptxas")]
    if not found:
        return "(no ptxas: pip install nvidia-cuda-nvcc)"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "kernel.ptx"
        src.write_text(ptx)
        done = subprocess.run([str(found[0]), f"-arch=sm_{cc.replace('.', '')}", "-v", str(src), "-o", str(Path(tmp) / "k.cubin")],
                              capture_output=True, text=True)
    text = done.stdout + done.stderr
    regs = max((int(r) for r in re.findall(r"Used (\d+) registers", text)), default=-1)
    spills = sum(int(b) for b in re.findall(r"(\d+) bytes spill stores", text))
    return f"{regs} registers, {spills} bytes spilled" if done.returncode == 0 else f"ptxas failed: {text.strip()[:120]}"


def pretend_device(cc) -> None:
    """No device: device functions ask the current device for its compute capability; answer ``cc``."""
    from numba.cuda import dispatcher

    class _Device:
        compute_capability = cc

    dispatcher.get_current_device = lambda: _Device()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cc", default="9.0", help="compute capability to compile for (9.0: H100/H200)")
    p.add_argument("--names", default="", help="comma-separated learner names (default: all)")
    p.add_argument("--trace", action="store_true", help="the variant that keeps every action and loss")
    p.add_argument("--delay", type=int, default=0, help="the delayed-feedback variant, with a fixed delay")
    p.add_argument("--metrics", default="", help="comma-separated metrics for the arms worlds (default: the engine's)")
    p.add_argument("--ptxas", action="store_true", help="assemble the PTX too and report registers and spills")
    p.add_argument("--replay", action="store_true", help="off-policy replay's kernel for every bandit learner instead")
    a = p.parse_args(argv)
    cc = tuple(int(x) for x in a.cc.split("."))
    if a.replay:
        return replay_main(a, cc)

    import olearn
    from olearn.backends import gpu

    compiled = {}

    def ptx_build(run_seed):
        seed_loop = gpu.device_compiler()(run_seed)

        def run(lp_table, config_of, seeds, ep, dp, horizon, ckpts, width, layout, out, trace_actions, trace_losses, states):
            batch = gpu.batch_kernel(seed_loop, gpu.local_width(width))  # the kernel a launch would use
            args = (lp_table, config_of, seeds, ep, dp, horizon, ckpts, np.zeros((width, seeds.size)), layout, out,
                    trace_actions, trace_losses)
            with gpu.unfused():
                ptx, _ = cuda.compile_ptx(batch, tuple(typeof(x) for x in args), cc=cc)
            compiled["ptx"] = ptx

        return run

    pretend_device(cc)
    gpu.build, gpu.check = ptx_build, lambda: None  # compile, never launch
    gpu.chunk_jobs = lambda n_jobs, horizon, job_bytes: n_jobs
    wanted = {n for n in a.names.split(",") if n}
    failed = 0
    for ltype, params, env in pairings():
        name = ltype.name
        if wanted and name not in wanted:
            continue
        start = time.perf_counter()
        compiled.clear()
        try:
            delay = olearn.delays.fixed(a.delay) if a.delay and ltype.delayable else None
            metrics = [m for m in a.metrics.split(",") if m] if a.metrics and env.type.kind == "arms" else None
            olearn.run(ltype.make(**params), env, horizon=3, seeds=2, backend="gpu", trace=a.trace, delay=delay, metrics=metrics)
            line = f"ok    {len(compiled['ptx']):>9,} bytes of PTX"
            if a.ptxas:
                line += "  " + assemble(compiled["ptx"], a.cc)
        except Exception as err:  # noqa: BLE001 - report every pairing, then fail
            traceback.print_exc()  # the whole error on stderr; its first line on stdout below
            failed += 1
            line = f"FAIL  {type(err).__name__}: {str(err).splitlines()[0][:160]}"
        print(f"{name:<28} {env.name:<20} {line}  ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"{failed} of the pairings failed to compile" if failed else "every pairing compiled")
    return 1 if failed else 0


def replay_main(a, cc) -> int:
    """Compile off-policy replay's gpu kernel for every bandit learner (argument types of a real launch)."""
    from olearn.backends import gpu
    from olearn.core import rng
    from olearn.learners import REGISTRY
    from olearn.offpolicy import replay_loop as rp

    pretend_device(cc)
    rp.cuda = cuda
    wanted = {n for n in a.names.split(",") if n}
    failed = 0
    n, d, m = 50, 2, 4
    for name in sorted(REGISTRY.names()):
        t = REGISTRY[name]
        if t.kind != "arms" or t.feedback != "bandit" or t.sleeping or (wanted and name not in wanted):
            continue
        start = time.perf_counter()
        try:
            table, size = t.make().bind(3, d, 10)
            batch = rp.gpu_batch(gpu.device_compiler()(rp._make_replay_seed(t)))
            args = (table, np.zeros(m, np.int64), np.zeros(m, np.int64), np.zeros((n, d)), np.zeros(n, np.int64), np.zeros(n),
                    np.ones(n), True, rng.half_bits(n), 10, np.array([10, -1]), np.zeros((size, m)), np.zeros((size, m)),
                    np.zeros((d, m)), np.zeros((t.action_dim, m)), np.zeros((1, m)), np.zeros((m, 2, 2)), np.zeros(m, np.int64))
            with gpu.unfused():
                ptx, _ = cuda.compile_ptx(batch, tuple(typeof(x) for x in args), cc=cc)
            line = f"ok    {len(ptx):>9,} bytes of PTX"
            if a.ptxas:
                line += "  " + assemble(ptx, a.cc)
        except Exception as err:  # noqa: BLE001 - report every learner, then fail
            traceback.print_exc()
            failed += 1
            line = f"FAIL  {type(err).__name__}: {str(err).splitlines()[0][:160]}"
        print(f"{name:<28} {'replay':<20} {line}  ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"{failed} of the replay kernels failed to compile" if failed else "every replay kernel compiled")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
