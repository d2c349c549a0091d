"""SOR, SSOR-PCG and CG against plain SciPy implementations of the same iterations; bad input; the cap.

Reference SOR: x <- x + (D / omega + L)^{-1} (b - A x) with SciPy's dense triangular solve,
stopping after the first iteration with ||b - A x|| < tol ||b - A x0|| (the authors' sor.m).
Reference SSOR-PCG: ``scipy.sparse.linalg.cg`` with the authors' preconditioner
M = (D + omega L)^T D^{-1} (D + omega L) / (omega (2 - omega)) (their ssor_pcg.m) applied through
SciPy's sparse triangular solves, iterations counted by its callback.
"""
import math

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from environments.linear_systems import HeatEquation, laplacian_2d, shifted_laplacian, systems
from olearn import ParameterError, relax


def scipy_sor(A, b, omega, tol=1e-8, max_iter=10_000, x0=None):
    A = A.toarray()
    M = np.diag(np.diag(A) / omega) + np.tril(A, -1)
    x = np.zeros_like(b) if x0 is None else x0.copy()
    r = b - A @ x
    norm0 = np.linalg.norm(r)
    for k in range(1, max_iter + 1):
        x = x + sla.solve_triangular(M, r, lower=True)
        r = b - A @ x
        if np.linalg.norm(r) < tol * norm0:
            return k, x
    return max_iter, x


def scipy_ssor_pcg(A, b, omega, x0, tol=1e-8, max_iter=10_000):
    D = sp.diags(A.diagonal())
    X = (D + omega * sp.tril(A, -1)).tocsr()  # M = X^T D^{-1} X / (omega (2 - omega))

    def apply(r):
        y = spla.spsolve_triangular(X.T.tocsr(), omega * (2 - omega) * r, lower=False)
        return spla.spsolve_triangular(X, D @ y, lower=True)

    count = []
    x, status = spla.cg(A, b, x0=x0.copy(), rtol=tol, atol=0.0, maxiter=max_iter,
                        M=spla.LinearOperator(A.shape, matvec=apply), callback=lambda xk: count.append(1))
    return len(count), x, status


OMEGAS = np.linspace(1.0, 1.95, 8)
OFFSETS = [-0.15, -0.1, 0.0, 0.1, 0.3, 0.65]
GOOD = laplacian_2d(3)


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


def test_warm_started_sor_stops_relative_to_its_first_residual():
    """The authors' rule ||r_k|| < tol ||r_0||: a start near the solution still gains a factor tol."""
    A = (laplacian_2d(10) + 0.1 * sp.identity(100)).tocsr()
    b = shifted_laplacian(1, seed=5).rhs[0]
    exact = spla.spsolve(A.tocsc(), b)
    for x0 in (exact + 1e-6 * np.random.default_rng(0).normal(size=100), np.ones(100)):
        for w in (1.0, 1.5, 1.9):
            x, info = relax.sor(A, b, omega=w, x0=x0)
            k_ref, x_ref = scipy_sor(A, b, w, x0=x0)
            assert abs(info["iterations"] - k_ref) <= 1 and info["iterations"] > 10
            assert info["residual"] < 1e-8 and np.linalg.norm(b - A @ x) < 1e-8 * np.linalg.norm(b - A @ x0)


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


def test_sor_count_on_a_diagonal_matrix_is_the_closed_form():
    """On a diagonal A a sweep multiplies the residual by 1 - omega, so SOR stops after the first k with
    |1 - omega|^k < tol.  With omega = 0.5 or 1.5 and powers of two everywhere the arithmetic is exact: at
    tol = 2^-10 the residual after 10 sweeps equals tol ||r_0||, which is not below it (the rule is strict),
    so k = 11, and a cap of exactly 11 still converges on its last sweep."""
    A = sp.diags([1.0, 2.0, 4.0, 8.0]).tocsr()
    b = np.array([1.0, -2.0, 8.0, 4.0])
    for omega in (0.5, 1.5):
        for cap in (10_000, 11):
            _, info = relax.sor(A, b, omega=omega, tol=2.0**-10, max_iter=cap)
            assert info["iterations"] == 11 and info["converged"] and info["residual"] == 2.0**-11, (omega, cap)
        _, info = relax.sor(A, b, omega=omega, tol=2.0**-10, max_iter=10)
        assert info["iterations"] == 10 and not info["converged"] and info["residual"] == 2.0**-10
    for omega in (0.3, 1.8):  # log(1e-8) / log|1 - omega| = 51.6 and 82.6: 52 and 83 sweeps
        expected = math.floor(math.log(1e-8) / math.log(abs(1.0 - omega))) + 1
        assert relax.sor(A, b, omega=omega)[1]["iterations"] == expected == {0.3: 52, 1.8: 83}[omega]


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


