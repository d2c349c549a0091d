"""SEA online logistic regression over a fixed finite design (problem kind ``oco``): ``sea_logistic``.

Each round one example (a_t, y_t) is drawn and f_t(x) = log(1 + exp(-y_t <a_t, x>)):

* features: a_t uniform over the 2d signed scaled unit vectors {+c e_i, -c e_i} (c = ``scale``; stream ENV,
  round t, index 2^20 + 2);
* labels: y_t = +1 with probability sigmoid(<a_t, theta_t> / s) (index 2^20 + 3), s = ``noise`` the label
  temperature (s = 0: y_t = sign <a_t, theta_t>, a fair coin when it is 0); theta_t follows the drifts of
  :mod:`environments.sea` (``drift``, ``kappa``, ``period``, ``omega``; the adaptive drift puts theta_t
  opposite the learner, theta_t = -kappa x_t / ||x_t||).

The two knobs are separate: ``noise`` sets how random the labels are (s -> infinity: fair coins, F_t no
longer depends on theta_t), the drift sets how F_t moves.  The feature draw is always random, so, as for
least squares, sigma_t > 0 even at s = 0 (no purely adversarial end).

Everything reduces to one coordinate: y_t a_t = z_t c e_{i_t} with z_t = +-1, P(z_t = +1 | i_t = i) =
p_{t,i} = sigmoid(c theta_{t,i} / s) whatever the feature's sign.  With sp(u) = log(1 + e^u):

    F_t(x) = (1/d) sum_i [ p_{t,i} sp(-c x_i) + (1 - p_{t,i}) sp(c x_i) ],
    grad F_t(x)_i = (c/d) (sigmoid(c x_i) - p_{t,i}),
    sum_t f_t(x) = sum_i [ N+_i sp(-c x_i) + N-_i sp(c x_i) ]   (N+-_i: rounds with i_t = i and z_t = +-1),
    sum_t F_t(x) = sum_i [ P_i sp(-c x_i) + Q_i sp(c x_i) ]     (P_i = sum_t p_{t,i} / d, Q_i = sum_t (1 - p_{t,i}) / d),

so the comparators need 4d sufficient statistics and solve one separable problem
min_X Phi(x) = sum_i A_i sp(-c x_i) + B_i sp(c x_i) (A, B >= 0; :func:`separable_argmin`):

* box [-r, r]^d: exactly x_i = clip(log(A_i / B_i) / c, -r, r) (+-r when one count is 0, 0 when both are);
* ball ||x|| <= r: the unconstrained point when it is finite and inside; otherwise the KKT point
  (A_i + B_i) sigmoid(v_i) + lam v_i = A_i, v = c x, ||v|| = c r: a safeguarded Newton search on
  ln(||v(lam)|| / (c r)) over ln lam, lam in (0, ||A - B|| / (2 c r)] (bisection of ln lam when a step
  leaves the bracket; lam ~ e^-(c r) with a one-sided coordinate), each v_i(lam) by a safeguarded Newton
  search on the log form of its equation (:func:`coordinate_root`).  Steps stop below ``TOL`` = 1e-15
  relative (or | ||v|| - c r | <= 1e-14 c r), at most ``OUTER_STEPS`` / ``INNER_STEPS``; the point is then
  scaled onto the sphere ||x|| = r, where the constraint holds it (past c r ~ 690, lam's floor ``MU_MIN``,
  the one-sided coordinates take the rest of the radius).  The comparator is thus exact to the solver's
  tolerance; tests/test_sea_logistic.py finds its value never above SciPy's (SLSQP, made feasible) and equal
  to it within 1e-9 relative at counts of 10^6.

The per-round minimizer u_t of F_t (dynamic regret) is the same problem with A_i = p_{t,i}, B_i = 1 - p_{t,i}
(unconstrained: theta_t / s).

Variances (Sachs et al. 2022; Chen et al. 2023): with q_i = min(p_{t,i}, 1 - p_{t,i}),

    E ||grad f_t(x) - grad F_t(x)||^2 = c^2 [ sum_i p_{t,i} (1 - p_{t,i}) / d + (1/d - 1/d^2) sum_i (sigmoid(c x_i) - p_{t,i})^2 ],
    Sigma_t^2 = max_X ||grad F_t - grad F_{t-1}||^2 = c^2/d^2 sum_i (p_{t,i} - p_{t-1,i})^2   (exact, the same at every x).

sigma_t^2 is the max of the first line over X.  Coordinate i contributes w_i(|x_i|) = (sigmoid(c |x_i|) - q_i)^2
at the better sign, increasing in |x_i|.  On the box it is exact: sum_i w_i(r).  On the ball it is a
stated approximation, a LOWER bound: the largest value at the probe points -- the centre, the 2d
points +-r e_j (the better sign) and the spread point (+-r / sqrt(d)) (better signs) -- that is
max(sum_i w_i(0) + max_j [w_j(r) - w_j(0)], sum_i w_i(r / sqrt(d))).  Since the box contains the ball,
sum_i w_i(r) is an upper bound, and the best axis point gains at least the average of the gains
w_j(r) - w_j(0), so the recorded value is at least 1/d of the true sigma_t^2 (exact when d = 1; in d = 2
the tests find it within 3% of a dense grid maximum).
"""
import math

