"""Cost tables, comparators, instance sequences and the step-wise OmegaTuner against independent truth.

Truth used here: single solves (each checked against SciPy in test_relax_solvers), closed forms
(the Laplacian's Jacobi radius, Young's formula, Beta moments, the DST diagonalization checked
against SciPy's sparse direct solver), and the engine replaying the same cost table.
"""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

import environments
import olearn
from environments.linear_systems import HeatEquation, SystemList, laplacian_2d, shifted_laplacian, systems
from olearn import ParameterError, relax

GRID = relax.omega_grid(1.0, 1.95, 6)


@pytest.fixture(scope="module")
def seq():
    return shifted_laplacian(24, "high", seed=5)


def test_cost_table_equals_single_solves_and_is_cached(seq, tmp_path):
    table = relax.cost_table(seq, GRID, cache_dir=tmp_path, chunk=5)  # batches of 5 (the last of 4)
    for t in (0, 7, 23):
        counts = [relax.sor(seq[t].A, seq[t].b, omega=w)[1]["iterations"] for w in GRID]
        assert table.costs[t].tolist() == counts and table.grid_optimal()[t] == min(counts)
    assert table.converged.all()
    np.testing.assert_array_equal(table.contexts, seq.contexts)
    files = list(tmp_path.glob("sor-*.npz"))
    assert len(files) == 1
    again = relax.cost_table(seq, GRID, cache_dir=tmp_path)  # read back, not recomputed
    assert again.settings.get("loaded_from") == str(files[0])
    np.testing.assert_array_equal(again.costs, table.costs)
    np.testing.assert_array_equal(again.contexts, table.contexts)
    other = relax.cost_table(shifted_laplacian(24, "high", seed=6), GRID, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("sor-*.npz"))) == 2 and not np.array_equal(other.costs, table.costs)
    omega, total = table.best_fixed()
    assert total == table.costs.sum(axis=0).min() and omega == GRID[np.argmin(table.costs.sum(axis=0))]


def test_ssor_pcg_table_uses_the_warm_starts():
    heat = HeatEquation(nx=8, steps=6)
    traj = heat.reference_systems()
    table = relax.cost_table(traj, GRID, solver="ssor_pcg")
    for t in (0, 5):
        s = traj[t]
        assert table.costs[t, 2] == relax.ssor_pcg(s.A, s.b, omega=GRID[2], x0=s.x0)[1]["iterations"]
    np.testing.assert_allclose(table.contexts, heat.contexts())


def test_jacobi_radius_closed_form_and_young_near_brute_force(seq):
    closed = seq.jacobi_radius()
    for t in (0, 11):
        assert relax.jacobi_radius(seq[t].A) == pytest.approx(closed[t], abs=1e-12)
    young = relax.instance_optimal_omegas(seq)
    np.testing.assert_allclose(young, 2.0 / (1.0 + np.sqrt(1.0 - closed**2)), rtol=1e-14)
    fine = np.round(np.arange(1.3, 1.99, 0.01), 2)
    picks = np.argsort(seq.contexts)[[0, 1, 12]]  # the two most ill-conditioned and a middle one
    subset = SystemList([seq[int(t)] for t in picks])
    best_omega, best_cost = relax.brute_force_omegas(subset, fine)
    young_cost = relax.solve_many(subset, young[picks, None])[0][:, 0]
    # Young's omega is asymptotically optimal: near it on hard instances, within a few percent in cost on all
    assert np.all(np.abs(best_omega[:2] - young[picks[:2]]) <= 0.03), (best_omega, young[picks])
    assert np.all(young_cost <= 1.15 * best_cost + 2), (young_cost, best_cost)
    for i, t in enumerate(picks):  # the brute force against single solves through the shell
        counts = [relax.sor(seq[int(t)].A, seq[int(t)].b, omega=w)[1]["iterations"] for w in fine]
        assert best_cost[i] == min(counts) and best_omega[i] == fine[int(np.argmin(counts))]


