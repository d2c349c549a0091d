"""The SEA logistic world against an independent NumPy reference, SciPy comparators and dense grids.

Static and pseudo-regret against scipy's constrained minimizers (SLSQP on the ball, L-BFGS-B on the box)
of the realized and expected sums rebuilt from the reference's examples; dynamic regret, sigma_t^2 and
Sigma_t^2 against the reference's literal finite sums; the ball's probe-set sigma_t^2 against a dense
boundary maximum in d = 2; the comparator's solver in the regime where it is hardest; python == cpu and
the gpu backend (the CUDA simulator) bit for bit; parameter errors.
"""
import math

import numpy as np
import pytest

import environments
import oco_reference as ref
import olearn
from environments import sea_logistic
from olearn import testing

T, SEED = 60, 3
ALL = ["loss", "regret", "pseudo_regret", "dynamic_regret", "path_length", "sigma2", "Sigma2"]
CASES = [
    ("ogd", {"dim": 3, "noise": 0.3, "drift": "switching", "period": 9, "kappa": 0.9}),
    ("ogd", {"dim": 2, "domain": "box", "radius": 2.0, "noise": 0.5, "drift": "rotation", "omega": 0.2, "kappa": 1.0, "scale": 1.5}),
    ("optimistic_omd", {"dim": 3, "radius": 0.7, "noise": 0.0, "drift": "adaptive", "kappa": 0.8}),
    ("ogd", {"dim": 2, "radius": 5.0, "noise": 2.0, "drift": "fixed", "kappa": 0.5}),  # comparator inside the ball
]


def _final(env, learner, horizon=T, seed=SEED):
    res = olearn.run(olearn.make(learner), env, horizon=horizon, seeds=[seed], backend="python", checkpoints=[horizon], metrics=ALL)
    return {c: res.values[0, 0, -1, res.columns.index(c)] for c in res.columns}


def _learner(name, d):
    return ref.OGD(d) if name == "ogd" else ref.OptimisticOMD(d)


@pytest.mark.parametrize("learner, kw", CASES)
def test_metrics_match_reference_and_scipy(learner, kw):
    got = _final(environments.make("sea_logistic", **kw), learner)
    world = ref.Logistic(SEED, **kw)
    xs, losses, rec = ref.play(_learner(learner, kw["dim"]), world, T)
    probe = ref.Logistic(SEED, **kw)  # replay the draws to collect the examples and the label laws
    examples, thetas = [], []
    for t in range(T):
        probe.draw(t, xs[t])
        examples.append((probe.a.copy(), probe.y))
        thetas.append(probe.theta.copy())

    def realized(x):
        return sum(ref.linear_loss("logistic", a, y, x)[0] for a, y in examples)

    def realized_grad(x):
        return sum(ref.linear_loss("logistic", a, y, x)[1] for a, y in examples)

    def expected(x):
        return sum(world.F_at(th, x) for th in thetas)

    def expected_grad(x):
        return sum(world.gradF_at(th, x) for th in thetas)

    r, d = kw.get("radius", 1.0), kw["dim"]
    best = realized(ref.constrained_min(realized, realized_grad, world.dom, r, d))
    pseudo_best = expected(ref.constrained_min(expected, expected_grad, world.dom, r, d))
    F = np.array([e["F"] for e in rec])
    assert got["loss"] == pytest.approx(losses.sum(), abs=1e-10)
    assert got["regret"] == pytest.approx(losses.sum() - best, abs=1e-8)
    assert got["pseudo_regret"] == pytest.approx(F.sum() - pseudo_best, abs=1e-8)
    assert got["regret"] >= losses.sum() - best - 1e-12  # our comparator is never worse than SciPy's minimum
    assert got["dynamic_regret"] == pytest.approx(F.sum() - sum(e["Fu"] for e in rec), abs=1e-8)
    assert got["sigma2"] == pytest.approx(sum(e["sigma2"] for e in rec), rel=1e-12)
    assert got["Sigma2"] == pytest.approx(sum(e["Sigma2"] for e in rec), rel=1e-12, abs=1e-15)
    path = sum(np.linalg.norm(rec[t]["u"] - rec[t - 1]["u"]) for t in range(1, T))
    assert got["path_length"] == pytest.approx(path, abs=1e-5)


