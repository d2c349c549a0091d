"""Every world is in gymnasium's registry as ``olearn/<name>-v0``: gymnasium.make and make_vec give the
gym views, with the engine's losses for the same seed (python backend: no compilation)."""
import subprocess
import sys
import warnings

import gymnasium
import numpy as np
import pytest

import environments
import olearn
from environments import gym as olearn_gym


def test_every_world_is_registered():
    assert set(olearn_gym.register_with_gymnasium()) == {f"olearn/{n}-v0" for n in environments.names()}
    assert all(f"olearn/{n}-v0" in gymnasium.registry for n in environments.names())


def test_gymnasium_make_replays_the_engines_losses():
    means = [0.2, 0.5, 0.8]
    run = olearn.run(olearn.make("exp3"), environments.make("bernoulli", means=means), horizon=30, seeds=[4],
                     backend="python", trace=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gymnasium's passive checker remarks on the empty context's Box
        env = gymnasium.make("olearn/bernoulli-v0", means=means, horizon=30)
    assert env.spec.id == "olearn/bernoulli-v0"
    env.reset(seed=4)
    for t in range(30):
        _, reward, terminated, truncated, info = env.step(int(run.actions[0, 0, t]))
        assert info["loss"] == run.losses[0, 0, t] and reward == 1.0 - info["loss"]
        assert not terminated and truncated == (t == 29)


def test_make_vec_gives_the_vector_view_over_consecutive_seeds():
    """Sub-environment i plays seed 10 + i: its losses are the engine's for that seed, round by round; the seeds
    wrap around to 0 past the engine's last."""
    venv = gymnasium.make_vec("olearn/experts-v0", num_envs=3, n_experts=4, gap=0.2, horizon=5)
    assert isinstance(venv, olearn_gym.GymVectorEnv)
    with pytest.raises(RuntimeError, match="reset"):
        venv.step(np.zeros(3, dtype=int))
    _, info = venv.reset(seed=10)
    assert list(info["seed"]) == [10, 11, 12]
    run = olearn.run(olearn.make("hedge"), environments.make("experts", n_experts=4, gap=0.2), horizon=5,
                     seeds=[10, 11, 12], backend="python", trace=True)
    for t in range(5):
        _, _, _, truncated, info = venv.step(run.actions[0, :, t].astype(int))
        np.testing.assert_array_equal(info["loss"], run.losses[0, :, t])
    assert truncated.all()
    # consecutive seeds past the engine's last, 2^63 - 1, go on from 0 (they had left its range)
    _, info = venv.reset(seed=2**63 - 3)
    assert list(info["seed"]) == [2**63 - 3, 2**63 - 2, 2**63 - 1]
    _, info = venv.reset()
    assert list(info["seed"]) == [0, 1, 2]


@pytest.mark.parametrize("name, params, actions", [
    ("bernoulli", {"means": [0.2, 0.5, 0.8]}, lambda t: np.array([t % 3, 2, 0])),
    ("sea_quadratic", {"dim": 2}, lambda t: np.array([[0.1 * t, -0.2], [0.0, 0.3], [-0.4, 0.1 * t]]))])
def test_the_vector_views_info_is_gymnasiums_masked_info_of_the_single_views(name, params, actions):
    """Each key of the single view's info (loss, mean losses; x and gradient on OCO worlds) comes as an array
    with its boolean mask _key, equal to what gymnasium's own SyncVectorEnv builds from the single views; on the
    autoreset step no sub-environment has a loss and each reports its new seed (only 'loss' had been passed on,
    without a mask, so a reset sub-environment's 0 read as a loss)."""
    env = environments.make(name, **params)
    ours = olearn_gym.GymVectorEnv(env, 3, horizon=2)
    sync = gymnasium.vector.SyncVectorEnv([lambda: env.gym(horizon=2) for _ in range(3)])
    (_, a), (_, b) = ours.reset(seed=7), sync.reset(seed=7)
    assert a.keys() == b.keys() == {"seed", "_seed"} and list(a["seed"]) == list(b["seed"]) == [7, 8, 9]
    for t in range(2):
        (*_, a), (*_, b) = ours.step(actions(t)), sync.step(actions(t))
        assert a.keys() == b.keys() and {"loss", "_loss", "mean_loss", "_mean_loss"} <= a.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        assert all(a[k].all() for k in a if k.startswith("_"))
    *_, a = ours.step(actions(2))
    assert a.keys() == {"seed", "_seed"} and a["_seed"].all() and list(a["seed"]) == [10, 11, 12]


def test_bad_parameters_are_the_worlds_own_errors():
    with pytest.raises(olearn.ParameterError, match="'means'"):
        gymnasium.make("olearn/bernoulli-v0", means=[2.0])


def test_a_fresh_interpreter_reaches_the_worlds_through_the_module_prefix():
    code = ("import gymnasium\n"
            "env = gymnasium.make('environments.gym:olearn/sea_quadratic-v0', dim=2, horizon=3)\n"
            "print(env.reset(seed=0)[0].shape)\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "(2,)"


def test_an_explicit_reset_seed_decides_the_later_episodes_too():
    """gymnasium's contract: after reset(seed=s), the episodes of later reset() calls follow from s alone (the
    constructor's seed is for a first reset() without one; it had come back on the second reset, so the
    sub-environments of a SyncVectorEnv all replayed seed 0 after their autoreset)."""
    env = environments.make("bernoulli", means=[0.3, 0.6])
    a, b = env.gym(seed=0, horizon=3), env.gym(seed=5, horizon=3)
    a.reset(seed=10)
    b.reset(seed=10)
    assert a.reset()[1]["seed"] == b.reset()[1]["seed"]
    assert [a.step(1)[4]["loss"] for _ in range(3)] == [b.step(1)[4]["loss"] for _ in range(3)]
    venv = gymnasium.vector.SyncVectorEnv([lambda: env.gym(horizon=2) for _ in range(3)])
    venv.reset(seed=10)
    for _ in range(2):
        venv.step(np.zeros(3, dtype=int))
    _, _, _, _, info = venv.step(np.zeros(3, dtype=int))  # the next-step autoreset of every sub-environment
    assert len(set(info["seed"].tolist())) == 3


def test_points_of_the_ball_and_simplex_as_computed_lie_in_the_action_space():
    """A projected point counts as in X up to relative 1e-12 and is played as it is (info["x"]); the action Box
    holds it: the simplex vertex 5 - (5 - 0.7) = 0.7000000000000002 had fallen outside Box(0, 0.7)."""
    from olearn.engine import domains

    rng = np.random.default_rng(1)
    for domain, code in (("simplex", domains.SIMPLEX), ("ball", domains.BALL)):
        for r in (0.1, 0.3, 0.7, 2.0):
            gym_env = environments.make("sea_linear", dim=3, domain=domain, radius=r).gym(horizon=30)
            gym_env.reset(seed=0)
            for y in [np.array([5.0, 0.0, -1.0])] + [rng.normal(size=3) * 10 for _ in range(29)]:
                x = np.zeros(3)
                domains.project(code, r, 3, y, x)
                size = np.sum(x) if code == domains.SIMPLEX else np.linalg.norm(x)
                assert abs(size - r) <= 1e-13 * r and (code != domains.SIMPLEX or np.all(x >= 0.0))  # in X, on its boundary
                assert gym_env.action_space.contains(x), (domain, r, x)
                assert np.array_equal(gym_env.step(x)[4]["x"], x)


def test_gymnasium_render_mode_none_is_accepted_and_others_are_refused_by_name():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gymnasium.make("olearn/bernoulli-v0", means=[0.2, 0.8], horizon=3, render_mode=None)
        assert env.render_mode is None and env.reset(seed=1)[1]["seed"] == 1
        assert isinstance(gymnasium.make_vec("olearn/bernoulli-v0", num_envs=2, means=[0.2, 0.8], render_mode=None),
                          olearn_gym.GymVectorEnv)
        with pytest.raises(olearn.ParameterError, match="'render_mode'.*allowed: None"):
            gymnasium.make("olearn/bernoulli-v0", means=[0.2, 0.8], render_mode="human")
