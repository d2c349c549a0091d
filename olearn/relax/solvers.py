"""SOR and SSOR-preconditioned conjugate gradients on CSR matrices, compiled with numba.

Both solvers report the iteration count, the feedback a tuner learns from (Khodak, Chow,
Balcan and Talwalkar, ICLR 2024, "Learning to Relax", section 2 and appendix code).

SOR (forward sweep).  With ``A = D + L + U`` (diagonal, strictly lower, strictly upper),
one iteration is ``x <- x + (D / omega + L)^{-1} (b - A x)``, computed in place row by row::

    x_i <- x_i + omega * (b_i - sum_j a_ij x_j) / a_ii

(entries ``j < i`` already updated).  It stops after the first iteration ``k`` with
``||r_k|| < tol * ||r_0||``, ``r_k = b - A x_k`` (the authors' ``sor.m``; ``||r_0|| = ||b||`` for
``x_0 = 0``), or at ``max_iter``; the residual after a sweep is formed from the sweep's own row
residuals and steps (see :func:`residual_after_sweep`), which reads only the upper triangle of A.

SSOR-PCG.  Conjugate gradients preconditioned by
``M = (D + omega L)^T D^{-1} (D + omega L) / (omega (2 - omega)) = (D + omega U) D^{-1} (D + omega L) / (omega (2 - omega))``
for symmetric A (the authors' ``ssor_pcg.m``, MATLAB ``pcg`` with the factors ``X^T D^{-1}`` and
``X / (omega (2 - omega))``, ``X = D + omega L``), applied as a backward sweep, a diagonal scaling and
a forward sweep.  It stops after the first iteration with ``||r_k|| < tol * ||b||``, ``r_k`` the recursively
updated residual, as SciPy's ``cg`` does (MATLAB's ``pcg`` confirms with ``b - A x`` before it reports
convergence; the two differ only where rounding has parted them, far below the tolerance of 1e-8 the
experiments use); ``b = 0`` gives ``x = 0`` at once, as in MATLAB.  The shells report the true relative
residual ``||b - A x|| / ||b||`` of the returned ``x`` (:func:`solve_checked`).  ``p^T A p <= 0`` (A not
positive definite) stops it with the status ``BREAKDOWN``.
Plain conjugate gradients (:func:`cg`, the baseline a tuned SSOR-PCG is measured against) is the same
loop with ``M = I``.

SOR diverges on some matrices that are not symmetric positive definite (with omega outside the range
where it contracts): once the residual is no longer finite it stops with the status ``DIVERGED`` and is
charged the cap, as a solve that hits it (stopping early must not make a diverging omega look cheap to a
tuner).

Both run on the problem scaled by a power of two that brings the larger of b and r_0 to unit size
(:func:`unit_scale`): exact, so the iterates are those of the unscaled problem bit for bit, while the
norms stay finite and nonzero for right-hand sides from 1e-300 to 1e300.

Kernels return ``(iterations, relative residual, status)`` with status ``CONVERGED``, ``CAPPED``
(``iterations = max_iter``), ``BREAKDOWN`` or ``DIVERGED`` (``iterations = max_iter``).

The ``*_csr`` kernels take the CSR arrays and a preallocated solution vector; :func:`sor` and
:func:`ssor_pcg` are the shells that validate, convert and allocate.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from olearn.core.errors import ParameterError
from olearn.relax import validate

CONVERGED, CAPPED, BREAKDOWN, DIVERGED = 0, 1, 2, 3


@numba.njit(cache=True)
def residual(indptr, indices, data, b, x, r):
    """r = b - A x for A in CSR form."""
    for i in range(b.size):
        s = b[i]
        for p in range(indptr[i], indptr[i + 1]):
            s -= data[p] * x[indices[p]]
        r[i] = s


@numba.njit(cache=True)
def unit_scale(b, r):
    """2^-e, e the binary exponent of the largest |b_i| or |r_i| (1 when all are 0).

    The solvers run on ``(s b, s x)``, whose residual is ``s r``: scaling by a power of two is exact, so
    every operation rounds as on the unscaled problem and the iterates, counts and stopping decisions
    are the same bit for bit, while the sums of squares in the norms (of numbers at most 1) no longer
    overflow for a right-hand side of size 1e200, or underflow to a false "converged" at 1e-200.
    """
    big = 0.0
    for i in range(b.size):
        big = max(big, abs(b[i]), abs(r[i]))
    if big == 0.0 or not big < math.inf:
        return 1.0
    # at most 2^1023: a subnormal b (below 2^-1024) would ask for 2^1024 = inf, and x = b * inf is NaN
    return math.ldexp(1.0, min(-math.frexp(big)[1], 1023))


@numba.njit(cache=True)
def scale_problem(b, x, r, scale):
    """(s b, s x, s r) in place for x and r; returns s b as a new array (the caller's b is left as given)."""
    bs = np.empty(b.size)
    for i in range(b.size):
        bs[i] = b[i] * scale
        x[i] *= scale
        r[i] *= scale
    return bs


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
    """SOR from the start ``x`` (overwritten with the result), on the problem scaled by :func:`unit_scale`.

    Returns ``(iterations, relative residual ||r_k|| / ||r_0||, status)``; a solve that hits the cap
    returns ``max_iter`` with status ``CAPPED``, one whose residual overflows (inf or NaN) returns at
    once, charged ``max_iter``, with status ``DIVERGED`` and ``x`` all NaN.  ``indices`` must be sorted
    within each row.
    """
    n = b.size
    row_residual = np.empty(n)
    residual(indptr, indices, data, b, x, row_residual)
    scale = unit_scale(b, row_residual)
    bs = scale_problem(b, x, row_residual, scale)
    total = 0.0
    for i in range(n):
        total += row_residual[i] * row_residual[i]
    rnorm0 = math.sqrt(total)
    iterations, rnorm, status = 0, rnorm0, CONVERGED
    if rnorm0 > 0.0:
        threshold = tol * rnorm0
        inv_diag = 1.0 / diag
        upper = upper_starts(indptr, indices)
        step = np.empty(n)
        iterations, status = max_iter, CAPPED
        for k in range(1, max_iter + 1):
            sor_sweep(indptr, indices, data, inv_diag, bs, x, omega, row_residual, step)
            rnorm = residual_after_sweep(indptr, indices, data, upper, omega, row_residual, step)
            if rnorm < threshold:
                iterations, status = k, CONVERGED
                break
            if not rnorm < math.inf:  # inf or NaN: x has overflowed, or soon will; no later sweep recovers it
                x[:] = np.nan  # no solution: a start or a result taken from here would look finite
                status = DIVERGED
                break
    for i in range(n):
        x[i] /= scale
    return iterations, (rnorm / rnorm0 if rnorm0 > 0.0 else 0.0), status


@numba.njit(cache=True)
def ssor_apply(indptr, indices, data, diag, omega, c, r, z):
    """z = c (D + omega L)^{-1} D (D + omega U)^{-1} r, which is M^{-1} r for c = omega (2 - omega)."""
    n = r.size
    for i in range(n - 1, -1, -1):  # (D + omega U) y = c r
        s = c * r[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j > i:
                s -= omega * data[p] * z[j]
        z[i] = s / diag[i]
    for i in range(n):  # y <- D y
        z[i] *= diag[i]
    for i in range(n):  # (D + omega L) z = y
        s = z[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j < i:
                s -= omega * data[p] * z[j]
        z[i] = s / diag[i]


@numba.njit(cache=True)
def precondition(ssor, indptr, indices, data, diag, omega, c, r, z):
    """z = M^{-1} r: SSOR's (:func:`ssor_apply`) when ``ssor``, else z = r (M = I, plain CG)."""
    if ssor:
        ssor_apply(indptr, indices, data, diag, omega, c, r, z)
    else:
        z[:] = r


@numba.njit(cache=True)
def pcg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter, ssor):
    """Conjugate gradients from the start ``x`` (overwritten), on the problem scaled by :func:`unit_scale`,
    preconditioned by SSOR with ``omega`` when ``ssor``, else not at all (M = I): see :func:`precondition`.

    Returns like :func:`sor_csr`, with the residual relative to ``||b||``.  The preconditioner's factor
    omega (2 - omega) enters only up to its power of two, which CG's iterates do not see (z and p scale by
    it exactly, the step alpha inversely) and which underflows for a tiny omega.
    """
    n = b.size
    zero = True
    for i in range(n):
        zero = zero and b[i] == 0.0
    if zero:  # A x = 0: x = 0 (MATLAB's pcg returns it without iterating)
        x[:] = 0.0
        return 0, 0.0, CONVERGED
    r = np.empty(n)
    residual(indptr, indices, data, b, x, r)
    scale = unit_scale(b, r)
    bs = scale_problem(b, x, r, scale)
    bnorm = math.sqrt(np.sum(bs * bs))
    threshold = tol * bnorm
    rnorm = math.sqrt(np.sum(r * r))
    iterations, status = 0, CONVERGED
    if not rnorm < threshold:
        c = math.frexp(omega * (2.0 - omega))[0]
        z = np.empty(n)
        q = np.empty(n)
        precondition(ssor, indptr, indices, data, diag, omega, c, r, z)
        p_dir = z.copy()
        rz = np.sum(r * z)
        iterations, status = max_iter, CAPPED
        for k in range(1, max_iter + 1):
            for i in range(n):
                s = 0.0
                for p in range(indptr[i], indptr[i + 1]):
                    s += data[p] * p_dir[indices[p]]
                q[i] = s
            curvature = np.sum(p_dir * q)
            if not curvature > 0.0:  # p^T A p <= 0: A is not positive definite
                iterations, status = k - 1, BREAKDOWN
                break
            alpha = rz / curvature
            for i in range(n):
                x[i] += alpha * p_dir[i]
                r[i] -= alpha * q[i]
            rnorm = math.sqrt(np.sum(r * r))
            if rnorm < threshold:
                iterations, status = k, CONVERGED
                break
            precondition(ssor, indptr, indices, data, diag, omega, c, r, z)
            rz_new = np.sum(r * z)
            if not rz_new > 0.0:  # r^T M^{-1} r <= 0 with r != 0: M, hence A, is not positive definite
                iterations, status = k, BREAKDOWN
                break
            beta = rz_new / rz
            rz = rz_new
            for i in range(n):
                p_dir[i] = z[i] + beta * p_dir[i]
    for i in range(n):
        x[i] /= scale
    return iterations, rnorm / bnorm, status


@numba.njit(cache=True)
def ssor_pcg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter):
    """SSOR-preconditioned CG (:func:`pcg_csr` with :func:`ssor_apply`)."""
    return pcg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter, True)


