"""Squint (Koolen and van Erven, COLT 2015) with the uniform prior on eta in [0, 1/2].

Backend parity, the GPU path and the conformance checks run with every registered learner
(tests/test_parity.py, tests/test_gpu.py, tests/test_conformance.py).  Here, against independent truth:

* erfcx against SciPy's, and ln E(R, V) = ln E_eta[eta exp(eta R - eta^2 V)] against adaptive quadrature
  (scipy.integrate.quad) in every regime: R negative and large, the optimum eta* = R / 2V inside (0, 1/2),
  eta* past 1/2, R and V of a million rounds, V tiny or zero, and across the branches' boundaries;
* a slow reference written from the paper (NumPy and quadrature, none of the learner's closed forms) plays
  the same loss sequences: the engine's weights, R and V equal its own round by round, the engine's arm is
  the reference's inversion of the same uniform draw, and the potential
  Phi_t = sum_k pi_k E_eta[exp(eta R_k - eta^2 V_k)] of the engine's R and V never rises, so stays at most 1;
* on the ``experts`` world Squint's regret is of AdaHedge's order, both far below sqrt(T ln K).
"""
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special

import environments
import olearn
import reference
from olearn.learners import squint

#: ln E is compared to 1e-10 (relative accuracy of E), beyond the last few ulps of ln E itself
#: (E ~ exp(R/2 - V/4): at R = 10^6 one ulp of ln E is 6e-11)
LOG_TOLERANCE = 1e-10
ULPS = 8 * np.finfo(float).eps


# ---------------------------------------------------------------- quadrature truth


def _breakpoints(r, v, peak):
    """Where quad should split [0, 1/2]: at the peak and at a few widths of the integrand around it
    (1 / sqrt(V) for the Gaussian factor, 1 / |R| for the exponential one)."""
    widths = [j / math.sqrt(v) for j in (1, 3, 10, 30) if v > 0] + [j / abs(r) for j in (1, 3, 10, 30, 100, 300) if r != 0]
    points = {peak} | {peak + sign * w for w in widths for sign in (-1, 1)}
    return sorted(p for p in points if 0.0 < p < 0.5) or None


def log_eta_moment(r, v, power):
    """ln( 2 int_0^{1/2} eta^power exp(eta R - eta^2 V) d eta ) by quadrature, shifted by the exponent's maximum."""
    peak = min(max(r / (2 * v), 0.0), 0.5) if v > 0 else (0.5 if r > 0 else 0.0)
    top = r * peak - peak * peak * v
    with warnings.catch_warnings():  # quad warns where roundoff keeps it from 1e-13; its estimate is checked instead
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, error = integrate.quad(lambda eta: eta**power * math.exp(r * eta - eta * eta * v - top), 0.0, 0.5,
                                      epsabs=0.0, epsrel=1e-13, limit=500, points=_breakpoints(r, v, peak))
    assert error <= 1e-12 * value, (r, v, value, error)
    return top + math.log(2.0 * value)


def potential(R, V):
    """Phi = (1/K) sum_k E_eta[exp(eta R_k - eta^2 V_k)], eta ~ U[0, 1/2], by quadrature."""
    return float(np.mean([math.exp(log_eta_moment(r, v, 0)) for r, v in zip(R, V)]))


# ---------------------------------------------------------------- erfcx and ln E


def test_erfcx_matches_scipy_on_both_sides_of_the_switch_to_its_series():
    xs = np.concatenate([np.linspace(-5.0, 26.0, 1241), [7.0 - 1e-12, 7.0, 7.0 + 1e-12], np.logspace(1.0, 300.0, 60)])
    ours = np.array([squint.erfcx(x) for x in xs])
    np.testing.assert_allclose(ours, special.erfcx(xs), rtol=1e-14, atol=0.0)
    assert squint.erfcx(-30.0) == math.inf  # exp(900) overflows; no exception in the python backend


def test_erfcx_is_finite_down_to_where_exp_x_squared_overflows():
    """For -26.6 < x < -5, erfcx(x) = exp(x^2) erfc(x) ~ 2 exp(x^2) is finite (up to 1e307): against 40-digit mpmath
    (SciPy's own 2 exp(x*x) there carries the rounding of x*x, amplified x^2 times)."""
    import mpmath

    mpmath.mp.dps = 40
    for x in np.concatenate([np.linspace(-26.6, -5.0, 217), [-26.6, -20.0 - 1e-9]]):
        want = float(mpmath.exp(mpmath.mpf(x) ** 2) * mpmath.erfc(mpmath.mpf(x)))
        assert squint.erfcx(x) == pytest.approx(want, rel=1e-14, abs=0.0), x


