"""More SEA worlds (problem kind ``oco``): online least squares and a non-convex perturbation.

Both draw the adversarial part w_t = theta_t from the drifts of :mod:`environments.sea` (same
parameters: ``drift``, ``kappa``, ``period``, ``omega``; the adaptive drift puts theta_t opposite the
learner) and add their own stochastic part.

* ``sea_least_squares`` (exp-concave on a bounded set): f_t(x) = 1/2 (<a_t, x> - b_t)^2 with a random
  design a_t ~ N(0, I/d) (stream ENV, indices d .. 2d-1) and b_t = <theta_t, a_t> + s z_t, z_t ~ N(0, 1)
  (index 2d).  Then F_t(x) = ||x - theta_t||^2 / (2d) + s^2 / 2 and, since E[(a a^T - I/d)^2] = (d+1)/d^2 I
  and E||a||^2 = 1, exactly
      sigma_t^2 = (d + 1)/d^2 max_{x in X} ||x - theta_t||^2 + s^2,   Sigma_t^2 = ||theta_t - theta_{t-1}||^2 / d^2,
  with max ||x - w||^2 = (r + ||w||)^2 on the ball and sum_i (r + |w_i|)^2 on the box.  The design is
  random, so this family has no purely adversarial end (sigma_t > 0 even when s = 0).  Static regret:
  sum_t f_t = 1/2 x^T H x - <c, x> + q/2 (H = sum a a^T, c = sum b_t a_t, q = sum b_t^2), minimized over
  X as the H-norm projection of H^{-1} c (:mod:`olearn.engine.metric_projection`; H gets a ridge
  1e-12 (1 + tr H / d) so early, singular H stay factorizable); balls and boxes only.
* ``sea_nonconvex``: f_t(x) = 1/2 ||x - theta_t||^2 + <xi_t, x> + z_t A sin(<v, x>) with a fair sign z_t
  (index 2^20 + 1), xi_t ~ N(0, s^2 I/d) and v = nu (e_1 - e_2)/sqrt(2) (v = nu e_1 when d = 1).  With
  A nu^2 > 1 individual f_t are non-convex while F_t = 1/2 ||x - theta_t||^2 stays 1-strongly convex
  (the case where only optimistic OMD's analysis applies, Chen et al. 2023).  Exactly
  sigma_t^2 = s^2 + A^2 nu^2 max_X cos^2(<v, x>) (= s^2 + A^2 nu^2: <v, x> = 0 at X's centre, except the
  one-point simplex of d = 1) and Sigma_t^2 = ||theta_t - theta_{t-1}||^2.  Pseudo-regret, dynamic
  regret and the variances are exact; the realized static regret is not recorded (its comparator is
  a non-convex minimization).
"""
import dataclasses
import math

import numpy as np

from environments import sea
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.engine import domains, metric_projection, models
from olearn.engine.oco import OcoEnvType, zero_state

_WIGGLE, _FREQ = 9, 10  # row slots after the SEA row


def _row(extra):
    base = sea._row(sea.QUADRATIC_FAMILY)

    def row(v):
        return np.concatenate([base(v), [v[k] for k in extra]])

    return row


@kernel
def max_sq_dist(code, r, d, w):
    """max_{x in X} ||x - w||^2: a convex function peaks at an extreme point (ball: (r + ||w||)^2; box: per coordinate)."""
    value = 0.0
    if code == domains.BALL:
        for i in range(d):
            value += w[i] * w[i]
        far = r + math.sqrt(value)
        return far * far  # products, not ** 2: python's pow and numba's product may differ in the last bit
    for i in range(d):
        far = r + abs(w[i])
        value += far * far
    return value


# ---------------------------------------------------------------- least squares
# state: theta (d), theta_prev (d), a (d), sigma_t^2, Sigma_t^2, b;  suff: S_theta (d), sum a (d, unused), Q_theta,
# scratch (d) [the sea layout], then H (d d), c (d), q, then scratch: H + ridge (d d), chol (d d), y (d), p (d), x (d)


@kernel
def ls_draw(state, params, x, t, seed):
    d = int(params[0])
    sea.sea_draw(state, params, x, t, seed)
    s = params[4]
    b = 0.0
    scale = 1.0 / math.sqrt(d)
    for i in range(d):
        state[2 * d + i] = scale * rng.normal(seed, rng.ENV, t, d + i)
        b += state[i] * state[2 * d + i]
    state[3 * d + 2] = b + (s * rng.normal(seed, rng.ENV, t, 2 * d) if s > 0.0 else 0.0)
    state[3 * d] = (d + 1.0) / (d * d) * max_sq_dist(int(params[1]), params[2], d, state[0:d]) + s * s
    state[3 * d + 1] /= d * d


