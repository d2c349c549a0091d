"""Environment generators (stochastic, adversarial, rotting, sleeping, classification, score streams) against their
documented laws and parameter ranges, calling the kernels in plain Python (no compilation).

* Ranges.  A standard deviation is >= 0 (gaussian's and the rotting worlds' ``sigma``); a Bernoulli mean is in
  [0, 1]; ``gap`` is at most 1/2, since the good arm's mean loss 1/2 - gap and the good expert's U[0, 1 - 2 gap]
  must stay in [0, 1]; piecewise change points are K - 1 whole rounds, strictly increasing, from 1 (round 0 is
  segment 0's); a sleeping arm's waking probability is in (0, 1], one per arm, and a sleeping matrix's mask has
  its losses' shape; a score is >= 0; a period is >= 1 round; a scale is > 0.
* Piecewise.  Row s of ``means`` holds on rounds [c_{s-1}, c_s) (c_{-1} = 0), so the segment of round t is the
  number of change points <= t, and the best mean loss is min_k 1 - means[seg(t), k], whatever its size.
* Loss matrices.  The best loss of round t is min_k losses[t, k] (over the awake arms for sleeping matrices); a
  T x K matrix (or a score sequence of T scores) defines rounds 0 .. T - 1 only, and a world has >= 1 arm.
* Rotting.  The greedy oracle plays the largest current mean, lowest index on ties, even when every mean is
  negative; reset zeroes both the learner's and the oracle's play counts; a table may start an arm higher than
  the arm before it (only each row must not increase), and holds at most 10^6 plays per arm (pulls <= 999,999).
* Classification.  Bundled data: each column standardized (mean 0, variance 1, constant columns left at 0),
  then each row scaled to norm 1; labels must be one per row of features; with no data given it is iris
  (150 x 4, 3 classes).
* Score streams.  |sigma Z| with the same draw Z at (seed, t): dividing a stream by the same stream at scale 1
  leaves the schedule, sigma_j = scales[(t // period) mod n] for change points and the triangle wave
  sigma_t = start + (end - start) (1 - |(t mod 2P) - P| / P) for drift; heavy_tail is scale |t_nu|, so at nu = 1
  (Cauchy) P(score / scale > 1) = 1/2 and at nu = 4 it is 2 sf_t(1; 4) = 0.3739.
"""
import math
import sys

import numpy as np
import pytest

import environments
import environments.score_streams as streams
import olearn
from environments import adversarial, classification, rotting, sleeping, stochastic
from olearn.core.errors import ParameterError


def _refused(name, param, make=environments.make, **values):
    with pytest.raises(ParameterError) as err:
        make(name, **values)
    assert err.value.name == param, err.value


# ---------------------------------------------------------------- ranges


def test_a_negative_standard_deviation_is_refused_and_zero_is_not():
    _refused("gaussian", "sigma", means=[0.2, 0.8], sigma=-0.5)
    _refused("rotting", "sigma", means=[[0.5, 0.1]], sigma=-0.5)
    _refused("abrupt_rotting", "sigma", sigma=-1e-9)
    for name in ("gaussian", "rotting", "abrupt_rotting"):
        environments.make(name, sigma=0.0)


def test_bernoulli_means_and_the_gap_stay_within_their_laws():
    _refused("bernoulli", "means", means=[0.5, 1.2])
    _refused("bernoulli", "means", means=[-0.1, 0.5])
    for name in ("lower_bound", "experts", "switching"):
        _refused(name, "gap", gap=0.6)
        environments.make(name, gap=0.5)


@pytest.mark.parametrize("cps", [[5, 5], [3], [4.5, 9], [0, 9], [9, 5]])
def test_piecewise_change_points_are_k_minus_1_increasing_whole_rounds_from_1(cps):
    means = [[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]]
    _refused("piecewise_bernoulli", "change_points", means=means, change_points=cps)
    environments.make("piecewise_bernoulli", means=means, change_points=[1, 9])


