"""Slow NumPy references for the ``oco`` kind: SEA worlds, a data stream, and every oco learner.

Nothing here calls an olearn kernel; the only thing shared is the source of randomness
(``olearn.core.rng.normal / uniform`` with the (seed, stream, t, index) the environments document).
Projections use the sort-based simplex projection (not the engine's bisection); proximal steps use
vector formulas and, for the logistic loss, scipy's brentq root finder.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from olearn.core import rng

BALL, BOX, SIMPLEX, FREE = 0, 1, 2, 3
DOMAIN_CODES = {"ball": BALL, "box": BOX, "simplex": SIMPLEX, "free": FREE}


def project(dom, r, y):
    y = np.asarray(y, dtype=float)
    if dom == BALL:
        n = np.linalg.norm(y)
        return y.copy() if n <= r else y * (r / n)
    if dom == BOX:
        return np.clip(y, -r, r)
    if dom == SIMPLEX:
        u = np.sort(y)[::-1]
        css = np.cumsum(u) - r
        k = np.arange(1, y.size + 1)
        rho = k[u - css / k > 0][-1]
        return np.maximum(y - css[rho - 1] / rho, 0.0)
    return y.copy()


def diameter(dom, r, d):
    return {BALL: 2 * r, BOX: 2 * r * math.sqrt(d), SIMPLEX: r * math.sqrt(2) if d > 1 else 0.0, FREE: r}[dom]


def center(dom, r, d):
    return np.full(d, r / d) if dom == SIMPLEX else np.zeros(d)


# ---------------------------------------------------------------- worlds


class SEA:
    """theta_t by the drift, xi_t = s / sqrt(d) * normal(seed, ENV, t, i); quadratic or linear f_t."""

    def __init__(self, family, seed, dim=10, domain="ball", radius=1.0, noise=0.1, drift="fixed", kappa=0.5, period=100, omega=0.01):
        self.family, self.seed, self.d, self.dom, self.r = family, seed, dim, DOMAIN_CODES[domain], radius
        self.s, self.drift, self.kappa, self.period, self.omega = noise, drift, kappa, period, omega
        self.theta = np.zeros(dim)

    def draw(self, t, x):
        d, k = self.d, self.kappa
        u = np.ones(d) / math.sqrt(d)
        self.prev = self.theta.copy()
        if self.drift == "fixed":
            self.theta = k * u
        elif self.drift == "switching":
            self.theta = (1 if (t // self.period) % 2 == 0 else -1) * k * u
        elif self.drift == "blocks":
            self.theta = (1 if rng.uniform(self.seed, rng.ENV, t // self.period, 1048576) < 0.5 else -1) * k * u
        elif self.drift == "rotation":
            self.theta = np.zeros(d)
            self.theta[0] = k * math.cos(self.omega * t)
            if d > 1:
                self.theta[1] = k * math.sin(self.omega * t)
        else:
            n = np.linalg.norm(x)
            sign = -1.0 if self.family == "quadratic" else 1.0
            self.theta = sign * k * x / n if n > 0 else k * u
        self.xi = np.array([self.s / math.sqrt(d) * rng.normal(self.seed, rng.ENV, t, i) if self.s > 0 else 0.0 for i in range(d)])
        self.Sigma2 = float(np.sum((self.theta - self.prev) ** 2)) if t > 0 else 0.0

    def f(self, x):
        if self.family == "quadratic":
            return 0.5 * np.sum((x - self.theta) ** 2) + self.xi @ x
        return (self.theta + self.xi) @ x

    def F(self, x):
        return 0.5 * np.sum((x - self.theta) ** 2) if self.family == "quadratic" else self.theta @ x

    def grad(self, x):
        return x - self.theta + self.xi if self.family == "quadratic" else self.theta + self.xi

    def model(self):
        if self.family == "quadratic":
            return ("quadratic", 0.5 * self.theta @ self.theta, self.theta - self.xi)
        return ("linear", 0.0, self.theta + self.xi)

    def round_min(self):
        if self.family == "quadratic":
            return project(self.dom, self.r, self.theta)
        c = self.theta
        if self.dom == BALL:
            return -self.r * c / np.linalg.norm(c)
        if self.dom == BOX:
            return -self.r * np.sign(c)
        e = np.zeros(self.d)
        e[int(np.argmin(c))] = self.r
        return e


class LeastSquares(SEA):
    """f_t(x) = 1/2 (<a_t, x> - b_t)^2, a_t = normal(seed, ENV, t, d + i) / sqrt(d), b_t = <theta_t, a_t> + s normal(.., 2d)."""

    def __init__(self, seed, **kw):
        super().__init__("quadratic", seed, **kw)

    def draw(self, t, x):
        super().draw(t, x)
        d = self.d
        self.a = np.array([rng.normal(self.seed, rng.ENV, t, d + i) for i in range(d)]) / math.sqrt(d)
        self.b = self.theta @ self.a + (self.s * rng.normal(self.seed, rng.ENV, t, 2 * d) if self.s > 0 else 0.0)
        self.Sigma2 /= d * d
        # E||(a a^T - I/d)(x - theta) - s z a||^2 = (d + 1)/d^2 ||x - theta||^2 + s^2, largest at X's far point
        far = (self.r + np.linalg.norm(self.theta)) ** 2 if self.dom == BALL else np.sum((self.r + np.abs(self.theta)) ** 2)
        self.sigma2_t = (d + 1) / d ** 2 * far + self.s ** 2

    def f(self, x):
        return 0.5 * (self.a @ x - self.b) ** 2

    def grad(self, x):
        return self.a * (self.a @ x - self.b)

    def F(self, x):
        return np.sum((x - self.theta) ** 2) / (2 * self.d) + self.s ** 2 / 2

    def model(self):
        return ("squared", self.b, self.a)


class NonConvex(SEA):
    """The quadratic SEA world plus z_t A sin(<v, x>), z_t = +-1 from uniform(seed, ENV, t, 2^20 + 1), v = nu (e_1 - e_2)/sqrt(2)."""

    def __init__(self, seed, wiggle=1.0, frequency=3.0, **kw):
        super().__init__("quadratic", seed, **kw)
        self.A, self.nu = wiggle, frequency
        self.v = np.zeros(self.d)
        if self.d == 1:
            self.v[0] = frequency
        else:
            self.v[:2] = frequency / math.sqrt(2), -frequency / math.sqrt(2)

    def draw(self, t, x):
        super().draw(t, x)
        self.z = 1.0 if rng.uniform(self.seed, rng.ENV, t, 1048577) < 0.5 else -1.0
        top = math.cos(self.nu * self.r) ** 2 if self.d == 1 and self.dom == SIMPLEX else 1.0
        self.sigma2_t = self.s ** 2 + (self.A * self.nu) ** 2 * top

    def phase(self, x):  # <v, x>, in the engine's order of operations (the dynamics amplify rounding)
        return self.nu * (x[0] if self.d == 1 else (x[0] - x[1]) / math.sqrt(2))

    def f(self, x):
        value = 0.0
        for i in range(self.d):  # the engine's summation order, for the same reason
            value += 0.5 * (x[i] - self.theta[i]) ** 2 + self.xi[i] * x[i]
        return value + self.z * self.A * math.sin(self.phase(x))

    def grad(self, x):
        slope = self.z * self.A * math.cos(self.phase(x)) * self.nu
        return super().grad(x) + slope * self.v / self.nu if self.nu > 0 else super().grad(x)

    def model(self):
        return (None, 0.0, np.zeros(self.d))


class Logistic(SEA):
    """f_t(x) = log(1 + exp(-y_t <a_t, x>)) with a_t the m-th row of [c I; -c I], m = floor(2d uniform(seed, ENV, t, 2^20 + 2)),
    y_t = +1 iff uniform(seed, ENV, t, 2^20 + 3) < expit(<a_t, theta_t> / s) (s = 0: the sign, 1/2 at 0).  F_t, its
    gradient and E||grad f - grad F||^2 are literal sums over the 2d features and both labels; sigma_t^2 is the max
    of that sum over the documented probe points (every sign pattern) on the ball, over the 2^d corners on the box."""

    def __init__(self, seed, noise=0.1, scale=1.0, **kw):
        super().__init__("quadratic", seed, noise=0.0, **kw)
        self.temp, self.c = noise, scale
        self.features = np.vstack([scale * np.eye(self.d), -scale * np.eye(self.d)])

    def prob(self, v):
        """P(y = +1 | a) for <a, theta> = v."""
        if self.temp > 0:
            return float(expit(v / self.temp))
        return 1.0 if v > 0 else (0.0 if v < 0 else 0.5)

    def cases(self, theta):
        """(probability, a, y) of every (feature, label) pair under theta."""
        out = []
        for a in self.features:
            p = self.prob(a @ theta)
            out += [(p / len(self.features), a, 1.0), ((1 - p) / len(self.features), a, -1.0)]
        return out

    def F_at(self, theta, x):
        return sum(w * linear_loss("logistic", a, y, x)[0] for w, a, y in self.cases(theta))

    def gradF_at(self, theta, x):
        return sum(w * linear_loss("logistic", a, y, x)[1] for w, a, y in self.cases(theta))

    def variance(self, x):
        """E ||grad f(x) - grad F_t(x)||^2 at one point x, or at each row of an array of points."""
        xs = np.atleast_2d(x)
        grads = [(w, -y * expit(-y * (xs @ a))[:, None] * a) for w, a, y in self.cases(self.theta)]
        mean = sum(w * g for w, g in grads)
        out = sum(w * np.sum((g - mean) ** 2, axis=1) for w, g in grads)
        return out if np.ndim(x) == 2 else float(out[0])

    def probes(self):
        d, r = self.d, self.r
        signs = [np.array(s) for s in np.ndindex(*(2,) * d)]
        if self.dom == BOX:
            return [r * (2.0 * s - 1) for s in signs]
        return [np.zeros(d)] + [r * e for e in np.vstack([np.eye(d), -np.eye(d)])] + [r / math.sqrt(d) * (2.0 * s - 1) for s in signs]

    def draw(self, t, x):
        super().draw(t, x)
        d = self.d
        m = min(int(rng.uniform(self.seed, rng.ENV, t, 1048578) * 2 * d), 2 * d - 1)
        self.a = self.features[m]
        self.y = 1.0 if rng.uniform(self.seed, rng.ENV, t, 1048579) < self.prob(self.a @ self.theta) else -1.0
        zero = np.zeros(d)
        self.Sigma2 = float(np.sum((self.gradF_at(self.theta, zero) - self.gradF_at(self.prev, zero)) ** 2)) if t > 0 else 0.0
        self.sigma2_t = max(self.variance(p) for p in self.probes())

    def f(self, x):
        return linear_loss("logistic", self.a, self.y, x)[0]

    def grad(self, x):
        return linear_loss("logistic", self.a, self.y, x)[1]

    def F(self, x):
        return self.F_at(self.theta, x)

    def model(self):
        return ("logistic", self.y, self.a)

    def round_min(self):
        return constrained_min(lambda x: self.F_at(self.theta, x), lambda x: self.gradF_at(self.theta, x), self.dom, self.r, self.d)


def constrained_min(fun, jac, dom, r, d):
    """argmin over the ball (SLSQP, ||x||^2 <= r^2) or the box (L-BFGS-B) by scipy, tight tolerances."""
    from scipy.optimize import minimize

    if dom == BALL:
        cons = [{"type": "ineq", "fun": lambda x: r * r - x @ x, "jac": lambda x: -2 * x}]
        return minimize(fun, np.zeros(d), jac=jac, constraints=cons, method="SLSQP", options={"ftol": 1e-15, "maxiter": 500}).x
    return minimize(fun, np.zeros(d), jac=jac, bounds=[(-r, r)] * d, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12}).x


class Stream:
    """One pass over rows of ``data`` (features | label) in the order of a Fisher-Yates shuffle."""

    def __init__(self, data, loss, seed, shuffle=True, domain="free", radius=10.0):
        self.data, self.loss, self.d = np.asarray(data, float), loss, np.asarray(data).shape[1] - 1
        self.dom, self.r = DOMAIN_CODES[domain], radius
        n = self.data.shape[0]
        order = list(range(n))
        if shuffle:
            for i in range(n - 1, 0, -1):
                j = min(int(rng.uniform(seed, rng.ENV, 0, i) * (i + 1)), i)
                order[i], order[j] = order[j], order[i]
        self.order = order

    def draw(self, t, x):
        row = self.data[self.order[t]]
        self.a, self.y = row[:-1], row[-1]

    def f(self, x):
        return linear_loss(self.loss, self.a, self.y, x)[0]

    def grad(self, x):
        return linear_loss(self.loss, self.a, self.y, x)[1]

    def model(self):
        return (self.loss, self.y, self.a)


def linear_loss(loss, a, y, x):
    p = a @ x
    if loss == "hinge":
        return max(0.0, 1 - y * p), (-y * a if y * p < 1 else 0 * a)
    if loss == "absolute":
        return abs(p - y), np.sign(p - y) * a
    if loss == "squared":
        return 0.5 * (p - y) ** 2, (p - y) * a
    m = y * p
    value = math.log1p(math.exp(-m)) if m > 0 else -m + math.log1p(math.exp(m))
    return value, -y * expit(-m) * a


def model_grad(model, x):
    kind, y, v = model
    if kind == "quadratic":
        return x - v
    if kind == "linear":
        return v.copy()
    return linear_loss(kind, v, y, x)[1]


def prox(model, w, eta):
    """argmin_x ||x - w||^2/(2 eta) + loss(x), written as vector formulas (brentq for logistic)."""
    kind, y, v = model
    if kind == "quadratic":
        return (w + eta * v) / (1 + eta)
    if kind == "linear":
        return w - eta * v
    a = v
    q = eta * a @ a
    p0 = a @ w
    if q == 0:
        return w.copy()
    if kind == "hinge":
        return w + eta * np.clip((1 - y * p0) / q, 0, 1) * y * a
    if kind == "absolute":
        return w - eta * min(1.0, abs(p0 - y) / q) * np.sign(p0 - y) * a
    if kind == "squared":
        return w - eta * (p0 - y) / (1 + q) * a

    def h(p):
        return p - p0 - q * y * expit(-y * p)

    lo, hi = sorted((p0, p0 + q * y))
    p = lo if h(lo) == 0 else (hi if h(hi) == 0 else brentq(h, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=200))
    return w + eta * y * expit(-y * p) * a


# ---------------------------------------------------------------- learners (act(t, dom, r) -> x; update(t, x, f, g, model))


class OGD:
    """OGD (Zinkevich 2003): eta_t = eta D / sqrt(t) (sqrt), 1 / (lam t) (strongly_convex), eta D / sqrt(horizon) (fixed);
    AdaGrad-norm with ``adagrad``."""

    def __init__(self, d, schedule="sqrt", eta=1.0, lam=1.0, adagrad=False, horizon=None):
        self.d, self.schedule, self.eta, self.lam, self.adagrad, self.horizon = d, schedule, eta, lam, adagrad, horizon
        self.x = None
        self.G2 = 0.0

    def act(self, t, dom, r):
        if self.x is None:
            self.x = center(dom, r, self.d)
        self.dom, self.r = dom, r
        return self.x.copy()

    def update(self, t, x, f, g, model):
        if self.adagrad:
            self.G2 += g @ g
            if self.G2 > 0:
                self.x = project(self.dom, self.r, self.x - self.eta * diameter(self.dom, self.r, self.d) / math.sqrt(self.G2) * g)
            return
        D = diameter(self.dom, self.r, self.d)
        eta = {"sqrt": lambda: self.eta * D / math.sqrt(t + 1), "strongly_convex": lambda: 1 / (self.lam * (t + 1)),
               "fixed": lambda: self.eta * D / math.sqrt(self.horizon)}[self.schedule]()
        self.x = project(self.dom, self.r, self.x - eta * g)


class OptimisticOMD:
    def __init__(self, d, rule="convex", eta=1.0, delta=1.0, lam=1.0, c=2.0):
        self.d, self.rule, self.eta, self.delta, self.lam, self.c = d, rule, eta, delta, lam, c
        self.xh, self.M, self.V = None, np.zeros(d), 0.0

    def step(self, t):
        if self.rule == "convex":
            return self.eta * diameter(self.dom, self.r, self.d) / math.sqrt(self.delta + self.V)
        return self.c / (self.lam * (t + 1))

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.xh is None:
            self.xh = center(dom, r, self.d)
        return project(dom, r, self.xh - self.step(t) * self.M)

    def update(self, t, x, f, g, model):
        self.xh = project(self.dom, self.r, self.xh - self.step(t) * g)
        self.V += np.sum((g - self.M) ** 2)
        self.M = g.copy()


class EntropicOMD:
    """Optimistic Hedge on the simplex of total r, probabilities kept directly (no log-weights)."""

    def __init__(self, d, eta=1.0, delta=1.0):
        self.d, self.eta, self.delta = d, eta, delta
        self.p, self.M, self.V = np.full(d, 1.0 / d), np.zeros(d), 0.0

    def step(self):
        return 0.0 if self.d < 2 else self.eta * math.sqrt(math.log(self.d)) / math.sqrt(self.delta + self.V)

    def act(self, t, dom, r):
        self.r = r
        w = self.p * np.exp(-self.step() * (self.M - self.M.min()))
        return r * w / w.sum()

    def update(self, t, x, f, g, model):
        w = self.p * np.exp(-self.step() * (g - g.min()))
        self.p = w / w.sum()
        self.V += np.max(np.abs(g - self.M)) ** 2
        self.M = g.copy()


class ExponentiatedGradient:
    """EG on the simplex of total r, probabilities kept directly: p <- p exp(-eta r g) / Z, eta = sqrt(2 ln d / T)
    / (r G) unless given."""

    def __init__(self, d, lipschitz=1.0, eta=None, horizon=None):
        self.d, self.G, self.eta, self.horizon = d, lipschitz, eta, horizon
        self.p = np.full(d, 1.0 / d)

    def act(self, t, dom, r):
        self.r = r
        return r * self.p

    def update(self, t, x, f, g, model):
        eta = self.eta if self.eta is not None else math.sqrt(2 * math.log(self.d) / self.horizon) / (self.r * self.G)
        w = self.p * np.exp(-eta * self.r * (g - g.min()))
        self.p = w / w.sum()


class OptimisticFTRL:
    """Sachs et al.'s OFTRL: x_t = argmin_X <S + M, x> + ||x||^2 / eta_t, eta_t = D^2 / (nu + sum eta_s ||g_s - M_s||^2),
    D the diameter of X (1 for the one-point simplex; nu None: 2 D); or OFTL on the lam-strongly convex surrogates."""

    def __init__(self, d, rule="convex", nu=None, lam=1.0):
        self.d, self.rule, self.nu, self.lam = d, rule, nu, lam
        self.S, self.M, self.X, self.A, self.n = np.zeros(d), np.zeros(d), np.zeros(d), 0.0, 0

    def step(self, dom, r):
        diam = diameter(dom, r, self.d) or 1.0
        nu = 2.0 * diam if self.nu is None else self.nu
        return diam**2 / (nu + self.A)

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.rule == "convex":
            return project(dom, r, -self.step(dom, r) / 2.0 * (self.S + self.M))
        if self.n == 0:
            return center(dom, r, self.d)
        return project(dom, r, (self.lam * self.X - self.S - self.M) / (self.lam * self.n))

    def update(self, t, x, f, g, model):
        if self.rule == "convex":
            self.A += self.step(self.dom, self.r) * np.sum((g - self.M) ** 2)
        self.S += g
        self.M = g.copy()
        self.X += x
        self.n += 1


class ImplicitFTRL:
    def __init__(self, d, variant="implicit", schedule="sqrt", eta=1.0, floor=0.0):
        self.d, self.variant, self.schedule, self.eta, self.floor = d, variant, schedule, eta, floor
        self.theta, self.x = np.zeros(d), None

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.x is None:
            self.x = project(dom, r, np.zeros(self.d))
        return self.x.copy()

    def update(self, t, x, f, g, model):
        eta = self.eta / math.sqrt(t + 1) if self.schedule == "sqrt" else self.eta
        w = -eta * self.theta
        if self.variant == "linearized" or (self.variant in ("implicit", "mirror_prox") and model[0] is None):  # no model: linearized
            z = g
        elif self.variant == "implicit":
            z = (w - prox(model, w, eta)) / eta
        elif self.variant == "aprox":
            gg = g @ g
            z = (np.clip((f - self.floor + g @ (w - x)) / (eta * gg), 0, 1) if gg > 0 else 0.0) * g
        else:
            z = model_grad(model, project(self.dom, self.r, w - eta * g))
        self.theta = self.theta + z
        self.x = project(self.dom, self.r, -eta * self.theta)


class DelayedDualAveraging:
    def __init__(self, d, optimistic=False, eta=1.0):
        self.d, self.o, self.eta = d, 1.0 if optimistic else 0.0, eta
        self.S, self.M, self.W, self.now = np.zeros(d), np.zeros(d), 0.0, 0

    def act(self, t, dom, r):
        self.now = t
        eta = self.eta * diameter(dom, r, self.d) / math.sqrt(self.W) if self.W > 0 else 0.0
        return project(dom, r, -eta * (self.S + self.o * self.M))

    def update(self, t, x, f, g, model):
        self.W += (1 + self.now - t) * np.sum((g - self.o * self.M) ** 2)
        self.S += g
        self.M = g.copy()


class DiagonalAdaGrad(OGD):
    """Diagonal AdaGrad (Duchi, Hazan and Singer 2011): h = delta + sqrt(sum g^2), x = Pi^{diag h}(x - eta D_inf g / h)
    (OGD's start at the centre and its act)."""

    def __init__(self, d, eta=1 / math.sqrt(2), delta=1e-8):
        super().__init__(d, eta=eta)
        self.delta, self.S = delta, np.zeros(d)

    def update(self, t, x, f, g, model):
        self.S += g * g
        h = self.delta + np.sqrt(self.S)
        d_inf = 2 * self.r if self.dom in (BALL, BOX) else self.r
        self.x = diagonal_projection(self.dom, self.r, h, self.x - self.eta * d_inf * g / h)


class FTRLProximal:
    """FTRL-Proximal, McMahan et al. (KDD 2013) Alg. 1, as vector formulas: z += g - sigma x with
    sigma = (sqrt(n + g^2) - sqrt(n)) / alpha, n += g^2; x = -(z - sign(z) lambda1) / ((beta + sqrt(n)) / alpha
    + lambda2) where |z| > lambda1, else 0; np.clip on a box."""

    def __init__(self, d, alpha=1.0, beta=1.0, lambda1=0.0, lambda2=0.0):
        self.alpha, self.beta, self.l1, self.l2 = alpha, beta, lambda1, lambda2
        self.z, self.n = np.zeros(d), np.zeros(d)

    def act(self, t, dom, r):
        assert dom in (BOX, FREE)
        x = np.where(np.abs(self.z) <= self.l1, 0.0,
                     -(self.z - np.sign(self.z) * self.l1) / ((self.beta + np.sqrt(self.n)) / self.alpha + self.l2))
        return np.clip(x, -r, r) if dom == BOX else x

    def update(self, t, x, f, g, model):
        sigma = (np.sqrt(self.n + g * g) - np.sqrt(self.n)) / self.alpha
        self.z += g - sigma * x
        self.n += g * g


def diagonal_projection(dom, r, h, y):
    """argmin_{x in X} sum_i h_i (x_i - y_i)^2: clip on a box; on a ball x = h y / (h + mu) with brentq on
    ||x(mu)|| = r; on a simplex x = max(y - tau / h, 0) with tau found by sorting the breakpoints h_i y_i
    (the support is a top-k set of them; the k whose tau falls between the k-th and (k+1)-th)."""
    if dom == BOX:
        return np.clip(y, -r, r)
    if dom == BALL:
        if y @ y <= r * r:
            return y.copy()
        mu = brentq(lambda m: np.linalg.norm(h * y / (h + m)) - r, 0.0, h.max() * np.linalg.norm(y) / r, xtol=1e-300, rtol=1e-15, maxiter=500)
        return h * y / (h + mu)
    if dom == SIMPLEX:
        order = np.argsort(-h * y)
        breaks = (h * y)[order]
        for k in range(1, y.size + 1):
            top = order[:k]
            tau = (y[top].sum() - r) / (1.0 / h[top]).sum()
            if tau < breaks[k - 1] and (k == y.size or tau >= breaks[k]):
                return np.maximum(y - tau / h, 0.0)
        raise AssertionError("no support found")
    return y.copy()


class CoinBetting:
    """KT coin betting (Orabona and Pal 2016) in vector form: w = W theta / t, x = Pi_X(w); on X the surrogate
    gradient drops g's component along w - x when it points into X (Cutkosky 2020)."""

    def __init__(self, d, lipschitz=1.0, wealth=1.0):
        self.d, self.G = d, lipschitz
        self.W, self.theta, self.n = wealth, np.zeros(d), 0

    def act(self, t, dom, r):
        self.w = self.W * self.theta / (self.n + 1)
        return project(dom, r, self.w)

    def update(self, t, x, f, g, model):
        v = self.w - x
        if g @ v < 0:
            g = g - (g @ v) / (v @ v) * v
        c = -g / max(self.G, np.linalg.norm(g))
        self.W += c @ self.w
        self.theta += c
        self.n += 1


class Ensemble:
    """N optimistic OMD bases with steps eta D 2^i / sqrt(T); optimistic Hedge over their linearized losses."""

    def __init__(self, d, horizon, n_base=8, eta=1.0, eta_meta=1.0, delta=1.0):
        self.d, self.T, self.n, self.eta, self.eta_meta, self.delta = d, horizon, n_base, eta, eta_meta, delta
        self.xh, self.M, self.L, self.V = None, np.zeros(d), np.zeros(n_base), 0.0

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        self.etas = self.eta * diameter(dom, r, self.d) * 2.0 ** np.arange(self.n) / math.sqrt(self.T)
        if self.xh is None:
            self.xh = np.tile(center(dom, r, self.d), (self.n, 1))
        self.xs = np.array([project(dom, r, self.xh[i] - self.etas[i] * self.M) for i in range(self.n)])
        self.m = self.xs @ self.M
        eps = self.eta_meta * math.sqrt(math.log(self.n) / (self.delta + self.V)) if self.n > 1 else 0.0
        logits = -eps * (self.L + self.m)
        p = np.exp(logits - logits.max())
        return (p / p.sum()) @ self.xs

    def update(self, t, x, f, g, model):
        ell = self.xs @ g
        self.V += np.max(np.abs(ell - self.m)) ** 2
        self.L += ell
        self.xh = np.array([project(self.dom, self.r, self.xh[i] - self.etas[i] * g) for i in range(self.n)])
        self.M = g.copy()


class Ader:
    """Improved Ader (Zhang, Lu, Zhou 2018): N = ceil(log2(1 + 4T/7) / 2) + 1 OGD experts on <g_t, x> with steps
    2^(i-1) sqrt(7 D^2 / (2 G^2 T)); Hedge over them with prior ∝ 1 / (i (i + 1)), rate sqrt(8 / (T G^2 D^2)) and
    the surrogate losses <g_t, x_i - x_t>; the learner plays the weighted mean of the experts' points."""

    def __init__(self, d, horizon, lipschitz=1.0):
        self.d, self.T, self.G = d, horizon, lipschitz
        self.n = math.ceil(0.5 * math.log2(1 + 4 * horizon / 7)) + 1
        i = np.arange(1, self.n + 1)
        self.w = (1 + 1 / self.n) / (i * (i + 1))
        self.xs = None

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.xs is None:
            self.xs = np.tile(center(dom, r, self.d), (self.n, 1))
        return (self.w / self.w.sum()) @ self.xs

    def update(self, t, x, f, g, model):
        D = diameter(self.dom, self.r, self.d)
        alpha = math.sqrt(8 / (self.T * self.G**2 * D**2))
        self.w = self.w * np.exp(-alpha * ((self.xs - x) @ g))
        self.w /= self.w.sum()
        etas = 2.0 ** np.arange(self.n) * math.sqrt(7 * D**2 / (2 * self.G**2 * self.T))
        self.xs = np.array([project(self.dom, self.r, self.xs[i] - etas[i] * g) for i in range(self.n)])


def a_norm_project(dom, r, A, y):
    """argmin_{x in X} (x - y)^T A (x - y): ball by brentq on the KKT multiplier, box by enumerating the
    3^d active sets (free, at -r, at +r) and keeping the best KKT point, simplex by enumerating the 2^d - 1
    supports (the equality-constrained minimizer on each, the best non-negative one kept), R^d: y."""
    d = y.size
    if dom == BALL:
        if y @ y <= r * r:
            return y.copy()
        point = lambda mu: np.linalg.solve(A + mu * np.eye(d), A @ y)  # noqa: E731
        mu = brentq(lambda mu: point(mu) @ point(mu) - r * r, 0.0, np.linalg.norm(A @ y) / r, xtol=1e-300, rtol=1e-15)
        return point(mu)
    if dom == BOX:
        best, best_val = None, np.inf
        for pattern in np.ndindex(*(3,) * d):
            fixed = np.array(pattern) > 0
            x = np.where(np.array(pattern) == 1, -r, r).astype(float)
            free = ~fixed
            if free.any():  # A_FF (x_F - y_F) = -A_FB (x_B - y_B)
                x[free] = y[free] - np.linalg.solve(A[np.ix_(free, free)], A[np.ix_(free, fixed)] @ (x[fixed] - y[fixed]))
            if np.any(np.abs(x) > r * (1 + 1e-12)):
                continue
            val = (x - y) @ A @ (x - y)
            if val < best_val:
                best, best_val = x, val
        return best
    if dom == SIMPLEX:
        best, best_val = None, np.inf
        for pattern in np.ndindex(*(2,) * d):
            free = np.array(pattern) > 0
            if not free.any():
                continue
            x = np.zeros(d)  # A_FF (x_F - y_F) - A_FB y_B = nu 1 with sum x_F = r, solved through the KKT system
            m = int(free.sum())
            kkt = np.block([[A[np.ix_(free, free)], -np.ones((m, 1))], [np.ones((1, m)), np.zeros((1, 1))]])
            rhs = np.concatenate([A[np.ix_(free, free)] @ y[free] + A[np.ix_(free, ~free)] @ y[~free], [r]])
            x[free] = np.linalg.solve(kkt, rhs)[:m]
            if np.any(x < -1e-12 * r):
                continue
            val = (x - y) @ A @ (x - y)
            if val < best_val:
                best, best_val = x, val
        return best
    return y.copy()


class ONS:
    def __init__(self, d, gamma=0.5, eps=1.0):
        self.d, self.gamma, self.A, self.x = d, gamma, eps * np.eye(d), None

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.x is None:
            self.x = center(dom, r, self.d)
        return self.x.copy()

    def update(self, t, x, f, g, model):
        self.A += np.outer(g, g)
        self.x = a_norm_project(self.dom, self.r, self.A, self.x - np.linalg.solve(self.A, g) / self.gamma)


class OptimisticExpConcave:
    def __init__(self, d, beta=0.5, delta=1.0):
        self.d, self.beta, self.A, self.xh, self.M = d, beta, delta * np.eye(d), None, np.zeros(d)

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        if self.xh is None:
            self.xh = center(dom, r, self.d)
        return a_norm_project(dom, r, self.A, self.xh - np.linalg.solve(self.A, self.M))

    def update(self, t, x, f, g, model):
        self.xh = a_norm_project(self.dom, self.r, self.A, self.xh - np.linalg.solve(self.A, g))
        self.A += 0.5 * self.beta * np.outer(g, g)
        self.M = g.copy()


class MetaGrad:
    """MetaGrad, full matrix (van Erven and Koolen 2016): rates 2^-i / (5 D G), i < n (n = ceil(log2(T)/2) + 1 from the
    horizon, or given), prior C / ((i+1)(i+2)) with C = 1 + 1/n kept as plain probabilities; each slave keeps
    A = I / D^2 + 2 eta^2 sum g g^T and takes Sigma = inv(A) by numpy (no Sherman-Morrison), steps
    w - eta (1 + 2 eta <w - x, g>) Sigma g and projects in the A-norm (brentq / every active set, above)."""

    def __init__(self, d, lipschitz=1.0, rates=None, horizon=None):
        self.d, self.G = d, lipschitz
        self.n = rates if rates is not None else int(math.ceil(0.5 * math.log2(horizon))) + 1
        i = np.arange(self.n)
        self.prior = (1 + 1 / self.n) / ((i + 1) * (i + 2))
        self.w = None

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        D = diameter(dom, r, self.d)
        self.etas = 2.0 ** -np.arange(self.n) / (5 * D * self.G)
        if self.w is None:
            self.p = self.prior.copy()
            self.w = [center(dom, r, self.d) for _ in range(self.n)]
            self.A = [np.eye(self.d) / D ** 2 for _ in range(self.n)]
        mix = self.p * self.etas
        return mix @ np.array(self.w) / mix.sum()

    def update(self, t, x, f, g, model):
        res = np.array([(x - w) @ g for w in self.w])
        self.p = self.p * np.exp(self.etas * res - (self.etas * res) ** 2)
        self.p /= self.p.sum()
        for i, eta in enumerate(self.etas):
            self.A[i] = self.A[i] + 2 * eta ** 2 * np.outer(g, g)
            step = eta * (1 + 2 * eta * (self.w[i] - x) @ g) * np.linalg.inv(self.A[i]) @ g
            self.w[i] = a_norm_project(self.dom, self.r, self.A[i], self.w[i] - step)


# ---------------------------------------------------------------- driver


def drifting_gradients(T, d, G, seed):
    """A drift that turns around halfway (a learner reaches the boundary, where its projection acts, and leaves it
    again) plus noise; norms clipped to G."""
    rng = np.random.default_rng(seed)
    drift = rng.normal(size=d)
    gs = rng.normal(size=(T, d)) * 0.5 + np.where(np.arange(T)[:, None] < T // 2, 1.0, -1.5) * drift
    return gs * np.minimum(1.0, G / np.linalg.norm(gs, axis=1, keepdims=True))


def play(learner, world, horizon, delays=None):
    """Per round: x_t = act, draw f_t (seeing x_t), feedback (f, g, model) delivered after round t + delays[t]
    (events due at the same round in emission order).  Returns xs (T x d), losses and per-round records."""
    dom, r = world.dom, world.r
    xs, losses, rec = [], [], []
    pending = []
    for t in range(horizon):
        x = learner.act(t, dom, r)
        world.draw(t, x)
        f, g = world.f(x), world.grad(x)
        xs.append(x)
        losses.append(f)
        if hasattr(world, "F"):
            u = world.round_min()
            rec.append(dict(F=world.F(x), Fu=world.F(u), u=u, theta=world.theta.copy(), xi=world.xi.copy(),
                            sigma2=getattr(world, "sigma2_t", world.s ** 2), Sigma2=world.Sigma2))
        pending.append((t + (0 if delays is None else int(delays[t])), t, x, f, g, world.model()))
        for ev in sorted((e for e in pending if e[0] == t), key=lambda e: e[1]):
            learner.update(ev[1], ev[2], ev[3], ev[4], ev[5])
        pending = [e for e in pending if e[0] != t]
    return np.array(xs), np.array(losses), rec


class StronglyAdaptive:
    """CBCE (Jun et al. 2017) over copies of a reference learner started every round on the geometric
    covering: lifetime g 2^v2(t), prior 1 / (t^2 (1 + floor log2 t)), bets w = z / n (1 + wz), x_t the
    bet-weighted average, linearized losses <g_t, x_{t,i}> with meta gradients clipped after dividing by
    D max_s ||g_s||; each copy learns from the linear loss <g_t, x> at its own round count."""

    def __init__(self, make_base, g=8, max_rounds=100_000):
        levels = int(math.floor(math.log2(max_rounds))) + 1
        self.cap = (g // 2 + 1) * levels if g % 2 else (g // 2) * levels + 1
        self.make_base, self.g, self.t, self.G = make_base, g, 1, 0.0
        self.copies = []  # dicts: start, z, wz, n, life, prior, base, x

    def act(self, t, dom, r):
        self.dom, self.r = dom, r
        self.copies = [c for c in self.copies if c["n"] <= c["life"]]
        if len(self.copies) == self.cap:
            self.copies.pop(0)
        s = self.t
        v2 = (s & -s).bit_length() - 1
        self.copies.append(dict(z=0.0, wz=0.0, n=0, life=self.g * 2.0 ** v2, prior=1.0 / (s * s * (1 + math.floor(math.log2(s)))),
                                base=self.make_base()))
        for c in self.copies:
            c["x"] = c["base"].act(c["n"], dom, r)
        bets = np.array([c["z"] / c["n"] * (1 + c["wz"]) if c["n"] else 0.0 for c in self.copies])
        prior = np.array([c["prior"] for c in self.copies])
        weight = prior * np.maximum(bets, 0.0)
        p = weight / weight.sum() if weight.sum() > 0 else prior / prior.sum()
        return p @ np.array([c["x"] for c in self.copies])

    def update(self, t, x, f, g, model):
        self.G = max(self.G, float(np.linalg.norm(g)))
        scale = diameter(self.dom, self.r, x.size) * self.G
        meta = g @ x
        for c in self.copies:
            ell = g @ c["x"]
            w = c["z"] / c["n"] * (1 + c["wz"]) if c["n"] else 0.0
            gt = float(np.clip((meta - ell) / scale if scale > 0 else 0.0, -1.0 if w > 0 else 0.0, 1.0))
            c["z"] += gt
            c["wz"] += gt * w
            c["base"].update(c["n"], c["x"], ell, g, None)
            c["n"] += 1
        self.t += 1
