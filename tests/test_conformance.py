"""The conformance checker over the whole registry: every learner and every environment."""
import pytest

import environments
from olearn import learners, testing


@pytest.mark.parametrize("name", [n for n in learners.names() if learners.REGISTRY[n].kind != "oco"])  # oco: test_oco_parity.py
def test_learner_conforms(name):
    testing.check_learner(learners.REGISTRY[name])


@pytest.mark.parametrize("name", [n for n in environments.names() if environments.REGISTRY[n].kind != "oco"])
def test_environment_conforms(name):
    testing.check_environment(environments.REGISTRY[name])


def test_checker_detects_a_broken_learner():
    """A learner drawing from ambient NumPy randomness (not the counter-based generator) fails parity."""
    import dataclasses

    import numpy as np

    from olearn.core.kernel import kernel

    @kernel
    def ambient_act(state, params, obs, t, seed, action):
        action[0] = int(np.random.random() * params[0])

    broken = dataclasses.replace(learners.REGISTRY["ucb1"], name="broken", act=ambient_act, test_params=({},))
    with pytest.raises(AssertionError, match="differ"):
        testing.check_learner(broken)


def test_vector_env_steps_every_seed():
    import gymnasium
    import numpy as np

    from environments.gym import as_vector_env

    env = environments.make("bernoulli", means=[0.1, 0.9])
    venv = as_vector_env(env, num_envs=3, horizon=5)
    obs, info = venv.reset(seed=10)
    assert obs.shape == (3, 1) and list(info["seed"]) == [10, 11, 12]
    assert venv.observation_space == gymnasium.vector.utils.batch_space(venv.single_observation_space, 3)
    assert venv.observation_space.contains(obs)
    total = np.zeros(3)
    for t in range(5):
        _, reward, term, trunc, info = venv.step(np.array([1, 1, 1]))
        total += reward
        assert not term.any() and trunc.all() == (t == 4)
    # the same seeds through the engine give the same losses for arm 1
    import olearn
    from olearn.core import rng

    expected = [[0.0 if rng.uniform(s, rng.ENV, t, 1) < 0.9 else 1.0 for t in range(5)] for s in (10, 11, 12)]
    assert np.allclose(total, 5 - np.sum(expected, axis=1))
    assert olearn is not None
