"""Index bandits of olearn.learners.bandits against closed forms and hand-computed states, python only.

Bernoulli kl(p, q) = p ln(p / q) + (1 - p) ln((1 - p) / (1 - q)) is +inf where q is 0 or 1 and p is not, and
kl(0, q) = -ln(1 - q), kl(1, q) = -ln q.  The KL-UCB index max{q in [p, 1] : kl(p, q) <= b} is p itself at b = 0
(kl(p, q) > 0 for q != p), which KL-UCB++ reaches once n_k >= T / K.  Means are clipped to [0, 1] before an index
is formed, so two arms whose raw means are 1 and 1.2 both have mean 1 and the KL-UCB index 1: an exact tie, which
goes to the lower index; IMED's leader is the arm at the clipped maximum 1, with index ln n.  UCB1-Tuned's variance
bound is V = var + sqrt(2 ln n / n_k) (Auer et al. 2002, section 4), which is below 1/4 once n_k > 32 ln n.
Successive elimination drops an arm only when mean + r(n) is strictly below the best mean - r(n), r(n) =
sqrt(2 ln T / n), T the horizon.  Bayes-UCB takes (ln T)^c as max(ln T, 1)^c, so at T <= e it is 1 whatever c.
Beta posteriors count rewards clipped to [0, 1] (S <= n).  The documented defaults (epsilon-greedy's epsilon 0.1,
Gaussian Thompson's sigma 1) are pinned against tests/reference.py's textbook learners, and the documented ranges at
their ends: UCB-V's range width b > 0, epsilon in [0, 1] (1 included), Tsallis-INF's shift in [-1e6, 1e6], n_arms >= 1.
"""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.core import rng
from olearn.learners import bandits

NO_OBS = np.zeros(0)


def _act(act, state, params, t):
    action = np.zeros(2)
    act(state, np.asarray(params, dtype=float), NO_OBS, t, 0, action)
    return int(action[0])


def test_bernoulli_kl_is_infinite_at_q_0_or_1_and_has_its_closed_forms_at_p_0_and_1():
    for p in (0.3, 1.0):
        assert bandits.bernoulli_kl(p, 0.0) == math.inf
    for p in (0.0, 0.3):
        assert bandits.bernoulli_kl(p, 1.0) == math.inf
    for q in (0.1, 0.4, 0.9):
        assert bandits.bernoulli_kl(0.0, q) == pytest.approx(-math.log(1.0 - q), rel=1e-14)
        assert bandits.bernoulli_kl(1.0, q) == pytest.approx(-math.log(q), rel=1e-14)
    assert bandits.bernoulli_kl(0.0, 0.0) == 0.0 and bandits.bernoulli_kl(1.0, 1.0) == 0.0


def test_kl_upper_at_a_zero_bound_is_the_mean_exactly():
    for p in (0.0, 0.2, 0.37, 0.5, 0.9, 1.0):
        assert bandits.kl_upper(p, 0.0) == p, p


def test_kl_ucb_exact_tie_of_clipped_means_goes_to_the_lowest_index():
    """Arm 0: 2 plays of reward 1 (mean 1); arm 1: 2 plays summing to 3 (raw mean 1.5, clipped to 1).  Both indices are
    exactly 1, so arm 0, though arm 1's raw mean leads."""
    for explore in (0.5, math.log(10.0)):
        assert bandits.kl_ucb_arm(np.array([2.0, 2.0, 2.0, 3.0]), 2, explore) == 0
        assert bandits.kl_ucb_arm(np.array([5.0, 1.0, 5.0, 1.2]), 2, explore) == 0


def test_imed_plays_the_leader_whose_mean_is_clipped_to_one():
    """Arm 1's raw mean 1.2 clips to 1 = the maximum: index ln 3; arm 0 at 0.5 has kl(0.5, 1) = inf: arm 1 is played."""
    assert _act(bandits.imed_act, np.array([2.0, 3.0, 1.0, 3.6]), [2], 10) == 1
    assert _act(bandits.imed_act, np.array([3.0, 2.0, 3.6, 1.0]), [2], 10) == 0


