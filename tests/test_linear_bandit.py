"""The stochastic linear bandit (environments/linear_bandit.py) and OFUL (olearn/learners/linear_bandit.py):
a NumPy reference of both round by round, Theorem 2's confidence ellipsoid, and regret."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.learners import linear_bandit

RESET_ROUND = 1 << 62


def unit(seed, t, first, d):
    g = np.array([rng.normal(seed, rng.ENV, t, first + j) for j in range(d)])
    return g / np.linalg.norm(g)


def reference_oful(theta, k, d, sigma, horizon, seed, lam=1.0, noise=1.0, bound=1.0, delta=0.01):
    """OFUL written from the paper with the world's law: V and b kept as they are, theta_hat = V^-1 b by a solve,
    ln det V by slogdet; returns the actions and losses."""
    theta = unit(seed, RESET_ROUND, 0, d) if theta is None else np.asarray(theta, dtype=float)
    v, b = lam * np.eye(d), np.zeros(d)
    actions, losses = [], []
    for t in range(horizon):
        x = np.array([unit(seed, t, k + a * d, d) for a in range(k)])
        beta = noise * math.sqrt(2 * math.log(1 / delta) + np.linalg.slogdet(v)[1] - d * math.log(lam)) + math.sqrt(lam) * bound
        estimate = np.linalg.solve(v, b)
        index = [x[a] @ estimate + beta * math.sqrt(x[a] @ np.linalg.solve(v, x[a])) for a in range(k)]
        a = int(np.argmax(index))
        loss = 1.0 - x[a] @ theta - sigma * rng.normal(seed, rng.ENV, t, a)
        v += np.outer(x[a], x[a])
        b += (1.0 - loss) * x[a]
        actions.append(a)
        losses.append(loss)
    return np.array(actions), np.array(losses)


def reference_lin_ts_shared(theta, k, d, sigma, horizon, seed, lam=1.0, v=1.0):
    """Agrawal and Goyal's Algorithm 1: theta~ = B^-1 f + v L^-T z ~ N(B^-1 f, v^2 B^-1) with B = L L',
    z_j = normal(seed, LEARNER, t, j); B and f as they are, solved afresh each round."""
    theta = unit(seed, RESET_ROUND, 0, d) if theta is None else np.asarray(theta, dtype=float)
    big_b, f = lam * np.eye(d), np.zeros(d)
    actions, losses = [], []
    for t in range(horizon):
        x = np.array([unit(seed, t, k + a * d, d) for a in range(k)])
        z = np.array([rng.normal(seed, rng.LEARNER, t, j) for j in range(d)])
        sample = np.linalg.solve(big_b, f) + v * np.linalg.solve(np.linalg.cholesky(big_b).T, z)
        a = int(np.argmax(x @ sample))
        loss = 1.0 - x[a] @ theta - sigma * rng.normal(seed, rng.ENV, t, a)
        big_b += np.outer(x[a], x[a])
        f += (1.0 - loss) * x[a]
        actions.append(a)
        losses.append(loss)
    return np.array(actions), np.array(losses)


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("params", [{}, {"lam": 2.0, "v": 0.3}])
def test_lin_ts_shared_matches_the_reference_round_by_round(backend, params):
    env = environments.make("linear_bandit", n_arms=4, dim=3, sigma=0.5)
    res = olearn.run(olearn.make("lin_ts_shared", **params), env, horizon=40, seeds=[0, 7], backend=backend, trace=True)
    for i, seed in enumerate([0, 7]):
        actions, losses = reference_lin_ts_shared(None, 4, 3, 0.5, 40, seed, **params)
        np.testing.assert_array_equal(res.actions[0, i], actions)
        np.testing.assert_allclose(res.losses[0, i], losses, rtol=0, atol=1e-14)


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("params", [{}, {"lam": 2.0, "noise": 0.3, "bound": 2.0, "delta": 0.2}])
def test_oful_and_the_world_match_the_reference_round_by_round(backend, params):
    for theta in (None, [0.6, 0.0, -0.8]):
        env = environments.make("linear_bandit", n_arms=4, dim=3, theta=theta, sigma=0.5)
        res = olearn.run(olearn.make("oful", **params), env, horizon=40, seeds=[0, 7], backend=backend, trace=True)
        for i, seed in enumerate([0, 7]):
            actions, losses = reference_oful(theta, 4, 3, 0.5, 40, seed, **params)
            np.testing.assert_array_equal(res.actions[0, i], actions)
            np.testing.assert_allclose(res.losses[0, i], losses, rtol=0, atol=1e-14)


def test_confidence_ellipsoid_holds_with_probability_one_minus_delta():
    """Theorem 2: ||theta_hat - theta||_V <= beta with probability >= 1 - delta (here at the last round, over 200
    seeds).  Told the noise is 20 times smaller than it is, the ellipsoid misses theta in most runs."""
    theta, d, horizon = np.array([0.6, 0.0, -0.8]), 3, 300
    env = environments.make("linear_bandit", n_arms=5, theta=theta, sigma=1.0)
    missed = {}
    for noise in (1.0, 0.05):
        # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
        res = olearn.run(olearn.make("oful", noise=noise, delta=0.01), env, horizon=horizon, seeds=range(200),
                         backend="cpu", keep_state=True, trace=True)
        states = res.states[0]
        inverse = states[:, 2 * d: 2 * d + d * d].reshape(-1, d, d)
        b = states[:, 2 * d + d * d: 3 * d + d * d]
        log_det = states[:, 3 * d + d * d]
        np.testing.assert_allclose(log_det, -np.linalg.slogdet(inverse)[1], rtol=1e-9)  # ln det V, V = lam I
        error = np.einsum("sij,sj->si", inverse, b) - theta
        size = np.sqrt(np.einsum("si,sij,sj->s", error, np.linalg.inv(inverse), error))
        beta = noise * np.sqrt(2 * math.log(100) + log_det) + 1.0
        missed[noise] = int((size > beta).sum())
    assert missed[1.0] <= 6  # Binomial(200, 0.01) exceeds 6 with probability < 1e-4
    assert missed[0.05] >= 100


def test_regret_is_within_theorem_3_and_far_below_the_disjoint_learners():
    """Shared theta: OFUL's dynamic regret over 2,000 rounds is under Theorem 3's bound and a tenth of disjoint
    LinUCB's, which must learn one parameter per action from the K d numbers of the observation; Thompson sampling
    with one posterior pays under a fifth of it (85 against 773)."""
    env = environments.make("linear_bandit", n_arms=10, dim=5)
    # traced, as this file's other runs of this learner and world: one compiled loop for all (untraced compiles a second)
    regret = {name: olearn.run(olearn.make(name), env, horizon=2000, seeds=20, backend="cpu", trace=True).final("dynamic_regret")[0].mean()
              for name in ("oful", "linucb", "lin_ts_shared")}
    assert 0 < regret["oful"] < linear_bandit.regret_bound(2000, 5)
    assert regret["oful"] < regret["linucb"] / 10
    assert regret["lin_ts_shared"] < regret["linucb"] / 5


def test_without_features_each_action_is_its_own_coordinate():
    """On Bernoulli arms (no observation) x_a = e_a: OFUL's state is per-arm ridge sums, V = lam I + diag(n_a)."""
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    res = olearn.run(olearn.make("oful"), env, horizon=300, seeds=[3], backend="cpu", keep_state=True,
                     metrics=["counts", "pseudo_regret"])
    inverse = res.states[0, 0, 6:15].reshape(3, 3)
    counts = np.array([res.final(f"count[{a}]")[0, 0] for a in range(3)])
    np.testing.assert_allclose(inverse, np.diag(1.0 / (1.0 + counts)), rtol=1e-12)
    assert counts[2] > counts[0] + counts[1]


