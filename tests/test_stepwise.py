"""The step-wise driver (act/update in the user's loop) replays the engine's trajectory for the same seed."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.learners import REGISTRY

H = 80
LOSSES = np.round(np.random.default_rng(8).random((H, 20)), 3)
ENV = environments.make("loss_matrix", losses=LOSSES)


@pytest.fixture(scope="module")
def engine():
    cache = {}

    def get(name, backend, seed=0):
        key = (name, backend, seed)
        if key not in cache:
            cache[key] = olearn.run(olearn.make(name), ENV, horizon=H, seeds=[seed], backend=backend, trace=True)
        return cache[key]

    return get


def _replay(tuner, name, expected_actions):
    full = REGISTRY[name].feedback == "full"
    for t in range(H):
        a = tuner.act()
        assert a == expected_actions[t], f"{name}: round {t}: stepwise {a} vs engine {expected_actions[t]}"
        tuner.update(a, LOSSES[t] if full else LOSSES[t, a])
    assert tuner.t == H


@pytest.mark.parametrize("engine_backend", ["python", "cpu"])
@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_tsallis_inf_stepwise_replays_the_engine(engine, backend, engine_backend):
    expected = engine("tsallis_inf", engine_backend).actions[0, 0].astype(int)
    assert len(set(expected.tolist())) > 3, "a degenerate trajectory would make this comparison weak"
    _replay(olearn.stepwise(olearn.make("tsallis_inf", n_arms=20), seed=0, backend=backend), "tsallis_inf", expected)


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if REGISTRY[n].kind != "oco"))  # oco points are not arms
def test_every_learner_stepwise_replays_the_engine(engine, name):
    """python step-wise against the python engine (horizon given, for learners whose step size uses it)."""
    expected = engine(name, "python", seed=3).actions[0, 0].astype(int)
    _replay(olearn.stepwise(olearn.make(name, n_arms=20), seed=3, backend="python", horizon=H), name, expected)


def test_a_different_seed_gives_a_different_trajectory(engine):
    a = engine("tsallis_inf", "python", seed=0).actions[0, 0]
    b = engine("tsallis_inf", "python", seed=1).actions[0, 0]
    assert not np.array_equal(a, b)


def test_first_action_of_ucb1_is_arm_zero_and_it_explores_in_order():
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=0, backend="python")
    seen = []
    for _ in range(3):
        a = tuner.act()
        seen.append(a)
        tuner.update(a, 1.0)
    assert seen == [0, 1, 2]


def test_update_refuses_any_action_but_the_arm_played():
    """update(action, loss) takes the arm act() returned (as an int or an equal float); a fractional number, text,
    None, a list or a flag is a ParameterError naming 'action' and changes nothing (int() had taken 0.7 and '0' as
    arm 0, and None or a list raised TypeError)."""
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=0, backend="python")
    a = tuner.act()
    assert a == 0
    for bad in (0.7, "0", None, [0], np.array([0]), math.nan, False, 1):
        with pytest.raises(olearn.ParameterError, match="'action'"):
            tuner.update(bad, 1.0)
    assert tuner.t == 0 and not tuner.state.any()
    tuner.update(np.float64(0.0), 1.0)  # the same arm as a float
    assert tuner.t == 1


def test_a_step_size_set_from_the_horizon_needs_the_horizon():
    """exp3 and hedge take eta from T: without a horizon they are refused by name (they had assumed
    10^6 rounds, an eta 31.6x too small for 1,000); with one, or with eta given, they run."""
    for name in ("exp3", "hedge"):
        with pytest.raises(olearn.ParameterError, match="'horizon'.*set from the number of rounds"):
            olearn.stepwise(olearn.make(name, n_arms=4), backend="python")
        olearn.stepwise(olearn.make(name, n_arms=4, eta=0.1), backend="python").act()
        olearn.stepwise(olearn.make(name, n_arms=4), backend="python", horizon=1000).act()
    with pytest.raises(olearn.ParameterError, match="'horizon'"):
        olearn.stepwise(olearn.make("exp3", n_arms=4), backend="python", horizon=0)
    olearn.stepwise(olearn.make("tsallis_inf", n_arms=4), backend="python").act()  # anytime: no horizon needed


@pytest.mark.parametrize("name, instead", [("hedge", "eta="), ("exp3_ix", "eta="), ("discounted_ucb", "gamma="), ("moss", None)])
def test_the_horizon_refusal_names_the_parameter_that_would_do_instead(name, instead):
    """exp3_ix takes gamma from eta, so eta alone frees it; MOSS's index needs T itself."""
    with pytest.raises(olearn.ParameterError) as err:
        olearn.stepwise(olearn.make(name, n_arms=4), backend="python")
    message = str(err.value)
    if instead is None:
        assert message.endswith("set from the number of rounds"), message
    else:
        assert message.endswith(f"(or give {instead})"), message
        olearn.stepwise(olearn.make(name, n_arms=4, **{instead[:-1]: 0.9}), backend="python").act()


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_the_context_reaches_a_contextual_learner(backend):
    """olearn.stepwise(..., obs_dim=1) hands act's context to the learner: 25 rounds in each of two bins
    (without obs_dim the context had been dropped and every round played in bin 0)."""
    learner = olearn.make("tsallis_inf_cb", n_arms=3, low=0.0, high=1.0, n_bins=2)
    tuner = olearn.stepwise(learner, seed=0, backend=backend, obs_dim=1)
    for c in [0.1] * 25 + [0.9] * 25:
        a = tuner.act([c])
        tuner.update(a, 0.5)
    width = 2 * 3 + 2
    np.testing.assert_array_equal(tuner.state[2 * width:], [25.0, 25.0])  # each bin's round counter