@pytest.mark.parametrize("c", [-0.15, 0.0, 0.65])
def test_sor_radius_is_the_spectral_radius_of_the_iteration_matrix(c):
    """Young's closed form against the eigenvalues of C_omega = I - (D / omega + L)^{-1} A (dense), on the shifted
    Laplacian in its natural order, below and above omega*; its minimum over omega is at omega*, where it is
    omega* - 1; and SOR's residual shrinks at that rate in the end: going from tol 1e-8 to 1e-12 costs
    log(1e-4) / log rho more iterations, to 3% where that is at least 50."""
    A = (laplacian_2d(10) + c * sp.identity(100)).toarray()
    D, L = np.diag(np.diag(A)), np.tril(A, -1)
    beta = relax.jacobi_radius(sp.csr_matrix(A))
    star = relax.young_omega(beta)
    for omega in (0.5, 1.0, star - 0.05, star + 0.02, 1.95):
        C = np.eye(100) - np.linalg.solve(D / omega + L, A)
        assert relax.sor_radius(beta, omega) == pytest.approx(np.abs(np.linalg.eigvals(C)).max(), abs=1e-10)
    fine = np.linspace(0.05, 1.99, 3881)
    radii = relax.sor_radius(beta, fine)
    assert abs(fine[np.argmin(radii)] - star) < 1e-3 and relax.sor_radius(beta, star) == pytest.approx(star - 1, abs=1e-12)
    b = shifted_laplacian(1, seed=3).rhs[0]
    for omega in (1.0, 1.3):
        more = np.log(1e-4) / np.log(relax.sor_radius(beta, omega))
        if more >= 50:
            k8, k12 = (relax.sor(sp.csr_matrix(A), b, omega=omega, tol=tol)[1]["iterations"] for tol in (1e-8, 1e-12))
            assert k12 - k8 == pytest.approx(more, rel=0.03)


def test_sor_radius_at_youngs_omega_is_omega_minus_one():
    """At omega* both branches give omega* - 1 (Young): the discriminant omega^2 beta^2 - 4 (omega - 1) is 0 there and
    rounding made it negative for about half of all beta, so the radius came out NaN."""
    beta = np.linspace(0.001, 0.999, 2000)
    star = relax.young_omega(beta)
    np.testing.assert_allclose(relax.sor_radius(beta, star), star - 1.0, rtol=0, atol=1e-7)
    assert relax.sor_radius(0.01, relax.young_omega(0.01)) == pytest.approx(relax.young_omega(0.01) - 1.0, abs=1e-7)


@pytest.mark.parametrize("beta, omega, name", [(1.0, 1.5, "beta"), (-0.1, 1.5, "beta"), (0.5, 2.0, "omega"),
                                               (0.5, 0.0, "omega"), (0.5, float("nan"), "omega")])
