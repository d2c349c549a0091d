"""Exp4 (olearn's ``exp4``): against a slow NumPy transcription of Auer et al. (2002) / Lattimore and
Szepesvari (2020, ch. 18), round by round; with the K constant experts it is Exp3 (olearn's ``exp3``) draw for
draw; on a linear contextual world its regret against the best expert in hindsight (computed from the traced
actions and the world's losses) is below sqrt(2 T K ln N) and far below Exp3's against that same policy;
inconsistent policy matrices raise ParameterError naming ``policies``."""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.core import rng
from olearn.core.errors import ParameterError


class Exp4Reference:
    """Exp4 written from the paper: Q ∝ exp(-eta Lhat), P = Q E (E the N x K 0/1 advice matrix), A ~ P by
    inversion of u = uniform(seed, LEARNER, t, 0), Xhat = e_A loss / P_A, Lhat += E Xhat."""

    def __init__(self, policies, k, horizon, eta=None, seed=0):
        self.w = np.asarray(policies, dtype=float).reshape(-1, k, np.asarray(policies).shape[1])  # N x K x m
        self.k, self.n, self.seed = k, self.w.shape[0], seed
        self.eta = eta if eta is not None else math.sqrt(2.0 * math.log(self.n) / (horizon * k))
        self.cum = np.zeros(self.n)

    def advice_matrix(self, x):
        scores = self.w @ x  # N x K
        e = np.zeros((self.n, self.k))
        e[np.arange(self.n), np.argmax(scores, axis=1)] = 1.0  # np.argmax: first index on ties
        return e

    def act(self, x, t):
        q = np.exp(-self.eta * (self.cum - self.cum.min()))
        q /= q.sum()
        p = q @ self.advice_matrix(x)
        u = rng.uniform(self.seed, rng.LEARNER, t, 0)
        arm = int(np.searchsorted(np.cumsum(p), u, side="right"))
        if arm >= self.k:  # u above the rounded total: the last arm with positive probability
            arm = int(np.flatnonzero(p > 0)[-1])
        return arm, p[arm]

    def update(self, x, arm, p_arm, loss):
        xhat = np.zeros(self.k)
        xhat[arm] = loss / p_arm
        self.cum += self.advice_matrix(x) @ xhat


def _policies(k, d, n, seed):
    return np.random.default_rng(seed).normal(size=(n * k, d))


@pytest.mark.parametrize("eta, backend", [(None, "python"), (0.4, "python"), (None, "cpu")])
def test_exp4_matches_the_reference_round_by_round(eta, backend):
    env = environments.make("linear_contextual", n_arms=3, dim=2)
    horizon, seeds, w = 60, [0, 5], _policies(3, 2, 4, seed=1)
    run = olearn.run(olearn.make("exp4", policies=w, eta=eta), env, horizon=horizon, seeds=seeds, backend=backend,
                     trace=True)
    tuner = olearn.stepwise(olearn.make("exp4", policies=w, eta=eta, n_arms=3), seed=seeds[1], backend="python",
                            horizon=horizon, obs_dim=2)
    for s, seed in enumerate(seeds):
        world = reference.LinearContextual(env, seed)
        learner = Exp4Reference(w, 3, horizon, eta=eta, seed=seed)
        arms = []
        for t in range(horizon):
            x = world.context(t)
            arm, p = learner.act(x, t)
            loss = world.losses(t)[arm]
            if seed == seeds[1]:
                assert tuner.act(x) == arm and abs(tuner.action[1] - p) < 1e-12, t
                tuner.update(arm, loss)
            learner.update(x, arm, p, loss)
            arms.append(arm)
        assert len(set(arms)) > 1
        np.testing.assert_array_equal(run.actions[0, s].astype(int), arms, err_msg=f"seed {seed}")
        if seed == seeds[1]:
            np.testing.assert_allclose(tuner.state[:4], learner.cum, rtol=1e-12)  # Lhat of the 4 experts


@pytest.mark.parametrize("world, params", [("linear_contextual", {"n_arms": 4, "dim": 3}),
                                           ("bernoulli", {"means": [0.2, 0.5, 0.7]})])