@numba.njit(cache=True)
def cg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter):
    """Conjugate gradients without a preconditioner (``omega`` unused), the baseline the tuned SSOR-PCG is
    measured against (Khodak et al.'s heat-equation runs)."""
    return pcg_csr(indptr, indices, data, diag, b, x, omega, tol, max_iter, False)


KERNELS = {"sor": sor_csr, "ssor_pcg": ssor_pcg_csr, "cg": cg_csr}
TUNABLE = ("sor", "ssor_pcg")  # the solvers with an omega to tune


def system(owner, name, A, b, x0=None):
    """The checked inputs of a solve: ``(A, diag, b, x)``, ``A`` canonical CSR, ``x`` a fresh start.

    ParameterError (from ``owner``) for a bad matrix, right-hand side or start (one whose residual
    overflows included), and for a
    non-symmetric ``A`` with solver ``name`` = ``ssor_pcg`` or ``cg``.
    """
    A, diag, b = validate.csr_system(owner, A, b)
    if name in ("ssor_pcg", "cg"):
        validate.symmetric(owner, A)
    x = validate.start(owner, x0, b.size)
    if x0 is not None and not np.all(np.isfinite(b - A @ x)):
        raise ParameterError(owner, "x0", "a start whose residual b - A x0 overflows",
                             f"None or a finite vector of length {b.size} whose residual b - A x0 is finite")
    return A, diag, b, x


