"""The engine's entry points (olearn.engine.run, loop, stepwise) and its oco kernels (domains, models) against
their documented contracts, python backend only (nothing here compiles).

run(): ``seeds=n`` means seeds 0..n-1 and a list means exactly those distinct non-negative seeds; a checkpoint
list holds whole rounds in [1, T] given as numbers (not flags), a count n >= 1 gives n log-spaced rounds, and the
count and seed caps are MAX_RESULT_BYTES / 8 (8 bytes a number), so with the cap lowered the refusals move with
it.  The size guard adds 2 T numbers a job for trace (actions and losses), the state row for keep_state, and
(K + 1) k numbers for a window of k rounds.  A grid of C configurations on S seeds lays its jobs out
configuration-major, so values[c, s] is exactly the single run of configuration c on seed s (common random
numbers).  The progress callable receives steps (jobs x rounds), summing to C S T, and steps_per_second counts
all C S T steps.  Metric names repeated count once; a window of k = T rounds is allowed, but not where arms
sleep; counts stays out of the defaults even when K = 1 makes it one column.  The traced loss of a
full-information round is the played arm's loss losses[t, a_t], not arm 0's.

domains: D_inf of the ball is 2 r (antipodes r e_1 and -r e_1); the simplex's centre is its barycentre r/d 1;
step_scale is 1 on the one-point simplex; the ball projection of a vector with infinite coordinates is the limit
direction (the n_inf infinite coordinates, each +-r / sqrt(n_inf)); a finite vector whose squared norm overflows
still projects to y r / ||y||; the simplex projection's support excludes a coordinate 1e-9 below the threshold
tau (Duchi et al. 2008: x_i = max(y_i - tau, 0)); linear minimization follows sign rules with ties to the first
coordinate, 0 for c_i = 0, and the origin for c = 0 or FREE.

models: each loss value and gradient is checked against its closed form and a central finite difference; the
proximal step argmin_x ||x - w||^2 / (2 eta) + loss(x) is checked against a golden-section search on the line
w + c a (the loss depends on x only through <a, x>, so the minimiser lies on that line), for quadratic and
linear losses against the stationarity condition (x - w) / eta + grad(x) = 0, and for a = 0 it is w.  The
logistic root u of u - u0 = q sigmoid(-u) is bracketed within 4 ulps in 50-digit arithmetic (the left side
minus the right is strictly increasing in u), up to q = 1e300.

stepwise: the seed is an int64 (< 2^63), the backend is 'cpu' or 'python', a state row must be finite, a
sleeping learner needs an awake arm, each act() is answered by exactly one update() with that very action (a
number, not a flag; for oco the very point and one scalar loss), an oco learner takes no context and a radius
> 0 and plays on that radius (a constant gradient drives projected OGD to the box's vertex), and state= with
start=T continues a T-round batch run exactly (ucb1's index reads the round).
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.engine import domains, models
from olearn.engine import run as run_module

BERN = environments.make("bernoulli", means=[0.3, 0.7])


def _run(learner="ucb1", env=BERN, **kw):
    kw.setdefault("horizon", 12)
    return olearn.run(learner, env, backend="python", **kw)


# ------------------------------------------------------------------ run(): seeds and checkpoints

def test_seed_count_means_seeds_zero_to_n_minus_one():
    res = _run(seeds=3)
    np.testing.assert_array_equal(res.seeds, [0, 1, 2])
    explicit = _run(seeds=[0, 1, 2])
    np.testing.assert_array_equal(res.values, explicit.values)


def test_negative_seeds_in_a_list_are_refused():
    with pytest.raises(olearn.ParameterError) as err:
        _run(seeds=[3, -1])
    assert err.value.name == "seeds"


def test_checkpoint_count_zero_is_refused():
    with pytest.raises(olearn.ParameterError) as err:
        olearn.checkpoint_grid(10, 0)
    assert err.value.name == "checkpoints"


def test_checkpoint_and_seed_counts_are_capped_at_max_bytes_over_8(monkeypatch):
    """With the cap lowered to 8000 bytes, 1000 numbers fit and 1001 do not (counted 8 bytes each)."""
    monkeypatch.setattr(run_module, "MAX_RESULT_BYTES", 8000)
    assert olearn.checkpoint_grid(5000, 1000)[-1] == 5000
    with pytest.raises(olearn.ParameterError):
        olearn.checkpoint_grid(5000, 1001)
    assert run_module._seed_array(1000).size == 1000
    with pytest.raises(olearn.ParameterError):
        run_module._seed_array(1001)


def test_fractional_or_boolean_checkpoint_rounds_are_refused():
    for bad in ([2.5, 10], [True], np.array([True, True])):
        with pytest.raises(olearn.ParameterError):
            olearn.checkpoint_grid(10, bad)
    np.testing.assert_array_equal(olearn.checkpoint_grid(10, [2.0, 5.0]), [2, 5, 10])


# ------------------------------------------------------------------ run(): metrics

def test_repeated_metric_names_count_once():
    res = _run(metrics=["regret", "regret", "loss"])
    assert sorted(res.columns) == ["loss", "regret"]
    assert res.values.shape[-1] == 2


def test_a_window_as_long_as_the_horizon_is_allowed():
    res = _run(horizon=7, metrics=["window_regret_7"])
    assert list(res.columns) == ["window_regret_7"]
    with pytest.raises(olearn.ParameterError):
        _run(horizon=7, metrics=["window_regret_8"])


def test_default_metrics_leave_counts_out_even_with_one_arm():
    """K = 1: counts has one column (count[0]), yet it is per-action, so the default leaves it out."""
    one = environments.make("bernoulli", means=[0.4])
    assert "counts" in one.metrics()
    assert list(_run(env=one, metrics=["counts"]).columns) == ["count[0]"]
    assert list(_run(env=one).columns) == ["loss", "regret", "pseudo_regret"]


# ------------------------------------------------------------------ run(): job layout, recorded fields

def test_a_grid_of_configurations_is_laid_out_configuration_major():
    """values[c, s] of a 2 x 3 grid run equals the single run of configuration c on seed s."""
    grid = _run(learner=olearn.make("ucb1", c=[0.5, 3.0]), horizon=40, seeds=[4, 9, 17], metrics=["counts", "regret"])
    for c, cval in enumerate([0.5, 3.0]):
        for s, seed in enumerate([4, 9, 17]):
            one = _run(learner=olearn.make("ucb1", c=cval), horizon=40, seeds=[seed], metrics=["counts", "regret"])
            np.testing.assert_array_equal(grid.values[c, s], one.values[0, 0], err_msg=f"c={cval} seed={seed}")


def test_progress_callable_receives_every_step_and_steps_per_second_counts_them():
    seen = []
    res = _run(learner=olearn.make("ucb1", c=[1.0, 2.0]), horizon=15, seeds=3, progress=seen.append)
    assert sum(seen) == 2 * 3 * 15
    assert run_module.steps_per_second(res) == pytest.approx(2 * 3 * 15 / max(res.seconds, 1e-12), rel=1e-12)


def test_env_params_record_the_environment_values():
    res = _run(learner=olearn.make("ucb1", c=[1.0, 2.0]))
    assert len(res.env_params) == 2
    for p in res.env_params:
        np.testing.assert_array_equal(np.asarray(p["means"]), [0.3, 0.7])


def test_numpy_bool_flags_are_accepted():
    res = _run(trace=np.True_, keep_state=np.False_)
    assert res.actions is not None and res.states is None


def test_the_size_guard_counts_two_trace_numbers_a_round_and_the_state_row(monkeypatch):
    """One checkpoint and one column: 8 bytes of values a job.  Trace adds 2 T 8 = 1600 bytes a job at T = 100;
    keep_state adds the state row (ucb1 on K = 2 keeps 4 K = 8 numbers, 64 bytes a job: 640 on 10 seeds).  A cap
    between the right count and a count that drops a term must refuse before anything runs (one seed's working
    row, 20 numbers = 160 bytes here, fits under every cap used)."""
    kw = dict(horizon=100, checkpoints=[100], metrics=["regret"])
    monkeypatch.setattr(run_module, "MAX_RESULT_BYTES", 1200)  # 8 + 1600 > 1200 >= 8 + 800
    with pytest.raises(olearn.ParameterError):
        _run(trace=True, seeds=1, **kw)
    size = olearn.make("ucb1").bind(2, 0, 100)[1]
    assert size == 8
    monkeypatch.setattr(run_module, "MAX_RESULT_BYTES", 10 * (8 + 8 * size) - 1)
    with pytest.raises(olearn.ParameterError):
        _run(keep_state=True, seeds=10, **kw)
    monkeypatch.setattr(run_module, "MAX_RESULT_BYTES", 10 * (8 + 8 * size))
    assert _run(keep_state=True, seeds=10, **kw).states.shape == (1, 10, size)


def test_a_window_ring_of_k_plus_one_numbers_per_arm_is_capped(monkeypatch):
    """window_regret_k keeps (K + 1) k numbers: with K = 2, k = 10 that is 240 bytes; a cap of 200 refuses it
    (a check on k alone, 80 bytes, would not)."""
    monkeypatch.setattr(run_module, "MAX_RESULT_BYTES", 200)
    with pytest.raises(olearn.ParameterError) as err:
        _run(horizon=10, checkpoints=[10], metrics=["window_regret_10"])
    assert err.value.name == "metrics"


def test_a_sequence_delay_shorter_than_the_horizon_is_refused():
    with pytest.raises(olearn.ParameterError):
        _run(horizon=12, delay=olearn.delays.sequence([1, 2, 0]))


def test_traced_losses_of_full_information_are_the_played_arms_losses():
    losses = np.round(np.random.default_rng(5).random((30, 3)), 2)
    env = environments.make("loss_matrix", losses=losses)
    res = olearn.run(olearn.make("hedge", eta=0.3), env, horizon=30, seeds=[1, 2], backend="python", trace=True)
    for s in range(2):
        acts = res.actions[0, s].astype(int)
        assert len(set(acts)) > 1  # the check needs rounds where an arm other than 0 is played
        np.testing.assert_array_equal(res.losses[0, s], losses[np.arange(30), acts])


# ------------------------------------------------------------------ domains

@pytest.mark.parametrize("r", [0.5, 2.5])
def test_sup_norm_diameter_and_centre_of_every_set(r):
    for d in (1, 2, 3):
        # ball: r e_1 and -r e_1 are in the ball, 2 r apart in every coordinate-wise sense
        assert domains.max_norm_diameter(domains.BALL, r, d) == pytest.approx(2.0 * r, rel=1e-15)
        out = np.full(d, np.nan)
        domains.center(domains.SIMPLEX, r, d, out)
        np.testing.assert_allclose(out, np.full(d, r / d), rtol=1e-15)
        for code in (domains.BALL, domains.BOX, domains.FREE):
            domains.center(code, r, d, out)
            np.testing.assert_array_equal(out, np.zeros(d))


def test_step_scale_is_one_on_the_one_point_simplex_and_the_diameter_elsewhere():
    r = 2.5
    assert domains.step_scale(domains.SIMPLEX, r, 1) == 1.0
    assert domains.step_scale(domains.SIMPLEX, r, 3) == pytest.approx(r * math.sqrt(2.0), rel=1e-15)
    assert domains.step_scale(domains.BALL, r, 3) == pytest.approx(2.0 * r, rel=1e-15)


def test_ball_projection_of_infinite_and_overflowing_vectors():
    r = 2.0
    out = np.zeros(3)
    domains.project(domains.BALL, r, 3, np.array([np.inf, -np.inf, 3.0]), out)
    np.testing.assert_allclose(out, [r / math.sqrt(2.0), -r / math.sqrt(2.0), 0.0], rtol=1e-15)
    domains.project(domains.BALL, r, 3, np.array([0.0, np.inf, 1e300]), out)
    np.testing.assert_array_equal(out, [0.0, r, 0.0])
    # ||y||^2 overflows but y is finite: y r / ||y|| with ||y|| = 1e200 sqrt(2) (computed in scaled form)
    domains.project(domains.BALL, 3.0, 3, np.array([1e200, -1e200, 0.0]), out)
    np.testing.assert_allclose(out, [3.0 / math.sqrt(2.0), -3.0 / math.sqrt(2.0), 0.0], rtol=1e-14)


def test_simplex_projection_of_huge_tied_coordinates_splits_the_mass():
    """y = (2^60, 2^60, 0), r = 1: the projection is y - tau clipped with tau = 2^60 - 1/2, i.e. (1/2, 1/2, 0);
    2^60 - 1 rounds to 2^60 in float64, so this takes the tie path."""
    out = np.zeros(3)
    domains.project(domains.SIMPLEX, 1.0, 3, np.array([2.0**60, 2.0**60, 0.0]), out)
    np.testing.assert_array_equal(out, [0.5, 0.5, 0.0])


def test_simplex_projection_leaves_out_a_coordinate_just_below_the_threshold():
    """y = (1, 0.6, 0.3 - 1e-9), r = 1: on the support {1, 2}, tau = (1 + 0.6 - 1) / 2 = 0.3 and y_3 < tau, so
    the projection is (0.7, 0.3, 0) exactly to rounding; a threshold found only to 1e-6 would take y_3 in."""
    out = np.zeros(3)
    domains.project(domains.SIMPLEX, 1.0, 3, np.array([1.0, 0.6, 0.3 - 1e-9]), out)
    np.testing.assert_allclose(out, [0.7, 0.3, 0.0], rtol=0, atol=1e-15)


def test_linear_minimizers_follow_the_sign_rules_with_ties_to_the_first_coordinate():
    out = np.zeros(2)
    domains.linear_minimizer(domains.BALL, 2.0, 2, np.array([3.0, -4.0]), out)  # -r c / ||c||, ||c|| = 5
    np.testing.assert_allclose(out, [-1.2, 1.6], rtol=1e-15)
    out = np.zeros(3)
    domains.linear_minimizer(domains.BOX, 1.5, 3, np.array([1.0, -2.0, 0.0]), out)
    np.testing.assert_array_equal(out, [-1.5, 1.5, 0.0])
    out = np.zeros(4)
    domains.linear_minimizer(domains.SIMPLEX, 2.0, 4, np.array([1.0, 0.0, 0.0, 2.0]), out)
    np.testing.assert_array_equal(out, [0.0, 2.0, 0.0, 0.0])
    # c = 0 on the ball, and FREE (unbounded below), give the centre: the origin
    for code in (domains.BALL, domains.FREE):
        out = np.full(2, np.nan)
        domains.linear_minimizer(code, 2.0, 2, np.zeros(2) if code == domains.BALL else np.array([3.0, -1.0]), out)
        np.testing.assert_array_equal(out, [0.0, 0.0])


def test_the_ball_minimizer_keeps_its_direction_where_the_squared_norm_underflows_or_overflows():
    """-r c / ||c|| depends on c's direction only: c = 1e-200 e_1 (||c||^2 = 1e-400 underflows to 0) still gives
    -r e_1, and c = 1e200 (1, 1) (||c||^2 overflows) still gives -r (1, 1) / sqrt(2); infinite coordinates give the
    limit direction, as the ball projection does."""
    r = 2.0
    for c, want in (([1e-200, 0.0], [-r, 0.0]), ([1e200, 1e200], [-r / math.sqrt(2)] * 2),
                    ([-5e-324, 0.0], [r, 0.0]), ([math.inf, -math.inf, 1.0], [-r / math.sqrt(2), r / math.sqrt(2), 0.0])):
        out = np.full(len(c), np.nan)
        domains.linear_minimizer(domains.BALL, r, len(c), np.array(c), out)
        np.testing.assert_allclose(out, want, rtol=1e-15, atol=0)


# ------------------------------------------------------------------ models

D = 3
A = np.array([0.7, -1.3, 0.4])  # ||a||^2 = 2.34


def _model(code, y, v=A):
    return np.concatenate([[code, y], v])


def _loss(code, y, v, x):
    """Closed forms of the table in olearn.engine.models."""
    p = float(v @ x)
    return {models.HINGE: max(0.0, 1.0 - y * p), models.ABSOLUTE: abs(p - y), models.SQUARED: 0.5 * (p - y) ** 2,
            models.LOGISTIC: math.log1p(math.exp(-y * p)), models.QUADRATIC: 0.5 * float(x @ x) - p + y,
            models.LINEAR: p}[code]


CASES = [(models.HINGE, 1.0), (models.HINGE, -1.0), (models.ABSOLUTE, 0.3), (models.SQUARED, -0.8),
         (models.LOGISTIC, 1.0), (models.LOGISTIC, -1.0), (models.QUADRATIC, 0.25), (models.LINEAR, 0.0)]


@pytest.mark.parametrize("code,y", CASES)
def test_loss_values_and_gradients_match_closed_forms_and_finite_differences(code, y):
    rng = np.random.default_rng(7)
    for _ in range(4):
        x = rng.normal(size=D)
        if code in (models.HINGE, models.ABSOLUTE) and min(abs(1.0 - y * A @ x), abs(A @ x - y)) < 1e-3:
            continue  # stay off the kinks
        g = np.zeros(D)
        value = models.loss_grad(_model(code, y), D, x, g)
        assert value == pytest.approx(_loss(code, y, A, x), rel=1e-13, abs=1e-15)
        h = 1e-6
        fd = [(_loss(code, y, A, x + h * e) - _loss(code, y, A, x - h * e)) / (2 * h) for e in np.eye(D)]
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def _line_argmin(f, lo, hi):
    """Golden-section minimum of a convex f on [lo, hi]."""
    k = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(200):
        a, b = hi - k * (hi - lo), lo + k * (hi - lo)
        if f(a) <= f(b):
            hi = b
        else:
            lo = a
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("code,y", [c for c in CASES if c[0] not in (models.QUADRATIC, models.LINEAR)])
@pytest.mark.parametrize("eta", [0.05, 0.6, 4.0])
def test_prox_is_the_minimiser_on_the_line_through_w_along_a(code, y, eta):
    """The loss depends on x only through <a, x>: the minimiser is w + c a with c minimising
    c^2 ||a||^2 / (2 eta) + loss(w + c a), found here by golden section on [-10 eta, 10 eta]."""
    rng = np.random.default_rng(11)
    for w in (rng.normal(size=D), 3.0 * rng.normal(size=D), np.zeros(D)):
        out = np.zeros(D)
        assert models.prox(_model(code, y), D, w, eta, out)
        aa = float(A @ A)
        c = _line_argmin(lambda c: c * c * aa / (2 * eta) + _loss(code, y, A, w + c * A), -10 * eta, 10 * eta)
        np.testing.assert_allclose(out, w + c * A, rtol=1e-6, atol=1e-7, err_msg=f"w={w}")


@pytest.mark.parametrize("eta", [0.05, 0.6, 4.0])
def test_prox_of_quadratic_and_linear_losses_is_stationary(eta):
    """(x - w) / eta + grad(x) = 0: quadratic grad = x - c, linear grad = c."""
    w, c = np.array([0.5, -2.0, 1.0]), np.array([1.5, 0.2, -0.7])
    for code in (models.QUADRATIC, models.LINEAR):
        out, g = np.zeros(D), np.zeros(D)
        assert models.prox(_model(code, 0.4, c), D, w, eta, out)
        models.loss_grad(_model(code, 0.4, c), D, out, g)
        np.testing.assert_allclose((out - w) / eta + g, 0.0, atol=1e-13)
    out = np.full(D, np.nan)
    assert not models.prox(_model(models.NONE, 0.0, c), D, w, eta, out)
    np.testing.assert_array_equal(out, w)


def test_prox_with_a_zero_example_stays_put():
    """a = 0: every loss is constant in x, so the minimiser is w."""
    w = np.array([0.5, -2.0, 1.0])
    for code in (models.HINGE, models.ABSOLUTE, models.SQUARED, models.LOGISTIC):
        out = np.full(D, np.nan)
        models.prox(_model(code, 1.0, np.zeros(D)), D, w, 0.7, out)
        np.testing.assert_array_equal(out, w)


def test_logistic_root_brackets_the_exact_root_within_a_few_ulps_and_is_infinite_for_infinite_q():
    """g(u) = u - u0 - q sigmoid(-u) is strictly increasing, so the root lies within delta of u exactly when
    g(u - delta) < 0 < g(u + delta); g is evaluated in 50-digit arithmetic (mpmath), delta = 4 ulps of u."""
    import mpmath

    assert models.logistic_root(0.0, math.inf) == math.inf
    with mpmath.workdps(50):
        for u0 in (-40.0, -3.0, 0.0, 2.0, 35.0):
            for q in (1e-8, 0.3, 5.0, 1e6, 1e100, 1e300):
                u = models.logistic_root(u0, q)
                g = lambda v: v - u0 - mpmath.mpf(q) / (1 + mpmath.exp(v))  # noqa: E731
                delta = 4 * np.finfo(float).eps * max(abs(u), 1e-300)
                assert g(mpmath.mpf(u) - delta) < 0 < g(mpmath.mpf(u) + delta), (u0, q, u)


# ------------------------------------------------------------------ stepwise

def test_stepwise_seed_backend_and_radius_ranges_are_enforced():
    learner = olearn.make("ucb1", n_arms=2)
    assert olearn.stepwise(learner, seed=2**63 - 1, backend="python").seed == 2**63 - 1
    for kw, name in (({"seed": 2**63}, "seed"), ({"seed": -1}, "seed"), ({"backend": "gpu"}, "backend")):
        with pytest.raises(olearn.ParameterError) as err:
            olearn.stepwise(learner, **{"backend": "python", **kw})
        assert err.value.name == name
    for radius in (0.0, -1.0):
        with pytest.raises(olearn.ParameterError) as err:
            olearn.stepwise(olearn.make("ogd", dim=2), backend="python", radius=radius)
        assert err.value.name == "radius"


def test_a_state_row_must_be_finite_and_of_the_learners_size():
    learner = olearn.make("ucb1", n_arms=2)
    size = learner.bind(2, 0, 1)[1]
    for bad in (np.full(size, np.nan), np.r_[np.zeros(size - 1), np.inf], np.zeros(size + 1)):
        with pytest.raises(olearn.ParameterError) as err:
            olearn.stepwise(learner, backend="python", state=bad)
        assert err.value.name == "state"


def test_each_act_is_answered_by_exactly_one_update():
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=2), backend="python")
    arm = tuner.act()
    tuner.update(arm, 0.5)
    before = tuner.state.copy()
    with pytest.raises(olearn.ParameterError) as err:
        tuner.update(arm, 0.5)
    assert err.value.name == "action" and tuner.t == 1
    np.testing.assert_array_equal(tuner.state, before)


def test_oco_update_takes_the_very_point_played_and_one_scalar_loss():
    tuner = olearn.stepwise(olearn.make("ogd", dim=2), backend="python", domain="box", radius=1.0)
    x = tuner.act()
    before = tuner.state.copy()
    for kw, name in (({"action": x + 0.25, "loss": 1.0}, "action"), ({"action": x, "loss": [1.0, 2.0]}, "loss"),
                     ({"action": x, "loss": np.array([1.0])}, "loss")):
        with pytest.raises(olearn.ParameterError) as err:
            tuner.update(**kw, gradient=[1.0, 0.0])
        assert err.value.name == name
    np.testing.assert_array_equal(tuner.state, before)
    tuner.update(x, 1.0, gradient=[1.0, 0.0])
    assert tuner.t == 1


def test_stepwise_refuses_a_grid_and_any_context_for_an_oco_learner():
    with pytest.raises(olearn.ParameterError) as err:
        olearn.stepwise(olearn.make("ucb1", n_arms=2, c=[1.0, 2.0]), backend="python")
    assert err.value.name == "learner"
    with pytest.raises(olearn.ParameterError) as err:
        olearn.stepwise(olearn.make("ogd", dim=2), backend="python", obs_dim=1)
    assert err.value.name == "obs_dim"
    tuner = olearn.stepwise(olearn.make("ogd", dim=2), backend="python")
    with pytest.raises(olearn.ParameterError) as err:  # its context is its feasible set, not the caller's
        tuner.act([0.5])
    assert err.value.name == "obs" and tuner.t == 0


def test_stepwise_from_a_batch_state_and_start_continues_the_batch_run():
    """ucb1's index reads the round t (log t): a tuner given the state after 10 rounds and start=10 plays rounds
    10..14 of the 15-round run of the same seed when fed that run's losses."""
    learner = olearn.make("ucb1", c=0.5)
    env = environments.make("bernoulli", means=[0.45, 0.5, 0.55])
    short = olearn.run(learner, env, horizon=10, seeds=[3], backend="python", keep_state=True)
    full = olearn.run(learner, env, horizon=15, seeds=[3], backend="python", trace=True)
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3, c=0.5), seed=3, backend="python", horizon=15,
                            state=short.states[0, 0], start=10)
    assert tuner.t == 10
    for t in range(10, 15):
        arm = tuner.act()
        assert arm == full.actions[0, 0, t], t
        tuner.update(arm, full.losses[0, 0, t])


