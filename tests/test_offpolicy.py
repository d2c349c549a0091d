"""Off-policy evaluation: logs written from worlds, estimators against the worlds' true means and
hand-computed values, replay against a slow reference and against live runs (Li et al. 2011, Theorem 1)."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import offpolicy
from olearn.core import rng
from olearn.core.errors import ParameterError
from reference import EXP3, UCB1, LinUCB

THETA = [[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]]


def test_collect_draws_the_worlds_losses_under_the_logging_policy():
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.9])
    probs = np.array([0.6, 0.3, 0.1])
    logs = offpolicy.collect(env, n=20_000, seed=3, logging=probs)
    n = len(logs)
    for k, p in enumerate(probs):  # arm frequencies and per-arm losses within 4 standard errors
        played = logs.actions == k
        assert abs(played.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
        assert abs(logs.losses[played].mean() - logs.means[0, k]) < 4 * math.sqrt(0.25 / played.sum())
    np.testing.assert_array_equal(logs.propensities, probs[logs.actions])
    np.testing.assert_allclose(logs.means, np.tile([0.8, 0.5, 0.1], (n, 1)))
    # the losses are the world's own draws for that seed: arm a's loss at round t, as olearn.run would see it
    u = np.array([rng.uniform(3, rng.ENV, t, int(a)) for t, a in enumerate(logs.actions[:50])])
    np.testing.assert_array_equal(logs.losses[:50], np.where(u < np.array([0.2, 0.5, 0.9])[logs.actions[:50]], 0.0, 1.0))


def test_collect_records_the_contexts_of_a_contextual_world():
    env = environments.make("linear_contextual", theta=THETA)
    logs = offpolicy.collect(env, n=200, seed=1)
    assert logs.contexts.shape == (200, 2)
    np.testing.assert_allclose(np.linalg.norm(logs.contexts, axis=1), 1.0)  # on the unit sphere
    th = np.array(THETA)
    np.testing.assert_allclose(logs.means, 0.5 - 0.5 * np.clip(logs.contexts @ th.T, -1, 1), atol=1e-15)
    np.testing.assert_allclose(logs.propensities, 1 / 3)


def test_estimators_on_a_hand_computed_log():
    """Target: always arm 0.  w = (2, 0, 4, 0); IPS = (2 * 1 + 4 * 0.5) / 4 = 1; SNIPS = 4 / 6;
    with q = 0.5 everywhere, DM = 0.5 and DR = 0.5 + (2 * 0.5 + 4 * 0) / 4 = 0.75."""
    logs = offpolicy.Logs(None, [0, 1, 0, 1], [1.0, 0.0, 0.5, 1.0], [0.5, 0.5, 0.25, 0.75], n_arms=2)
    target = np.tile([1.0, 0.0], (4, 1))
    q = np.full((4, 2), 0.5)
    assert offpolicy.ips(logs, target).value == 1.0
    assert offpolicy.snips(logs, target).value == pytest.approx(4 / 6, rel=1e-15)
    assert offpolicy.direct(logs, target, q).value == 0.5
    assert offpolicy.doubly_robust(logs, target, q).value == 0.75
    terms = np.array([2.0, 0.0, 2.0, 0.0])
    assert offpolicy.ips(logs, target).stderr == pytest.approx(np.std(terms, ddof=1) / 2, rel=1e-15)
    # SNIPS by the delta method: the sample standard deviation of w_i (l_i - V_SN) / mean(w), mean(w) = 6 / 4, over sqrt(4)
    linear = np.array([2 * (1.0 - 4 / 6), 0.0, 4 * (0.5 - 4 / 6), 0.0]) / 1.5
    assert offpolicy.snips(logs, target).stderr == pytest.approx(np.std(linear, ddof=1) / 2, rel=1e-12)
    # a uniform log and the uniform policy as target (w = 1): SNIPS is the sample mean, with the sample mean's standard error
    uniform = offpolicy.Logs(None, [0, 1, 0, 1], [1.0, 0.0, 0.5, 1.0], [0.5] * 4, n_arms=2)
    same = offpolicy.snips(uniform, np.full((4, 2), 0.5))
    assert same.value == pytest.approx(0.625, rel=1e-15)
    assert same.stderr == pytest.approx(np.std([1.0, 0.0, 0.5, 1.0], ddof=1) / 2, rel=1e-12)
    # without contexts, the loss model is each arm's mean loss (one fold: fitted on the whole log)
    q = offpolicy.fit_loss_model(logs, folds=1)
    np.testing.assert_allclose(q, np.tile([0.75, 0.5], (4, 1)))


def test_estimators_find_a_target_policys_true_loss():
    """A contextual world logged by a skewed policy; the target plays greedily on a wrong model with
    probability 0.8.  The truth is (1/n) sum_i sum_a pi(a | x_i) mu_a(x_i) from the world's means."""
    env = environments.make("linear_contextual", theta=THETA)
    logs = offpolicy.collect(env, n=30_000, seed=5, logging=[0.7, 0.2, 0.1])
    scores = logs.contexts @ np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]).T
    target = np.full((len(logs), 3), 0.1)
    target[np.arange(len(logs)), np.argmax(scores, axis=1)] = 0.8
    truth = float(np.mean(np.sum(target * logs.means, axis=1)))
    found = {name: getattr(offpolicy, name)(logs, target) for name in ("ips", "snips", "doubly_robust")}
    for name, est in found.items():
        assert abs(est.value - truth) < 4 * est.stderr, (name, est, truth)
        assert est.stderr < 0.02, name
    assert offpolicy.direct(logs, target, model=logs.means).value == pytest.approx(truth, rel=1e-14)
    # the fitted linear model explains most of the losses' mean: DR's error is well below IPS's
    assert found["doubly_robust"].stderr < 0.8 * found["ips"].stderr
    assert abs(offpolicy.direct(logs, target).value - truth) < 0.01  # the world is linear: the direct method is nearly right