def test_adversarial_variation_is_the_same_at_every_point():
    """||grad F_t(x) - grad F_{t-1}(x)||^2 does not depend on x (so Sigma_t^2 is exact), by the reference's sums."""
    world = ref.Logistic(0, dim=3, noise=0.4, drift="rotation", omega=0.5, kappa=1.0)
    world.draw(0, np.zeros(3))
    world.draw(1, np.zeros(3))
    rng = np.random.default_rng(1)
    values = [np.sum((world.gradF_at(world.theta, x) - world.gradF_at(world.prev, x)) ** 2) for x in rng.normal(size=(20, 3))]
    assert np.ptp(values) < 1e-15 and values[0] > 1e-3


def _state(p, d):
    state = np.zeros(4 * d + 4)
    state[2 * d : 3 * d] = p
    return state


@pytest.mark.parametrize("radius, scale, temp", [(1.0, 1.0, 0.3), (3.0, 1.0, 0.5), (1.0, 4.0, 0.2), (0.5, 2.0, 0.05)])
def test_probe_sigma2_against_a_dense_maximum(radius, scale, temp):
    """d = 2: the ball's probe value is a lower bound within 3% of the maximum over 20001 boundary points
    (E||grad f - grad F||^2 grows with each |x_i|, so the max over the ball is on its boundary) and at
    least half of it; on the box the value is the exact maximum (a dense 201 x 201 grid)."""
    rng = np.random.default_rng(int(radius * 10 + scale))
    for _ in range(8):
        theta = rng.normal(size=2)
        row = {"dim": 2, "radius": radius, "noise": temp, "scale": scale}
        world = ref.Logistic(0, **row)
        world.theta = theta
        p = np.array([world.prob(scale * th) for th in theta])
        ball = sea_logistic.probe_sigma2(_state(p, 2), environments.make("sea_logistic", **row).row())
        angles = np.linspace(0, 2 * math.pi, 20001)
        dense = world.variance(radius * np.column_stack([np.cos(angles), np.sin(angles)])).max()
        assert dense / 2 <= ball <= dense * (1 + 1e-12)
        assert ball >= 0.97 * dense
        box = sea_logistic.probe_sigma2(_state(p, 2), environments.make("sea_logistic", domain="box", **row).row())
        grid = np.linspace(-radius, radius, 201)
        assert box == pytest.approx(world.variance(np.array(np.meshgrid(grid, grid)).reshape(2, -1).T).max(), rel=1e-12)


def test_ball_comparator_is_exact_where_counts_are_lopsided():
    """Counts of 10^6 with empty sides (unconstrained minimizer at infinity): the KKT point against SLSQP's
    (projected back into the ball: it stops 1e-4 outside), whose value is no lower."""
    params = environments.make("sea_logistic", dim=4, radius=2.0, scale=1.5).row()
    suff = np.zeros(20)
    suff[:4] = [1e6, 3.0, 0.0, 5e5]  # N+
    suff[4:8] = [0.0, 4e5, 7.0, 5e5]  # N-
    got = sea_logistic.logistic_best_total(params, suff, 2e6, 0)
    x = suff[16:20].copy()
    assert np.linalg.norm(x) <= 2.0 * (1 + 1e-15)

    def total(x):
        return sum(suff[i] * ref.linear_loss("logistic", np.eye(4)[i] * 1.5, 1.0, x)[0]
                   + suff[4 + i] * ref.linear_loss("logistic", np.eye(4)[i] * 1.5, -1.0, x)[0] for i in range(4))

    def grad(x):
        return sum(suff[i] * ref.linear_loss("logistic", np.eye(4)[i] * 1.5, 1.0, x)[1]
                   + suff[4 + i] * ref.linear_loss("logistic", np.eye(4)[i] * 1.5, -1.0, x)[1] for i in range(4))

    scipy_x = ref.project(ref.BALL, 2.0, ref.constrained_min(total, grad, ref.BALL, 2.0, 4))  # SLSQP ends 1e-4 outside
    assert got == pytest.approx(total(x), rel=1e-15)
    assert got <= total(scipy_x) * (1 + 1e-12)
    assert got == pytest.approx(total(scipy_x), rel=1e-9)


