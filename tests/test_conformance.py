"""The conformance checker over the whole registry: every learner and every environment."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import conformal, learners, testing


@pytest.mark.parametrize("name", [n for n in learners.names() if learners.REGISTRY[n].kind != "oco"])  # oco: test_oco_parity.py
def test_learner_conforms(name):
    testing.check_learner(learners.REGISTRY[name])


# ids name the learner that plays the world first (exp3-bernoulli): tests/conftest.py sends a test to the worker
# of the learner its id starts with, where test_parity.py compiles the same pairing
@pytest.mark.parametrize("name", [n for n in environments.names() if environments.REGISTRY[n].kind != "oco"],
                         ids=lambda n: f"{testing.probe_learner(environments.REGISTRY[n])}-{n}")
def test_environment_conforms(name):
    testing.check_environment(environments.REGISTRY[name])


@pytest.mark.parametrize("name", conformal.names())
def test_conformal_method_conforms(name):
    """Conformal methods (kind 'scores') on a change-point stream: determinism, parity, radii >= 0, parameter errors."""
    testing.check_learner(conformal.REGISTRY[name])


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


def test_checker_catches_python_and_cpu_parting_at_a_range_end():
    """Python's math.log(0) raises ValueError where compiled code returns -inf: a learner that conforms at its
    test_params but takes ln(c - 1) fails check_learner at c's lower end, 1 (its runs there differ by backend)."""
    import dataclasses

    from olearn.core.kernel import kernel
    from olearn.core.params import Param

    @kernel
    def parting_act(state, params, obs, t, seed, action):
        action[0] = 0.0 if math.log(params[1] - 1.0) > -1.0 else 1.0

    ucb1 = learners.REGISTRY["ucb1"]
    parting = dataclasses.replace(ucb1, name="parting", act=parting_act, test_params=({}, {"c": 3.0}),
                                  params=(ucb1.params[0], Param("c", 1.5, "a constant", low=1.0, high=4.0)))
    with pytest.raises(AssertionError, match=r"parting\(c=1.0\) with bernoulli: the python backend raised ValueError"):
        testing.check_learner(parting)
    cpu = olearn.run(parting.make(c=1.0), environments.make("bernoulli"), horizon=3, seeds=1, backend="cpu", trace=True)
    assert np.all(cpu.actions == 1.0)  # ln 0 = -inf compiled


def test_checker_catches_a_world_parting_at_a_range_end():
    """The world's side: Gaussian arms whose loss is ln(sigma) conform at sigma = 0.5 (their test_params) and fail
    check_environment at sigma's lower end, 0, where Python's math.log raises and compiled code gives -inf."""
    import dataclasses

    from olearn.core.kernel import kernel

    @kernel
    def log_sigma_loss(es, ep, obs, t, seed, k):
        return math.log(ep[2])  # row = [K, 1 - max mean, sigma, means]

    parting = dataclasses.replace(environments.REGISTRY["gaussian"], name="log_sigma", loss=log_sigma_loss)
    with pytest.raises(AssertionError, match=r"log_sigma\(sigma=0.0\) with exp3: the python backend raised ValueError"):
        testing.check_environment(parting)


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
    rewards = []
    for t in range(5):
        _, reward, term, trunc, info = venv.step(np.array([1, 1, 1]))
        rewards.append(reward)
        assert not term.any() and trunc.all() == (t == 4)
    # each seed's own Bernoulli draws for arm 1 (mean 0.9): loss 0 where the world's uniform is below 0.9, else 1
    from olearn.core import rng

    expected = np.array([[0.0 if rng.uniform(s, rng.ENV, t, 1) < 0.9 else 1.0 for t in range(5)] for s in (10, 11, 12)])
    assert 0 < expected.sum() < expected.size  # some draws lose and some win: a constant reward would not pass
    np.testing.assert_array_equal(np.array(rewards).T, 1.0 - expected)  # round by round, seed by seed


def test_vector_env_refuses_invalid_actions_before_stepping_any_seed():
    """An arm outside 0..K-1, a fractional arm or the wrong number of actions is a ValueError, and no seed moves
    (an arm past K had read another segment's mean, a fractional one was truncated, a short list stepped some seeds)."""
    import numpy as np

    from environments.gym import as_vector_env

    env = environments.make("piecewise_bernoulli")  # 2 arms
    venv, fresh = as_vector_env(env, num_envs=2, horizon=4), as_vector_env(env, num_envs=2, horizon=4)
    venv.reset(seed=3)
    fresh.reset(seed=3)
    for bad in ([2, 0], [0, -1], [0.7, 1.0], [1], [0, 1, 1]):
        with pytest.raises(ValueError, match="invalid; allowed: 2 actions, each an arm in 0..1"):
            venv.step(np.asarray(bad))
    for t in range(4):
        a, b = venv.step([1, 0]), fresh.step([1, 0])
        assert np.array_equal(a[1], b[1]) and np.array_equal(a[3], b[3])


