"""Bandit convex optimization (problem kind ``oco``): the learner sees only the loss value f_t(y_t) at the point it played.

The engine's feedback row is ``[f_t(y_t), grad f_t(y_t), model ...]`` (:mod:`olearn.engine.oco`); the learners
here read **slot 0 only**, the loss value, never the gradient or the model slots (``tests/test_bandit_convex.py``
feeds a corrupted gradient and sees the same trajectory).  Regret is measured at the played point y_t, which is
what bandit convex optimization asks: sum_t f_t(y_t) - min_{x in X} sum_t f_t(x).  Rounds ``t`` count from 0.

``bandit_ogd``: Flaxman, Kalai and McMahan (SODA 2005), "Online convex optimization in the bandit setting:
gradient descent without a gradient", algorithm BGD.  X contains the ball r B and lies in the ball R B (ball of
radius rho: r = R = rho; box [-rho, rho]^d: r = rho, R = rho sqrt(d)); |f_t| <= C.  With x_1 = 0::

    y_t = x_t + delta u_t,        u_t uniform on the unit sphere (d normals of stream LEARNER, normalised),
    x_{t+1} = Pi_{(1 - alpha) X}(x_t - nu f_t(y_t) u_t),     nu = R / (C sqrt(T)).

nu f_t(y_t) u_t is the step eta g_t with eta = nu delta / d on the one-point estimate g_t = (d / delta) f_t(y_t) u_t,
whose mean is the gradient of the smoothed loss f^_t(x) = E_{v ~ unif(B)} f_t(x + delta v) (their Lemma 1); the
shrunk set (1 - alpha) X keeps y_t in X when delta <= alpha r.  Their proof adds three terms:

    E[regret] <= R d C sqrt(T) / delta       (Zinkevich's gradient descent on f^_t, ||g_t|| <= d C / delta)
               + 3 L' delta T                (f^_t against f_t, and y_t against x_t; L' the Lipschitz constant)
               + 2 alpha C T                 (the best point of (1 - alpha) X against that of X),

and tunes them two ways (their theorems; ``regret_bound`` evaluates both):

* L-Lipschitz losses (``lipschitz=L``): delta = T^(-1/4) sqrt(R d C r / (3 (L r + C))), alpha = delta / r,
  E[regret] <= 2 T^(3/4) sqrt(3 R d C (L + C / r));
* bounded convex losses only (``lipschitz=None``; f_t is then 2C/(alpha r)-Lipschitz on (1 - alpha) X):
  delta = (r R^2 d^2 / (12 T))^(1/3), alpha = (3 R d / (2 r sqrt(T)))^(1/3), for T >= (3 R d / (2 r))^2,
  E[regret] <= 3 C T^(5/6) (12 d R / r)^(1/3) (the three terms above at these values).

Outside the theorems' range of T the learner clips alpha to 1 and delta to alpha r (then x_t = 0 and it only
explores), so y_t stays in X.  u_t is redrawn in ``update`` from the same counter-based draws (seed, LEARNER, t),
so a delayed feedback still pairs with its own direction.  The simplex and R^d are refused: the first has no
interior ball in R^d, the second no radius R.  State: ``[x (d)]``; row: ``[d, C, L (0: none), T]``.

``scrible``: Abernethy, Hazan and Rakhlin (COLT 2008), "Competing in the dark: an efficient algorithm for bandit
linear optimization", algorithm SCRiBLe on the ball X = rho B with the 1-self-concordant barrier
R(x) = -ln(rho^2 - ||x||^2), for linear losses f_t(x) = <c_t, x> with |f_t| <= C on X::

    x_t = argmin_x eta <S_t, x> + R(x),   S_t = sum_{s<t} ft_s,
    y_t = x_t + eps_t lambda_i^(-1/2) e_i,  i uniform in {1..d}, eps_t = +-1 (the Dikin ellipsoid's axes),
    ft_t = d f_t(y_t) eps_t lambda_i^(1/2) e_i = d f_t(y_t) grad^2 R(x_t) (y_t - x_t),

with (e_i, lambda_i) the eigenpairs of grad^2 R(x_t); E ft_t = c_t exactly for linear losses.  Their Theorem 1
(|f_t| <= 1, scaled here by C): eta = sqrt(nu ln T) / (4 d C sqrt(T)), nu = 1, and
E[regret] <= 16 C d sqrt(nu T ln T) for T > 8 nu ln T (``scrible_regret_bound``).

The FTRL step in closed form: grad [eta <S, x> + R(x)] = eta S + 2 x / (rho^2 - ||x||^2) = 0 puts x = -a S / ||S||
with eta ||S|| (rho^2 - a^2) = 2 a, the root in [0, rho) of eta ||S|| a^2 + 2 a - eta ||S|| rho^2 = 0, which in
the scaled sum theta = eta rho S, z = ||theta||, q = sqrt(1 + z^2) is

    x = -rho theta / (1 + q),     rho^2 - ||x||^2 = 2 rho^2 / (1 + q)   (no cancellation near the sphere).

grad^2 R(x) = 2 I / s + 4 x x' / s^2 (s = rho^2 - ||x||^2) has lambda = (1 + q + z^2) / rho^2 along x and
(1 + q) / rho^2 (d - 1 times) across it.  Axis i = 0 is along -theta, the others the columns of the Householder
reflection H = I - 2 v v' / v'v, v = w + sgn(w_0) e_0, w = -theta / z (H e_0 = -sgn(w_0) w; H = I when theta = 0,
where every lambda is 2 / rho^2).  The state keeps theta (the update adds eta d f eps (rho lambda_i^(1/2)) e_i to it),
and holds z <= 1e100 (x within a relative 1e-100 of the sphere), which binds only for losses far beyond
loss_bound, so the state stays finite.  i = floor(d uniform(seed, LEARNER, t, 0)), eps = +1 when
uniform(seed, LEARNER, t, 1) < 1/2.  State: ``[theta (d), x_t (d), rho lambda_i^(1/2), i, eps]``; row: ``[d, C, T]``.
"""
import math

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.oco import require_domains, zero_state
from olearn.learners.oco import DIM, _dim

