"""Loss models carried in the ``oco`` feedback row, with their values, gradients and proximal steps.

A model is the slice ``m = [code, y, v_1..v_d]`` of the feedback row (see :mod:`olearn.engine.oco`):

===========  ==============================================  =======================================
code         loss of x                                       v
===========  ==============================================  =======================================
HINGE        max(0, 1 - y <a, x>), y in {-1, +1}              the example a
ABSOLUTE     |<a, x> - y|                                     a
SQUARED      1/2 (<a, x> - y)^2                               a
LOGISTIC     log(1 + exp(-y <a, x>)), y in {-1, +1}           a
QUADRATIC    1/2 ||x||^2 - <c, x> + y                         c
LINEAR       <c, x>                                           c
NONE         (no model: only the gradient at x_t is known)
===========  ==============================================  =======================================

:func:`prox` solves the implicit step  argmin_x ||x - w||^2 / (2 eta) + loss(x)  over R^d in closed
form (a safeguarded 1-D Newton search for the logistic loss), as tabulated for generalized implicit
FTRL by Chen and Orabona (ICML 2023); hinge is the passive-aggressive PA-I step of Crammer et al. (2006).
Every function here is a kernel.
"""
import math

from olearn.core.kernel import kernel

NONE, HINGE, ABSOLUTE, SQUARED, LOGISTIC, QUADRATIC, LINEAR = 0, 1, 2, 3, 4, 5, 6
#: most iterations of the logistic proximal search
LOGISTIC_STEPS = 60


@kernel
def sigmoid(u):
    if u >= 0.0:
        return 1.0 / (1.0 + math.exp(-u))
    e = math.exp(u)
    return e / (1.0 + e)


@kernel
def softplus_neg(m):
    """log(1 + exp(-m)) without overflow."""
    if m > 0.0:
        return math.log1p(math.exp(-m))
    return -m + math.log1p(math.exp(m))


@kernel
def dot(a, b, d):
    s = 0.0
    for i in range(d):
        s += a[i] * b[i]
    return s


@kernel
def loss_grad(m, d, x, g):
    """The model's loss at x, and its (sub)gradient into g (g = 0 for NONE, which returns 0)."""
    code = int(m[0])
    y = m[1]
    v = m[2 : 2 + d]
    p = dot(v, x, d)
    value = 0.0
    scale = 0.0  # gradient = scale * v for linear models
    if code == HINGE:
        value = max(0.0, 1.0 - y * p)
        scale = -y if y * p < 1.0 else 0.0
    elif code == ABSOLUTE:
        value = abs(p - y)
        scale = 1.0 if p > y else (-1.0 if p < y else 0.0)
    elif code == SQUARED:
        value = 0.5 * (p - y) * (p - y)
        scale = p - y
    elif code == LOGISTIC:
        value = softplus_neg(y * p)
        scale = -y * sigmoid(-y * p)
    elif code == QUADRATIC:
        value = 0.5 * dot(x, x, d) - p + y
        for i in range(d):
            g[i] = x[i] - v[i]
        return value
    elif code == LINEAR:
        value = p
        scale = 1.0
    for i in range(d):
        g[i] = scale * v[i]
    return value


@kernel
def logistic_root(u0, q):
    """The root u of u - u0 = q sigmoid(-u) (q > 0), which lies in (u0, u0 + q].

    Solved for t = log(u - u0): F(t) = t - log q + log(1 + e^(u0 + e^t)) is increasing and convex,
    so Newton steps from any t with F(t) >= 0 fall monotonically onto the root.  The start is the
    smaller of two upper bounds on u - u0: q sigmoid(-u0) (sigmoid(-u) <= sigmoid(-u0)) and
    log(1 + q e^-u0) (from (u - u0) e^(u - u0) <= q e^-u0 and W(x) <= log(1 + x)); the first is
    near the root when q sigmoid(-u0) is small, the second in the tail where sigmoid(-u) ~ e^-u.
    """
    if not q < math.inf:
        return math.inf
    log_q = math.log(q)
    t = log_q - softplus_neg(-u0)
    tail = softplus_neg(u0 - log_q)
    if tail > 0.0:  # else q e^-u0 underflowed, and the first bound is the one near the root
        t = min(t, math.log(tail))
    for _ in range(LOGISTIC_STEPS):
        gap = math.exp(t)
        u = u0 + gap
        nxt = t - (t - log_q + softplus_neg(-u)) / (1.0 + sigmoid(u) * gap)
        if not nxt < t:  # no further descent: at the root, to rounding
            break
        t = nxt
    u = u0 + math.exp(t)
    for _ in range(2):  # polish on u itself: the root in t carries t's rounding times u - u0
        s = sigmoid(-u)
        u -= (u - u0 - q * s) / (1.0 + q * s * sigmoid(u))
    return u


@kernel
def prox(m, d, w, eta, out):
    """out = argmin_x ||x - w||^2 / (2 eta) + loss(x) over R^d; returns False (out = w) for NONE.

    With p0 = <a, w>, q = eta ||a||^2:  hinge  tau = clip((1 - y p0) / q, 0, 1), out = w + eta tau y a;
    absolute  r = p0 - y, tau = min(1, |r| / q), out = w - eta tau sign(r) a;  squared
    out = w - eta (p0 - y) a / (1 + q);  logistic  out = w + eta y s a with s = sigmoid(-y p), where
    u = y <a, out> solves u = y p0 + q sigmoid(-u) (:func:`logistic_root`);  quadratic  out = (w + eta c) / (1 + eta);
    linear  out = w - eta c.
    """
    code = int(m[0])
    y = m[1]
    v = m[2 : 2 + d]
    if code == NONE:
        for i in range(d):
            out[i] = w[i]
        return False
    if code == QUADRATIC:
        for i in range(d):
            out[i] = (w[i] + eta * v[i]) / (1.0 + eta)
        return True
    if code == LINEAR:
        for i in range(d):
            out[i] = w[i] - eta * v[i]
        return True
    p0 = dot(v, w, d)
    q = eta * dot(v, v, d)
    coef = 0.0  # out = w + coef * a
    if q > 0.0:
        if code == HINGE:
            tau = min(max((1.0 - y * p0) / q, 0.0), 1.0)
            coef = eta * tau * y
        elif code == ABSOLUTE:
            r = p0 - y
            tau = min(1.0, abs(r) / q)
            coef = -eta * tau * (1.0 if r > 0.0 else (-1.0 if r < 0.0 else 0.0))
        elif code == SQUARED:
            coef = -eta * (p0 - y) / (1.0 + q)
        elif code == LOGISTIC:
            u = logistic_root(y * p0, q)
            coef = eta * y * sigmoid(-u)
    for i in range(d):
        out[i] = w[i] + coef * v[i]
    return True
