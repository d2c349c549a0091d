"""The step-wise tuner inside a heat-equation time loop: cumulative SSOR-PCG iterations of every tuner and fixed omega.

    olearn run experiments/relax/heat_equation.toml [--small]
    python experiments/relax/heat_equation.py [--config X.toml] [--out DIR] [--small]

The 2-D heat equation on the unit square, ``nx - 1`` interior points a side, Crank-Nicolson with
the time-varying diffusion kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t) (see
:class:`environments.linear_systems.HeatEquation`).  Each step solves its system by
SSOR-preconditioned CG to relative residual 1e-8, warm-started at the previous solution, with the
omega an :class:`olearn.relax.OmegaTuner` picks from 20 omegas in [1, 1.95]:

* live: each tuner (Tsallis-INF; Tsallis-INF-CB with 6 bins and ChebCB, both with kappa as context
  in [0, 10]) runs inside the time loop, seed 0, on its own trajectory;
* fixed omegas: the cost table along the direct-solve trajectory (every step warm-started at the
  exact previous state), computed in parallel and cached;
* replay: ``trials`` seeds of every tuner replaying that table (mean), to show the live seed is typical;
* oracle: the per-step best omega of the grid along that trajectory (a lower bound for the grid, not a policy);
* baseline: conjugate gradients without a preconditioner (:func:`olearn.relax.cg`) along that trajectory, and
  the wall-clock time of it and of SSOR-PCG at the best fixed omega there (one thread, solves only), as the
  paper's heat-equation runs compare the learned SSOR-PCG with plain CG.

Writes heat_equation.png/.pdf (cumulative iterations against the step) and the totals as .csv/.md.
"""
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from relax_common import CACHE, cumulative_iterations, options, save
from environments.linear_systems import HeatEquation
from olearn import relax

KAPPA_RANGE = (0.0, 10.0)
TUNERS = {  # label: (method, learner parameters)
    "Tsallis-INF": ("tsallis_inf", {}),
    "Tsallis-INF-CB (6 bins)": ("tsallis_inf_cb", {"n_bins": 6}),
    "ChebCB": ("chebcb", {}),
}


def live_run(heat: HeatEquation, method: str, params: dict, omegas, seed: int = 0) -> tuple[np.ndarray, float]:
    """Iterations per step of ``method`` choosing omega inside the time loop (its own trajectory), and the
    seconds of its solves, the tuner's choices and updates included (the systems' assembly and a first
    solve by a throwaway tuner, which loads the compiled learner, are not)."""
    def tuner():
        return relax.OmegaTuner(method, omegas=omegas, context_range=KAPPA_RANGE, solver="ssor_pcg", seed=seed, **params)

    u = heat.initial()
    first = heat.system(0, u)
    tuner().solve(first.A, first.b, context=first.context, x0=u)
    live, seconds = tuner(), 0.0
    for step in range(heat.steps):
        system = heat.system(step, u)
        started = time.perf_counter()
        u, _ = live.solve(system.A, system.b, context=system.context, x0=u)
        seconds += time.perf_counter() - started
    return np.asarray(live.iterations), seconds


def along_trajectory(trajectory, solve) -> tuple[np.ndarray, float]:
    """Iterations per step of ``solve(A, b, x0=...)`` along ``trajectory``, and the seconds the solves took
    (after one untimed solve, which loads the compiled solver)."""
    first = trajectory[0]
    solve(first.A, first.b, x0=first.x0)
    iterations = np.empty(len(trajectory))
    seconds = 0.0
    for step in range(len(trajectory)):
        system = trajectory[step]
        started = time.perf_counter()
        _, info = solve(system.A, system.b, x0=system.x0)
        seconds += time.perf_counter() - started
        iterations[step] = info["iterations"]
    return iterations, seconds


def heat_table(nx: int, steps: int, omegas):
    """The heat equation at grid ``nx``, its direct-solve trajectory and that trajectory's SSOR-PCG cost table
    (computed in parallel and cached)."""
    heat = HeatEquation(nx=nx, steps=steps)
    started = time.perf_counter()
    trajectory = heat.reference_systems()
    table = relax.cost_table(trajectory, omegas, solver="ssor_pcg", cache_dir=CACHE,
                             name=f"heat-nx{heat.nx}-steps{heat.steps}-dt{heat.dt}")
    print(f"nx = {nx}: cost table ({steps} steps x {omegas.size} omegas) in {time.perf_counter() - started:.1f} s")
    return heat, trajectory, table