def test_sor_radius_names_what_is_out_of_range(beta, omega, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        relax.sor_radius(beta, omega)


def test_young_omega_rejects_a_radius_outside_0_1():
    with pytest.raises(ParameterError, match="beta"):
        relax.young_omega(1.0)


def test_young_omega_given_the_matrix_points_to_its_radius():
    """It takes the radius: the matrix itself had failed inside NumPy ('setting an array element with a sequence')."""
    with pytest.raises(ParameterError, match="'beta'.*jacobi_radius"):
        relax.young_omega(sp.identity(3, format="csr"))


def test_shifted_laplacian_draws_match_the_paper():
    n = 100
    for variance, (a, b) in (("high", (0.5, 1.5)), ("low", (2.0, 6.0))):
        s = shifted_laplacian(4000, variance, seed=1)
        assert np.all(np.linalg.norm(s.rhs, axis=1) <= math.sqrt(n))
        assert s.contexts.min() >= -0.15 and s.contexts.max() <= 0.45
        mean = -0.15 + 0.6 * a / (a + b)
        sd = 0.6 * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        assert abs(s.contexts.mean() - mean) < 4 * sd / math.sqrt(4000)
        assert s.contexts.std() == pytest.approx(sd, rel=0.1)
        A = s[3].A
        assert (A - A.T).nnz == 0 and A.diagonal() == pytest.approx(4.0 + s.contexts[3])


def test_heat_direct_solve_and_crank_nicolson_system():
    heat = HeatEquation(nx=9, steps=10, dt=2e-3)
    u = heat.initial()
    s = heat.system(4, u)
    kappa = float(heat.kappa(4.5 * 2e-3))
    assert s.context == kappa and s.x0 is u
    half = 0.5 * kappa * 2e-3 * heat.stiffness
    np.testing.assert_allclose(s.A.toarray(), (sp.identity(64) + half).toarray())
    np.testing.assert_allclose(s.b, u - half @ u + 2e-3 * heat.forcing(4.5 * 2e-3))
    for k in (0.0, 0.05, 9.0):
        A = (sp.identity(64) + 0.5 * k * 2e-3 * heat.stiffness).tocsc()
        np.testing.assert_allclose(heat.direct_solve(k, s.b), spsolve(A, s.b), rtol=0, atol=1e-13)
    assert heat.contexts().min() >= 0.0 and heat.contexts().max() <= 10.0
    # kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t): weak half-periods up to 0.1, strong ones up to 10
    np.testing.assert_allclose(heat.kappa([0.0, 0.125, 0.25, 0.5, 0.75, 1.25]),
                               [0.0, 0.1 * math.sqrt(0.5), 0.1, 0.0, 10.0, 0.1], atol=1e-15)


def test_shifted_laplacian_refuses_a_grid_whose_shifts_are_indefinite_and_slices():
    """lambda_min of the 5-point Laplacian on a g x g grid is 4 (1 - cos(pi / (g + 1))): 0.162 at g = 10 and
    0.115 at g = 12, below the largest shift 0.15."""
    assert np.linalg.eigvalsh((laplacian_2d(10) - 0.15 * sp.identity(100)).toarray()).min() > 0
    assert np.linalg.eigvalsh((laplacian_2d(11) - 0.15 * sp.identity(121)).toarray()).min() < 0
    with pytest.raises(ParameterError, match="'grid'.*\\[1, 10\\]"):
        shifted_laplacian(3, grid=11)
    seq = shifted_laplacian(6, seed=1)
    part = seq[2:5]
    assert len(part) == 3 and np.array_equal(part.contexts, seq.contexts[2:5])
    assert (part[0].A != seq[2].A).nnz == 0 and np.array_equal(part[0].b, seq[2].b)


def test_user_systems_and_their_errors():
    A = sp.diags([-1.0, 3.0, -1.0], [-1, 0, 1], shape=(5, 5))
    seq = systems([(A, np.ones(5), 0.2), (A, np.arange(5.0), 0.4)])
    np.testing.assert_array_equal(seq.contexts, [0.2, 0.4])
    assert systems([(A, np.ones(5))]).contexts is None
    with pytest.raises(ParameterError, match=r"items\[1\]"):
        systems([(A, np.ones(5)), A])
    # each system is checked as the solvers check it, and named by its index
    bad_a = np.ones((5, 4))
    for items, name in (([(A, np.ones(5)), (bad_a, np.ones(5))], r"items\[1\]: parameter 'A'.*square"),
                        ([(A, np.ones(6))], r"items\[0\]: parameter 'b'.*length 5"),
                        ([(A, [1.0, np.nan, 1.0, 1.0, 1.0])], r"parameter 'b'.*finite"),
                        ([(A, np.ones(5), None, np.ones(4))], r"parameter 'x0'.*length 5"),
                        ([], r"'items'.*at least one")):
        with pytest.raises(ParameterError, match=name):
            systems(items)
    assert isinstance(systems([(A, np.ones(5), None, [0.0] * 5)])[0].x0, np.ndarray)


def test_sequence_parameters_are_checked():
    for dt in (float("inf"), "a", 0.0, 1e308):  # 1e308: kappa dt K_h had overflowed while building the system
        with pytest.raises(ParameterError, match=r"'dt'.*finite number in \(0, inf\), at least 1e-100 and at most 1e\+100"):
            HeatEquation(nx=4, steps=2, dt=dt)
    for seed in (-1, float("nan"), "x"):
        with pytest.raises(ParameterError, match="'seed'"):
            shifted_laplacian(3, seed=seed)
    with pytest.raises(ParameterError, match="'dim'"):
        environments.make("sea_logistic", dim=float("nan"))


def test_omega_tuner_replays_the_engine_on_the_cost_table(seq):
    """Live solves from x0 = 0 cost exactly the table's entries, so the tuner's choices are the engine's."""
    table = relax.cost_table(seq, GRID)
    for method, contexts in (("chebcb", True), ("tsallis_inf_cb", True), ("tsallis_inf", False)):
        tuner = relax.OmegaTuner(method, omegas=GRID, context_range=(-0.15, 0.65), seed=2, backend="python",
                                 compare=True)
        for s in seq:
            tuner.solve(s.A, s.b, context=s.context)
        # the paper's conventions (Khodak et al.): iteration counts shifted by 1, Tsallis-INF's normalized by their
        # running mean, Tsallis-INF-CB with 5 bins
        learner = {"chebcb": olearn.make("chebcb", n_arms=GRID.size, low=-0.15, high=0.65, shift=1.0),
                   "tsallis_inf_cb": olearn.make("tsallis_inf_cb", n_arms=GRID.size, low=-0.15, high=0.65, n_bins=5,
                                                 shift=1.0, normalize=True),
                   "tsallis_inf": olearn.make("tsallis_inf", n_arms=GRID.size, shift=1.0, normalize=True)}[method]
        ran = olearn.run(learner, table.environment(contexts=contexts), horizon=len(seq), seeds=[2],
                         backend="python", trace=True)
        np.testing.assert_array_equal(tuner.arms, ran.actions[0, 0].astype(int))
        np.testing.assert_array_equal(tuner.iterations, table.costs[np.arange(len(seq)), tuner.arms])
        fed = olearn.stepwise(learner, seed=2, backend="python", obs_dim=1 if contexts else 0)
        for t, s in enumerate(seq):  # the same learner fed the table's costs ends in the tuner's state
            arm = fed.act([s.context] if contexts else None)
            fed.update(arm, float(table.costs[t, arm]))
        np.testing.assert_array_equal(fed.state, tuner.learner.state)
        np.testing.assert_array_equal(np.sum(tuner.fixed_costs, axis=0), table.totals)
        report = tuner.report()
        assert report["chosen"].sum() == len(seq) and report["iterations_spent"].sum() == sum(tuner.iterations)
        assert report.attrs["summary"]["best_fixed_total"] == table.best_fixed()[1]
        assert report.attrs["summary"]["ratio_to_best_fixed"] == sum(tuner.iterations) / table.totals.min()
        np.testing.assert_array_equal(report["total_if_fixed"], table.totals)
        np.testing.assert_array_equal(report["best_fixed"], table.totals == table.totals.min())
        assert report["best_fixed"].any() and not report["best_fixed"].all()
        for k in range(GRID.size):  # iterations spent at each omega: the table's costs of the rounds it was chosen
            assert report["iterations_spent"][k] == table.costs[np.flatnonzero(np.asarray(tuner.arms) == k), k].sum()


def test_omega_tuner_bad_input_loses_nothing(seq):
    tuner = relax.OmegaTuner("chebcb", omegas=GRID, context_range=(-0.15, 0.65), backend="python")
    tuner.solve(seq[0].A, seq[0].b, context=0.1)
    with pytest.raises(ParameterError, match="context"):
        tuner.solve(seq[1].A, seq[1].b)
    with pytest.raises(ParameterError, match="parameter 'b'"):
        tuner.solve(seq[1].A, np.ones(7), context=0.1)
    assert len(tuner.iterations) == 1 and tuner.learner.t == 1
    with pytest.raises(ParameterError, match="method"):
        relax.OmegaTuner("ucb1")
    with pytest.raises(ParameterError, match="context_range"):
        relax.OmegaTuner("chebcb")
    with pytest.raises(ParameterError, match="omegas"):
        relax.OmegaTuner("tsallis_inf", omegas=[1.0, 2.0])


@pytest.mark.parametrize("method", ["tsallis_inf_cb", "chebcb", "tsallis_inf"])
def test_a_failed_solve_leaves_the_tuner_as_it_was(seq, method):
    """A solve that raises after the learner acted (SSOR-PCG on an indefinite matrix) restores the
    learner's state: the later choices equal those of a run that never saw the bad system."""
    bad = (laplacian_2d(10) - 0.5 * sp.identity(100)).tocsr()
    runs = []
    for with_error in (False, True):
        tuner = relax.OmegaTuner(method, omegas=GRID, context_range=(-0.15, 0.65), solver="ssor_pcg", seed=3,
                                 backend="python")
        for t in range(12):
            s = seq[t]
            if with_error and t in (4, 8):
                with pytest.raises(ParameterError, match="p\\^T A p"):
                    tuner.solve(bad, np.ones(100), context=s.context)
            tuner.solve(s.A, s.b, context=s.context)
        runs.append((tuner.arms, tuner.iterations, tuner.learner.state.copy()))
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    np.testing.assert_array_equal(runs[0][2], runs[1][2])


def _run_figure_script(stem, out):
    """``olearn run experiments/relax/STEM.toml --small`` in this process, into ``out``; checks its four files
    and returns its table."""
    from olearn.experiment.script import run_figure_script

    run_figure_script(Path(__file__).resolve().parents[1] / "experiments" / "relax" / f"{stem}.toml", out, small=True)
    for ext in ("png", "pdf", "csv", "md"):
        assert (out / f"{stem}.{ext}").stat().st_size > 0
    return pd.read_csv(out / f"{stem}.csv")


def test_iterations_vs_omega_script_writes_its_figure_and_table(tmp_path):
    """The one-command figure script at --small size: PNG, PDF and a table whose brute-force optimum costs about what
    Young's omega* does (within 15% either way, as in the test above) and far less than Gauss-Seidel (omega = 1)."""
    frame = _run_figure_script("iterations_vs_omega", tmp_path)
    brute, young = frame["brute_force_iterations"], frame["young_iterations"]
    assert len(frame) == 3 and np.all(young <= 1.15 * brute + 2) and np.all(brute <= 1.15 * young + 2), frame
    assert np.all(frame["iterations_at_omega_1"] > 1.5 * brute), frame
    np.testing.assert_allclose(frame["young_omega"], relax.young_omega(4 * math.cos(math.pi / 11) / (4 + frame["c"])))


def test_ratio_vs_instances_script_reads_each_prefix_as_its_own_sequence(tmp_path, monkeypatch):
    """The ratio at T equals a run on the first T instances alone divided by that prefix's best fixed omega
    (CostTable.best_fixed of the truncated table): learners are causal, and the comparator is re-chosen per T."""
    frame = _run_figure_script("ratio_vs_instances", tmp_path).set_index(["variance", "instances"])
    assert sorted(frame.index) == sorted((v, t) for v in ("high", "low") for t in (100, 200, 400))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "experiments" / "relax"))
    from relax_common import paper_tables

    for variance in ("high", "low"):
        _, table, _, _ = paper_tables(variance, 400)
        prefix = relax.CostTable(table.costs[:200], table.omegas, table.contexts[:200])
        omega, total = prefix.best_fixed()
        env = prefix.environment(contexts=False)
        run = olearn.run(olearn.make("tsallis_inf", shift=1.0, normalize=True), env, horizon=200, seeds=2,
                         trace=True, checkpoints=1)
        alone = run.losses[0].sum(axis=1).mean()
        assert frame.loc[(variance, 200), "best_fixed_omega"] == omega
        assert frame.loc[(variance, 200), "Tsallis-INF"] == pytest.approx(alone / total, rel=1e-12)


