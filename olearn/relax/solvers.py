"""SOR and SSOR-preconditioned conjugate gradients on CSR matrices, compiled with numba.

Both solvers report the iteration count, the feedback a tuner learns from (Khodak, Chow,
Balcan and Talwalkar, ICLR 2024, "Learning to Relax", section 2 and appendix code).

SOR (forward sweep).  With ``A = D + L + U`` (diagonal, strictly lower, strictly upper),
one iteration is ``x <- x + (D / omega + L)^{-1} (b - A x)``, computed in place row by row::

    x_i <- x_i + omega * (b_i - sum_j a_ij x_j) / a_ii

(entries ``j < i`` already updated).  It stops after the first iteration ``k`` with
``||b - A x_k|| < tol * ||b||`` (the paper's ``||r_k|| / ||r_0||`` for ``x_0 = 0``), or at ``max_iter``;
the residual after a sweep is formed from the sweep's own row residuals and steps (see
:func:`residual_after_sweep`), which reads only the upper triangle of A.

SSOR-PCG.  Conjugate gradients preconditioned by
``M = (D + omega L) D^{-1} (D + omega U) / (omega (2 - omega))`` (``U = L^T`` for symmetric A),
applied as a forward sweep, a diagonal scaling and a backward sweep; it stops after the first
iteration with ``||r_k|| < tol * ||b||`` (recursively updated residual, as SciPy's ``cg``).

The ``*_csr`` kernels take the CSR arrays and a preallocated solution vector; :func:`sor` and
:func:`ssor_pcg` are the shells that validate, convert and allocate.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from olearn.relax import validate


@numba.njit(cache=True)
def residual_norm(indptr, indices, data, b, x):
    """||b - A x||_2 for A in CSR form."""
    total = 0.0
    for i in range(b.size):
        s = b[i]
        for p in range(indptr[i], indptr[i + 1]):
            s -= data[p] * x[indices[p]]
        total += s * s
    return math.sqrt(total)


@numba.njit(cache=True)
def sor_sweep(indptr, indices, data, inv_diag, b, x, omega, row_residual, step):
    """One forward SOR sweep in place: x <- x + (D / omega + L)^{-1} (b - A x).

    Row i adds ``step_i = omega s_i / a_ii`` with ``s_i = b_i - sum_j a_ij x_j`` its current
    residual (entries j < i already updated), which is the same update; ``s`` and ``step`` are
    kept for :func:`residual_after_sweep`.
    """
    for i in range(b.size):
        s = b[i]
        for p in range(indptr[i], indptr[i + 1]):
            s -= data[p] * x[indices[p]]
        d = omega * s * inv_diag[i]
        x[i] += d
        row_residual[i] = s
        step[i] = d


@numba.njit(cache=True)
def upper_starts(indptr, indices):
    """Per row, the position of its first entry right of the diagonal (CSR with sorted indices)."""
    n = indptr.size - 1
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        p = indptr[i]
        while p < indptr[i + 1] and indices[p] <= i:
            p += 1
        out[i] = p
    return out


@numba.njit(cache=True)
def residual_after_sweep(indptr, indices, data, upper, omega, row_residual, step):
    """||b - A x|| after a sweep from the sweep's own numbers, without a second product with A.

    With s_i and step_i of :func:`sor_sweep`, the new residual of row i is
    ``b_i - sum_j a_ij x'_j = s_i - a_ii step_i - sum_{j > i} a_ij step_j = (1 - omega) s_i - sum_{j > i} a_ij step_j``
    (the entries left of the diagonal were already updated when s_i was formed), so only the
    strictly upper triangle is read.
    """
    total = 0.0
    for i in range(row_residual.size):
        r = (1.0 - omega) * row_residual[i]
        for p in range(upper[i], indptr[i + 1]):
            r -= data[p] * step[indices[p]]
        total += r * r
    return math.sqrt(total)


@numba.njit(cache=True)
def sor_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter):
    """SOR from the start ``x`` (overwritten with the result).

    Returns ``(iterations, final residual norm, converged)``; a solve that hits the cap returns
    ``max_iter`` with ``converged = False``.  ``indices`` must be sorted within each row.
    """
    bnorm = math.sqrt(np.sum(b * b))
    threshold = tol * bnorm
    rnorm = residual_norm(indptr, indices, data, b, x)
    if rnorm < threshold or rnorm == 0.0:
        return 0, rnorm, True
    inv_diag = 1.0 / diag
    upper = upper_starts(indptr, indices)
    row_residual = np.empty(b.size)
    step = np.empty(b.size)
    for k in range(1, max_iter + 1):
        sor_sweep(indptr, indices, data, inv_diag, b, x, omega, row_residual, step)
        rnorm = residual_after_sweep(indptr, indices, data, upper, omega, row_residual, step)
        if rnorm < threshold:
            return k, rnorm, True
    return max_iter, rnorm, False


@numba.njit(cache=True)
def ssor_apply(indptr, indices, data, diag, omega, r, z):
    """z = M^{-1} r for M = (D + omega L) D^{-1} (D + omega U) / (omega (2 - omega))."""
    n = r.size
    c = omega * (2.0 - omega)
    for i in range(n):  # (D + omega L) y = c r
        s = c * r[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j < i:
                s -= omega * data[p] * z[j]
        z[i] = s / diag[i]
    for i in range(n):  # y <- D y
        z[i] *= diag[i]
    for i in range(n - 1, -1, -1):  # (D + omega U) z = y
        s = z[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j > i:
                s -= omega * data[p] * z[j]
        z[i] = s / diag[i]


@numba.njit(cache=True)
def ssor_pcg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter):
    """SSOR-preconditioned CG from the start ``x`` (overwritten); returns like :func:`sor_csr`."""
    n = b.size
    threshold = tol * math.sqrt(np.sum(b * b))
    r = np.empty(n)
    for i in range(n):
        s = b[i]
        for p in range(indptr[i], indptr[i + 1]):
            s -= data[p] * x[indices[p]]
        r[i] = s
    rnorm = math.sqrt(np.sum(r * r))
    if rnorm < threshold or rnorm == 0.0:
        return 0, rnorm, True
    z = np.empty(n)
    q = np.empty(n)
    ssor_apply(indptr, indices, data, diag, omega, r, z)
    p_dir = z.copy()
    rz = np.sum(r * z)
    for k in range(1, max_iter + 1):
        for i in range(n):
            s = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                s += data[p] * p_dir[indices[p]]
            q[i] = s
        alpha = rz / np.sum(p_dir * q)
        for i in range(n):
            x[i] += alpha * p_dir[i]
            r[i] -= alpha * q[i]
        rnorm = math.sqrt(np.sum(r * r))
        if rnorm < threshold:
            return k, rnorm, True
        ssor_apply(indptr, indices, data, diag, omega, r, z)
        rz_new = np.sum(r * z)
        beta = rz_new / rz
        rz = rz_new
        for i in range(n):
            p_dir[i] = z[i] + beta * p_dir[i]
    return max_iter, rnorm, False


KERNELS = {"sor": sor_csr, "ssor_pcg": ssor_pcg_csr}


def _solve(name, A, b, omega, tol, max_iter, x0):
    A, diag, b = validate.csr_system(name, A, b)
    omega = validate.omega(name, omega)
    tol = validate.tolerance(name, tol)
    max_iter = validate.max_iterations(name, max_iter)
    x = validate.start(name, x0, b.size)
    iterations, rnorm, converged = KERNELS[name](A.indptr, A.indices, A.data, diag, b, x, omega, tol, max_iter)
    bnorm = float(np.linalg.norm(b))
    info = {
        "iterations": int(iterations),
        "converged": bool(converged),
        "omega": omega,
        "residual": float(rnorm / bnorm) if bnorm > 0 else 0.0,
        "message": "converged" if converged else f"stopped at the iteration cap max_iter={max_iter} before reaching tol={tol:g}",
    }
    return x, info


def sor(A, b, omega: float = 1.0, tol: float = 1e-8, max_iter: int = 10_000, x0=None):
    """Solve ``A x = b`` by SOR with relaxation ``omega`` (forward sweep, see the module docstring).

    Returns ``(x, info)``: ``info['iterations']`` (the cost; ``max_iter`` when the cap is hit),
    ``info['converged']``, ``info['omega']``, ``info['residual']`` (``||b - Ax|| / ||b||``) and
    ``info['message']``.

    >>> import scipy.sparse as sp, numpy as np
    >>> A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(5, 5), format="csr")
    >>> x, info = sor(A, np.ones(5), omega=1.5)
    >>> info["converged"], np.allclose(A @ x, 1.0)
    (True, True)
    """
    return _solve("sor", A, b, omega, tol, max_iter, x0)


def ssor_pcg(A, b, omega: float = 1.0, tol: float = 1e-8, max_iter: int = 10_000, x0=None):
    """Solve ``A x = b`` (A symmetric positive definite) by SSOR-preconditioned conjugate gradients.

    Same return values as :func:`sor`; ``x0`` warm-starts the iteration.
    """
    return _solve("ssor_pcg", A, b, omega, tol, max_iter, x0)
