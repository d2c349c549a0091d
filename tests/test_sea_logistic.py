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
    assert got["regret"] <= losses.sum() - best + 1e-12  # ours is never worse than SciPy's minimum
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
    with pytest.raises(olearn.ParameterError, match="'domain'.*ball or box"):
        environments.make("sea_logistic", domain="simplex")
    with pytest.raises(olearn.ParameterError, match="'noise'.*0, inf"):
        environments.make("sea_logistic", noise=-0.1)
    with pytest.raises(olearn.ParameterError, match="'scale'.*\\(0, inf"):
        environments.make("sea_logistic", scale=0.0)