def _reference_replay(policy, logs, horizon, seed, contextual=False):
    """Li et al.'s replay, written out: act; keep the event when the arm matches and the acceptance draw
    passes; the policy objects do not change in act, so nothing needs restoring."""
    p_min = logs.propensities.min()
    kept, total = 0, 0.0
    for e in range(len(logs)):
        if kept == horizon:
            break
        x = logs.contexts[e]
        if contextual:
            arm, info = policy.act(x), None
        else:
            arm, info = policy.act(kept)
        accept = p_min / logs.propensities[e]
        if arm == logs.actions[e] and (accept >= 1.0 or rng.uniform(seed, rng.REPLAY, e, 1) < accept):
            if contextual:
                policy.update(x, arm, logs.losses[e])
            else:
                policy.update(kept, arm, info, logs.losses[e])
            kept += 1
            total += logs.losses[e]
    return kept, total


def test_replay_equals_a_reference_replay():
    env = environments.make("bernoulli", means=[0.3, 0.5, 0.6, 0.4])
    logs = offpolicy.collect(env, n=3_000, seed=2, logging=[0.4, 0.3, 0.2, 0.1])
    for name, make_ref in (("ucb1", lambda s: UCB1(4)), ("exp3", lambda s: EXP3(4, horizon=400, seed=s))):
        r = offpolicy.replay(olearn.make(name), logs, horizon=400, seeds=[0, 7], backend="python")
        for j, s in enumerate([0, 7]):
            kept, total = _reference_replay(make_ref(s), logs, 400, s)
            assert r.kept[0, j] == kept and r.total[0, j] == pytest.approx(total, abs=1e-12), name
    ctx = offpolicy.collect(environments.make("linear_contextual", theta=THETA), n=1_500, seed=4, backend="python")
    r = offpolicy.replay(olearn.make("linucb"), ctx, horizon=300, seeds=1, backend="python")
    kept, total = _reference_replay(LinUCB(3, 2), ctx, 300, 0, contextual=True)
    assert r.kept[0, 0] == kept == 300 and r.total[0, 0] == pytest.approx(total, abs=1e-12)


def test_cpu_replays_and_collects_as_python():
    """The compiled collector and replay (threads over seeds) give the python backend's arrays bit for bit."""
    env = environments.make("linear_contextual", theta=THETA)
    logs = {b: offpolicy.collect(env, n=2_000, seed=9, logging=[0.5, 0.3, 0.2], backend=b) for b in ("python", "cpu")}
    for field in ("contexts", "actions", "losses", "propensities", "means"):
        np.testing.assert_array_equal(getattr(logs["cpu"], field), getattr(logs["python"], field))
    runs = {b: offpolicy.replay(olearn.make("exp3", eta=[0.05, 0.2]), logs[b], horizon=300, seeds=5, shuffle=True,
                                checkpoints=4, backend=b) for b in ("python", "cpu")}
    for field in ("loss", "events", "kept", "total", "read"):
        np.testing.assert_array_equal(getattr(runs["cpu"], field), getattr(runs["python"], field))
    assert len({tuple(row) for row in runs["cpu"].events.reshape(10, -1)}) == 10  # every seed and configuration its own run
    assert np.all(runs["cpu"].kept == 300)