import numpy as np

from environments import sea, sea_families
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.engine import domains, models
from olearn.engine.oco import OcoEnvType, zero_state

#: most safeguarded Newton steps of one coordinate's root (inner) and of the ball's multiplier (outer)
INNER_STEPS = 60
OUTER_STEPS = 100
#: ln of the smallest ball multiplier searched (it is ~e^-(c r) with a one-sided coordinate; past c r ~ 690 the
#: search stops there and the one-sided coordinates take the rest of the radius, the limit as lam -> 0)
MU_MIN = -690.0
#: relative step below which a Newton search stops
TOL = 1e-15
_TEMP, _SCALE = 9, 10  # row slots after the SEA row
_FEATURE, _LABEL = 1048578, 1048579  # ENV indices of the feature and label draws

# state: theta (d), theta_prev (d), p_t (d), sigma_t^2, Sigma_t^2, y_t, feature index m_t (a_t = +c e_m for
# m < d, -c e_{m-d} otherwise), p_{t-1} (d; free scratch after the draw)
# suff: N+ (d), N- (d), P (d), Q (d), scratch x (d)


def _row(v):
    base = sea._row(sea.QUADRATIC_FAMILY)(v)
    base[sea._NOISE] = 0.0  # sea_draw draws no Gaussian xi here; the temperature has its own slot
    return np.concatenate([base, [v["noise"], v["scale"]]])


@kernel
def label_prob(v, s):
    """P(y = +1) = sigmoid(v / s) for v = <a, theta>; the step function (1/2 at 0) when s = 0."""
    if s > 0.0:
        return models.sigmoid(v / s)
    if v > 0.0:
        return 1.0
    return 0.0 if v < 0.0 else 0.5


@kernel
def probe_sigma2(state, params):
    """sigma_t^2: exact on the box, the probe-set lower bound on the ball (module docstring)."""
    d = int(params[0])
    r, c = params[2], params[_SCALE]
    top = models.sigmoid(c * r)
    spread_top = models.sigmoid(c * r / math.sqrt(d))
    const = 0.0
    centre = 0.0
    corner = 0.0
    spread = 0.0
    gain = 0.0
    for i in range(d):
        p = state[2 * d + i]
        q = min(p, 1.0 - p)
        const += p * (1.0 - p)
        w0 = (0.5 - q) * (0.5 - q)
        wr = (top - q) * (top - q)
        centre += w0
        corner += wr
        spread += (spread_top - q) * (spread_top - q)
        gain = max(gain, wr - w0)
    part = corner if int(params[1]) == domains.BOX else max(centre + gain, spread)
    return c * c * (const / d + (1.0 / d - 1.0 / (d * d)) * part)


