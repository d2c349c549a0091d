"""The oco figures' computations: one function per figure, each with a small size (tests, notebook)
and the full size (the figure scripts).  Each returns plain data; ``draw_*`` turns it into a figure.

(a) regret vs T, log-log, at the stochastic extreme, the adversarial extreme and in between, with
    fitted slopes (Chen et al. 2023 Thm 1: O(sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})));
(b) final regret against sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T}) over a grid of noise and drift;
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

NOISES = (0.0, 0.03, 0.1, 0.3, 1.0)
KAPPAS = (0.0, 0.1, 0.3, 1.0)  # random signs every round: Sigma^2_{1:T} about 2 kappa^2 T


def regret_vs_variation(horizon=10_000, seeds=20, backend="cpu", dim=5, learners=("optimistic_omd", "ogd"), noises=NOISES, kappas=KAPPAS):
    """Rows (learner, noise, kappa, sqrt(sigma2) + sqrt(Sigma2), final mean regret) over the grid."""
    rows = []
    for s in noises:
        for k in kappas:
            env = environments.make("sea_linear", dim=dim, noise=s, kappa=k, drift="blocks", period=1)
            for name in learners:
                res = olearn.run(olearn.make(name), env, horizon=horizon, seeds=seeds, backend=backend, checkpoints=1)
                x = float((np.sqrt(res.final("sigma2")) + np.sqrt(res.final("Sigma2"))).mean())
                rows.append((name, s, k, x, float(res.final("regret").mean())))
    return rows


def linear_fit(rows, learner):
    """Slope, intercept and R^2 of final regret on sqrt(sigma2) + sqrt(Sigma2) for one learner."""
    x = np.array([r[3] for r in rows if r[0] == learner])
    y = np.array([r[4] for r in rows if r[0] == learner])
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