REGIMES = {
    # R < 0: the exponent falls on [0, 1/2]; the power series (c/2 + V/4 < 1) and the tails formula
    "negative_small": (-0.5, 0.3),
    "negative": (-30.0, 12.0),
    "negative_large": (-4.0e5, 3.0e5),
    "negative_huge_R_small_V": (-1.0e6, 20.0),
    "negative_huge": (-1.0e6, 1.0e6),
    # 0 <= R <= V: the optimum eta* = R / 2V inside [0, 1/2]
    "inside": (3.0, 20.0),
    "inside_near_zero": (1e-6, 50.0),
    "inside_near_half": (99.99, 100.0),
    "inside_huge": (4.0e5, 1.0e6),
    "zero_R": (0.0, 7.0),
    "R_equals_V": (40.0, 40.0),
    # R > V: eta* past 1/2
    "past_half_small": (1.2, 0.9),
    "past_half": (60.0, 25.0),
    "past_half_huge": (1.0e6, 5.0e5),
    "past_half_R_equals_T": (1.0e6, 1.0e6 - 1.0),
    # V tiny or zero
    "V_zero": (0.0, 0.0),
    "V_zero_R_positive": (3.0, 0.0),
    "V_zero_R_negative": (-3.0, 0.0),
    "V_underflowed": (1e-170, 0.0),
    "V_tiny_inside": (1e-12, 1e-10),
    "V_tiny_negative": (-1e-9, 1e-30),
    "V_tiny_past_half": (5.0, 1e-30),
    "V_denormal": (2.5, 1e-310),
    # the boundaries between branches: series / tails at c/2 + V/4 = 1, erfcx's switch at p = 7, p = 1
    "series_boundary_below": (-2.0 + 1e-9, 1e-12),
    "series_boundary_above": (-2.0 - 1e-9, 1e-12),
    "past_half_series_boundary": (3.0 + 1e-9, 1.0),
    "erfcx_switch": (-2.0 * 7.0 * math.sqrt(30.0), 30.0),
    "p_one": (-2.0 * math.sqrt(10.0), 10.0),
    # erf(z) / z by its Taylor series just below z = sqrt(V) eta* = sqrt(V) (1/2 - eta*) = 1e-4 (eta* = 1/4), where
    # the series' second term z^2 / 3 is ~3e-9 of ln E
    "erf_series_edge": (0.5 * (4.0 * 0.99e-4) ** 2, (4.0 * 0.99e-4) ** 2),
    # and z = 0.99e-2, past it: erf_ratio by erf itself (its series cut after z^2 / 3 would miss z^4 / 10 ~ 1e-9)
    "erf_past_series": (0.5 * (4.0 * 0.99e-2) ** 2, (4.0 * 0.99e-2) ** 2),
}


@pytest.mark.parametrize("case", sorted(REGIMES))
def test_log_evidence_matches_quadrature(case):
    r, v = REGIMES[case]
    want = log_eta_moment(r, v, 1)
    got = squint.log_evidence(r, v)
    assert abs(got - want) <= LOG_TOLERANCE + ULPS * abs(want), (case, got, want, got - want)


def test_log_evidence_matches_quadrature_on_random_histories():
    """(R, V) as T rounds of regrets in [-1, 1] can make them (V >= R^2 / T), T from 1 to 10^6."""
    draw = np.random.default_rng(2015)
    worst = 0.0
    for horizon in (1, 10, 100, 1e4, 1e6):
        for _ in range(40):
            v = horizon * draw.random() ** 3
            r = draw.uniform(-1.0, 1.0) * math.sqrt(horizon * v) * draw.choice([1.0, 0.1, 1e-4])
            want = log_eta_moment(r, v, 1)
            error = abs(squint.log_evidence(r, v) - want)
            assert error <= LOG_TOLERANCE + ULPS * abs(want), (r, v, error)
            worst = max(worst, error / max(1.0, abs(want)))
    print(f"ln E against quadrature: largest error {worst:.1e} (relative to max(1, |ln E|))")


# ---------------------------------------------------------------- the slow reference


