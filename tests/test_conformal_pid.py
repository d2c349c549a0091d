"""Conformal PID control (quantile tracking, and with the integrator) against the published loop written
out in NumPy, and against Proposition 1's bound on the long-run coverage error."""
import math

import numpy as np
import pytest

from olearn import conformal
from olearn.core.errors import ParameterError


def _published_loop(scores, alpha, lr, ki=0.0, csat=5.0, burnin=0, decay=0.0):
    """q_t for every score, as the authors' quantile / quantile_integrator_log functions compute it (q_0 = 0); with
    ``decay``, the step lr t^-decay of Angelopoulos, Barber and Bates (t = 1, 2, ...)."""
    n = len(scores)
    q = np.zeros(n + 1)
    tracked = 0.0
    errors = 0
    for t in range(n):
        miss = scores[t] > q[t]
        if t > burnin:
            errors += miss
        tracked += lr * (t + 1.0) ** -decay * ((1.0 - alpha) if miss else -alpha)
        integral = errors - (t - burnin) * alpha if t > burnin else 0.0
        gain = 0.0
        if t >= burnin and ki != 0:  # their saturation function returns 0 at K_I = 0
            angle = integral * math.log(t - burnin + 1) / (csat * t - burnin + 100)
            gain = math.inf if angle >= math.pi / 2 else -math.inf if angle <= -math.pi / 2 else ki * math.tan(angle)
        q[t + 1] = tracked + gain
    return q[:n]