LOSS_BOUND = Param("loss_bound", 1.0, "C, a bound on |f_t(x)| over X (the step nu = R / (C sqrt(T)), SCRiBLe's eta)",
                   low=0.0, open_low=True)
LIPSCHITZ = Param("lipschitz", 1.0, "L, the losses' Lipschitz constant: delta = T^(-1/4) sqrt(R d C r / (3 (L r + C))); "
                  "None: bounded convex losses only, delta = (r R^2 d^2 / (12 T))^(1/3)", low=0.0, open_low=True, optional=True)
#: SCRiBLe's scaled sum z = eta rho ||S|| is held at most this (x within a relative 1/Z_MAX of the sphere)
Z_MAX = 1e100


# ---------------------------------------------------------------- bandit_ogd (Flaxman, Kalai and McMahan 2005)


@kernel
def outer_radius(code, radius, d):
    """R with X inside R B: rho on the ball, rho sqrt(d) on the box [-rho, rho]^d (X contains rho B in both)."""
    if code == domains.BOX:
        return radius * math.sqrt(d)
    return radius


@kernel
def cube_root(x):
    return math.exp(math.log(x) / 3.0)


@kernel
def fkm_shrink(params, code, radius, d):
    """alpha: delta / r (Lipschitz tuning) or (3 R d / (2 r sqrt(T)))^(1/3) (bounded tuning), at most 1."""
    c_bound, lip, horizon = params[1], params[2], params[3]
    big = outer_radius(code, radius, d)
    if lip > 0.0:
        alpha = math.sqrt(big * d * c_bound * radius / (3.0 * (lip * radius + c_bound))) / math.sqrt(math.sqrt(horizon)) / radius
    else:
        alpha = cube_root(3.0 * big * d / (2.0 * radius * math.sqrt(horizon)))
    return min(alpha, 1.0)


@kernel
def fkm_radius(params, code, radius, d):
    """delta: T^(-1/4) sqrt(R d C r / (3 (L r + C))) or (r R^2 d^2 / (12 T))^(1/3), at most alpha r (so y_t is in X)."""
    c_bound, lip, horizon = params[1], params[2], params[3]
    big = outer_radius(code, radius, d)
    if lip > 0.0:
        delta = math.sqrt(big * d * c_bound * radius / (3.0 * (lip * radius + c_bound))) / math.sqrt(math.sqrt(horizon))
    else:
        delta = cube_root(radius * big * big * d * d / (12.0 * horizon))
    return min(delta, fkm_shrink(params, code, radius, d) * radius)


