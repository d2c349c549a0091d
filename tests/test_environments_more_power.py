"""Environment generators (linear systems, expert sequences, heavy tails, linear contexts, data streams) against their
documented laws, hand-computed values and parameter ranges, calling the kernels in plain Python (no compilation).

* Heavy tails.  E|Y|^0 = E 1 = 1 for every law, a point mass at 0 included (0^0 = 1); with scale 0 the reward is the
  constant ``mean``, so E|X|^p = |mean|^p; E|X|^alpha = +inf (the Lomax integrand ~ alpha / x at infinity);
  ``moment_bound`` takes eps in (0, 1], 1 included (then u = mean^2 + 2 scale^2 / ((alpha - 1)(alpha - 2))).
* Expert sequences.  The designated expert is uniform over the d experts (state[0]); decoy k's death round D_k
  (state[1 + k]) is uniform on {0, .., span - m - 1}, m = ceil(2 (L* + 1) / p) (m = 0 when L* = 0), so each decoy
  expects p (span - D_k) >= 2 (L* + 1) losses; decoy k's mean loss is 0 on rounds t < D_k and p from D_k on, and
  at p = 1 its loss is that mean; the best expert loses exactly once in each stratum [j s, (j + 1) s),
  s = span // L*, j < L*, and nowhere else, so the best mean loss is 0 on every other round; which expert is best
  and where its loss falls are separate draws (independent).  A small-loss world needs span - m >= 1 death rounds;
  p > 0 and gap <= 1/2 (the ranges).  The oblivious adversary's means are 1/2 + 0.45 cos(2 pi (t / period + k / d))
  and 1/2 - gap for the hidden expert.
* Linear systems.  On a 2 x 2 grid the 5-point Laplacian is [[4,-1,-1,0],[-1,4,0,-1],[-1,0,4,-1],[0,-1,-1,4]];
  the shifts are -0.15 + 0.6 Beta(a, b), checked by a Kolmogorov-Smirnov test against SciPy's Beta; the bump
  is exp(1 - 1 / (1 - r^2 / R^2)) (1 at its centre, exp(-1/3) at r = R / 2, 0 from r = R on); the forcing
  32 bump(centre(t), 1/8) has centre (1/2 + cos(16 pi t) / 4, 1/2 + sin(16 pi t) / 4) on the interior points
  (i / nx, j / nx); the context of step s is kappa((s + 1/2) dt), kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t),
  and the next state solves A_s x = b_s; a heat trajectory
  stores each step's state before the step (states[0] is the initial bump); the cost-table world's loss is
  costs[t, k] / scale (a non-square table pins the row-major layout), its best is the row's minimum and its
  context contexts[t] (none observed without contexts); a trajectory of n steps indexes like a list (step n is an
  IndexError); user systems take 2 to 4 fields, at least one system, and have contexts only if all do.
* Linear contexts.  A zero Gaussian vector gives the context e_1 (the documented fallback); d <= 1024 holds for a
  given theta's columns as for ``dim`` (1024 itself allowed).
* Data streams.  The shuffle is Fisher-Yates: on n = 3 every one of the 3! orders is equally likely (a
  chi-square test over 1,200 seeds); round t plays example order[t], and its model is [code, y, a].
"""
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

import environments
from environments import contextual, heavy_tailed
from environments.linear_systems import HeatEquation, bump, laplacian_2d, shifted_laplacian, systems
from olearn.core import rng
from olearn.core.errors import ParameterError
from test_environments_power import _refused


# ---------------------------------------------------------------- heavy tails


def test_a_zeroth_moment_is_one_even_for_a_point_mass_at_zero():
    assert heavy_tailed.central_moment(0.0, 2.0, 0.0) == 1.0
    assert heavy_tailed.raw_moment(0.0, 0.0, 2.0, 0.0) == 1.0


def test_without_noise_every_positive_central_moment_is_zero():
    for p in (0.5, 1.0, 1.2):
        assert heavy_tailed.central_moment(p, 2.0, 0.0) == 0.0


def test_raw_moment_without_noise_is_the_power_of_the_mean():
    assert heavy_tailed.raw_moment(2.0, 0.5, 3.0, 0.0) == 0.25
    assert heavy_tailed.raw_moment(1.5, -4.0, 3.0, 0.0) == pytest.approx(8.0, rel=1e-15)