@pytest.mark.parametrize("backend", ["python", "cpu", "gpu"])
def test_figure_replays_are_each_seeds_cumulative_iterations_on_every_backend(seq, backend, monkeypatch):
    """The figures' replay (the engine's cumulative loss at every round, any backend; gpu: the simulator in CI)
    equals the running sum of each seed's traced iteration counts."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "experiments" / "relax"))
    from relax_common import cumulative_iterations

    table = relax.cost_table(seq, GRID)
    learner = olearn.make("tsallis_inf_cb", low=-0.15, high=0.65, n_bins=3, shift=1.0, normalize=True)
    traced = olearn.run(learner, table.environment(), horizon=24, seeds=3, backend="python", trace=True, checkpoints=1)
    got = cumulative_iterations(learner, table, {"trials": 3, "backend": backend})
    assert got.shape == (3, 24)
    np.testing.assert_array_equal(got, np.cumsum(traced.losses[0], axis=1))


def test_figure_trials_option_names_its_range(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "experiments" / "relax" / "contextual.py"
    run = subprocess.run([sys.executable, str(script), "--small", "--trials", "0", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--trials must be an integer >= 1, got 0" in run.stderr


def test_cache_key_covers_contexts_length_and_any_matrix_form(tmp_path):
    """A cached table is reused only for the same systems, contexts, count and solver code: same matrices with
    other contexts, or a named sequence of another length, get their own table; dense matrices can be cached."""
    A = (laplacian_2d(4) + 0.1 * sp.identity(16)).tocsr()
    b = np.ones(16)
    first = relax.cost_table(systems([(A, b, 0.1), (A, 2 * b, 0.2)]), GRID, cache_dir=tmp_path)
    other = relax.cost_table(systems([(A, b, 0.5), (A, 2 * b, 0.7)]), GRID, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.contexts, [0.1, 0.2])
    np.testing.assert_array_equal(other.contexts, [0.5, 0.7])
    short = relax.cost_table(shifted_laplacian(5, "high"), GRID, cache_dir=tmp_path, name="lap")
    longer = relax.cost_table(shifted_laplacian(8, "high"), GRID, cache_dir=tmp_path, name="lap")
    assert short.costs.shape == (5, GRID.size) and longer.costs.shape == (8, GRID.size)
    plain = [environments.linear_systems.System(A, b, 0.1)] * 3  # a plain list: no contexts to tell them apart
    assert relax.cost_table(plain[:2], GRID, cache_dir=tmp_path, name="plain").costs.shape == (2, GRID.size)
    assert relax.cost_table(plain, GRID, cache_dir=tmp_path, name="plain").costs.shape == (3, GRID.size)
    dense = SystemList([environments.linear_systems.System(A.toarray(), b, 0.1)])
    np.testing.assert_array_equal(relax.cost_table(dense, GRID, cache_dir=tmp_path).costs, first.costs[:1])
    again = relax.cost_table(dense, GRID, cache_dir=tmp_path, tol=1e-8)
    assert "loaded_from" in again.settings and again.settings["tol"] == 1e-8 and again.settings["solver"] == "sor"
    # the start and the cap decide the counts too: an exact warm start costs 0, a cap of 3 caps every solve
    x_true = spsolve(A.tocsc(), b)
    warm = relax.cost_table(systems([(A, b, 0.1, x_true), (A, 2 * b, 0.2, 2 * x_true)]), GRID, cache_dir=tmp_path)
    assert "loaded_from" not in warm.settings
    np.testing.assert_array_equal(warm.costs, [[relax.sor(A, c * b, omega=w, x0=c * x_true)[1]["iterations"] for w in GRID]
                                               for c in (1, 2)])
    capped = relax.cost_table(systems([(A, b, 0.1), (A, 2 * b, 0.2)]), GRID, cache_dir=tmp_path, max_iter=3)
    assert "loaded_from" not in capped.settings and np.all(capped.costs == 3) and np.all(first.costs > 3)
    loose = relax.cost_table(systems([(A, b, 0.1), (A, 2 * b, 0.2)]), GRID, cache_dir=tmp_path, tol=1e-4)
    assert "loaded_from" not in loose.settings and np.all(loose.costs < first.costs)
    sources = {Path(p).name for p in relax.costs.SOURCES}  # the conversion and the driver decide the counts too
    assert sources == {"solvers.py", "validate.py", "costs.py"}


def test_paper_young_costs_are_recomputed_when_the_solver_or_the_omegas_change(tmp_path, monkeypatch):
    """The experiments' cached Young costs are keyed by the solvers' source, as the cost tables are, and by the
    omegas solved at: other per-instance omegas (a changed omega* formula or sequence, the same solver) are solved
    again, not read from the cache of the earlier omegas."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "experiments" / "relax"))
    import relax_common

    monkeypatch.setattr(relax_common, "CACHE", tmp_path)
    fake = tmp_path / "solver_source.py"
    monkeypatch.setattr(relax.costs, "SOURCES", (fake,))
    for version in ("a", "b"):
        fake.write_text(version)
        relax_common.paper_tables("high", 12)
    assert len(list(tmp_path.glob("young-*.npy"))) == 2 and len(list(tmp_path.glob("sor-*.npz"))) == 2
    monkeypatch.setattr(relax, "instance_optimal_omegas", lambda seq: np.full(len(seq), 1.0))
    seq, table, young, young_costs = relax_common.paper_tables("high", 12)
    np.testing.assert_array_equal(young, np.ones(12))
    np.testing.assert_array_equal(young_costs, [relax.sor(s.A, s.b, omega=1.0)[1]["iterations"] for s in seq])


