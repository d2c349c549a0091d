"""ChebCB and Tsallis-INF-CB against slow NumPy references, round by round.

The ChebCB reference keeps every (context, cost) pair per arm and refits every arm each round
with SciPy's bounded least squares (``lsq_linear``, BVLS) on the raw history -- no sufficient
statistics, no active-set code of ours.  The Tsallis-INF-CB reference is one independent
Tsallis-INF of tests/reference.py per bin (bisection normaliser), with the seed and round count
the learner documents.  Both read the same counter-based uniforms to sample.
"""
import math

import numpy as np
import pytest
from scipy.optimize import lsq_linear

import environments
import olearn
import reference
from environments.linear_systems import shifted_laplacian
from olearn import relax
from olearn.core import rng
from olearn.learners import contextual


class ChebCBReference:
    """ChebCB written from its description (Khodak et al. 2024), refitting every arm from raw history."""

    def __init__(self, k, low, high, m=6, shift=1.0, ridge=1e-6, seed=0):
        self.k, self.low, self.high, self.m, self.shift, self.ridge, self.seed = k, low, high, m, shift, ridge, seed
        self.history = [[] for _ in range(k)]
        self.theta = np.zeros((k, m))
        self.costs = []
        self.online = []  # (prediction of the played arm before its refit, cost - shift) per round
        self.eta = 0.0

    def features(self, c):
        u = min(max(2 * (c - self.low) / (self.high - self.low) - 1, -1.0), 1.0)
        return np.polynomial.chebyshev.chebvander(u, self.m - 1)[0]

    def probs(self, c):
        yhat = self.theta @ self.features(c)
        best = int(np.flatnonzero(yhat == yhat.min())[0])
        p = 1.0 / (self.k + self.eta * (yhat - yhat[best]))
        p[best] = 0.0
        p[best] = 1.0 - p.sum()
        return p

    def act(self, t, c):
        p = self.probs(c)
        return reference._invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p), p

    def fit(self, arm, scale, bounds):
        rows = self.history[arm]
        phi = np.array([f for f, _ in rows]).reshape(-1, self.m)
        y = np.array([(c - self.shift) / scale for _, c in rows])
        free = bounds > 0
        theta = np.zeros(self.m)
        if free.any():
            design = np.vstack([phi[:, free], math.sqrt(self.ridge) * np.eye(free.sum())])
            target = np.concatenate([y, np.zeros(free.sum())])
            theta[free] = lsq_linear(design, target, bounds=(-bounds[free], bounds[free]), method="bvls", tol=1e-14, max_iter=1000).x
        return theta, float(np.sum((phi @ theta - y) ** 2))

    def update(self, arm, c, cost):
        self.costs.append(cost)
        n = len(self.costs)
        width = self.high - self.low
        cmax, cmin = max(self.costs), min(self.costs)
        lip = (cmax - cmin) / width
        big_n = 2 + 4 * width * lip / max(cmax, 1e-12) * (1 + math.log(self.m))
        scale = max(cmax, 1e-12) * big_n
        bounds = np.array([1 / big_n] + [2 * width * lip / (scale * j) for j in range(1, self.m)])
        phi = self.features(c)
        self.online.append((self.theta[arm] @ phi, cost - self.shift))
        R = sum((pred - y / scale) ** 2 for pred, y in self.online)  # every round at the current scale
        self.history[arm].append((phi, cost))
        resid = 0.0
        for i in range(self.k):
            self.theta[i], r = self.fit(i, scale, bounds)
            resid += r
        alpha = (math.pi + 2 / math.pi * math.log(2 * self.m + 1)) / (2 * scale * (self.m + 1)) * width * lip
        self.eta = 2 * n * math.sqrt(self.k * n / max(R - resid + 2 * alpha**2 * n, 1e-12))


@pytest.fixture(scope="module")
def table():
    seq = shifted_laplacian(70, "high", seed=11)
    return relax.cost_table(seq, relax.omega_grid(1.0, 1.95, 6))