def test_raw_moment_of_order_alpha_is_infinite():
    """E L^alpha = alpha int x^alpha (1 + x)^(-alpha - 1) dx diverges (the integrand ~ alpha / x at infinity)."""
    assert heavy_tailed.raw_moment(1.5, 0.3, 1.5, 0.5) == math.inf
    assert heavy_tailed.raw_moment(2.0, 0.0, 2.0, 1.0) == math.inf


def test_moment_bound_accepts_eps_one():
    """eps = 1 is the variance case of robust_ucb (in its documented range (0, 1]): E X^2 = mean^2 + Var."""
    alpha, scale, mean = 4.0, 0.5, 0.3
    var = 2.0 * scale**2 / ((alpha - 1.0) * (alpha - 2.0))
    assert heavy_tailed.moment_bound(1.0, [mean], alpha, scale) == pytest.approx(mean**2 + var, rel=1e-8)


# ---------------------------------------------------------------- expert sequences


def _decoys(name, seeds, **values):
    env = environments.make(name, **values)
    row, ty = env.row(), env.type
    out = []
    for seed in seeds:
        state = np.zeros(env.state_size())
        ty.reset(state, row, seed)
        out.append(state)
    return env, row, ty, np.array(out)


def test_the_designated_expert_is_uniform_over_every_expert():
    n = 900
    for name in ("realizable_experts", "oblivious_experts"):
        _, _, _, states = _decoys(name, range(n), n_experts=3)
        counts = np.bincount(states[:, 0].astype(int), minlength=3)
        assert counts.size == 3 and np.all(np.abs(counts - n / 3) < 5 * math.sqrt(n * 2 / 9)), (name, counts)


def test_death_rounds_are_uniform_below_span_minus_m():
    # realizable: m = 0, D uniform on {0, 1, 2, 3}
    _, _, _, states = _decoys("realizable_experts", range(100), n_experts=8, span=4, decoy_loss=0.5)
    deaths = np.delete(states[:, 1:], 0, axis=1)  # some decoys; the designated expert's slot is unused either way
    counts = np.bincount(deaths.ravel().astype(int), minlength=4)
    n = deaths.size
    assert counts.size == 4 and np.all(np.abs(counts - n / 4) < 5 * math.sqrt(n * 3 / 16)), counts
    # small loss: span 20, p = 1, L* = 2: m = ceil(6 / 1) = 6, D uniform on {0, .., 13}, so p (span - D) >= 7 > 6
    _, _, _, states = _decoys("small_loss_experts", range(40), n_experts=16, span=20, decoy_loss=1.0, best_loss=2)
    deaths = np.array([s[1 + k] for s in states for k in range(16) if k != int(s[0])])
    assert deaths.min() == 0 and deaths.max() == 13
    assert np.all(1.0 * (20 - deaths) >= 2 * (2 + 1))


def test_a_decoy_loses_from_its_death_round_on():
    """At p = 1 a decoy's loss is 0 before D_k and 1 from D_k on (the mean is p from D_k on)."""
    _, row, ty, states = _decoys("realizable_experts", range(4), n_experts=6, span=10, decoy_loss=1.0)
    for seed, state in enumerate(states):
        best = int(state[0])
        for k in range(6):
            for t in range(14):
                if k == best:
                    want = 0.0
                else:
                    want = 1.0 if t >= state[1 + k] else 0.0
                assert ty.mean_loss(state, row, None, t, k) == want, (seed, k, t)
                assert ty.loss(state, row, None, t, seed, k) == want, (seed, k, t)
            assert ty.best_mean_loss(state, row, None, 13) == 0.0


def test_a_decoys_losses_after_death_are_bernoulli_p():
    _, row, ty, states = _decoys("realizable_experts", range(10), n_experts=5, span=1, decoy_loss=0.7)
    draws = [ty.loss(s, row, None, t, seed, k) for seed, s in enumerate(states) for t in range(40) for k in range(5)
             if k != int(s[0])]
    n = len(draws)
    assert abs(np.mean(draws) - 0.7) < 5 * math.sqrt(0.21 / n)