def test_jacobi_radius_refuses_a_non_symmetric_matrix_and_handles_large_ones():
    """rho(I - D^-1 A) from a symmetric similar matrix is only valid for symmetric A; a large sparse A
    (2e5 unknowns, whose dense copy would need 320 GB) takes the two extreme eigenvalues."""
    nonsym = sp.csr_matrix(np.array([[4.0, 3.0], [0.0, 4.0]]))  # rho(I - D^-1 A) = 0, not 0.375
    with pytest.raises(ParameterError, match="'A'.*symmetric"):
        relax.jacobi_radius(nonsym)
    with pytest.raises(ParameterError, match="'A'"):
        relax.jacobi_radius([[2.0, 1.0], [1.0, 2.0]])
    n = 200_000
    off = np.full(n - 1, -1.0)
    off[0], off[1] = -3.5, 0.0  # an isolated 2 x 2 block [[4, -3.5], [-3.5, 4]]: radius 3.5 / 4
    A = sp.diags([off, np.full(n, 4.0), off], [-1, 0, 1], format="csr")
    assert relax.jacobi_radius(A) == pytest.approx(0.875, abs=1e-10)
    # a triangle block [[2.5, -1, -1], [-1, 2.5, -1], [-1, -1, 2.5]] (eigenvalues 0.5, 3.5, 3.5) and a diagonal rest:
    # I - D^-1 A has eigenvalues 0.8, -0.4, -0.4 and 0, so the radius 0.8 comes from the smallest eigenvalue of A
    block = sp.csr_matrix(2.5 * np.eye(3) - (np.ones((3, 3)) - np.eye(3)))
    A = sp.block_diag([block, sp.identity(3000 - 3) * 4.0], format="csr")
    assert relax.jacobi_radius(A) == pytest.approx(0.8, abs=1e-10)


