"""Supporting figure of Learning to Relax: SOR iterations against omega per instance, with omega* marked.

    olearn run experiments/relax/iterations_vs_omega.toml [--small]
    python experiments/relax/iterations_vs_omega.py [--config X.toml] [--out DIR] [--small]

For ``instances`` instances of the high-variance sequence spread over the range of the shift c,
the iteration count on a fine grid of omegas, with Young's omega* = 2 / (1 + sqrt(1 - rho_J^2))
(from the Jacobi spectral radius; a triangle) and the brute-force best omega of the fine grid (a
dot), and dashed the asymptotic count log(1e-8) / log rho(C_omega) from Young's closed form of SOR's
spectral radius (:func:`olearn.relax.sor_radius`), the estimate the paper's near-asymptotic bound refines.
Writes iterations_vs_omega.png/.pdf and, per instance, both optima, their costs and the asymptotic count
at omega* as .csv/.md.
"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from relax_common import options, save
from environments.linear_systems import SystemList, shifted_laplacian
from olearn import relax


def main():
    sizes, out = options(__file__)
    pool = shifted_laplacian(sizes["pool"], "high", seed=0)
    order = np.argsort(pool.contexts)
    picks = order[np.linspace(0, len(order) - 1, sizes["instances"]).astype(int)]
    chosen = SystemList([pool[int(t)] for t in picks])
    fine = np.round(np.arange(1.0, 1.995, sizes["step"]), 4)
    costs, _ = relax.solve_many(chosen, fine)
    beta = np.array([relax.jacobi_radius(s.A) for s in chosen])
    young = relax.young_omega(beta)
    asymptotic = np.log(1e-8) / np.log(relax.sor_radius(beta[:, None], fine[None, :]))
    young_costs = relax.solve_many(chosen, young[:, None])[0][:, 0]
    brute_omega, brute_costs = relax.brute_force_omegas(chosen, fine)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(chosen)))
    for i, s in enumerate(chosen):
        ax.semilogy(fine, costs[i], color=colors[i], lw=1.2, label=f"c = {s.context:+.3f}")
        ax.semilogy(fine, asymptotic[i], color=colors[i], lw=0.8, ls="--")
        ax.semilogy([young[i]], [young_costs[i]], "^", color=colors[i], ms=8)
        ax.semilogy([brute_omega[i]], [brute_costs[i]], "o", color=colors[i], ms=4)
    ax.set(xlabel="omega", ylabel="SOR iterations (log scale)",
           title="iterations vs omega; triangle: Young's omega*, dot: brute force;\n"
                 "dashed: asymptotic log(1e-8) / log rho(C_omega)")
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    frame = pd.DataFrame({"c": [s.context for s in chosen], "young_omega": young, "young_iterations": young_costs,
                          "brute_force_omega": brute_omega, "brute_force_iterations": brute_costs,
                          "iterations_at_omega_1": costs[:, 0],
                          "asymptotic_iterations_at_young": np.log(1e-8) / np.log(relax.sor_radius(beta, young))})
    save(fig, frame, out, "iterations_vs_omega")


if __name__ == "__main__":
    main()