def main():
    sizes, out = options(__file__, replays=True)
    omegas = relax.omega_grid(1.0, 1.95, 20)
    heat, trajectory, table = heat_table(sizes["nx"], sizes["steps"], omegas)
    best_omega, best_total = table.best_fixed()
    k_best = int(np.argmin(table.totals))
    rows = []
    fig, ax = plt.subplots(figsize=(8, 5))
    steps = np.arange(1, heat.steps + 1)
    for k, w in enumerate(omegas):
        curve = np.cumsum(table.costs[:, k])
        emphasis = k in (0, k_best)
        ax.plot(steps, curve, color="C7" if not emphasis else ("C3" if k == 0 else "k"), lw=1.6 if emphasis else 0.6,
                alpha=1.0 if emphasis else 0.5, ls="--" if emphasis else "-",
                label=f"fixed omega = {w:.2f}" + (" (best fixed)" if k == k_best else "") if emphasis else None)
        rows.append({"policy": f"fixed omega = {w:.2f}", "run": "table", "total_iterations": float(curve[-1]),
                     "ratio_to_best_fixed": curve[-1] / best_total})
    oracle = np.cumsum(table.grid_optimal())
    ax.plot(steps, oracle, color="C4", lw=1.2, ls=":", label="per-step best omega of the grid (oracle)")
    rows.append({"policy": "per-step best omega of the grid (oracle, not a policy)", "run": "table",
                 "total_iterations": float(oracle[-1]), "ratio_to_best_fixed": oracle[-1] / best_total})
    cg, cg_seconds = along_trajectory(trajectory, relax.cg)
    best, best_seconds = along_trajectory(trajectory, lambda A, b, x0: relax.ssor_pcg(A, b, omega=best_omega, x0=x0))
    assert best.sum() == best_total  # the timed solves are the table's
    ax.plot(steps, np.cumsum(cg), color="C5", lw=1.2, ls="-.", label="CG, no preconditioner")
    rows.append({"policy": "CG, no preconditioner", "run": "table trajectory", "total_iterations": float(cg.sum()),
                 "ratio_to_best_fixed": cg.sum() / best_total, "seconds": cg_seconds})
    rows.append({"policy": f"fixed omega = {best_omega:.2f} (best fixed), timed", "run": "table trajectory",
                 "total_iterations": float(best_total), "ratio_to_best_fixed": 1.0, "seconds": best_seconds})
    for i, (label, (method, params)) in enumerate(TUNERS.items()):
        live, seconds = live_run(heat, method, params, omegas)
        live = np.cumsum(live)
        learner = relax.tuner.make_learner(method, omegas.size, KAPPA_RANGE, **params)
        replay = cumulative_iterations(learner, table, sizes, contexts=method != "tsallis_inf").mean(axis=0)
        ax.plot(steps, live, color=f"C{i}", lw=2, label=f"{label} (live, seed 0)")
        rows.append({"policy": label, "run": "live, seed 0", "total_iterations": float(live[-1]),
                     "ratio_to_best_fixed": live[-1] / best_total, "seconds": seconds})
        rows.append({"policy": label, "run": f"table replay, mean of {sizes['trials']} seeds",
                     "total_iterations": float(replay[-1]), "ratio_to_best_fixed": replay[-1] / best_total})
    ax.set(xlabel="time step", ylabel="cumulative SSOR-PCG iterations",
           title=f"heat equation, nx = {heat.nx}, {heat.steps} steps (grey: the other fixed omegas)")
    ax.legend(fontsize=8)
    frame = pd.DataFrame(rows)
    print(f"best fixed omega {best_omega:.2f}: {best_total} iterations in {best_seconds:.2f} s; omega = 1: "
          f"{table.totals[0]}; CG without a preconditioner: {cg.sum():.0f} iterations in {cg_seconds:.2f} s")
    save(fig, frame, out, "heat_equation")


if __name__ == "__main__":
    main()