@kernel
def logistic_draw(state, params, x, t, seed):
    d = int(params[0])
    s, c = params[_TEMP], params[_SCALE]
    for i in range(d):
        state[3 * d + 4 + i] = state[2 * d + i]  # p_{t-1}
    sea.sea_draw(state, params, x, t, seed)  # theta_t, theta_{t-1}
    change = 0.0
    for i in range(d):
        p = label_prob(c * state[i], s)
        state[2 * d + i] = p
        diff = p - state[3 * d + 4 + i]
        change += diff * diff
    m = min(int(rng.uniform(seed, rng.ENV, t, _FEATURE) * 2 * d), 2 * d - 1)
    i = m if m < d else m - d
    sign = 1.0 if m < d else -1.0
    state[3 * d + 2] = 1.0 if rng.uniform(seed, rng.ENV, t, _LABEL) < label_prob(sign * c * state[i], s) else -1.0
    state[3 * d + 3] = m
    state[3 * d] = probe_sigma2(state, params)
    state[3 * d + 1] = c * c * change / (d * d) if t > 0 else 0.0


@kernel
def _example(state, params):
    """(coordinate i, y_t <a_t, e_i>) of the round's example."""
    d = int(params[0])
    m = int(state[3 * d + 3])
    sign = 1.0 if m < d else -1.0
    return (m if m < d else m - d), state[3 * d + 2] * sign * params[_SCALE]


@kernel
def logistic_loss_grad(state, params, x, g):
    d = int(params[0])
    i, ya = _example(state, params)
    for j in range(d):
        g[j] = 0.0
    g[i] = -ya * models.sigmoid(-ya * x[i])
    return models.softplus_neg(ya * x[i])


@kernel
def logistic_model(state, params, m):
    d = int(params[0])
    i, ya = _example(state, params)
    m[0] = models.LOGISTIC
    m[1] = state[3 * d + 2]
    for j in range(d):
        m[2 + j] = 0.0
    m[2 + i] = ya * state[3 * d + 2]  # a_t = y_t (y_t a_t)


@kernel
def separable_value(c, d, a, b, x):
    """Phi(x) = sum_i a_i sp(-c x_i) + b_i sp(c x_i)."""
    value = 0.0
    for i in range(d):
        value += a[i] * models.softplus_neg(c * x[i]) + b[i] * models.softplus_neg(-c * x[i])
    return value


@kernel
def logistic_mean_loss(state, params, x):
    d = int(params[0])
    c = params[_SCALE]
    value = 0.0
    for i in range(d):
        p = state[2 * d + i]
        value += p * models.softplus_neg(c * x[i]) + (1.0 - p) * models.softplus_neg(-c * x[i])
    return value / d


@kernel
def coordinate_root(a, b, lam, v):
    """The root of (a + b) sigmoid(v) + lam v = a (lam > 0), between 0 and min((a - b) / (2 lam),
    max(1, ln(a / lam))) (a > b), from v.

    For a > b the root is positive and solves the equation's log form

        phi(v) = ln a - ln(1 + e^v) - ln(b sigmoid(v) + lam v) = 0,

    phi decreasing from +inf at 0+; a safeguarded Newton search on phi (bisection when a step leaves the
    bracket).  Where a e^-v is below an ulp of a, phi is nearly linear (-v - ln(lam v) + ln a), while Newton
    on the equation itself moves about one unit a step there (60 steps stopped at 61.2 of a root at 69.2).
    a < b is the mirror image (v -> -v, a <-> b); a = b has the root 0."""
    if a == b:
        return 0.0
    sign = 1.0
    if a < b:
        a, b, v, sign = b, a, -v, -1.0
    ln_a = math.log(a)
    lo = 0.0
    # lam v <= a e^-v: the root is below ln(a / lam) when it is above 1
    hi = min((a - b) / (2.0 * lam), max(1.0, ln_a - math.log(lam)))
    if not (v > lo and v < hi):
        v = min(1.0, 0.5 * hi)
    for _ in range(INNER_STEPS):
        s = models.sigmoid(v)
        rhs = b * s + lam * v
        phi = ln_a - models.softplus_neg(-v) - math.log(rhs)
        if phi > 0.0:
            lo = v
        elif phi < 0.0:
            hi = v
        else:
            return sign * v
        nxt = v + phi / (s + (b * s * models.sigmoid(-v) + lam) / rhs)  # phi' = -s - (b s (1 - s) + lam) / rhs
        if abs(nxt - v) <= TOL * (1.0 + abs(v)):
            # converged: the step may round onto a bracket end, whose bisection would throw v back
            return sign * min(max(nxt, lo), hi)
        if nxt <= lo or nxt >= hi:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - v) <= TOL * (1.0 + abs(v)):
            return sign * nxt
        v = nxt
    return sign * v


