"""CORRAL (olearn/learners/model_selection.py) and the bandit convex learners (olearn/learners/bandit_convex.py):
behaviours the reference-loop tests leave open, pinned against closed forms, python backend only.

* The log-barrier normaliser is found by Newton's method: f(lambda) = sum_i 1 / (1 / p_i + eta_i (l_i - lambda))
  is increasing and convex below its first pole, so Newton from a right-hand start converges monotonically and
  quadratically; on moderate inputs it reaches brentq's root within 16 steps, where bisection alone would
  need about 50 (one bit a step).  The step is plain Python, so its step cap can be lowered to show this.
* CORRAL's bases are bandit learners of kind 'arms' that are not sleeping (a sleeping learner needs an
  awake-set the master does not pass on), and a registered name stands for ``olearn.make(name)`` (the error
  message offers "registered names").
* bandit_ogd (Flaxman, Kalai and McMahan 2005) with x_1 = 0 plays y_1 = delta u_1, so ||y_1|| = delta, and after
  a small loss value f its x_2 = -nu f u_1, nu = R / (C sqrt(T)); after a large one x_2 is on the boundary of
  the shrunk set (1 - alpha) X.  Written out for rho != 1 and the box (R = rho sqrt(d)), this pins the
  Lipschitz tuning delta = T^(-1/4) sqrt(R d C r / (3 (L r + C))), alpha = delta / r with r = rho.  At a
  horizon below the theorems' range (alpha > 1) the learner clips alpha to 1 and delta to alpha r = r: x stays
  0 (the shrunk set is {0}) and every y_t = r u_t has norm exactly r, inside X.
* The paper's proof bounds the regret by R d C sqrt(T) / delta + 3 L' delta T + 2 alpha C T; at the
  Lipschitz tuning (L' = L) the first two terms, with 2 alpha C T = 2 C delta T / r <= 3 (C / r) delta T, give
  exactly 2 T^(3/4) sqrt(3 R d C (L + C/r)) by AM-GM equality, and at the bounded tuning (L' = 2C / (alpha r))
  the three terms sum to exactly 3 C T^(5/6) (12 d R / r)^(1/3): fkm_parameters and regret_bound must agree so.
* SCRiBLe's Dikin axis 0 is H e_0 = -sgn(w_0) w, w = -theta / ||theta||, with sgn(0) = +1 (documented): when
  theta_0 = 0 exactly (round 1 after a round-0 axis i != 0, as theta starts at 0) the played step along x is
  y - x = eps theta / (||theta|| sqrt(lambda)), lambda = e' grad^2 R(x) e the explicit Hessian's eigenvalue.
* SCRiBLe holds ||theta|| <= Z_MAX = 1e100 (rescaling onto it) when a loss far beyond loss_bound would push it
  further; it refuses delayed feedback (its update reads the axis drawn by act).
"""
import math

import numpy as np
import pytest
from scipy.optimize import brentq

import environments
import olearn
import reference
from olearn.core import rng
from olearn.learners import bandit_convex, model_selection
from olearn.learners.bandit_convex import fkm_parameters, regret_bound

# ---------------------------------------------------------------- CORRAL


def test_log_barrier_step_converges_like_newton_within_sixteen_steps(monkeypatch):
    """ROOT_STEPS lowered to 16: brentq's root to 1e-12 on 40 moderate steps (bisection alone gains a bit a
    step, so 16 steps leave ~1.5e-5 of the bracket, far from the root's precision)."""
    monkeypatch.setattr(model_selection, "ROOT_STEPS", 16)
    g = np.random.default_rng(3)
    for _ in range(40):
        m = int(g.integers(2, 6))
        p = g.dirichlet(np.ones(m) * 2.0)
        eta = g.uniform(0.2, 2.0, m)
        chosen = int(g.integers(m))
        ell = float(g.uniform(0.5, 3.0))
        loss = np.zeros(m)
        loss[chosen] = ell
        inv = 1.0 / p + eta * loss
        top = min(ell, np.min(inv / eta) * (1 - 1e-13))
        lam = brentq(lambda x: np.sum(1.0 / (inv - eta * x)) - 1.0, 0.0, top, xtol=1e-15, rtol=1e-15)
        got = p.copy()
        model_selection.log_barrier_step(got, eta, m, chosen, ell)
        np.testing.assert_allclose(got, 1.0 / (inv - eta * lam), rtol=1e-12, atol=0)


