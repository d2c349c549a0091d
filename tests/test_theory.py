"""Regret against theory: textbook UCB1, the Hedge and EXP3 bounds, and the ordering on the demo problem."""
import math

import numpy as np
import pytest

import environments
import olearn

DEMO = np.linspace(0.1, 0.9, 10)
T = 10_000


def textbook_ucb1(means, horizon, seeds, rng):
    """UCB1 over seeds with NumPy's generator: independent randomness, the same law."""
    k = means.size
    n = np.zeros((seeds, k))
    s = np.zeros((seeds, k))
    regret = np.zeros(seeds)
    rows = np.arange(seeds)
    for t in range(horizon):
        if t < k:
            a = np.full(seeds, t)
        else:
            a = np.argmax(s / n + np.sqrt(2 * math.log(t + 1) / n), axis=1)
        reward = rng.random(seeds) < means[a]
        n[rows, a] += 1
        s[rows, a] += reward
        regret += means.max() - means[a]
    return regret


@pytest.fixture(scope="module")
def demo_env():
    return environments.make("bernoulli", means=DEMO)


@pytest.fixture(scope="module")
def ucb1_regret(demo_env):
    return olearn.run(olearn.make("ucb1"), demo_env, horizon=T, seeds=400, metrics=["pseudo_regret"]).final("pseudo_regret")[0]


def test_ucb1_agrees_with_the_textbook_index(ucb1_regret):
    ref = textbook_ucb1(DEMO, T, 400, np.random.default_rng(2024))
    diff = ucb1_regret.mean() - ref.mean()
    se = math.sqrt(ucb1_regret.var(ddof=1) / ucb1_regret.size + ref.var(ddof=1) / ref.size)
    assert abs(diff) < 4 * se, f"olearn {ucb1_regret.mean():.1f} vs textbook {ref.mean():.1f} (se {se:.2f})"
    # and it is logarithmic, far from linear: sum of gaps / kl-type constants puts it in the hundreds
    assert 200 < ucb1_regret.mean() < 600


def test_thompson_and_kl_ucb_beat_ucb1(demo_env, ucb1_regret):
    for name in ("thompson", "kl_ucb"):
        reg = olearn.run(olearn.make(name), demo_env, horizon=T, seeds=200, metrics=["pseudo_regret"]).final("pseudo_regret")[0]
        se = math.sqrt(reg.var(ddof=1) / reg.size + ucb1_regret.var(ddof=1) / ucb1_regret.size)
        assert reg.mean() + 4 * se < ucb1_regret.mean(), f"{name}: {reg.mean():.1f} vs ucb1 {ucb1_regret.mean():.1f}"


@pytest.mark.parametrize(
    "env",
    [
        environments.make("experts", n_experts=32, gap=0.05),
        environments.make("loss_matrix", losses=(np.random.default_rng(5).random((3000, 8)) < np.linspace(0.4, 0.6, 8)).astype(float)),
        environments.make("loss_matrix", losses=np.tile([[0.0, 1.0], [1.0, 0.0]], (1500, 1))),
    ],
    ids=["experts", "random_matrix", "alternating"],
)
def test_hedge_stays_under_its_bound(env):
    horizon = 3000
    result = olearn.run(olearn.make("hedge"), env, horizon=horizon, seeds=200, metrics=["regret"])
    bound = math.sqrt(horizon * math.log(env.n_actions) / 2)
    regret = result.final("regret")[0]
    assert regret.mean() <= bound, f"mean regret {regret.mean():.1f} above sqrt(T ln K / 2) = {bound:.1f}"


@pytest.mark.parametrize(
    "env",
    [environments.make("lower_bound", n_arms=10, gap=0.25 * math.sqrt(10 / 5000)), environments.make("switching", n_arms=5, period=500, gap=0.2)],
    ids=["lower_bound", "switching"],
)
def test_exp3_stays_under_its_bound(env):
    horizon, k = 5000, env.n_actions
    result = olearn.run(olearn.make("exp3"), env, horizon=horizon, seeds=200, metrics=["regret"])
    bound = math.sqrt(2 * horizon * k * math.log(k))
    regret = result.final("regret")[0]
    assert regret.mean() <= bound, f"mean regret {regret.mean():.1f} above sqrt(2 T K ln K) = {bound:.1f}"
    assert regret.mean() > 0.02 * bound  # and the construction does make it pay something


def test_regret_metrics_match_brute_force():
    """regret, pseudo-regret, dynamic regret and counts recomputed from the trace and the environment."""
    from olearn.core import rng

    means = np.array([[0.9, 0.1, 0.5], [0.1, 0.9, 0.5]])
    env = environments.make("piecewise_bernoulli", means=means, change_points=[40])
    res = olearn.run(olearn.make("exp3", eta=0.2), env, horizon=100, seeds=[3, 4], backend="python", trace=True,
                     checkpoints=[10, 40, 77])
    for j, s in enumerate([3, 4]):
        acts = res.actions[0, j].astype(int)
        for r_i, r in enumerate(res.rounds):
            mu = np.array([means[0 if t < 40 else 1] for t in range(r)])  # reward means per round
            lossmat = np.array([[0.0 if rng.uniform(s, rng.ENV, t, k) < mu[t, k] else 1.0 for k in range(3)] for t in range(r)])
            played = lossmat[np.arange(r), acts[:r]]
            row = dict(zip(res.columns, res.values[0, j, r_i]))
            assert row["loss"] == pytest.approx(played.sum())
            assert row["regret"] == pytest.approx(played.sum() - lossmat.sum(axis=0).min())
            mean_loss = 1 - mu
            assert row["pseudo_regret"] == pytest.approx(mean_loss[np.arange(r), acts[:r]].sum() - mean_loss.sum(axis=0).min())
            assert row["dynamic_regret"] == pytest.approx(mean_loss[np.arange(r), acts[:r]].sum() - mean_loss.min(axis=1).sum())
            assert sum(row[f"count[{k}]"] for k in range(3)) == r