@kernel
def ls_loss_grad(state, params, x, g):
    d = int(params[0])
    res = -state[3 * d + 2]
    for i in range(d):
        res += state[2 * d + i] * x[i]
    for i in range(d):
        g[i] = state[2 * d + i] * res
    return 0.5 * res * res


@kernel
def ls_mean_loss(state, params, x):
    d = int(params[0])
    return sea.quadratic_mean_loss(state, params, x) / d + 0.5 * params[4] * params[4]


@kernel
def ls_round_best(state, params, u):
    """u_t = Pi_X(theta_t), as in the quadratic world (F_t is that world's mean divided by d, plus s^2/2)."""
    sea.quadratic_round_best(state, params, u)
    return ls_mean_loss(state, params, u)


@kernel
def ls_model(state, params, m):
    d = int(params[0])
    m[0] = models.SQUARED
    m[1] = state[3 * d + 2]
    for i in range(d):
        m[2 + i] = state[2 * d + i]


@kernel
def ls_accumulate(state, params, suff):
    d = int(params[0])
    sea.sea_accumulate(state, params, suff)
    h = 3 * d + 1
    b = state[3 * d + 2]
    for i in range(d):
        ai = state[2 * d + i]
        for j in range(d):
            suff[h + i * d + j] += ai * state[2 * d + j]
        suff[h + d * d + i] += b * ai
    suff[h + d * d + d] += b * b


@kernel
def ls_best_total(params, suff, n, expected):
    """expected: sum_t F_t at Pi_X(S_theta / n); realized: min_X 1/2 x^T H x - <c, x> + q/2 by the H-norm projection."""
    d = int(params[0])
    if expected:
        return sea.quadratic_best_total(params, suff, n, 1) / d + 0.5 * n * params[4] * params[4]
    h = 3 * d + 1
    hmat = suff[h : h + d * d]
    c = suff[h + d * d : h + d * d + d]
    q = suff[h + d * d + d]
    k = h + d * d + d + 1
    hr, chol = suff[k : k + d * d], suff[k + d * d : k + 2 * d * d]
    y, p, x = suff[k + 2 * d * d : k + 2 * d * d + d], suff[k + 2 * d * d + d : k + 2 * d * d + 2 * d], suff[k + 2 * d * d + 2 * d : k + 2 * d * d + 3 * d]
    trace = 0.0
    for i in range(d):
        trace += hmat[i * d + i]
    ridge = 1e-12 * (1.0 + trace / d)
    for i in range(d * d):
        hr[i] = hmat[i]
    for i in range(d):
        hr[i * d + i] += ridge
    metric_projection.shifted_solve(hr, 0.0, c, d, chol, y)
    metric_projection.a_norm_project(int(params[1]), params[2], d, hr, y, chol, p, x)
    value = 0.5 * q
    for i in range(d):
        value -= c[i] * x[i]
        for j in range(d):
            value += 0.5 * x[i] * hmat[i * d + j] * x[j]
    return value


#: the ``domain`` of the worlds whose comparator solves on balls and boxes only (the help and the choices say so)
BALL_OR_BOX = Param("domain", "ball", "feasible set: ball (||x|| <= radius) or box ([-radius, radius]^d)", kind="choice",
                    choices=("ball", "box"))


def balls_and_boxes_params(params):
    """``params`` with the ``domain`` of :data:`BALL_OR_BOX` in place of the SEA worlds' (which offers the simplex)."""
    return tuple(BALL_OR_BOX if p.name == "domain" else p for p in params)


# least squares draws z_t from uniform indices 4d and 4d + 1: below the SEA draws' fixed 2^20 only for d < 2^18
LS_DIM = dataclasses.replace(sea.DIM, high=2**18 - 1)