def test_cg_matches_scipy_cg_warm_started_and_from_zero():
    """Plain CG, the heat-equation baseline: SciPy's cg (same ||r|| < tol ||b|| rule, no preconditioner) takes
    as many iterations and reaches the same x, warm-started along a heat trajectory and from zero."""
    heat = HeatEquation(nx=24, steps=40)
    traj = heat.reference_systems()
    for step in (0, 15, 39):
        s = traj[step]
        x, info = relax.cg(s.A, s.b, x0=s.x0)
        count = []
        x_ref, status = spla.cg(s.A, s.b, x0=s.x0.copy(), rtol=1e-8, atol=0.0, maxiter=10_000,
                                callback=lambda xk: count.append(1))
        assert status == 0 and info["converged"] and info["omega"] is None
        assert abs(info["iterations"] - len(count)) <= 1 and info["iterations"] > 1
        np.testing.assert_allclose(x, x_ref, atol=1e-10)
    A = (laplacian_2d(10) + 0.05 * sp.identity(100)).tocsr()
    b = shifted_laplacian(1, seed=4).rhs[0]
    count = []
    spla.cg(A, b, rtol=1e-8, atol=0.0, maxiter=1000, callback=lambda xk: count.append(1))
    x, info = relax.cg(A, b)
    assert abs(info["iterations"] - len(count)) <= 1 and np.allclose(A @ x, b, atol=1e-6)
    _, capped = relax.cg(A, b, max_iter=5)
    assert not capped["converged"] and capped["iterations"] == 5 and "max_iter=5" in capped["message"]


@pytest.mark.parametrize("kwargs, name", [
    ({"A": sp.csr_matrix(np.array([[4.0, 1.0, 0.0], [0.0, 4.0, 1.0], [1.0, 0.0, 4.0]]))}, "A"),
    ({"A": sp.diags([1.0, -2.0, 2.0]).tocsr()}, "A"),
    ({"tol": 0.0}, "tol"),
    ({"b": np.ones(8)}, "b"),
    ({"max_iter": 0}, "max_iter"),
])
def test_cg_bad_input_is_one_clear_error(kwargs, name):
    args = {"A": GOOD, "b": np.ones(9), **kwargs}
    if "A" in kwargs:
        args["b"] = np.ones(kwargs["A"].shape[0])
    with pytest.raises(ParameterError, match=f"'{name}'.*allowed"):
        relax.cg(**args)


def test_cg_is_not_a_tunable_solver():
    with pytest.raises(ParameterError, match="'solver'"):
        relax.OmegaTuner("tsallis_inf", solver="cg")


@pytest.mark.parametrize("omega", [0.7, 1.0, 1.6])
def test_ssor_preconditioner_is_the_authors(omega):
    """z = M^{-1} r with M = X^T D^{-1} X / (omega (2 - omega)), X = D + omega L, as a dense solve.  The
    other SSOR order, X D^{-1} X^T, is a different matrix on a non-symmetric grid numbering."""
    from olearn.relax.solvers import ssor_apply

    A = HeatEquation(nx=6, steps=1).system(0, HeatEquation(nx=6, steps=1).initial()).A.tocsr()
    A = (A + sp.random(25, 25, density=0.1, random_state=1) + sp.random(25, 25, density=0.1, random_state=1).T).tocsr()
    A.sort_indices()
    dense = A.toarray()
    D = np.diag(np.diag(dense))
    X = D + omega * np.tril(dense, -1)
    M = X.T @ np.linalg.inv(D) @ X / (omega * (2 - omega))
    r = np.random.default_rng(2).normal(size=25)
    z = np.empty(25)
    ssor_apply(A.indptr, A.indices, A.data, A.diagonal(), omega, omega * (2 - omega), r, z)
    np.testing.assert_allclose(z, np.linalg.solve(M, r), rtol=1e-10)
    other = X @ np.linalg.inv(D) @ X.T / (omega * (2 - omega))
    assert not np.allclose(z, np.linalg.solve(other, r), rtol=1e-6)


def test_exact_warm_start_costs_zero_iterations():
    A = laplacian_2d(5)
    x_true = np.arange(25.0)
    b = A @ x_true
    for solve in (relax.sor, relax.ssor_pcg):
        x, info = solve(A, b, omega=1.3, x0=x_true)
        assert info["iterations"] == 0 and info["converged"]
        x, info = solve(A, np.zeros(25), omega=1.3)
        assert info["iterations"] == 0 and np.all(x == 0)