def test_python_cpu_and_gpu_give_the_same_trajectories():
    env = environments.make("sea_logistic", **environments.REGISTRY["sea_logistic"].test_params[0])
    learner = olearn.make("ogd")
    runs = {b: olearn.run(learner, env, horizon=25, seeds=[0, 5], backend=b, trace=True, checkpoints=4, metrics=ALL)
            for b in ("python", "cpu", "gpu")}
    from olearn.backends import gpu

    testing.assert_same_run(runs["python"], runs["cpu"], "cpu")
    testing.assert_same_run(runs["python"], runs["gpu"], "gpu", exact=gpu.simulated())  # to rounding on a real GPU
    assert np.all(np.isfinite(runs["python"].values)) and np.ptp(runs["python"].losses) > 0


def test_bad_parameters_name_themselves():
    testing.check_parameters(environments.REGISTRY["sea_logistic"])
    with pytest.raises(olearn.ParameterError, match="'domain'.*'ball', 'box'"):
        environments.make("sea_logistic", domain="simplex")
    domain = next(p for p in environments.REGISTRY["sea_logistic"].params if p.name == "domain")
    assert "simplex" not in domain.doc and "simplex" not in domain.allowed()  # the help offers what is enforced
    with pytest.raises(olearn.ParameterError, match="'noise'.*0, inf"):
        environments.make("sea_logistic", noise=-0.1)
    with pytest.raises(olearn.ParameterError, match="'scale'.*\\(0, inf"):
        environments.make("sea_logistic", scale=0.0)


def _coordinate_root_by_brentq(a, b, lam):
    """The root of (a + b) sigmoid(v) + lam v = a by brentq on its bracket between 0 and (a - b) / (2 lam)."""
    from scipy.optimize import brentq
    from scipy.special import expit

    lo, hi = sorted((0.0, (a - b) / (2.0 * lam)))
    return brentq(lambda v: (a + b) * expit(v) + lam * v - a, lo, hi, xtol=1e-300, rtol=1e-15, maxiter=500)