def test_heat_trajectory_negative_index_is_the_last_step():
    traj = HeatEquation(nx=5, steps=4).reference_systems()
    last, minus_one = traj[3], traj[-1]
    assert minus_one.context == last.context
    np.testing.assert_array_equal(minus_one.b, last.b)
    with pytest.raises(IndexError):
        traj[4]
    tail = traj[1::2]  # a slice is the list of those steps' systems (it raised a TypeError)
    assert len(tail) == 2 and [s.context for s in tail] == [traj[1].context, traj[3].context]
    np.testing.assert_array_equal(tail[1].b, last.b)


def test_shifted_laplacian_is_indexed_as_a_list_is():
    """Negative indices count from the end; past the end is an IndexError and a non-integer index a TypeError,
    as for a list (1.5 had raised NumPy's IndexError about integer arrays)."""
    seq = shifted_laplacian(n_instances=4, seed=0)
    assert seq[-1].context == seq[3].context == seq.contexts[3] and seq[np.int64(1)].context == seq.contexts[1]
    np.testing.assert_array_equal(seq[-4].b, seq[0].b)
    with pytest.raises(IndexError):
        seq[4]
    with pytest.raises(IndexError):
        seq[-5]
    with pytest.raises(TypeError):
        seq[1.5]


def test_omega_tuner_context_range_is_the_only_way_to_give_low_and_high():
    with pytest.raises(ParameterError, match="'low'.*context_range"):
        relax.OmegaTuner("chebcb", context_range=(0.0, 1.0), low=0.5)


