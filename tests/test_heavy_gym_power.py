"""Hand-computed checks of the heavy-tail regret bounds, the gymnasium adapter and the user-loss world.

Regret bounds (olearn.learners.heavy_tailed, Bubeck, Cesa-Bianchi and Lugosi 2013, Prop. 1): with gaps
Delta_k = max_j mu_j - mu_k, the printed bound is sum_{Delta_k > 0} 8 (4u/Delta_k)^(1/eps) ln T + 5 Delta_k and the
known-horizon union bound is sum_{Delta_k > 0} Delta_k (floor(2 ln T (8 u^(1/(1+eps)) / Delta_k)^((1+eps)/eps)) + 3).
At Delta = 1/2, u = 1, eps = 1: 4u/Delta = 8 and (8 u^(1/2) / Delta)^2 = 16^2 = 256; at eps = 1/2, u = 2:
(4u/Delta)^2 = 16^2 and (8 * 2^(2/3) / Delta)^3 = 16^3 * 4, so the values are written out with powers of two
only.  An arm at the best mean (Delta = 0) adds nothing.  Both take only a 1-D finite non-empty list of means
and u > 0 (the assumption E|X|^(1+eps) <= u with u = 0 would mean every reward is 0).

Gym adapter (environments.gym): an arms world's reward is 1 - loss; an oco world's is -f_t(x) and its
observation is the gradient at the point played, zeros after reset; a point outside X is projected (a simplex
point with sum below r is not in X); the action Box of a box X is exactly [-r, r]^d; an episode is ``horizon``
rounds (1000 by default) and is truncated at its last round; the vector view numbers the seeds consecutively.

User loss (environments.oco_custom): the loss kernel sees the round t and the full 64-bit seed the engine
passed (kept as two 32-bit halves), and a loss that is not finite at a round t < 4 or at a probe point of X
other than the centre is refused before anything runs.
"""
import math

import numpy as np
import pytest

import environments
from olearn.core.errors import ParameterError
from olearn.learners import heavy_tailed as robust

LN100 = math.log(100.0)


def test_regret_bounds_at_hand_computed_values_skip_zero_gaps():
    """means (0.75, 0.25, 0.75): one gap 1/2 (the second best arm has Delta = 0).  eps = 1, u = 1, T = 100:
    paper 8 * 8 ln 100 + 5/2; known 1/2 (floor(2 ln 100 * 256) + 3).  eps = 1/2, u = 2, two gaps 1/2 and 1/2:
    paper 2 (8 * 256 ln 100 + 5/2); known 2 * 1/2 (floor(2 ln 100 * 16^3 * 4) + 3)."""
    means = [0.75, 0.25, 0.75]
    assert robust.paper_regret_bound(means, 1.0, 1.0, 100) == pytest.approx(64.0 * LN100 + 2.5, rel=1e-12)
    assert robust.known_horizon_regret_bound(means, 1.0, 1.0, 100) == pytest.approx(
        0.5 * (math.floor(512.0 * LN100) + 3.0), rel=1e-12)
    means = [0.25, 0.75, 0.25]
    assert robust.paper_regret_bound(means, 0.5, 2.0, 100) == pytest.approx(2.0 * (2048.0 * LN100 + 2.5), rel=1e-12)
    assert robust.known_horizon_regret_bound(means, 0.5, 2.0, 100) == pytest.approx(
        math.floor(2.0 * LN100 * 16.0**3 * 4.0) + 3.0, rel=1e-12)
    # a tiny gap counts in full: Delta = 2^-20, eps = 1, u = 1: 8 * 2^22 ln 100 + 5 * 2^-20 (only Delta = 0 is left out)
    assert robust.paper_regret_bound([0.5, 0.5 - 2.0**-20], 1.0, 1.0, 100) == pytest.approx(
        8.0 * 2.0**22 * LN100 + 5.0 * 2.0**-20, rel=1e-12)


@pytest.mark.parametrize("means", [[], [[0.5, 0.0]], [0.5, math.nan], [0.5, math.inf]])
def test_regret_bounds_refuse_means_that_are_not_a_finite_list(means):
    for bound in (robust.paper_regret_bound, robust.known_horizon_regret_bound):
        with pytest.raises(ParameterError) as err:
            bound(means, 1.0, 1.0, 100)
        assert err.value.name == "means"


def test_regret_bounds_refuse_u_zero_and_negative():
    for bound in (robust.paper_regret_bound, robust.known_horizon_regret_bound):
        for u in (0.0, -1.0):
            with pytest.raises(ParameterError) as err:
                bound([0.5, 0.0], 1.0, u, 100)
            assert err.value.name == "u"


# ---------------------------------------------------------------- user-defined oco loss


