"""Private expert learners against NumPy references written here, round by round.

Each reference re-implements the algorithm from its docstring with NumPy (vector cumulative
losses, Laplace by the inverse CDF, the exponential mechanism by normalized cumulative sums,
the tree noise from an explicit dyadic decomposition of the prefix) and shares with the learner the
counter-based random draws and the constants of its parameter row (noise scales, thresholds, budgets, rates:
from ``learner.bind``), so these tests check the algorithms, not the calibration of those constants, which
tests/test_private_budget.py checks against the epsilon asked for.  The compiled and the uncompiled kernels must play
the reference's experts at every round (the engine's loop around them is checked against the
python backend by tests/test_parity.py and tests/test_gpu.py); the tree learners' noisy prefix sums must match to 1e-9.
"""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.core import rng
from olearn.learners import private
from olearn.privacy import audit

INIT = private.INIT_ROUND
T = 120


def lap(seed, stream, t, i, scale):
    v = rng.uniform(seed, stream, t, i) - 0.5
    return -scale * math.copysign(1.0, v) * math.log(1.0 - 2.0 * abs(v)) if v != 0.0 else 0.0


def exp_mech(scores, eta, u):
    return reference._invert(u, reference.exp_weights(scores, eta))


class SparseVector:
    """Sparse-vector switching with epochs (row: d, eps0, tau, K, b_thr, b_query, eta, epochs)."""

    def __init__(self, row, seed):
        self.d, _, self.tau, self.k_max, self.b_thr, self.b_q, self.eta, self.epochs = row
        self.d, self.seed = int(self.d), seed
        self.x = min(int(rng.uniform(seed, 3, INIT, 0) * self.d), self.d - 1)
        self.k, self.epoch, self.phase, self.L = 0, 0, 0.0, np.zeros(self.d)
        self.noisy = self.tau + lap(seed, 3, INIT, 1, self.b_thr)
        self.switches = 0

    def act(self, t):
        return self.x, None

    def update(self, t, arm, info, loss):
        loss = np.clip(loss, 0.0, 1.0)
        self.L += loss
        if self.k >= self.k_max and self.epoch >= self.epochs - 1:
            return  # budget spent: the expert is frozen
        self.phase += loss[self.x]
        if self.phase + lap(self.seed, 3, t, 0, self.b_q) >= self.noisy:
            if self.k >= self.k_max:
                self.epoch, self.k = self.epoch + 1, 0
            self.x = exp_mech(self.L, self.eta, rng.uniform(self.seed, 3, t, 1))
            self.k, self.phase, self.switches = self.k + 1, 0.0, self.switches + 1
            level = self.tau if self.epoch == 0 else self.tau + self.tau * 2.0 ** (self.epoch - 1)
            self.noisy = level + lap(self.seed, 3, t, 2, self.b_thr)


def dyadic_noise(m, d, seed, scale, gaussian):
    """Noise of the prefix of m rounds: one node per binary digit of m, node [a, a + 2^j) created at a + 2^j - 1."""
    total, start = np.zeros(d), 0
    for j in reversed(range(m.bit_length())):
        if m >> j & 1:
            created = start + (1 << j) - 1
            for i in range(d):
                total[i] += scale * rng.normal(seed, 3, created, i) if gaussian else lap(seed, 3, created, i, scale)
            start += 1 << j
    return total


class TreeHedge:
    def __init__(self, row, seed):
        self.d, self.eta, self.scale, self.gaussian = int(row[0]), row[1], row[2], row[3] > 0.5
        self.seed, self.L, self.S = seed, np.zeros(self.d), np.zeros(self.d)
        self.noises = []

    def act(self, t):
        return reference._invert(rng.uniform(self.seed, 1, t, 0), reference.exp_weights(self.L + self.S, self.eta)), None

    def update(self, t, arm, info, loss):
        self.L += np.clip(loss, 0.0, 1.0)
        self.S = dyadic_noise(t + 1, self.d, self.seed, self.scale, self.gaussian)
        self.noises.append(self.S.copy())


class LazyHedge:
    def __init__(self, row, seed):
        self.d, self.eta, self.block, self.seed = int(row[0]), row[1], int(row[2]), seed
        self.L, self.x = np.zeros(self.d), 0

    def act(self, t):
        if t % self.block == 0:
            self.x = exp_mech(self.L, self.eta, rng.uniform(self.seed, 1, t, 0))
        return self.x, None

    def update(self, t, arm, info, loss):
        self.L += np.clip(loss, 0.0, 1.0)


