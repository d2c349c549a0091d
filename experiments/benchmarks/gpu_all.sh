#!/usr/bin/env bash
# The whole device check in one run (about 2 to 3 minutes on one H200 with 16 cores), in order of what it proves:
#   1. GPU model, driver, package versions, and a first compiled run (if the machine's numba-cuda cannot
#      build olearn's kernel, the numba-cuda wheel under .whl/fallback is installed and tried once more;
#      wheels under .whl/always, for packages the machine lacks, are installed first);
#   2. bench_gpu.py alone on the GPU (the reference kernels first when --reference PATH is given);
#   3. then, side by side: every gpu-backend test on the real GPU (pytest-xdist, 12 workers, -k gpu over
#      the files that run the gpu backend), the four SEA figures with 10^4 seeds (gpu_sea.sh's runs), the
#      conformal shift figure with 4,096 seeds and the relax contextual figure with 4,096 trials;
#   4. Nsight Compute on UCB1's batch kernel, when ncu is there (about 20 s).
#
#   bash experiments/benchmarks/gpu_all.sh [--reference PATH] [--seeds N] [--horizon T] [--sea-seeds N]
#
# Logs, the SEA figures (PNG, CSV, summary.md with fitted slopes) and times go to runs/gpu_all (with $OUT set,
# as on the device machine, to /tmp/gpu_all, packed after each stage into $OUT/gpu_all.tar.gz, the only file
# returned).  Uses the python3 on PATH and this
# checkout on PYTHONPATH (no install).  Dry run without a GPU (small sizes; the simulator runs threads in Python):
#   NUMBA_ENABLE_CUDASIM=1 bash experiments/benchmarks/gpu_all.sh --seeds 8 --horizon 20 --sea-seeds 2 --small
set -uo pipefail
out=runs/gpu_all
[ -n "${OUT:-}" ] && out=/tmp/gpu_all
rm -rf "$out"; mkdir -p "$out/sea"
pack() { [ -n "${OUT:-}" ] && tar czf "$OUT/gpu_all.tar.gz" --exclude='*.pdf' -C "$out" . ; }
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 NUMBA_ENABLE_CUDASIM=${NUMBA_ENABLE_CUDASIM:-0}
py=${PYTHON:-python3}
bench=() sea=(--seeds 10000) small=()
while [ $# -gt 0 ]; do
  case $1 in
    --reference|--seeds|--horizon) bench+=("$1" "$2"); shift 2 ;;
    --sea-seeds) sea=(--seeds "$2"); shift 2 ;;
    --small) small=(--small); shift ;;
    *) echo "gpu_all.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a "$out/times.txt"; }

smoke='import numpy as np, environments, olearn
r = olearn.run("ucb1", environments.make("bernoulli", means=[0.2, 0.8]), horizon=50, seeds=64, backend="gpu")
p = olearn.run("ucb1", environments.make("bernoulli", means=[0.2, 0.8]), horizon=50, seeds=64, backend="python")
print("smoke: gpu == python:", np.allclose(r.values, p.values, rtol=1e-12, atol=0))'
versions='import importlib
for name in ("numpy", "numba", "numba_cuda", "cupy", "dp_accounting"):
    try:
        print(name, getattr(importlib.import_module(name), "__version__", "(installed)"), end="  ")
    except ImportError as err:
        print(name, "missing:", err, end="  ")