def test_replay_reads_the_log_in_its_own_order_per_seed_when_shuffled():
    env = environments.make("bernoulli", means=[0.3, 0.7])
    logs = offpolicy.collect(env, n=1_000, seed=0)
    plain = offpolicy.replay(olearn.make("ucb1"), logs, horizon=200, seeds=4, backend="python")
    assert np.all(plain.total == plain.total[0, 0])  # a deterministic learner: one trajectory per log
    mixed = offpolicy.replay(olearn.make("ucb1"), logs, horizon=200, seeds=4, shuffle=True, backend="python")
    assert np.unique(mixed.total).size > 1
    for j in range(4):  # seed s reads the events in the keyed permutation of its own stream
        order = np.array([rng.permuted(j, rng.REPLAY_ORDER, i, 1_000, rng.half_bits(1_000)) for i in range(1_000)])
        permuted = offpolicy.Logs(None, logs.actions[order], logs.losses[order], logs.propensities[order], n_arms=2)
        kept, total = _reference_replay(UCB1(2), permuted, 200, j)
        assert mixed.kept[0, j] == kept and mixed.total[0, j] == pytest.approx(total, abs=1e-12)


def _live_and_replayed(learner, env, horizon, seeds, logging=None):
    """Mean total loss over ``horizon`` rounds: live (olearn.run) and replayed, seed s on a log of seed 1000 + s."""
    live = olearn.run(learner, env, horizon=horizon, seeds=seeds, metrics=["loss"], checkpoints=[horizon]).final("loss")[0]
    replayed = np.array([
        offpolicy.replay(learner, offpolicy.collect(env, n=6 * env.n_actions * horizon, seed=1000 + s, logging=logging),
                         horizon=horizon, seeds=[s]).total[0, 0]
        for s in range(seeds)
    ])
    return live, replayed


@pytest.mark.parametrize("name, world, logging", [
    ("ucb1", ("bernoulli", {"means": [0.45, 0.5, 0.6]}), None),
    ("exp3", ("bernoulli", {"means": [0.45, 0.5, 0.6]}), [0.5, 0.3, 0.2]),
    ("linucb", ("linear_contextual", {"theta": THETA}), [0.2, 0.3, 0.5]),
])
def test_replayed_runs_are_distributed_as_live_ones(name, world, logging):
    """Theorem 1 of Li et al. 2011: on i.i.d. logs the replayed learner's total loss over T kept events
    has the live run's law; the two means over independent seeds agree within 4 standard errors, and
    both differ from a uniform player's (so the comparison can fail)."""
    env = environments.make(world[0], **world[1])
    live, replayed = _live_and_replayed(olearn.make(name), env, horizon=300, seeds=100, logging=logging)
    se = math.sqrt(live.var(ddof=1) / live.size + replayed.var(ddof=1) / replayed.size)
    assert abs(live.mean() - replayed.mean()) < 4 * se, (live.mean(), replayed.mean(), se)
    uniform = olearn.run(olearn.make("exp3", eta=1e-12), env, horizon=300, seeds=100, metrics=["loss"], checkpoints=[300]).final("loss")[0]
    assert abs(uniform.mean() - replayed.mean()) > 4 * se


def test_rejection_corrects_a_logging_policy_that_reads_the_context():
    """Arm 0 loses x in {0, 1}, arm 1 loses 0.6; the logger plays arm 0 with probability 0.9 when x = 1 and
    0.1 when x = 0.  Replay must see arm 0's events at the contexts' true frequency (loss 1/2), not at the
    logger's (0.9): against a live reference UCB1 on the same law it agrees, and without the rejection
    (propensities hidden as uniform) it does not."""
    gen = np.random.default_rng(0)
    n, horizon, seeds = 40_000, 200, 60
    x = (gen.random(n) < 0.5).astype(float)
    p0 = np.where(x == 1.0, 0.9, 0.1)
    a = (gen.random(n) >= p0).astype(np.int64)
    losses = np.where(a == 0, x, 0.6)
    logs = offpolicy.Logs(x, a, losses, np.where(a == 0, p0, 1 - p0), n_arms=2)
    blind = offpolicy.Logs(x, a, losses, np.full(n, 0.5), n_arms=2)
    fair = offpolicy.replay(olearn.make("ucb1"), logs, horizon=horizon, seeds=seeds, shuffle=True).total[0]
    biased = offpolicy.replay(olearn.make("ucb1"), blind, horizon=horizon, seeds=seeds, shuffle=True).total[0]
    live = []
    for s in range(seeds):  # the reference UCB1 playing the law itself
        g, ref, total = np.random.default_rng(100 + s), UCB1(2), 0.0
        for t in range(horizon):
            arm, _ = ref.act(t)
            loss = float(g.random() < 0.5) if arm == 0 else 0.6
            ref.update(t, arm, None, loss)
            total += loss
        live.append(total)
    live = np.array(live)
    se = math.sqrt(live.var(ddof=1) / seeds + fair.var(ddof=1) / seeds)
    assert abs(live.mean() - fair.mean()) < 4 * se
    assert biased.mean() > live.mean() + 8 * se


