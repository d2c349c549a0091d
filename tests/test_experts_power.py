"""Hedge and AdaHedge (olearn.learners.experts) against closed forms, python backend, step by step.

Hedge's eta = 0 is allowed (low = 0 inclusive) and means p = exp(0) / K = 1 / K every round, not the horizon
default; a negative eta is refused by name.  AdaHedge's cumulative mixability gap Delta is a sum of
nonnegative terms delta_t = h_t - m_t >= 0 (Jensen), so it never decreases, and it is exactly 0 while every
arm with positive weight suffers the same loss (then h_t = m_t = that loss), whatever the zero-weight arms
suffer: the mix loss is taken over the support of w only.  AdaHedge is scale-invariant (losses c l: same
weights, Delta times c), which pins the finite-eta mix loss even where Delta is tiny.
"""
import math

import numpy as np
import pytest

import olearn


def test_hedge_eta_zero_plays_uniform_and_a_negative_eta_is_refused():
    K, T = 4, 30
    losses = np.random.default_rng(0).random((T, K))
    tuner = olearn.stepwise(olearn.make("hedge", n_arms=K, eta=0.0), seed=0, backend="python", horizon=T)
    for t in range(T):
        arm = tuner.act()
        np.testing.assert_array_equal(tuner.state[K : 2 * K], np.full(K, 1.0 / K), err_msg=f"round {t}")
        tuner.update(arm, losses[t])
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("hedge", eta=-0.5)
    assert err.value.name == "eta"


def test_adahedge_gap_is_nondecreasing_and_stays_zero_on_tied_rounds():
    """Ties first (K = 3, every loss 0.9: w . l rounds to 0.9 - 1.1e-16), then random losses: Delta never
    decreases, and it is 0 after the tied rounds (h = m = 0.9 there)."""
    K, T = 3, 40
    losses = np.vstack([np.full((8, K), 0.9), np.random.default_rng(1).random((T - 8, K))])
    tuner = olearn.stepwise(olearn.make("adahedge", n_arms=K), seed=0, backend="python")
    gaps = []
    for t in range(T):
        arm = tuner.act()
        tuner.update(arm, losses[t])
        gaps.append(float(tuner.state[2 * K]))
    assert gaps[7] == 0.0
    assert np.all(np.diff(np.r_[0.0, gaps]) >= 0.0), gaps


def test_adahedge_mix_loss_is_taken_over_the_support_of_the_weights():
    """Arm 1 loses 1 every round until its weight underflows to 0 (eta stays near 1 while arm 0 leads), then
    the losses are [5000, 0]: only arm 0 has weight, so h = m = 5000 and Delta does not move, though the
    zero-weight arm 1 loses less (a shift by the least loss over all arms makes every exp underflow)."""
    K = 2
    tuner = olearn.stepwise(olearn.make("adahedge", n_arms=K), seed=0, backend="python")
    for _ in range(1000):
        arm = tuner.act()
        tuner.update(arm, np.array([0.0, 1.0]))
    arm = tuner.act()
    assert tuner.state[K + 1] == 0.0 and tuner.state[K] == 1.0  # arm 1's weight underflowed
    gap = float(tuner.state[2 * K])
    eta = math.log(K) / gap
    assert eta * 5000.0 > 800.0  # exp(-eta * 5000) underflows
    tuner.update(arm, np.array([5000.0, 0.0]))
    assert tuner.state[2 * K] == gap


def test_adahedge_is_scale_invariant():
    """eta = ln K / Delta scales as 1 / c when the losses scale by c, so on c * l AdaHedge plays the same weights
    and its Delta is c times the one on l; c = 2^-45 (exact in floating point) keeps Delta below 1e-12 throughout."""
    K, T, c = 3, 40, 2.0**-45
    losses = np.random.default_rng(2).random((T, K))
    plain, scaled = (olearn.stepwise(olearn.make("adahedge", n_arms=K), seed=4, backend="python") for _ in range(2))
    for t in range(T):
        a, b = plain.act(), scaled.act()
        assert a == b, f"round {t}"
        np.testing.assert_allclose(scaled.state[K : 2 * K], plain.state[K : 2 * K], rtol=1e-12, atol=0, err_msg=f"round {t}")
        plain.update(a, losses[t])
        scaled.update(b, c * losses[t])
        assert scaled.state[2 * K] == pytest.approx(c * plain.state[2 * K], rel=1e-12, abs=0.0), f"round {t}"
    assert 0.0 < scaled.state[2 * K] < 1e-12