@pytest.mark.parametrize("method", ["tsallis_inf", "tsallis_inf_cb", "chebcb"])
def test_omega_tuner_checks_a_given_context_range_under_every_method(method):
    """A context range given to the context-free tsallis_inf is checked as for the contextual methods (NaN, an
    infinite end or low >= high had been accepted and ignored), and a valid one is ignored: one set of options
    serves a comparison of all three methods."""
    for bad in [(1.0, 0.0), (0.0, 0.0), (0.0, np.inf), (np.nan, 1.0), (0.0,), "ab"]:
        with pytest.raises(ParameterError, match="'context_range'.*low < high"):
            relax.OmegaTuner(method, omegas=GRID, context_range=bad, backend="python")
    tuner = relax.OmegaTuner(method, omegas=GRID, context_range=(-0.15, 0.65), backend="python")
    assert tuner.omegas.size == GRID.size


def test_tuners_grids_and_caps_refuse_what_they_could_not_honour():
    """An iteration cap past int64 (2^63 had given an OverflowError or a report of 2^63 sweeps never done), options
    given as text ("False" was truthy), a repeated omega (two arms of one omega), a grid asking for more omegas than
    there are doubles in its range (it repeated one), ParameterTuner's integers past 2^53 (2^53 + 1 came back as
    2^53), a shift the learner cannot take (named as tsallis_inf's), costs past 1e100 (ChebCB's state became NaN) and
    a number past the largest double (OverflowError): each a ParameterError naming the parameter."""
    import scipy.sparse as sp

    A = (sp.diags([2.0] * 5) - sp.eye(5, k=1) - sp.eye(5, k=-1)).tocsr()
    cases = [
        (lambda: relax.sor(A, np.ones(5), omega=1.5, max_iter=2**63), "sor", "max_iter", "[1, 4611686018427387904]"),
        (lambda: relax.OmegaTuner(max_iter=2**62 + 1), "OmegaTuner", "max_iter", "[1, 4611686018427387904]"),
        (lambda: relax.OmegaTuner(warm_start="False"), "OmegaTuner", "warm_start", "True or False"),
        (lambda: relax.OmegaTuner(compare="no"), "OmegaTuner", "compare", "True or False"),
        (lambda: relax.OmegaTuner(omegas=[1.2, 1.5, 1.5]), "OmegaTuner", "omegas", "distinct"),
        (lambda: relax.cost_table([], [1.0, 1.0]), "cost_table", "omegas", "distinct"),
        (lambda: relax.cost_table([], [1.0, 1.5]), "cost_table", "systems", "a non-empty sequence"),  # best_fixed had said 1.0
        (lambda: relax.cost_table(None, [1.0, 1.5]), "cost_table", "systems", "a non-empty sequence"),
        (lambda: relax.omega_grid(1.0, 1.0 + 2.3e-16, 3), "omega_grid", "n", "distinct doubles"),
        (lambda: relax.omega_grid(1.0, 1.95, 10**6 + 1), "omega_grid", "n", "[1, 1000000]"),
        (lambda: relax.ParameterTuner([2**53 + 1, 1]), "ParameterTuner", "values", "2^53"),
        (lambda: relax.ParameterTuner([1, 2], shift=1e7), "ParameterTuner", "shift", "[-1e6, 1e6]"),
        (lambda: relax.ParameterTuner([1, 2], shift=10**400), "ParameterTuner", "shift", "[-1e6, 1e6]"),
    ]
    for call, owner, name, allowed in cases:
        with pytest.raises(ParameterError) as err:
            call()
        assert (err.value.owner, err.value.name) == (owner, name) and allowed in str(err.value), str(err.value)
    tuner = relax.ParameterTuner([1, 2, 3], method="chebcb", context_range=(0.0, 1.0), seed=0, backend="python")
    for cost in (1e101, 10**400):
        tuner.suggest(context=0.5)
        with pytest.raises(ParameterError, match="'cost'.*1e100"):
            tuner.observe(cost)
        tuner.discard()
    for _ in range(3):  # the largest cost allowed keeps ChebCB's state finite
        tuner.suggest(context=0.5)
        tuner.observe(1e100)
    assert np.all(np.isfinite(tuner.learner.state))
    assert relax.ParameterTuner([2**53, 1], seed=0, backend="python").suggest() in (2**53, 1)
    assert relax.omega_grid(1.0, 1.0 + 4.5e-16, 3).tolist() == [1.0, 1.0 + 2.220446049250313e-16, 1.0 + 4.440892098500626e-16]


