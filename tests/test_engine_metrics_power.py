"""The engine's bookkeeping (olearn.engine.arms, scores, delays) against hand-computed values, python backend.

Best-arm identification (arms): a learner without a ``recommend`` kernel is judged on its most played arm,
the lowest index on ties (Bubeck, Munos and Stoltz 2009), so after one play of each of K arms J = 0, and an
arm played more than every other is J whatever its index (the last one included).  A ``recommend`` naming an
arm outside 0..K-1 falls back to that rule; one naming an arm k in range is taken as J = k.  simple_regret is
mu_max - mu_J on a Bernoulli world (means are of rewards, loss = 1 - reward), and ``misidentified`` is
1[simple_regret > 1e-12]: two means one ulp apart (0.7 and the next double, gap 1.1e-16) are the same arm
"rounding aside", while a gap of 0.005 is a wrong arm.  A stopping rule that fires after 0 rounds has
stopping time 0 (only -1, "not stopped", reads NaN).  dynamic_regret requested alone is still
sum_t mu_t(a_t) - sum_t min_k mu_t(k) (brute force from tests/reference.py's independent world laws), and
window_regret_<k> requested alone still compares with every arm's losses on the window (a hand-made loss
table); asked together with the best-arm metrics, each keeps its own slots (deterministic Bernoulli arms of
means 0 and 1, by hand).

Scores (online conformal): the round's loss is the pinball loss max(q (S - s), (1 - q)(s - S)), a round is
covered when S <= s (equality counts: the interval is closed), coverage is the covered fraction and width the
mean radius; all by hand below.

Delays: a delay sequence must be finite non-negative integers (inf and NaN are refused by name, as are negative
fixed and uniform bounds, and so are booleans, which are not integers), it must cover the horizon, and a zero
delay (0 or fixed(0)) is no delay at all.
"""
import math
from types import SimpleNamespace

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import scores

BEST_ARM = ["simple_regret", "misidentified", "stopping_time"]
PLAN = []  # the arms the planned learner plays, round by round (plain Python: python backend only)
ADVICE = [-1.0, -1.0]  # what the advising learner's recommend writes


def _init(state, params, seed):
    state[0] = 0.0


def _act(state, params, obs, t, seed, action):
    action[0] = PLAN[t]


def _update(state, params, obs, action, feedback, t, seed):
    pass


def _recommend(state, params, out):
    out[0] = ADVICE[0]
    out[1] = ADVICE[1]


_COMMON = dict(feedback="bandit", params=(Param("n_arms", None, "arms", kind="int", low=1, optional=True),),
               state_size=lambda v, k, d: 1, row=lambda v, k, d, h: [k], init=_init, act=_act, update=_update)
PLANNED = LearnerType(name="planned", summary="plays PLAN", **_COMMON)
ADVISING = LearnerType(name="advising", summary="plays PLAN, recommends ADVICE", recommend=_recommend, **_COMMON)


def _judge(learner, means, plan, checkpoints):
    PLAN[:] = plan
    env = environments.make("bernoulli", means=means)
    return olearn.run(learner.make(), env, horizon=len(plan), seeds=[0], backend="python", metrics=BEST_ARM,
                      checkpoints=checkpoints, progress=False).values[0, 0]


def test_most_played_recommendation_takes_the_lowest_index_on_ties_and_can_be_the_last_arm():
    means = np.array([0.2, 0.9, 0.5])  # arm 1 is best; J = 0 gives 0.7, J = 2 gives 0.4
    plan = [0, 1, 2, 2, 2, 1, 1]  # after 3 rounds all tied (J = 0); after 5, arm 2 leads (J = 2);
    # after 7, arms 1 and 2 tie at 3 plays (J = 1, the lower index)
    got = _judge(PLANNED, means, plan, [3, 5, 7])
    np.testing.assert_allclose(got[:, 0], [0.7, 0.4, 0.0], atol=1e-15)
    np.testing.assert_array_equal(got[:, 1], [1.0, 1.0, 0.0])
    assert np.all(np.isnan(got[:, 2]))