def test_corral_refuses_a_sleeping_base():
    with pytest.raises(olearn.ParameterError, match="sleeping"):
        olearn.learners.corral(olearn.make("awake_ucb"))


def test_corral_takes_registered_names_as_bases():
    by_name = olearn.learners.corral("exp3", "ucb1")
    made = olearn.learners.corral(olearn.make("exp3"), olearn.make("ucb1"))
    assert by_name.summary == made.summary
    row_a = by_name.make().bind(3, 0, 50)[0][0]
    row_b = made.make().bind(3, 0, 50)[0][0]
    np.testing.assert_array_equal(np.asarray(row_a, float), np.asarray(row_b, float))


# ---------------------------------------------------------------- bandit_ogd: tuning and clipping


@pytest.mark.parametrize("domain, rho, d", [("ball", 2.5, 3), ("box", 0.8, 2)])
def test_bandit_ogd_lipschitz_tuning_off_the_unit_radius(domain, rho, d):
    T, C, L, seed = 400, 1.3, 0.7, 4
    R, r = (rho * math.sqrt(d) if domain == "box" else rho), rho
    delta = T**-0.25 * math.sqrt(R * d * C * r / (3 * (L * r + C)))
    alpha = delta / r
    nu = R / (C * math.sqrt(T))
    assert alpha < 0.5  # no clipping at this T
    learner = olearn.make("bandit_ogd", dim=d, loss_bound=C, lipschitz=L)
    # a small loss: x_2 = -nu f u_1, inside the shrunk set
    tuner = olearn.stepwise(learner, seed=seed, backend="python", horizon=T, domain=domain, radius=rho)
    y = tuner.act()
    u = reference.unit_sphere(seed, 0, 0, d, rng.LEARNER)
    np.testing.assert_allclose(y, delta * u, rtol=1e-12, atol=1e-15)
    tuner.update(y, 0.8, gradient=np.zeros(d))
    np.testing.assert_allclose(tuner.state[:d], -nu * 0.8 * u, rtol=1e-12, atol=1e-15)
    # a large loss: x_2 lands on the boundary of (1 - alpha) X
    tuner = olearn.stepwise(learner, seed=seed, backend="python", horizon=T, domain=domain, radius=rho)
    y = tuner.act()
    tuner.update(y, -100.0, gradient=np.zeros(d))
    x = tuner.state[:d]
    size = np.linalg.norm(x) if domain == "ball" else np.max(np.abs(x))
    assert size == pytest.approx((1 - alpha) * r, rel=1e-12)


@pytest.mark.parametrize("lipschitz", [1.0, None])
def test_bandit_ogd_below_the_theorems_range_only_explores_on_the_sphere_of_radius_r(lipschitz):
    """Box [-1, 1]^8 (R = sqrt 8), T = 2: alpha = 1.63 (Lipschitz) or 2.9 (bounded) before clipping, so alpha = 1,
    delta = r = 1: x stays 0 and y_t = u_t, of norm 1 (inside the box, every |u_i| <= 1)."""
    d, T, seed = 8, 2, 1
    raw = fkm_parameters(T, d, "box", 1.0, 1.0, lipschitz)
    assert raw["alpha"] > 1.5 and raw["delta"] > 1.5
    tuner = olearn.stepwise(olearn.make("bandit_ogd", dim=d, lipschitz=lipschitz), seed=seed, backend="python",
                            horizon=T, domain="box", radius=1.0)
    for t in range(T):
        y = tuner.act()
        np.testing.assert_allclose(y, reference.unit_sphere(seed, t, 0, d, rng.LEARNER), rtol=1e-12, atol=1e-15)
        tuner.update(y, 0.9, gradient=np.zeros(d))
        np.testing.assert_array_equal(tuner.state[:d], np.zeros(d))