def _drive(learner, costs, contexts, backend, seed):
    tuner = olearn.engine.stepwise.Stepwise(learner, seed=seed, backend=backend, obs_dim=1 if contexts is not None else 0)
    actions, probs = [], []
    for t in range(costs.shape[0]):
        a = tuner.act(None if contexts is None else [contexts[t]])
        actions.append(a)
        probs.append(tuner.action[1])
        tuner.update(a, costs[t, a])
    return np.array(actions), np.array(probs), tuner


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_chebcb_matches_reference_round_by_round(table, backend):
    costs, contexts = table.costs.astype(float), table.contexts
    k = costs.shape[1]
    learner = olearn.make("chebcb", n_arms=k, low=-0.15, high=0.65)
    actions, probs, tuner = _drive(learner, costs, contexts, backend, seed=5)
    ref = ChebCBReference(k, -0.15, 0.65, seed=5)
    for t in range(costs.shape[0]):
        a, p = ref.act(t, contexts[t])
        assert a == actions[t], f"round {t}: reference {a}, learner {actions[t]}"
        assert probs[t] == pytest.approx(p[a], rel=1e-7, abs=1e-12)  # the fits agree to ~1e-11 (BVLS vs active set)
        ref.update(a, contexts[t], costs[t, a])
    head = contextual.HEAD
    assert tuner.state[5] == pytest.approx(ref.eta, rel=1e-7)
    m = 6
    block = m * m + 2 * m + 1
    for i in range(k):
        base = head + 2 * k + m + i * block + m * m + m + 1
        assert np.allclose(tuner.state[base : base + m], ref.theta[i], rtol=1e-7, atol=1e-10)
    assert ref.eta > 100 * k, "eta grows with t: the later rounds exploit"
    assert len(set(actions.tolist())) > 2


@pytest.mark.parametrize("method", ["chebcb", "tsallis_inf_cb"])
def test_a_context_outside_the_range_is_read_as_the_nearest_end(table, method):
    """OmegaTuner's rule: a context below low (above high) is treated as low (high).  Contexts pushed far
    outside [-0.15, 0.65] give the same draws, probabilities and state as the same contexts clipped to it."""
    costs, contexts = table.costs[:30].astype(float), table.contexts[:30]
    outside = np.where(np.arange(30) % 2 == 0, -0.15 - 1.0 - contexts, 0.65 + 2.0 + contexts)
    learner = relax.tuner.make_learner(method, costs.shape[1], (-0.15, 0.65))
    a_out, p_out, t_out = _drive(learner, costs, outside, "python", seed=4)
    a_in, p_in, t_in = _drive(learner, costs, np.clip(outside, -0.15, 0.65), "python", seed=4)
    np.testing.assert_array_equal(a_out, a_in)
    np.testing.assert_array_equal(p_out, p_in)
    np.testing.assert_array_equal(t_out.state, t_in.state)
    assert np.all(np.isfinite(t_out.state)) and len(set(a_out.tolist())) > 1

def test_chebcb_without_context_plays_at_context_zero():
    losses = np.round(np.random.default_rng(2).random((50, 4)), 3) * 40 + 1
    env = environments.make("loss_matrix", losses=losses / 41.0)
    run = olearn.run(olearn.make("chebcb", degree=3, shift=0.0), env, horizon=50, seeds=[3], backend="python", trace=True)
    ref = ChebCBReference(4, -1.0, 1.0, m=3, shift=0.0, seed=3)
    for t in range(50):
        a, _ = ref.act(t, 0.0)
        assert a == run.actions[0, 0, t]
        ref.update(a, 0.0, losses[t, a] / 41.0)


def test_box_least_squares_matches_bvls():
    gen = np.random.default_rng(0)
    m = 6
    hits = 0
    scratch = np.zeros(m * m + 3 * m)
    for trial in range(200):
        phi = gen.standard_normal((gen.integers(1, 12), m))
        y = gen.standard_normal(phi.shape[0])
        bound = gen.random(m) * gen.choice([0.05, 0.5, 5.0])
        h = (phi.T @ phi + 1e-6 * np.eye(m)).ravel()
        g = phi.T @ y
        x = np.zeros(m)
        contextual.box_least_squares(h, g, bound, m, x, scratch)
        design = np.vstack([phi, 1e-3 * np.eye(m)])
        want = lsq_linear(design, np.concatenate([y, np.zeros(m)]), bounds=(-bound, bound), method="bvls", tol=1e-14, max_iter=1000).x
        assert np.all(np.abs(x) <= bound + 1e-15)
        assert np.allclose(x, want, atol=1e-8 * (1 + np.abs(want).max())), trial
        hits += np.any(np.isclose(np.abs(x), bound))
    assert hits > 50, "the bounds bind in many trials"