def test_the_best_expert_loses_once_in_each_stratum():
    """span 23, L* = 4: strata of s = 23 // 4 = 5 rounds, [0, 5), [5, 10), [10, 15), [15, 20); none in [20, 23)."""
    for seed in range(12):
        env = environments.make("small_loss_experts", n_experts=4, span=23, decoy_loss=1.0, best_loss=4)
        row, ty = env.row(), env.type
        state = np.zeros(env.state_size())
        ty.reset(state, row, seed)
        best = int(state[0])
        loss = np.array([ty.loss(state, row, None, t, seed, best) for t in range(30)])
        assert loss.sum() == 4.0
        for j in range(4):
            assert loss[5 * j : 5 * j + 5].sum() == 1.0, (seed, loss)
        for t in range(30):  # its mean loss is its (deterministic) loss, and the best mean is 0 where that is 0
            assert ty.mean_loss(state, row, None, t, best) == loss[t]
            if loss[t] == 0.0:
                assert ty.best_mean_loss(state, row, None, t) == 0.0


def test_the_best_experts_loss_round_is_independent_of_which_expert_is_best():
    """d = 2, L* = 1, span 10 (one stratum of 10 rounds): the designated expert (uniform on {0, 1}) and the place of its
    loss (uniform on {0, .., 9}) are separate draws, so P(best = 0, loss round < 5) = 1/2 * 1/2."""
    n = 600
    _, _, _, states = _decoys("small_loss_experts", range(n), n_experts=2, span=10, decoy_loss=1.0, best_loss=1)
    both = np.sum((states[:, 0] == 0) & (states[:, 3] < 5))
    assert abs(both - n / 4) < 5 * math.sqrt(n * 3 / 16), both


def test_the_best_expert_is_the_best_mean_on_a_loss_free_round_whichever_index_it_has():
    """Realizable, all decoys dead (t >= span): the best mean loss is the perfect expert's 0, also when it is expert 0."""
    env = environments.make("realizable_experts", n_experts=2, span=3, decoy_loss=0.5)
    row, ty = env.row(), env.type
    seen = set()
    for seed in range(40):
        state = np.zeros(env.state_size())
        ty.reset(state, row, seed)
        seen.add(int(state[0]))
        assert ty.best_mean_loss(state, row, None, 5) == 0.0
    assert seen == {0, 1}


def test_small_loss_needs_at_least_one_death_round():
    """span 6, p = 1, L* = 2: m = 6 = span leaves no round for a decoy to die in; L* = 1 leaves two."""
    _refused("small_loss_experts", "best_loss", span=6, decoy_loss=1.0, best_loss=2)
    env = environments.make("small_loss_experts", span=6, decoy_loss=1.0, best_loss=1)
    assert env.row()[5] == 2.0


def test_oblivious_means_are_the_documented_rotation():
    d, gap, period = 5, 0.1, 12
    env = environments.make("oblivious_experts", n_experts=d, gap=gap, period=period)
    row, ty = env.row(), env.type
    state = np.zeros(1)
    for seed in range(3):
        ty.reset(state, row, seed)
        b = int(state[0])
        for t in range(15):
            mu = [0.5 - gap if k == b else 0.5 + 0.45 * math.cos(2 * math.pi * (t / period + k / d)) for k in range(d)]
            for k in range(d):
                assert ty.mean_loss(state, row, None, t, k) == pytest.approx(mu[k], abs=1e-14)
            assert ty.best_mean_loss(state, row, None, t) == pytest.approx(min(mu), abs=1e-14)


def test_expert_world_ranges():
    _refused("realizable_experts", "decoy_loss", decoy_loss=0.0)
    _refused("oblivious_experts", "gap", gap=0.6)
    environments.make("oblivious_experts", gap=0.5)


# ---------------------------------------------------------------- linear systems


def test_laplacian_on_a_two_by_two_grid_by_hand():
    want = np.array([[4, -1, -1, 0], [-1, 4, 0, -1], [-1, 0, 4, -1], [0, -1, -1, 4]], dtype=float)
    np.testing.assert_array_equal(laplacian_2d(2).toarray(), want)
    np.testing.assert_allclose(laplacian_2d(2, spacing=0.5).toarray(), 4.0 * want, rtol=1e-15)


@pytest.mark.parametrize("variance, a, b", [("high", 0.5, 1.5), ("low", 2.0, 6.0)])
def test_shifts_follow_the_papers_beta_law(variance, a, b):
    s = shifted_laplacian(3000, variance, grid=2, seed=3)
    assert stats.kstest((s.contexts + 0.15) / 0.6, stats.beta(a, b).cdf).pvalue > 1e-3
    # the rhs rejection: ||b|| <= sqrt(n) with n = 4
    assert np.all(np.linalg.norm(s.rhs, axis=1) <= 2.0)
    assert s[7].context == s.contexts[7]
    np.testing.assert_array_equal(s[7].A.toarray(), laplacian_2d(2).toarray() + s.contexts[7] * np.eye(4))


