"""Every ``oco`` learner against its NumPy reference (tests/oco_reference.py), round by round.

The engine's python backend must reproduce the reference's per-round losses f_t(x_t) (a function
of the whole point x_t) and first coordinates to 1e-12 on SEA worlds over a ball, a box and a
simplex, and on a data stream with each linear-model loss.  The recorded metrics are checked
against brute force: the static comparator by a generic convex solver (scipy SLSQP), pseudo- and
dynamic regret, P_T, sigma^2_{1:T} and Sigma^2_{1:T} from the reference's per-round records.
"""
import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

import environments
import olearn
import oco_reference as ref
from olearn.engine import metric_projection, models
from olearn.learners import adagrad, coin_betting, ftrl_proximal, metagrad, oco, oco_adaptive, oco_ensemble, oco_newton

T = 40
SEED = 3

WORLDS = {
    "quad_ball_switch": ("sea_quadratic", {"dim": 3, "noise": 0.4, "drift": "switching", "period": 6, "kappa": 0.9}),
    "quad_box_rot": ("sea_quadratic", {"dim": 4, "domain": "box", "radius": 0.3, "noise": 0.2, "drift": "rotation", "omega": 0.4}),
    "quad_simplex_adapt": ("sea_quadratic", {"dim": 3, "domain": "simplex", "noise": 0.3, "drift": "adaptive", "kappa": 0.8}),
    "lin_ball_adapt": ("sea_linear", {"dim": 3, "noise": 0.5, "drift": "adaptive"}),
    "lin_simplex_switch": ("sea_linear", {"dim": 4, "domain": "simplex", "noise": 0.3, "drift": "switching", "period": 5}),
    "lin_box_fixed": ("sea_linear", {"dim": 2, "domain": "box", "noise": 0.0, "drift": "fixed"}),
    "lin_ball_blocks": ("sea_linear", {"dim": 3, "noise": 0.1, "drift": "blocks", "period": 3}),
    "ls_ball_switch": ("sea_least_squares", {"dim": 3, "noise": 0.3, "drift": "switching", "period": 6, "kappa": 0.9}),
    "ls_box_adapt": ("sea_least_squares", {"dim": 2, "domain": "box", "radius": 0.5, "noise": 0.1, "drift": "adaptive"}),
    "nc_ball_rot": ("sea_nonconvex", {"dim": 3, "noise": 0.2, "drift": "rotation", "omega": 0.3}),
    "nc_simplex_switch": ("sea_nonconvex", {"dim": 3, "domain": "simplex", "noise": 0.1, "drift": "switching", "period": 5, "wiggle": 0.5}),
    "logit_ball_switch": ("sea_logistic", {"dim": 3, "noise": 0.3, "drift": "switching", "period": 6, "kappa": 0.9, "scale": 2.0}),
}

_rng = np.random.default_rng(11)
_A = _rng.normal(size=(T, 3)) / 2
_W = np.array([1.0, -2.0, 0.5])
STREAMS = {
    loss: {"data": np.column_stack([_A, np.sign(_A @ _W + 0.3 * _rng.normal(size=T)) if loss in ("hinge", "logistic")
                                    else _A @ _W + 0.3 * _rng.normal(size=T)]), "loss": loss}
    for loss in ("hinge", "absolute", "squared", "logistic")
}

