"""SOR sweeps per second at n = 10^4 (numba on CSR against a plain SciPy sweep), and the paper's cost table.

    python experiments/benchmarks/bench_sor.py [--grid 100] [--sweeps 200] [--table] [--instances 5000]

Sweep: ``x <- x + (D / omega + L)^{-1} (b - A x)`` on the shifted 5-point Laplacian of a
``grid x grid`` grid (n = grid^2), both measured in this run: olearn's in-place row sweep
(:func:`olearn.relax.solvers.sor_sweep`) and the SciPy reference (a sparse matrix-vector product
and ``scipy.sparse.linalg.spsolve_triangular`` on the CSR lower triangle).  Prints sweeps/s of
each and their ratio, after checking both produce the same iterate.

``--table``: the cost table of the paper's setting (Khodak et al., ICLR 2024: ``instances``
shifted-Laplacian systems on a 10 x 10 grid x 20 omegas in [1, 1.95], SOR to 1e-8), computed in
parallel with every core numba sees, timed after a small warm-up that compiles the kernels
(wall and CPU seconds, and the load average, since other processes may share the cores).
Target: under 2 minutes on 2 cores for 5000 instances.
"""
import argparse
import os
import time

import numba
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from environments.linear_systems import laplacian_2d, shifted_laplacian
from olearn import relax
from olearn.relax.solvers import sor_sweep


def sweeps_per_second(run, sweeps: int) -> float:
    run(1)  # warm-up (compilation)
    started = time.perf_counter()
    run(sweeps)
    return sweeps / (time.perf_counter() - started)


def bench_sweep(grid: int, sweeps: int, omega: float = 1.6, shift: float = 0.1) -> dict:
    A = (laplacian_2d(grid) + shift * sp.identity(grid * grid)).tocsr()
    n = A.shape[0]
    b = np.random.default_rng(0).standard_normal(n)
    inv_diag = 1.0 / A.diagonal()
    lower = (sp.diags(A.diagonal() / omega) + sp.tril(A, -1)).tocsr()
    x_numba, x_scipy = np.zeros(n), np.zeros(n)
    row_residual, step = np.empty(n), np.empty(n)

    def numba_sweeps(k):
        for _ in range(k):
            sor_sweep(A.indptr, A.indices, A.data, inv_diag, b, x_numba, omega, row_residual, step)

    def scipy_sweeps(k):
        nonlocal x_scipy
        for _ in range(k):
            x_scipy = x_scipy + spla.spsolve_triangular(lower, b - A @ x_scipy, lower=True)

    numba_rate = sweeps_per_second(numba_sweeps, sweeps)
    scipy_rate = sweeps_per_second(scipy_sweeps, max(sweeps // 20, 3))
    x_numba[:], x_scipy = 0.0, np.zeros(n)
    numba_sweeps(5)
    scipy_sweeps(5)
    gap = float(np.abs(x_numba - x_scipy).max() / np.abs(x_scipy).max())
    return {"n": n, "numba_sweeps_per_s": numba_rate, "scipy_sweeps_per_s": scipy_rate,
            "ratio": numba_rate / scipy_rate, "relative_gap_after_5_sweeps": gap}


def bench_table(instances: int) -> dict:
    grid = relax.omega_grid(1.0, 1.95, 20)
    relax.cost_table(shifted_laplacian(40, seed=1), grid)  # compile
    out = {"instances": instances, "omegas": grid.size, "threads": numba.get_num_threads()}
    for variance in ("high", "low"):
        seq = shifted_laplacian(instances, variance, seed=0)
        started, cpu = time.perf_counter(), time.process_time()
        table = relax.cost_table(seq, grid)
        out[f"{variance}_seconds"] = time.perf_counter() - started
        out[f"{variance}_cpu_seconds"] = time.process_time() - cpu
        out[f"{variance}_total_iterations"] = int(table.costs.sum())
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", type=int, default=100, help="n = grid^2 unknowns")
    p.add_argument("--sweeps", type=int, default=200)
    p.add_argument("--table", action="store_true", help="also time the paper's cost table")
    p.add_argument("--instances", type=int, default=5000)
    a = p.parse_args()
    r = bench_sweep(a.grid, a.sweeps)
    print(f"SOR sweep, n = {r['n']}: numba {r['numba_sweeps_per_s']:.0f} sweeps/s, SciPy reference "
          f"{r['scipy_sweeps_per_s']:.1f} sweeps/s, ratio {r['ratio']:.1f}x "
          f"(iterates agree to {r['relative_gap_after_5_sweeps']:.1e})")
    if a.table:
        t = bench_table(a.instances)
        print(f"cost table, {t['instances']} instances x {t['omegas']} omegas, {t['threads']} threads "
              f"(CPU seconds: all threads together; on an idle machine wall ~ CPU / threads):")
        for v in ("high", "low"):
            print(f"  {v} variance: {t[f'{v}_seconds']:.1f} s wall, {t[f'{v}_cpu_seconds']:.1f} s CPU, "
                  f"{t[f'{v}_total_iterations']} SOR iterations")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} (other processes share the cores)")
