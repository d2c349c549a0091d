"""CORRAL (olearn.learners.corral) against an independent reference loop, closed-form checks of its
log-barrier step, and what it is for: following the better of its bases."""
import math

import numpy as np
import pytest
from scipy.optimize import brentq

import environments
import olearn
from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.learners import model_selection

ENV = environments.make("bernoulli", means=[0.8, 0.6, 0.3])


def _step_reference(p, eta, chosen, ell):
    """The log-barrier OMD step by root finding: lambda with sum_i 1 / (1 / p_i + eta_i (l_i - lambda)) = 1."""
    loss = np.zeros_like(p)
    loss[chosen] = ell
    if ell == 0.0:
        return p.copy()
    inv = 1.0 / p + eta * loss
    pole = np.min(inv / eta)  # every denominator stays positive below this
    top = min(max(0.0, ell), pole - 1e-13 * max(1.0, abs(pole)))
    lam = brentq(lambda x: np.sum(1.0 / (inv - eta * x)) - 1.0, min(0.0, ell), top, xtol=1e-15, rtol=1e-15, maxiter=500)
    return 1.0 / (inv - eta * lam)


@pytest.mark.parametrize("case", range(6))
def test_log_barrier_step_solves_its_normaliser(case):
    """Probabilities sum to one and 1 / p' - 1 / p = eta (l - lambda) with one lambda: equal to brentq's root."""
    g = np.random.default_rng(case)
    m = int(g.integers(2, 7))
    p = g.dirichlet(np.ones(m))
    eta = g.uniform(0.01, 3.0, m)
    chosen = int(g.integers(m))
    ell = float(g.choice([0.0, g.uniform(0, 1) / p[chosen], g.uniform(0, 50), -g.uniform(0, 2)]))
    got = p.copy()
    model_selection.log_barrier_step(got, eta, m, chosen, ell)
    want = _step_reference(p, eta, chosen, ell)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)
    assert abs(got.sum() - 1.0) < 1e-14
    loss = np.zeros(m)
    loss[chosen] = ell
    lam = loss - (1.0 / got - 1.0 / p) / eta  # the same for every base
    np.testing.assert_allclose(lam, lam[0], rtol=0, atol=1e-9 * max(1.0, abs(ell)))
    if ell > 0:
        assert got[chosen] < p[chosen] and np.all(np.delete(got, chosen) > np.delete(p, chosen))


def test_log_barrier_step_on_extreme_inputs():
    """300 random steps with probabilities down to 1e-9, rates over seven orders of magnitude and losses up to
    1e6 (a base followed at pbar ~ 1e-6): brentq's root to 1e-9 wherever its bracket holds a sign change."""
    g = np.random.default_rng(7)
    compared = 0
    for _ in range(300):
        m = int(g.integers(2, 9))
        p = np.maximum(g.dirichlet(np.ones(m) * g.choice([0.05, 1.0, 5.0])), 1e-9)
        p /= p.sum()
        eta = g.uniform(0.001, 5.0, m) * g.choice([1.0, 1e-4, 1e3])
        chosen = int(g.integers(m))
        ell = float(g.choice([g.uniform(0, 1) / p[chosen], g.uniform(0, 1e6), -g.uniform(0, 3), g.uniform(0, 1)]))
        got = p.copy()
        model_selection.log_barrier_step(got, eta, m, chosen, ell)
        assert np.all(got > 0) and abs(got.sum() - 1.0) < 1e-14
        try:
            want = _step_reference(p, eta, chosen, ell)
        except ValueError:  # a step below rounding: f is 1 to the last bit at both ends
            continue
        np.testing.assert_allclose(got, want, rtol=1e-9)
        compared += 1
    assert compared > 280