@pytest.mark.parametrize("eta", [None, 0.2])
def test_constant_experts_make_exp4_exp3(world, params, eta):
    """policies=None: the K constant experts, so P = Q, Yhat = Xhat and the default eta = sqrt(2 ln K / (T K)) is
    exp3's: the same draws give the same actions, losses and regrets (exp3 mixes in no uniform exploration)."""
    env = environments.make(world, **params)
    kw = dict(horizon=200, seeds=[0, 1, 9], trace=True, backend="python")
    four = olearn.run(olearn.make("exp4", eta=eta), env, **kw)
    three = olearn.run(olearn.make("exp3", eta=eta), env, **kw)
    for field in ("actions", "losses", "values"):
        np.testing.assert_array_equal(getattr(four, field), getattr(three, field), err_msg=field)
    assert len(np.unique(four.actions)) == env.n_actions


def test_regret_against_the_best_expert_is_below_the_bound():
    """K = 3 arms in R^2, N = 16 linear experts: the best policy argmax_k theta_k . x and 15 random ones.  Mean
    realized regret against the best expert in hindsight (each expert's losses from the world's losses at the
    traced rounds' contexts) is below sqrt(2 T K ln N) (Lattimore and Szepesvari, Thm 18.1), and below half of
    Exp3's regret against that same expert (Exp3 competes with fixed arms only)."""
    theta = np.array([[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
    env = environments.make("linear_contextual", theta=theta)
    k, horizon, seeds = 3, 1200, list(range(10))
    w = np.vstack([theta, _policies(k, 2, 15, seed=5)])
    n = w.shape[0] // k
    runs = {name: olearn.run(olearn.make(name, **extra), env, horizon=horizon, seeds=seeds, trace=True, backend="python")
            for name, extra in (("exp4", {"policies": w}), ("exp3", {}))}
    scorer = Exp4Reference(w, k, horizon)
    regret = {name: [] for name in runs}
    for s, seed in enumerate(seeds):
        world = reference.LinearContextual(env, seed)
        expert_loss = np.zeros(n)
        for t in range(horizon):
            losses = world.losses(t)
            expert_loss += scorer.advice_matrix(world.context(t)) @ losses
            for name, run in runs.items():
                assert run.losses[0, s, t] == losses[int(run.actions[0, s, t])]
        for name, run in runs.items():
            regret[name].append(run.losses[0, s].sum() - expert_loss.min())
        assert np.argmin(expert_loss) == 0  # the best policy is the best expert in hindsight
    bound = math.sqrt(2 * horizon * k * math.log(n))
    mean4, mean3 = np.mean(regret["exp4"]), np.mean(regret["exp3"])
    assert mean4 < bound, (mean4, bound)
    assert mean4 < 0.5 * mean3, (mean4, mean3)


@pytest.mark.parametrize("world, policies, allowed", [
    ("linear_contextual", np.ones((7, 2)), "N * 3 rows"),
    ("linear_contextual", np.ones((6, 3)), "2 columns: the context dimension d = 2"),
    ("bernoulli", np.ones((6, 2)), "1 columns: one feature, the constant 1"),
])
def test_inconsistent_policies_are_parameter_errors(world, policies, allowed):
    env = environments.make(world, **({"n_arms": 3, "dim": 2} if world != "bernoulli" else {"means": [0.1, 0.5, 0.9]}))
    with pytest.raises(ParameterError, match="policies") as err:
        olearn.run(olearn.make("exp4", policies=policies), env, horizon=10, seeds=1)
    assert allowed in str(err.value)


def test_advice_is_the_first_argmax_of_the_scores():
    """advice(n) = argmax_k W[n K + k] . x, the lowest index on ties, x the context or the single feature 1 without
    one (d = 0), against NumPy's argmax (first index on ties) of the scores."""
    from olearn.learners.expert_advice import advice

    w0 = np.array([[0.0], [1.0], [0.0], [2.0], [2.0], [1.0], [-1.0], [-1.0], [-1.0], [0.5], [0.3], [0.5]])
    row = olearn.make("exp4", policies=w0).bind(3, 0, 50)[0][0]
    want = np.argmax(w0.reshape(4, 3), axis=1)
    assert [advice(row, np.zeros(1), n) for n in range(4)] == want.tolist() == [1, 0, 0, 0]
    w2 = np.round(_policies(3, 2, 5, seed=4), 1)
    w2[3:6] = [w2[3], w2[3], w2[5]]  # expert 1: arms 0 and 1 always tie
    row = olearn.make("exp4", policies=w2).bind(3, 2, 50)[0][0]
    for x in np.random.default_rng(8).normal(size=(20, 2)):
        want = np.argmax(w2.reshape(5, 3, 2) @ x, axis=1)
        assert [advice(row, x, n) for n in range(5)] == want.tolist(), x


def test_negative_eta_is_refused():
    with pytest.raises(ParameterError, match="eta"):
        olearn.make("exp4", eta=-0.1)