class ReferenceSquint:
    """Squint from the paper: r_k = <w, l> - l_k, R += r, V += r^2, w_k ∝ E_eta[eta exp(eta R_k - eta^2 V_k)]
    with the eta integral by quadrature; the played expert is the inversion of the learner's uniform draw."""

    def __init__(self, n_experts, seed):
        self.R = np.zeros(n_experts)
        self.V = np.zeros(n_experts)
        self.seed = seed

    def weights(self):
        logs = np.array([log_eta_moment(r, v, 1) for r, v in zip(self.R, self.V)])
        w = np.exp(logs - logs.max())
        return w / w.sum()

    def draw(self, t, w):
        return reference.drawn_expert(self.seed, t, w)

    def update(self, w, losses):
        regret = w @ losses - losses
        self.R += regret
        self.V += regret**2


@pytest.mark.parametrize("kind", ["adaptive", "random", "binary", "switching"])
def test_engine_equals_the_reference_and_the_potential_never_exceeds_one(kind):
    n_experts, rounds, seed = 8, 300, 11
    tuner = olearn.stepwise(olearn.make("squint", n_arms=n_experts), seed=seed, backend="python")
    ref = ReferenceSquint(n_experts, seed)
    loss = reference.expert_adversary(kind, n_experts, rounds, seed)
    largest, previous = 0.0, 1.0  # Phi_0 = 1
    for t in range(rounds):
        arm = tuner.act()
        w = ref.weights()
        engine_w = tuner.state[2 * n_experts : 3 * n_experts]
        np.testing.assert_allclose(engine_w, w, rtol=1e-9, atol=1e-12, err_msg=f"{kind}: weights at round {t}")
        assert arm == ref.draw(t, w), f"{kind}: round {t}: engine played {arm}, the reference's draw {ref.draw(t, w)}"
        losses = loss(t, w)
        tuner.update(arm, losses)
        ref.update(w, losses)
        R, V = tuner.state[:n_experts], tuner.state[n_experts : 2 * n_experts]
        np.testing.assert_allclose(R, ref.R, rtol=0.0, atol=1e-9 * (t + 1), err_msg=f"{kind}: R at round {t}")
        np.testing.assert_allclose(V, ref.V, rtol=0.0, atol=1e-9 * (t + 1), err_msg=f"{kind}: V at round {t}")
        phi = potential(R, V)
        assert phi <= 1.0 + 1e-9, f"{kind}: potential {phi} > 1 after round {t}"
        # the proof's step: e^{x - x^2} <= 1 + x and sum_k w_k r_k = 0 give Phi_{t+1} <= Phi_t
        assert phi <= previous + 1e-11, f"{kind}: potential rose from {previous} to {phi} at round {t}"
        largest, previous = max(largest, phi), phi
    # the sequence moved the learner: some expert's regret is far from 0
    assert np.abs(ref.R).max() > 2.0, ref.R
    print(f"{kind}: largest potential {largest:.12f}, final R {np.round(ref.R, 2)}")


def test_weights_stay_finite_and_exact_at_a_million_rounds():
    """R and V as after 10^6 rounds: exp(R^2 / 4V) would overflow; the normalised weights match quadrature."""
    k = 5
    state = np.zeros(3 * k)
    state[:k] = [-1.0e6, -3.0e3, 2.0e5, 4.5e5, 4.5e5 + 1.0]
    state[k : 2 * k] = [1.0e6, 9.0e5, 8.0e5, 1.0e6, 1.0e6]
    squint.squint_weights(state, k)
    logs = np.array([log_eta_moment(r, v, 1) for r, v in zip(state[:k], state[k : 2 * k])])
    w = np.exp(logs - logs.max())
    np.testing.assert_allclose(state[2 * k :], w / w.sum(), rtol=1e-9, atol=1e-300)


# ---------------------------------------------------------------- regret


def test_regret_is_of_adahedges_order_and_far_below_the_worst_case():
    """One expert better by a gap (the easy case): both second-order methods keep a small, constant-order regret."""
    env = environments.make("experts", n_experts=10, gap=0.1)
    horizon, seeds = 2000, 200
    regret = {name: olearn.run(olearn.make(name), env, horizon=horizon, seeds=seeds, backend="cpu").final("regret")[0]
              for name in ("squint", "adahedge")}
    worst_case = math.sqrt(horizon * math.log(env.n_actions))
    for name, r in regret.items():
        print(f"{name}: mean regret {r.mean():.2f} +- {r.std(ddof=1) / math.sqrt(seeds):.2f} at T = {horizon}, "
              f"sqrt(T ln K) = {worst_case:.1f}")
    sq, ada = regret["squint"].mean(), regret["adahedge"].mean()
    assert sq < 0.25 * worst_case and ada < 0.25 * worst_case
    assert 0.25 < sq / ada < 4.0, (sq, ada)