SEA_LEAST_SQUARES = OcoEnvType(
    name="sea_least_squares",
    summary="SEA online least squares: f_t(x) = 1/2 (<a_t, x> - b_t)^2, a_t ~ N(0, I/d), b_t = <theta_t, a_t> + s z_t",
    reference="Chen et al. (ICML 2023), exp-concave case (Thm 3); Hazan, Agarwal and Kale (2007), ONS",
    params=tuple(LS_DIM if p.name == "dim" else p for p in balls_and_boxes_params(sea.SEA_PARAMS)), n_actions=lambda v: v["dim"],
    row=_row(()), reset=zero_state, draw=ls_draw,
    loss_grad=ls_loss_grad, mean_loss=ls_mean_loss, round_best=ls_round_best, variances=sea.sea_variances,
    accumulate=ls_accumulate, best_total=ls_best_total, model=ls_model,
    suff_size=lambda v: 3 * v["dim"] ** 2 + 7 * v["dim"] + 2, state_size=lambda v: 3 * v["dim"] + 3,
    comparator="the H-norm projection of H^{-1} c onto X (bisection on the multiplier for a ball, the active-set method for a box), ridge 1e-12 (1 + tr H / d)",
    test_params=(
        {"dim": 3, "noise": 0.3, "drift": "switching", "period": 7},
        {"dim": 2, "domain": "box", "radius": 0.5, "noise": 0.1, "drift": "rotation", "omega": 0.3, "kappa": 1.0},
        {"dim": 3, "noise": 0.0, "drift": "adaptive", "kappa": 0.8},
    ),
)

# ---------------------------------------------------------------- non-convex perturbation
# state: theta (d), theta_prev (d), xi (d), sigma_t^2, Sigma_t^2, z


@kernel
def _direction_dot(params, d, x):
    """<v, x> / nu with v = nu (e_1 - e_2)/sqrt(2) (nu e_1 when d = 1)."""
    if d == 1:
        return x[0]
    return (x[0] - x[1]) / math.sqrt(2.0)


@kernel
def nonconvex_draw(state, params, x, t, seed):
    d = int(params[0])
    sea.sea_draw(state, params, x, t, seed)
    state[3 * d + 2] = 1.0 if rng.uniform(seed, rng.ENV, t, 1048577) < 0.5 else -1.0
    amp = params[_WIGGLE] * params[_FREQ]
    top = 1.0
    if d == 1 and int(params[1]) == domains.SIMPLEX:
        c = math.cos(params[_FREQ] * params[2])
        top = c * c
    state[3 * d] += amp * amp * top


@kernel
def nonconvex_loss_grad(state, params, x, g):
    d = int(params[0])
    value = sea.quadratic_loss_grad(state, params, x, g)
    nu = params[_FREQ]
    za = state[3 * d + 2] * params[_WIGGLE]
    phase = nu * _direction_dot(params, d, x)
    value += za * math.sin(phase)
    slope = za * math.cos(phase) * nu
    if d == 1:
        g[0] += slope
    else:
        g[0] += slope / math.sqrt(2.0)
        g[1] -= slope / math.sqrt(2.0)
    return value


SEA_NONCONVEX = OcoEnvType(
    name="sea_nonconvex",
    summary="SEA with non-convex f_t and convex F_t: 1/2 ||x - theta_t||^2 + <xi_t, x> + z_t A sin(<v, x>), z_t = +-1",
    reference="Chen et al. (ICML 2023): the optimistic OMD bounds need convexity of F_t only",
    params=sea.SEA_PARAMS + (
        Param("wiggle", 1.0, "amplitude A of the zero-mean perturbation z_t A sin(<v, x>)", low=0.0),
        Param("frequency", 3.0, "frequency nu = ||v|| of the perturbation (f_t non-convex when A nu^2 > 1)", low=0.0),
    ),
    n_actions=lambda v: v["dim"], row=_row(("wiggle", "frequency")), reset=zero_state, draw=nonconvex_draw,
    loss_grad=nonconvex_loss_grad, mean_loss=sea.quadratic_mean_loss, round_best=sea.quadratic_round_best,
    variances=sea.sea_variances, accumulate=sea.sea_accumulate, best_total=sea.quadratic_best_total,
    suff_size=lambda v: 3 * v["dim"] + 1, state_size=lambda v: 3 * v["dim"] + 3,
    has_comparator=False, comparator="none (non-convex); pseudo-regret is exact: Pi_X(S_theta / T)",
    test_params=(
        {"dim": 3, "noise": 0.3, "drift": "switching", "period": 7},
        {"dim": 2, "domain": "box", "radius": 0.5, "noise": 0.0, "drift": "rotation", "omega": 0.3, "wiggle": 0.5},
        {"dim": 3, "domain": "simplex", "noise": 0.2, "drift": "adaptive", "kappa": 0.8, "frequency": 5.0},
    ),
)

ENVIRONMENTS = (SEA_LEAST_SQUARES, SEA_NONCONVEX)
