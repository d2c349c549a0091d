"""Input checks shared by the solvers and the cost tables: one clear error per bad input."""
from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp

from olearn.core import params
from olearn.core.errors import ParameterError, check_integer


def csr_system(owner: str, A, b):
    """``A`` as a float64 CSR matrix with sorted indices, its diagonal, and ``b`` as a float64 vector.

    Raises :class:`ParameterError` for a non-square matrix, a diagonal entry that is zero,
    negative or not finite, non-finite entries, or a right-hand side of the wrong length.
    """
    if not (sp.issparse(A) or isinstance(A, np.ndarray)):
        raise ParameterError(owner, "A", type(A).__name__, "a square scipy.sparse matrix (or 2-D NumPy array)")
    if A.ndim != 2:
        raise ParameterError(owner, "A", f"an array of shape {A.shape}", "a square matrix (2-D)")
    if np.issubdtype(A.dtype, np.complexfloating):
        raise ParameterError(owner, "A", f"a matrix of dtype {A.dtype}", "a real matrix (SOR and SSOR-PCG here are real)")
    if isinstance(A, np.ndarray):  # text ("4") would be parsed and None-filled objects fail inside SciPy: refused here
        A = real_entries(owner, "A", A, "a real matrix of numbers (SOR and SSOR-PCG here are real)")
    elif A.dtype.kind not in "biuf":
        raise ParameterError(owner, "A", f"a matrix of dtype {A.dtype}", "a real matrix of numbers (SOR and SSOR-PCG here are real)")
    A = sp.csr_matrix(A, dtype=np.float64)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ParameterError(owner, "A", f"a {A.shape[0]}x{A.shape[1]} matrix", "a non-empty square matrix")
    if not A.has_canonical_format:  # duplicates summed and indices sorted, on a copy: the caller's matrix stays as given
        A = A.copy()
        A.sum_duplicates()
    if not np.all(np.isfinite(A.data)):
        raise ParameterError(owner, "A", "a matrix with non-finite entries", "a matrix of finite numbers")
    diag = A.diagonal()
    bad = np.flatnonzero(~(diag > 0.0))
    if bad.size:
        raise ParameterError(owner, "A", f"a matrix with A[{bad[0]}, {bad[0]}] = {diag[bad[0]]:g}",
                             "a square matrix whose diagonal entries are all > 0 (SOR divides by them)")
    b = real_entries(owner, "b", b, f"a real vector of length {A.shape[0]} (the size of A)")
    if b.ndim != 1 or b.size != A.shape[0]:
        raise ParameterError(owner, "b", f"an array of shape {b.shape}", f"a vector of length {A.shape[0]} (the size of A)")
    if not np.all(np.isfinite(b)):
        raise ParameterError(owner, "b", "a vector with non-finite entries", "a vector of finite numbers")
    return A, np.ascontiguousarray(diag), np.ascontiguousarray(b)


def real_entries(owner: str, name: str, values, allowed: str) -> np.ndarray:
    """``values`` (a sparse vector as its entries) as a float64 array; complex or non-numeric values are refused
    (a cast would drop the imaginary parts without a word)."""
    arr = np.asarray(_dense_vector(values))
    try:
        return params.real_array(arr, copy=True)
    except (TypeError, ValueError):
        raise ParameterError(owner, name, f"an array of dtype {arr.dtype}", allowed) from None


def _dense_vector(v):
    """A sparse vector (1-D, or an n x 1 / 1 x n matrix) as its dense entries; anything else as given."""
    if not sp.issparse(v):
        return v
    dense = np.asarray(v.toarray())
    return dense.reshape(-1) if min(dense.shape) == 1 else dense


def symmetric(owner: str, A, allowed: str = "a symmetric positive definite matrix (conjugate gradients needs one)") -> None:
    """A ParameterError unless ``A`` (CSR) is symmetric to rounding (|A - A^T| <= 1e-12 max |A|)."""
    gap = abs(A - A.T)
    if gap.nnz and gap.max() > 1e-12 * abs(A).max():
        raise ParameterError(owner, "A", f"a matrix with max |A - A^T| = {gap.max():g}", allowed)


def start(owner: str, x0, n: int) -> np.ndarray:
    """A fresh float64 copy of the starting point (zeros when ``x0`` is None)."""
    if x0 is None:
        return np.zeros(n)
    x = real_entries(owner, "x0", x0, f"None or a finite real vector of length {n}")
    if x.ndim != 1 or x.size != n or not np.all(np.isfinite(x)):
        raise ParameterError(owner, "x0", f"an array of shape {x.shape}", f"None or a finite vector of length {n}")
    return x


def omega(owner: str, value, name: str = "omega") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 < float(value) < 2.0):
        raise ParameterError(owner, name, value, "a number in (0, 2) (SOR converges for SPD matrices exactly there)")
    return float(value)


def omegas(owner: str, values) -> np.ndarray:
    arr = real_entries(owner, "omegas", values, "a non-empty list of distinct real numbers in (0, 2)")
    if arr.ndim != 1 or arr.size == 0 or not np.all((arr > 0.0) & (arr < 2.0)):
        raise ParameterError(owner, "omegas", values, "a non-empty list of distinct numbers in (0, 2)")
    if np.unique(arr).size != arr.size:  # two arms of one omega: a learner would split its plays between them
        raise ParameterError(owner, "omegas", values, "a non-empty list of distinct numbers in (0, 2) (one is given twice)")
    return arr


def tolerance(owner: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 < float(value) < 1.0) or math.isnan(value):
        raise ParameterError(owner, "tol", value, "a number in (0, 1) (relative residual: ||b - Ax|| / ||b - A x0|| for SOR, "
                             "||b - Ax|| / ||b|| for SSOR-PCG)")
    return float(value)


MAX_ITERATIONS = 2**62  # the solvers count sweeps in int64


def max_iterations(owner: str, value) -> int:
    return check_integer(owner, "max_iter", value, 1, MAX_ITERATIONS, "the iteration cap")