def test_bad_input():
    with pytest.raises(ParameterError, match="'theta'.*norm at most 1"):
        environments.make("linear_bandit", theta=[1.0, 1.0])
    with pytest.raises(ParameterError, match="'dim'"):
        environments.make("linear_bandit", theta=[1.0, 0.0], dim=3)
    with pytest.raises(ParameterError, match="'n_arms'.*n_arms \\* dim <= 4096"):
        environments.make("linear_bandit", n_arms=1000, dim=5)
    # a theta longer than dim's range named n_arms with "at most 0 actions of dimension 5000"
    with pytest.raises(ParameterError, match=r"'theta'.*at most 4096 entries") as err:
        environments.make("linear_bandit", theta=np.full(5000, 0.01))
    assert err.value.name == "theta"
    assert environments.make("linear_bandit", theta=np.full(4096, 0.01), n_arms=1).obs_dim == 4096
    with pytest.raises(ParameterError, match="oful: parameter 'environment'.*one feature vector per action"):
        olearn.run(olearn.make("oful"), environments.make("linear_contextual", n_arms=3, dim=2), horizon=5)


@pytest.mark.parametrize("name", ["oful", "lin_ts_shared"])
def test_gpu_backend_gives_the_python_run(name):
    """On the CUDA simulator in CI (to rounding on a real GPU): reading K d features from the observation."""
    from olearn.backends import gpu
    from olearn.testing import assert_same_run

    env = environments.make("linear_bandit", n_arms=3, dim=2, sigma=0.5)
    runs = [olearn.run(olearn.make(name), env, horizon=10, seeds=[0, 5], backend=b, trace=True, keep_state=True)
            for b in ("python", "gpu")]
    assert_same_run(*runs, "gpu", exact=gpu.simulated())