@kernel
def sphere_norm(seed, t, d):
    """||z||, z_i = rng.normal(seed, LEARNER, t, i) for i < d: u_t = z / ||z|| is uniform on the unit sphere."""
    total = 0.0
    for i in range(d):
        z = rng.normal(seed, rng.LEARNER, t, i)
        total += z * z
    return math.sqrt(total)


@kernel
def sphere_coordinate(seed, t, i, norm):
    """u_{t,i} = z_i / ||z|| (e_1 in the probability-2^(-53 d) event z = 0)."""
    if norm > 0.0:
        return rng.normal(seed, rng.LEARNER, t, i) / norm
    return 1.0 if i == 0 else 0.0


@kernel
def bandit_ogd_act(state, params, obs, t, seed, action):
    """y_t = x_t + delta u_t (then Pi_X, a no-op but for rounding)."""
    d = int(params[0])
    code = int(obs[0])
    delta = fkm_radius(params, code, obs[1], d)
    norm = sphere_norm(seed, t, d)
    for i in range(d):
        action[i] = state[i] + delta * sphere_coordinate(seed, t, i, norm)
    domains.project(code, obs[1], d, action, action)


@kernel
def bandit_ogd_update(state, params, obs, action, feedback, t, seed):
    """x <- Pi_{(1 - alpha) X}(x - nu f_t(y_t) u_t), nu = R / (C sqrt(T)); reads feedback[0] only."""
    d = int(params[0])
    code = int(obs[0])
    step = outer_radius(code, obs[1], d) / (params[1] * math.sqrt(params[3])) * feedback[0]
    norm = sphere_norm(seed, t, d)
    for i in range(d):
        state[i] -= step * sphere_coordinate(seed, t, i, norm)
    domains.project(code, (1.0 - fkm_shrink(params, code, obs[1], d)) * obs[1], d, state, state)


BANDIT_OGD = LearnerType(
    name="bandit_ogd",
    summary="bandit gradient descent (BGD): play y = x + delta u, u uniform on the sphere; x <- Pi_{(1-alpha)X}(x - nu f(y) u), "
    "nu = R/(C sqrt(T)); sees f(y) only",
    reference="Flaxman, Kalai and McMahan (SODA 2005), Online convex optimization in the bandit setting: gradient descent "
    "without a gradient: E[regret] <= 2 T^(3/4) sqrt(3 R d C (L + C/r)) for L-Lipschitz losses, 3 C T^(5/6) (12 d R/r)^(1/3) "
    "for bounded convex ones",
    feedback="bandit",
    kind="oco",
    params=(DIM, LOSS_BOUND, LIPSCHITZ),
    state_size=lambda v, k, d: k,
    row=lambda v, k, d, h: [_dim("bandit_ogd", v, k), v["loss_bound"], 0.0 if v["lipschitz"] is None else v["lipschitz"], float(h)],
    init=zero_state,
    act=bandit_ogd_act,
    update=bandit_ogd_update,
    test_params=({}, {"lipschitz": None, "loss_bound": 3.0}),
)
require_domains("bandit_ogd", (domains.BALL, domains.BOX))

# ---------------------------------------------------------------- scrible (Abernethy, Hazan and Rakhlin 2008)


@kernel
def scaled_norm(v, d):
    """||v[:d]|| without overflow or underflow of the squares."""
    top = 0.0
    for i in range(d):
        top = max(top, abs(v[i]))
    if top == 0.0:
        return 0.0
    total = 0.0
    for i in range(d):
        total += (v[i] / top) * (v[i] / top)
    return top * math.sqrt(total)


@kernel
def reflection_sign(theta, norm):
    """sgn(w_0) for w = -theta / ||theta|| (+1 at w_0 = 0)."""
    return 1.0 if theta[0] <= 0.0 else -1.0


@kernel
def reflection_weight(theta, norm, sign, i):
    """2 v_i / v'v for v = w + sgn(w_0) e_0 (0 when theta = 0: H = I)."""
    if norm == 0.0:
        return 0.0
    v_i = -theta[i] / norm + (sign if i == 0 else 0.0)
    return 2.0 * v_i / (2.0 + 2.0 * abs(theta[0]) / norm)


@kernel
def dikin_axis(theta, norm, sign, weight, i, j):
    """Coordinate j of axis i: (H e_i)_j = [i == j] - (2 v_i / v'v) v_j (reads theta[j] only, besides the scalars)."""
    v_j = 0.0
    if norm > 0.0:
        v_j = -theta[j] / norm + (sign if j == 0 else 0.0)
    return (1.0 if i == j else 0.0) - weight * v_j