def _user_loss(fn, **kw):
    from environments.oco_custom import user_loss

    return user_loss(fn, **kw)


def test_user_loss_sees_the_round_and_the_full_64_bit_seed():
    """f_t(x) = t + (seed mod 1,000,003), gradient 0: through the gym view (which hands the episode's seed to the
    world's kernels as it is) round t of seed s = 2^40 + 7 loses t + (s mod 1,000,003).  By hand: 1,099,508 *
    1,000,003 = 1,099,508,000,000 + 3,298,524 = 1,099,511,298,524, and 2^40 = 1,099,511,627,776 exceeds it by
    329,252 < 1,000,003, so the constant part is 329,259.  A seed cut to its low 32 bits (7) or to 2^40 / 2^32
    would give another value."""
    from olearn.core.kernel import kernel

    @kernel
    def round_and_seed(x, g, t, seed):
        for i in range(x.size):
            g[i] = 0.0
        return t + seed % 1000003

    seed = 2**40 + 7
    assert seed % 1000003 == 329259
    gym_env = _user_loss(round_and_seed, dim=2).gym(horizon=3)
    gym_env.reset(seed=seed)
    assert [gym_env.step(np.zeros(2))[4]["loss"] for _ in range(3)] == [329259.0, 329260.0, 329261.0]


def test_user_loss_probe_refuses_a_loss_that_is_nonfinite_at_a_late_round_or_off_centre():
    """The probe covers rounds 0..3 and 8 points (the centre and 7 projected normal draws): a NaN at round 3 only,
    a NaN anywhere but the centre, a NaN at the centre only, an infinite value with a finite gradient, a NaN in one gradient entry: each
    is one ParameterError naming loss_grad."""
    from olearn.core.kernel import kernel

    @kernel
    def late(x, g, t, seed):
        g[0], g[1] = 0.0, 0.0
        return math.nan if t == 3 else 0.0

    @kernel
    def off_centre(x, g, t, seed):
        g[0], g[1] = 0.0, 0.0
        return math.nan if abs(x[0]) + abs(x[1]) > 1e-9 else 0.0

    @kernel
    def at_centre(x, g, t, seed):
        g[0], g[1] = 0.0, 0.0
        return math.nan if abs(x[0]) + abs(x[1]) <= 1e-12 else 0.0

    @kernel
    def infinite_value(x, g, t, seed):
        g[0], g[1] = 0.0, 0.0
        return math.inf

    @kernel
    def one_bad_entry(x, g, t, seed):
        g[0], g[1] = 0.0, math.nan
        return 0.0

    for fn in (late, off_centre, at_centre, infinite_value, one_bad_entry):
        with pytest.raises(ParameterError) as err:
            _user_loss(fn, dim=2)
        assert err.value.name == "loss_grad", fn.__name__


def test_user_loss_probe_accepts_a_loss_finite_on_x_only():
    """The probe points are points of X: the simplex centre r/d (sum r) and projections onto the ball of radius r.
    A loss that is NaN off the simplex of radius 2 (sum != 2), or outside the unit ball, is accepted."""
    from olearn.core.kernel import kernel

    @kernel
    def on_simplex_two(x, g, t, seed):
        s = 0.0
        for i in range(x.size):
            g[i] = 0.0
            s += x[i]
        return 0.0 if abs(s - 2.0) <= 1e-9 else math.nan

    @kernel
    def in_unit_ball(x, g, t, seed):
        s = 0.0
        for i in range(x.size):
            g[i] = 0.0
            s += x[i] * x[i]
        return 0.0 if s <= 1.0 + 1e-9 else math.nan

    _user_loss(on_simplex_two, dim=3, domain="simplex", radius=2.0)
    _user_loss(in_unit_ball, dim=3, domain="ball", radius=1.0)


# ---------------------------------------------------------------- gymnasium adapter


def test_arms_world_without_context_observes_a_constant_zero_and_reports_the_played_arms_mean():
    """bernoulli means (0.2, 0.8): no context, so the observation space is Box(0, 0) of shape (1,); the reward is
    1 - loss, mean_loss of arm k is 1 - mu_k and best_mean_loss is 1 - max mu = 0.2, whichever arm is played.
    The default episode is 1000 rounds."""
    gym_env = environments.make("bernoulli", means=[0.2, 0.8]).gym()
    assert gym_env.horizon == 1000
    space = gym_env.observation_space
    assert space.shape == (1,) and np.all(space.low == 0.0) and np.all(space.high == 0.0)
    obs, _ = gym_env.reset(seed=1)
    np.testing.assert_array_equal(obs, [0.0])
    for arm in (0, 1, 0, 1):
        obs, reward, _, _, info = gym_env.step(arm)
        np.testing.assert_array_equal(obs, [0.0])
        assert reward == 1.0 - info["loss"]
        assert info["mean_loss"] == pytest.approx(1.0 - [0.2, 0.8][arm], abs=1e-15)
        assert info["best_mean_loss"] == pytest.approx(0.2, abs=1e-15)