def test_replay_checkpoints_grids_and_the_log_running_out():
    logs = offpolicy.collect(environments.make("bernoulli", means=[0.2, 0.8]), n=400, seed=0)
    r = offpolicy.replay(olearn.make("epsilon_greedy", epsilon=[0.05, 0.5]), logs, horizon=150, seeds=3, checkpoints=[50, 100])
    assert r.loss.shape == (2, 3, 3) and list(r.checkpoints) == [50, 100, 150]
    assert r.labels == ["epsilon_greedy(epsilon=0.05)", "epsilon_greedy(epsilon=0.5)"]
    reached = r.kept >= 150
    np.testing.assert_array_equal(np.isnan(r.loss[..., 2]), ~reached)
    assert np.all(np.diff(r.events[..., :2], axis=-1) > 0) and np.all(r.read <= 400)
    np.testing.assert_allclose(r.total[reached], r.loss[..., 2][reached])
    assert np.all(r.kept[~reached] < 150) and np.all(r.read[~reached] == 400)  # the log ran out
    frame = r.to_frame()
    assert len(frame) == 18 and set(frame.columns) == {"learner", "seed", "round", "loss", "events"}
    np.testing.assert_allclose(r.average_loss(), np.mean(r.total / r.kept, axis=1))
    assert r.reached().shape == (2,)


def test_bad_input_names_the_parameter():
    logs = offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], n_arms=2)
    cases = [
        (lambda: offpolicy.Logs(None, [0, 2], [0.1, 0.2], [0.5, 0.5], n_arms=2), "actions"),
        (lambda: offpolicy.Logs(None, [0, 1], [0.1, np.nan], [0.5, 0.5], n_arms=2), "losses"),
        (lambda: offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.0], n_arms=2), "propensities"),
        (lambda: offpolicy.Logs(np.zeros((3, 2)), [0, 1], [0.1, 0.2], [0.5, 0.5], n_arms=2), "contexts"),
        (lambda: offpolicy.ips(logs, [[0.5, 0.6], [1.0, 0.0]]), "target"),
        (lambda: offpolicy.snips(logs, [[0.0, 1.0], [1.0, 0.0]]), "target"),
        (lambda: offpolicy.doubly_robust(logs, [[1.0, 0.0]] * 2, model=np.zeros((3, 2))), "model"),
        (lambda: offpolicy.direct(logs, [[1.0, 0.0]] * 2, model=[["low", "high"]] * 2), "model"),
        (lambda: offpolicy.doubly_robust(logs, [[1.0, 0.0]] * 2, model=[[0.5], [0.5, 0.5]]), "model"),
        (lambda: offpolicy.ips(logs, np.array([[1.0 + 1.0j, 0.0], [1.0, 0.0]])), "target"),
        (lambda: offpolicy.fit_loss_model(logs, ridge=0.0), "ridge"),
        (lambda: offpolicy.ips(logs, [[1.0, 0.0]] * 2).interval(z=-1.96), "'z'"),
        (lambda: offpolicy.ips(logs, [[1.0, 0.0]] * 2).interval(z=np.nan), "'z'"),
        (lambda: offpolicy.collect(environments.make("bernoulli", means=[0.2, 0.8]), n=10, logging=[1.0, 0.0]), "logging"),
        (lambda: offpolicy.collect(environments.make("bernoulli", means=[0.2, 0.8]), n=0), "'n'"),
        (lambda: offpolicy.replay(olearn.make("hedge"), logs), "learner"),
        (lambda: offpolicy.replay(olearn.make("ucb1"), logs, horizon=3), "horizon"),
        (lambda: offpolicy.replay(olearn.make("ucb1"), logs, backend="tpu"), "backend"),
        (lambda: offpolicy.replay(olearn.make("ucb1", n_arms=3), logs), "n_arms"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=name):
            call()


