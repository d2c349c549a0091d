"""check_learner on deliberately broken user learners: each is flagged with an AssertionError naming the property."""
import dataclasses
import math

import numpy as np
import pytest

from olearn import learners, testing
from olearn.core.kernel import kernel
from olearn.learners.bandits import mean_update

UCB1 = learners.REGISTRY["ucb1"]  # state n[K], s[K], means[K], sqrt(1 / n[K]): 4 K slots
UCB1_UPDATE = UCB1.update


def _broken(name, **kernels):
    return dataclasses.replace(UCB1, name=name, test_params=({},), **kernels)


def test_a_state_that_turns_infinite_on_the_world_is_flagged():
    """'finite state' is checked on the engine's run, not only on the step-wise run fed uniform draws in [0, 1):
    a log-reward accumulator written -inf at a loss of exactly 1 (which Bernoulli arms give) is not finite."""

    @kernel
    def log_reward_update(state, params, obs, action, feedback, t, seed):
        UCB1_UPDATE(state, params, obs, action, feedback, t, seed)
        k = int(params[0])
        state[4 * k] += -math.inf if feedback[0] == 1.0 else math.log(1.0 - feedback[0])

    broken = _broken("log_reward", update=log_reward_update, state_size=lambda v, k, d: 4 * k + 1)
    with pytest.raises(AssertionError, match=r"log_reward on bernoulli: state not finite after 40 rounds"):
        testing.check_learner(broken)


def test_a_nondeterministic_state_is_flagged():
    """Ambient NumPy randomness in a state slot the arms do not depend on (a running diagnostic) is a
    nondeterministic run: the final states of two runs of the same seeds differ, though every arm played agrees."""

    @kernel
    def jitter_update(state, params, obs, action, feedback, t, seed):
        UCB1_UPDATE(state, params, obs, action, feedback, t, seed)
        state[4 * int(params[0])] += np.random.random()

    broken = _broken("jitter", update=jitter_update, state_size=lambda v, k, d: 4 * k + 1)
    with pytest.raises(AssertionError, match=r"jitter on bernoulli: determinism: states differ"):
        testing.check_learner(broken)


def test_an_arm_out_of_range_is_flagged_before_compiled_code_runs_it():
    """Arm K is reported as an AssertionError (from the bounds-checked python backend), not a bare IndexError."""

    @kernel
    def arm_k_act(state, params, obs, t, seed, action):
        action[0] = params[0] if t == 5 else 0.0

    with pytest.raises(AssertionError, match=r"arm_k on bernoulli: the python backend raised IndexError"):
        testing.check_learner(_broken("arm_k", act=arm_k_act))


def test_a_write_past_the_declared_state_is_flagged():
    """A write one past the declared state size (in compiled code: into the world's state) is an AssertionError."""

    @kernel
    def past_update(state, params, obs, action, feedback, t, seed):
        mean_update(state, params, obs, action, feedback, t, seed)
        state[4 * int(params[0])] = 1.0

    with pytest.raises(AssertionError, match=r"past_state on bernoulli: the python backend raised IndexError"):
        testing.check_learner(_broken("past_state", update=past_update))