def test_krylov_counts_in_closed_form():
    """Conjugate gradients ends in at most m iterations on a matrix with m distinct eigenvalues (exact arithmetic;
    the residual after them is rounding, far below tol).  On a diagonal matrix SSOR's M is D / (omega (2 - omega)),
    so M^{-1} A is a multiple of I and SSOR-PCG converges in one iteration for every omega; plain CG needs
    exactly 2 on diag(1, 4, 1, 4, ...) with b reaching both eigenvalues."""
    A = sp.diags(np.tile([1.0, 4.0], 10)).tocsr()
    b = np.arange(1.0, 21.0)
    for omega in (0.5, 1.0, 1.7):
        _, info = relax.ssor_pcg(A, b, omega=omega)
        assert info["iterations"] == 1 and info["converged"], omega
    x, info = relax.cg(A, b)
    assert info["iterations"] == 2 and info["converged"]
    np.testing.assert_allclose(x, b / A.diagonal(), rtol=1e-12)
    _, info = relax.cg(sp.identity(20, format="csr") * 3.0, b)
    assert info["iterations"] == 1

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



# not symmetric: Gauss-Seidel contracts (its iteration matrix has eigenvalues 0 and -1/2), SOR at omega = 1.9 does not
SPLIT = np.array([[1.0, 1.0], [-0.5, 1.0]])


def _sor_spectral_radius(A, omega):
    """rho((D / omega + L)^{-1} (D / omega + L - A)), the factor SOR's error shrinks by per sweep."""
    M = np.diag(np.diag(A) / omega) + np.tril(A, -1)
    return max(abs(np.linalg.eigvals(np.linalg.solve(M, M - A))))


def test_a_diverging_sor_stops_with_nan_and_is_charged_the_cap():
    """Stopping where the residual overflows must not make the diverging omega look cheap: it is charged
    max_iter, in the solver's info and in a cost table; x is NaN, not a huge finite start for the next solve."""
    A = sp.csr_matrix(SPLIT)
    assert _sor_spectral_radius(SPLIT, 1.0) < 1 < _sor_spectral_radius(SPLIT, 1.9)
    x, info = relax.sor(A, np.ones(2), omega=1.0)
    assert info["converged"] and np.allclose(x, [0.0, 1.0])
    x, info = relax.sor(A, np.ones(2), omega=1.9, max_iter=5000)
    assert info["iterations"] == 5000 and not info["converged"] and "diverged" in info["message"]
    assert np.all(np.isnan(x)) and not np.isfinite(info["residual"])
    table = relax.cost_table(systems([(A, np.ones(2))]), omegas=[1.0, 1.9], max_iter=5000)
    assert table.costs[0, 1] == 5000 and table.costs[0, 0] < 100
    assert table.converged.tolist() == [[True, False]]


def test_tuner_warm_start_skips_a_diverged_solve():
    """A diverged solve's x used to become the next warm start, and every later solve was refused."""
    A = sp.csr_matrix(SPLIT)
    tuner = relax.OmegaTuner(omegas=[1.0, 1.9], max_iter=2000, warm_start=True, seed=3, backend="python")
    xs, infos = zip(*[tuner.solve(A, np.ones(2) * (1 + 0.01 * t)) for t in range(12)])
    diverged = [i for i, info in enumerate(infos) if "diverged" in info["message"]]
    assert diverged and diverged[0] < 11 and all(info["converged"] for info in infos if info["omega"] == 1.0)
    assert all(infos[i]["iterations"] == 2000 for i in diverged)
    last = None  # each solve is a plain SOR solve from the last finite solution (the first from zero)
    for t, (x, info) in enumerate(zip(xs, infos)):
        ref, _ = relax.sor(A, np.ones(2) * (1 + 0.01 * t), omega=info["omega"], max_iter=2000, x0=last)
        np.testing.assert_array_equal(x, ref)
        last = x if np.all(np.isfinite(x)) else last
    given = np.array([5.0, -3.0])  # a start given by the caller is used instead of the warm start
    x, info = tuner.solve(A, np.ones(2), x0=given)
    np.testing.assert_array_equal(x, relax.sor(A, np.ones(2), omega=info["omega"], max_iter=2000, x0=given)[0])


def test_compare_solves_every_omega_from_the_tuners_warm_start():
    A = (laplacian_2d(5) + 0.1 * sp.identity(25)).tocsr()
    tuner = relax.OmegaTuner(omegas=[1.0, 1.5], solver="ssor_pcg", warm_start=True, compare=True, seed=1, backend="python")
    last = None
    for t in range(3):
        b = np.linspace(1.0, 2.0, 25) * (1 + 0.01 * t)
        x, _ = tuner.solve(A, b)
        expected = [relax.ssor_pcg(A, b, omega=w, x0=last)[1]["iterations"] for w in (1.0, 1.5)]
        assert tuner.fixed_costs[t].tolist() == expected
        last = x
    cold = [relax.ssor_pcg(A, b, omega=w)[1]["iterations"] for w in (1.0, 1.5)]
    assert np.all(tuner.fixed_costs[2] < cold)  # the warm start counts: SSOR-PCG's rule is relative to ||b||