def test_the_bump_and_the_forcing_by_hand():
    pts = np.array([[0.5, 0.5], [0.5, 0.625], [0.75, 0.5], [0.9, 0.9]])
    np.testing.assert_allclose(bump(pts, (0.5, 0.5), 0.25), [1.0, math.exp(-1.0 / 3.0), 0.0, 0.0], rtol=1e-15)
    heat = HeatEquation(nx=8, steps=2)
    # the 7 x 7 interior points (i / 8, j / 8), i, j = 1 .. 7, lexicographic (the first coordinate slowest)
    want_pts = np.array([(i / 8, j / 8) for i in range(1, 8) for j in range(1, 8)])
    np.testing.assert_allclose(heat.points, want_pts, rtol=1e-15)
    u0 = heat.initial()  # bump((1/2, 1/2), 1/4): 1 at the centre, exp(-1/3) one step (1/8 = R / 2) away
    assert u0[3 * 7 + 3] == 1.0 and u0[4 * 7 + 3] == pytest.approx(math.exp(-1.0 / 3.0), rel=1e-15)
    # t = 1/32: 16 pi t = pi / 2, centre (0.5, 0.75), a grid point (multiples of 1/8)
    f = heat.forcing(1.0 / 32.0)
    r2 = ((heat.points - [0.5, 0.75]) ** 2).sum(axis=1) / 0.125**2
    want = np.where(r2 < 1.0, 32.0 * np.exp(1.0 - 1.0 / (1.0 - np.minimum(r2, 0.5))), 0.0)
    np.testing.assert_allclose(f, want, rtol=1e-14, atol=0)
    assert f.max() == 32.0 and np.count_nonzero(f) == 1  # the neighbours at distance 1/8 = R get exactly 0


def test_heat_contexts_are_kappa_at_each_step_midpoint():
    """kappa((step + 1/2) dt): with dt = 0.25, the midpoints 0.125, 0.375, 0.625, 0.875 give sin = +-sqrt(1/2)."""
    heat = HeatEquation(nx=3, steps=4, dt=0.25)
    r = math.sqrt(0.5)
    want = [0.1 * r, 0.1 * r, 10 * r, 10 * r]
    np.testing.assert_allclose(heat.contexts(), want, rtol=1e-14)
    u = heat.initial()
    for step in range(4):
        assert heat.system(step, u).context == pytest.approx(want[step], rel=1e-14)
    with pytest.raises(ParameterError):
        HeatEquation(nx=2)


def test_heat_trajectory_stores_the_state_before_each_step():
    heat = HeatEquation(nx=4, steps=3, dt=0.01)
    traj = heat.reference_systems()
    np.testing.assert_array_equal(traj.states[0], heat.initial())
    for step in range(3):
        s = heat.system(step, traj.states[step])
        nxt = np.linalg.solve(s.A.toarray(), s.b)
        later = traj.states[step + 1] if step < 2 else traj.final
        np.testing.assert_allclose(later, nxt, rtol=1e-12, atol=1e-14)
    with pytest.raises(IndexError):  # as for a list: 3 steps are 0, 1, 2 (or -3 .. -1)
        traj[3]
    assert traj[-3].context == traj[0].context


def test_cost_table_losses_best_and_contexts_by_hand():
    costs = np.array([[10.0, 20.0, 3.0], [30.0, 5.0, 7.0]])
    env = environments.make("sor_costs", costs=costs, contexts=[0.25, -0.5], scale=10.0)
    row, ty = env.row(), env.type
    obs = np.zeros(1)
    for t in range(2):
        for k in range(3):
            assert ty.loss(None, row, obs, t, 0, k) == costs[t, k] / 10.0
            assert ty.mean_loss(None, row, obs, t, k) == costs[t, k] / 10.0
        assert ty.best_mean_loss(None, row, obs, t) == costs[t].min() / 10.0
        ty.observe(None, row, t, 0, obs)
        assert obs[0] == [0.25, -0.5][t]
    # without contexts the world observes nothing (obs_dim 0): observe writes no slot
    bare = environments.make("sor_costs", costs=costs)
    assert bare.obs_dim == 0
    for t in range(2):
        bare.type.observe(None, bare.row(), t, 0, np.zeros(0))
    _refused("sor_costs", "contexts", costs=costs, contexts=[0.1, 0.2, 0.3])
    _refused("sor_costs", "scale", costs=costs, scale=0.0)


