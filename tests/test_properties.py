"""Property tests: the exponential-weights and Tsallis-INF probability kernels stay on the simplex."""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import environments
import olearn
from olearn.learners.bandits import exponential_weights, tsallis_weights

CUM = st.integers(1, 30).flatmap(
    lambda k: arrays(np.float64, k, elements=st.floats(-1e7, 1e9, allow_nan=False, allow_infinity=False)))
ETA = st.floats(1e-6, 100.0)


def _check_simplex(p, cum):
    assert np.all(np.isfinite(p)), p
    assert np.all(p >= 0), p
    assert abs(p.sum() - 1.0) < 1e-9, p.sum()
    # lower cumulative loss never gets less probability
    order = np.argsort(cum, kind="stable")
    assert np.all(np.diff(p[order]) <= 1e-12), (cum, p)
    # the leader (lowest loss) has positive probability
    assert p[np.argmin(cum)] > 0


@settings(max_examples=200, deadline=None)
@given(CUM, ETA)
def test_exponential_weights_on_the_simplex(cum, eta):
    p = np.full(cum.size, np.nan)
    exponential_weights(cum, eta, p, cum.size)
    _check_simplex(p, cum)


@settings(max_examples=200, deadline=None)
@given(CUM, st.floats(1e-4, 10.0))
def test_tsallis_weights_on_the_simplex(cum, eta):
    p = np.full(cum.size, np.nan)
    tsallis_weights(cum, eta, p, cum.size)
    _check_simplex(p, cum)
    # p_i = 4 / (eta (L_i - x))^2: the implied x is the same for every arm with p_i > 1e-12
    big = p > 1e-6
    x = cum[big] - 2.0 / (eta * np.sqrt(p[big]))
    assert np.ptp(x) <= 1e-6 * (1 + np.abs(cum).max()) + 1e-6 * np.abs(x).max()


@settings(max_examples=200, deadline=None)
@given(CUM, ETA)
def test_weights_are_shift_invariant(cum, eta):
    shift = 1000.0
    assume(np.abs(cum).max() < 1e6)
    p, q = np.zeros(cum.size), np.zeros(cum.size)
    exponential_weights(cum, eta, p, cum.size)
    exponential_weights(cum + shift, eta, q, cum.size)
    np.testing.assert_allclose(p, q, atol=1e-9)
    tsallis_weights(cum, min(eta, 10.0), p, cum.size)
    tsallis_weights(cum + shift, min(eta, 10.0), q, cum.size)
    np.testing.assert_allclose(p, q, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 15), st.integers(0, 2**31), st.sampled_from(["exp3", "tsallis_inf", "hedge"]),
       st.floats(0.0, 1.0))
def test_tiny_runs_stay_on_the_simplex(k, horizon, seed, name, p_one):
    """Whole tiny runs (python backend): actions in range, trace losses those of the matrix, probabilities valid."""
    gen = np.random.default_rng(seed)
    losses = (gen.random((horizon, k)) < p_one).astype(float)
    env = environments.make("loss_matrix", losses=losses)
    res = olearn.run(olearn.make(name), env, horizon=horizon, seeds=[seed], backend="python", trace=True)
    acts = res.actions[0, 0].astype(int)
    assert np.all((0 <= acts) & (acts < k))
    np.testing.assert_array_equal(res.losses[0, 0], losses[np.arange(horizon), acts])
    tuner = olearn.stepwise(olearn.make(name, n_arms=k), seed=seed, backend="python", horizon=horizon)
    full = name == "hedge"
    for t in range(horizon):
        a = tuner.act()
        probs = tuner.state[k : 2 * k]
        assert np.all(np.isfinite(probs)) and abs(probs.sum() - 1) < 1e-9 and probs[a] > 0
        tuner.update(a, losses[t] if full else losses[t, a])


def test_tsallis_weights_of_huge_losses_are_those_of_their_differences():
    """Shifting every L_i by c leaves the probabilities as they are.  With c = +-2^72 (every L_i + c exact, as
    the gaps are multiples of 2^20) L_i - x lost x's offset to rounding: the weights were off by up to 12%."""
    eta = 2.0**-20
    gaps = np.array([0.0, 3.0, 1.0, 7.0, 2.0]) * 2.0**20
    expected = np.zeros(gaps.size)
    tsallis_weights(gaps, eta, expected, gaps.size)
    assert expected.min() > 1e-3
    for c in (2.0**72, -(2.0**72)):
        shifted = gaps + c
        assert np.array_equal(shifted - c, gaps)
        p = np.zeros(gaps.size)
        tsallis_weights(shifted, eta, p, gaps.size)
        np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_beta_tail_and_quantile_gap_stay_exact_for_huge_pseudo_counts():
    """Bayes-UCB's special functions at pseudo-counts up to 1e9, against truths that need no incomplete beta:
    Beta(a, a) has median 1/2 exactly; Beta(a, 1) has P(X > q) = 1 - q^a, so its upper delta-quantile has
    gap y = 1 - q = -expm1(ln(1 - delta) / a); Beta(1, b) has P(X > q) = (1 - q)^b, so y = delta^(1/b); and
    B(a, n) = (n - 1)! / (a (a + 1) ... (a + n - 1)) for whole n (SciPy's betaln is itself off by up to 1e-11
    with one argument near 10 and the other huge).  The continued fraction once stopped after 300 terms (the median
    of Beta(1e7, 1e7) came out 0.498 and its tail at 1/2 0.509), ln B was a difference of ln Gamma values near 1e8 (an error of 1e-8
    in ln B(5e6, 1)), and ln(1 - x) was taken of the rounded 1 - x, magnified a-fold."""
    import math

    from olearn.core.special import beta_upper_gap, log_beta, log_beta_tail

    for a in (1e4, 1e6 + 0.5, 1e7):
        assert abs(beta_upper_gap(math.log(0.5), a, a) - 0.5) <= 1e-11
        # a ln x + b ln(1 - x) - ln B(a, b) cancels terms near 1e7: 5e-9 of relative precision is what is left
        assert abs(log_beta_tail(0.5, a, a) - math.log(0.5)) <= 5e-9
    for a in (1e3, 1e6, 5e6, 1e7, 2e7):
        for log_delta in (-1e-3, -0.7, -20.0, -300.0):
            want = -math.expm1(math.log1p(-math.exp(log_delta)) / a)
            assert beta_upper_gap(log_delta, a, 1.0) == pytest.approx(want, rel=1e-10, abs=0.0), (a, log_delta)
            assert beta_upper_gap(log_delta, 1.0, a) == pytest.approx(math.exp(log_delta / a), rel=1e-12, abs=0.0), (a, log_delta)
    for a in (1e-3, 0.5, 1.0, 9.5, 10.0, 12.0, 1e3, 5e6, 1e9):
        for n in (1, 2, 5, 10, 11):  # B(a, n) = (n - 1)! / (a (a + 1) ... (a + n - 1))
            want = math.lgamma(n) - math.fsum(math.log(a + k) for k in range(n))
            assert abs(log_beta(a, n) - want) <= 1e-14 * max(1.0, abs(want)), (a, n)
            assert log_beta(a, n) == log_beta(n, a)
