"""The differentially private bandit ``dp_ucb`` against independent truth.

Its privacy is audited with the other private learners (tests/test_private_audit.py: within epsilon on its case,
and the variant with a quarter of the noise caught).  Here:

* a reference written from the module's description (episodes, releases, index; the same counter-based Laplace
  draws) plays the learner's arms round by round and releases the same means;
* a release is the episode's mean plus Laplace(1 / (eps L)) noise: Kolmogorov-Smirnov against SciPy's Laplace;
* the guarantee reported is epsilon, and regret falls as epsilon grows, UCB1 (no privacy) below them all, and grows
  more slowly than linearly.
"""
import math

import numpy as np
import pytest
from scipy import stats

import environments
import olearn
import reference
from olearn.core import rng
from olearn.privacy import mechanisms
from olearn.privacy.guarantees import guarantee


class ReferenceDPUCB:
    """Episodes of max(1, n_a) plays; at an episode's end mu~ = mean + Laplace(1 / (eps L)); a new episode's arm: an
    unplayed one (lowest index), else argmax mu~ + sqrt(alpha ln t / (2m)) + alpha ln t / (eps m), t 1-based."""

    def __init__(self, k, epsilon, alpha, seed):
        self.k, self.epsilon, self.alpha, self.seed = k, epsilon, alpha, seed
        self.plays = np.zeros(k)
        self.released = [None] * k  # (mean, m)
        self.episode = None  # [arm, length, rewards]
        self.releases = []

    def act(self, t):
        if self.episode is None:
            index = []
            for mean_m in self.released:
                if mean_m is None:
                    index.append(math.inf)
                else:
                    mean, m = mean_m
                    log_term = self.alpha * math.log(t + 1)
                    index.append(mean + math.sqrt(log_term / (2 * m)) + log_term / (self.epsilon * m))
            arm = int(np.argmax(index))
            self.episode = [arm, max(1.0, self.plays[arm]), []]
        return self.episode[0], None

    def update(self, s, arm, info, feedback):
        self.plays[arm] += 1
        self.episode[2].append(min(max(1.0 - feedback, 0.0), 1.0))
        if len(self.episode[2]) >= self.episode[1]:
            length = self.episode[1]
            noise = mechanisms.laplace(self.seed, rng.LEARNER_UPDATE, s, 0, 1.0 / self.epsilon / length)
            self.released[arm] = (sum(self.episode[2]) / length + noise, length)
            self.releases.append((arm, length, self.released[arm][0]))
            self.episode = None


@pytest.mark.parametrize("world", ["bernoulli", "fractional", "ties"])
@pytest.mark.parametrize("epsilon, alpha", [(1.0, 4.0), (0.2, 2.0), (20.0, 4.0)])
def test_learner_plays_the_reference_arms(world, epsilon, alpha):
    horizon, k = 300, 4
    if world == "bernoulli":
        env = environments.make("bernoulli", means=[0.3, 0.7, 0.5, 0.65])
    elif world == "fractional":
        env = environments.make("loss_matrix", losses=np.round(np.random.default_rng(2).random((horizon, k)), 3))
    else:
        env = environments.make("loss_matrix", losses=np.full((horizon, k), 0.5))
    learner = olearn.make("dp_ucb", epsilon=epsilon, alpha=alpha)
    runs = {b: olearn.run(learner, env, horizon=horizon, seeds=[0, 9], backend=b, trace=True, keep_state=True)
            for b in ("python", "cpu")}
    for j, seed in enumerate((0, 9)):
        ref = ReferenceDPUCB(k, epsilon, alpha, seed)
        actions, losses = reference.play(ref, reference.env_loss(env, seed), k, horizon)
        for backend, res in runs.items():
            np.testing.assert_array_equal(res.actions[0, j], actions, err_msg=f"{world}, seed {seed}, {backend}")
            np.testing.assert_array_equal(res.losses[0, j], losses)
        state = runs["cpu"].states[0, j]
        for arm in range(k):  # the last release of each arm: its mean and episode length
            last = [r for r in ref.releases if r[0] == arm][-1]
            assert state[4 * k + arm] == pytest.approx(last[2], abs=1e-12) and state[5 * k + arm] == last[1]
        assert len(ref.releases) < horizon / 4  # doubling episodes: few releases


def test_a_release_is_the_episode_mean_plus_laplace_noise():
    """Two arms with fixed rewards 0.3 and 0.6 (40 rounds, eps = 0.5, 4,000 seeds): arm 0's last release, whose
    episode length L the state keeps (8 on all but one seed here), minus the true 0.3 follows Laplace(1 / (eps L))
    (Kolmogorov-Smirnov)."""
    eps, k = 0.5, 2
    env = environments.make("loss_matrix", losses=np.tile([0.7, 0.4], (40, 1)))
    # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
    res = olearn.run(olearn.make("dp_ucb", epsilon=eps), env, horizon=40, seeds=4000, keep_state=True, trace=True)
    sizes = res.states[0, :, 5 * k]
    tested = 0
    for size in np.unique(sizes):
        noise = res.states[0, sizes == size, 4 * k] - 0.3
        if noise.size >= 200:
            tested += noise.size
            p = stats.kstest(noise, stats.laplace(scale=1.0 / (eps * size)).cdf).pvalue
            assert p > 1e-3, (size, noise.size, p)
    assert tested >= 3000


def test_guarantee_and_regret_against_epsilon():
    """The reported guarantee is the parameter epsilon; at T = 8,000 on Bernoulli 0.9/0.8/0.6/0.5 (100 seeds) the
    pseudo-regret falls as epsilon grows (measured 1,418.7 / 627.7 / 375.6 at eps = 0.1 / 1 / 10) with UCB1 below
    all (161.6), and at eps = 1 it grows by 1.55x from T = 8,000 to 32,000 (linear: 4x)."""
    env = environments.make("bernoulli", means=[0.9, 0.8, 0.6, 0.5])
    for eps in (0.1, 1.0, 10.0):
        g = guarantee(olearn.learners.REGISTRY["dp_ucb"], olearn.make("dp_ucb", epsilon=eps, n_arms=4).values, 4, 8000)
        assert g.epsilon == pytest.approx(eps) and g.delta == 0.0
    regret = {}
    for name, eps in (("dp_ucb", 0.1), ("dp_ucb", 1.0), ("dp_ucb", 10.0), ("ucb1", None)):
        learner = olearn.make(name, **({} if eps is None else {"epsilon": eps}))
        # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
        regret[eps] = olearn.run(learner, env, horizon=8000, seeds=100, trace=True).final("pseudo_regret")[0]
    se = lambda a, b: math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)  # noqa: E731
    for worse, better in ((0.1, 1.0), (1.0, 10.0), (10.0, None)):
        assert regret[better].mean() + 4 * se(regret[worse], regret[better]) < regret[worse].mean(), regret
    longer = olearn.run(olearn.make("dp_ucb", epsilon=1.0), env, horizon=32000, seeds=100, trace=True).final("pseudo_regret")[0]
    assert longer.mean() < 2.5 * regret[1.0].mean()