def _solve(name, A, b, omega, tol, max_iter, x0):
    A, diag, b, x = system(name, name, A, b, x0)
    return solve_checked(name, A, diag, b, x, validate.omega(name, omega), validate.tolerance(name, tol),
                         validate.max_iterations(name, max_iter))


def solve_checked(name, A, diag, b, x, omega, tol, max_iter):
    """Solver ``name`` on inputs already checked (:func:`system`, ``validate``); ``x`` is the start, overwritten.

    Returns ``(x, info)`` as :func:`sor` does; a breakdown of SSOR-PCG is a ParameterError naming ``A``.
    """
    iterations, relative, status = KERNELS[name](A.indptr, A.indices, A.data, diag, b, x, omega, tol, max_iter)
    if status == BREAKDOWN:
        raise ParameterError(name, "A", f"a matrix with p^T A p <= 0 after {iterations} conjugate-gradient iterations",
                             "a symmetric positive definite matrix (conjugate gradients needs one)")
    messages = {CONVERGED: "converged",
                CAPPED: f"stopped at the iteration cap max_iter={max_iter} before reaching tol={tol:g}",
                DIVERGED: f"diverged (the residual overflowed; x is NaN): charged the cap max_iter={max_iter}"}
    if status == CONVERGED and not np.all(np.isfinite(x)):  # the solution itself is past the largest double
        status, iterations = DIVERGED, max_iter
        messages[DIVERGED] = (f"the solution overflows double precision (x has infinite entries; scale b down): charged "
                              f"the cap max_iter={max_iter}")
    if name != "sor" and relative > 0.0:  # CG's recursive residual drifts from b - A x: report the true one
        relative = true_relative_residual(A, b, x)
        if status == CONVERGED and not relative < tol:
            messages[CONVERGED] = (f"converged on the recursively updated residual; the true residual ||b - Ax|| / ||b|| "
                                   f"= {relative:.3g} is not below tol={tol:g} (rounding: a tolerance near machine "
                                   "precision times the condition number)")
    info = {
        "iterations": int(iterations),
        "converged": status == CONVERGED,
        "omega": omega,
        "residual": float(relative),
        "message": messages[status],
    }
    return x, info