@kernel
def scrible_act(state, params, obs, t, seed, action):
    """x_t = -rho theta / (1 + q); y_t = x_t + eps rho / (rho lambda_i^(1/2)) e_i (then Pi_X against rounding)."""
    d = int(params[0])
    rho = obs[1]
    theta = state[0:d]
    z = scaled_norm(theta, d)
    q = math.sqrt(1.0 + z * z)
    for j in range(d):
        state[d + j] = -rho * theta[j] / (1.0 + q)
    i = min(int(rng.uniform(seed, rng.LEARNER, t, 0) * d), d - 1)
    eps = 1.0 if rng.uniform(seed, rng.LEARNER, t, 1) < 0.5 else -1.0
    root = math.sqrt(1.0 + q + z * z) if i == 0 else math.sqrt(1.0 + q)  # rho lambda_i^(1/2)
    state[2 * d] = root
    state[2 * d + 1] = i
    state[2 * d + 2] = eps
    sign = reflection_sign(theta, z)
    weight = reflection_weight(theta, z, sign, i)
    for j in range(d):
        action[j] = state[d + j] + eps * rho / root * dikin_axis(theta, z, sign, weight, i, j)
    domains.project(domains.BALL, rho, d, action, action)


@kernel
def scrible_update(state, params, obs, action, feedback, t, seed):
    """theta += eta rho ft_t = eta d f_t(y_t) eps (rho lambda_i^(1/2)) e_i, held to ||theta|| <= Z_MAX; reads feedback[0] only."""
    d = int(params[0])
    horizon = params[2]
    eta = math.sqrt(math.log(horizon)) / (4.0 * d * params[1] * math.sqrt(horizon))
    theta = state[0:d]
    i = int(state[2 * d + 1])
    z = scaled_norm(theta, d)
    sign = reflection_sign(theta, z)
    weight = reflection_weight(theta, z, sign, i)
    gain = eta * d * feedback[0] * state[2 * d + 2] * state[2 * d]
    for j in range(d):
        theta[j] += gain * dikin_axis(theta, z, sign, weight, i, j)  # axis j reads the old theta[j] only
    z = scaled_norm(theta, d)
    if z > Z_MAX:
        for j in range(d):
            theta[j] *= Z_MAX / z


SCRIBLE = LearnerType(
    name="scrible",
    summary="SCRiBLe on the ball: FTRL with the barrier -ln(rho^2 - ||x||^2) (closed form), play a random end of a Dikin "
    "ellipsoid axis, ft = d f(y) lambda_i^(1/2) eps e_i; bandit linear losses, sees f(y) only",
    reference="Abernethy, Hazan and Rakhlin (COLT 2008), Competing in the dark: an efficient algorithm for bandit linear "
    "optimization: E[regret] <= 16 C d sqrt(T ln T) with eta = sqrt(ln T) / (4 d C sqrt(T)) (nu = 1)",
    feedback="bandit",
    kind="oco",
    params=(DIM, LOSS_BOUND),
    state_size=lambda v, k, d: 2 * k + 3,
    row=lambda v, k, d, h: [_dim("scrible", v, k), v["loss_bound"], float(h)],
    init=zero_state,
    act=scrible_act,
    update=scrible_update,
    delayable=False,  # the update reads the round's axis, drawn by act
    test_params=({}, {"loss_bound": 0.3}),
)
require_domains("scrible", (domains.BALL,))

LEARNERS = (BANDIT_OGD, SCRIBLE)


# ---------------------------------------------------------------- the papers' bounds (plain Python)


def _checked(owner: str, horizon, dim, radius=1.0, loss_bound=1.0, lipschitz=None) -> tuple:
    """(T, d, rho, C, L) for the bound functions: T and d integers >= 1, rho and C finite and > 0, L finite and > 0 or
    None; otherwise a ParameterError naming the first bad one (a bool is not a number here)."""
    horizon = check_integer(owner, "horizon", horizon, 1)
    dim = check_integer(owner, "dim", dim, 1)
    out = [horizon, dim]
    for name, value in (("radius", radius), ("loss_bound", loss_bound), ("lipschitz", lipschitz)):
        if name == "lipschitz" and value is None:
            out.append(None)
            continue
        allowed = "a finite number > 0" + (", or None" if name == "lipschitz" else "")
        out.append(check_range(owner, name, value, 0.0, open_low=True, allowed=allowed))
    return tuple(out)


