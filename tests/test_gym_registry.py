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
    """Sub-environment i plays seed 10 + i: its losses are the engine's for that seed, round by round."""
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
