"""SOR and SSOR-PCG against plain SciPy implementations of the same iterations; bad input; the cap.

Reference SOR: x <- x + (D / omega + L)^{-1} (b - A x) with SciPy's dense triangular solve,
stopping after the first iteration with ||b - A x|| < tol ||b||.  Reference SSOR-PCG:
``scipy.sparse.linalg.cg`` with the SSOR preconditioner applied through SciPy's sparse
triangular solves, iterations counted by its callback.
"""
import math

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from environments.linear_systems import HeatEquation, laplacian_2d, shifted_laplacian
from olearn import ParameterError, relax


def scipy_sor(A, b, omega, tol=1e-8, max_iter=10_000):
    A = A.toarray()
    M = np.diag(np.diag(A) / omega) + np.tril(A, -1)
    x = np.zeros_like(b)
    r = b.copy()
    bnorm = np.linalg.norm(b)
    for k in range(1, max_iter + 1):
        x = x + sla.solve_triangular(M, r, lower=True)
        r = b - A @ x
        if np.linalg.norm(r) < tol * bnorm:
            return k, x
    return max_iter, x


def scipy_ssor_pcg(A, b, omega, x0, tol=1e-8, max_iter=10_000):
    D = sp.diags(A.diagonal())
    lower = (D + omega * sp.tril(A, -1)).tocsr()
    upper = (D + omega * sp.triu(A, 1)).tocsr()

    def apply(r):
        y = spla.spsolve_triangular(lower, omega * (2 - omega) * r, lower=True)
        return spla.spsolve_triangular(upper, D @ y, lower=False)

    count = []
    x, status = spla.cg(A, b, x0=x0.copy(), rtol=tol, atol=0.0, maxiter=max_iter,
                        M=spla.LinearOperator(A.shape, matvec=apply), callback=lambda xk: count.append(1))
    return len(count), x, status


OMEGAS = np.linspace(1.0, 1.95, 8)
OFFSETS = [-0.15, -0.1, 0.0, 0.1, 0.3, 0.65]


def test_sor_iterations_equal_scipy_reference_on_the_shifted_laplacian_family():
    base = laplacian_2d(10)
    b = shifted_laplacian(1, seed=3).rhs[0]
    diffs = []
    for c in OFFSETS:
        A = (base + c * sp.identity(100)).tocsr()
        for w in OMEGAS:
            x, info = relax.sor(A, b, omega=w, tol=1e-8, max_iter=10_000)
            k_ref, x_ref = scipy_sor(A, b, w)
            assert info["converged"]
            diffs.append(info["iterations"] - k_ref)
            assert np.linalg.norm(A @ x - b) < 1e-8 * np.linalg.norm(b)
            assert np.allclose(x, x_ref, rtol=0, atol=1e-6 * np.abs(x_ref).max())
    diffs = np.array(diffs)
    assert np.all(np.abs(diffs) <= 1), diffs  # one iteration where the stopping test sits on a rounding boundary
    assert np.mean(diffs == 0) >= 0.9, diffs


def test_iteration_counts_span_the_expected_range():
    """Near-singular shifts are slow at omega = 1 (Gauss-Seidel rate rho_J^2) and fast near Young's omega."""
    base = laplacian_2d(10)
    b = np.ones(100)
    A = (base - 0.15 * sp.identity(100)).tocsr()
    slow = relax.sor(A, b, omega=1.0)[1]["iterations"]
    beta = 4 * math.cos(math.pi / 11) / (4 - 0.15)
    fast = relax.sor(A, b, omega=relax.young_omega(beta))[1]["iterations"]
    # asymptotic rates: rho_J^2 for Gauss-Seidel, omega* - 1 at Young's omega
    assert abs(slow - math.log(1e-8) / math.log(beta**2)) < 0.2 * slow
    assert fast < slow / 10


@pytest.mark.parametrize("omega", [1.0, 1.4, 1.9])
def test_ssor_pcg_matches_scipy_cg_warm_started(omega):
    heat = HeatEquation(nx=12, steps=3)
    u = heat.initial()
    for step in range(3):
        s = heat.system(step, u)
        x, info = relax.ssor_pcg(s.A, s.b, omega=omega, tol=1e-8, x0=s.x0)
        k_ref, x_ref, status = scipy_ssor_pcg(s.A, s.b, omega, s.x0)
        assert status == 0 and info["converged"]
        assert abs(info["iterations"] - k_ref) <= 1
        assert np.allclose(x, x_ref, atol=1e-6)
        u = x
    # on the shifted Laplacian from zero
    A = (laplacian_2d(10) + 0.05 * sp.identity(100)).tocsr()
    b = shifted_laplacian(1, seed=4).rhs[0]
    x, info = relax.ssor_pcg(A, b, omega=omega)
    k_ref, _, _ = scipy_ssor_pcg(A, b, omega, np.zeros(100))
    assert abs(info["iterations"] - k_ref) <= 1


def test_exact_warm_start_costs_zero_iterations():
    A = laplacian_2d(5)
    x_true = np.arange(25.0)
    b = A @ x_true
    for solve in (relax.sor, relax.ssor_pcg):
        x, info = solve(A, b, omega=1.3, x0=x_true)
        assert info["iterations"] == 0 and info["converged"]
        x, info = solve(A, np.zeros(25), omega=1.3)
        assert info["iterations"] == 0 and np.all(x == 0)


def test_cap_returns_with_info_and_is_charged_the_cap():
    A = (laplacian_2d(10) - 0.15 * sp.identity(100)).tocsr()
    b = np.ones(100)
    x, info = relax.sor(A, b, omega=1.0, max_iter=7)
    assert info["iterations"] == 7 and not info["converged"] and "cap" in info["message"]
    assert info["residual"] > 1e-8
    x, info = relax.ssor_pcg(A, b, omega=1.0, max_iter=2)
    assert info["iterations"] == 2 and not info["converged"]
    tuner = relax.OmegaTuner(omegas=[1.0], max_iter=5, backend="python")
    _, info = tuner.solve(A, b)
    assert tuner.iterations == [5] and not info["converged"]


GOOD = laplacian_2d(3)


@pytest.mark.parametrize("solve", [relax.sor, relax.ssor_pcg])
@pytest.mark.parametrize("kwargs, name", [
    ({"A": sp.diags([1.0, 0.0, 2.0]).tocsr()}, "A"),
    ({"A": sp.diags([1.0, -2.0, 2.0]).tocsr()}, "A"),
    ({"A": sp.csr_matrix(np.ones((3, 4)))}, "A"),
    ({"omega": 0.0}, "omega"),
    ({"omega": 2.0}, "omega"),
    ({"omega": -1.0}, "omega"),
    ({"tol": 0.0}, "tol"),
    ({"tol": -1e-8}, "tol"),
    ({"b": np.ones(8)}, "b"),
    ({"max_iter": 0}, "max_iter"),
    ({"x0": np.ones(4)}, "x0"),
])
def test_bad_input_is_one_clear_error(solve, kwargs, name):
    args = {"A": GOOD, "b": np.ones(9), "omega": 1.5, "tol": 1e-8, **kwargs}
    if "A" in kwargs:
        args["b"] = np.ones(kwargs["A"].shape[0])
    with pytest.raises(ParameterError, match=f"'{name}'") as err:
        solve(**args)
    assert "allowed" in str(err.value)


def test_zero_diagonal_error_names_the_entry():
    with pytest.raises(ParameterError, match=r"A\[1, 1\] = 0.*diagonal"):
        relax.sor(sp.diags([1.0, 0.0, 2.0]).tocsr(), np.ones(3))