class NoisyLeader:
    def __init__(self, row, seed):
        self.d, self.scale, self.seed, self.L = int(row[0]), row[1], seed, np.zeros(int(row[0]))

    def act(self, t):
        noise = np.array([lap(self.seed, 1, t, i, self.scale) for i in range(self.d)])
        return int(np.argmin(self.L + noise)), None

    def update(self, t, arm, info, loss):
        self.L += np.clip(loss, 0.0, 1.0)


class Halving:
    def __init__(self, row, seed):
        self.seed, self.L = seed, np.zeros(int(row[0]))

    def act(self, t):
        leaders = np.flatnonzero(self.L == self.L.min())
        return int(leaders[min(int(rng.uniform(self.seed, 1, t, 0) * leaders.size), leaders.size - 1)]), None

    def update(self, t, arm, info, loss):
        self.L += loss


REFERENCES = {
    "dp_svt_experts": SparseVector, "dp_svt_small_loss": SparseVector, "dp_ftrl_tree_laplace": TreeHedge,
    "dp_ftrl_tree_gauss": TreeHedge, "dp_lazy_hedge": LazyHedge, "dp_noisy_leader": NoisyLeader, "halving": Halving,
}

CASES = [
    ("dp_svt_experts", {"epsilon": 20.0, "delta": 0.0, "switches": 3, "threshold": 2.0}),
    ("dp_svt_experts", {"epsilon": 5.0, "delta": 1e-4, "threshold": 3.0}),
    ("dp_svt_small_loss", {"epsilon": 30.0, "delta": 0.0, "switches": 2, "threshold": 1.5}),
    ("dp_ftrl_tree_laplace", {"epsilon": 50.0, "eta": 0.5}),
    ("dp_ftrl_tree_gauss", {"epsilon": 20.0, "delta": 1e-3, "eta": 0.5}),
    ("dp_lazy_hedge", {"epsilon": 20.0, "delta": 0.0, "block": 4}),
    ("dp_lazy_hedge", {"epsilon": 2.0, "delta": 1e-5}),
    ("dp_noisy_leader", {"epsilon": 100.0, "delta": 0.0}),
    ("halving", {}),
]


def expert_table(name, horizon, seed, **values):
    """The loss table (T x d) of an expert-sequence environment, read through its kernels."""
    env = environments.make(name, **values)
    et, row, state = env.type, env.row(), np.zeros(env.state_size())
    with np.errstate(over="ignore"):
        et.reset(state, row, seed)
        return np.array([[et.loss(state, row, np.zeros(0), t, seed, k) for k in range(env.n_actions)]
                         for t in range(horizon)])


TABLES = {
    "realizable": expert_table("realizable_experts", T, 3, n_experts=6, span=60, decoy_loss=0.7),
    "small_loss": expert_table("small_loss_experts", T, 4, n_experts=5, span=100, decoy_loss=1.0, best_loss=6),
    "oblivious": expert_table("oblivious_experts", T, 5, n_experts=4, gap=0.1, period=30),
    "fractional": np.round(np.random.default_rng(1).random((T, 3)), 3),
}


def test_every_private_learner_has_a_reference():
    assert {t.name for t in private.LEARNERS} == set(REFERENCES) == {name for name, _ in CASES}


def python_actions(learner, losses, seed):
    """The experts played by the uncompiled kernels (the python backend), through the step-wise driver."""
    tuner = olearn.stepwise(learner, seed=seed, backend="python", horizon=losses.shape[0])
    actions = []
    for row in losses:
        actions.append(tuner.act())
        tuner.update(actions[-1], row)
    return np.array(actions)