@kernel
def separable_argmin(code, r, c, d, a, b, out):
    """out = argmin_X sum_i a_i sp(-c x_i) + b_i sp(c x_i) over the box or ball of radius r (module docstring)."""
    bounded = True
    norm2 = 0.0
    for i in range(d):
        if a[i] > 0.0 and b[i] > 0.0:
            out[i] = math.log(a[i] / b[i]) / c
            if code == domains.BOX:
                out[i] = min(max(out[i], -r), r)
            norm2 += out[i] * out[i]
        elif a[i] > 0.0 or b[i] > 0.0:
            bounded = False
            out[i] = r if a[i] > 0.0 else -r
        else:
            out[i] = 0.0
    if code == domains.BOX or (bounded and norm2 <= r * r):
        return
    target = c * r
    hi = 0.0
    for i in range(d):
        hi += (a[i] - b[i]) * (a[i] - b[i])
    mu_hi = math.log(math.sqrt(hi) / (2.0 * target))  # ||v(lam)|| <= ||a - b|| / (2 lam) <= c r from here on
    mu_lo = -math.inf
    mu = mu_hi
    for i in range(d):
        out[i] = 0.0
    for _ in range(OUTER_STEPS):
        lam = math.exp(mu)
        nv2 = 0.0
        slope = 0.0  # sum_i v_i dv_i/dlam
        for i in range(d):
            v = coordinate_root(a[i], b[i], lam, out[i])
            out[i] = v
            s = models.sigmoid(v) * models.sigmoid(-v)
            nv2 += v * v
            slope -= v * v / ((a[i] + b[i]) * s + lam)
        norm = math.sqrt(nv2)
        if norm <= target:
            mu_hi = mu
        else:
            mu_lo = mu
        if abs(norm - target) <= 1e-14 * target or norm == 0.0 or (norm < target and mu <= MU_MIN):
            break
        # Newton on ln(||v|| / (c r)) over mu = ln lam: d/dmu = lam slope / ||v||^2
        nxt = mu - math.log(norm / target) * nv2 / (lam * slope)
        if not (nxt > mu_lo and nxt < mu_hi):
            nxt = 0.5 * (mu_lo + mu_hi) if mu_lo > -math.inf else mu_hi - 2.0 * (mu_hi - mu) - 1.0
        nxt = max(nxt, MU_MIN)
        if abs(nxt - mu) <= TOL * (1.0 + abs(mu)):
            break
        mu = nxt
    if mu <= MU_MIN:
        # lam ~ e^-690: the two-sided coordinates sit at their unconstrained roots (to ~e^-690); the one-sided
        # ones take the rest of the radius, as they would at the true, smaller lam
        two2 = 0.0
        one2 = 0.0
        for i in range(d):
            if a[i] > 0.0 and b[i] > 0.0:
                two2 += out[i] * out[i]
            else:
                one2 += out[i] * out[i]
        if one2 > 0.0 and two2 < target * target:
            grow = math.sqrt((target * target - two2) / one2)
            for i in range(d):
                if not (a[i] > 0.0 and b[i] > 0.0):
                    out[i] *= grow
    norm2 = 0.0
    for i in range(d):
        out[i] /= c
        norm2 += out[i] * out[i]
    if norm2 > 0.0:  # the constraint is active: onto the sphere, a move within the search's tolerance
        scale = r / math.sqrt(norm2)
        for i in range(d):
            out[i] *= scale