def _radii(domain: str, radius: float, dim: int) -> tuple[float, float]:
    """(R, r): X = ``domain`` of ``radius`` lies in R B and contains r B."""
    if domain not in ("ball", "box"):
        raise ParameterError("regret_bound", "domain", domain, "'ball' or 'box' (a set with an interior ball centred at 0)")
    return (radius * math.sqrt(dim) if domain == "box" else radius), radius


def fkm_parameters(horizon: int, dim: int, domain: str = "ball", radius: float = 1.0, loss_bound: float = 1.0,
                   lipschitz: float | None = 1.0) -> dict:
    """The paper's (nu, delta, alpha) for ``bandit_ogd`` at horizon T, before the learner's clipping to alpha <= 1,
    delta <= alpha r: nu = R / (C sqrt(T)) and delta, alpha of the Lipschitz (``lipschitz=L``) or bounded
    (``lipschitz=None``) theorem."""
    horizon, dim, radius, loss_bound, lipschitz = _checked("fkm_parameters", horizon, dim, radius, loss_bound, lipschitz)
    big, small = _radii(domain, radius, dim)
    T, d, C = float(horizon), float(dim), float(loss_bound)
    if lipschitz is None:
        delta = (small * big**2 * d**2 / (12.0 * T)) ** (1.0 / 3.0)
        alpha = (3.0 * big * d / (2.0 * small * math.sqrt(T))) ** (1.0 / 3.0)
    else:
        delta = T**-0.25 * math.sqrt(big * d * C * small / (3.0 * (lipschitz * small + C)))
        alpha = delta / small
    return {"nu": big / (C * math.sqrt(T)), "delta": delta, "alpha": alpha}


def regret_bound(horizon: int, dim: int, domain: str = "ball", radius: float = 1.0, loss_bound: float = 1.0,
                 lipschitz: float | None = 1.0) -> float:
    """Flaxman, Kalai and McMahan's bound on ``bandit_ogd``'s expected regret at T on X = ``domain`` of ``radius``
    (R and r as in the module docstring), losses with |f_t| <= C (``loss_bound``):

    * ``lipschitz=L``: 2 T^(3/4) sqrt(3 R d C (L + C / r));
    * ``lipschitz=None`` (bounded convex losses): 3 C T^(5/6) (12 d R / r)^(1/3), for T >= (3 R d / (2 r))^2,

    or the trivial 2 C T where that is smaller (for T below the theorems' range, where alpha would exceed 1, the
    formulas are above 2 C T, so the minimum is a bound at every T).

    >>> round(regret_bound(10_000, 3), 1)  # 2 T^(3/4) sqrt(18) on the unit ball, C = L = 1
    8485.3
    """
    horizon, dim, radius, loss_bound, lipschitz = _checked("regret_bound", horizon, dim, radius, loss_bound, lipschitz)
    big, small = _radii(domain, radius, dim)
    T, d, C = float(horizon), float(dim), float(loss_bound)
    if lipschitz is None:
        formula = 3.0 * C * T ** (5.0 / 6.0) * (12.0 * d * big / small) ** (1.0 / 3.0)
    else:
        formula = 2.0 * T**0.75 * math.sqrt(3.0 * big * d * C * (lipschitz + C / small))
    return min(formula, 2.0 * C * T)


def scrible_regret_bound(horizon: int, dim: int, loss_bound: float = 1.0) -> float:
    """Abernethy, Hazan and Rakhlin's Theorem 1 for ``scrible`` on the ball (nu = 1): E[regret] <= 16 C d sqrt(T ln T)
    for linear losses with |f_t| <= C on X, when T > 8 ln T (below it the trivial 2 C T is returned, and at T = 1,
    where ln T = 0 makes the theorem's eta 0 and its bound 0, which the regret C of playing x_1 = 0 exceeds).

    >>> round(scrible_regret_bound(10_000, 3), 1)
    14567.3
    """
    horizon, dim, _, loss_bound, _ = _checked("scrible_regret_bound", horizon, dim, loss_bound=loss_bound)
    T = float(horizon)
    if T < 2.0 or T <= 8.0 * math.log(T):
        return 2.0 * loss_bound * T
    return 16.0 * loss_bound * dim * math.sqrt(T * math.log(T))
