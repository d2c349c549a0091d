"""Cover's universal portfolio by sampling (``universal_portfolio``) against independent truth.

The registry-wide checks (python/cpu parity, the GPU simulator, the step-wise replay) cover it as every oco learner.
Here:

* its wealth is exactly the mean of its N sampled constant rebalanced portfolios' wealths, computed in NumPy
  from the market and the portfolios drawn as the docstring says (Cover 1991's identity), at every checkpoint,
  so its regret to the best of them is at most ln N;
* the portfolios follow the Dirichlet(1/2) prior: mean 1/d, the Dirichlet variance;
* on Cover's market its regret is that of Cover's integral, computed by Gauss-Chebyshev quadrature (the
  Dirichlet(1/2) density on [0, 1] is the Chebyshev weight), to within the sampling error;
* step-wise on a simplex of total R it plays R times the wealth-weighted mean and its state holds ln W_j, through a
  crashing asset and wealths past exp's range; samples outside [1, 10^6] and domains other than simplices are refused;
* Cover and Ordentlich's bound, which the docstring quotes, holds for the exact integral on every extreme market.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core import rng
from olearn.core.errors import ParameterError


def drawn_portfolios(seed, n, d):
    """b_ji = Z_ji^2 / sum_i Z_ji^2 with Z_ji the standard normal draw (seed, LEARNER, round 0, index j d + i)."""
    z = np.array([[rng.normal(seed, rng.LEARNER, 0, j * d + i) for i in range(d)] for j in range(n)])
    return z ** 2 / (z ** 2).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_wealth_is_the_mean_of_the_sampled_portfolios_wealths(backend):
    market = np.exp(np.random.default_rng(5).normal(0.0, 0.1, size=(40, 3)))
    env = environments.make("portfolio", relatives=market)
    n, seeds, rounds = 64, [0, 3], [1, 7, 40, 100]
    res = olearn.run(olearn.make("universal_portfolio", samples=n), env, horizon=100, seeds=seeds, backend=backend,
                     checkpoints=rounds)
    for s, seed in enumerate(seeds):
        b = drawn_portfolios(seed, n, 3)
        log_wealth = np.cumsum(np.log(market[np.arange(100) % 40] @ b.T), axis=0)  # ln W_t(b_j), t = 1 .. 100
        for c, t in enumerate(rounds):
            mean = np.log(np.mean(np.exp(log_wealth[t - 1])))
            assert res.metric("loss")[0, s, c] == pytest.approx(-mean, rel=1e-12, abs=1e-12), (seed, t)
            assert res.metric("loss")[0, s, c] <= -log_wealth[t - 1].max() + math.log(n) + 1e-12


def test_portfolios_follow_the_dirichlet_half_prior():
    d, n = 4, 20000
    res = olearn.run(olearn.make("universal_portfolio", samples=n), environments.make(
        "portfolio", relatives=np.ones((1, d))), horizon=1, seeds=[2], keep_state=True)
    b = res.states[0, 0, n:].reshape(n, d)
    np.testing.assert_allclose(b[:50], drawn_portfolios(2, 50, d), rtol=1e-14)
    a0 = d / 2  # Dirichlet(1/2, ..., 1/2): mean 1/d, variance (1/2)(a0 - 1/2) / (a0^2 (a0 + 1))
    variance = 0.5 * (a0 - 0.5) / (a0 ** 2 * (a0 + 1))
    assert np.all(np.abs(b.mean(axis=0) - 1 / d) < 4 * math.sqrt(variance / n))
    assert np.all(np.abs(b.var(axis=0) / variance - 1) < 0.05)


def test_regret_on_covers_market_is_that_of_covers_integral():
    """Cover's market, T = 16,000: W_T of the exact universal portfolio is E[W_T(b)] under b ~ arcsine, computed
    by Gauss-Chebyshev quadrature (200,000 nodes); its regret is 3.97 (ONS's, 7.94, is measured in test_portfolio.py), and the sampled
    learner (N = 1,000, 8 seeds) is within 0.5 of it on average (measured 3.8 to 4.3 per seed)."""
    horizon = 16000
    k = np.arange(1, 200_001)
    b = (1 + np.cos((2 * k - 1) * np.pi / 400_000)) / 2  # the stock's share
    a, h = (horizon + 1) // 2, horizon // 2
    log_wealth = a * np.log1p(b) + h * np.log1p(-b / 2)
    exact = -(log_wealth.max() + np.log(np.mean(np.exp(log_wealth - log_wealth.max()))))
    best = -(a * math.log1p(0.5) + h * math.log1p(-0.25))
    res = olearn.run(olearn.make("universal_portfolio", samples=1000), environments.make("portfolio"),
                     horizon=horizon, seeds=8, checkpoints=[horizon])
    regret = res.final("regret")[0]
    print("exact", exact - best, "sampled", regret)
    assert 3.5 < exact - best < 4.5
    assert abs(regret.mean() - (exact - best)) < 0.5


def test_stepwise_on_a_simplex_of_total_r_plays_r_times_the_wealth_weighted_mean():
    """Step-wise (python) on a simplex of total R = 2.5, fed f_t = -ln <x_t, r_t> and g_t = -r_t / <x_t, r_t> of a
    market with a crashing asset (relatives 1e-4) and rows scaled up to 1e150 (ln W_j passes 700, where exp overflows
    unless the largest is subtracted): every round x_t = R sum_j W_j b_j / sum_j W_j with W_j = prod_s <b_j, r_s>,
    and the state's first N entries are ln W_j, both computed here in NumPy from the drawn portfolios."""
    n, d, R = 40, 3, 2.5
    rows = np.array([[1e-4, 1.3, 0.9], [1.1, 1e-4, 1.2], [0.7, 1.4, 1e-4], [1.0, 0.6, 1.5]])
    market = [rows[t % 4] * (1e150 if t % 3 == 2 else 1.0) for t in range(14)]
    b = drawn_portfolios(5, n, d)
    learner = olearn.stepwise(olearn.make("universal_portfolio", dim=d, samples=n), seed=5, backend="python",
                              domain="simplex", radius=R)
    log_wealth = np.zeros(n)
    for r in market:
        x = learner.act()
        w = np.exp(log_wealth - log_wealth.max())
        np.testing.assert_allclose(x, R * (w @ b) / w.sum(), rtol=1e-12, atol=1e-15)
        learner.update(x, -math.log(x @ r), -r / (x @ r))
        log_wealth += np.log(b @ r)
        np.testing.assert_allclose(learner.state[:n], log_wealth, rtol=1e-12, atol=1e-9)
    assert log_wealth.max() > 1000 and np.log(b @ rows[0]).min() < math.log(1e-2)


@pytest.mark.parametrize("samples", [0, 1_000_001])
def test_samples_outside_one_to_a_million_are_refused(samples):
    with pytest.raises(ParameterError, match="'samples'"):
        olearn.make("universal_portfolio", samples=samples)


def test_it_plays_on_simplices_only():
    with pytest.raises(ParameterError, match="'domain'"):
        olearn.stepwise(olearn.make("universal_portfolio", dim=2), domain="ball", backend="python")


def test_the_quoted_bound_holds_for_the_exact_integral_on_every_extreme_market():
    """The bound the docstring quotes, ln(W_T(best CRP) / W_T) <= (d - 1)/2 ln(T + 1) + ln 2 for Cover's integral under
    the Dirichlet(1/2) prior, on every extreme market (each day one asset's relative is 1, the others' 0), where
    Cover and Ordentlich (1996) locate the worst case.  There the integral is a Dirichlet moment,
    W_T = Gamma(d/2) prod_i Gamma(n_i + 1/2) / (Gamma(1/2)^d Gamma(T + d/2)), with n_i the days asset i gains, and the
    best CRP's wealth is prod_i (n_i / T)^n_i.  At d = 3 the bound is tight: a market of one asset gives 2 (T + 1/2)."""
    import itertools

    for d, horizons in ((2, (1, 2, 7, 40)), (3, (1, 5, 40)), (4, (1, 3, 20))):
        for horizon in horizons:
            worst = -math.inf
            for head in itertools.product(range(horizon + 1), repeat=d - 1):
                if sum(head) <= horizon:
                    n = [*head, horizon - sum(head)]
                    log_w = (math.lgamma(d / 2) + sum(math.lgamma(k + 0.5) for k in n) - d * math.lgamma(0.5)
                             - math.lgamma(horizon + d / 2))
                    worst = max(worst, sum(k * math.log(k / horizon) for k in n if k) - log_w)
            bound = (d - 1) / 2 * math.log(horizon + 1) + math.log(2)
            assert worst <= bound, (d, horizon, worst, bound)
            if d == 3:
                assert worst == pytest.approx(math.log(2 * (horizon + 0.5)), rel=1e-12)