CASES = [
    ("ogd", {}, lambda d: ref.OGD(d)),
    ("ogd", {"schedule": "strongly_convex", "lam": 0.7}, lambda d: ref.OGD(d, "strongly_convex", lam=0.7)),
    ("ogd", {"schedule": "fixed", "eta": 1.5}, lambda d: ref.OGD(d, "fixed", eta=1.5, horizon=T)),
    ("adagrad_norm", {"eta": 0.5}, lambda d: ref.OGD(d, eta=0.5, adagrad=True)),
    ("optimistic_omd", {}, lambda d: ref.OptimisticOMD(d)),
    ("optimistic_omd", {"rule": "strongly_convex", "c": 1.5, "lam": 0.8}, lambda d: ref.OptimisticOMD(d, "strongly_convex", lam=0.8, c=1.5)),
    ("optimistic_ftrl", {}, lambda d: ref.OptimisticFTRL(d)),
    ("optimistic_ftrl", {"nu": 0.3}, lambda d: ref.OptimisticFTRL(d, nu=0.3)),
    ("optimistic_ftrl", {"rule": "strongly_convex", "lam": 1.3}, lambda d: ref.OptimisticFTRL(d, "strongly_convex", lam=1.3)),
    ("implicit_ftrl", {}, lambda d: ref.ImplicitFTRL(d)),
    ("implicit_ftrl", {"variant": "linearized", "schedule": "constant", "eta": 0.3}, lambda d: ref.ImplicitFTRL(d, "linearized", "constant", 0.3)),
    ("implicit_ftrl", {"variant": "aprox", "eta": 2.0, "floor": -1.0}, lambda d: ref.ImplicitFTRL(d, "aprox", eta=2.0, floor=-1.0)),
    ("implicit_ftrl", {"variant": "mirror_prox", "eta": 0.8}, lambda d: ref.ImplicitFTRL(d, "mirror_prox", eta=0.8)),
    ("delayed_dual_averaging", {}, lambda d: ref.DelayedDualAveraging(d)),
    ("delayed_dual_averaging", {"optimistic": True, "eta": 0.5}, lambda d: ref.DelayedDualAveraging(d, True, 0.5)),
    ("sea_ensemble", {}, lambda d: ref.Ensemble(d, T)),
    ("ons", {}, lambda d: ref.ONS(d)),
    ("ons", {"gamma": 0.1, "eps": 4.0}, lambda d: ref.ONS(d, 0.1, 4.0)),
    ("optimistic_omd_exp_concave", {}, lambda d: ref.OptimisticExpConcave(d)),
    ("optimistic_omd_exp_concave", {"beta": 2.0, "delta": 0.5}, lambda d: ref.OptimisticExpConcave(d, 2.0, 0.5)),
    ("sea_ensemble", {"n_base": 3, "eta": 0.5, "eta_meta": 2.0, "delta": 0.3}, lambda d: ref.Ensemble(d, T, 3, 0.5, 2.0, 0.3)),
    ("ader", {}, lambda d: ref.Ader(d, T)),
    ("ader", {"lipschitz": 4.0}, lambda d: ref.Ader(d, T, 4.0)),
    ("adagrad", {}, lambda d: ref.DiagonalAdaGrad(d)),
    ("adagrad", {"eta": 2.0, "delta": 0.5}, lambda d: ref.DiagonalAdaGrad(d, 2.0, 0.5)),
    ("ftrl_proximal", {}, lambda d: ref.FTRLProximal(d)),
    ("ftrl_proximal", {"alpha": 0.3, "beta": 0.2, "lambda1": 0.4, "lambda2": 0.7}, lambda d: ref.FTRLProximal(d, 0.3, 0.2, 0.4, 0.7)),
    ("coin_betting", {}, lambda d: ref.CoinBetting(d)),
    ("coin_betting", {"lipschitz": 3.0, "wealth": 0.2}, lambda d: ref.CoinBetting(d, 3.0, 0.2)),
    ("metagrad", {}, lambda d: ref.MetaGrad(d, horizon=T)),
    ("metagrad", {"lipschitz": 3.0, "rates": 3}, lambda d: ref.MetaGrad(d, 3.0, 3)),
    ("strongly_adaptive_ogd", {}, lambda d: ref.StronglyAdaptive(lambda: ref.OGD(d))),
    ("strongly_adaptive_ogd", {"g": 3, "max_rounds": 8, "schedule": "fixed", "eta": 0.5},  # the slots fill: the oldest copy goes
     lambda d: ref.StronglyAdaptive(lambda: ref.OGD(d, "fixed", eta=0.5, horizon=T), 3, 8)),
]
ENTROPIC = [("optimistic_omd_entropic", {}, lambda d: ref.EntropicOMD(d)),
            ("optimistic_omd_entropic", {"eta": 4.0, "delta": 0.5}, lambda d: ref.EntropicOMD(d, 4.0, 0.5)),
            ("exponentiated_gradient", {}, lambda d: ref.ExponentiatedGradient(d, horizon=T)),
            ("exponentiated_gradient", {"lipschitz": 0.3, "eta": 0.8}, lambda d: ref.ExponentiatedGradient(d, 0.3, 0.8))]


def test_every_oco_learner_has_a_reference_case():
    assert {c[0] for c in CASES + ENTROPIC} == {t.name for t in oco.LEARNERS + oco_adaptive.LEARNERS + oco_ensemble.LEARNERS + oco_newton.LEARNERS + coin_betting.LEARNERS + adagrad.LEARNERS + ftrl_proximal.LEARNERS + metagrad.LEARNERS}


