"""The oco figures' computations: one function per figure, each with a small size (tests, notebook)
and the full size (the figure scripts).  Each returns plain data; ``draw_*`` turns it into a figure.

(a) regret vs T, log-log, at the stochastic extreme, the adversarial extreme and in between, with
    fitted slopes (Chen et al. 2023 Thm 1: O(sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})));
(b) final regret against sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T}) over a grid of noise and drift at a fixed
    gradient scale: optimistic OMD near-linear, OGD with the minimax step eta D / sqrt(T) not;
(c) strongly convex: optimistic OMD (c/(lam t)) vs OGD (1/(lam t)) against log T;
(i) implicit FTRL: average loss against the learning rate over four orders of magnitude and more;
(d) dynamic regret of the ensemble against the path length P_T (rotation speeds), log-log;
(delays) delayed dual averaging's regret against (1 + d) T, log-log.
"""
from __future__ import annotations

import numpy as np

import environments
import olearn


def slope(x, y):
    """Least-squares slope of log y on log x."""
    return float(np.polyfit(np.log(x), np.log(np.maximum(y, 1e-12)), 1)[0])


def _mean_final(res, metric):
    return res.metric(metric).mean(axis=1)  # configs x checkpoints


# ---------------------------------------------------------------- (a)

REGIMES = {  # sea_linear on the unit ball, d = 5; "blocks" of period 1: a fresh random sign every round
    "stochastic (i.i.d., Sigma = 0)": {"noise": 1.0, "kappa": 0.0, "drift": "fixed"},
    "in between": {"noise": 0.5, "kappa": 0.35, "drift": "blocks", "period": 1},
    "adversarial (point masses, sigma = 0)": {"noise": 0.0, "kappa": 0.7, "drift": "blocks", "period": 1},
    "benign (sigma = Sigma = 0)": {"noise": 0.0, "kappa": 0.5, "drift": "fixed"},
}
LEARNERS_A = {"optimistic_omd": {}, "optimistic_ftrl": {}, "adagrad_norm": {}, "ogd": {}}


def regret_vs_horizon(horizon=20_000, seeds=50, backend="cpu", dim=5, learners=tuple(LEARNERS_A)):
    """Per regime and learner: checkpoints, mean regret, mean sqrt(sigma2)+sqrt(Sigma2), fitted slope."""
    out = {}
    for regime, kw in REGIMES.items():
        env = environments.make("sea_linear", dim=dim, **kw)
        for name in learners:
            res = olearn.run(olearn.make(name, **LEARNERS_A[name]), env, horizon=horizon, seeds=seeds, backend=backend, checkpoints=20)
            reg = _mean_final(res, "regret")[0]
            bound = (np.sqrt(res.metric("sigma2")) + np.sqrt(res.metric("Sigma2"))).mean(axis=1)[0]
            late = res.rounds >= horizon // 10
            out[(regime, name)] = dict(rounds=res.rounds, regret=reg, bound=bound, slope=slope(res.rounds[late], reg[late]))
    return out


# ---------------------------------------------------------------- (b)

G2_B = 1.0  # E||g_t||^2 = kappa^2 + s^2 = 1 in every world of the grid: kappa = sqrt(1 - s^2)
NOISES = (0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 0.9)  # sigma^2_{1:T} = s^2 T
PERIODS = (1, None)  # "blocks": a fresh fair sign every round (Sigma^2_{1:T} about 2 kappa^2 T), or None: one block (Sigma = 0)
LEARNERS_B = {"optimistic_omd": ("optimistic_omd", {}), "ogd (fixed)": ("ogd", {"schedule": "fixed"}),
              "ogd (sqrt)": ("ogd", {})}


