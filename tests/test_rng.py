"""The counter-based generator: range, determinism, uniformity and the laws of its derived draws."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from olearn.core import rng

SEED = st.integers(0, 2**62)
COUNTER = st.integers(0, 2**40)


@settings(max_examples=300, deadline=None)
@given(SEED, st.integers(0, 7), COUNTER, COUNTER)
def test_uniform_in_unit_interval_and_deterministic(seed, stream, t, i):
    u = rng.uniform(seed, stream, t, i)
    assert isinstance(u, float) and 0.0 <= u < 1.0
    assert rng.uniform(seed, stream, t, i) == u
    # 53 random bits: u * 2^53 is an integer
    assert float(u * 2**53).is_integer()


@settings(max_examples=200, deadline=None)
@given(SEED, COUNTER, COUNTER)
def test_neighbouring_counters_give_different_draws(seed, t, i):
    u = rng.uniform(seed, rng.ENV, t, i)
    others = {rng.uniform(seed + 1, rng.ENV, t, i), rng.uniform(seed, rng.LEARNER, t, i),
              rng.uniform(seed, rng.ENV, t + 1, i), rng.uniform(seed, rng.ENV, t, i + 1)}
    assert u not in others


def _chi2_pvalue(samples, bins=100):
    counts, _ = np.histogram(samples, bins=bins, range=(0.0, 1.0))
    return stats.chisquare(counts).pvalue


@pytest.mark.parametrize("vary", ["index", "round", "seed"])
def test_uniformity_chi_square(vary):
    n = 100_000 if vary == "index" else 30_000
    if vary == "index":
        u = np.array([rng.uniform(42, rng.ENV, 7, i) for i in range(n)])
    elif vary == "round":
        u = np.array([rng.uniform(42, rng.LEARNER, t, 3) for t in range(n)])
    else:
        u = np.array([rng.uniform(s, rng.DELAY, 0, 0) for s in range(n)])
    assert _chi2_pvalue(u) > 1e-4
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / n)
    # consecutive draws are uncorrelated
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4 / math.sqrt(n)


def test_chi_square_detects_a_non_uniform_sample():
    u = np.array([rng.uniform(42, rng.ENV, 7, i) for i in range(20_000)])
    assert _chi2_pvalue(u**1.15) < 1e-4  # the test has power against a small distortion


def test_normal_mean_and_variance():
    n = 20_000
    z = np.array([rng.normal(3, rng.ENV, 1, i) for i in range(n)])
    assert np.all(np.isfinite(z))
    assert abs(z.mean()) < 4 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 4 * math.sqrt(2 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-4


@pytest.mark.parametrize("shape", [0.3, 1.0, 2.5, 10.0])
def test_gamma_mean_and_variance(shape):
    n = 4_000
    g = np.array([rng.gamma(5, rng.LEARNER, 2, i, shape) for i in range(n)])
    assert np.all(g > 0) and np.all(np.isfinite(g))
    assert abs(g.mean() - shape) < 4 * math.sqrt(shape / n)
    assert stats.kstest(g, "gamma", args=(shape,)).pvalue > 1e-4


@pytest.mark.parametrize("a, b", [(1.0, 1.0), (2.0, 5.0), (0.5, 0.5), (30.0, 3.0)])
def test_beta_mean(a, b):
    n = 4_000
    x = np.array([rng.beta(9, rng.LEARNER, 4, i, a, b) for i in range(n)])
    assert np.all((x >= 0) & (x <= 1))
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    assert abs(x.mean() - a / (a + b)) < 4 * math.sqrt(var / n)
    assert stats.kstest(x, "beta", args=(a, b)).pvalue > 1e-4


def test_categorical_frequencies():
    probs = np.array([0.1, 0.0, 0.6, 0.3, 0.0])
    n = 30_000
    draws = np.array([rng.categorical(1, rng.LEARNER, t, 0, probs, probs.size) for t in range(n)])
    counts = np.bincount(draws, minlength=probs.size)
    assert counts[1] == 0 and counts[4] == 0, "an arm of probability zero was drawn"
    assert stats.chisquare(counts[[0, 2, 3]], n * probs[[0, 2, 3]]).pvalue > 1e-4


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12).filter(lambda w: sum(w) > 0), SEED, COUNTER)
def test_categorical_returns_an_arm_with_positive_probability(weights, seed, t):
    probs = np.array(weights) / sum(weights)
    k = rng.categorical(seed, rng.LEARNER, t, 0, probs, probs.size)
    assert 0 <= k < probs.size and probs[k] > 0
    # inversion: k is the first arm whose cumulative probability (over positive arms) exceeds u
    u = rng.uniform(seed, rng.LEARNER, t, 0)
    cum = np.cumsum(probs)
    if u < cum[-1] - 1e-12:
        assert k == int(np.searchsorted(cum, u, side="right")) or abs(cum[k - 1] - u) < 1e-12


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 17, 1_000, 4_097])
def test_permuted_is_a_permutation_of_range_n(n):
    half = rng.half_bits(n)
    assert 4**half >= n and (half == 1 or 4 ** (half - 1) < n)
    for seed in (0, 1, 2**40 + 3):
        order = [rng.permuted(seed, rng.REPLAY_ORDER, i, n, half) for i in range(n)]
        assert sorted(order) == list(range(n))
    if n >= 17:  # different seeds, different orders
        a = [rng.permuted(0, rng.REPLAY_ORDER, i, n, half) for i in range(n)]
        b = [rng.permuted(1, rng.REPLAY_ORDER, i, n, half) for i in range(n)]
        assert a != b


def test_permuted_orders_of_three_are_equally_likely_and_positions_uniform():
    """Over 6,000 seeds each of the 3! orders of [0, 3) appears about 1,000 times (chi-square, 5 d.o.f.), and
    over 2,000 seeds the first entry of a permutation of [0, 10) is uniform (chi-square, 9 d.o.f.)."""
    counts = {}
    for seed in range(6_000):
        order = tuple(rng.permuted(seed, rng.REPLAY_ORDER, i, 3, 1) for i in range(3))
        counts[order] = counts.get(order, 0) + 1
    assert len(counts) == 6
    assert stats.chisquare(list(counts.values())).pvalue > 1e-4
    first = np.bincount([rng.permuted(s, rng.REPLAY_ORDER, 0, 10, rng.half_bits(10)) for s in range(2_000)], minlength=10)
    assert stats.chisquare(first).pvalue > 1e-4


def test_compiled_permuted_equals_python():
    from olearn.backends import cpu

    fn = cpu.compile_kernel(rng.permuted)
    half = rng.half_bits(777)
    for seed in (0, 5, 2**63 - 1):
        for i in (0, 1, 400, 776):
            assert fn(seed, rng.REPLAY_ORDER, i, 777, half) == rng.permuted(seed, rng.REPLAY_ORDER, i, 777, half)


def test_beta_with_tiny_shapes_is_never_nan_and_stays_symmetric():
    """Beta(1e-3, 1e-3) as X / (X + Y): X and Y ~ Gamma(1e-3) both underflow to 0 in a fifth of the draws (each
    lies below the smallest double with probability 0.475), which was 0 / 0 = NaN; their logarithms decide.
    X and Y are i.i.d., so P(draw > 1/2) = 1/2 exactly: over n = 4,000 draws Hoeffding's bound gives
    P(|share - 1/2| >= 0.043) <= 2 exp(-2 n 0.043^2) < 1e-6.  Where the sum does not underflow, the draw is
    gamma's draws 2i and 2i + 1 in X / (X + Y), bit for bit."""
    n = 4_000
    x = np.array([rng.beta(13, rng.LEARNER, 6, i, 1e-3, 1e-3) for i in range(n)])
    assert np.all((x >= 0.0) & (x <= 1.0)), "NaN or a draw outside [0, 1]"
    assert abs(np.mean(x > 0.5) - 0.5) < 0.043
    for i in range(200):
        for a, b in ((1e-3, 1e-3), (0.5, 3.0), (3.0, 1.0), (1.0, 1.0)):
            g, h = rng.gamma(13, rng.LEARNER, 6, 2 * i, a), rng.gamma(13, rng.LEARNER, 6, 2 * i + 1, b)
            if g + h > 0.0:
                assert rng.beta(13, rng.LEARNER, 6, i, a, b) == g / (g + h)


