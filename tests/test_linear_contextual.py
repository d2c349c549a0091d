"""LinUCB and the linear contextual world: reference trajectories, the world's laws and comparators,
the regret rate, and parameter errors.

* LinUCB and LinTS (Sherman-Morrison kernels) against tests/reference.py's LinUCB and LinTS
  (np.linalg.inv of A_a every round), round by round, on the python and cpu backends;
* ``linear_contextual``'s draws against its documented laws (contexts uniform on the sphere, mean
  rewards, noise) and its recorded regrets against brute force;
* theory: LinUCB's and LinTS's regret against the best policy (``dynamic_regret``) grows sublinearly (log-log
  slope < 0.75) and is far below UCB1's, which ignores the context;
* invalid parameters raise ParameterError naming the parameter.
* kernel contracts against closed forms: the features without a context, negative indices, ties, the
  Sherman-Morrison update and its determinant ratio, the update's own context, clipped means, size limits.
"""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn import testing
from olearn.learners import REGISTRY

T = 60
SEEDS = [0, 3]
LINUCB_CASES = [{}, {"alpha": 0.5, "lam": 2.0, "intercept": False}, {"alpha": 2.0, "lam": 0.3}]
WORLDS = {
    "drawn": {"n_arms": 4, "dim": 3},
    "given_gaussian": {"theta": [[0.6, 0.8], [-0.8, 0.6], [0.0, -0.5]], "noise": "gaussian", "sigma": 0.3},
}


LIN_TS_CASES = [{}, {"v": 1.0, "lam": 2.0, "intercept": False}]


def _reference_run(env, seed, horizon, name="linucb", **params):
    world = reference.LinearContextual(env, seed)
    if name == "linucb":
        learner = reference.LinUCB(env.n_actions, env.obs_dim, **params)
    else:
        learner = reference.LinTS(env.n_actions, env.obs_dim, seed=seed, **params)
    actions, losses = np.zeros(horizon, dtype=int), np.zeros(horizon)
    for t in range(horizon):
        x = world.context(t)
        a = learner.act(x) if name == "linucb" else learner.act(x, t)
        loss = world.losses(t)[a]
        learner.update(x, a, loss)
        actions[t], losses[t] = a, loss
    return actions, losses, learner


# ---------------------------------------------------------------- (a) LinUCB against the reference