print()'
# wheels the machine lacks (dp-accounting, for the private learners' noise calibration) travel under .whl/always
if compgen -G ".whl/always/*.whl" > /dev/null; then
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/always/*.whl
  export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  nproc
  "$py" -c "$versions"
} 2>&1 | tee "$out/gpu.txt"
if ! timeout 120 "$py" -c "$smoke" > "$out/smoke.log" 2>&1; then
  tail -n 20 "$out/smoke.log"
  stamp "the machine's numba-cuda failed the first run; installing .whl/fallback"
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site_cuda .whl/fallback/*.whl
  export PYTHONPATH="/tmp/site_cuda:$PYTHONPATH"
  "$py" -c "$versions" 2>&1 | tee -a "$out/gpu.txt"
  timeout 120 "$py" -c "$smoke" >> "$out/smoke.log" 2>&1 || { tail -n 30 "$out/smoke.log"; stamp "smoke failed"; pack; exit 1; }
fi
tail -n 1 "$out/smoke.log"
stamp "smoke done"; pack

timeout 200 "$py" experiments/benchmarks/bench_gpu.py "${bench[@]}" 2>&1 | tee "$out/bench_gpu.log"
stamp "bench done"; pack

many=(--seeds 4096) trials=(--trials 4096)
[ ${#small[@]} -gt 0 ] && many=() trials=()
mkdir -p "$out/conformal" "$out/relax"
( start=$(date +%s)
  timeout 240 "$py" experiments/conformal/shift_seeds.py --backend gpu --out "$out/conformal" "${many[@]}" "${small[@]}" > "$out/conformal/log.txt" 2>&1
  echo "conformal shift_seeds: exit $? in $(( $(date +%s) - start )) s (${many[*]} ${small[*]})" >> "$out/sea/times.txt" ) &
( start=$(date +%s)  # the cost tables travel in runs/relax_cache (carried), else they are computed here first
  timeout 240 "$py" experiments/relax/contextual.py --backend gpu --out "$out/relax" "${trials[@]}" "${small[@]}" > "$out/relax/log.txt" 2>&1
  echo "relax contextual: exit $? in $(( $(date +%s) - start )) s (${trials[*]} ${small[*]})" >> "$out/sea/times.txt" ) &
for figure in regret_vs_T bound_grid strongly_convex dynamic_regret; do
  ( start=$(date +%s)
    timeout 240 "$py" "experiments/sea/$figure.py" --backend gpu --out "$out/sea/$figure" "${sea[@]}" "${small[@]}" > "$out/sea/$figure.log" 2>&1
    echo "$figure: exit $? in $(( $(date +%s) - start )) s (${sea[*]} ${small[*]})" >> "$out/sea/times.txt" ) &
done
timeout 240 "$py" -m pytest -q -p no:cacheprovider -n 12 --dist load -k gpu tests/test_gpu.py tests/test_oco_parity.py \
  tests/test_conformal_engine.py tests/test_linear_contextual.py tests/test_offpolicy.py tests/test_rotting.py \
  tests/test_sea_logistic.py > "$out/test_gpu.log" 2>&1
stamp "tests done: exit $?"; pack
tail -n 25 "$out/test_gpu.log"
wait
stamp "sea done"
cat "$out/sea/times.txt"
for figure in regret_vs_T bound_grid strongly_convex dynamic_regret; do
  echo "== $figure"; tail -n 8 "$out/sea/$figure.log"
done
echo "== conformal shift_seeds"; tail -n 12 "$out/conformal/log.txt"; cat "$out"/conformal/*.csv 2>/dev/null
echo "== relax contextual"; tail -n 4 "$out/relax/log.txt"; cat "$out"/relax/*.md 2>/dev/null
pack

# 4. Nsight Compute on UCB1's batch kernel (2 x 10^5 seeds x 2,000 rounds), when ncu is on the machine
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
if [ ${#small[@]} -eq 0 ] && [ -x "$ncu" ]; then
  profiled='import numpy as np, environments, olearn
demo = environments.make("bernoulli", means=np.linspace(0.1, 0.9, 10))
olearn.run("ucb1", demo, horizon=10, seeds=2, backend="gpu", metrics=["pseudo_regret"])
olearn.run("ucb1", demo, horizon=2000, seeds=200_000, backend="gpu", metrics=["pseudo_regret"], progress=False)'
  timeout 120 "$ncu" --kernel-name regex:batch --launch-skip 1 --launch-count 1 --section SpeedOfLight \
    --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    "$py" -c "$profiled" > "$out/ncu_ucb1.txt" 2>&1
  stamp "ncu done: exit $?"
  grep -E "Duration|Compute \(SM\) Throughput|Issue Slots Busy|L1/TEX Hit Rate|Registers Per Thread|Achieved Occupancy|Local Memory" "$out/ncu_ucb1.txt"
  pack
fi
