"""Every olearn environment as a :class:`gymnasium.Env`, and over seeds as a :class:`gymnasium.vector.VectorEnv`.

The adapters call the environment's own kernels (uncompiled), so an outside agent sees exactly
the losses the engine uses for the same seed.  Conventions:

* action: the arm, ``Discrete(K)``;
* observation: the round's context (a ``Box`` of length ``max(1, obs_dim)``; zeros when the world has none);
* reward: ``1 - loss`` (the reward of Bernoulli and Gaussian arms);
* an episode is ``horizon`` rounds: it is truncated, never terminated;
* ``info``: the loss, the played arm's mean loss and the best mean loss of the round (when the world has means).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from olearn.core.errors import ParameterError, check_integer
from olearn.core.spec import Environment


def _context_space(env: Environment) -> spaces.Box:
    if env.obs_dim == 0:
        return spaces.Box(0.0, 0.0, shape=(1,), dtype=np.float64)  # no context: a constant zero
    return spaces.Box(-np.inf, np.inf, shape=(env.obs_dim,), dtype=np.float64)


class _Stepper:
    """One seed of an arms environment, stepped with its kernels."""

    def __init__(self, env: Environment):
        self.env, self.type = env, env.type
        self.params = env.row()
        self.state = np.zeros(env.state_size())
        self.obs = np.zeros(max(1, env.obs_dim))
        self.seed, self.t = 0, 0

    def reset(self, seed: int):
        self.seed, self.t = int(seed), 0
        self.state[:] = 0.0
        with np.errstate(over="ignore"):
            self.type.reset(self.state, self.params, self.seed)
            self.type.observe(self.state, self.params, 0, self.seed, self.obs)
        return self.obs.copy()

    def step(self, arm: int):
        t, ty, st, p, obs = self.t, self.type, self.state, self.params, self.obs
        with np.errstate(over="ignore"):
            loss = ty.loss(st, p, obs, t, self.seed, arm)
            info = {"loss": float(loss)}
            if ty.has_means:
                info["mean_loss"] = float(ty.mean_loss(st, p, obs, t, arm))
                info["best_mean_loss"] = float(ty.best_mean_loss(st, p, obs, t))
            ty.advance(st, p, obs, arm, loss, t, self.seed)
            self.t += 1
            ty.observe(st, p, self.t, self.seed, obs)
        return obs.copy(), 1.0 - float(loss), info


def episode_length(env: Environment, horizon: int | None) -> int:
    """Rounds per episode: ``horizon``, or the environment's own length (a loss table's rows), else 1000."""
    if getattr(env.type, "kind", "arms") != "arms":
        raise ParameterError("gym", "env", env.name, f"an environment with arms (this one is of kind {env.type.kind!r})")
    cap = env.type.max_horizon(env.values)
    if horizon is None:
        return cap if cap is not None else 1000
    return check_integer("gym", "horizon", horizon, 1, cap, meaning=f"the rounds that {env.name} defines" if cap else "")


def check_seed(seed, last: int = 0) -> int:
    """``seed`` as an ``int`` when the seeds ``seed .. seed + last`` are ones the engine accepts (integers in [0, 2^63 - 1])."""
    what = "the engine's seeds are integers in [0, 2^63 - 1]"
    meaning = f"seeds seed .. seed + {last}: {what}" if last else what
    return check_integer("gym", "seed", seed, 0, 2**63 - 1 - last, meaning=meaning)


class ArmsEnv(gym.Env):
    """A gymnasium view of an olearn environment with K arms (one seed per episode)."""

    metadata = {"render_modes": []}

    def __init__(self, env: Environment, horizon: int | None = None, seed: int | None = None):
        self.source, self.horizon = env, episode_length(env, horizon)
        self.action_space = spaces.Discrete(env.n_actions)
        self.observation_space = _context_space(env)
        self._stepper = _Stepper(env)
        self._stepper.t = self.horizon  # no episode until reset()
        self._default_seed = None if seed is None else check_seed(seed)

    def reset(self, *, seed: int | None = None, options=None):
        if seed is not None:
            seed = check_seed(seed)
        super().reset(seed=seed)
        if seed is None:
            seed = self._default_seed if self._default_seed is not None else int(self.np_random.integers(0, 2**31))
            self._default_seed = None
        obs = self._stepper.reset(seed)
        return obs, {"seed": int(seed)}

    def step(self, action):
        if not self.action_space.contains(action):
            raise ValueError(f"ArmsEnv: action {action!r} is invalid; allowed: an arm in 0..{self.action_space.n - 1}")
        if self._stepper.t >= self.horizon:
            raise RuntimeError(f"ArmsEnv: no episode is running (it ended at its horizon of {self.horizon} rounds, "
                               "or reset() was never called): call reset()")
        obs, reward, info = self._stepper.step(int(action))
        truncated = self._stepper.t >= self.horizon
        return obs, reward, False, truncated, info


class ArmsVectorEnv(VectorEnv):
    """``num_envs`` seeds of an olearn environment stepped together (next-step autoreset)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, env: Environment, num_envs: int, horizon: int | None = None):
        self.source, self.num_envs = env, check_integer("gym", "num_envs", num_envs, 1)
        self.horizon = episode_length(env, horizon)
        self.single_action_space = spaces.Discrete(env.n_actions)
        self.single_observation_space = _context_space(env)
        self.action_space = spaces.MultiDiscrete([env.n_actions] * self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._steppers = [_Stepper(env) for _ in range(self.num_envs)]
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)
        self._next_seed = 0

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._next_seed = check_seed(seed, self.num_envs - 1)
        seeds = self._next_seed + np.arange(self.num_envs)
        self._next_seed += self.num_envs
        obs = np.stack([s.reset(int(sd)) for s, sd in zip(self._steppers, seeds)])
        self._needs_reset[:] = False
        return obs, {"seed": seeds}

    def step(self, actions):
        actions = np.asarray(actions)
        if not self.action_space.contains(actions):  # checked before any seed steps, so none is left half-stepped
            raise ValueError(f"ArmsVectorEnv: actions {actions!r} are invalid; allowed: {self.num_envs} integer arms, "
                             f"each in 0..{self.single_action_space.n - 1}")
        obs = np.zeros(self.observation_space.shape)
        rewards = np.zeros(self.num_envs)
        truncated = np.zeros(self.num_envs, dtype=bool)
        losses = np.zeros(self.num_envs)
        for i, stepper in enumerate(self._steppers):
            if self._needs_reset[i]:
                obs[i] = stepper.reset(self._next_seed)
                self._next_seed += 1
                self._needs_reset[i] = False
                continue
            obs[i], rewards[i], info = stepper.step(int(actions[i]))
            losses[i] = info["loss"]
            truncated[i] = stepper.t >= self.horizon
        self._needs_reset = truncated.copy()
        return obs, rewards, np.zeros(self.num_envs, dtype=bool), truncated, {"loss": losses}


def as_env(env: Environment, horizon: int | None = None, seed: int | None = None) -> ArmsEnv:
    return ArmsEnv(env, horizon=horizon, seed=seed)


def as_vector_env(env: Environment, num_envs: int, horizon: int | None = None) -> ArmsVectorEnv:
    return ArmsVectorEnv(env, num_envs=num_envs, horizon=horizon)