@pytest.mark.parametrize("a, b, lam, start", [
    (13.0, 291.0, 2.177e-16, 0.0),    # the converged Newton step rounds back onto the bracket's end
    (291.0, 13.0, 2.177e-16, 0.0),    # the mirror image
    (87.0, 5267.0, 1e-14, -38.0),
    (3.0, 8.0, 1e-18, 5.0),
    (2.0, 5.0, 0.5, 0.0),             # an ordinary multiplier
])
def test_coordinate_root_solves_its_equation_for_tiny_multipliers(a, b, lam, start):
    """sea_logistic's ball comparator solves (a + b) sigmoid(v) + lam v = a per coordinate.  With lam tiny (the
    ball active because another coordinate is unbounded and c r is large) the bracket's far end is ~1e17: the
    Newton iterate converged, the next step rounded onto the bracket's end, the safeguard then bisected toward
    the far end and 60 steps could not come back (v = -74 where the root is -3.108)."""
    got = sea_logistic.coordinate_root(a, b, lam, start)
    assert got == pytest.approx(_coordinate_root_by_brentq(a, b, lam), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("a, b, c, r", [
    # a converged coordinate root thrown back toward its bracket's far end (values had been 55.3, 64353, 102.4)
    ([0.0, 13.0], [411.0, 291.0], 11.727870604484352, 4.317415343960514),
    ([87.0, 65.0, 0.0, 3284.0], [5267.0, 156.0, 86.0, 9.0], 65.76529833063583, 11.230086565036217),
    ([498.0, 1.0, 0.0], [1.0, 1947.0, 7.0], 20.613755908587038, 4.535658911839574),
    # (a + b) sigmoid(v) - a cancels for the unbounded coordinate once a e^{-v} is below an ulp of a: its root
    # stalled at v = 37.15 > c r = 36.77 and the final rescaling shrank every coordinate (2e-4 too high)
    ([3.0, 8.0, 81.0], [0.0, 17.0, 73.0], 3.536535747455675, 10.395779465851822),
    ([2745.0, 173.0, 39.0, 33.0], [5725.0, 122.0, 0.0, 1.0], 1.2534703352842747, 26.0907368226681),
    # c r ~ 68: the multiplier's root is ~e^-(c r), and 100 Newton-or-bisection steps in lam stopped short of it
    # (values 1.2e-7 to 3e-5 relative too high)
    ([18.0, 266.0, 207.0], [7.0, 0.0, 40.0], 31.989497094278462, 2.151250807609148),
    ([221.0, 0.0, 74.0], [261.0, 136.0, 295.0], 27.372853016491018, 2.4938565432575297),
    ([146.0, 61.0, 0.0], [125.0, 124.0, 181.0], 4.309164586693787, 16.093025976510642),
])
def test_ball_comparator_with_one_unbounded_coordinate_and_large_c_r(a, b, c, r):
    """min over ||x|| <= r of Phi(x) = sum_i a_i sp(-c x_i) + b_i sp(c x_i) with exactly one coordinate j whose
    counts are lopsided (a_j = 0 or b_j = 0) and c r > 30.  The point x* with the other coordinates at their
    unconstrained optimum log(a_i / b_i) / c and x*_j taking the rest of the radius is feasible, and every
    feasible x has Phi(x) >= Phi(x*) - term_j(x*) (the other coordinates cannot do better than unconstrained, and
    term_j >= 0); term_j(x*) is below 1e-12, so min Phi is Phi(x*) to that.  sea_logistic's realized and
    expected comparators on a ball are this problem (counts N+-, or the sums of label probabilities)."""
    a, b = np.array(a), np.array(b)
    d = a.size
    free = (a > 0) & (b > 0)
    lopsided = np.flatnonzero((a > 0) != (b > 0))
    assert lopsided.size == 1
    j = lopsided[0]
    x = np.zeros(d)
    x[free] = np.log(a[free] / b[free]) / c
    x[j] = math.sqrt(r * r - x @ x) * (1.0 if a[j] > 0 else -1.0)
    term = sea_logistic.separable_value(c, 1, a[j : j + 1], b[j : j + 1], x[j : j + 1])
    assert term < 1e-12
    best = sea_logistic.separable_value(c, d, a, b, x)
    out = np.zeros(d)
    from olearn.engine import domains

    sea_logistic.separable_argmin(domains.BALL, r, c, d, a.copy(), b.copy(), out)
    assert out @ out <= r * r * (1 + 1e-12)
    assert sea_logistic.separable_value(c, d, a, b, out) == pytest.approx(best, rel=1e-12, abs=term + 1e-12)


def _one_sided_root(a, lam):
    """The root of a sigmoid(v) + lam v = a (b = 0, v > 0) in log form, log a - v - log(1 + e^-v) = log(lam v), by brentq:
    no cancellation where a e^{-v} is below an ulp of a."""
    from scipy.optimize import brentq

    return brentq(lambda v: math.log(a) - v - math.log1p(math.exp(-v)) - math.log(lam) - math.log(v), 1e-300, 1e4, xtol=1e-300, rtol=1e-15, maxiter=500)


@pytest.mark.parametrize("a, b, lam, start", [
    (81.0, 0.0, 1e-30, 69.0),      # one-sided: the root (69.23) lies where 1 - sigmoid(v) is below an ulp of 1
    (81.0, 0.0, 1e-30, 0.0),       # from a cold start: Newton on the equation moved ~1 a step, 60 reached 61.2
    (0.0, 5.0, 1e-250, 0.0),       # the mirror image, a root near -570
    (0.0, 81.0, 1e-30, -69.0),     # the mirror image
    (7.0, 0.0, 1e-12, 3.0),        # about 23 Newton steps of ~1 each
    (3.0, 8.0, 1e-18, -1e3),       # a start far down the bracket: bisections before Newton takes over
])
def test_coordinate_root_one_sided_and_from_far_starts(a, b, lam, start):
    """coordinate_root against the log-form root (one-sided counts) or brentq on the plain equation, where Newton
    needs the cancellation-free 1 - sigmoid and the bracket search needs more than a few safeguarded steps."""
    got = sea_logistic.coordinate_root(a, b, lam, start)
    if b == 0.0:
        want = _one_sided_root(a, lam)
    elif a == 0.0:
        want = -_one_sided_root(b, lam)
    else:
        want = _coordinate_root_by_brentq(a, b, lam)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_box_comparator_against_a_per_coordinate_grid():
    """On the box the realized comparator min_X sum_i N+_i sp(-c x_i) + N-_i sp(c x_i) is separable: each coordinate's
    minimum over [-r, r] by a dense grid (refined around its best point), one-sided counts at a face, empty ones anywhere."""
    d, c, r = 6, 1.3, 0.5
    params = environments.make("sea_logistic", dim=d, domain="box", radius=r, scale=c).row()
    suff = np.zeros(5 * d)
    suff[:d] = [10.0, 1.0, 3.0, 5.0, 0.0, 0.0]  # N+
    suff[d : 2 * d] = [1.0, 10.0, 3.0, 0.0, 4.0, 0.0]  # N-
    got = sea_logistic.logistic_best_total(params, suff, 37.0, 0)
    x = suff[4 * d :].copy()
    assert np.all(np.abs(x) <= r)

    def term(i, z):
        return suff[i] * np.logaddexp(0.0, -c * z) + suff[d + i] * np.logaddexp(0.0, c * z)

    want = 0.0
    for i in range(d):
        grid = np.linspace(-r, r, 4001)
        best = grid[np.argmin(term(i, grid))]
        fine = np.clip(np.linspace(best - r / 2000, best + r / 2000, 4001), -r, r)
        want += term(i, fine).min()
    assert got == pytest.approx(want, rel=1e-12)
    assert got == pytest.approx(sum(term(i, x[i]) for i in range(d)), rel=1e-12)


def test_loss_and_model_are_the_drawn_example():
    """f_t(x) = log(1 + exp(-y_t <a_t, x>)) with a_t = +c e_m (m < d) or -c e_{m-d} and y_t from the state: the loss
    kernel and the model (code LOGISTIC, y = y_t, v = a_t) that implicit learners read give its value and gradient."""
    from olearn.engine import models

    d, c = 3, 1.7
    env = environments.make("sea_logistic", dim=d, noise=0.4, drift="rotation", omega=0.3, kappa=0.9, scale=c)
    params, state = env.row(), np.zeros(4 * d + 4)
    rng_ = np.random.default_rng(3)
    g, gm, m = np.zeros(d), np.zeros(d), np.zeros(2 + d)
    seen = set()
    for t in range(40):
        x = rng_.uniform(-0.5, 0.5, size=d)
        sea_logistic.logistic_draw(state, params, x, t, 4)
        k, y = int(state[3 * d + 3]), state[3 * d + 2]
        a = np.eye(d)[k % d] * (c if k < d else -c)
        seen.add((k, y))
        sea_logistic.logistic_model(state, params, m)
        assert m[0] == models.LOGISTIC
        want = math.log1p(math.exp(-y * (a @ x)))
        for value, grad in ((sea_logistic.logistic_loss_grad(state, params, x, g), g), (models.loss_grad(m, d, x, gm), gm)):
            assert value == pytest.approx(want, rel=1e-12)
            assert grad == pytest.approx(-y * a / (1 + math.exp(y * (a @ x))), rel=1e-12, abs=1e-15)
    assert len({k >= d for k, _ in seen}) == 2 and len({y for _, y in seen}) == 2  # both feature signs, both labels


@pytest.mark.parametrize("a, b, c, r", [
    ([55.0], [0.0], 14.46, 46.23),                                # c r = 668: x = r (it stopped at 19.2)
    ([0.0, 49.05], [14.29, 86.46], 30.92, 42.55),                 # c r = 1316: lam is below e^-690
    ([5.0, 120.0, 0.0], [9.0, 30.0, 77.0], 31.1, 10.0),           # c r = 311: it stopped at 0.89 r
])
def test_ball_comparator_puts_a_one_sided_coordinate_on_the_sphere_at_any_c_r(a, b, c, r):
    """With c r in the hundreds the ball's multiplier is ~e^-(c r): the two-sided coordinates sit at their unconstrained
    roots log(a_i / b_i) / c and the one-sided one takes the rest of the radius (the closed form of the limit; the
    search in lam had stopped inside the ball, off by ~e^-(c r) in value but not in the point)."""
    from olearn.engine import domains

    a, b = np.array(a), np.array(b)
    free = (a > 0) & (b > 0)
    want = np.zeros(a.size)
    want[free] = np.log(a[free] / b[free]) / c
    j = np.flatnonzero(~free)[0]
    want[j] = math.sqrt(r * r - want @ want) * (1.0 if a[j] > 0 else -1.0)
    out = np.zeros(a.size)
    sea_logistic.separable_argmin(domains.BALL, r, c, a.size, a.copy(), b.copy(), out)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-14)