def test_cost_table_names_a_plain_tuple_system(tmp_path):
    """Plain (A, b) tuples used to fail with AttributeError: 'tuple' object has no attribute 'A'."""
    A = (laplacian_2d(3) + 0.1 * sp.identity(9)).tocsr()
    for cache_dir in (None, tmp_path):
        with pytest.raises(ParameterError, match=r"systems\[0\].*linear_systems.systems"):
            relax.cost_table([(A, np.ones(9))], GRID, cache_dir=cache_dir)
    table = relax.cost_table(systems([(A, np.ones(9))]), GRID)
    assert table.costs.shape == (1, GRID.size)


def test_cost_table_files_name_their_bad_input(tmp_path):
    """A file that is not a saved table (NumPy's allow_pickle ValueError, a missing key) and a cache_dir that is a
    file (FileExistsError after every solve) are ParameterErrors naming the path; a saved table loads back equal."""
    (tmp_path / "text.npz").write_text("not a table")
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    for name in ("text.npz", "other.npz"):
        with pytest.raises(ParameterError, match="CostTable.load: parameter 'path'.*CostTable.save wrote"):
            relax.CostTable.load(tmp_path / name)
    A = (laplacian_2d(3) + 0.1 * sp.identity(9)).tocsr()
    with pytest.raises(ParameterError, match="'cache_dir'.*a folder"):
        relax.cost_table(systems([(A, np.ones(9))]), GRID, cache_dir=tmp_path / "text.npz")
    table = relax.cost_table(systems([(A, np.ones(9))]), GRID)
    table.save(tmp_path / "saved.npz")
    back = relax.CostTable.load(tmp_path / "saved.npz")
    np.testing.assert_array_equal(back.costs, table.costs)