@pytest.mark.parametrize("name", ["tsallis_inf_cb", "exp3"])
def test_a_skipped_event_leaves_no_trace(name):
    """Replaying only the events a run kept (found from its checkpoints at every kept count) keeps them
    all and gives the same losses: what the learner did at the other events was undone.  (Binned
    Tsallis-INF-CB keeps its normaliser's last root from act, so without the restore it would differ.)"""
    logs = offpolicy.collect(environments.make("linear_contextual", theta=THETA), n=1_200, seed=6)
    learner = olearn.make(name)
    full = offpolicy.replay(learner, logs, horizon=300, seeds=[3], checkpoints=np.arange(1, 301), backend="python")
    at = full.events[0, 0].astype(np.int64) - 1
    kept_only = offpolicy.Logs(logs.contexts[at], logs.actions[at], logs.losses[at], logs.propensities[at], n_arms=3)
    again = offpolicy.replay(learner, kept_only, horizon=300, seeds=[3], checkpoints=np.arange(1, 301), backend="python")
    assert again.kept[0, 0] == 300
    np.testing.assert_array_equal(again.loss, full.loss)


@pytest.mark.parametrize("name, world", [("exp3", "bernoulli"), ("linucb", "linear_contextual")])
def test_gpu_replay_equals_python(name, world, monkeypatch):
    """The gpu kernel (a thread per seed and configuration; numba's CUDA simulator in CI) gives the
    python backend's arrays, with rejection and shuffled orders, also when the jobs take several launches (as many
    as fit in the device's free memory: three per launch here)."""
    pytest.importorskip("numba.cuda")
    from olearn.backends import gpu

    monkeypatch.setattr(gpu, "chunk_jobs", lambda n_jobs, horizon, job_bytes: min(n_jobs, 3))
    env = environments.make(world, **({"theta": THETA} if world == "linear_contextual" else {"means": [0.3, 0.6, 0.5]}))
    logs = offpolicy.collect(env, n=80, seed=2, logging=[0.5, 0.3, 0.2], backend="python")  # the simulator is slow: small
    learner = olearn.make(name, **({"eta": [0.05, 0.2]} if name == "exp3" else {}))
    runs = {b: offpolicy.replay(learner, logs, horizon=12, seeds=2, shuffle=True, checkpoints=3, backend=b) for b in ("python", "gpu")}
    for field in ("loss", "events", "kept", "total", "read"):
        np.testing.assert_array_equal(getattr(runs["gpu"], field), getattr(runs["python"], field))
    assert runs["gpu"].kept.min() > 0


def test_a_log_goes_to_a_table_and_back():
    logs = offpolicy.collect(environments.make("linear_contextual", theta=THETA), n=50, seed=3, logging=[0.5, 0.3, 0.2],
                             backend="python")
    frame = logs.to_frame()
    assert list(frame.columns) == ["x0", "x1", "action", "loss", "propensity"]
    back = offpolicy.Logs.from_frame(frame)
    for field in ("contexts", "actions", "losses", "propensities"):
        np.testing.assert_array_equal(getattr(back, field), getattr(logs, field))
    assert back.n_arms == 3 and back.means is None
    # a table of the user's own names, rewards instead of losses, arms read as floats
    mine = frame.rename(columns={"action": "arm", "propensity": "p", "x1": "age"}).assign(
        click=1.0 - frame["loss"], arm=frame["action"].astype(float)).drop(columns="loss")
    back = offpolicy.Logs.from_frame(mine, action="arm", propensity="p", reward="click", contexts=["x0", "age"], n_arms=4)
    np.testing.assert_array_equal(back.losses, logs.losses)
    np.testing.assert_array_equal(back.contexts, logs.contexts)
    assert back.n_arms == 4
    for kwargs, name in (({"action": "act", "propensity": "p", "reward": "click"}, "action"), ({"loss": "loss", "reward": "click", "action": "arm", "propensity": "p"}, "reward")):
        with pytest.raises(ParameterError, match=name):
            offpolicy.Logs.from_frame(mine, **kwargs)