def _engine(name, params, env, delay=None, backend="python", horizon=T):
    return olearn.run(olearn.make(name, **params), env, horizon=horizon, seeds=[SEED], backend=backend, trace=True,
                      checkpoints=[horizon // 2, horizon], delay=delay)


def _world(env_name, kw):
    if env_name == "linear_stream":
        return ref.Stream(kw["data"], kw["loss"], SEED)
    if env_name == "sea_least_squares":
        return ref.LeastSquares(SEED, **kw)
    if env_name == "sea_nonconvex":
        return ref.NonConvex(SEED, **kw)
    if env_name == "sea_logistic":
        return ref.Logistic(SEED, **kw)
    return ref.SEA("quadratic" if env_name == "sea_quadratic" else "linear", SEED, **kw)


def _compare(res, xs, losses, what, tol=1e-12):
    np.testing.assert_allclose(res.losses[0, 0], losses, rtol=tol, atol=tol, err_msg=what)
    np.testing.assert_allclose(res.actions[0, 0], xs[:, 0], rtol=tol, atol=tol, err_msg=what)


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("case", range(len(CASES) + len(ENTROPIC)), ids=lambda i: f"{(CASES + ENTROPIC)[i][0]}{i}")
def test_learner_matches_reference_on_sea(case, world):
    name, params, make_ref = (CASES + ENTROPIC)[case]
    env_name, kw = WORLDS[world]
    if name in ("optimistic_omd_entropic", "exponentiated_gradient") and kw.get("domain") != "simplex":
        pytest.skip("entropic OMD and EG play on simplices only")
    if name == "ftrl_proximal" and kw.get("domain") != "box":
        pytest.skip("FTRL-Proximal plays on boxes and R^d only")
    env = environments.make(env_name, **kw)
    res = _engine(name, params, env)
    xs, losses, _ = ref.play(make_ref(kw["dim"]), _world(env_name, kw), T)
    assert np.ptp(xs[:, 0]) > 1e-6 or name == "optimistic_omd_entropic", "a frozen learner would make the comparison weak"
    # the non-convex world amplifies last-bit differences (1e-16 per round) to ~1e-9 over T rounds (aprox's clip)
    _compare(res, xs, losses, f"{name}{params} on {world}", tol=1e-8 if env_name == "sea_nonconvex" else 1e-12)


@pytest.mark.parametrize("loss", sorted(STREAMS))
@pytest.mark.parametrize("variant", oco.VARIANTS)
def test_implicit_ftrl_matches_reference_on_streams(variant, loss):
    kw = STREAMS[loss]
    env = environments.make("linear_stream", **kw)
    params = {"variant": variant, "eta": 5.0}
    res = _engine("implicit_ftrl", params, env)
    xs, losses, _ = ref.play(ref.ImplicitFTRL(3, variant, eta=5.0), _world("linear_stream", kw), T)
    # logistic: the engine's Newton search and brentq agree to ~1e-15 per step
    _compare(res, xs, losses, f"implicit_ftrl({variant}) on {loss}")


DELAYED = [c for c in CASES if c[0] == "delayed_dual_averaging"] + [next(c for c in CASES if c[0] == "optimistic_omd")] + [
    next(c for c in CASES if c[0] == "implicit_ftrl" and c[1].get("variant") == "aprox")]  # beta_t reads x_t, the point of the fed-back round


@pytest.mark.parametrize("name, params, make_ref", DELAYED, ids=["dda", "dda_opt", "oomd", "aprox"])
def test_delayed_feedback_matches_reference(name, params, make_ref):
    env_name, kw = WORLDS["quad_ball_switch"]
    delays = np.random.default_rng(2).integers(0, 5, T)
    res = _engine(name, params, environments.make(env_name, **kw), delay=olearn.delays.sequence(delays.tolist()))
    xs, losses, _ = ref.play(make_ref(kw["dim"]), _world(env_name, kw), T, delays=delays)
    _compare(res, xs, losses, f"{name} with delays")
    undelayed = _engine(name, params, environments.make(env_name, **kw))
    assert not np.allclose(undelayed.losses, res.losses), "the delayed path must change the trajectory"


def _ball_min(fun, grad, d, r, x0):
    cons = [{"type": "ineq", "fun": lambda x: r * r - x @ x, "jac": lambda x: -2 * x}]
    best = minimize(fun, x0, jac=grad, constraints=cons, method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    return best.fun


@pytest.mark.parametrize("world", ["quad_ball_switch", "lin_ball_adapt", "quad_box_rot", "lin_simplex_switch"])
def test_metrics_match_brute_force(world):
    env_name, kw = WORLDS[world]
    env = environments.make(env_name, **kw)
    res = _engine("optimistic_omd", {}, env) if kw.get("domain") != "simplex" or env_name == "sea_quadratic" else None
    if res is None:
        res = _engine("optimistic_omd_entropic", {}, env)
        learner = ref.EntropicOMD(kw["dim"])
    else:
        learner = ref.OptimisticOMD(kw["dim"])
    xs, losses, rec = ref.play(learner, _world(env_name, kw), T)
    d, dom, r = kw["dim"], ref.DOMAIN_CODES[kw.get("domain", "ball")], kw.get("radius", 1.0)
    thetas = np.array([e["theta"] for e in rec])
    xis = np.array([e["xi"] for e in rec])
    quadratic = env_name == "sea_quadratic"

    def total(x, noisy):
        c = thetas + (xis if noisy else 0)
        if quadratic:
            return 0.5 * np.sum((x - thetas) ** 2) + (np.sum(xis, 0) @ x if noisy else 0.0)
        return np.sum(c, 0) @ x

    def comparator(noisy):
        if dom == ref.BALL:
            g = (lambda x: T * x - np.sum(thetas, 0) + (np.sum(xis, 0) if noisy else 0)) if quadratic else (lambda x: np.sum(thetas + (xis if noisy else 0), 0))
            return min(_ball_min(lambda x: total(x, noisy), g, d, r, np.full(d, 0.1 * r)), total(np.zeros(d), noisy))
        if dom == ref.BOX:  # separable: minimize each coordinate on [-r, r]
            x = np.array([minimize_scalar(lambda v, i=i: total(np.eye(d)[i] * v, noisy) - total(np.zeros(d), noisy), bounds=(-r, r),
                                          method="bounded", options={"xatol": 1e-12}).x for i in range(d)])
            return total(x, noisy)
        return min(total(r * np.eye(d)[i], noisy) for i in range(d))  # linear on the simplex: a vertex

    got = {c: res.values[0, 0, -1, res.columns.index(c)] for c in res.columns}
    assert got["loss"] == pytest.approx(losses.sum(), abs=1e-10)
    assert got["regret"] == pytest.approx(losses.sum() - comparator(True), abs=1e-7)
    F = np.array([e["F"] for e in rec])
    assert got["pseudo_regret"] == pytest.approx(F.sum() - comparator(False), abs=1e-7)
    assert got["dynamic_regret"] == pytest.approx(F.sum() - sum(e["Fu"] for e in rec), abs=1e-10)
    us = np.array([e["u"] for e in rec])
    assert got["path_length"] == pytest.approx(np.sum(np.linalg.norm(np.diff(us, axis=0), axis=1)), abs=1e-10)
    assert got["sigma2"] == pytest.approx(T * kw["noise"] ** 2, abs=1e-12)
    assert got["Sigma2"] == pytest.approx(sum(e["Sigma2"] for e in rec), abs=1e-12)
    if kw["noise"] > 0:  # the stochastic part changes the realized comparator
        assert abs(got["regret"] - got["pseudo_regret"]) > 1e-6


@pytest.mark.parametrize("loss", ["hinge", "absolute", "squared", "logistic"])
def test_prox_matches_a_numerical_minimizer(loss):
    """prox over R^d reduces to a 1-D problem along a: x = w + c a; scipy minimizes it to 1e-10."""
    code = {"hinge": models.HINGE, "absolute": models.ABSOLUTE, "squared": models.SQUARED, "logistic": models.LOGISTIC}[loss]
    rng = np.random.default_rng(5)
    for trial in range(30):
        a, w = rng.normal(size=4), rng.normal(size=4) * 2
        y = float(np.sign(rng.normal())) if loss in ("hinge", "logistic") else float(rng.normal())
        eta = float(10 ** rng.uniform(-3, 3))
        m = np.concatenate([[code, y], a])
        out = np.zeros(4)
        assert models.prox(m, 4, w, eta, out)

        def objective(c):
            x = w + c * a
            return 0.5 * c * c * (a @ a) / eta + ref.linear_loss(loss, a, y, x)[0]

        c_star = minimize_scalar(objective, bounds=(-2 * eta * 10, 2 * eta * 10), method="bounded", options={"xatol": 1e-12}).x
        assert objective((out - w) @ a / (a @ a)) <= objective(c_star) + 1e-9, (trial, loss)
        np.testing.assert_allclose(out, ref.prox((loss, y, a), w, eta), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("domain", ["ball", "box", "simplex"])
def test_a_norm_projection_matches_an_independent_solver(domain):
    """Pi^A_X(y) of the kernels (bisection on the multiplier; the box's and the simplex's active-set methods)
    against brentq and exhaustive solves over every active set, on random SPD A (condition numbers up to ~1e3) and
    points far outside X."""
    dom = ref.DOMAIN_CODES[domain]
    rng = np.random.default_rng(8)
    for trial in range(25):
        d = int(rng.integers(1, 5))
        q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        A = q @ np.diag(10 ** rng.uniform(-1.5, 1.5, d)) @ q.T
        r = float(rng.uniform(0.2, 2.0))
        y = rng.normal(size=d) * 3
        out, chol, scratch = np.zeros(d), np.zeros(d * d + d), np.zeros(d)
        metric_projection.a_norm_project(dom, r, d, A.ravel().copy(), y.copy(), chol, scratch, out)
        np.testing.assert_allclose(out, ref.a_norm_project(dom, r, A, y), rtol=1e-9, atol=1e-10, err_msg=f"trial {trial}")


def test_newton_solve_survives_eps_lost_to_rounding():
    """A = I + g g^T with |g| = 1e9: the identity is lost to rounding (numpy calls it singular), yet
    A^{-1} g = g / (1 + |g|^2) (Sherman-Morrison) must come out finite and right along g."""
    rng = np.random.default_rng(2)
    for d in (2, 3, 5):
        g = rng.normal(size=d) * 1e9
        A = np.eye(d) + np.outer(g, g)
        out, chol = np.zeros(d), np.zeros(d * d)
        metric_projection.shifted_solve(A.ravel(), 0.0, g, d, chol, out)
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out @ g, g @ g / (1 + g @ g), rtol=1e-12)
        assert np.linalg.norm(out - g / (1 + g @ g)) < 1e-6  # off g: bounded by the floored pivots, not inf


def test_newton_learners_stay_finite_with_huge_gradients():
    """Features of size 1e9 under the default eps = delta = 1 (far below the analysis's 1/(gamma D)^2):
    no round is NaN, and ONS's first move is the closed form x_2 = -A^{-1} g_1 / gamma, A = I + g_1 g_1^T, along g_1.
    On the python backend: the cpu one runs the same arithmetic (IEEE doubles, no fast-math; python == cpu bit
    for bit in test_oco_parity.py), and its compilation for this world took 15 of the test's 16 s."""
    backend = "python"
    rng = np.random.default_rng(0)
    a = rng.normal(size=(30, 3)) * 1e9
    data = np.column_stack([a, a @ np.array([1.0, -2.0, 0.5])])
    env = environments.make("linear_stream", data=data, loss="absolute", shuffle=False)
    for name in ("ons", "optimistic_omd_exp_concave"):
        res = olearn.run(olearn.make(name), env, horizon=30, seeds=[0], backend=backend, trace=True, checkpoints=[30])
        assert np.isfinite(res.losses).all() and np.isfinite(res.actions).all(), name
    # ONS's first move x_2 = -A^{-1} g_1 / gamma, A = I + g_1 g_1^T (x_2 is state[1 : 1 + d] after one round): along
    # g it is exact, <x_2, g> = -|g|^2 / (gamma (1 + |g|^2)) = -2; off g, I was rounded away when A was formed, so
    # the rest is only known to the size the floored pivots allow: ~1e-8 here, against a domain of radius 10
    first = olearn.run(olearn.make("ons"), env, horizon=1, seeds=[0], backend=backend, keep_state=True, checkpoints=[1])
    x2 = first.states[0, 0, 1:4]
    g = np.sign(0.0 - data[0, -1]) * a[0]  # the absolute loss's gradient at x_1 = 0
    assert x2 @ g == pytest.approx(-(g @ g) / (0.5 * (1 + g @ g)), rel=1e-12) and np.abs(x2).max() < 1e-7


@pytest.mark.parametrize("y, expected", [
    ([1e17, 0.0, 0.0], [1.0, 0.0, 0.0]),          # max y beyond 2^52 r: the bisection's support rounds away
    ([1e17, 0.0, 1e17], [0.5, 0.0, 0.5]),
    ([0.3, 0.1, 0.2], [0.3 + 0.4 / 3, 0.1 + 0.4 / 3, 0.2 + 0.4 / 3]),
])
def test_simplex_projection_of_huge_points(y, expected):
    from olearn.engine import domains

    out = np.zeros(3)
    domains.project(domains.SIMPLEX, 1.0, 3, np.array(y), out)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


def test_ball_projection_when_the_squared_norm_overflows():
    import warnings

    from olearn.engine import domains

    out = np.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the python backend's first pass overflows, by design
        domains.project(domains.BALL, 2.0, 2, np.array([3e200, -4e200]), out)
    np.testing.assert_allclose(out, [1.2, -1.6], rtol=1e-12)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_ball_projection_of_infinite_coordinates_is_their_limit_direction(backend):
    """Pi_ball(y) for y -> (inf, 0) is (r, 0); two infinite coordinates share the radius (it had been NaN)."""
    import warnings

    from olearn.backends import cpu
    from olearn.engine import domains

    project = domains.project if backend == "python" else cpu.compile_kernel(domains.project)
    for y, expected in (([np.inf, 5.0], [2.0, 0.0]), ([-np.inf, np.inf, 1.0], [-np.sqrt(2.0), np.sqrt(2.0), 0.0])):
        out = np.zeros(len(y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            project(domains.BALL, 2.0, len(y), np.array(y), out)
        np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_entropic_iterates_scale_with_the_simplex():
    """On the simplex of total r a linear loss <g, x> is Hedge on the losses r g, whose tuned rate puts
    sqrt(ln d) / sqrt(V) on g whatever r is: the iterates are r times those on the unit simplex, and
    so is the regret (a 1/r in the rate had made r = 100 play almost uniformly)."""
    runs = {}
    for r in (1.0, 100.0):
        env = environments.make("sea_linear", dim=5, domain="simplex", radius=r, noise=0.5, drift="switching", period=7)
        runs[r] = olearn.run(olearn.make("optimistic_omd_entropic"), env, horizon=400, seeds=[SEED], backend="python",
                             trace=True, checkpoints=[400], metrics=["regret"])
    assert np.ptp(runs[1.0].actions[0, 0]) > 0.05  # the learner moves, so the comparison has teeth
    np.testing.assert_allclose(runs[100.0].actions[0, 0] / 100.0, runs[1.0].actions[0, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(runs[100.0].final("regret") / 100.0, runs[1.0].final("regret"), rtol=1e-9)


@pytest.mark.parametrize("scale", [1e8, 1e99, -1e99])
def test_simplex_a_norm_projection_of_far_points_stays_on_the_simplex(scale):
    """y far outside (ONS with a step scale of 1e100): the active-set solves cancel away the O(r) answer; the
    result is still a point of the simplex, within 1e-6 of the exhaustive solve where that keeps its precision."""
    rng = np.random.default_rng(4)
    for d in (2, 3, 5):
        A = np.eye(d) + (lambda g: np.outer(g, g))(rng.normal(size=d))
        y = scale * rng.uniform(0.5, 1.5, size=d)
        out, chol, bound = np.zeros(d), np.zeros(d * d + d), np.zeros(d)
        metric_projection.simplex_project(1.0, d, A.ravel().copy(), y, chol, bound, out)
        assert np.all(out >= 0.0) and abs(out.sum() - 1.0) < 1e-9, (d, out)
        if abs(scale) < 1e9:
            np.testing.assert_allclose(out, ref.a_norm_project(ref.SIMPLEX, 1.0, A, y), atol=1e-6)


def test_box_a_norm_projection_is_exact_for_ill_conditioned_a():
    """The box branch of Pi^A_X on SPD A with condition numbers 1 .. 1e10 (random spectra, and the ONS matrix
    I + T u u^T) against the exhaustive active-set solve: x to 1e-9 relative, or to cond(A) eps where that is
    larger (the float precision of any solve with A), and the objective no worse.  A fixed number of
    coordinate-descent sweeps stalls on such A: the ONS example (T = 1e4) came out (0.587, -0.282, 1) against
    (0.468, -0.112, 1), its objective 4-5% too high."""
    cases = []
    u = np.array([1.0, 0.7, 0.4])
    u /= np.linalg.norm(u)
    for t in (1e2, 1e4, 1e6, 1e8, 1e10):
        cases.append((np.eye(3) + t * np.outer(u, u), np.array([0.2, -0.3, 2.0]), 1.0))
    rng = np.random.default_rng(21)
    for cond in (1.0, 1e2, 1e4, 1e6, 1e8, 1e10):
        for _ in range(12):
            d = int(rng.integers(1, 5))
            q = np.linalg.qr(rng.normal(size=(d, d)))[0]
            eig = np.geomspace(1.0, cond, d) if d > 1 else np.array([1.0])
            A = q @ np.diag(eig * rng.uniform(0.5, 2.0)) @ q.T
            A = 0.5 * (A + A.T)
            r = float(rng.uniform(0.2, 2.0))
            cases.append((A, rng.normal(size=d) * 3 * r, r))
    for _ in range(12):  # ONS-like: eps I + a few large g g^T
        d = int(rng.integers(2, 5))
        g = rng.normal(size=(int(rng.integers(1, d)), d)) * 10 ** rng.uniform(2, 5)
        cases.append((np.eye(d) + g.T @ g, rng.normal(size=d) * 2, 1.0))
    for k, (A, y, r) in enumerate(cases):
        d = y.size
        out, chol, scratch = np.zeros(d), np.zeros(d * d), np.zeros(d)
        metric_projection.a_norm_project(ref.DOMAIN_CODES["box"], r, d, A.ravel().copy(), y.copy(), chol, scratch, out)
        exact = ref.a_norm_project(ref.BOX, r, A, y)  # every one of the 3^d active sets, solved by numpy
        cond = np.linalg.cond(A)
        msg = f"case {k}: d {d}, cond {cond:.1e}"
        assert np.all(np.abs(out) <= r), msg
        np.testing.assert_allclose(out, exact, rtol=1e-9, atol=r * max(1e-9, 1e-16 * cond), err_msg=msg)
        scale = np.abs(out - y) @ np.abs(A) @ np.abs(out - y)
        assert (out - y) @ A @ (out - y) <= (exact - y) @ A @ (exact - y) + 1e-12 * scale, msg


@pytest.mark.parametrize("seed", [0, 1])
def test_logistic_implicit_step_matches_brentq_to_a_few_ulps(seed):
    """The logistic proximal step solves u - u0 = q sigmoid(-u), u = y <a, x>.  Against scipy's brentq over
    u0 in +-[1e-3, 1e8] and q = eta |a|^2 in [1e-12, 1e17]: within a few ulps of max(|u0|, |u|), the rounding
    u0 itself carries.  (The Newton steps on the residual used to creep one unit per step in the tail and
    stopped 2x off in the step size at q ~ 1e14.)"""
    from scipy.optimize import brentq
    from scipy.special import expit

    from olearn.engine import models

    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(2000):
        u0 = rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-3, 8)
        q = 10 ** rng.uniform(-12, 17)
        residual = lambda u: u - u0 - q * expit(-u)  # noqa: E731
        if not residual(u0) < 0.0 < residual(u0 + q):  # the root on an end, to rounding: no bracket for brentq
            continue
        root = brentq(residual, u0, u0 + q, xtol=1e-300, rtol=1e-15, maxiter=2000)
        got = models.logistic_root(u0, q)
        assert abs(got - root) <= 8 * (np.spacing(abs(u0)) + np.spacing(abs(root))), (u0, q, root, got)
        checked += 1
    assert checked > 1200


@pytest.mark.parametrize("y, p0, q", [(1.0, -1134.2417900231667, 151151605273160.53), (-1.0, 48224.264295198605, 2038308702.1995642),
                                      (1.0, -23.024484685402356, 3333910235.6431193), (1.0, 0.3, 0.7)])
def test_logistic_prox_step_size_for_huge_eta(y, p0, q):
    """out = w + eta y sigmoid(-y <a, out>) a: with a = (1,), w = (p0,) and eta = q, the step out - w against
    the brentq root (these cases were off by 1600x, 1.002x and 4e-6 relative)."""
    from scipy.optimize import brentq
    from scipy.special import expit

    from olearn.engine import models

    root = brentq(lambda u: u - y * p0 - q * expit(-u), y * p0, y * p0 + q, xtol=1e-300, rtol=1e-15, maxiter=2000)
    out = np.zeros(1)
    models.prox(np.array([models.LOGISTIC, y, 1.0]), 1, np.array([p0]), q, out)
    assert out[0] - p0 == pytest.approx(q * y * expit(-root), rel=1e-9)


def _stepwise_play(learner, gradients, domain, radius):
    """Linear losses <g_t, x> through the stepwise driver: the points played (and the one after the last update)."""
    tuner = olearn.stepwise(learner, domain=domain, radius=radius, backend="python")
    xs = []
    for g in gradients:
        x = tuner.act()
        xs.append(x.copy())
        tuner.update(x, loss=float(np.dot(g, x)), gradient=np.asarray(g, float))
    xs.append(tuner.act().copy())
    return np.array(xs)


def test_adagrad_norm_holds_still_until_the_first_nonzero_gradient():
    """eta_t = eta D / sqrt(sum_{s<=t} ||g_s||^2) is undefined while every gradient so far is 0, and the step
    eta_t g_t is 0 then: x stays at the centre.  Then g = (3, 4) on the ball of radius 2 (D = 4) with eta = 1/4
    steps by eta D / ||g|| g = (0.6, 0.8) to (-0.6, -0.8), where later zero gradients leave it."""
    grads = [[0.0, 0.0], [0.0, 0.0], [3.0, 4.0], [0.0, 0.0], [0.0, 0.0]]
    xs = _stepwise_play(olearn.make("adagrad_norm", dim=2, eta=0.25), grads, "ball", 2.0)
    np.testing.assert_allclose(xs, [[0.0, 0.0]] * 3 + [[-0.6, -0.8]] * 3, rtol=0, atol=1e-15)


def test_entropic_step_far_past_exp_range_plays_the_softmax_limit():
    """Optimistic Hedge with a rate far past exp's range (eta = 1e3): x_2 = r softmax(-eta_1 g_1 - eta_2 M_2) with
    M_2 = g_1 = (-1, 0, 0), eta_1 = eta sqrt(ln 3) / sqrt(delta), eta_2 = eta sqrt(ln 3) / sqrt(delta + ||g_1||_inf^2),
    evaluated here by scipy's softmax: the first vertex, not the overflow of exp(eta_2) / exp(eta_2)."""
    from scipy.special import softmax

    g1, r, eta = np.array([-1.0, 0.0, 0.0]), 2.0, 1e3
    xs = _stepwise_play(olearn.make("optimistic_omd_entropic", dim=3, eta=eta), [g1], "simplex", r)
    eta1, eta2 = eta * np.sqrt(np.log(3)), eta * np.sqrt(np.log(3)) / np.sqrt(2.0)
    np.testing.assert_allclose(xs[0], np.full(3, r / 3), rtol=1e-15)
    np.testing.assert_allclose(xs[1], r * softmax(-eta1 * g1 - eta2 * g1), rtol=1e-15, atol=1e-300)
    assert xs[1][0] == r


def test_sea_ensemble_iterates_scale_with_the_radius_and_gradients():
    """The rule is homogeneous: with gradients s g_t on the ball of radius s r and eta / s (eta D / sqrt(T) with
    D scaled by s), every base's point scales by s, the linearized losses and hints by s^2, sqrt(V) by s^2 and
    eps_t by 1 / s^2 (delta negligible), so the played points are s times those at s = 1.  At s = 1e90 the
    losses are ~1e180 and their squares overflow: V must be kept without squaring them."""
    rng = np.random.default_rng(5)
    T_s, d = 12, 3
    grads = rng.normal(size=(T_s, d)) + np.array([1.0, -0.5, 0.2])
    runs = {}
    for s, meta in ((1.0, 1.0), (1e90, 1.0), (1.0, 1e-100)):
        learner = olearn.make("sea_ensemble", dim=d, n_base=4, eta=0.5 / s, eta_meta=meta, delta=1e-100)
        tuner = olearn.stepwise(learner, domain="ball", radius=s, backend="python", horizon=T_s)
        xs = []
        for g in grads:
            x = tuner.act()
            xs.append(x.copy())
            tuner.update(x, loss=float((s * g) @ x), gradient=s * g)
        runs[s, meta] = np.array(xs)
    # the meta-learner matters here: the points differ from the uniform mixture of eta_meta -> 0
    assert np.max(np.abs(runs[1.0, 1.0] - runs[1.0, 1e-100])) > 1e-2
    np.testing.assert_allclose(runs[1e90, 1.0] / 1e90, runs[1.0, 1.0], rtol=1e-9, atol=1e-12)


def test_exponentiated_gradient_steps_on_the_losses_r_g_on_the_simplex_of_total_r():
    """On the simplex of total r, <g, x> = <r g, p>: EG with a given eta is Hedge on the losses r g,
    x_{t+1} = r softmax(-eta r sum_{s<=t} g_s) (closed form by scipy's softmax); with the tuned
    eta = sqrt(2 ln d / T) / (r G) the exponent eta r sum g does not depend on r."""
    from scipy.special import softmax

    grads = np.array([[1.0, 0.0, -1.0], [0.5, -2.0, 0.0], [0.0, 1.0, 1.0]])
    r, eta = 3.0, 0.7
    xs = _stepwise_play(olearn.make("exponentiated_gradient", dim=3, eta=eta), grads, "simplex", r)
    want = [r * softmax(-eta * r * grads[:t].sum(0)) for t in range(4)]
    np.testing.assert_allclose(xs, want, rtol=1e-13)
    G, T_eg = 2.0, 3
    tuned = np.sqrt(2 * np.log(3) / T_eg) / G  # eta r, whatever r is
    for radius in (0.5, 4.0):
        learner = olearn.make("exponentiated_gradient", dim=3, lipschitz=G)
        tuner = olearn.stepwise(learner, domain="simplex", radius=radius, backend="python", horizon=T_eg)
        for t, g in enumerate(grads):
            x = tuner.act()
            np.testing.assert_allclose(x, radius * softmax(-tuned * grads[:t].sum(0)), rtol=1e-13)
            tuner.update(x, loss=float(g @ x), gradient=g)


def _replay_reference(learner, gradients, domain, radius):
    """The NumPy reference fed the same linear losses <g_t, x> as ``_stepwise_play`` (its points, and the one after)."""
    dom = ref.DOMAIN_CODES[domain]
    xs = []
    for t, g in enumerate(np.asarray(gradients, float)):
        x = learner.act(t, dom, radius)
        xs.append(x.copy())
        learner.update(t, x, float(g @ x), g, (None, None, None))
    xs.append(learner.act(len(gradients), dom, radius).copy())
    return np.array(xs)


STEPWISE_CASES = [
    # delta != 1 (the SEA cases run optimistic OMD's convex rule at the default delta = 1 only)
    ("optimistic_omd", {"eta": 0.8, "delta": 0.3}, lambda d: ref.OptimisticOMD(d, eta=0.8, delta=0.3), "ball", 1.5, 3),
    # d = 2, the smallest simplex with a step (the SEA simplices have d = 3 and 4)
    ("optimistic_omd_entropic", {"eta": 2.0}, lambda d: ref.EntropicOMD(d, eta=2.0), "simplex", 1.0, 2),
]


@pytest.mark.parametrize("name, params, make_ref, domain, radius, d", STEPWISE_CASES, ids=["oomd_delta", "entropic_d2"])
def test_stepwise_matches_reference_on_given_gradients(name, params, make_ref, domain, radius, d):
    """Linear losses with fixed random gradients: the engine's points equal the NumPy reference's to 1e-12."""
    grads = np.random.default_rng(7).normal(size=(15, d)) + np.linspace(-1.0, 1.0, d)
    xs = _stepwise_play(olearn.make(name, dim=d, **params), grads, domain, radius)
    want = _replay_reference(make_ref(d), grads, domain, radius)
    assert np.ptp(want[:, 0]) > 1e-3
    np.testing.assert_allclose(xs, want, rtol=1e-12, atol=1e-12)


def test_entropic_hint_past_exp_range_on_every_coordinate_plays_the_softmax_limit():
    """Optimistic Hedge at eta = 1e4 after g_1 = (1, 1, 2): the optimistic point x_2 ∝ xh_2 exp(-eta_2 M_2) has every
    exponent below exp's range (about -7400 against -745), yet equals r softmax(-eta_1 g_1 - eta_2 g_1)
    = (r/2, r/2, ~0) (scipy's softmax): the largest exponent must be subtracted, not a floor of 0."""
    from scipy.special import softmax

    g1, r, eta = np.array([1.0, 1.0, 2.0]), 2.0, 1e4
    xs = _stepwise_play(olearn.make("optimistic_omd_entropic", dim=3, eta=eta), [g1], "simplex", r)
    eta1, eta2 = eta * np.sqrt(np.log(3)), eta * np.sqrt(np.log(3)) / np.sqrt(1.0 + 1.0)
    np.testing.assert_allclose(xs[1], r * softmax(-eta1 * g1 - eta2 * g1), rtol=1e-15, atol=1e-300)