@pytest.mark.parametrize("ridge", [1e-300, 5e-324])
def test_box_least_squares_with_a_vanishing_ridge_reaches_the_optimal_value(ridge):
    """Fewer observations than coefficients and a ridge far below rounding: the pivots are floored at
    a few ulps of the diagonal (the ridge was an absolute 1e-300 floor, which gave fits of ~1e150 and
    then inf), so x stays in the box and attains the constrained least-squares value (unique, unlike x)."""
    gen = np.random.default_rng(4)
    m = 6
    scratch = np.zeros(m * m + 3 * m)
    for trial in range(100):
        phi = gen.standard_normal((gen.integers(1, m), m)) * 10.0 ** gen.uniform(-2, 2)
        y = gen.standard_normal(phi.shape[0])
        bound = gen.random(m) * gen.choice([0.05, 5.0, 1e6])
        h = (phi.T @ phi + ridge * np.eye(m)).ravel()
        g = phi.T @ y
        x = np.zeros(m)
        contextual.box_least_squares(h, g, bound, m, x, scratch)
        want = lsq_linear(phi, y, bounds=(-bound, bound), method="bvls", tol=1e-14, max_iter=1000).x
        assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= bound)
        value = lambda v: 0.5 * np.sum((phi @ v - y) ** 2)  # noqa: E731
        assert value(x) <= value(want) + 1e-9 * (1.0 + np.sum(y * y)), trial


def test_chebcb_with_a_vanishing_ridge_stays_finite(table):
    env = table.environment(contexts=True)
    run = olearn.run(olearn.make("chebcb", ridge=1e-100, low=-0.15, high=0.65), env, horizon=70, seeds=3,
                     backend="cpu", keep_state=True, checkpoints=1, metrics=["loss"])  # the loop the figure replays compile
    assert np.all(np.isfinite(run.values)) and np.all(np.isfinite(run.states))
@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_tsallis_inf_cb_is_an_independent_tsallis_inf_per_bin(table, backend):
    costs, contexts = table.costs.astype(float), table.contexts
    k, n_bins, seed = costs.shape[1], 4, 9
    learner = olearn.make("tsallis_inf_cb", n_arms=k, low=-0.15, high=0.65, n_bins=n_bins, shift=1.0, normalize=True)
    actions, probs, _ = _drive(learner, costs, contexts, backend, seed=seed)
    refs = [reference.TsallisINF(k, shift=1.0, normalize=True, seed=seed * n_bins + j) for j in range(n_bins)]
    rounds = [0] * n_bins
    used = set()
    for t in range(costs.shape[0]):
        j = min(int((contexts[t] + 0.15) / 0.8 * n_bins), n_bins - 1)
        used.add(j)
        a, p_a = refs[j].act(rounds[j])
        rounds[j] += 1
        assert a == actions[t], f"round {t}, bin {j}"
        assert probs[t] == pytest.approx(p_a, rel=1e-9)
        refs[j].update(t, a, p_a, costs[t, a])
    assert len(used) >= 3


def test_contextual_learners_reject_an_empty_context_range():
    """low = high; ends whose width would overflow (the unit context would be NaN) are past the magnitude limit."""
    for name in ("chebcb", "tsallis_inf_cb"):
        with pytest.raises(olearn.ParameterError, match="'high'.*high - low finite"):
            olearn.run(olearn.make(name, low=1.0, high=1.0), "bernoulli", horizon=5)
        with pytest.raises(olearn.ParameterError, match="'low'.*at least -1e\\+100"):
            olearn.make(name, low=-1e308, high=1e308)