def test_a_context_of_the_wrong_size_or_not_finite_is_refused():
    plain = olearn.stepwise(olearn.make("ucb1", n_arms=3), backend="python")
    with pytest.raises(olearn.ParameterError, match="'obs'.*0 finite number.*give obs_dim="):
        plain.act([0.3])
    ctx = olearn.stepwise(olearn.make("chebcb", n_arms=3, low=0.0, high=1.0), backend="python", obs_dim=1)
    for bad in (None, [np.nan], [0.1, 0.2], "abc", [None], [1j]):
        with pytest.raises(olearn.ParameterError, match="'obs'.*1 finite number"):
            ctx.act(bad)
    assert np.all(np.isfinite(ctx.state))  # nothing was folded into the state
    a = ctx.act(0.4)  # a plain number is one context value
    ctx.update(a, 1.0)
    with pytest.raises(olearn.ParameterError, match="'obs_dim'"):
        olearn.stepwise(olearn.make("chebcb", n_arms=3), obs_dim=-1)


SLEEPING = sorted(n for n in REGISTRY if REGISTRY[n].sleeping)


@pytest.mark.parametrize("name", SLEEPING)
def test_a_sleeping_learner_needs_a_mask_of_k_numbers_with_an_awake_arm(name):
    """A sleeping learner reads arm k's availability from obs[k] (obs[k] > 0: awake), so a context of another size
    than K (or 0: all awake) is refused when made, and a round with no awake arm is refused before it reaches the
    state (the specialists' weights would be 0 / 0 there); the round then goes on with an awake arm."""
    k = 3
    learner = olearn.make(name, n_arms=k, **({"eta": 1.0} if "eta" in [p.name for p in REGISTRY[name].params] else {}))
    for wrong in (1, k + 1):
        with pytest.raises(olearn.ParameterError, match="'obs_dim'.*0 .*or n_arms = 3"):
            olearn.stepwise(learner, backend="python", obs_dim=wrong, horizon=10)
    tuner = olearn.stepwise(learner, backend="python", obs_dim=k, horizon=10)
    before = tuner.state.copy()
    for asleep in ([0, 0, 0], [-1.0, 0.0, -2.0]):
        with pytest.raises(olearn.ParameterError, match="'obs'.*at least one arm awake"):
            tuner.act(asleep)
    np.testing.assert_array_equal(tuner.state, before)
    arm = tuner.act([0, 1, 0])
    assert arm == 1
    tuner.update(arm, np.ones(k) if REGISTRY[name].feedback == "full" else 1.0)
    assert np.all(np.isfinite(tuner.state))


OCO_LEARNERS = sorted(n for n in REGISTRY if REGISTRY[n].kind == "oco" and n != "implicit_ftrl")  # implicit: below