@kernel
def logistic_round_best(state, params, u):
    """u_t = argmin_X F_t: the separable problem with A_i = p_{t,i}, B_i = 1 - p_{t,i} (p_{t-1} slots as scratch)."""
    d = int(params[0])
    b = state[3 * d + 4 : 4 * d + 4]
    for i in range(d):
        b[i] = 1.0 - state[2 * d + i]
    separable_argmin(int(params[1]), params[2], params[_SCALE], d, state[2 * d : 3 * d], b, u)
    return logistic_mean_loss(state, params, u)


@kernel
def logistic_accumulate(state, params, suff):
    """N+-_i counts of the realized examples; P_i, Q_i sums of the label probabilities / d."""
    d = int(params[0])
    i, ya = _example(state, params)
    if ya > 0.0:
        suff[i] += 1.0
    else:
        suff[d + i] += 1.0
    for j in range(d):
        p = state[2 * d + j]
        suff[2 * d + j] += p / d
        suff[3 * d + j] += (1.0 - p) / d


@kernel
def logistic_best_total(params, suff, n, expected):
    """min_X sum_t f_t (A = N+, B = N-) or sum_t F_t (A = P, B = Q) by :func:`separable_argmin`."""
    d = int(params[0])
    c = params[_SCALE]
    o = 2 * d if expected else 0
    a = suff[o : o + d]
    b = suff[o + d : o + 2 * d]
    x = suff[4 * d : 5 * d]
    separable_argmin(int(params[1]), params[2], c, d, a, b, x)
    return separable_value(c, d, a, b, x)


SEA_LOGISTIC = OcoEnvType(
    name="sea_logistic",
    summary="SEA logistic: f_t(x) = log(1 + exp(-y_t <a_t, x>)), a_t uniform on {+-c e_i}, P(y_t = 1) = sigmoid(<a_t, theta_t>/s)",
    reference="Sachs et al. (NeurIPS 2022); Chen et al. (ICML 2023): sigma_t^2 exact on the box, a probe-set lower bound on the ball; "
    "Sigma_t^2 = c^2/d^2 ||p_t - p_{t-1}||^2 exact",
    params=tuple(
        Param("noise", 0.1, "label temperature s: P(y_t = +1 | a_t) = sigmoid(<a_t, theta_t> / s); s = 0: y_t = sign <a_t, theta_t>", low=0.0)
        if p.name == "noise" else p for p in sea_families.balls_and_boxes_params(sea.SEA_PARAMS)
    ) + (Param("scale", 1.0, "feature norm c: a_t is one of +-c e_i", low=0.0, open_low=True),),
    n_actions=lambda v: v["dim"], row=_row, reset=zero_state, draw=logistic_draw,
    loss_grad=logistic_loss_grad, mean_loss=logistic_mean_loss, round_best=logistic_round_best,
    variances=sea.sea_variances, accumulate=logistic_accumulate, best_total=logistic_best_total, model=logistic_model,
    suff_size=lambda v: 5 * v["dim"], state_size=lambda v: 4 * v["dim"] + 4,
    comparator="separable: box clip(log(A_i / B_i) / c) exactly; ball KKT multiplier by safeguarded Newton, relative steps 1e-15",
    test_params=(
        {"dim": 3, "noise": 0.3, "drift": "switching", "period": 7},
        {"dim": 2, "domain": "box", "radius": 2.0, "noise": 0.5, "drift": "rotation", "omega": 0.3, "kappa": 1.0},
        {"dim": 3, "noise": 0.0, "drift": "adaptive", "kappa": 0.8},
    ),
)

ENVIRONMENTS = (SEA_LOGISTIC,)