def test_misidentified_forgives_rounding_but_not_a_small_gap():
    # arm 1's mean is the next double above 0.7: the loss 1 - mu is exact there (Sterbenz), so arm 0's simple
    # regret is one ulp of 0.7, 1.1e-16 > 0, yet arm 0 is "the same" arm as the best, rounding aside
    rounding = _judge(PLANNED, [0.7, float(np.nextafter(0.7, 1.0))], [0] * 4, [4])[0]
    assert 0.0 < rounding[0] < 1e-15 and rounding[1] == 0.0
    small_gap = _judge(PLANNED, [0.5, 0.505], [0] * 4, [4])[0]
    assert small_gap[0] == pytest.approx(0.005, abs=1e-15) and small_gap[1] == 1.0


def test_a_recommend_in_range_is_taken_and_one_out_of_range_falls_back_to_the_most_played_arm():
    means = [0.2, 0.9, 0.5, 0.4]
    plan = [3, 3, 0, 3]  # most played: arm 3 (regret 0.5)
    for advice, want in [(1.0, 0.0), (2.0, 0.4), (4.0, 0.5), (-1.0, 0.5)]:
        ADVICE[:] = [advice, -1.0]
        got = _judge(ADVISING, means, plan, [4])[0]
        assert got[0] == pytest.approx(want, abs=1e-15), advice
        assert math.isnan(got[2])


def test_a_stopping_rule_that_fires_at_round_zero_has_stopping_time_zero():
    for stop, want in [(0.0, 0.0), (3.0, 3.0)]:
        ADVICE[:] = [1.0, stop]
        got = _judge(ADVISING, [0.2, 0.9], [0, 0, 0], [3])[0]
        assert got[2] == want and got[0] == 0.0 and got[1] == 0.0


@pytest.mark.parametrize("metrics", [["dynamic_regret"], ["pseudo_regret"], ["counts", "dynamic_regret"]])
def test_mean_regrets_requested_alone_match_brute_force(metrics):
    """piecewise_bernoulli (non-stationary): pseudo = sum mu(a_t) - min_k sum mu_t(k), dynamic = sum mu(a_t) -
    sum_t min_k mu_t(k), from the reference world law, whatever else is requested."""
    H = 24
    env = environments.make("piecewise_bernoulli", means=[[0.9, 0.1, 0.5], [0.1, 0.9, 0.5]], change_points=[10])
    PLAN[:] = [(t * t + t // 5) % 3 for t in range(H)]
    res = olearn.run(PLANNED.make(), env, horizon=H, seeds=[1], backend="python", metrics=metrics,
                     checkpoints=[5, 10, 24], progress=False)
    mean_of = reference.env_mean_loss(env, 1)
    M = np.array([[mean_of(t, a) for a in range(3)] for t in range(H)])
    acts = np.array(PLAN)
    for i, r in enumerate([5, 10, 24]):
        row = dict(zip(res.columns, res.values[0, 0, i]))
        played = M[np.arange(r), acts[:r]].sum()
        name = [m for m in metrics if m != "counts"][0]
        want = played - (M[:r].min(axis=1).sum() if name == "dynamic_regret" else M[:r].sum(axis=0).min())
        assert row[name] == pytest.approx(want, abs=1e-12), (name, r)


def test_window_regret_requested_alone_keeps_every_arms_losses():
    """K = 2, losses by round (1,0) (0,1) (1,0) (1,0) (0,1), arm 0 played throughout (played 1,0,1,1,0).
    Windows of 2 rounds: (1,2) played 1, arms (1,1): 0; (2,3) 1 - 1 = 0; (3,4) 2 - min(2,0) = 2; (4,5) 1 - 1 = 0.
    So window_regret_2 after rounds 1..5 is NaN, 0, 0, 2, 2 (the running maximum), with no other metric asked."""
    losses = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 1]], dtype=float)
    PLAN[:] = [0] * 5
    env = environments.make("loss_matrix", losses=losses)
    res = olearn.run(PLANNED.make(), env, horizon=5, seeds=[0], backend="python", metrics=["window_regret_2"],
                     checkpoints=[1, 2, 3, 4, 5], progress=False)
    assert res.columns == ["window_regret_2"]
    np.testing.assert_array_equal(res.values[0, 0, :, 0], [math.nan, 0.0, 0.0, 2.0, 2.0])