def test_sleeping_awake_needs_one_probability_in_0_1_per_arm_and_a_mask_the_shape_of_the_losses():
    _refused("sleeping_bernoulli", "awake", means=[0.5, 0.6], awake=[0.5, 0.5, 0.5])
    _refused("sleeping_bernoulli", "awake", means=[0.5, 0.6], awake=[1.0, 0.0])
    environments.make("sleeping_bernoulli", means=[0.5, 0.6], awake=[1.0, 1e-9])
    _refused("sleeping_loss_matrix", "awake", losses=[[0.0, 1.0], [1.0, 0.0]], awake=[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])


def test_stream_periods_are_whole_positive_rounds_and_scores_are_nonnegative():
    _refused("change_points", "period", streams.make, period=0)
    _refused("drift", "period", streams.make, period=0)
    _refused("score_sequence", "scores", streams.make, scores=[0.5, -0.1])
    _refused("drift", "end", streams.make, end=0.0)
    _refused("drift", "start", streams.make, start=0.0)
    _refused("heavy_tail", "scale", streams.make, scale=0.0)


def test_a_score_sequence_defines_exactly_its_rounds():
    env = streams.make("score_sequence", scores=[0.5, 1.0, 0.2])
    olearn.run(olearn.conformal.make("aci"), env, horizon=3, backend="python")
    with pytest.raises(ParameterError) as err:
        olearn.run(olearn.conformal.make("aci"), env, horizon=4, backend="python")
    assert err.value.name == "horizon"