def regret_vs_variation(horizon=10_000, seeds=20, backend="cpu", dim=5, learners=tuple(LEARNERS_B), noises=NOISES,
                        periods=PERIODS):
    """Rows (learner, noise, period, sqrt(sigma2) + sqrt(Sigma2), final mean regret) over noise x period.

    sea_linear on the unit ball, f_t(x) = <theta_t + xi_t, x>, theta_t = +-kappa u (drift "blocks": a fair
    sign per block of ``period`` rounds; None = the horizon, one block, no drift), xi_t ~ N(0, s^2 I / d),
    kappa = sqrt(G2_B - s^2).  Every world has the same gradient scale, E||g_t||^2 = kappa^2 + s^2 = 1,
    while sqrt(sigma^2_{1:T}) = s sqrt(T) and sqrt(Sigma^2_{1:T}) (about kappa sqrt(2 T) with period 1,
    0 with one block) span orders of magnitude.  Chen et al. (ICML 2023), Thm 1: optimistic OMD's E[R_T] =
    O(sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})); OGD with Zinkevich's (2003) step eta D / sqrt(T) is
    only guaranteed D G sqrt(T), whatever the variation.

    Periods between 1 and T are left out on purpose: with sign blocks of 2 to 16 rounds every learner
    follows the blocks and beats the best fixed point by a margin linear in T (measured at T = 10^4,
    kappa = 1, s = 0: optimistic OMD -231 at period 2, -4283 at period 16; OGD (fixed) +33 and -956), so the
    static regret there measures tracking, not the variation bound (which is an upper bound only).
    With period 1, theta_t is independent of x_t, so every learner's regret is about E||S_theta + S_xi||
    (kappa sqrt(2 T / pi) without noise): the contrast lives at the small-variation end, where optimistic
    OMD's regret falls to O(1) and OGD with eta D / sqrt(T) keeps about 1 / (2 eta_T) = sqrt(T) / 4.
    """
    rows = []
    for s in noises:
        for period in periods:
            p = horizon if period is None else min(period, horizon)
            kappa = float(np.sqrt(G2_B - s * s))
            env = environments.make("sea_linear", dim=dim, noise=s, kappa=kappa, drift="blocks", period=p)
            for label in learners:
                name, kw = LEARNERS_B[label]
                res = olearn.run(olearn.make(name, **kw), env, horizon=horizon, seeds=seeds, backend=backend, checkpoints=1)
                x = float((np.sqrt(res.final("sigma2")) + np.sqrt(res.final("Sigma2"))).mean())
                rows.append((label, s, p, x, float(res.final("regret").mean())))
    return rows


def variation_points(rows, learner):
    """One learner's (sqrt(sigma2) + sqrt(Sigma2), final mean regret) points as two arrays, by increasing variation."""
    x = np.array([r[3] for r in rows if r[0] == learner])
    y = np.array([r[4] for r in rows if r[0] == learner])
    order = np.lexsort((y, x))
    return x[order], y[order]


def flat_ratio(rows, learner):
    """One learner's final regret at the smallest variation over its regret at the largest."""
    _, y = variation_points(rows, learner)
    return y[0] / y[-1]


def linear_fit(rows, learner):
    """Slope, intercept and R^2 of final regret on sqrt(sigma2) + sqrt(Sigma2) for one learner."""
    x, y = variation_points(rows, learner)
    a, b = np.polyfit(x, y, 1)
    r2 = 1 - np.sum((y - (a * x + b)) ** 2) / np.sum((y - y.mean()) ** 2)
    return float(a), float(b), float(r2)


# ---------------------------------------------------------------- (c)


STRONGLY_CONVEX_KAPPA = 0.5


def strongly_convex(horizon=20_000, seeds=20, backend="cpu", dim=5, period=2_000):
    """sea_quadratic, noise 0, rare switches: regret of optimistic OMD (2/(lam t)) and OGD (1/(lam t))."""
    env = environments.make("sea_quadratic", dim=dim, noise=0.0, kappa=STRONGLY_CONVEX_KAPPA, drift="switching", period=period)
    out = {}
    for label, learner in {"optimistic_omd (c/(lam t))": olearn.make("optimistic_omd", rule="strongly_convex", c=2.0),
                           "optimistic_ftrl (surrogates)": olearn.make("optimistic_ftrl", rule="strongly_convex"),
                           "ogd (1/(lam t))": olearn.make("ogd", schedule="strongly_convex")}.items():
        res = olearn.run(learner, env, horizon=horizon, seeds=seeds, backend=backend, checkpoints=25)
        out[label] = dict(rounds=res.rounds, regret=_mean_final(res, "regret")[0],
                          variation=res.metric("Sigma2").mean(axis=1)[0] + res.metric("sigma2").mean(axis=1)[0])
    return out


def log_growth(rounds, regret, start):
    """Slope of regret against ln t over rounds >= start (log T growth: a positive constant)."""
    keep = rounds >= start
    return float(np.polyfit(np.log(rounds[keep]), regret[keep], 1)[0])


# ---------------------------------------------------------------- (i)

ETAS = tuple(2.0 ** k for k in range(-6, 11))  # 2^-6 .. 2^10: more than four orders of magnitude


