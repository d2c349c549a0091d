"""Tuning SOR's relaxation parameter online across a sequence of linear systems.

Khodak, Chow, Balcan and Talwalkar (ICLR 2024), "Learning to Relax: Setting Solver Parameters
Across a Sequence of Linear System Instances".

>>> from olearn import relax
>>> tuner = relax.OmegaTuner(method="chebcb", omegas=relax.omega_grid(1.0, 1.95, 20),
...                          context_range=(-0.15, 0.65), seed=0)           # doctest: +SKIP
>>> for A, b, c, _ in systems: x, info = tuner.solve(A, b, context=c)      # doctest: +SKIP
>>> tuner.report()                                                          # doctest: +SKIP

* :class:`ParameterTuner`: the same learners for any parameter of the user's own solver, from any cost;
* solvers: :func:`sor`, :func:`ssor_pcg` (numba, CSR; ``info['iterations']`` is the cost) and plain
  conjugate gradients :func:`cg`, the baseline;
* cost tables: :func:`cost_table` (parallel, cached) and :class:`CostTable` (its ``environment()``
  replays it for any number of learner seeds through ``olearn.run``);
* comparators: :func:`omega_grid`, :func:`young_omega`, :func:`sor_radius`, :func:`jacobi_radius`,
  :func:`instance_optimal_omegas`, :func:`brute_force_omegas`, ``CostTable.best_fixed()``.
"""
from olearn.relax.comparators import (
    brute_force_omegas, instance_optimal_omegas, jacobi_radius, omega_grid, sor_radius, young_omega,
)
from olearn.relax.costs import CostTable, cost_table, solve_many
from olearn.relax.solvers import cg, sor, ssor_pcg
from olearn.relax.parameter_tuner import ParameterTuner
from olearn.relax.tuner import METHODS, OmegaTuner

__all__ = [
    "sor", "ssor_pcg", "cg", "omega_grid", "OmegaTuner", "ParameterTuner", "METHODS", "cost_table", "CostTable", "solve_many",
    "young_omega", "sor_radius", "jacobi_radius", "instance_optimal_omegas", "brute_force_omegas",
]