def test_a_start_whose_residual_overflows_is_refused():
    for solve in (relax.sor, relax.ssor_pcg):
        with pytest.raises(ParameterError, match="'x0'.*residual b - A x0 is finite"):
            solve(laplacian_2d(2), np.ones(4), x0=[1e308, -1e308, 1e308, -1e308])  # A x0 = 4e308 and more


@pytest.mark.parametrize("solve", [relax.sor, relax.ssor_pcg])
def test_a_solve_is_exactly_scale_equivariant_down_to_1e_minus_300_and_up_to_1e300(solve):
    """A x = 2^k b has the solution 2^k x: the same iterations and, for a power of two, x scaled exactly.
    Sums of squares of entries beyond 1e+-154 used to overflow (a false divergence or breakdown) or
    underflow (a false convergence: x = 0 for b of size 1e-200)."""
    A = (laplacian_2d(10) + 0.05 * sp.identity(100)).tocsr()
    b = shifted_laplacian(1, seed=4).rhs[0]
    x0 = np.linspace(-1.0, 1.0, 100)
    x, info = solve(A, b, omega=1.5, x0=x0)
    for k in (-1000, -600, 600, 1000):
        xk, infok = solve(A, np.ldexp(b, k), omega=1.5, x0=np.ldexp(x0, k))
        assert infok["converged"] and infok["iterations"] == info["iterations"]
        np.testing.assert_array_equal(xk, np.ldexp(x, k))


@pytest.mark.parametrize("solve", [relax.sor, relax.ssor_pcg])
def test_a_subnormal_right_hand_side_is_solved_not_nan(solve):
    """b below 2^-1024 asked unit_scale for 2^1024 = inf: SOR returned x = NaN as 'converged', SSOR-PCG a false
    breakdown.  Integer entries times 2^-1064 are exact, so the solve is the integer one scaled: the same
    iterations, and x the correctly rounded 2^-1064 x of the integer problem."""
    A = (laplacian_2d(4) + 0.1 * sp.identity(16)).tocsr()
    b = np.arange(-8.0, 8.0)
    x, info = solve(A, b, omega=1.3)
    xs, infos = solve(A, np.ldexp(b, -1064), omega=1.3)
    assert infos["converged"] and infos["iterations"] == info["iterations"] > 0
    np.testing.assert_array_equal(xs, np.ldexp(x, -1064))
    exact = np.linalg.solve(A.toarray(), b)
    assert np.all(np.abs(np.ldexp(xs, 1064) - exact) <= 1e-6 * np.abs(exact).max() + 2.0**-10)  # 2^-1074 (one ulp) scaled


def test_ssor_pcg_with_a_vanishing_omega_is_jacobi_preconditioned_cg():
    """As omega -> 0, M = (D + omega L)^T D^{-1} (D + omega L) / (omega (2 - omega)) -> D / (2 omega): Jacobi
    preconditioning, which on a constant diagonal is plain CG.  omega (2 - omega) used to underflow and
    stop the solve as a 'matrix that is not positive definite'."""
    A = (laplacian_2d(10) + 0.05 * sp.identity(100)).tocsr()
    b = shifted_laplacian(1, seed=4).rhs[0]
    count = []
    spla.cg(A, b, rtol=1e-8, atol=0.0, maxiter=1000, callback=lambda xk: count.append(1))
    for omega in (1e-300, 1e-160, 1e-12):
        x, info = relax.ssor_pcg(A, b, omega=omega)
        assert info["converged"] and abs(info["iterations"] - len(count)) <= 1


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


def test_the_callers_matrix_is_left_as_given():
    """A CSR matrix with unsorted indices and duplicates is canonicalised on a copy: another matrix
    sharing its index arrays, and the matrix itself, keep their entries."""
    indptr, indices = np.array([0, 3, 5]), np.array([1, 0, 1, 1, 0])
    A = sp.csr_matrix((np.array([1.0, 5.0, 1.0, 6.0, 2.0]), indices, indptr), shape=(2, 2))  # [[5, 2], [2, 6]]
    B = sp.csr_matrix((np.array([9.0, 1.0, 1.0, 3.0, 1.0]), indices, indptr), shape=(2, 2))
    before_A, before_B = A.toarray().copy(), B.toarray().copy()
    data_A = A.data.copy()
    for solve in (relax.sor, relax.ssor_pcg):
        x, info = solve(A, np.ones(2), omega=1.2)
        np.testing.assert_allclose(np.array([[5.0, 2.0], [2.0, 6.0]]) @ x, 1.0, atol=1e-7)
        x_ref, info_ref = solve(sp.csr_matrix(np.array([[5.0, 2.0], [2.0, 6.0]])), np.ones(2), omega=1.2)
        assert info["iterations"] == info_ref["iterations"] > 1
        np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(A.toarray(), before_A)
    np.testing.assert_array_equal(B.toarray(), before_B)
    np.testing.assert_array_equal(A.data, data_A)
    np.testing.assert_array_equal(A.indices, indices)