def test_a_loss_matrix_defines_exactly_its_rounds():
    env = environments.make("loss_matrix", losses=[[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    olearn.run(olearn.make("hedge"), env, horizon=3, backend="python")
    with pytest.raises(ParameterError) as err:
        olearn.run(olearn.make("hedge"), env, horizon=4, backend="python")
    assert err.value.name == "horizon"


def test_a_world_has_at_least_one_arm():
    for name, param in (("switching", "n_arms"), ("lower_bound", "n_arms"), ("experts", "n_experts")):
        _refused(name, param, **{param: 0})
        assert environments.make(name, **{param: 1}).n_actions == 1


# ---------------------------------------------------------------- stochastic and adversarial


def test_piecewise_means_and_best_follow_the_segment_of_each_round():
    """Every mean <= 0.4 in the middle segment: the best mean loss there is >= 0.6 (none is 1/2 or less)."""
    means = np.array([[0.9, 0.1, 0.5], [0.3, 0.4, 0.1], [0.0, 0.2, 0.05]])
    cps = [4, 11]
    env = environments.make("piecewise_bernoulli", means=means, change_points=cps)
    row = env.row()
    for t in range(16):
        seg = sum(1 for c in cps if t >= c)
        for k in range(3):
            assert stochastic.piecewise_mean_loss(None, row, None, t, k) == pytest.approx(1.0 - means[seg, k], abs=1e-15)
        best = stochastic.piecewise_best_mean_loss(None, row, None, t)
        assert best == pytest.approx(1.0 - means[seg].max(), abs=1e-15), t


def test_a_loss_matrix_loss_and_mean_are_its_entry_and_the_best_is_the_rounds_smallest():
    losses = np.array([[0.3, 0.2, 0.9], [1.0, 1.0, 0.4], [0.0, 0.7, 0.7], [0.6, 0.6, 0.6]])
    row = environments.make("loss_matrix", losses=losses).row()
    for t in range(4):
        assert adversarial.matrix_best_loss(None, row, None, t) == losses[t].min()
        for k in range(3):
            assert adversarial.matrix_loss(None, row, None, t, 0, k) == losses[t, k]
            assert adversarial.matrix_mean_loss(None, row, None, t, k) == losses[t, k]  # a given loss is its own mean


def test_a_sleeping_matrix_best_loss_is_over_the_awake_arms_only():
    losses = np.array([[0.1, 0.5, 0.9], [0.8, 0.2, 0.3], [0.0, 0.0, 0.6]])
    awake = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    env = environments.make("sleeping_loss_matrix", losses=losses, awake=awake)
    row, obs = env.row(), np.zeros(3)
    for t in range(3):
        sleeping.matrix_awake(None, row, t, 0, obs)
        np.testing.assert_array_equal(obs, awake[t])
        assert sleeping.sleeping_matrix_best_loss(None, row, obs, t) == losses[t][awake[t] > 0].min()


# ---------------------------------------------------------------- rotting


def _state(k):
    return np.zeros(2 * k)


def test_rotting_reset_zeroes_the_learners_and_the_oracles_counts():
    env = environments.make("rotting", means=[[0.9, 0.5], [0.6, 0.6], [0.3, 0.1]])
    state = np.arange(1.0, 7.0)
    rotting.rotting_reset(state, env.row(), 0)
    np.testing.assert_array_equal(state, np.zeros(6))


def test_the_greedy_oracle_breaks_ties_to_the_lowest_index():
    """Arms 1 and 2 tie at 0.7 above arm 0: the oracle plays 1 (the lowest tied index), then 2 (arm 1 fell to 0.2)."""
    env = environments.make("rotting", means=[[0.5, 0.5], [0.7, 0.2], [0.7, 0.2]], sigma=0.0)
    row, state = env.row(), _state(3)
    played = []
    for t in range(3):
        played.append(rotting.oracle_arm(state, row))
        rotting.rotting_advance(state, row, None, 0, 0.0, t, 0)
    assert played == [1, 2, 0]
    np.testing.assert_array_equal(state, [3, 0, 0, 1, 1, 1])  # the learner played arm 0 three times


def test_the_greedy_oracle_takes_the_largest_mean_when_every_mean_is_negative():
    """Arm 1 plays -0.2 then -0.9 from its second play on, arm 0 -0.6 throughout: the oracle's rewards are
    -0.2, then -0.6 for ever (arm 0's held value beats arm 1's -0.9), so its mean losses are 1.2, 1.6, 1.6, 1.6."""
    env = environments.make("rotting", means=[[-0.6, -0.6], [-0.2, -0.9]], sigma=0.0)
    row, state = env.row(), _state(2)
    best = []
    for t in range(4):
        best.append(rotting.oracle_mean_loss(state, row, None, t))
        rotting.rotting_advance(state, row, None, 0, 0.0, t, 0)
    np.testing.assert_allclose(best, [1.2, 1.6, 1.6, 1.6], rtol=0, atol=1e-15)


def test_a_rotting_table_bounds_rows_not_columns_and_holds_a_million_plays():
    environments.make("rotting", means=[[0.1, 0.1], [0.5, 0.4]])  # arm 1 starts above arm 0: allowed
    environments.make("rotting", means=np.zeros((1, rotting.MAX_PLAYS_TABLE)))
    _refused("rotting", "means", means=np.zeros((1, rotting.MAX_PLAYS_TABLE + 1)))
    environments.make("abrupt_rotting", before=[0.0, 0.0], after=[0.0, 0.0], pulls=[rotting.MAX_PLAYS_TABLE - 1, 0])
    _refused("abrupt_rotting", "pulls", before=[0.0, 0.0], after=[0.0, 0.0], pulls=[rotting.MAX_PLAYS_TABLE, 0])


def test_abrupt_rotting_needs_one_after_per_arm_and_refuses_any_rise():
    _refused("abrupt_rotting", "after", before=[0.5, 0.0], after=[-0.5], pulls=[3, 0])
    _refused("abrupt_rotting", "after", before=[0.5, 0.0], after=[-0.5, 0.1], pulls=[3, 0])


# ---------------------------------------------------------------- classification


def test_classification_needs_one_label_per_row():
    _refused("classification", "labels", features=[[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], labels=[0, 1])


def test_the_default_classification_data_is_iris(monkeypatch):
    """With no data given the world loads iris; its row starts [K, n, d] of the data loaded (a stand-in for
    scikit-learn's loader here: 3 examples, 2 features, labels up to 4, so K = 5)."""
    asked = []

    def fake(name):
        asked.append(name)
        return np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]), np.array([0, 4, 2])

    monkeypatch.setattr(classification, "bundled", fake)
    env = environments.make("classification")
    assert (env.n_actions, env.obs_dim) == (5, 2)
    assert env.row()[:3].tolist() == [5.0, 3.0, 2.0]
    assert set(asked) == {"iris"}


def test_bundled_features_are_standardized_columns_then_unit_rows(monkeypatch):
    """A stand-in for scikit-learn's iris loader (no import of scikit-learn) with columns a = (0, 2, 4), b = (1, 1, 4)
    and a constant c = 7.  Standardized (population variance): a -> (-1, 0, 1) sqrt(3/2), b -> (-1, -1, 2) / sqrt(2),
    c -> 0; rows scaled to norm 1: (-sqrt(3) / 2, -1/2, 0), (0, -1, 0), (sqrt(3/7), 2 / sqrt(7), 0)."""
    import types

    data = types.SimpleNamespace(data=[[0.0, 1.0, 7.0], [2.0, 1.0, 7.0], [4.0, 4.0, 7.0]], target=[0, 1, 1])
    fake = types.ModuleType("sklearn")
    fake.datasets = types.SimpleNamespace(load_iris=lambda: data)
    monkeypatch.setitem(sys.modules, "sklearn", fake)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", fake.datasets)
    x, y = classification.bundled.__wrapped__("iris")  # the uncached loader: the cache keeps the real data sets
    want = [[-math.sqrt(3) / 2, -0.5, 0.0], [0.0, -1.0, 0.0], [math.sqrt(3 / 7), 2 / math.sqrt(7), 0.0]]
    np.testing.assert_allclose(x, want, rtol=0, atol=1e-15)
    assert y.tolist() == [0, 1, 1] and y.dtype == np.int64


# ---------------------------------------------------------------- score streams

SEEDS_T = [(seed, t) for seed in (0, 3) for t in range(60)]


def _scores(env, kernel):
    row = env.row()
    return np.array([kernel(None, row, None, t, seed, 0) for seed, t in SEEDS_T])


def test_change_point_scales_switch_every_period_in_turn():
    scales, period = [1.0, 5.0, 0.5], 7
    got = _scores(streams.make("change_points", scales=scales, period=period), streams.change_points_score)
    unit = _scores(streams.make("change_points", scales=[1.0], period=period), streams.change_points_score)
    want = np.array([scales[(t // period) % 3] for _, t in SEEDS_T])
    np.testing.assert_allclose(got / unit, want, rtol=1e-14)


def test_drift_scale_is_the_triangle_wave_from_start_to_end_and_back():
    start, end, period = 0.5, 3.0, 9
    got = _scores(streams.make("drift", start=start, end=end, period=period), streams.drift_score)
    unit = _scores(streams.make("drift", start=1.0, end=1.0, period=period), streams.drift_score)
    want = np.array([start + (end - start) * (1.0 - abs(t % (2 * period) - period) / period) for _, t in SEEDS_T])
    np.testing.assert_allclose(got / unit, want, rtol=1e-13)


def test_heavy_tail_is_scale_times_the_absolute_student_t():
    """scale 3 is 3 times scale 1, draw for draw.  P(|t_1| > 1) = 1/2 (Cauchy: F(1) = 1/2 + atan(1) / pi = 3/4) and
    P(|t_4| > 1) = 2 (1 - F(1)) with the t_4 cdf F(x) = 1/2 + (3/8) (x / s) (1 - x^2 / (12 s^2)), s = sqrt(1 + x^2 / 4):
    0.3739; each within 4 binomial standard errors over 1,200 draws (a sqrt(2) or 1 / sqrt(nu) slip moves them
    to 0.61 / 0.52 and 0.12)."""
    unit = _scores(streams.make("heavy_tail", scale=1.0, nu=4.0), streams.heavy_tail_score)
    three = _scores(streams.make("heavy_tail", scale=3.0, nu=4.0), streams.heavy_tail_score)
    np.testing.assert_allclose(three, 3.0 * unit, rtol=1e-14)
    s = math.sqrt(1.0 + 1.0 / 4.0)
    t4 = 2.0 * (1.0 - (0.5 + 0.375 / s * (1.0 - 1.0 / (12.0 * s * s))))
    n = 1200
    for nu, p in ((1.0, 0.5), (4.0, t4)):
        row = streams.make("heavy_tail", nu=nu).row()
        draws = np.array([streams.heavy_tail_score(None, row, None, t, seed, 0) for seed in range(4) for t in range(n // 4)])
        assert abs(np.mean(draws > 1.0) - p) < 4.0 * math.sqrt(p * (1 - p) / n), (nu, np.mean(draws > 1.0), p)
