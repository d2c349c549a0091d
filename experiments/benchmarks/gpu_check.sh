#!/usr/bin/env bash
# One prepared device run: the gpu backend's tests on the real GPU, then the GPU benchmark.
#
#   bash experiments/benchmarks/gpu_check.sh [bench_gpu.py options, e.g. --reference PATH]
#
# Writes gpu.txt (GPU model, driver, package versions), test_gpu.log and bench_gpu.log under $OUT
# (else runs/gpu_check).  Uses the python3 on PATH with the packages it has (numpy, numba,
# numba-cuda, CuPy, pandas, pyarrow, scipy, pytest and pytest-xdist, whose -n option pyproject
# adds) and this checkout on PYTHONPATH, so it needs no install; pass ``--reference PATH`` when
# shared/bench/reference_ucb_gpu.py is not beside the checkout.  Dry run without a GPU: NUMBA_ENABLE_CUDASIM=1 bash ... --seeds 8 --horizon 20.
set -uo pipefail
out=${OUT:-runs/gpu_check}
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 NUMBA_ENABLE_CUDASIM=${NUMBA_ENABLE_CUDASIM:-0}
py=${PYTHON:-python3}
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  "$py" -c "import numpy, numba, numba_cuda, cupy; print('numpy', numpy.__version__, 'numba', numba.__version__, 'numba-cuda', numba_cuda.__version__, 'cupy', cupy.__version__)"
} 2>&1 | tee "$out/gpu.txt"
timeout 240 "$py" -m pytest -q -n 0 -p no:cacheprovider tests/test_gpu.py 2>&1 | tee "$out/test_gpu.log"
timeout 300 "$py" experiments/benchmarks/bench_gpu.py "$@" 2>&1 | tee "$out/bench_gpu.log"
