"""The gpu backend (numba-cuda; the CUDA simulator in CI) gives the python backend's trajectories."""
import numba.core.config
import numpy as np
import pytest

import environments
import olearn
from olearn import learners, testing
from olearn.backends import gpu
from olearn.testing import assert_same_run

pytest.importorskip("numba.cuda")

BANDIT_ENV = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
EXPERT_ENV = environments.make("experts", n_experts=4, gap=0.2)


def _same(a, b):
    """Bit for bit on the simulator; to rounding on a real GPU (see olearn.testing.assert_same_run)."""
    assert_same_run(a, b, "gpu", exact=gpu.simulated())


def _pair(learner, env, **kw):
    py = olearn.run(learner, env, horizon=16, seeds=[0, 9], backend="python", trace=True, keep_state=True, **kw)
    gpu = olearn.run(learner, env, horizon=16, seeds=[0, 9], backend="gpu", trace=True, keep_state=True, **kw)
    _same(py, gpu)


@pytest.mark.parametrize("name", [n for n in learners.names() if learners.REGISTRY[n].kind != "oco"])  # oco: test_oco_parity.py
def test_every_learner_matches_python(name):
    t = learners.REGISTRY[name]
    env = testing.default_world(t) if t.sleeping else EXPERT_ENV if t.feedback == "full" else BANDIT_ENV
    _pair(t.make(**t.test_params[-1]), env)


@pytest.mark.parametrize("name", [n for n in environments.names() if environments.REGISTRY[n].kind != "oco"])
def test_every_environment_matches_python(name):
    t = environments.REGISTRY[name]
    _pair(olearn.make(testing.probe_learner(t), eta=0.4), t.make(**t.test_params[0]))


def test_delays_and_grids_match_python():
    _pair(olearn.make("exp3", eta=[0.1, 1.0]), BANDIT_ENV, delay=olearn.delays.uniform(3))


def test_window_regret_matches_python():
    _pair(olearn.make("hedge"), EXPERT_ENV, metrics=["regret", "window_regret_3", "window_regret_16", "counts"])


def test_working_rows_in_local_arrays_or_device_columns_give_the_same_run(monkeypatch):
    """A job's working row goes to a local array (32, 64 or 128 numbers, the least that holds it) when it has at
    most config.GPU_LOCAL_ROW numbers, else it stays in its column of device memory; both give python's run."""
    from olearn.core import config

    assert [gpu.local_width(w) for w in (1, 32, 33)] == [32, 32, 0]  # the default: rows of up to 32 numbers
    monkeypatch.setattr(config, "GPU_LOCAL_ROW", 128)
    assert [gpu.local_width(w) for w in (1, 32, 33, 56, 64, 65, 128, 129)] == [32, 32, 64, 64, 64, 128, 128, 0]
    monkeypatch.setattr(config, "THREADS_PER_BLOCK", 32)  # 40 jobs in two blocks
    learner = olearn.make("exp3", eta=[0.1, 1.0])
    seeds = list(range(20))
    py = olearn.run(learner, BANDIT_ENV, horizon=12, seeds=seeds, backend="python", trace=True, keep_state=True)
    for widest in (config.GPU_LOCAL_ROW, 0):
        monkeypatch.setattr(config, "GPU_LOCAL_ROW", widest)
        _same(py, olearn.run(learner, BANDIT_ENV, horizon=12, seeds=seeds, backend="gpu", trace=True, keep_state=True))


def test_unavailable_gpu_is_one_clear_error(monkeypatch):
    from olearn.backends import gpu

    monkeypatch.setattr(gpu.cuda, "is_available", lambda: False)
    with pytest.raises(olearn.BackendUnavailableError, match="no usable CUDA GPU"):
        olearn.run("ucb1", BANDIT_ENV, horizon=5, backend="gpu")


def test_a_grid_of_16_configurations_is_one_launch(monkeypatch):
    """Configurations are a batch axis: 16 x 4 jobs go to the device in one launch, with the python numbers."""
    from olearn.engine import run as engine_run

    launches = []
    compiled = engine_run.compiled_batch

    def counting(*args):
        batch = compiled(*args)
        return lambda *a: (launches.append(a[2].size), batch(*a))[1]

    monkeypatch.setattr(engine_run, "compiled_batch", counting)
    learner = olearn.make("exp3", eta=list(np.geomspace(0.01, 2.0, 16)))
    gpu = olearn.run(learner, BANDIT_ENV, horizon=8, seeds=4, backend="gpu", trace=True)
    assert launches == [64]
    _same(olearn.run(learner, BANDIT_ENV, horizon=8, seeds=4, backend="python", trace=True), gpu)