def _bisection_reference(p, eta, chosen, ell):
    """The log-barrier step by plain bisection on [min(0, ell), max(0, ell)] down to adjacent doubles (a point past
    a pole counts as f > 1): whichever end has the sum nearer one, rescaled to sum to one.  Scale-free, unlike an
    absolute x tolerance, so it resolves a root near 1 / eta for any eta."""
    loss = np.zeros_like(p)
    loss[chosen] = ell

    def sums(x):
        denominators = 1.0 / p + eta * (loss - x)
        return (math.inf, None) if np.any(denominators <= 0.0) else (float(np.sum(1.0 / denominators)), 1.0 / denominators)

    low, high = min(0.0, ell), max(0.0, ell)
    while low < 0.5 * (low + high) < high:
        mid = 0.5 * (low + high)
        if sums(mid)[0] > 1.0:
            high = mid
        else:
            low = mid
    total, q = min((sums(x) for x in (low, high)), key=lambda s: abs(s[0] - 1.0))
    return q / q.sum()


@pytest.mark.parametrize("scale", [1e3, 1e35, 1e40, 1e100])
def test_log_barrier_step_at_the_largest_rates(scale):
    """Rates up to the largest eta the parameter accepts (1e100): the root sits near 1 / eta, far below the bracket's
    top end ell, and the step still returns the bisection reference's probabilities (bisection from ell alone would
    need ~log2(eta ell) halvings to pass the first pole, more than the step's cap at eta = 1e35)."""
    g = np.random.default_rng(11)
    for _ in range(25):
        m = int(g.integers(2, 5))
        p = np.maximum(g.dirichlet(np.ones(m)), 1e-3)
        p /= p.sum()
        eta = g.uniform(0.1, 1.0, m) * scale
        chosen = int(g.integers(m))
        ell = float(g.choice([g.uniform(0, 1) / p[chosen], g.uniform(0, 1)]))
        got = p.copy()
        model_selection.log_barrier_step(got, eta, m, chosen, ell)
        np.testing.assert_allclose(got, _bisection_reference(p, eta, chosen, ell), rtol=1e-9)
        assert got[chosen] < p[chosen]


def _reference_run(bases, base_loss, eta, seed, horizon, arms_played, losses):
    """CORRAL written out (numpy, brentq, one step-wise learner per base), checked round by round against the
    engine's trace: returns (the reference's arms, p, pbar)."""
    m = len(bases)
    log_t = max(math.log(horizon), 1.0)
    gamma, beta = 1.0 / horizon, math.exp(1.0 / log_t)
    eta = np.full(m, eta if eta is not None else math.sqrt(m * log_t / horizon))
    p = np.full(m, 1.0 / m)
    pbar = p.copy()
    rho = np.full(m, 2.0 * m)
    tuners = [olearn.stepwise(b, seed=int(model_selection.base_seed(seed, i)), backend="python", horizon=horizon) for i, b in enumerate(bases)]
    weighted = base_loss == "importance_weighted"
    arms = []
    for t in range(horizon):
        chosen = rng.categorical(seed, model_selection.FOLLOW, t, 0, pbar, m)
        proposed = [tuners[i].act() if weighted or i == chosen else None for i in range(m)]
        arms.append(proposed[chosen])
        assert proposed[chosen] == arms_played[t], f"round {t}: reference plays {proposed[chosen]}, engine {arms_played[t]}"
        f = losses[t]
        ell = f / pbar[chosen]
        for i in range(m):
            if weighted:
                tuners[i].update(proposed[i], ell if i == chosen else 0.0)
            elif i == chosen:
                tuners[i].update(proposed[i], f)
        p = _step_reference(p, eta, chosen, ell)
        p /= p.sum()
        pbar = (1.0 - gamma) * p + gamma / m
        low = 1.0 / pbar > rho
        rho[low] = 2.0 / pbar[low]
        eta[low] *= beta
    return np.array(arms), p, pbar