@settings(max_examples=200, deadline=None)
@given(SEED, st.integers(0, 7), COUNTER, st.integers(0, 2**30))
def test_normal_is_box_muller_of_its_own_two_uniforms(seed, stream, t, i):
    """normal(i) = sqrt(-2 ln(1 - U_2i)) cos(2 pi U_2i+1): draw i owns uniforms 2i and 2i + 1, so draws at
    different indices share no uniform (overlapping pairs would make neighbouring normals dependent)."""
    u1 = 1.0 - rng.uniform(seed, stream, t, 2 * i)
    u2 = rng.uniform(seed, stream, t, 2 * i + 1)
    assert rng.normal(seed, stream, t, i) == math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def test_neighbouring_normals_are_independent():
    """Squares of neighbouring draws are uncorrelated (a shared uniform between draws i and i + 1 correlates them)."""
    n = 20_000
    z = np.array([rng.normal(11, rng.ENV, 2, i) for i in range(n + 1)])
    r = np.corrcoef(z[:-1] ** 2, z[1:] ** 2)[0, 1]
    assert abs(r) < 4 / math.sqrt(n)


@settings(max_examples=100, deadline=None)
@given(SEED, st.integers(0, 7), COUNTER, st.integers(0, 2**20), st.floats(0.05, 0.95))
def test_gamma_below_one_boosts_with_its_own_uniform(seed, stream, t, i, shape):
    """Gamma(shape) = Gamma(shape + 1) U^(1/shape) with U the draw 1024 i + 1023, apart from every uniform the
    Gamma(shape + 1) draw reads (its attempts use 1024 i + 4 j + {0, 1, 2}, j < 255): a U shared with an
    acceptance test would not be independent of the Gamma(shape + 1) factor."""
    core = rng._marsaglia_tsang(seed, stream, t, i, shape + 1.0)
    u = rng.uniform(seed, stream, t, 1024 * i + 1023)
    assert rng.gamma(seed, stream, t, i, shape) == core * u ** (1.0 / shape)


def test_categorical_never_returns_an_arm_of_probability_zero_even_past_the_total():
    """Where u falls beyond the total (rounding leaves the probabilities' sum below 1; exaggerated here to 0.75),
    the answer is the last arm of positive probability, never a later arm of probability 0."""
    probs = np.array([0.25, 0.5, 0.0, 0.0])
    beyond = 0
    for t in range(400):
        u = rng.uniform(9, rng.LEARNER, t, 0)
        k = rng.categorical(9, rng.LEARNER, t, 0, probs, probs.size)
        assert k == (0 if u < 0.25 else 1), (t, u, k)
        beyond += u >= 0.75
    assert beyond > 20, "no draw beyond the total: the check would be vacuous"