def test_user_systems_take_two_to_four_fields_and_at_least_one_system():
    A = sp.identity(2, format="csr")
    with pytest.raises(ParameterError):
        systems([(A, np.ones(2), 0.1, np.zeros(2), "extra")])
    with pytest.raises(ParameterError):
        systems([])
    # contexts: an array only when every system has one
    assert systems([(A, np.ones(2), 0.1), (A, np.ones(2))]).contexts is None
    np.testing.assert_array_equal(systems([(A, np.ones(2), 0.1), (A, np.ones(2), -2.0)]).contexts, [0.1, -2.0])


# ---------------------------------------------------------------- linear contexts


def test_a_zero_gaussian_vector_gives_the_first_basis_vector(monkeypatch):
    monkeypatch.setattr(rng, "normal", lambda *args: 0.0)
    out = np.full(3, 7.0)
    contextual.sphere_point(out, 0, 3, 0, 5, 0)
    np.testing.assert_array_equal(out, [1.0, 0.0, 0.0])


def test_a_given_theta_may_have_the_largest_documented_dimension():
    """d is at most 1024 whether given as dim or as theta's columns: 1024 columns are accepted, 1025 refused."""
    assert environments.make("linear_contextual", theta=np.zeros((2, 1024))).obs_dim == 1024
    _refused("linear_contextual", "theta", theta=np.zeros((2, 1025)))


# ---------------------------------------------------------------- data streams


def _stream(data, **values):
    env = environments.make("linear_stream", data=data, **values)
    return env, env.row(), env.type


def test_the_shuffle_is_a_uniform_permutation_and_off_means_the_data_order():
    data = np.column_stack([np.eye(3), [1.0, -1.0, 1.0]])
    env, row, ty = _stream(data)
    n = 1200
    counts = {}
    state = np.zeros(4)
    for seed in range(n):
        ty.reset(state, row, seed)
        key = tuple(state[:3].astype(int))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6
    assert stats.chisquare(list(counts.values())).pvalue > 1e-3
    _, row, ty = _stream(data, shuffle=False)
    ty.reset(state, row, 9)
    np.testing.assert_array_equal(state[:3], [0, 1, 2])


LOSSES = {  # code (olearn.engine.models' table: HINGE 1, ABSOLUTE 2, SQUARED 3, LOGISTIC 4) and l(p, y)
    "hinge": (1.0, lambda p, y: max(0.0, 1.0 - y * p)),
    "absolute": (2.0, lambda p, y: abs(p - y)),
    "squared": (3.0, lambda p, y: 0.5 * (p - y) ** 2),
    "logistic": (4.0, lambda p, y: math.log1p(math.exp(-y * p))),
}


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_round_t_plays_example_order_t_and_its_model_is_code_label_features(loss):
    data = np.array([[1.0, 2.0, 1.0], [3.0, -4.0, -1.0], [0.5, 6.0, 1.0], [-2.0, 0.25, -1.0]])
    code, ell = LOSSES[loss]
    env, row, ty = _stream(data, loss=loss)
    state = np.zeros(5)
    ty.reset(state, row, 3)
    order = state[:4].astype(int).copy()
    assert sorted(order) == [0, 1, 2, 3]
    x = np.array([0.3, -0.2])
    g = np.zeros(2)
    for t in range(4):
        ty.draw(state, row, x, t, 3)
        m = np.full(4, np.nan)
        ty.model(state, row, m)
        a, y = data[order[t], :2], data[order[t], 2]
        np.testing.assert_array_equal(m, [code, y, a[0], a[1]])
        value = ty.loss_grad(state, row, x, g)
        assert value == pytest.approx(ell(a @ x, y), rel=1e-14, abs=1e-15)


def test_stream_ranges():
    _refused("linear_stream", "data", data=[[0.5], [1.0]])
    _refused("linear_stream", "data", data=[[1.0, 0.0], [0.0, 1.0]], loss="logistic")
    _refused("linear_stream", "radius", radius=0.0)