@pytest.mark.parametrize("name, params, world", [
    ("exp3", {}, ("bernoulli", {"means": [0.2, 0.5, 0.9]})),
    ("tsallis_inf", {}, ("bernoulli", {"means": [0.2, 0.5, 0.9]})),
    ("exp3_ix", {}, ("linear_contextual", {"theta": THETA})),
    ("tsallis_inf_cb", {"low": -1.0, "high": 1.0, "n_bins": 2}, ("linear_contextual", {"theta": [[1.0], [-0.5], [0.2]]})),
])
def test_a_learner_writes_the_log_of_its_live_play(name, params, world):
    """logging=learner: the log is the learner's olearn.run trajectory for the seed, on both backends, and
    each propensity is the probability it gave its arm (EXP3's from the reference's own weights); a
    contextual logger reads each event's context (one per bin of x = -1 and x = +1 here)."""
    env = environments.make(world[0], **world[1])
    learner = olearn.make(name, **params)
    live = olearn.run(learner, env, horizon=500, seeds=[2, 8], trace=True, backend="python")
    for j, seed in enumerate([2, 8]):
        logs = {b: offpolicy.collect(env, n=500, seed=seed, logging=learner, backend=b) for b in ("python", "cpu")}
        for field in ("contexts", "actions", "losses", "propensities", "means"):
            np.testing.assert_array_equal(getattr(logs["python"], field), getattr(logs["cpu"], field))
        np.testing.assert_array_equal(logs["cpu"].actions, live.actions[0, j])
        np.testing.assert_array_equal(logs["cpu"].losses, live.losses[0, j])
        assert np.all((logs["cpu"].propensities > 0.0) & (logs["cpu"].propensities <= 1.0))
        if name == "exp3":
            ref = EXP3(3, horizon=500, seed=seed)
            for t, (a, x) in enumerate(zip(logs["cpu"].actions, logs["cpu"].losses)):
                arm, p = ref.act(t)
                assert arm == a and p == pytest.approx(logs["cpu"].propensities[t], rel=1e-12)
                ref.update(t, arm, p, x)


def test_estimators_and_replay_are_unbiased_on_a_log_written_by_a_learning_policy():
    """The propensities of an adaptive logger change with what it has seen; IPS stays unbiased (each
    event's weight uses its own propensity) and replay's rejection keeps every event with probability
    p_min whatever the history (Li et al. 2011 with known propensities).  EXP3 with eta = 0.003 writes
    the logs; the target and the replayed learner differ from it."""
    env = environments.make("linear_contextual", theta=THETA)
    logger = olearn.make("exp3", eta=0.003)
    logs = offpolicy.collect(env, n=30_000, seed=11, logging=logger)
    assert logs.propensities.std() > 0.02  # it did learn: the propensities moved
    scores = logs.contexts @ np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]).T
    target = np.full((len(logs), 3), 0.1)
    target[np.arange(len(logs)), np.argmax(scores, axis=1)] = 0.8
    truth = float(np.mean(np.sum(target * logs.means, axis=1)))
    for name in ("ips", "snips", "doubly_robust"):
        est = getattr(offpolicy, name)(logs, target)
        assert abs(est.value - truth) < 4 * est.stderr, (name, est, truth)
    bern = environments.make("bernoulli", means=[0.45, 0.5, 0.6])
    learner, horizon, seeds = olearn.make("ucb1"), 300, 100
    live = olearn.run(learner, bern, horizon=horizon, seeds=seeds, metrics=["loss"], checkpoints=[horizon]).final("loss")[0]
    replayed = np.array([offpolicy.replay(learner, offpolicy.collect(bern, n=3_000, seed=1000 + s, logging=logger),
                                          horizon=horizon, seeds=[s]).total[0, 0] for s in range(seeds)])
    se = math.sqrt(live.var(ddof=1) / seeds + replayed.var(ddof=1) / seeds)
    assert abs(live.mean() - replayed.mean()) < 4 * se, (live.mean(), replayed.mean(), se)


def test_a_logging_learner_must_report_its_probabilities():
    env = environments.make("bernoulli", means=[0.2, 0.5])
    with pytest.raises(ParameterError, match="'logging'.*exp3, exp3_ix"):
        offpolicy.collect(env, 10, logging=olearn.make("ucb1"))
    with pytest.raises(ParameterError, match="'logging'.*one configuration"):
        offpolicy.collect(env, 10, logging=olearn.make("exp3", eta=[0.1, 0.2]))
    with pytest.raises(ParameterError, match="'n_arms'"):
        offpolicy.collect(env, 10, logging=olearn.make("exp3", n_arms=3))