@pytest.mark.parametrize("solve", [relax.sor, relax.ssor_pcg])
def test_zero_right_hand_side_from_a_nonzero_start(solve):
    """A x = 0 has x = 0: SSOR-PCG returns it at once (MATLAB's pcg), SOR converges to it relative to r_0."""
    A = (laplacian_2d(10) + 0.1 * sp.identity(100)).tocsr()
    x, info = solve(A, np.zeros(100), omega=1.5, x0=np.ones(100))
    assert info["converged"] and info["iterations"] < 200
    assert np.abs(x).max() < 1e-7
    for k in (-600, 600):  # b = 0 gives no scale: the start's residual (sums of squares beyond 1e+-308) sets it
        xk, infok = solve(A, np.zeros(100), omega=1.5, x0=np.ldexp(np.ones(100), k))
        assert infok["converged"] and infok["iterations"] == info["iterations"]
        np.testing.assert_array_equal(xk, np.ldexp(x, k))
    if solve is relax.ssor_pcg:
        assert info["iterations"] == 0 and np.all(x == 0.0)


@pytest.mark.parametrize("solve, kwargs", [(relax.ssor_pcg, {"omega": 1.5}), (relax.cg, {})])
def test_cg_reports_the_true_residual_of_its_solution(solve, kwargs):
    """Conjugate gradients stops on its recursively updated residual (SciPy's rule), which rounding parts from
    b - A x: on the 1-D Laplacian of size 800 (condition number 2.6e5) it goes on falling below 1e-12 while
    ||b - Ax|| / ||b|| stays near 2e-12 (measured).  info['residual'] is the true one, and the message says so
    when it is not below tol; at tol = 1e-8 both rules agree."""
    A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(800, 800), format="csr")
    b = np.random.default_rng(0).normal(size=800)
    for tol in (1e-8, 1e-14):
        x, info = solve(A, b, tol=tol, max_iter=100_000, **kwargs)
        true = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
        assert info["converged"] and info["residual"] == pytest.approx(true, rel=1e-6)
        assert (true < tol) == (info["message"] == "converged"), (tol, true, info["message"])
    assert true > 1e-13 and "not below tol=1e-14" in info["message"]


def test_ssor_pcg_refuses_a_matrix_that_is_not_spd():
    nonsym = sp.csr_matrix(np.array([[4.0, 1.0, 0.0], [0.0, 4.0, 1.0], [1.0, 0.0, 4.0]]))
    with pytest.raises(ParameterError, match=r"'A'.*A - A\^T.*symmetric positive definite"):
        relax.ssor_pcg(nonsym, np.ones(3))
    assert relax.sor(nonsym, np.ones(3))[1]["converged"]  # SOR needs no symmetry
    near = GOOD.tolil()
    near[0, 1] = -1.0 + 1e-9  # |A - A^T| = 1e-9 > 1e-12 max |A|: not symmetric to rounding
    with pytest.raises(ParameterError, match=r"'A'.*A - A\^T"):
        relax.ssor_pcg(near.tocsr(), np.ones(9))
    near[0, 1] = -1.0 + 2.0**-52  # a rounding error: accepted
    assert relax.ssor_pcg(near.tocsr(), np.ones(9))[1]["converged"]
    indefinite = (laplacian_2d(10) - 0.5 * sp.identity(100)).tocsr()  # lambda_min = 0.162 - 0.5 < 0
    with pytest.raises(ParameterError, match=r"'A'.*p\^T A p <= 0"):
        relax.ssor_pcg(indefinite, np.ones(100), omega=1.0)
    with pytest.raises(ParameterError, match=r"systems\[1\]\.A"):
        from environments.linear_systems import System
        relax.cost_table([System(GOOD, np.ones(9), 0.0), System(indefinite, np.ones(100), 0.0)], [1.0, 1.5],
                         solver="ssor_pcg")
    with pytest.raises(ParameterError, match=r"systems\[2\]\.A"):  # in the second chunk of two
        relax.cost_table([System(GOOD, np.ones(9), 0.0)] * 2 + [System(indefinite, np.ones(100), 0.0)], [1.0, 1.5],
                         solver="ssor_pcg", chunk=2)