def test_ucb_tuned_variance_bound_is_sqrt_2_ln_n_over_n_below_one_quarter():
    """Zero variances; arm 0: 400 plays of 0.578125, arm 1: 100 plays of 0.5; n = t = 500.  V_0 = sqrt(2 ln 500 / 400)
    = 0.176 < 1/4 (arm 1's is capped at 1/4): the widths are 0.0523 and 0.1246, so arm 0 (index 0.6305 > 0.6246);
    with V_0 = sqrt(ln n / n_0) instead, arm 0's width would be 0.0441 and arm 1 would be played."""
    log_n = math.log(500.0)

    def hand(mean, n_k, v):
        return mean + math.sqrt(log_n / n_k * min(0.25, v))

    r0, r1 = 0.578125, 0.5
    assert hand(r0, 400, math.sqrt(2 * log_n / 400)) > hand(r1, 100, math.sqrt(2 * log_n / 100))
    assert hand(r0, 400, math.sqrt(log_n / 400)) < hand(r1, 100, math.sqrt(log_n / 100))  # the two rules disagree here
    state = np.array([400.0, 100.0, 400 * r0, 100 * r1, 400 * r0 * r0, 100 * r1 * r1])
    assert _act(bandits.ucb_tuned_act, state, [2], 500) == 0


def test_successive_elimination_keeps_an_arm_whose_upper_bound_equals_the_best_lower_bound():
    """ln T = 1/8 makes r(1) = sqrt(2 / 8) = 1/2 exactly: arm 0 mean 1 (lower bound 1/2), arm 1 mean 0 (upper bound 1/2):
    not strictly below, so it stays; at mean -0.25 (upper 1/4) it is dropped."""
    for loss, kept in ((1.0, True), (1.25, False)):
        state = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
        bandits.successive_elimination_update(state, np.array([2.0, 0.125]), NO_OBS, np.array([1.0]), np.array([loss]), 1, 0)
        assert state[4] == 1.0 and state[5] == (1.0 if kept else 0.0), loss


def test_successive_elimination_radius_uses_ln_of_the_horizon():
    """T = 100, arms alternate; arm 0 loses 0, arm 1 loses 0.859 (gap 0.859).  2 r(n) = 2 sqrt(2 ln 100 / n) is 0.8585 at
    n = 50 (0.8673 at 49): arm 1 is dropped after round 100 exactly (with ln(T + 1) it would be 0.8594: kept)."""
    assert 2 * math.sqrt(2 * math.log(100) / 50) < 0.859 < 2 * math.sqrt(2 * math.log(101) / 50)
    assert 0.859 < 2 * math.sqrt(2 * math.log(100) / 49)
    tuner = olearn.stepwise(olearn.make("successive_elimination", n_arms=2), seed=0, backend="python", horizon=100)
    for t in range(100):
        arm = tuner.act()
        assert arm == t % 2, t
        tuner.update(arm, 0.859 if arm else 0.0)
        assert tuner.state[5] == (0.0 if t == 99 else 1.0), t
    assert tuner.act() == 0  # arm 1 is out


def test_bayes_ucb_ln_horizon_is_floored_at_one():
    """max(ln T, 1)^c = 1 for T <= e: at horizons 1 and 2, c = 5 plays exactly as c = 0 (delta = 1 / t)."""
    env = environments.make("bernoulli", means=[0.4, 0.6])
    one = olearn.run(olearn.make("bayes_ucb", c=5.0), env, horizon=1, seeds=1, backend="python", trace=True)
    assert one.actions.tolist() == [[[0]]]
    losses = np.random.default_rng(1).random((40, 3))
    plays = []
    for c in (5.0, 0.0):
        tuner = olearn.stepwise(olearn.make("bayes_ucb", c=c, n_arms=3), seed=0, backend="python", horizon=2)
        acts = []
        for t in range(40):
            acts.append(tuner.act())
            tuner.update(acts[-1], float(losses[t, acts[-1]]))
        plays.append(acts)
    assert plays[0] == plays[1]