@pytest.mark.parametrize("base_loss", ["observed", "importance_weighted"])
def test_engine_equals_a_reference_loop(base_loss):
    bases = [olearn.make("ucb1", n_arms=3), olearn.make("exp3", n_arms=3, eta=0.3), olearn.make("thompson", n_arms=3)]
    t = olearn.learners.corral(*bases)
    horizon = 150
    res = olearn.run(t.make(base_loss=base_loss, eta=0.8), ENV, horizon=horizon, seeds=[0, 5], backend="python",
                     trace=True, keep_state=True)
    for j, seed in enumerate([0, 5]):
        arms, p, pbar = _reference_run(bases, base_loss, 0.8, seed, horizon, res.actions[0, j], res.losses[0, j])
        state = res.states[0, j]
        m = len(bases)
        np.testing.assert_allclose(state[2 : 2 + m], p, rtol=1e-9)
        np.testing.assert_allclose(state[2 + m : 2 + 2 * m], pbar, rtol=1e-9)
        followed = state[2 + 4 * m : 2 + 5 * m]
        assert followed.sum() == horizon  # rounds each base was followed


def test_cpu_equals_python_over_a_grid_and_mixed_bases():
    """A grid base (three EXP3 rates) next to a CORRAL of its own over UCB1 and Thompson sampling: bases of two
    types, action widths and state sizes, and a master nested in a master."""
    inner = olearn.learners.corral(olearn.make("ucb1"), olearn.make("thompson"), name="inner")
    t = olearn.learners.corral(olearn.make("exp3", eta=[0.01, 0.1, 1.0]), inner.make())
    learner = t.make(base_loss=["observed", "importance_weighted"])
    runs = [olearn.run(learner, ENV, horizon=60, seeds=[1, 2], backend=b, trace=True, keep_state=True) for b in ("python", "cpu")]
    olearn.testing.assert_same_run(*runs, "corral cpu")


@pytest.mark.parametrize("base_loss", ["observed", "importance_weighted"])
def test_over_one_base_it_is_that_base(base_loss):
    """With M = 1 the master always follows the base (p = 1: the step's lambda is the loss itself), the base runs
    at the engine's round with its seed (base_seed), and gets f / 1: the run is the base's own, action for action
    (on a table of losses, which no seed changes)."""
    base = olearn.make("exp3", eta=0.2)
    table = environments.make("loss_matrix", losses=np.random.default_rng(5).random((200, 3)))
    own = [int(model_selection.base_seed(s, 0)) for s in (0, 7)]
    alone = olearn.run(base, table, horizon=200, seeds=own, backend="python", trace=True)
    corralled = olearn.run(olearn.learners.corral(base).make(base_loss=base_loss), table, horizon=200, seeds=[0, 7],
                           backend="python", trace=True)
    np.testing.assert_array_equal(corralled.actions, alone.actions)
    np.testing.assert_array_equal(corralled.losses, alone.losses)


def test_a_nested_master_draws_apart_from_its_master():
    """A CORRAL as base 0 of a CORRAL, every base acting each round (importance weighted): at round 0 both masters
    draw one of two bases with probability 1/2, and over 400 seeds their draws agree about half the time (a
    nested master seeded with its master's seed drew with the same uniform: 400 of 400)."""
    inner = olearn.learners.corral(olearn.make("ucb1"), olearn.make("exp3"), name="inner")
    outer = olearn.learners.corral(inner.make(), olearn.make("exp3")).make(base_loss="importance_weighted")
    row = outer.bind(3, 0, 1)[0][0]
    inner_start = int(row[model_selection._BASES + 1])  # base 0's state: [its i_t, ...]
    res = olearn.run(outer, ENV, horizon=1, seeds=400, backend="python", keep_state=True)
    agree = np.mean(res.states[0, :, 0] == res.states[0, :, inner_start])
    assert 0.4 < agree < 0.6, agree