def generated_data(task, n=2000, dim=20, seed=0):
    """Features with ||a|| <= 1; labels sign(<w, a>) with 10% flipped (classification) or <w, a> + noise (regression)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, dim))
    a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1.0)
    w = rng.normal(size=dim) * 3 / np.sqrt(dim)
    if task == "classification":
        y = np.sign(a @ w + 1e-12)
        y[rng.random(n) < 0.1] *= -1
    else:
        y = a @ w + 0.1 * rng.normal(size=n)
    return np.column_stack([a, y])


IMPLICIT_VARIANTS = ("linearized", "aprox", "implicit", "mirror_prox")
CLASSIFICATION = ("hinge", "logistic")


def sklearn_data(name):
    """A data set that ships with scikit-learn, features standardized then scaled to ||a|| <= 1 and the
    label last: ``breast_cancer`` (labels -1/+1, 569 x 30) or ``diabetes`` (target standardized, 442 x 10)."""
    from sklearn import datasets

    bunch = {"breast_cancer": datasets.load_breast_cancer, "diabetes": datasets.load_diabetes}[name]()
    a = (bunch.data - bunch.data.mean(0)) / bunch.data.std(0)
    a /= np.linalg.norm(a, axis=1).max()
    y = 2.0 * bunch.target - 1.0 if name == "breast_cancer" else (bunch.target - bunch.target.mean()) / bunch.target.std()
    return np.column_stack([a, y])


def implicit_sweep(n=2000, dim=20, seeds=10, backend="cpu", losses=("hinge", "absolute", "squared", "logistic"), etas=ETAS,
                   sklearn=False):
    """Average online loss (1/T) sum_t l_t(x_t) per (loss and data set, variant, eta): sqrt schedule, one
    shuffled pass per seed, on generated data (n x dim) and, with ``sklearn``, on breast_cancer
    (hinge, logistic) and diabetes (absolute, squared)."""
    out = {}
    for loss in losses:
        task = "classification" if loss in CLASSIFICATION else "regression"
        sets = {"generated": generated_data(task, n, dim)}
        if sklearn:
            sets["breast_cancer" if task == "classification" else "diabetes"] = sklearn_data(
                "breast_cancer" if task == "classification" else "diabetes")
        for set_name, data in sets.items():
            env = environments.make("linear_stream", data=data, loss=loss)
            for variant in IMPLICIT_VARIANTS:
                res = olearn.run(olearn.make("implicit_ftrl", variant=variant, eta=list(etas)), env, horizon=len(data),
                                 seeds=seeds, backend=backend, checkpoints=1)
                out[(f"{loss} ({set_name})", variant)] = res.final("loss").mean(axis=1) / len(data)
    return out


# ---------------------------------------------------------------- (d)

DELAYS = (0, 3, 15, 63)


def delayed_regret(horizon=20_000, seeds=20, backend="cpu", dim=5, delays=DELAYS, optimistic=False):
    """Regret of delayed dual averaging on sign blocks of length d + 1 (sea_linear, noise 0), per delay d."""
    out = {}
    for d in delays:
        env = environments.make("sea_linear", dim=dim, noise=0.0, kappa=1.0, drift="blocks", period=d + 1)
        res = olearn.run(olearn.make("delayed_dual_averaging", optimistic=optimistic), env, horizon=horizon, seeds=seeds,
                         backend=backend, checkpoints=15, delay=olearn.delays.fixed(d) if d else None)
        out[d] = dict(rounds=res.rounds, regret=_mean_final(res, "regret")[0])
    return out


# ---------------------------------------------------------------- (d) dynamic regret

OMEGAS = (0.0, 1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3)


def dynamic_vs_path(horizon=10_000, seeds=20, backend="cpu", dim=5, noise=0.3, omegas=OMEGAS,
                    learners=("sea_ensemble", "optimistic_omd", "ogd")):
    """sea_quadratic on the unit ball, theta_t rotating at speed omega (P_T ~ kappa omega T): per learner and
    omega, the mean path length P_T, the mean dynamic regret sum F_t(x_t) - F_t(u_t), and sigma^2 + Sigma^2."""
    out = {}
    for omega in omegas:
        env = environments.make("sea_quadratic", dim=dim, noise=noise, kappa=0.5, drift="rotation", omega=omega)
        for name in learners:
            res = olearn.run(olearn.make(name), env, horizon=horizon, seeds=seeds, backend=backend, checkpoints=1)
            out[(name, omega)] = dict(path=float(res.final("path_length").mean()), dynamic=float(res.final("dynamic_regret").mean()),
                                      variation=float((res.final("sigma2") + res.final("Sigma2")).mean()))
    return out


def dynamic_bound(path, variation):
    """Chen et al. (2023) Thm 5's rate without its constant: sqrt((1 + P_T + sigma^2 + Sigma^2)(1 + P_T))."""
    return np.sqrt((1 + path + variation) * (1 + path))
