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
def prox(m, d, w, eta, out):
    """out = argmin_x ||x - w||^2 / (2 eta) + loss(x) over R^d; returns False (out = w) for NONE.

    With p0 = <a, w>, q = eta ||a||^2:  hinge  tau = clip((1 - y p0) / q, 0, 1), out = w + eta tau y a;
    absolute  r = p0 - y, tau = min(1, |r| / q), out = w - eta tau sign(r) a;  squared
    out = w - eta (p0 - y) a / (1 + q);  logistic  out = w + eta y s a with s = sigmoid(-y p), where
    p = <a, out> solves p = p0 + q y sigmoid(-y p) (increasing in p; Newton steps kept inside the
    bracket [p0, p0 + q y], bisection when a step leaves it);  quadratic  out = (w + eta c) / (1 + eta);
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
            lo = min(p0, p0 + q * y)
            hi = max(p0, p0 + q * y)
            p = p0
            for _ in range(LOGISTIC_STEPS):
                s = sigmoid(-y * p)
                h = p - p0 - q * y * s
                if h > 0.0:
                    hi = p
                else:
                    lo = p
                step = h / (1.0 + q * s * (1.0 - s))
                nxt = p - step
                if nxt <= lo or nxt >= hi:
                    nxt = 0.5 * (lo + hi)
                if abs(nxt - p) <= 1e-15 * (1.0 + abs(p)):
                    p = nxt
                    break
                p = nxt
            coef = eta * y * sigmoid(-y * p)
    for i in range(d):
        out[i] = w[i] + coef * v[i]
    return True