@pytest.mark.parametrize("name,values", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_learner_plays_the_reference_experts(name, values):
    for table, losses in TABLES.items():
        horizon, d = losses.shape
        learner = olearn.make(name, n_arms=d, **values)
        row = learner.bind(d, 0, horizon)[0][0]
        compiled = audit.play(learner, losses, [0, 11])  # the kernels compiled for the cpu backend
        for j, seed in enumerate((0, 11)):
            ref = REFERENCES[name](row, seed)
            actions, _ = reference.play(ref, lambda t, k: losses[t, k], d, horizon, full=True)
            np.testing.assert_array_equal(compiled[j], actions, err_msg=f"{name} on {table}, seed {seed}")
            if table == "realizable":
                np.testing.assert_array_equal(python_actions(learner, losses, seed), actions)


def test_tree_noise_is_the_dyadic_sum_of_node_noises():
    losses = TABLES["fractional"]
    for name, values in (("dp_ftrl_tree_laplace", {"epsilon": 2.0}), ("dp_ftrl_tree_gauss", {"epsilon": 2.0, "delta": 1e-5})):
        tuner = olearn.stepwise(olearn.make(name, n_arms=3, **values), seed=5, backend="python", horizon=T)
        ref = TreeHedge(tuner.params, 5)
        for t in range(T):
            tuner.update(tuner.act(), losses[t])
            ref.update(t, None, None, losses[t])
            np.testing.assert_allclose(tuner.state[3:6], ref.S, rtol=0, atol=1e-9)


def test_tree_levels_count_the_released_nodes_that_hold_a_round():
    """tree_levels(T) is the most released nodes holding one round, counted on the explicit tree (round c completes
    the node [c + 1 - 2^r, c], r the trailing zeros of c + 1; only rounds 0..T-1 complete nodes), which is
    dp-accounting's tree depth ceil(log2(T + 1)); the Laplace scale is that count times d / eps.  It had been
    1 + ceil(log2 T), one node too many at every T that is not a power of 2 (T = 3: round 0 is in [0] and [0, 1] only),
    so the Gaussian tree's audit shifted a node the tree never releases."""
    from olearn.privacy.mechanisms import tree_levels

    for horizon in range(1, 70):
        held = np.zeros(horizon, dtype=int)
        for c in range(horizon):
            r = ((c + 1) & -(c + 1)).bit_length() - 1
            held[c + 1 - (1 << r) : c + 1] += 1
        assert tree_levels(horizon) == held.max() == math.ceil(math.log2(horizon + 1)), horizon
        assert private.tree_laplace_scale(0.5, 3, horizon) == pytest.approx(held.max() * 3 / 0.5, rel=1e-12)


def test_sparse_vector_switches_on_the_realizable_table_stay_within_budget():
    """The learner itself (not the reference): with a threshold so low that the noise alone fires, it
    still switches at most K = 3 times, and then keeps its expert."""
    from olearn.learners.private import SVT_K

    losses = TABLES["realizable"]
    most = 0
    for seed in range(20):
        tuner = olearn.stepwise(olearn.make("dp_svt_experts", n_arms=6, epsilon=20.0, delta=0.0, switches=3, threshold=2.0),
                                seed=seed, backend="python", horizon=T)
        played = []
        for t in range(T):
            played.append(tuner.act())
            tuner.update(played[-1], losses[t])
        changes = int(np.count_nonzero(np.diff(played)))
        assert tuner.state[SVT_K] <= 3 and changes <= 3, (seed, tuner.state[SVT_K], changes)
        most = max(most, int(tuner.state[SVT_K]))
    assert most == 3  # the budget is reached, so the bound is what stops it


def test_small_loss_epochs_reach_the_horizon():
    """The doubling schedule's last epoch has L_hat = tau 2^(E - 2) >= T for the tau the learner uses."""
    # the row layout: [d, eps0, tau, K, b_threshold, b_query, eta, epochs]
    # each value of d, T and eps twice, in half the product (each row calibrates the default-delta budget)
    for d, horizon, eps in ((64, 2000, 0.5), (64, 10_000, 5.0), (1024, 2000, 5.0), (1024, 10_000, 0.5)):
        row = olearn.make("dp_svt_small_loss", epsilon=eps).bind(d, 0, horizon)[0][0]
        tau, epochs = row[2], int(row[7])
        assert tau * 2.0 ** (epochs - 2) >= horizon, (d, horizon, eps, tau, epochs)


def test_small_loss_epochs_are_the_fewest_that_reach_the_horizon():
    """E is the smallest count with 2 + ceil(log2(T / tau(E))) <= E: one epoch fewer would not reach T
    (a larger E only splits eps0 further; eps = 5, d = 4, T = 100 had used 3 epochs where 2 reach T)."""
    for eps, delta, d, horizon in ((5.0, 0.0, 4, 100), (1.0, 0.0, 64, 10_000), (2.0, None, 4, 1000), (0.5, 0.0, 1024, 10_000)):
        values = olearn.make("dp_svt_small_loss", epsilon=eps, delta=delta).values
        row = private._small_loss_row(values, d, 0, horizon)
        epochs = int(row[7])
        assert row[2] * 2.0 ** (epochs - 2) >= horizon
        if epochs > 1:
            fewer = private.svt_constants(values, d, horizon, epochs - 1)[2]
            assert private.small_loss_epochs(fewer, horizon) > epochs - 1, (eps, delta, d, horizon, epochs)
    assert int(olearn.make("dp_svt_small_loss", epsilon=5.0, delta=0.0).bind(4, 0, 100)[0][0][7]) == 2


def test_small_loss_world_designates_the_best_expert():
    for seed in range(3):
        losses = expert_table("small_loss_experts", 2000, seed, n_experts=64, span=2000, decoy_loss=0.5, best_loss=100)
        totals = losses.sum(axis=0)
        assert np.sort(totals)[0] == 100 and np.sort(totals)[1] > 100, np.sort(totals)[:3]