@pytest.mark.parametrize("domain, rho, d, T, C, L", [("ball", 1.0, 3, 10**6, 1.0, 1.0), ("box", 2.0, 4, 10**7, 1.5, 0.7),
                                                     ("ball", 0.5, 2, 10**6, 2.0, None), ("box", 2.0, 4, 10**9, 1.5, None)])
def test_fkm_parameters_make_the_proof_terms_equal_the_bound(domain, rho, d, T, C, L):
    R, r = (rho * math.sqrt(d) if domain == "box" else rho), rho
    p = fkm_parameters(T, d, domain, rho, C, L)
    assert p["nu"] == pytest.approx(R / (C * math.sqrt(T)), rel=1e-12)
    delta, alpha = p["delta"], p["alpha"]
    assert alpha < 1.0 and delta <= alpha * r * (1 + 1e-12)
    if L is None:
        total = R * d * C * math.sqrt(T) / delta + 3 * (2 * C / (alpha * r)) * delta * T + 2 * alpha * C * T
    else:
        assert alpha == pytest.approx(delta / r, rel=1e-12)
        total = R * d * C * math.sqrt(T) / delta + 3 * (L + C / r) * delta * T
    assert regret_bound(T, d, domain, rho, C, L) == pytest.approx(total, rel=1e-10)


# ---------------------------------------------------------------- scrible


def test_scrible_axis_along_x_follows_the_sign_convention_when_theta_0_is_zero():
    d, rho, T, seed = 3, 1.5, 100, 2
    theta = np.array([0.0, 0.7, -0.2])
    z = np.linalg.norm(theta)
    checked = 0
    for t in range(40):
        if min(int(rng.uniform(seed, rng.LEARNER, t, 0) * d), d - 1) != 0:
            continue
        tuner = olearn.stepwise(olearn.make("scrible", dim=d), seed=seed, backend="python", horizon=T, radius=rho)
        tuner.state[:d] = theta
        tuner.t = t
        y = tuner.act()
        x = tuner.state[d : 2 * d].copy()
        np.testing.assert_allclose(x, -rho * theta / (1 + math.sqrt(1 + z * z)), rtol=1e-12)
        s = rho**2 - x @ x
        hessian = 2 * np.eye(d) / s + 4 * np.outer(x, x) / s**2
        e = theta / z
        lam = e @ hessian @ e
        eps = 1.0 if rng.uniform(seed, rng.LEARNER, t, 1) < 0.5 else -1.0
        np.testing.assert_allclose(y - x, eps * e / math.sqrt(lam), rtol=1e-10, atol=1e-13)
        checked += 1
    assert checked >= 5


def test_scrible_holds_the_scaled_sum_at_z_max():
    """loss_bound 1e-100 (its least) and observed losses of 1e6: eta ~ 2.7e98, the sum would pass 1e104; it is
    held at 1e100, and x stays finite, inside the ball, on its sphere to rounding."""
    d, rho, T = 2, 1.0, 100
    tuner = olearn.stepwise(olearn.make("scrible", dim=d, loss_bound=1e-100), seed=0, backend="python", horizon=T, radius=rho)
    for _ in range(4):
        y = tuner.act()
        x = tuner.state[d : 2 * d]
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(x))
        tuner.update(y, 1e6, gradient=np.zeros(d))
        norm = float(np.linalg.norm(tuner.state[:d] / 1e100)) * 1e100
        assert norm == pytest.approx(bandit_convex.Z_MAX, rel=1e-12)
    tuner.act()
    x = tuner.state[d : 2 * d]
    assert 1.0 - 1e-12 < np.linalg.norm(x) / rho <= 1.0


def test_scrible_refuses_delayed_feedback():
    env = environments.make("sea_linear", dim=2)
    with pytest.raises(olearn.ParameterError, match="delay"):
        olearn.run(olearn.make("scrible"), env, horizon=5, seeds=1, backend="python", delay=olearn.delays.fixed(2))