def test_a_direction_of_zero_curvature_breaks_down_before_the_first_step():
    """A = [[1, 1], [1, 1]] is positive semidefinite and singular.  CG's first direction is b itself, and
    SSOR-PCG's at omega = 1 is M^{-1} b = (1, -1) / 2 for b = (1, 0) (exactly: X = D + L, X^T D^{-1} X =
    [[1, 1], [1, 2]]): both in the null space, so p^T A p = 0 exactly and no iteration completes."""
    A = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ParameterError, match=r"'A'.*p\^T A p <= 0 after 0 conjugate-gradient iterations"):
        relax.cg(A, np.array([1.0, -1.0]))
    with pytest.raises(ParameterError, match=r"'A'.*p\^T A p <= 0 after 0 conjugate-gradient iterations"):
        relax.ssor_pcg(A, np.array([1.0, 0.0]), omega=1.0)


def test_kernels_return_the_relative_residual():
    """The kernels (what the cost tables call) return ||r|| relative to ||r_0|| (SOR) or ||b|| (CG), not the norm of
    the scaled residual: b = ones(100) is scaled to ones / 2, of norm 5."""
    from olearn.relax import solvers

    A, diag, b, _ = solvers.system("test", "ssor_pcg", (laplacian_2d(10) + 0.05 * sp.identity(100)).tocsr(), np.ones(100))
    for kernel in (solvers.sor_csr, solvers.ssor_pcg_csr, solvers.cg_csr):
        x = np.zeros(100)
        _, relative, status = kernel(A.indptr, A.indices, A.data, diag, b, x, 1.5, 1e-8, 10_000)
        true = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
        assert status == solvers.CONVERGED and relative < 1e-8 and relative == pytest.approx(true, rel=1e-2), kernel


NONE_FILLED = np.eye(3, dtype=object)
NONE_FILLED[0, 1] = NONE_FILLED[1, 0] = None


@pytest.mark.parametrize("A, word", [(np.ones((3, 3, 3)), "2-D"), (sp.identity(3, dtype=complex, format="csr"), "real"),
                                     (np.eye(3) * (4 + 1j), "real"), (np.eye(3).astype(str), "real"),
                                     (np.array([["4", "-1", "0"], ["-1", "4", "a"], ["0", "-1", "4"]]), "real"),
                                     (NONE_FILLED, "finite")])
def test_matrix_that_is_not_a_real_2d_one(A, word):
    """Text matrices used to be parsed as numbers (text b is refused), or to fail inside SciPy with a ValueError;
    a None entry of an object matrix was dropped as a zero."""
    with pytest.raises(ParameterError, match=f"'A'.*{word}"):
        relax.sor(A, np.ones(3))


@pytest.mark.parametrize("solve", [relax.sor, relax.ssor_pcg])
@pytest.mark.parametrize("kwargs, name", [({"b": np.ones(9) * 1j}, "b"), ({"b": np.array(["1"] * 9)}, "b"),
                                          ({"x0": np.ones(9) + 0j}, "x0")])
def test_a_complex_or_text_vector_is_refused_not_cast(solve, kwargs, name):
    """b = 1j ones was cast to zeros (NumPy drops imaginary parts with only a warning): the solve then
    "converged" in 0 iterations to x = 0."""
    with pytest.raises(ParameterError, match=f"'{name}'.*real"):
        solve(GOOD, **{"b": np.ones(9), **kwargs})


def test_a_complex_omega_grid_is_refused():
    with pytest.raises(ParameterError, match="'omegas'"):
        relax.OmegaTuner(method="tsallis_inf", omegas=[1.2 + 0.5j, 1.5])


def test_contexts_as_numpy_scalars_and_bad_contexts():
    from environments.linear_systems import systems

    assert systems([(GOOD, np.ones(9), np.float64(0.3))]).contexts.tolist() == [0.3]
    with pytest.raises(ParameterError, match="context"):
        systems([(GOOD, np.ones(9), "0.3")])
    tuner = relax.OmegaTuner("chebcb", omegas=[1.0, 1.5], context_range=(0.0, 1.0), backend="python")
    tuner.solve(GOOD, np.ones(9), context=np.array(0.5))
    assert tuner.contexts == [0.5]
    with pytest.raises(ParameterError, match="context"):
        tuner.solve(GOOD, np.ones(9), context=np.array([0.5, 0.6]))
    # a method that reads no context ignores a number (one loop serves every method) but refuses NaN or text
    plain = relax.OmegaTuner("tsallis_inf", omegas=[1.0, 1.5], backend="python")
    plain.solve(GOOD, np.ones(9), context=0.3)
    for bad in (float("nan"), "0.3"):
        with pytest.raises(ParameterError, match="'context'.*ignores it"):
            plain.solve(GOOD, np.ones(9), context=bad)
    assert len(plain.iterations) == 1