def test_an_oco_learner_plays_on_the_radius_it_was_given():
    """A constant gradient (1, -1) drives projected OGD on the box [-2, 2]^2 to its vertex (-2, 2) (the box
    projection clips each coordinate), a point outside the unit box."""
    tuner = olearn.stepwise(olearn.make("ogd", dim=2), backend="python", domain="box", radius=2.0)
    g = np.array([1.0, -1.0])
    for _ in range(300):
        x = tuner.act()
        tuner.update(x, float(g @ x), gradient=g)
    np.testing.assert_array_equal(tuner.act(), [-2.0, 2.0])
    np.testing.assert_array_equal(tuner.obs, [domains.BOX, 2.0])


def test_window_regret_is_refused_where_arms_sleep():
    """A window's best arm may be asleep on a sleeping world, so window_regret_<k> is not one of its metrics."""
    env = environments.make("sleeping_bernoulli")
    with pytest.raises(olearn.ParameterError) as err:
        olearn.run("awake_ucb", env, horizon=10, backend="python", metrics=["window_regret_5"])
    assert err.value.name == "metrics"


def test_update_refuses_a_zero_dimensional_flag_as_the_arm():
    """np.array(True) equals 1 as a number, but a flag is not an arm (Stepwise._same_arm)."""
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), backend="python")
    tuner.update(tuner.act(), 1.0)
    arm = tuner.act()
    assert arm == 1  # ucb1 explores arms in order
    with pytest.raises(olearn.ParameterError) as err:
        tuner.update(np.array(True), 1.0)
    assert err.value.name == "action" and tuner.t == 1
    tuner.update(arm, 1.0)