def test_jobs_per_launch_from_free_memory():
    from olearn.backends.gpu import jobs_per_launch

    # 16 configurations x 10^5 seeds with a 200-double working row and 45 checkpoints x 3 metrics: one
    # launch in 70 GiB free (an H100), 3 launches in 2 GiB
    job = 8 * (200 + 45 * 3 + 2)
    assert jobs_per_launch(1_600_000, job, 70 * 2**30) == 1_600_000
    per = jobs_per_launch(1_600_000, job, 2 * 2**30)
    assert per == int(2 * 2**30 * 3 // 4 // (job + 24)) and -(-1_600_000 // per) == 3
    with pytest.raises(olearn.ParameterError, match="free memory"):
        jobs_per_launch(10, 8 * 2 * 10**9, 8 * 2**30)  # a trace of 10^9 rounds cannot fit


def _without_simulator(code: str) -> str:
    """Run ``code`` in a fresh Python with the real numba-cuda (the simulator off); its stdout, after it succeeds."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_numba_cuda_compiles_without_numpys_row_stack():
    # NumPy 2.5 removed np.row_stack, which numba-cuda 0.30 still overloads when it first compiles:
    # importing the gpu backend puts the name back, so its CUDA array support loads on NumPy >= 2.5
    code = ("import numpy as np\n"
            "np.__dict__.pop('row_stack', None)\n"  # gone already from NumPy >= 2.5
            "import olearn.backends.gpu\n"
            "import numba.cuda.np.arrayobj\n"
            "assert np.row_stack([[1.0], [2.0]]).shape == (2, 1)\n")
    _without_simulator(code)


def test_same_run_is_exact_on_the_simulator_and_to_rounding_on_a_gpu():
    a = olearn.run(olearn.make("hedge"), EXPERT_ENV, horizon=8, seeds=[0, 1], backend="python", trace=True, keep_state=True)
    b = olearn.run(olearn.make("hedge"), EXPERT_ENV, horizon=8, seeds=[0, 1], backend="python", trace=True, keep_state=True)
    b.states = np.nextafter(b.states, np.inf)  # one ulp, as CUDA's exp may give
    with pytest.raises(AssertionError, match="states differ"):
        assert_same_run(a, b, "ulp", exact=True)
    assert_same_run(a, b, "ulp", exact=False)
    b.values = b.values * (1 + 1e-6)
    with pytest.raises(AssertionError, match="values differ"):
        assert_same_run(a, b, "1e-6", exact=False)


def test_simulated_is_the_cuda_module_in_use_not_the_variables_text(monkeypatch):
    """numba reads NUMBA_ENABLE_CUDASIM as an integer once, at import ("2" or " 1" select the simulator too);
    the backend must follow the module it got, whatever the variable says now (on the simulator, taking it
    for a real GPU asked the simulator's fake context for free memory and crashed on a NaN; on a GPU, taking
    it for the simulator skipped the compilation without fused multiply-adds)."""
    mode = gpu.cuda.jit.__module__.startswith("numba.cuda.simulator")
    for text in ("0", "1", "2", " 1", ""):
        monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", text)
        assert gpu.simulated() == mode, text
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "2" if mode else "1")  # the other mode's spelling
    try:
        _pair(olearn.make("ucb1"), BANDIT_ENV)
    finally:
        # numba re-reads its variables when it compiles: left at the other mode, every kernel this worker
        # compiles later would be built for it (on a GPU, simulator kernels calling real device functions)
        monkeypatch.undo()
        numba.core.config.reload_config()


def test_the_kernel_is_linked_without_lto_so_unfused_arithmetic_holds():
    """numba-cuda links with LTO whenever nvJitLink >= 12.3 is installed; nvJitLink then generates the code
    with its own options (fma on by default), so unfused()'s NVVM -fma=0 would be lost and the gpu's
    arithmetic would round differently from python's and cpu's.  Checked without a GPU: the batch kernel's
    dispatchers (rows in device memory, or in local arrays), as built on a real numba-cuda with nvJitLink
    present, have LTO off."""
    code = ("import numba.cuda.decorators as deco\n"
            "deco._have_nvjitlink = lambda: True\n"  # as on a machine with nvJitLink
            "from numba import cuda\n"
            "cuda.is_available = lambda: True\n"  # build only; nothing is launched
            "import environments, olearn\n"
            "from olearn.engine import run\n"
            "env = environments.make('bernoulli', means=[0.2, 0.8])\n"
            "learner = olearn.make('ucb1')\n"
            "batch = run.compiled_batch('gpu', learner.type, env.type, ('loss',), False, False)\n"
            "kernels = [c.cell_contents for c in batch.__closure__ if isinstance(c.cell_contents, dict)][0]\n"
            "assert sorted(kernels) == [0, 32], kernels  # rows in device memory, or local rows of up to 32 numbers\n"
            "print('lto', *sorted({k.targetoptions.get('lto') for k in kernels.values()}))\n")
    out = _without_simulator(code)
    assert out.split()[-1] == "False", out


def _nvvm_and_nvrtc():
    """NVVM and NVRTC from their wheels (``pip install -e ".[ptx]"``): compiling for a GPU needs no GPU."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("nvidia")
    roots = [Path(p) for p in (spec.submodule_search_locations if spec else [])]
    return any(list(r.glob("*/lib/libnvrtc.so*")) and list(r.glob("*/nvvm/libdevice")) for r in roots)


@pytest.mark.skipif(not _nvvm_and_nvrtc(), reason="needs the NVVM and NVRTC wheels (the 'ptx' extra)")
def test_kernels_compile_to_ptx_for_a_real_gpu():
    """The simulator runs kernels as Python; NVVM itself must accept them.  A few learners of each kind
    through experiments/benchmarks/gpu_compile_check.py (every pairing: run the script; all 200 compile)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "experiments" / "benchmarks" / "gpu_compile_check.py"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run([sys.executable, str(script), "--names", "ucb1,optimistic_omd,saocp", "--trace", "--delay", "2",
                           "--metrics", "regret,counts,window_regret_2"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" ok ") == 4 and "every pairing compiled" in done.stdout  # ucb1 on two worlds
    done = subprocess.run([sys.executable, str(script), "--replay", "--names", "linucb"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.count(" ok ") == 1, done.stdout + done.stderr  # off-policy replay's kernel