def test_tolerance_error_states_each_solvers_stopping_rule():
    """SOR's tol is relative to the first residual ||b - A x0||, SSOR-PCG's to ||b||: the error says which."""
    with pytest.raises(ParameterError, match=r"'tol'.*\|\|b - A x0\|\| for SOR.*\|\|b\|\| for SSOR-PCG"):
        relax.sor(GOOD, np.ones(9), tol=2.0)


@pytest.mark.parametrize("chunk", [-1, 0, 2.5])
def test_cost_table_chunk_must_be_a_positive_integer(chunk):
    """A chunk < 1 used to leave the table at its fill value -1 (or fail inside range())."""
    from environments.linear_systems import shifted_laplacian

    with pytest.raises(ParameterError, match="'chunk'"):
        relax.cost_table(shifted_laplacian(3), [1.0, 1.5], chunk=chunk)


@pytest.mark.parametrize("omegas", [1.5, np.ones((3, 2, 2)), [[1.0], [1.0, 1.5], [1.2]], np.ones((3, 0)), [1.2 + 0.5j, 1.5]])
def test_solve_many_omegas_of_another_shape_are_one_clear_error(omegas):
    """A scalar grid failed with an IndexError, a 3-D one inside numba, ragged rows inside NumPy."""
    from environments.linear_systems import shifted_laplacian

    with pytest.raises(ParameterError, match="'omegas'"):
        relax.solve_many(shifted_laplacian(3), omegas)


def test_sparse_right_hand_side_is_read_or_named():
    """A sparse b (or x0) is read as its dense entries: a 1-D sparse array, a sparse column or row solves
    (it used to fail inside NumPy with 'setting an array element with a sequence'); a sparse matrix that is
    not a vector is a clear error naming 'b'."""
    b = np.arange(1.0, 10.0)
    dense = relax.sor(GOOD, b, omega=1.2, x0=np.ones(9))[0]
    x, _ = relax.sor(GOOD, sp.coo_array(b), omega=1.2, x0=sp.coo_array(np.ones(9)))
    np.testing.assert_allclose(x, dense)
    x, _ = relax.sor(GOOD, sp.csr_matrix(b).T, omega=1.2, x0=sp.csr_matrix(np.ones(9)))  # a column, a row
    np.testing.assert_allclose(x, dense)
    with pytest.raises(ParameterError, match=r"'b'.*\(3, 3\).*vector of length 9"):
        relax.ssor_pcg(GOOD, sp.csr_matrix(b.reshape(3, 3)))


@pytest.mark.parametrize("kwargs, name", [({"low": 0.0}, "low"), ({"high": 2.0}, "high"), ({"low": 1.5, "high": 1.2}, "high"),
                                          ({"n": 0}, "n")])
def test_omega_grid_names_the_argument_that_is_out_of_range(kwargs, name):
    with pytest.raises(ParameterError) as err:
        relax.omega_grid(**kwargs)
    assert err.value.name == name


def test_omega_grid_holds_the_decimal_values_it_names():
    assert relax.omega_grid(1.0, 1.95, 20).tolist() == [round(1.0 + 0.05 * k, 2) for k in range(20)]
    # rounding to 12 decimals took 1.9999999999999 to 2.0 and 1e-13 to 0.0 (outside (0, 2)), and merged close values
    assert relax.omega_grid(1.0, 1.9999999999999, 2).tolist() == [1.0, 1.9999999999999]
    assert relax.omega_grid(1e-13, 1.0, 2).tolist() == [1e-13, 1.0]
    close = relax.omega_grid(1.0, 1.0000000000001, 3)
    assert np.all(np.diff(close) > 0) and close[0] == 1.0 and close[-1] == 1.0000000000001


@pytest.mark.parametrize("variance", [["high"], np.array(["low"]), {"high": 1}, 0.5])
def test_shifted_laplacian_variance_that_is_not_a_name_is_one_parameter_error(variance):
    with pytest.raises(ParameterError, match="'variance'.*'high'.*'low'") as err:
        shifted_laplacian(3, variance=variance)
    assert err.value.name == "variance"


@pytest.mark.parametrize("spacing", [0.0, -0.5, float("nan"), float("inf"), "0.1"])
def test_laplacian_spacing_outside_the_positive_numbers_is_one_parameter_error(spacing):
    with pytest.raises(ParameterError, match="'spacing'.*> 0") as err:
        laplacian_2d(3, spacing=spacing)
    assert err.value.name == "spacing"


def test_laplacian_over_a_spacing_is_the_unit_one_over_its_square():
    np.testing.assert_allclose(laplacian_2d(3, spacing=0.25).toarray(), 16.0 * laplacian_2d(3).toarray())
    assert laplacian_2d(2).toarray().tolist() == [[4, -1, -1, 0], [-1, 4, 0, -1], [-1, 0, 4, -1], [0, -1, -1, 4]]