def true_relative_residual(A, b, x) -> float:
    """||b - A x|| / ||b|| (b != 0), computed on b and x scaled by the largest |b_i| so that neither norm overflows."""
    scale = float(np.max(np.abs(b)))
    r = b / scale - A @ (x / scale)
    return float(np.linalg.norm(r) / np.linalg.norm(b / scale))


def sor(A, b, omega: float = 1.0, tol: float = 1e-8, max_iter: int = 10_000, x0=None):
    """Solve ``A x = b`` by SOR with relaxation ``omega`` (forward sweep, see the module docstring).

    Returns ``(x, info)``: ``info['iterations']`` (the cost; ``max_iter`` when the cap is hit or the
    iteration diverges, which it can only for a matrix that is not symmetric positive definite),
    ``info['converged']``, ``info['omega']``, ``info['residual']`` (``||b - Ax|| / ||b - A x0||``, the
    ratio the stopping rule tests) and ``info['message']``.

    >>> import scipy.sparse as sp, numpy as np
    >>> A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(5, 5), format="csr")
    >>> x, info = sor(A, np.ones(5), omega=1.5)
    >>> info["converged"], np.allclose(A @ x, 1.0)
    (True, True)
    """
    return _solve("sor", A, b, omega, tol, max_iter, x0)


def ssor_pcg(A, b, omega: float = 1.0, tol: float = 1e-8, max_iter: int = 10_000, x0=None):
    """Solve ``A x = b`` (A symmetric positive definite) by SSOR-preconditioned conjugate gradients.

    Same return values as :func:`sor`, with ``info['residual'] = ||b - Ax|| / ||b||`` (the returned x's; the stopping
    test reads the recursively updated residual, as SciPy's ``cg``: see the module docstring); ``x0`` warm-starts
    the iteration.  A non-symmetric ``A``, or one whose curvature p^T A p is not positive along a search
    direction, raises a ParameterError naming ``A``.
    """
    return _solve("ssor_pcg", A, b, omega, tol, max_iter, x0)


def cg(A, b, tol: float = 1e-8, max_iter: int = 10_000, x0=None):
    """Solve ``A x = b`` (A symmetric positive definite) by conjugate gradients without a preconditioner.

    The baseline of the tuned SSOR-PCG: the same iteration, stopping rule and return values as
    :func:`ssor_pcg` with the preconditioner M = I (``info['omega']`` is None).
    """
    x, info = _solve("cg", A, b, 1.0, tol, max_iter, x0)  # the kernel ignores omega
    return x, {**info, "omega": None}