@pytest.mark.parametrize("kwargs, name", [
    ({"horizon": 0}, "horizon"),
    ({"horizon": 2000.0}, "horizon"),
    ({"dim": 0}, "dim"),  # was a ZeroDivisionError
    ({"lam": 0.0}, "lam"),
    ({"lam": True}, "lam"),
    ({"lam": 0.5, "length": 0.0}, "lam"),  # ln(lam + T L / d) < 0: was a math domain error
    ({"noise": -1.0}, "noise"),
    ({"noise": math.nan}, "noise"),
    ({"bound": -1.0}, "bound"),
    ({"delta": 0.0}, "delta"),
    ({"delta": 1.0}, "delta"),
    ({"length": -1.0}, "length"),
    ({"length": math.inf}, "length"),
])
def test_regret_bound_refuses_bad_input_by_name(kwargs, name):
    args = {"horizon": 2000, "dim": 5} | kwargs
    with pytest.raises(ParameterError) as err:
        linear_bandit.regret_bound(**args)
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    T, d = 2000, 5
    radius = 1.0 + math.sqrt(2 * math.log(100) + d * math.log(1 + T / d))
    assert linear_bandit.regret_bound(T, d) == pytest.approx(4 * math.sqrt(T * d * math.log(1 + T / d)) * radius)


def test_regret_bound_is_theorem_3_with_a_ridge_other_than_one():
    """Theorem 3's value written out by hand at lam = 3 (the first logarithm is ln(lam + T L / d), not
    ln(1 + T L / d)): T = 1000, d = 4, R = 0.5, S = 2, delta = 0.05, L = 2, so T L / d = 500 and
    T L / (lam d) = 500 / 3."""
    radius = math.sqrt(3.0) * 2.0 + 0.5 * math.sqrt(2.0 * math.log(20.0) + 4.0 * math.log(1.0 + 500.0 / 3.0))
    want = 4.0 * math.sqrt(4000.0 * math.log(503.0)) * radius
    got = linear_bandit.regret_bound(1000, 4, lam=3.0, noise=0.5, bound=2.0, delta=0.05, length=2.0)
    assert got == pytest.approx(want, rel=1e-12)
    # a small ridge: ln(0.5 + 2.5) against ln(1 + 2.5)
    radius = math.sqrt(0.5) + math.sqrt(2.0 * math.log(100.0) + 2.0 * math.log(1.0 + 5.0))
    assert linear_bandit.regret_bound(5, 2, lam=0.5, length=1.0) == pytest.approx(
        4.0 * math.sqrt(10.0 * math.log(3.0)) * radius, rel=1e-12)


def test_regret_bound_accepts_lam_plus_t_l_over_d_equal_to_one():
    """The documented domain is lam + T L / d >= 1, equality included: there ln(lam + T L / d) = ln 1 = 0 and the
    bound is 0 (T = 1, d = 2, lam = 0.5, L = 1)."""
    assert linear_bandit.regret_bound(1, 2, lam=0.5, length=1.0) == 0.0
    with pytest.raises(ParameterError, match="'lam'"):
        linear_bandit.regret_bound(1, 2, lam=0.25, length=1.0)