@pytest.mark.parametrize("seed", [-1, 1.5, 2**64, True])
def test_gym_views_refuse_seeds_the_engine_does_not_accept(seed):
    """Seeds are integers in [0, 2^63 - 1] as in olearn.run (1.5 had become seed 1, -1 and 2^64 had overflowed)."""
    from olearn.core.errors import ParameterError
    from environments.gym import as_vector_env

    env = environments.make("bernoulli", means=[0.2, 0.8])
    with pytest.raises(ParameterError, match="'seed'"):
        env.gym(seed=seed)
    with pytest.raises(ParameterError, match="'seed'"):
        env.gym(horizon=3).reset(seed=seed)
    with pytest.raises(ParameterError, match="'seed'"):
        as_vector_env(env, num_envs=2, horizon=3).reset(seed=seed)
    with pytest.raises(ParameterError, match="'seed'"):
        as_vector_env(env, num_envs=2, horizon=3).reset(seed=2**63 - 1)  # its second seed would be 2^63


OCO_WORLDS = [n for n in environments.names() if environments.REGISTRY[n].kind == "oco"]


@pytest.mark.parametrize("name", OCO_WORLDS)
def test_oco_worlds_are_gymnasium_envs_with_the_engines_losses(name):
    """gymnasium's checker passes, and points a learner played in olearn.run give the engine's losses round by
    round (dimension 1, where the trace holds the whole point; the adaptive drift looks at the point)."""
    import warnings

    import gymnasium.utils.env_checker as gym_checker
    import numpy as np

    import olearn
    from environments.gym import as_vector_env

    etype = environments.REGISTRY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checker's notes on unbounded observation boxes
        for params in etype.test_params:
            gym_checker.check_env(environments.make(name, **params).gym(horizon=5), skip_render_check=True)
    one = {**etype.test_params[0], "dim": 1} if "dim" in [p.name for p in etype.params] else None
    if one is None:  # a data stream: its dimension is its data's
        return
    if name == "sea_quadratic":
        one["drift"] = "adaptive"
    env = environments.make(name, **one)
    run = olearn.run(olearn.make("ogd"), env, horizon=25, seeds=[7], backend="python", trace=True)
    assert np.ptp(run.actions[0, 0]) > 0  # the learner moves
    gym_env = env.gym(horizon=25)
    gym_env.reset(seed=7)
    losses = [gym_env.step(np.array([run.actions[0, 0, t]]))[4]["loss"] for t in range(25)]
    np.testing.assert_array_equal(losses, run.losses[0, 0])
    venv = as_vector_env(env, num_envs=2, horizon=25)
    venv.reset(seed=7)
    rewards = [venv.step(np.array([[run.actions[0, 0, t]]] * 2))[1][0] for t in range(25)]
    np.testing.assert_array_equal(rewards, -run.losses[0, 0])


def test_an_oco_gym_step_projects_the_point_and_observes_the_gradient():
    """sea_quadratic without noise and drift: f_t(x) = ||x - theta||^2 / 2, so the gradient is x - theta (the
    same theta every round) and f = ||gradient||^2 / 2; a point outside the ball is played at its projection."""
    import numpy as np

    env = environments.make("sea_quadratic", dim=3, noise=0.0, drift="fixed", radius=1.0)
    gym_env = env.gym(horizon=4)
    obs, _ = gym_env.reset(seed=3)
    assert np.all(obs == 0.0)
    thetas = []
    for point in ([0.1, -0.2, 0.3], [3.0, 4.0, 0.0], [0.0, 0.0, 0.0]):
        obs, reward, _, _, info = gym_env.step(np.array(point))
        x = np.array(point) / max(1.0, np.linalg.norm(point))
        np.testing.assert_allclose(info["x"], x, rtol=1e-15)
        assert np.array_equal(obs, info["gradient"])
        assert reward == -info["loss"] and info["loss"] == pytest.approx(0.5 * obs @ obs, rel=1e-14)
        assert info["mean_loss"] == pytest.approx(info["loss"], rel=1e-14)
        thetas.append(info["x"] - obs)
    np.testing.assert_allclose(thetas, [thetas[0]] * 3, atol=1e-15)
    assert info["best_mean_loss"] == pytest.approx(0.0, abs=1e-30)  # theta (norm kappa = 0.5) lies in the ball
    with pytest.raises(ValueError, match="allowed: a finite point of R\\^3"):
        gym_env.step(np.array([np.nan, 0.0, 0.0]))