def test_best_arm_slots_do_not_overlap_the_window_sums():
    """Bernoulli means (0, 1): arm 0 always loses 1, arm 1 always 0.  Plan 1,0,1,1,0,0: played losses
    0,1,0,0,1,1; two-round windows against arm 1 (window loss 0) regret 1,1,0,1,2, so window_regret_2 after
    rounds 1..6 is NaN,1,1,1,1,2.  Most played arm (lowest index on ties): 1,0,1,1,1,0, simple regret
    0,1,0,0,0,1; no stopping rule, so stopping_time is NaN throughout."""
    PLAN[:] = [1, 0, 1, 1, 0, 0]
    env = environments.make("bernoulli", means=[0.0, 1.0])
    res = olearn.run(PLANNED.make(), env, horizon=6, seeds=[0], backend="python", progress=False,
                     metrics=["window_regret_2"] + BEST_ARM, checkpoints=[1, 2, 3, 4, 5, 6])
    got = res.values[0, 0]
    np.testing.assert_array_equal(got[:, 0], [math.nan, 1, 1, 1, 1, 2])
    np.testing.assert_array_equal(got[:, 1], [0, 1, 0, 0, 0, 1])
    np.testing.assert_array_equal(got[:, 2], [0, 1, 0, 0, 0, 1])
    assert np.all(np.isnan(got[:, 3]))


# ---------------------------------------------------------------- scores (pinball loss, coverage, width)


def test_score_bookkeeping_is_the_pinball_loss_closed_coverage_and_mean_width():
    """q = 0.9.  Rounds (S, s): (2, 1) loss 0.9*1 = 0.9, not covered; (2, 3) loss 0.1*1 = 0.1, covered;
    (1.5, 1.5) loss 0, covered (S <= s with equality); (4, 0) loss 0.9*4 = 3.6, not covered.
    After 4 rounds: loss 4.6, coverage 2/4, width (1 + 3 + 1.5 + 0) / 4 = 1.375."""
    S, radii = [2.0, 2.0, 1.5, 4.0], [1.0, 3.0, 1.5, 0.0]
    env_type = SimpleNamespace(loss=lambda es, ep, obs, t, seed, k: S[t], advance=lambda *a: None)
    interact, record, _ = scores.make_interaction(env_type, None, ["loss", "coverage", "width"])
    stats, fb, out = np.zeros(scores.n_stats(None)), np.zeros(1), np.zeros(3)
    losses = [interact(None, None, None, np.array([radii[t], 0.9]), t, 0, fb, stats) for t in range(4)]
    np.testing.assert_allclose(losses, [0.9, 0.1, 0.0, 3.6], atol=1e-12)
    assert fb[0] == 4.0
    record(stats, None, out)
    np.testing.assert_allclose(out, [4.6, 0.5, 1.375], atol=1e-12)
    assert scores.metric_columns(["width", "loss"], None) == ["loss", "width"]


# ---------------------------------------------------------------- delays: what is refused, what is no delay


def test_delays_refuse_non_finite_and_negative_values_by_name():
    for bad in ([0, math.inf], [math.nan, 1], [-math.inf], [True, False]):
        with pytest.raises(olearn.ParameterError, match="'sequence'"):
            olearn.delays.sequence(bad)
    for make in (olearn.delays.fixed, olearn.delays.uniform):
        with pytest.raises(olearn.ParameterError):
            make(-1)
    assert olearn.delays.uniform(0).max_delay == 0 and olearn.delays.sequence([0, 2, 1]).max_delay == 2


def test_a_delay_sequence_must_cover_the_horizon_and_a_zero_delay_is_none():
    env = environments.make("bernoulli", means=[0.2, 0.8])
    with pytest.raises(olearn.ParameterError, match="horizon = 5"):
        olearn.run(olearn.make("ucb1"), env, horizon=5, seeds=1, backend="python",
                   delay=olearn.delays.sequence([0] * 4))
    olearn.delays.sequence([0] * 5).check_horizon(5)  # exactly enough
    assert olearn.delays.as_delay(0) is None and olearn.delays.as_delay(olearn.delays.fixed(0)) is None
    assert olearn.delays.as_delay(3) == olearn.delays.fixed(3)
