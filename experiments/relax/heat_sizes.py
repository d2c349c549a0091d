"""The heat-equation runs at several grid sizes: total iterations and wall-clock time against CG's.

    olearn run experiments/relax/heat_sizes.toml [--small]
    python experiments/relax/heat_sizes.py [--config X.toml] [--out DIR] [--small]

For each grid of ``sizes`` (``nx`` intervals a side, (nx - 1)^2 unknowns), the 2-D heat equation of
:mod:`heat_equation` over ``steps`` Crank-Nicolson steps, as in Khodak, Chow, Balcan and Talwalkar's
heat-equation runs (their plots of total iterations against the matrix dimension and of wall-clock
time relative to conjugate gradients):

* conjugate gradients without a preconditioner (:func:`olearn.relax.cg`), SSOR-PCG at omega = 1 and at
  the best fixed omega in hindsight of the 20-omega grid (the cost table along the direct-solve
  trajectory, cached), each warm-started at the previous state;
* the step-wise tuners (Tsallis-INF, Tsallis-INF-CB with 6 bins, ChebCB; seed 0) choosing SSOR-PCG's omega
  inside the time loop, on their own trajectories.

Seconds are the solves' wall-clock on one thread (a tuner's choices and updates included; assembling the
systems is not).  Writes heat_sizes.png/.pdf (left: total iterations against the number of unknowns,
log-log; right: seconds relative to CG's) and the numbers as .csv/.md.
"""
import matplotlib.pyplot as plt
import pandas as pd

from heat_equation import TUNERS, along_trajectory, heat_table, live_run
from olearn import relax
from relax_common import options, save


def size_rows(nx: int, steps: int, omegas) -> list[dict]:
    """One row per policy at grid ``nx``: total iterations, seconds, and both relative to CG."""
    heat, trajectory, table = heat_table(nx, steps, omegas)
    best_omega, _ = table.best_fixed()
    runs = {"CG, no preconditioner": along_trajectory(trajectory, relax.cg)}
    for label, omega in (("SSOR-PCG, omega = 1", 1.0), (f"SSOR-PCG, best fixed omega ({best_omega:.2f})", best_omega)):
        runs[label] = along_trajectory(trajectory, lambda A, b, x0, w=omega: relax.ssor_pcg(A, b, omega=w, x0=x0))
    for label, (method, params) in TUNERS.items():
        runs[f"{label} (live)"] = live_run(heat, method, params, omegas)
    cg_total, cg_seconds = runs["CG, no preconditioner"][0].sum(), runs["CG, no preconditioner"][1]
    return [{"nx": nx, "unknowns": heat.size, "policy": label, "total_iterations": float(it.sum()),
             "iterations_vs_cg": it.sum() / cg_total, "seconds": seconds, "seconds_vs_cg": seconds / cg_seconds}
            for label, (it, seconds) in runs.items()]


def main():
    sizes, out = options(__file__)
    omegas = relax.omega_grid(1.0, 1.95, 20)
    frame = pd.DataFrame([row for nx in sizes["sizes"] for row in size_rows(nx, sizes["steps"], omegas)])
    frame["policy_kind"] = frame["policy"].str.replace(r" \(\d\.\d\d\)", "", regex=True)  # best fixed: one line over sizes
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for kind, rows in frame.groupby("policy_kind", sort=False):
        style = {"ls": "-.", "color": "black"} if kind.startswith("CG") else {"marker": "o"}
        left.plot(rows["unknowns"], rows["total_iterations"], label=kind, **style)
        if not kind.startswith("CG"):
            right.plot(rows["unknowns"], rows["seconds_vs_cg"], label=kind, **style)
    right.axhline(1.0, color="black", lw=0.8, ls="-.", label="CG")
    left.set(xscale="log", yscale="log", xlabel="unknowns (nx - 1)^2", ylabel="total iterations",
             title=f"heat equation, {sizes['steps']} steps")
    right.set(xscale="log", xlabel="unknowns (nx - 1)^2", ylabel="seconds / CG's seconds",
              title="solve time relative to CG (one thread)")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    print(frame[["nx", "policy", "total_iterations", "iterations_vs_cg", "seconds", "seconds_vs_cg"]].to_string(index=False))
    save(fig, frame.drop(columns="policy_kind"), out, "heat_sizes")


if __name__ == "__main__":
    main()
