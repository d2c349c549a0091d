#!/usr/bin/env bash
# One prepared device run: the four SEA figures on the gpu backend with 10^4 seeds each.
#
#   bash experiments/benchmarks/gpu_sea.sh [figure options, e.g. --seeds 10000 (the default)]
#
# Writes each figure's outputs (PNG, PDF, CSV, summary.md with the fitted slopes) and its log with
# the wall time under $OUT/sea (else runs/gpu_sea).  Like gpu_all.sh it uses the python3 on PATH
# and this checkout on PYTHONPATH, so it needs no install.  Dry run without a GPU (the simulator runs
# every thread in Python: each figure takes minutes even at this size, and the 140 s limit may stop it):
#   NUMBA_ENABLE_CUDASIM=1 bash experiments/benchmarks/gpu_sea.sh --small --seeds 2
set -uo pipefail
out=${OUT:-runs/gpu_sea}/sea
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 NUMBA_ENABLE_CUDASIM=${NUMBA_ENABLE_CUDASIM:-0}
py=${PYTHON:-python3}
case " $* " in *" --seeds "*) args=("$@") ;; *) args=(--seeds 10000 "$@") ;; esac
for figure in regret_vs_T bound_grid strongly_convex dynamic_regret; do
  start=$(date +%s)
  timeout 140 "$py" "experiments/sea/$figure.py" --backend gpu --out "$out/$figure" "${args[@]}" > "$out/$figure.log" 2>&1
  rc=$?
  echo "$figure: exit $rc in $(( $(date +%s) - start )) s ($*)" | tee -a "$out/times.txt"
  tail -n 12 "$out/$figure.log"
done