CASES = [("linucb", p) for p in LINUCB_CASES] + [("lin_ts", p) for p in LIN_TS_CASES]
DEFAULTS = {"linucb": {"alpha": 1.0, "lam": 1.0, "intercept": True},
            "lin_ts": {"v": 0.5, "lam": 1.0, "intercept": True}}


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_learner_matches_the_reference_round_by_round(backend, case, world):
    name, params = CASES[case]
    env = environments.make("linear_contextual", **WORLDS[world])
    run = olearn.run(olearn.make(name, **params), env, horizon=T, seeds=SEEDS, backend=backend, trace=True,
                     keep_state=True)
    full = dict(DEFAULTS[name], **params)
    for s, seed in enumerate(SEEDS):
        actions, losses, ref = _reference_run(env, seed, T, name, **full)
        assert len(set(actions.tolist())) > 1, "a one-arm trajectory would make the comparison weak"
        np.testing.assert_array_equal(run.actions[0, s].astype(int), actions, err_msg=f"seed {seed}: actions")
        np.testing.assert_allclose(run.losses[0, s], losses, rtol=1e-12, atol=1e-12)
        # the state holds inv(A_a) (Sherman-Morrison) and b_a: compare with the reference's
        k, m = env.n_actions, ref.b.shape[1]
        blocks = run.states[0, s, 2 * m:].reshape(k, m * m + m)
        np.testing.assert_allclose(blocks[:, : m * m].reshape(k, m, m), np.linalg.inv(ref.A), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(blocks[:, m * m:], ref.b, rtol=1e-12, atol=1e-12)


class _NoContext:
    """A contextual reference driven by reference.play (no context)."""

    def __init__(self, ref):
        self.ref = ref

    def act(self, t):
        return self.ref.act(np.zeros(0)), None

    def update(self, s, arm, info, feedback):
        self.ref.update(np.zeros(0), arm, feedback)


def test_linucb_without_a_context_is_a_ridge_mean_index():
    """On a world without contexts the single feature is 1: the reference with d = 0 on Bernoulli arms."""
    means = [0.2, 0.5, 0.8, 0.5]
    env = environments.make("bernoulli", means=means)
    run = olearn.run(olearn.make("linucb", alpha=0.7), env, horizon=T, seeds=SEEDS, backend="python", trace=True)
    for s, seed in enumerate(SEEDS):
        ref = reference.LinUCB(len(means), 0, alpha=0.7)
        loss = reference.env_loss(env, seed)
        actions, _ = reference.play(_NoContext(ref), loss, len(means), T)
        np.testing.assert_array_equal(run.actions[0, s].astype(int), actions)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_stepwise_linucb_replays_the_engine(backend):
    env = environments.make("linear_contextual", **WORLDS["drawn"])
    run = olearn.run(olearn.make("linucb"), env, horizon=T, seeds=[5], backend="python", trace=True)
    world = reference.LinearContextual(env, 5)
    tuner = olearn.stepwise(olearn.make("linucb", n_arms=env.n_actions), seed=5, backend=backend, obs_dim=env.obs_dim)
    for t in range(T):
        x = world.context(t)
        a = tuner.act(x)
        assert a == run.actions[0, 0, t], f"round {t}"
        tuner.update(a, world.losses(t)[a])


def test_gpu_path_matches_python_with_contexts():
    """The gpu backend (CUDA simulator in CI, tests/conftest.py) on the contextual world: exact on the
    simulator, to rounding on a real GPU (test_gpu.py runs linucb only on a world without contexts)."""
    pytest.importorskip("numba.cuda")
    from olearn.backends import gpu

    env = environments.make("linear_contextual", **WORLDS["drawn"])
    learner = olearn.make("linucb", alpha=[0.5, 1.0])
    py, dev = (olearn.run(learner, env, horizon=16, seeds=SEEDS, backend=b, trace=True, keep_state=True)
               for b in ("python", "gpu"))
    testing.assert_same_run(py, dev, "linucb on linear_contextual, gpu", exact=gpu.simulated())


# ---------------------------------------------------------------- (b) the world's laws and comparators


def test_contexts_are_uniform_on_the_sphere_and_match_the_documented_draws():
    env = environments.make("linear_contextual", n_arms=2, dim=3)
    row, ty = env.row(), env.type
    state, obs = np.zeros(env.state_size()), np.zeros(3)
    xs = []
    for seed in range(40):
        ty.reset(state, row, seed)
        for t in range(100):
            ty.observe(state, row, t, seed, obs)
            xs.append(obs.copy())
            if t < 3:
                np.testing.assert_allclose(obs, reference.unit_sphere(seed, t, 2, 3), rtol=1e-14)
    xs = np.array(xs)
    n = len(xs)
    np.testing.assert_allclose(np.linalg.norm(xs, axis=1), 1.0, rtol=1e-14)
    # uniform on S^2: mean 0 (each coordinate has variance 1/3), second moment I / 3, and by
    # Archimedes each coordinate is uniform on [-1, 1]
    assert np.all(np.abs(xs.mean(axis=0)) < 5 * math.sqrt(1 / 3 / n))
    np.testing.assert_allclose(xs.T @ xs / n, np.eye(3) / 3, atol=0.02)
    counts = np.histogram(xs[:, 0], bins=4, range=(-1, 1))[0]
    assert np.all(np.abs(counts - n / 4) < 5 * math.sqrt(n * 3 / 16)), counts


def test_drawn_theta_is_on_the_unit_sphere_per_seed():
    env = environments.make("linear_contextual", n_arms=4, dim=3)
    state = np.zeros(env.state_size())
    for seed in (0, 1, 9):
        env.type.reset(state, env.row(), seed)
        theta = state.reshape(4, 3)
        np.testing.assert_allclose(np.linalg.norm(theta, axis=1), 1.0, rtol=1e-14)
        np.testing.assert_allclose(theta, reference.LinearContextual(env, seed).theta, rtol=1e-14)
    state1 = state.copy()
    env.type.reset(state, env.row(), 0)
    assert not np.allclose(state, state1), "different seeds draw different instances"


@pytest.mark.parametrize("noise", ["bernoulli", "gaussian"])
def test_rewards_have_the_documented_means(noise):
    theta = [[0.6, 0.8], [-1.0, 0.0], [0.3, -0.4]]
    env = environments.make("linear_contextual", theta=theta, noise=noise, sigma=0.5)
    row, ty = env.row(), env.type
    state, obs = np.zeros(env.state_size()), np.zeros(2)
    residual, mu_seen = [], []
    for seed in range(20):
        ty.reset(state, row, seed)
        for t in range(150):
            ty.observe(state, row, t, seed, obs)
            mu = 0.5 + 0.5 * np.clip(np.asarray(theta) @ obs, -1, 1)
            for k in range(3):
                assert ty.mean_loss(state, row, obs, t, k) == pytest.approx(1 - mu[k], abs=1e-14)
                residual.append((1.0 - ty.loss(state, row, obs, t, seed, k)) - mu[k])
            assert ty.best_mean_loss(state, row, obs, t) == pytest.approx(1 - mu.max(), abs=1e-14)
            mu_seen.extend(mu)
    residual = np.array(residual)
    n = residual.size
    sd = 0.5  # Gaussian: sigma; Bernoulli: at most 1/2
    assert abs(residual.mean()) < 5 * sd / math.sqrt(n)
    if noise == "gaussian":
        assert residual.std() == pytest.approx(0.5, rel=0.05)
    assert min(mu_seen) >= 0.0 and max(mu_seen) <= 1.0


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_recorded_regrets_match_brute_force(world):
    env = environments.make("linear_contextual", **WORLDS[world])
    assert env.metrics() == ("loss", "regret", "pseudo_regret", "dynamic_regret", "counts")
    horizon = 80
    run = olearn.run(olearn.make("linucb"), env, horizon=horizon, seeds=SEEDS, backend="python", trace=True,
                     checkpoints=[10, 40, 80])
    for s, seed in enumerate(SEEDS):
        ref = reference.LinearContextual(env, seed)
        mean_loss = np.array([1.0 - ref.means(t) for t in range(horizon)])  # T x K
        loss = np.array([ref.losses(t) for t in range(horizon)])
        a = run.actions[0, s].astype(int)
        rows = np.arange(horizon)
        np.testing.assert_allclose(run.losses[0, s], loss[rows, a], rtol=1e-12, atol=1e-12)
        for i, n in enumerate(run.rounds):
            want = {
                "loss": loss[rows[:n], a[:n]].sum(),
                "regret": loss[rows[:n], a[:n]].sum() - loss[:n].sum(axis=0).min(),
                "pseudo_regret": mean_loss[rows[:n], a[:n]].sum() - mean_loss[:n].sum(axis=0).min(),
                "dynamic_regret": mean_loss[rows[:n], a[:n]].sum() - mean_loss[:n].min(axis=1).sum(),
            }
            for name, value in want.items():
                assert run.metric(name)[0, s, i] == pytest.approx(value, rel=1e-9, abs=1e-9), (name, n)


# ---------------------------------------------------------------- (c) theory: sublinear policy regret


def test_linear_policy_regret_is_sublinear_and_far_below_ucb1():
    """Against the best policy (dynamic_regret), LinUCB's and LinTS's mean regret over 12 seeds grows
    with a log-log slope below 0.75 from 125 to 2,000 rounds; UCB1, blind to the context, pays a
    constant per round (slope ~1) and at least 5x more at the horizon."""
    env = environments.make("linear_contextual", n_arms=5, dim=3)
    ckpts = [125, 250, 500, 1000, 2000]
    out = {}
    for name in ("linucb", "lin_ts", "ucb1"):
        # default metrics and trace=True: the kernels compiled for the reference tests above are reused
        r = olearn.run(olearn.make(name), env, horizon=2000, seeds=12, backend="cpu", checkpoints=ckpts, trace=True)
        out[name] = r.metric("dynamic_regret")[0].mean(axis=0)
    slopes = {name: np.polyfit(np.log(ckpts), np.log(v), 1)[0] for name, v in out.items()}
    for name in ("linucb", "lin_ts"):
        assert slopes[name] < 0.75, (name, slopes, out)
        assert out[name][-1] * 5 < out["ucb1"][-1], out
    assert slopes["ucb1"] > 0.9, (slopes, out)


# ---------------------------------------------------------------- (d) parameter errors


@pytest.mark.parametrize("name, value", [("alpha", -1.0), ("alpha", float("nan")), ("lam", 0.0), ("lam", -2.0),
                                         ("lam", math.inf), ("intercept", 1), ("n_arms", 0)])
def test_bad_linucb_parameters_name_the_parameter(name, value):
    with pytest.raises(olearn.ParameterError, match=f"linucb: parameter '{name}'"):
        olearn.make("linucb", **{name: value})


def test_linucb_n_arms_must_match_the_world():
    env = environments.make("linear_contextual", n_arms=3, dim=2)
    with pytest.raises(olearn.ParameterError, match="'n_arms'.*environment's number of actions"):
        olearn.run(olearn.make("linucb", n_arms=4), env, horizon=5, backend="python")


@pytest.mark.parametrize("values, name", [
    ({"theta": [1.0, 2.0]}, "theta"),
    ({"theta": [[0.1, float("nan")]]}, "theta"),
    ({"theta": [[0.1, 0.2]], "n_arms": 2}, "n_arms"),
    ({"theta": [[0.1, 0.2]], "dim": 3}, "dim"),
    ({"n_arms": 0}, "n_arms"),
    ({"dim": 0}, "dim"),
    ({"dim": 2.5}, "dim"),
    ({"noise": "poisson"}, "noise"),
    ({"sigma": -0.1}, "sigma"),
])
def test_bad_world_parameters_name_the_parameter(values, name):
    with pytest.raises(olearn.ParameterError, match=f"linear_contextual: parameter '{name}'"):
        environments.make("linear_contextual", **values)


@pytest.mark.parametrize("name, value", [("v", -0.5), ("v", math.nan), ("lam", 0.0), ("intercept", "no")])
def test_bad_lin_ts_parameters_name_the_parameter(name, value):
    with pytest.raises(olearn.ParameterError, match=f"lin_ts: parameter '{name}'"):
        olearn.make("lin_ts", **{name: value})


def test_registry_checks_cover_the_new_entries():
    testing.check_parameters(REGISTRY["linucb"])
    testing.check_parameters(REGISTRY["lin_ts"])
    testing.check_parameters(environments.REGISTRY["linear_contextual"])


def test_lin_ts_one_draw_per_arm_plays_as_the_full_posterior_sample():
    """The played arm's law equals that of the paper's sample theta~_a ~ N(A_a^-1 b_a, v^2 A_a^-1) (independent
    across arms on the disjoint model), drawn in full with NumPy: arm frequencies over 20,000 rounds at a fixed
    state agree within 4.5 standard errors of the difference."""
    from olearn.learners import linear

    k, m, v, n = 3, 2, 0.7, 20_000
    cov = [np.array([[0.5, 0.1], [0.1, 0.3]]), np.array([[0.2, -0.05], [-0.05, 0.6]]), np.eye(2) * 0.25]
    means = [np.array([0.3, 0.1]), np.array([0.1, 0.4]), np.array([0.2, 0.2])]
    x = np.array([0.6, 0.8])
    params = np.array([k, m, m, 1.0, v])  # no constant feature: d = m = 2
    state = np.zeros(2 * m + k * (m * m + m))
    for a in range(k):
        base = 2 * m + a * (m * m + m)
        state[base : base + m * m] = cov[a].ravel()
        state[base + m * m : base + m * m + m] = np.linalg.solve(cov[a], means[a])  # b_a = A_a theta_a
    action = np.zeros(1)
    ours = np.zeros(k)
    for t in range(n):
        linear.lin_ts_act(state, params, x, t, 5, action)
        ours[int(action[0])] += 1
    gen = np.random.default_rng(0)
    samples = np.stack([gen.multivariate_normal(means[a], v**2 * cov[a], size=n) @ x for a in range(k)], axis=1)
    full = np.bincount(np.argmax(samples, axis=1), minlength=k).astype(float)
    p, q = ours / n, full / n
    assert p.min() > 0.1  # every arm plays often enough for the comparison to mean something
    se = np.sqrt((p * (1 - p) + q * (1 - q)) / n)
    assert np.all(np.abs(p - q) < 4.5 * se), (p, q)


def test_ridge_update_keeps_the_determinant_ratio_at_least_one_where_x_u_rounds_below_zero():
    """ridge_update returns 1 + x' A^-1 x = det(A + x x') / det A (the matrix determinant lemma), at least 1 for
    any positive definite A.  Here A^-1 = 1e16 w w' + 1e-3 I (positive definite; its double rounding is not, the
    entries move by ~1) and x is orthogonal to w to rounding, so the exact x' A^-1 x is 1e-3 ||x||^2 + 1e16 (w.x)^2,
    about 1.3e-3, but the row sums of ~1e16 terms round x' u to about -0.34: the ratio must still be >= 1 (as
    documented, x' u enters as |x' u|) and the update finite."""
    from olearn.learners import linear

    m = 3
    w = np.array([0.5293937585660738, -0.6453855611838974, 0.5506539074651438])
    x = np.array([-0.34958622218855273, -0.8470266697153845, -0.6566556843829664])
    inverse = 1e16 * np.outer(w, w) + 1e-3 * np.eye(m)
    state = np.concatenate([x, np.zeros(m), inverse.ravel(), np.zeros(m)])
    ratio = linear.ridge_update(state, 2 * m, m, 0.5)
    assert ratio >= 1.0 and math.log(ratio) >= 0.0
    assert np.all(np.isfinite(state))
    np.testing.assert_allclose(state[2 * m + m * m:], 0.5 * x, rtol=1e-15)  # b <- b + r x


# ---------------------------------------------------------------- (e) kernel contracts and edge cases


@pytest.mark.parametrize("world", [("bernoulli", {"means": [0.2, 0.5, 0.8, 0.5]}),
                                   ("linear_contextual", {"n_arms": 3, "dim": 1})])
def test_intercept_false_keeps_the_constant_only_without_a_context(world):
    """intercept=False drops the constant feature, except on a world without contexts, where the single feature is
    always 1 (module docstring): against the reference LinUCB with d = 0 (the constant kept) and with d = 1 (the
    context alone, m = 1)."""
    name, values = world
    env = environments.make(name, **values)
    d = env.obs_dim
    run = olearn.run(olearn.make("linucb", alpha=0.7, intercept=False), env, horizon=40, seeds=[1], backend="python",
                     trace=True, keep_state=True)
    ref = reference.LinUCB(env.n_actions, d, alpha=0.7, intercept=False)
    if d == 0:
        actions, _ = reference.play(_NoContext(ref), reference.env_loss(env, 1), env.n_actions, 40)
    else:
        actions, _, ref = _reference_run(env, 1, 40, "linucb", alpha=0.7, lam=1.0, intercept=False)
    assert len(set(actions.tolist())) > 1
    np.testing.assert_array_equal(run.actions[0, 0].astype(int), actions)
    m = 1  # the constant alone (d = 0), or the context alone (d = 1)
    assert run.states.shape[-1] == 2 * m + env.n_actions * (m * m + m)
    blocks = run.states[0, 0, 2 * m:].reshape(env.n_actions, m * m + m)
    np.testing.assert_allclose(blocks[:, m * m:], ref.b, rtol=1e-12, atol=1e-12)


def test_linucb_plays_the_argmax_when_every_index_is_negative():
    """Rewards below 0 (Gaussian noise) can make every index theta_a . x + alpha sqrt(x' A_a^-1 x) negative: the
    argmax is still played.  A_a^-1 = I and b_a = (beta_a, 0) at x = e_1 give the index beta_a + alpha."""
    from olearn.learners import linear

    k, m, alpha = 3, 2, 0.1
    params = np.array([k, m, m, 1.0, alpha])
    state = np.zeros(2 * m + k * (m * m + m))
    for a, beta in enumerate([-0.5, -0.2, -0.3]):
        base = 2 * m + a * (m * m + m)
        state[base : base + m * m] = np.eye(m).ravel()
        state[base + m * m] = beta
    action = np.zeros(1)
    linear.linucb_act(state, params, np.array([1.0, 0.0]), 0, 0, action)
    assert action[0] == 1  # indices -0.4, -0.1, -0.2


def test_lin_ts_with_v_zero_breaks_ties_to_the_lowest_arm():
    """v = 0 makes LinTS greedy; at the prior every estimate is 0, a K-way tie that goes to arm 0 (module docstring:
    ties go to the lowest arm index), and on estimates (0.3, 0.7, 0.7) to arm 1."""
    from olearn.learners import linear

    k, m = 4, 3
    params = np.array([k, 2, m, 1.0, 0.0])  # d = 2 and the constant feature
    state = np.zeros(2 * m + k * (m * m + m))
    linear.linucb_init(state, params, 0)
    action = np.zeros(1)
    for t in range(5):
        linear.lin_ts_act(state, params, np.array([0.6, -0.8]), t, 3, action)
        assert action[0] == 0, t
    for a, c in enumerate([0.3, 0.7, 0.7, -1.0]):  # b_a = c e_3 with A_a^-1 = I / lam: estimate c at any x
        state[2 * m + a * (m * m + m) + m * m + 2] = c
    for t in range(5):
        linear.lin_ts_act(state, params, np.array([0.6, -0.8]), t, 3, action)
        assert action[0] == 1, t


def test_ridge_update_is_the_inverse_of_the_rank_one_update_and_returns_the_determinant_ratio():
    """ridge_update on A^-1 of a random positive definite A: A^-1 becomes inv(A + x x'), b gains r x, and the return
    is det(A + x x') / det(A) (the matrix determinant lemma; OFUL's log det reads it)."""
    from olearn.learners import linear

    gen = np.random.default_rng(7)
    m = 4
    g = gen.normal(size=(m, m))
    a_mat = g @ g.T + 0.5 * np.eye(m)
    x, b = gen.normal(size=m), gen.normal(size=m)
    state = np.concatenate([x, np.zeros(m), np.linalg.inv(a_mat).ravel(), b])
    ratio = linear.ridge_update(state, 2 * m, m, 0.3)
    new = a_mat + np.outer(x, x)
    assert ratio == pytest.approx(np.linalg.det(new) / np.linalg.det(a_mat), rel=1e-12)
    np.testing.assert_allclose(state[2 * m : 2 * m + m * m].reshape(m, m), np.linalg.inv(new), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(state[2 * m + m * m:], b + 0.3 * x, rtol=1e-14)


def test_linucb_update_reads_its_own_context():
    """With delayed feedback the update's context is not the one the last act wrote into the feature scratch: the
    update must rebuild x from its own obs.  After act at x1 and update at x2, A_a and b_a are those of x2."""
    from olearn.learners import linear

    k, d = 2, 2
    m = d + 1
    params = np.array([k, d, m, 1.0, 1.0])
    state = np.zeros(2 * m + k * (m * m + m))
    linear.linucb_init(state, params, 0)
    x1, x2 = np.array([0.6, 0.8]), np.array([-0.8, 0.6])
    linear.linucb_act(state, params, x1, 0, 0, np.zeros(1))
    linear.linucb_update(state, params, x2, np.array([1.0]), np.array([0.25]), 0, 0)
    f2 = np.append(x2, 1.0)
    base = 2 * m + (m * m + m)  # arm 1
    np.testing.assert_allclose(state[base : base + m * m].reshape(m, m), np.linalg.inv(np.eye(m) + np.outer(f2, f2)),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(state[base + m * m : base + m * m + m], 0.75 * f2, rtol=1e-15)


@pytest.mark.parametrize("name", ["linucb", "lin_ts", "square_cb"])
def test_lam_below_its_documented_floor_is_rejected(name):
    """lam is documented as at least 1e-6 (rounding of the Sherman-Morrison updates swamps the data below it)."""
    olearn.make(name, lam=1e-6)
    for lam in (1e-7, 1e-12):
        with pytest.raises(olearn.ParameterError, match=f"{name}: parameter 'lam'"):
            olearn.make(name, lam=lam)


def test_mean_reward_is_clipped_for_a_given_theta_longer_than_one():
    """A given theta with ||theta_k|| > 1 can make theta_k . x leave [-1, 1]: mu_k(x) = 1/2 + 1/2 clip(theta_k . x,
    -1, 1) stays in [0, 1], and the best arm's mean loss is the clipped one."""
    theta = np.array([[3.0, 0.0], [0.0, -2.0], [0.4, 0.3]])
    env = environments.make("linear_contextual", theta=theta.tolist())
    row, ty = env.row(), env.type
    state = np.zeros(env.state_size())
    ty.reset(state, row, 0)
    for x in ([1.0, 0.0], [0.6, -0.8], [-0.8, 0.6], [0.0, 1.0]):
        x = np.array(x)
        mu = 0.5 + 0.5 * np.clip(theta @ x, -1.0, 1.0)
        for k in range(3):
            assert ty.mean_loss(state, row, x, 0, k) == pytest.approx(1.0 - mu[k], abs=1e-15)
        assert ty.best_mean_loss(state, row, x, 0) == pytest.approx(1.0 - mu.max(), abs=1e-15)


def test_world_defaults_and_size_limits():
    """K and d default to 5 and 5; d is at most 1024 (dim or theta's columns); n_arms and dim, when given with theta,
    must equal its shape (smaller as well as larger)."""
    env = environments.make("linear_contextual")
    assert (env.n_actions, env.obs_dim) == (5, 5)
    assert environments.make("linear_contextual", dim=1024).obs_dim == 1024
    for values, name in (({"dim": 1025}, "dim"), ({"theta": np.zeros((1, 1025))}, "theta"),
                         ({"theta": [[0.1, 0.2], [0.3, 0.4]], "n_arms": 1}, "n_arms"),
                         ({"theta": [[0.1, 0.2, 0.3]], "dim": 2}, "dim")):
        with pytest.raises(olearn.ParameterError, match=f"linear_contextual: parameter '{name}'"):
            environments.make("linear_contextual", **values)