@pytest.mark.parametrize("name", OCO_LEARNERS)
def test_an_oco_learner_stepwise_against_the_gym_view_replays_the_engine(name):
    """The user's loop (the learner step-wise, the world through its gymnasium view) gives the engine's
    points, losses and final state bit for bit (python backend; every oco learner, each on a world it plays)."""
    from test_oco_parity import _worlds

    from olearn import testing

    testing.replay_oco(olearn.make(name), _worlds(name)[0], horizon=25, seed=4)


def test_implicit_ftrl_stepwise_on_a_user_loss_replays_the_engine():
    """With a user-defined loss the engine, too, gives only f_t and its gradient (model NONE): the feedback
    the step-wise driver gives every oco learner."""
    import math

    from environments.oco_custom import user_loss
    from olearn.core.kernel import kernel

    @kernel
    def tilted_bowl(x, g, t, seed):
        value = 0.0
        for i in range(x.size):
            c = math.sin(0.3 * t + i)
            g[i] = 2.0 * (x[i] - c)
            value += (x[i] - c) * (x[i] - c)
        return value

    env = user_loss(tilted_bowl, dim=2, domain="ball", radius=1.0)
    run = olearn.run(olearn.make("implicit_ftrl"), env, horizon=20, seeds=[2], backend="python", keep_state=True)
    tuner = olearn.stepwise(olearn.make("implicit_ftrl", dim=2), seed=2, backend="python", horizon=20)
    total = 0.0
    for t in range(20):
        x = tuner.act()
        g = np.zeros(2)
        loss = tilted_bowl(x, g, t, 2)
        tuner.update(x, loss, gradient=g)
        total += loss
    np.testing.assert_array_equal(tuner.state, run.states[0, 0])
    assert total == pytest.approx(run.values[0, 0, -1, list(run.columns).index("loss")], rel=1e-12)


def test_oco_stepwise_refuses_what_does_not_fit_its_learner():
    from olearn import ParameterError

    with pytest.raises(ParameterError, match="'dim'.*olearn.make\\('ogd', dim=d\\)"):
        olearn.stepwise(olearn.make("ogd"))
    with pytest.raises(ParameterError, match="'domain'.*'simplex'.*'universal_portfolio'"):
        olearn.stepwise(olearn.make("universal_portfolio", dim=2), domain="ball")
    with pytest.raises(ParameterError, match="'radius'"):
        olearn.stepwise(olearn.make("ogd", dim=2), radius=0.0)
    with pytest.raises(ParameterError, match="'domain'.*not an oco learner"):
        olearn.stepwise(olearn.make("ucb1", n_arms=2), domain="ball")
    tuner = olearn.stepwise(olearn.make("ogd", dim=2), backend="python")
    x = tuner.act()
    before = tuner.state.copy()
    for bad, name in [({"action": x + 1, "loss": 1.0, "gradient": x}, "action"), ({"action": x, "loss": math.nan, "gradient": x}, "loss"),
                      ({"action": x, "loss": 1.0}, "gradient"), ({"action": x, "loss": 1.0, "gradient": [1.0]}, "gradient")]:
        with pytest.raises(ParameterError) as err:
            tuner.update(**bad)
        assert err.value.name == name
    np.testing.assert_array_equal(tuner.state, before)
    tuner.update(x, 1.0, gradient=[1.0, 0.0])  # the driver carries on
    assert tuner.act()[0] < 0