@pytest.mark.parametrize("items", [5, None, 2.5])
def test_systems_of_something_that_is_not_a_sequence_is_one_parameter_error(items):
    with pytest.raises(ParameterError, match="'items'.*sequence of tuples") as err:
        systems(items)
    assert err.value.name == "items"


def test_a_solution_past_the_largest_double_is_not_reported_converged():
    """A = tridiag(-1, 2, -1) of size 5 and b = 1e308 (1, ..., 1): x = A^-1 b has entries 1e308 (5/2, 4, 9/2, 4,
    5/2), past the largest double, so no finite x solves it; both solvers had returned x = inf with converged True.
    Now: not converged, charged the cap, and said why.  At b = 1e300 the same system converges to its closed form."""
    import scipy.sparse as sp

    A = (sp.diags([2.0] * 5) - sp.eye(5, k=1) - sp.eye(5, k=-1)).tocsr()
    for solve in (relax.sor, relax.ssor_pcg):
        x, info = solve(A, np.full(5, 1e308), omega=1.5, max_iter=500)
        assert not info["converged"] and info["iterations"] == 500 and "overflows double precision" in info["message"]
        x, info = solve(A, np.full(5, 1e300), omega=1.5, max_iter=500)
        assert info["converged"]
        np.testing.assert_allclose(x, 1e300 * np.array([2.5, 4.0, 4.5, 4.0, 2.5]), rtol=1e-7)


def test_comparators_name_bools_mismatched_shapes_and_non_systems():
    """young_omega(False) had returned 1.0 and sor_radius(0.5, True) 0.25 (a bool read as a number, which
    validate.omega refuses for the solvers), unequal shapes raised a broadcast ValueError, and
    instance_optimal_omegas(None) or of (A, b) tuples a TypeError or AttributeError.  Closed forms still hold:
    rho(C_1) = beta^2 (Gauss-Seidel) and omega* = 1 at beta = 0."""
    from olearn.relax import comparators

    cases = [
        (lambda: comparators.young_omega(False), "young_omega", "beta"),
        (lambda: comparators.sor_radius(0.5, True), "sor_radius", "omega"),
        (lambda: comparators.sor_radius(np.array([True]), 1.5), "sor_radius", "beta"),
        (lambda: comparators.sor_radius([0.1, 0.2], [1.1, 1.2, 1.3]), "sor_radius", "omega"),
        (lambda: comparators.instance_optimal_omegas(None), "instance_optimal_omegas", "systems"),
        (lambda: comparators.instance_optimal_omegas([(np.eye(2), np.ones(2))]), "instance_optimal_omegas", "systems"),
    ]
    for call, owner, name in cases:
        with pytest.raises(ParameterError) as err:
            call()
        assert (err.value.owner, err.value.name) == (owner, name), str(err.value)
    assert comparators.sor_radius(0.5, 1.0) == pytest.approx(0.25, abs=1e-15)
    assert comparators.young_omega(0.0) == 1.0
    assert comparators.sor_radius([0.1, 0.2], [[1.1], [1.2]]).shape == (2, 2)


def test_heat_equation_and_laplacian_family_name_their_bad_input():
    """A NaN step or field had given a NaN right-hand side, a step outside the run or a field of the wrong shape a
    system anyway (a 2-D u a 2-D b), None or text a bare error, direct_solve(NaN, b) NaN; sizes past what memory
    holds a MemoryError.  Valid input: direct_solve solves the step's system (against SciPy's sparse solver)."""
    import scipy.sparse.linalg as spla_

    heat = HeatEquation(nx=4, steps=3)
    u = heat.initial()
    cases = [
        (lambda: heat.system(float("nan"), u), "step"), (lambda: heat.system(3, u), "step"), (lambda: heat.system(-1, u), "step"),
        (lambda: heat.system(0, np.full(9, np.nan)), "u"), (lambda: heat.system(0, u[:3]), "u"),
        (lambda: heat.system(0, u.reshape(3, 3)), "u"), (lambda: heat.system(0, None), "u"), (lambda: heat.system(0, "abc"), "u"),
        (lambda: heat.direct_solve(float("nan"), u), "kappa"), (lambda: heat.direct_solve(-1.0, u), "kappa"),
        (lambda: heat.direct_solve(1.0, u[:2]), "b"),
        (lambda: HeatEquation(steps=2**62), "steps"), (lambda: HeatEquation(nx=10**5), "nx"),
        (lambda: shifted_laplacian(10**12), "n_instances"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError) as err:
            call()
        assert err.value.name == name, str(err.value)
    s = heat.system(2, u)
    np.testing.assert_allclose(heat.direct_solve(s.context, s.b), spla_.spsolve(s.A.tocsc(), s.b), rtol=1e-12, atol=1e-14)