def _stream(seed, n=600):
    g = np.random.default_rng(seed)
    scale = np.repeat(g.uniform(0.3, 4.0, 6), n // 6)
    return np.abs(g.standard_t(3, size=n)) * scale


@pytest.mark.parametrize("seed, decay", [(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.0), (0, 0.6), (1, 1.0)])
def test_quantile_tracking_is_the_published_loop(seed, decay):
    s = _stream(seed)
    calib, stream = s[:40], s[40:]
    r = conformal.run_scores("quantile_tracking", stream, coverage=0.9, calibration=calib, lr=0.3 if decay == 0 else 3.0,
                             decay=decay)
    want = _published_loop(s, 0.1, 0.3 if decay == 0 else 3.0, decay=decay)[40:]
    np.testing.assert_allclose(r, np.maximum(want, 0.0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed, ki, csat, burnin", [(0, 2.0, 5.0, None), (1, 10.0, 1.0, 100), (2, 0.5, 1.0, 0), (3, 5.0, 5.0, 300)])
def test_conformal_pi_is_the_published_loop(seed, ki, csat, burnin):
    s = _stream(seed)
    calib, stream = s[:50], s[50:]
    r = conformal.run_scores("conformal_pi", stream, coverage=0.8, calibration=calib, lr=0.2, ki=ki, csat=csat, burnin=burnin)
    want = _published_loop(s, 0.2, 0.2, ki=ki, csat=csat, burnin=50 if burnin is None else burnin)[50:]
    np.testing.assert_allclose(r, np.maximum(want, 0.0), rtol=1e-12, atol=1e-12)


def test_the_gain_saturates_to_infinite_radii():
    """r_t(x) = K_I tan(x ln(t - b + 1) / (C_sat t - b + 100)), read as +-inf once the angle passes +-pi/2."""
    from olearn.conformal import pid

    params = np.zeros(pid._BURNIN + 1)
    params[pid._KI], params[pid._CSAT], params[pid._BURNIN] = 2.0, 0.01, 3.0
    for x, t in ((5.0, 10.0), (-5.0, 10.0), (100.0, 10.0), (-100.0, 10.0), (1.0, 2.0)):
        angle = x * math.log(t - 3.0 + 1.0) / (0.01 * t - 3.0 + 100.0) if t >= 3.0 else 0.0
        want = math.copysign(math.inf, x) if abs(angle) >= math.pi / 2 else 2.0 * math.tan(angle)
        assert pid.saturation(x, t, params) == want
    assert pid.saturation(100.0, 10.0, params) == math.inf and pid.saturation(-100.0, 10.0, params) == -math.inf


@pytest.mark.parametrize("lr", [0.05, 0.5, 2.0])
def test_quantile_tracking_meets_proposition_1(lr):
    """Scores in [0, B], any order (here a shifting, heavy-tailed stream clipped at B = 6, and the same
    sorted, the hardest case for a tracker): |mean miscoverage - alpha| <= (B + lr) / (lr T)."""
    bound_b = 6.0
    for s in (np.minimum(_stream(9, 3000), bound_b), np.sort(np.minimum(_stream(9, 3000), bound_b))):
        r = conformal.run_scores("quantile_tracking", s, coverage=0.9, lr=lr)
        gap = abs(np.mean(s > r) - 0.1)
        assert gap <= (bound_b + lr) / (lr * s.size)
        assert gap > 0.0 or lr > 1.0  # the bound is not vacuous here: a gap is there to bound


@pytest.mark.parametrize("decay, lr", [(0.6, 0.5), (0.6, 2.0), (0.75, 2.0)])
def test_decaying_steps_meet_the_any_sequence_bound(decay, lr):
    """Non-increasing steps eta_t = lr t^-decay, scores in [0, B]: |mean miscoverage - alpha| <= (B + eta_1) /
    (eta_T T), and the radius stays at most B + (1 - alpha) eta_1 (the module's derivation)."""
    bound_b = 6.0
    for s in (np.minimum(_stream(9, 3000), bound_b), np.sort(np.minimum(_stream(9, 3000), bound_b))):
        r = conformal.run_scores("quantile_tracking", s, coverage=0.9, lr=lr, decay=decay)
        gap = abs(np.mean(s > r) - 0.1)
        last = lr * s.size ** -decay
        assert 0.0 < gap <= (bound_b + lr) / (last * s.size)
        assert r.max() <= bound_b + 0.9 * lr


def test_decaying_steps_converge_to_the_quantile_where_a_fixed_step_wanders():
    """i.i.d. Exp(1) scores, alpha = 0.1: the 0.9-quantile is ln 10.  After 10^5 scores the decaying radius
    (lr = 1, decay = 0.6) is within 0.1 of it for each of 12 streams; the fixed step lr = 1 spreads by about
    sqrt(lr alpha (1 - alpha) / (2 f(q))) = 0.67 (f(q) = 0.1 the density there) around it."""
    final = {0.0: [], 0.6: []}
    for seed in range(12):
        s = np.random.default_rng(100 + seed).exponential(size=100_000)
        for decay in final:
            final[decay].append(conformal.run_scores("quantile_tracking", s, coverage=0.9, lr=1.0, decay=decay)[-1])
    assert np.all(np.abs(np.array(final[0.6]) - math.log(10)) < 0.1), final[0.6]
    assert np.std(final[0.0]) > 0.3, final[0.0]


@pytest.mark.parametrize("jump", [False, True])
def test_without_an_integrator_pi_is_quantile_tracking(jump):
    """K_I = 0 leaves only the tracked part, also where the integrator's angle passes pi/2 (``jump``: scores of 1,
    then of 50, C_sat = 1: the errors pile up faster than the slow step follows, and the angle passes pi/2; K_I times
    the infinite tangent made the radius infinite there)."""
    s = np.r_[np.ones(150), np.full(400, 50.0)] if jump else _stream(5)
    kw = {"csat": 1.0, "lr": 0.1} if jump else {"lr": 0.4}
    a = conformal.run_scores("conformal_pi", s[20:], coverage=0.9, calibration=s[:20], ki=0.0, **kw)
    b = conformal.run_scores("quantile_tracking", s[20:], coverage=0.9, calibration=s[:20], lr=kw["lr"])
    np.testing.assert_array_equal(a, b)
    if jump:  # the angle x ln(t - b + 1) / (C_sat t - b + 100) of the errors' excess does pass pi/2 (b = 20)
        t = np.arange(20, s.size)
        excess = np.cumsum(s[20:] > b) - (t - 20 + 1) * 0.1
        assert np.max(excess * np.log(t - 20 + 1) / (t - 20 + 100)) > math.pi / 2


def test_default_rates_come_from_the_scale_and_bad_values_are_clear_errors():
    s = _stream(6)
    scale = math.sqrt(3) * s[:30].max()
    np.testing.assert_array_equal(conformal.run_scores("quantile_tracking", s[30:], coverage=0.9, calibration=s[:30]),
                                  conformal.run_scores("quantile_tracking", s[30:], coverage=0.9, calibration=s[:30], lr=0.1 * scale))
    with pytest.raises(ParameterError, match="calibration"):
        conformal.run_scores("quantile_tracking", s, coverage=0.9)  # lr from D, and no D
    with pytest.raises(ParameterError, match="csat"):
        conformal.make("conformal_pi", csat=0.5, lr=0.1, ki=1.0)  # below 1, C_sat t - b + 100 can reach 0
    with pytest.raises(ParameterError, match="burnin"):
        conformal.make("conformal_pi", burnin=-1, lr=0.1, ki=1.0)
    with pytest.raises(ParameterError, match="lr"):
        conformal.make("quantile_tracking", lr=-0.1)
    with pytest.raises(ParameterError, match="decay"):
        conformal.make("quantile_tracking", lr=0.1, decay=1.5)


# ---------------------------------------------------------------- conformal_pid: the scorecaster


def _pid_states(scores, **params):
    """The step-wise conformal_pid after each score (python backend): radii predicted and the final state."""
    import olearn

    step = olearn.stepwise(conformal.make("conformal_pid", **params), backend="python")
    radii = []
    for s in scores:
        radii.append(step.act())
        step.update(radii[-1], float(s))
    return np.array(radii), np.array(step.state)


@pytest.mark.parametrize("lags, forget", [(1, 1.0), (3, 1.0), (4, 0.97)])
def test_scorecaster_is_weighted_ridge_regression(lags, forget):
    """RLS with P_0 = I / ridge and forgetting lambda ends at argmin sum_s lambda^(n-s) (S_s - theta' x_s)^2
    + lambda^n ridge ||theta||^2 over the n regressions it made, x_s = [1, S_{s-1}, ..., S_{s-p}]."""
    scores = _stream(lags, 420)
    ridge = 0.5
    _, state = _pid_states(scores, lags=lags, forget=forget, ridge=ridge, scale=3.0)
    m = lags + 1
    X = np.column_stack([np.ones(len(scores) - lags)] + [scores[lags - j : len(scores) - j] for j in range(1, lags + 1)])
    y = scores[lags:]
    n = len(y)
    w = forget ** np.arange(n - 1, -1, -1)
    theta = np.linalg.solve(X.T @ (w[:, None] * X) + forget**n * ridge * np.eye(m), X.T @ (w * y))
    at = 4
    assert state[at] == len(scores) and state[at + 1] == scores.max()
    np.testing.assert_allclose(state[at + 2 : at + 2 + m], theta, rtol=1e-7, atol=1e-9)


def test_scorecast_keeps_the_tracking_bound():
    """With K_I = 0, q = s^ + s with s^ in [0, B]: s stays in [-B - lr, B + lr], so on scores in (0, B]
    |mean miscoverage - alpha| <= (2 B + lr) / (lr T), whatever the scorecaster predicts."""
    g = np.random.default_rng(11)
    B, lr, alpha = 3.0, 0.05, 0.1
    for kind in range(3):
        n = 2000
        if kind == 0:  # adversarial: alternate extremes in long blocks
            scores = np.where((np.arange(n) // 97) % 2 == 0, B, 1e-3)
        elif kind == 1:
            scores = np.clip(np.abs(g.standard_t(1.5, n)), 1e-3, B)
        else:  # a scale the scorecaster chases and misses
            scores = np.clip(B * (0.5 + 0.5 * np.sin(np.arange(n) ** 1.3 / 7)), 1e-3, B)
        radii, _ = _pid_states(scores, lags=5, lr=lr, ki=0.0, coverage=1 - alpha, scale=B)
        miss = np.mean(scores > radii)
        assert abs(miss - alpha) <= (2 * B + lr) / (lr * n), (kind, miss)


def test_scorecaster_narrows_intervals_on_a_seasonal_scale():
    """Scores |Z| (1 + 0.8 sin(2 pi t / 12)): an AR(12) forecast follows the season, so conformal_pid covers
    as conformal_pi does (both within 0.01 of 0.9) with narrower intervals."""
    g = np.random.default_rng(0)
    t = np.arange(3500)
    scores = np.abs(g.normal(size=t.size)) * (1 + 0.8 * np.sin(2 * np.pi * t / 12))
    calib, stream = scores[:500], scores[500:]
    widths = {}
    for name, extra in (("conformal_pi", {}), ("conformal_pid", {"lags": 12})):
        radii = np.asarray(conformal.run_scores(name, stream, coverage=0.9, calibration=calib, **extra))
        assert abs(np.mean(stream <= radii) - 0.9) <= 0.01
        widths[name] = np.median(radii)
    assert widths["conformal_pid"] < 0.93 * widths["conformal_pi"], widths


def test_scorecaster_parameters_are_clear_errors():
    for bad in ({"lags": 0}, {"lags": 65}, {"forget": 0.0}, {"forget": 1.5}, {"ridge": 0.0}):
        with pytest.raises(ParameterError, match=next(iter(bad))):
            conformal.make("conformal_pid", scale=1.0, **bad)


def test_forgetting_on_constant_scores_stays_finite():
    """lambda < 1 inflates P along the directions constant scores leave unexcited: P overflowed after ~6,800
    rounds (then every radius was NaN).  Its trace is now held at P_0's: the radii keep the sawtooth of
    quantile tracking just above the score (up lr (1 - alpha) on a miss, down lr alpha on a cover) at 0.9 coverage."""
    scores = np.ones(20000)
    radii = np.asarray(conformal.run_scores("conformal_pid", scores, coverage=0.9, calibration=scores[:20], forget=0.95,
                                            lags=3), dtype=float)
    assert np.all(np.isfinite(radii))
    late = radii[-10000:]
    assert abs(np.mean(late >= 1.0) - 0.9) < 0.01
    assert late.min() > 0.95 and late.max() < 1.0 + 0.1 * np.sqrt(3)  # lr = 0.1 D, D = sqrt(3) max |calibration|