def test_follows_the_better_base():
    """Against a base that plays uniformly at random, CORRAL puts almost all its weight on UCB1 and its
    pseudo-regret is a small fraction of uniform play's, T (mean gap) = 5,000 x 0.233."""
    t = olearn.learners.corral(olearn.make("ucb1"), olearn.make("epsilon_greedy", epsilon=1.0))
    horizon = 5000
    res = olearn.run(t.make(), ENV, horizon=horizon, seeds=40, keep_state=True)
    regret = res.metric("pseudo_regret")[0, :, -1].mean()
    uniform = horizon * (0.8 - np.mean([0.8, 0.6, 0.3]))
    assert regret < 0.2 * uniform
    p_ucb = res.states[0, :, 2]
    assert p_ucb.mean() > 0.95
    followed = res.states[0, :, 2 + 8]
    assert followed.mean() > 0.9 * horizon


def test_tunes_a_rate_online():
    """Over EXP3 with rates 1e-4 (far too small: near-uniform play) and 0.1, the master moves to 0.1."""
    t = olearn.learners.corral(olearn.make("exp3", eta=[1e-4, 0.1]))
    res = olearn.run(t.make(base_loss="importance_weighted"), ENV, horizon=4000, seeds=40, keep_state=True)
    assert res.states[0, :, 3].mean() > 0.8  # p of the second base


def test_bad_bases_and_parameters_are_clear_errors():
    with pytest.raises(ParameterError, match="bases"):
        olearn.learners.corral()
    with pytest.raises(ParameterError, match="bandit learners"):
        olearn.learners.corral(olearn.make("hedge"))
    with pytest.raises(ParameterError, match="bandit learners"):
        olearn.learners.corral(olearn.make("ogd"))
    with pytest.raises(ParameterError, match="olearn.make"):
        olearn.learners.corral(3)
    with pytest.raises(ParameterError, match="n_arms"):
        olearn.run(olearn.learners.corral(olearn.make("ucb1", n_arms=5)).make(), ENV, horizon=5)
    with pytest.raises(ParameterError, match="eta"):
        olearn.make("corral", eta=0.0)
    with pytest.raises(ParameterError, match="base_loss"):
        olearn.make("corral", base_loss="weighted")
    with pytest.raises(ParameterError, match="delay"):
        olearn.run(olearn.make("corral"), ENV, horizon=5, delay=olearn.delays.fixed(2))  # the update reads act's i_t


def test_default_rate_is_sqrt_m_ln_t_over_t():
    """Without ``eta`` every base starts at the rate sqrt(M ln T / T) (ln T floored at 1): written out for M = 3,
    T = 150, the row's rate is sqrt(3 ln 150 / 150), and the engine's run equals the reference loop given that rate."""
    bases = [olearn.make("ucb1", n_arms=3), olearn.make("exp3", n_arms=3, eta=0.3), olearn.make("thompson", n_arms=3)]
    horizon = 150
    learner = olearn.learners.corral(*bases).make()
    row = learner.bind(3, 0, horizon)[0][0]
    assert row[model_selection._ETA] == pytest.approx(math.sqrt(3.0 * math.log(150.0) / 150.0), rel=1e-14)
    # a short horizon: ln 2 < 1 is floored at 1, rate sqrt(3 / 2)
    assert olearn.learners.corral(*bases).make().bind(3, 0, 2)[0][0][model_selection._ETA] == pytest.approx(
        math.sqrt(1.5), rel=1e-14)
    res = olearn.run(learner, ENV, horizon=horizon, seeds=[2], backend="python", trace=True, keep_state=True)
    _, p, pbar = _reference_run(bases, "observed", math.sqrt(3.0 * math.log(150.0) / 150.0), 2, horizon,
                                res.actions[0, 0], res.losses[0, 0])
    np.testing.assert_allclose(res.states[0, 0, 2:5], p, rtol=1e-9)
    np.testing.assert_allclose(res.states[0, 0, 5:8], pbar, rtol=1e-9)