def test_bayes_ucb_counts_rewards_clipped_to_0_1():
    state = np.zeros(4)
    params = np.array([2.0])
    for arm, loss in ((0, -0.5), (0, 1.7), (1, 0.25)):  # rewards 1.5 -> 1, -0.7 -> 0, 0.75
        bandits.clipped_mean_update(state, params, NO_OBS, np.array([float(arm)]), np.array([loss]), 0, 0)
    np.testing.assert_array_equal(state, [2.0, 1.0, 1.0, 0.75])


@pytest.mark.parametrize("name, documented", [
    ("gaussian_thompson", lambda k, s: reference.GaussianThompson(k, sigma=1.0, seed=s)),
    ("epsilon_greedy", lambda k, s: reference.EpsilonGreedy(k, epsilon=0.1, seed=s)),
])
def test_default_parameters_play_as_the_documented_defaults(name, documented):
    """olearn.make(name) with no parameters against the textbook learner given the documented default (sigma = 1,
    epsilon = 0.1) explicitly, on random losses (T = 60, K = 4, two seeds)."""
    losses = np.round(np.random.default_rng(3).random((60, 4)), 3)
    env = environments.make("loss_matrix", losses=losses)
    res = olearn.run(olearn.make(name), env, horizon=60, seeds=[0, 7], backend="python", trace=True)
    for j, seed in enumerate([0, 7]):
        actions, _ = reference.play(documented(4, seed), lambda t, k: float(losses[t, k]), 4, 60)
        np.testing.assert_array_equal(res.actions[0, j], actions, err_msg=f"{name}, seed {seed}")


def test_ucb_v_refuses_a_zero_range_width():
    """UCB-V's b is the width of the reward range [0, b] (Audibert et al. 2009): b > 0, so 0 is refused by name."""
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("ucb_v", scale=0.0)
    assert err.value.name == "scale"
    olearn.make("ucb_v", scale=1e-9)


def test_epsilon_greedy_takes_epsilon_one_and_then_always_explores():
    """epsilon (no decay) is a probability in [0, 1]: 1 itself is allowed, and then every round plays the uniform arm
    floor(u K) of draw 1 (draw 0 < 1 always), never the greedy arm 0."""
    K, T, seed = 3, 20, 5
    env = environments.make("loss_matrix", losses=np.tile([0.0, 1.0, 1.0], (T, 1)))
    res = olearn.run(olearn.make("epsilon_greedy", epsilon=1.0), env, horizon=T, seeds=[seed], backend="python", trace=True)
    want = [min(int(rng.uniform(seed, rng.LEARNER, t, 1) * K), K - 1) for t in range(T)]
    assert res.actions[0, 0].tolist() == want


def test_tsallis_inf_shift_is_refused_beyond_1e6():
    """The shift is bounded to [-1e6, 1e6] (beyond it the estimates |loss - shift| / p swamp the normaliser's precision):
    both ends are accepted, 2e6 and -2e6 are refused by name."""
    for shift in (-1e6, 1e6):
        olearn.make("tsallis_inf", shift=shift)
    for shift in (-2e6, 2e6):
        with pytest.raises(olearn.ParameterError) as err:
            olearn.make("tsallis_inf", shift=shift)
        assert err.value.name == "shift"


def test_n_arms_below_one_is_refused():
    for name in ("ucb1", "exp3", "tsallis_inf"):
        olearn.make(name, n_arms=1)
        with pytest.raises(olearn.ParameterError) as err:
            olearn.make(name, n_arms=0)
        assert err.value.name == "n_arms"
