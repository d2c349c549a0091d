"""IMED (Honda and Takemura, JMLR 2015) with the Bernoulli divergence, for rewards in [0, 1].

Backend parity, the GPU path and the conformance checks run with every registered learner (tests/test_parity.py,
tests/test_gpu.py, tests/test_conformance.py), and tests/test_reference.py replays it against the slow reference
(tests/reference.py, ``IMED``) on the loss-matrix and Bernoulli worlds there.  Here, against independent truth:

* the index argmin_k n_k kl(mean_k, mean_max) + ln n_k against the reference on Bernoulli arms (python backend), and
  the boundary cases worked out by hand: a leader at mean 1 shuts out every arm below it until a reward below 1
  reaches the leader; all means 0 is round robin;
* regret on Bernoulli arms (0.9, 0.8, 0.7, 0.6): IMED's is at most KL-UCB's (measured 0.72 of it at T = 10,000, 300 seeds),
  and its growth per unit of ln t between t = 2,000 and 20,000 is near the Lai-Robbins constant
  C = sum_k Delta_k / kl(mu_k, mu*) = 4.52 (measured 0.78 C; the asymptotic slope is C, approached from below).
"""
import math

import numpy as np

import environments
import olearn
import reference
from olearn.learners import bandits


def kl(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def test_imed_plays_as_the_reference_on_bernoulli_arms():
    means, T, seeds = [0.3, 0.55, 0.5, 0.6], 400, [0, 5]
    env = environments.make("bernoulli", means=means)
    res = olearn.run(olearn.make("imed"), env, horizon=T, seeds=seeds, backend="python", trace=True)
    for j, seed in enumerate(seeds):
        actions, losses = reference.imed(reference.env_loss(env, seed), 4, T)
        np.testing.assert_array_equal(res.actions[0, j].astype(int), actions)
        np.testing.assert_array_equal(res.losses[0, j], losses)


def _index_act(n, s):
    state = np.concatenate([np.asarray(n, float), np.asarray(s, float)])
    action = np.zeros(1)
    bandits.imed_act(state, np.array([len(n)], float), np.zeros(0), 10, 0, action)
    return int(action[0])


def test_imed_index_by_hand():
    # n kl(p, max) + ln n: arm 0 (mean 0.5, 10 plays): 10 kl(0.5, 0.8) + ln 10 = 4.53; arm 1 (leader, 40 plays): ln 40 = 3.69
    assert 10 * kl(0.5, 0.8) + math.log(10) > math.log(40)
    assert _index_act([10, 40], [5, 32]) == 1
    # with 3 plays at 0.5: 3 kl + ln 3 = 1.93 < ln 40: the arm behind is played
    assert 3 * kl(0.5, 0.8) + math.log(3) < math.log(40)
    assert _index_act([3, 40], [1.5, 32]) == 0
    assert _index_act([3, 0, 40], [1.5, 0, 32]) == 1  # an unplayed arm first
    assert _index_act([4, 4, 9], [2, 2, 4.5]) == 0  # equal indices (all leaders at 0.5, 4 plays): the lowest index
    assert _index_act([2, 3], [1.0, 3.0]) == 1  # leader at mean 1: kl(0.5, 1) = inf for the other arm
    assert _index_act([50, 1], [49.0, 1.0]) == 1
    assert _index_act([5, 2, 3], [0, 0, 0]) == 1  # all means 0: every arm is a leader, the least played goes
    assert _index_act([2, 3], [2.4, -0.3]) == 0  # means clipped to [0, 1]: arm 0 leads at 1, arm 1 at 0 is shut out


def test_a_leader_at_one_shuts_out_the_arms_below_it():
    """Arm 0's first reward is 0; arm 1 always pays 1; arm 2 pays 1 until round 20, then 1/2.  After the first three
    rounds only arms at mean 1 are played (least played first, ties low) until arm 2's first 1/2; then arm 1 alone."""
    T = 40
    losses = np.zeros((T, 3))
    losses[0, 0] = 1.0
    losses[20:, 2] = 0.5
    res = olearn.run(olearn.make("imed"), environments.make("loss_matrix", losses=losses), horizon=T, seeds=[0],
                     backend="python", trace=True)
    got = res.actions[0, 0].astype(int).tolist()
    assert got[:3] == [0, 1, 2]
    assert got[3:20] == [1, 2] * 8 + [1]  # arms 1 and 2 alternate while both are at 1 (ties go to arm 1)
    assert got[20] == 2 and got[21:] == [1] * (T - 21)  # arm 2's 1/2 at round 20 sends it below the leader for good


def test_all_zero_rewards_are_round_robin():
    res = olearn.run(olearn.make("imed"), environments.make("loss_matrix", losses=np.ones((30, 4))), horizon=30, seeds=[0],
                     backend="python", trace=True)
    assert res.actions[0, 0].astype(int).tolist() == [t % 4 for t in range(30)]


def test_imed_regret_near_lai_robbins_and_below_kl_ucb():
    means = [0.9, 0.8, 0.7, 0.6]
    lai_robbins = sum((0.9 - m) / kl(m, 0.9) for m in means[1:])  # 4.52
    env = environments.make("bernoulli", means=means)
    checkpoints = [2000, 5000, 10_000, 20_000]
    kw = dict(backend="cpu", metrics=["pseudo_regret"], progress=False)
    imed = olearn.run(olearn.make("imed"), env, horizon=20_000, seeds=300, checkpoints=checkpoints, **kw).metric("pseudo_regret")[0]
    kl_ucb = olearn.run(olearn.make("kl_ucb"), env, horizon=10_000, seeds=300, checkpoints=[10_000], **kw).final("pseudo_regret")[0]
    at_10k = imed[:, checkpoints.index(10_000)]
    se = math.hypot(at_10k.std(), kl_ucb.std()) / math.sqrt(300)
    assert at_10k.mean() <= kl_ucb.mean() - 2 * se, (at_10k.mean(), kl_ucb.mean())
    assert at_10k.mean() >= 0.4 * kl_ucb.mean()
    slope = np.polyfit(np.log(checkpoints), imed.mean(axis=0), 1)[0]
    assert 0.6 * lai_robbins <= slope <= 1.2 * lai_robbins, (slope, lai_robbins)