def test_sleeping_table_keeps_its_last_awake_mask_after_the_last_row():
    """sleeping_loss_matrix with awake rows (1, 1), (1, 0): the observation is row t's mask, and after the last
    row (t = 2 = the table's length) the last mask stays (there is no row 2 to read)."""
    gym_env = environments.make("sleeping_loss_matrix", losses=[[0.0, 1.0], [1.0, 0.0]],
                                awake=[[1.0, 1.0], [1.0, 0.0]]).gym()
    obs, _ = gym_env.reset(seed=0)
    np.testing.assert_array_equal(obs, [1.0, 1.0])
    obs, _, _, truncated, info = gym_env.step(1)
    np.testing.assert_array_equal(obs, [1.0, 0.0])
    assert info["loss"] == 1.0 and not truncated
    obs, _, _, truncated, info = gym_env.step(0)
    np.testing.assert_array_equal(obs, [1.0, 0.0])
    assert info["loss"] == 1.0 and truncated


def test_oco_box_and_simplex_action_spaces_and_a_simplex_point_below_r_is_projected():
    """Box X of radius r: the action Box is exactly [-r, r]^d.  Simplex X of radius r = 1 in d = 2: the action
    Box starts at 0, and (0.1, 0.1) (sum 0.2 < 1, not in X) is projected to (0.5, 0.5), the Euclidean projection
    (shift both coordinates by (1 - 0.2) / 2 = 0.4).  An action of shape (1, 2) is not a point of R^2."""
    box = environments.make("sea_linear", dim=2, domain="box", radius=0.5).gym(horizon=3)
    np.testing.assert_array_equal(box.action_space.low, [-0.5, -0.5])
    np.testing.assert_array_equal(box.action_space.high, [0.5, 0.5])
    simplex = environments.make("sea_linear", dim=2, domain="simplex", radius=1.0).gym(horizon=3)
    np.testing.assert_array_equal(simplex.action_space.low, [0.0, 0.0])
    simplex.reset(seed=0)
    np.testing.assert_allclose(simplex.step(np.array([0.1, 0.1]))[4]["x"], [0.5, 0.5], rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="invalid"):
        simplex.step(np.array([[0.5, 0.5]]))


def test_oco_observation_is_zero_after_reset_and_the_reward_is_minus_the_loss():
    """After an episode the last gradient is not carried into the next: reset() observes zeros (no round yet).
    Every step's reward is -f_t(x_t) and its observation the gradient reported in info."""
    gym_env = environments.make("sea_quadratic", dim=2).gym(horizon=2)
    gym_env.reset(seed=3)
    for _ in range(2):
        obs, reward, _, _, info = gym_env.step(np.array([0.3, -0.2]))
        assert reward == -info["loss"]
        np.testing.assert_array_equal(obs, info["gradient"])
    assert np.any(obs != 0.0)
    obs, _ = gym_env.reset(seed=4)
    np.testing.assert_array_equal(obs, [0.0, 0.0])


def test_constructor_seed_serves_one_reset_only_and_a_vector_reset_without_seed_starts_it():
    """GymEnv(seed=5): the first reset() plays seed 5, the next reset() draws another seed (5 again with chance
    2^-31).  GymVectorEnv.reset() without a seed numbers its sub-environments 0, 1 and may then step."""
    gym_env = environments.make("bernoulli", means=[0.3, 0.6]).gym(seed=5, horizon=2)
    assert gym_env.reset()[1]["seed"] == 5
    assert gym_env.reset()[1]["seed"] != 5
    from environments.gym import as_vector_env

    venv = as_vector_env(environments.make("bernoulli", means=[0.3, 0.6]), num_envs=2, horizon=2)
    assert list(venv.reset()[1]["seed"]) == [0, 1]
    assert venv.step(np.array([0, 1]))[4]["_loss"].all()


def test_user_loss_refuses_a_zero_radius_and_a_zero_dimension_by_name():
    """X needs radius > 0 (a set of one point has no interior to learn on) and dimension d >= 1."""
    from olearn.core.kernel import kernel

    @kernel
    def flat(x, g, t, seed):
        for i in range(x.size):
            g[i] = 0.0
        return 0.0

    for kw, name in (({"radius": 0.0}, "radius"), ({"dim": 0}, "dim")):
        with pytest.raises(ParameterError) as err:
            _user_loss(flat, **kw)
        assert err.value.name == name
