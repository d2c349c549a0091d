"""Off-policy estimators and logs (olearn.offpolicy) against hand-computed values on tiny logs; no compiles.

* Standard errors: the sample standard deviation needs two events, so with n = 1 every estimator (IPS, the direct
  method, doubly robust, SNIPS) reports an infinite standard error, never NaN or 0.
* ``Estimate.interval(z)`` is value -/+ z stderr (symmetric), and z must be > 0 (the low end is open).
* A target policy is a row-stochastic n x K matrix: every entry >= 0 and each row summing to 1 (to 1e-9); a row like
  (1.5, -0.5) sums to 1 but is not a policy, and (0.6, 0.4005) is off by 5e-4 and (0.5, 0.4) by -0.1.  A loss model must be finite.
* ``fit_loss_model`` with no contexts: X is the column of ones, the intercept is not penalized, so each arm's
  prediction is its mean logged loss over the fitting blocks; the blocks are contiguous (event i in block
  floor(i folds / n)), the default is folds = 2, an arm absent from the fitting blocks gets the mean of all their
  losses, and folds must lie in [1, n].  The direct method with model=None uses that default model.
* ``Logs``: propensities lie in [1e-100, 1] (the reciprocal must stay finite), actions in [0, K); a 1-d context of n numbers is one column.
* ``Logs.from_frame``: a reward column gives loss = 1 - reward; the default n_arms is 1 + the largest arm; the
  default context columns x0, x1, ..., x10 are taken in numeric order (x10 after x2, not after x1).
* ``collect``'s logging policy: K positive probabilities summing to 1 (to 1e-9), or ONE configuration of a bandit
  learner that reports its arm's probability (action_dim >= 2: exp3 does, ucb1 does not); all refused by name
  before anything runs.
* ``replay`` (python backend): by default horizon = max(1, floor(n p_min)); kept never exceeds horizon, so a seed
  that kept horizon events has ``reached`` 1, and the events read at the last checkpoint are all it read (it stops
  right after keeping its horizon-th event); ``average_loss`` is the mean over seeds of total / kept; shuffle must
  be a bool.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import offpolicy
from olearn.core.errors import ParameterError


def _log4():
    # w for target "always arm 0": (2, 0, 4, 0)
    return offpolicy.Logs(None, [0, 1, 0, 1], [1.0, 0.0, 0.5, 1.0], [0.5, 0.5, 0.25, 0.75], n_arms=2)


def _log3():
    # K = 3, arms (0, 1, 0, 2): the first half lacks arm 2, the second half lacks arm 1
    return offpolicy.Logs(None, [0, 1, 0, 2], [1.0, 0.0, 0.5, 0.25], [0.5, 0.25, 0.5, 0.25], n_arms=3)


def test_one_event_gives_an_infinite_standard_error_for_every_estimator():
    one = offpolicy.Logs(None, [0], [0.5], [0.5], n_arms=2)
    target = [[1.0, 0.0]]
    q = [[0.25, 0.75]]
    for est in (offpolicy.ips(one, target), offpolicy.snips(one, target), offpolicy.direct(one, target, q),
                offpolicy.doubly_robust(one, target, q)):
        assert est.n == 1 and math.isinf(est.stderr) and est.stderr > 0
    assert offpolicy.ips(one, target).value == 1.0  # w = 1 / 0.5 = 2, times 0.5
    assert offpolicy.doubly_robust(one, target, q).value == 0.25 + 2 * (0.5 - 0.25)


def test_interval_is_symmetric_and_z_zero_is_refused():
    lo, hi = offpolicy.Estimate(0.5, 0.1, 4).interval()
    assert lo == pytest.approx(0.5 - 0.196, abs=1e-15) and hi == pytest.approx(0.5 + 0.196, abs=1e-15)
    assert offpolicy.Estimate(0.5, 0.1, 4).interval(z=1.0) == pytest.approx((0.4, 0.6), abs=1e-15)
    with pytest.raises(ParameterError, match="'z'"):
        offpolicy.Estimate(0.5, 0.1, 4).interval(z=0.0)


@pytest.mark.parametrize("target", [[[1.5, -0.5]] * 4, [[0.6, 0.4005]] * 4, [[0.5, 0.4]] * 4])
def test_a_target_that_is_not_a_probability_matrix_is_refused(target):
    with pytest.raises(ParameterError) as err:
        offpolicy.ips(_log4(), target)
    assert err.value.name == "target"


def test_a_loss_model_with_nan_is_refused():
    q = np.full((4, 2), 0.5)
    q[2, 1] = np.nan
    for fn in (offpolicy.direct, offpolicy.doubly_robust):
        with pytest.raises(ParameterError) as err:
            fn(_log4(), [[1.0, 0.0]] * 4, model=q)
        assert err.value.name == "model"


def test_fit_loss_model_predicts_each_contiguous_block_from_the_others():
    """folds = 2 on n = 4: events 0, 1 from events 2, 3 (arm 0: 0.5, arm 2: 0.25, arm 1 absent: mean 0.375),
    events 2, 3 from events 0, 1 (arm 0: 1.0, arm 1: 0.0, arm 2 absent: mean 0.5)."""
    want = np.array([[0.5, 0.375, 0.25]] * 2 + [[1.0, 0.0, 0.5]] * 2)
    np.testing.assert_allclose(offpolicy.fit_loss_model(_log3(), folds=2), want, atol=1e-12)
    np.testing.assert_allclose(offpolicy.fit_loss_model(_log3()), want, atol=1e-12)  # the default is 2 folds
    # one fold: each arm's mean over the whole log
    np.testing.assert_allclose(offpolicy.fit_loss_model(_log3(), folds=1), np.tile([0.75, 0.0, 0.25], (4, 1)), atol=1e-12)


def test_the_direct_method_without_a_model_uses_the_cross_fitted_model():
    # target: always arm 1, q[:, 1] = (0.375, 0.375, 0.0, 0.0) by the folds above: DM = 0.1875
    target = [[0.0, 1.0, 0.0]] * 4
    assert offpolicy.direct(_log3(), target).value == pytest.approx(0.1875, abs=1e-12)
    # DR adds w_i (l_i - q_i1) on the one arm-1 event (i = 1, w = 1 / 0.25 = 4, residual 0 - 0.375): 0.1875 - 1.5 / 4
    assert offpolicy.doubly_robust(_log3(), target).value == pytest.approx(0.1875 - 0.375, abs=1e-12)


def test_more_folds_than_events_is_refused():
    with pytest.raises(ParameterError) as err:
        offpolicy.fit_loss_model(_log4(), folds=5)
    assert err.value.name == "folds"
    assert offpolicy.fit_loss_model(_log4(), folds=4).shape == (4, 2)


def test_logs_refuse_a_propensity_above_one_and_an_empty_log():
    with pytest.raises(ParameterError) as err:
        offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 1.5], n_arms=2)
    assert err.value.name == "propensities"
    assert len(offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 1.0], n_arms=2)) == 2  # 1 itself is a propensity
    with pytest.raises(ParameterError) as err:
        offpolicy.Logs(None, np.zeros(0, dtype=np.int64), [], [], n_arms=2)
    assert err.value.name == "actions"


def test_a_one_dimensional_context_is_one_column():
    logs = offpolicy.Logs(np.array([0.1, 0.2, 0.3]), [0, 1, 0], [0.1, 0.2, 0.3], [0.5] * 3, n_arms=2)
    assert logs.contexts.shape == (3, 1) and logs.obs_dim == 1
    np.testing.assert_array_equal(logs.contexts[:, 0], [0.1, 0.2, 0.3])


def test_from_frame_reads_x_columns_in_numeric_order_and_refuses_fractional_arms():
    pd = pytest.importorskip("pandas")
    cols = {f"x{j}": [float(j), float(j) + 0.5] for j in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)}
    frame = pd.DataFrame({**cols, "action": [0, 1], "loss": [0.1, 0.2], "propensity": [0.5, 0.5]})
    logs = offpolicy.Logs.from_frame(frame)
    np.testing.assert_array_equal(logs.contexts[0], np.arange(11.0))  # x0, x1, ..., x10
    bad = frame.assign(action=[0.5, 1.0])
    with pytest.raises(ParameterError) as err:
        offpolicy.Logs.from_frame(bad, n_arms=2)
    assert err.value.name == "actions"


@pytest.mark.parametrize("logging", [[0.5, 0.45], "ucb1", "exp3_grid"])
def test_collect_refuses_a_logging_policy_that_is_not_one_known_distribution(logging):
    env = environments.make("bernoulli", means=[0.2, 0.8])
    if logging == "ucb1":
        logging = olearn.make("ucb1")  # deterministic: reports no probability for its arm
    elif logging == "exp3_grid":
        logging = olearn.make("exp3", eta=[0.1, 0.2])  # two logging policies for one log
    with pytest.raises(ParameterError) as err:
        offpolicy.collect(env, n=10, seed=0, logging=logging, backend="python")
    assert err.value.name == "logging"


def _small_replay(**kwargs):
    # 120 events over 2 arms stated at propensity 1/4 (p_min = 1/4, every event accepted): about 60 match the learner's
    # arm, far more than the default horizon floor(120 / 4) = 30
    rng = np.random.default_rng(4)
    logs = offpolicy.Logs(None, rng.integers(0, 2, 120), rng.random(120), np.full(120, 0.25), n_arms=2)
    return logs, offpolicy.replay(olearn.make("ucb1"), logs, seeds=[0, 1, 2], backend="python", **kwargs)


def test_replay_default_horizon_stop_and_reached():
    logs, r = _small_replay(checkpoints=[10, 20], shuffle=True)
    assert r.horizon == 30 and list(r.checkpoints) == [10, 20, 30]  # floor(120 * 1/4)
    assert np.all(r.kept <= 30)
    done = r.kept == 30
    assert done.all()
    np.testing.assert_array_equal(r.reached(), done.mean(axis=1))
    np.testing.assert_array_equal(r.events[..., -1][done], r.read[done])  # stopped at the event that completed it
    np.testing.assert_allclose(r.average_loss(), [np.mean(r.total[0] / r.kept[0])], rtol=1e-15)
    # the loss at the checkpoints: the logged losses of the kept events, so at most one per kept event
    assert np.all(r.loss[..., 0] <= 10) and np.all(r.loss[..., 1] <= 20)


def test_replay_refuses_a_shuffle_that_is_not_a_bool():
    logs = offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], n_arms=2)
    with pytest.raises(ParameterError) as err:
        offpolicy.replay(olearn.make("ucb1"), logs, horizon=1, shuffle=1, backend="python")
    assert err.value.name == "shuffle"