@pytest.mark.parametrize("name, make, obs_dim, extra", [
    ("tsallis_inf", {"n_arms": 5}, 0, {}),
    ("chebcb", {"n_arms": 4, "low": 0.0, "high": 1.0}, 1, {}),
    ("hedge", {"n_arms": 5, "eta": 0.3}, 0, {}),
    ("optimistic_omd", {"dim": 3}, 0, {"domain": "box", "radius": 2.0}),
])
@pytest.mark.parametrize("pending", [False, True])
def test_a_pickled_stepwise_carries_on_exactly(name, make, obs_dim, extra, pending):
    """A simulation checkpoints its tuner with pickle (between rounds, or after act() before update()): the
    copy and the original then play the same actions and end in the same state."""
    import pickle

    rng = np.random.default_rng(5)
    oco_kind = REGISTRY[name].kind == "oco"
    full = REGISTRY[name].feedback == "full"

    def play(tuner, t, acted=None):
        ctx = [rng_ctx[t]] if obs_dim else None
        a = tuner.act(ctx) if acted is None else acted
        if oco_kind:
            tuner.update(a, float(a @ a), gradient=2 * a - 1)
        else:
            tuner.update(a, LOSSES[t, :make["n_arms"]] if full else LOSSES[t, a])
        return a

    rng_ctx = rng.random(40)
    tuner = olearn.stepwise(olearn.make(name, **make), seed=9, backend="python", obs_dim=obs_dim, **extra)
    for t in range(15):
        play(tuner, t)
    acted = tuner.act([rng_ctx[15]] if obs_dim else None) if pending else None
    copy = pickle.loads(pickle.dumps(tuner))
    assert copy is not tuner and copy.t == tuner.t
    first = 16 if pending else 15
    if pending:
        play(tuner, 15, acted)
        play(copy, 15, acted)
    for t in range(first, 40):
        assert np.array_equal(play(tuner, t), play(copy, t))
    np.testing.assert_array_equal(copy.state, tuner.state)


def test_an_omega_tuner_pickles_mid_sequence():
    import pickle

    from environments.linear_systems import shifted_laplacian
    from olearn import relax

    systems = shifted_laplacian(12, "high", seed=1)
    tuner = relax.OmegaTuner("tsallis_inf_cb", context_range=(-0.15, 0.65), seed=3, backend="python", warm_start=True)
    for s in list(systems)[:6]:
        tuner.solve(s.A, s.b, context=s.context)
    copy = pickle.loads(pickle.dumps(tuner))
    for s in list(systems)[6:]:
        a, b = tuner.solve(s.A, s.b, context=s.context), copy.solve(s.A, s.b, context=s.context)
        assert a[1] == b[1] and np.array_equal(a[0], b[0])
    assert copy.iterations == tuner.iterations


def test_a_learner_outside_the_registry_says_why_it_cannot_be_pickled():
    import dataclasses
    import pickle

    custom = dataclasses.replace(REGISTRY["ucb1"], name="my_ucb")
    tuner = olearn.stepwise(custom.make(n_arms=2), backend="python")
    with pytest.raises(TypeError, match="'my_ucb' cannot be pickled.*registries.*olearn.learners.register"):
        pickle.dumps(tuner)


def test_stepwise_recommendation_and_stop():
    """In the user's own loop: recommend() names the arm, and the plays before the stop once LUCB has stopped;
    a learner with no recommendation of its own is a clear error."""
    rng = np.random.default_rng(2)
    means = np.array([0.9, 0.2, 0.1])  # of rewards; loss = 1 - reward
    tuner = olearn.stepwise(olearn.make("lucb", n_arms=3, delta=0.1), backend="python")
    assert tuner.recommend()[1] is None
    for t in range(2000):
        arm = tuner.act()
        tuner.update(arm, float(rng.random() >= means[arm]))
    arm, stopped = tuner.recommend()
    assert arm == 0 and stopped is not None and 0 < stopped < 2000
    with pytest.raises(olearn.ParameterError, match="best-arm learner"):
        olearn.stepwise(olearn.make("ucb1", n_arms=3), backend="python").recommend()


def test_a_state_too_large_to_hold_is_refused_by_name():
    """n_bins = 10^12 bins of (2 K + 3) numbers each had raised MemoryError in the step-wise driver (and the
    OmegaTuner built on it); olearn.run already refused such a learner."""
    from olearn import relax

    with pytest.raises(olearn.ParameterError, match="'learner' = 'tsallis_inf_cb with 7,000,000,000,000 numbers of state'"):
        olearn.stepwise(olearn.make("tsallis_inf_cb", n_arms=2, n_bins=10**12, low=0.0, high=1.0), seed=0, obs_dim=1,
                        backend="python")
    with pytest.raises(olearn.ParameterError, match="fits in 8 GiB"):
        relax.OmegaTuner("tsallis_inf_cb", context_range=(0.0, 1.0), n_bins=10**12)
