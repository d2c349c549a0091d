"""Comparators for omega: the grid, Young's instance-optimal omega and SOR's spectral radius, and brute force.

Young's formula (Young 1950; Khodak et al., ICLR 2024, eq. for omega*): for a consistently
ordered SPD matrix with Jacobi spectral radius ``beta = rho(I - D^{-1} A)``, the asymptotically
optimal SOR relaxation is ``omega* = 1 + (beta / (1 + sqrt(1 - beta^2)))^2 = 2 / (1 + sqrt(1 - beta^2))``.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from olearn.core.errors import ParameterError, check_integer
from olearn.core.params import real_array
from olearn.relax import validate


MAX_GRID = 10**6  # omegas in a grid (a learner's arms, at most 10^6)


def omega_grid(low: float = 1.0, high: float = 1.95, n: int = 20) -> np.ndarray:
    """``n`` evenly spaced relaxation parameters in [low, high] (the paper's default: 20 in [1, 1.95]).

    Rounded to 12 decimals, so the grid holds the decimal values it names (1.55, not 1.5499999999999998),
    except where rounding would take a value out of (0, 2) or make two values equal.

    >>> omega_grid(1.0, 1.95, 20)[10:13].tolist()
    [1.5, 1.55, 1.6]
    """
    n = check_integer("omega_grid", "n", n, 1, MAX_GRID, "omegas in the grid")
    low = validate.omega("omega_grid", low, "low")
    high = validate.omega("omega_grid", high, "high")
    if high < low or (n > 1 and high == low):
        raise ParameterError("omega_grid", "high", high, f"a number > low = {low} (or equal to it with n = 1)")
    grid = np.linspace(low, high, n)
    rounded = np.round(grid, 12)
    # rounding must not leave (0, 2) (1.9999999999999 -> 2.0: that value stays as given) nor merge two values
    rounded = np.where((rounded > 0.0) & (rounded < 2.0), rounded, grid)
    if np.unique(rounded).size == n:
        return rounded
    if np.unique(grid).size != n:  # fewer than n doubles between low and high: the grid would repeat an omega
        raise ParameterError("omega_grid", "n", n, f"at most the number of distinct doubles in [{low!r}, {high!r}] "
                             f"({np.unique(grid).size} of {n} evenly spaced ones are distinct): a wider range or a smaller n")
    return grid


def _numbers(owner: str, name: str, value, allowed: str) -> np.ndarray:
    """``value`` as a float64 array of numbers (bools, text, complex values and other objects refused by name)."""
    try:
        arr = real_array(value)
    except (TypeError, ValueError):  # e.g. the matrix itself: its radius is jacobi_radius(A)
        raise ParameterError(owner, name, type(value).__name__, allowed) from None
    if np.asarray(value).dtype.kind == "b":  # True had been read as 1.0
        raise ParameterError(owner, name, value, allowed)
    return arr


DENSE_LIMIT = 2000  # up to this size the whole spectrum (dense), above it the two extreme eigenvalues (Lanczos)


def jacobi_radius(A) -> float:
    """rho(I - D^{-1} A) from the extreme eigenvalues of the symmetric D^{-1/2} A D^{-1/2} (A symmetric).

    ``I - D^{-1} A`` is similar to ``I - D^{-1/2} A D^{-1/2}``, so rho = max(|1 - lambda_min|, |1 - lambda_max|).
    Up to ``DENSE_LIMIT`` unknowns all eigenvalues are computed; above it only the two extreme ones
    (``scipy.sparse.linalg.eigsh``), so large sparse systems need neither a dense copy nor O(n^3) work.
    A non-symmetric ``A`` raises a ParameterError (the formula holds for symmetric matrices only).
    """
    n = A.shape[0] if getattr(A, "ndim", 0) == 2 else 0
    A, diag, _ = validate.csr_system("jacobi_radius", A, np.zeros(n))
    validate.symmetric("jacobi_radius", A, "a symmetric matrix (the radius is computed from a symmetric similar matrix)")
    scale = sp.diags(1.0 / np.sqrt(diag))
    S = (scale @ A @ scale).tocsr()
    S = 0.5 * (S + S.T)
    if n <= DENSE_LIMIT:
        eig = np.linalg.eigvalsh(S.toarray())
        low, high = eig[0], eig[-1]
    else:
        from scipy.sparse.linalg import eigsh

        high = eigsh(S, k=1, which="LA", tol=1e-12, return_eigenvectors=False)[0]
        low = eigsh(S, k=1, which="SA", tol=1e-12, return_eigenvectors=False)[0]
    return float(max(abs(1.0 - low), abs(1.0 - high)))


def young_omega(beta) -> np.ndarray | float:
    """Young's optimal omega from the Jacobi spectral radius ``beta`` in [0, 1)."""
    beta = _numbers("young_omega", "beta", beta, "Jacobi spectral radii in [0, 1) (of a matrix A: jacobi_radius(A))")
    if np.any(~(beta >= 0.0) | ~(beta < 1.0)):
        raise ParameterError("young_omega", "beta", beta, "Jacobi spectral radii in [0, 1)")
    out = 1.0 + (beta / (1.0 + np.sqrt(1.0 - beta**2))) ** 2
    return float(out) if out.ndim == 0 else out


def sor_radius(beta, omega) -> np.ndarray | float:
    """Spectral radius of SOR's iteration matrix C_omega = I - (D / omega + L)^{-1} A for a consistently ordered
    matrix with real Jacobi eigenvalues of radius ``beta`` in [0, 1) (Young 1971, ch. 6; the 5-point Laplacian
    in natural order, shifted or not), for ``omega`` in (0, 2)::

        rho(C_omega) = ((omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1))) / 2)^2   for omega <= omega*,
        rho(C_omega) = omega - 1                                                    for omega >= omega*,

    smallest at Young's omega* (:func:`young_omega`).  ``log(tol) / log(rho)`` is SOR's asymptotic iteration
    count to a residual reduction ``tol`` (the estimate the paper's near-asymptotic bound refines).
    Arrays broadcast.
    """
    beta = _numbers("sor_radius", "beta", beta, "Jacobi spectral radii in [0, 1)")
    omega = _numbers("sor_radius", "omega", omega, "relaxation parameters in (0, 2)")
    if np.any(~(beta >= 0.0) | ~(beta < 1.0)):
        raise ParameterError("sor_radius", "beta", beta, "Jacobi spectral radii in [0, 1)")
    if np.any(~(omega > 0.0) | ~(omega < 2.0)):
        raise ParameterError("sor_radius", "omega", omega, "relaxation parameters in (0, 2)")
    try:
        beta, omega = np.broadcast_arrays(beta, omega)
    except ValueError:
        raise ParameterError("sor_radius", "omega", f"shape {omega.shape} against beta's {beta.shape}",
                             "relaxation parameters of a shape that broadcasts with beta's") from None
    below = omega <= young_omega(beta)
    # the discriminant is >= 0 for omega <= omega* and 0 at omega*, where rounding can make it -1e-17 (a NaN root)
    root = np.sqrt(np.maximum(np.where(below, omega**2 * beta**2 - 4.0 * (omega - 1.0), 0.0), 0.0))
    out = np.where(below, ((omega * beta + root) / 2.0) ** 2, omega - 1.0)
    return float(out) if out.ndim == 0 else out


def instance_optimal_omegas(systems) -> np.ndarray:
    """Young's omega of every system (the spectral radius is not charged to any learner)."""
    radius = getattr(systems, "jacobi_radius", None)
    if not callable(radius):
        try:
            matrices = [systems[t].A for t in range(len(systems))]
        except (TypeError, AttributeError, IndexError, KeyError):  # None, (A, b) tuples, a dict
            raise ParameterError("instance_optimal_omegas", "systems", type(systems).__name__, "a sequence of systems "
                                 "with an A each (environments.linear_systems.systems(...) of (A, b) pairs)") from None
        beta = np.array([jacobi_radius(A) for A in matrices])
    else:
        beta = radius()
    return young_omega(beta)


def brute_force_omegas(systems, omegas, solver="sor", tol=1e-8, max_iter=10_000):
    """Per system, the omega of ``omegas`` (a fine grid) with the fewest iterations, and that count."""
    from olearn.relax.costs import solve_many

    omegas = validate.omegas("brute_force_omegas", omegas)
    costs, _ = solve_many(systems, omegas, solver, tol, max_iter)
    best = costs.argmin(axis=1)
    return omegas[best], costs[np.arange(len(best)), best]
