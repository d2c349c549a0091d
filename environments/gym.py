"""Every olearn environment as a :class:`gymnasium.Env`, and over seeds as a :class:`gymnasium.vector.VectorEnv`.

The adapters call the environment's own kernels (uncompiled), so an outside agent sees exactly
the losses the engine uses for the same seed.  An episode is ``horizon`` rounds: it is truncated,
never terminated.  Worlds with arms (kind ``arms``):

* action: the arm, ``Discrete(K)``;
* observation: the round's context (a ``Box`` of length ``max(1, obs_dim)``; zeros when the world has none; on
  sleeping worlds the awake mask, and the agent is trusted to play an awake arm);
* reward: ``1 - loss`` (the reward of Bernoulli and Gaussian arms);
* ``info``: the loss, the played arm's mean loss and the best mean loss of the round (when the world has means).

Online convex optimization worlds (kind ``oco``, feasible set X of dimension d):

* action: a point of R^d, a ``Box`` over X's bounding box (unbounded for ``free``; for a ball or simplex widened
  by the rounding below, so the points of X as computed, e.g. a simplex vertex, lie in it); a point outside X
  (beyond rounding, relative 1e-12) is projected onto it (Euclidean projection, :mod:`olearn.engine.domains`),
  and ``info["x"]`` is the point played;
* observation: the gradient of the last round's loss at the point played (zeros after ``reset``),
  the full-information feedback of OCO;
* reward: ``-f_t(x_t)``;
* ``info``: the loss f_t(x_t), ``x``, the ``gradient`` and, when the world has means, ``mean_loss``
  F_t(x_t) and ``best_mean_loss`` min_X F_t (their differences sum to the dynamic regret).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from olearn.core.errors import check_integer
from olearn.core.spec import Environment
from olearn.engine import domains
from olearn.engine.run import check_horizon


def _context_space(env: Environment) -> spaces.Box:
    if env.obs_dim == 0:
        return spaces.Box(0.0, 0.0, shape=(1,), dtype=np.float64)  # no context: a constant zero
    return spaces.Box(-np.inf, np.inf, shape=(env.obs_dim,), dtype=np.float64)


class _ArmsStepper:
    """One seed of an arms environment, stepped with its kernels."""

    def __init__(self, env: Environment):
        self.env, self.type = env, env.type
        self.params = env.row()
        self.state = np.zeros(env.state_size())
        self.obs = np.zeros(max(1, env.obs_dim))
        self.seed, self.t = 0, 0
        self.rounds = env.type.max_horizon(env.values)  # a world read from a table has no round past its last row
        self.action_space = spaces.Discrete(env.n_actions)
        self.observation_space = _context_space(env)
        self.allowed = f"an arm in 0..{env.n_actions - 1}"

    def valid(self, action) -> bool:
        return self.action_space.contains(action)

    def reset(self, seed: int):
        self.seed, self.t = int(seed), 0
        self.state[:] = 0.0
        with np.errstate(over="ignore"):
            self.type.reset(self.state, self.params, self.seed)
            self.type.observe(self.state, self.params, 0, self.seed, self.obs)
        return self.obs.copy()

    def step(self, action):
        arm = int(action)
        t, ty, st, p, obs = self.t, self.type, self.state, self.params, self.obs
        with np.errstate(over="ignore"):
            loss = ty.loss(st, p, obs, t, self.seed, arm)
            info = {"loss": float(loss)}
            if ty.has_means:
                info["mean_loss"] = float(ty.mean_loss(st, p, obs, t, arm))
                info["best_mean_loss"] = float(ty.best_mean_loss(st, p, obs, t))
            ty.advance(st, p, obs, arm, loss, t, self.seed)
            self.t += 1
            if self.rounds is None or self.t < self.rounds:  # after the last row the last context stays
                ty.observe(st, p, self.t, self.seed, obs)
        return obs.copy(), 1.0 - float(loss), info


class _OcoStepper:
    """One seed of an oco world: the point is projected onto X, f_t drawn (it may look at the point),
    and the gradient there is the next observation; the kernels run in the engine's order."""

    def __init__(self, env: Environment):
        self.env, self.type = env, env.type
        self.params = env.row()
        self.d, self.code, self.radius = env.n_actions, int(self.params[1]), float(self.params[2])
        self.state = np.zeros(env.state_size())
        self.x, self.grad, self.u = np.zeros(self.d), np.zeros(self.d), np.zeros(self.d)
        self.seed, self.t = 0, 0
        # X's points as computed lie in X up to rounding (_in_set), a simplex vertex tau + r - tau or a rescaled
        # ball point a few ulps past r: the bounding box is widened by the same relative rounding
        wide = self.radius * (1.0 + _REL)
        low, high = {domains.BALL: (-wide, wide), domains.BOX: (-self.radius, self.radius),
                     domains.SIMPLEX: (0.0, wide)}.get(self.code, (-np.inf, np.inf))
        self.action_space = spaces.Box(low, high, shape=(self.d,), dtype=np.float64)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(self.d,), dtype=np.float64)
        self.allowed = f"a finite point of R^{self.d} (projected onto the {domains.NAMES[self.code]} X)"

    def valid(self, action) -> bool:
        try:
            point = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return point.shape == (self.d,) and bool(np.all(np.isfinite(point)))

    def reset(self, seed: int):
        self.seed, self.t = int(seed), 0
        self.state[:] = 0.0
        with np.errstate(over="ignore"):  # the counter-based generator wraps in uint64 on purpose
            self.type.reset(self.state, self.params, self.seed)
        self.grad[:] = 0.0
        return self.grad.copy()

    def step(self, action):
        ty, st, p, x = self.type, self.state, self.params, self.x
        point = np.asarray(action, dtype=np.float64)
        if _in_set(self.code, self.radius, point):
            x[:] = point  # a learner's own point: projecting it again would move it by rounding
        else:
            domains.project(self.code, self.radius, self.d, point, x)
        with np.errstate(over="ignore", invalid="ignore"):
            ty.draw(st, p, x, self.t, self.seed)
            loss = ty.loss_grad(st, p, x, self.grad)
            info = {"loss": float(loss), "x": x.copy(), "gradient": self.grad.copy()}
            if ty.has_means:
                info["mean_loss"] = float(ty.mean_loss(st, p, x))
                info["best_mean_loss"] = float(ty.round_best(st, p, self.u))
        self.t += 1
        return self.grad.copy(), -float(loss), info


_REL = 1e-12  # relative rounding within which a point counts as in X


def _in_set(code: int, r: float, x: np.ndarray, rel: float = _REL) -> bool:
    """x lies in X up to rounding (relative ``rel``): a simplex point's sum, a ball point's norm."""
    if code == domains.BALL:
        return float(np.linalg.norm(x)) <= r * (1.0 + rel)
    if code == domains.BOX:
        return bool(np.all(np.abs(x) <= r))
    if code == domains.SIMPLEX:
        return bool(np.all(x >= 0.0)) and abs(float(np.sum(x)) - r) <= rel * r
    return True


def _stepper(env: Environment):
    return _OcoStepper(env) if env.type.kind == "oco" else _ArmsStepper(env)


def episode_length(env: Environment, horizon: int | None) -> int:
    """Rounds per episode: ``horizon``, or the environment's own length (a loss table's rows), else 1000."""
    cap = env.type.max_horizon(env.values)
    if horizon is None:
        return cap if cap is not None else 1000
    if cap is None:
        return check_horizon("gym", horizon)
    return check_integer("gym", "horizon", horizon, 1, cap, meaning=f"the rounds that {env.name} defines")


MAX_ENVS = 10**5  # a vector view's worlds: each is a Python object stepped in turn (10^7 took minutes to build)
_SEEDS = 2**63  # the engine's seeds are 0 .. 2^63 - 1; the vector env's consecutive seeds wrap around to 0


def check_seed(seed, last: int = 0) -> int:
    """``seed`` as an ``int`` when the seeds ``seed .. seed + last`` are ones the engine accepts (integers in [0, 2^63 - 1])."""
    what = "the engine's seeds are integers in [0, 2^63 - 1]"
    meaning = f"seeds seed .. seed + {last}: {what}" if last else what
    return check_integer("gym", "seed", seed, 0, 2**63 - 1 - last, meaning=meaning)


class GymEnv(gym.Env):
    """A gymnasium view of an olearn environment (one seed per episode)."""

    metadata = {"render_modes": []}

    def __init__(self, env: Environment, horizon: int | None = None, seed: int | None = None):
        self.source, self.horizon = env, episode_length(env, horizon)
        self._stepper = _stepper(env)
        self.action_space = self._stepper.action_space
        self.observation_space = self._stepper.observation_space
        self._stepper.t = self.horizon  # no episode until reset()
        self._default_seed = None if seed is None else check_seed(seed)

    def reset(self, *, seed: int | None = None, options=None):
        if seed is not None:
            seed = check_seed(seed)
            self._default_seed = None  # the constructor's seed is for a first reset() without one only
        super().reset(seed=seed)
        if seed is None:
            seed = self._default_seed if self._default_seed is not None else int(self.np_random.integers(0, 2**31))
            self._default_seed = None
        obs = self._stepper.reset(seed)
        return obs, {"seed": int(seed)}

    def step(self, action):
        if not self._stepper.valid(action):
            raise ValueError(f"GymEnv: action {action!r} is invalid; allowed: {self._stepper.allowed}")
        if self._stepper.t >= self.horizon:
            raise RuntimeError(f"GymEnv: no episode is running (it ended at its horizon of {self.horizon} rounds, "
                               "or reset() was never called): call reset()")
        obs, reward, info = self._stepper.step(action)
        truncated = self._stepper.t >= self.horizon
        return obs, reward, False, truncated, info


class GymVectorEnv(VectorEnv):
    """``num_envs`` seeds of an olearn environment stepped together (next-step autoreset).

    ``info`` follows gymnasium's vector convention: each key of the single view's info (``loss``,
    ``mean_loss``, ``best_mean_loss``; ``x`` and ``gradient`` for OCO worlds) is an array over the
    sub-environments with a boolean mask ``_key`` saying which of them have it. A sub-environment that
    autoresets this step reports its new ``seed`` (mask ``_seed``) and no loss, as ``SyncVectorEnv`` does.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, env: Environment, num_envs: int, horizon: int | None = None):
        self.source, self.num_envs = env, check_integer("gym", "num_envs", num_envs, 1, MAX_ENVS, "worlds stepped one by "
                                                        "one in Python; olearn.run takes millions of seeds")
        self.horizon = episode_length(env, horizon)
        self._steppers = [_stepper(env) for _ in range(self.num_envs)]
        self.single_action_space = self._steppers[0].action_space
        self.single_observation_space = self._steppers[0].observation_space
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)
        self._next_seed = 0
        self._started = False  # step() before the first reset() is an error, as for GymEnv

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._next_seed = check_seed(seed, self.num_envs - 1)
        seeds = np.array([(self._next_seed + j) % _SEEDS for j in range(self.num_envs)], dtype=np.int64)  # then from 0
        self._next_seed = (self._next_seed + self.num_envs) % _SEEDS
        obs = np.stack([s.reset(int(sd)) for s, sd in zip(self._steppers, seeds)])
        self._needs_reset[:] = False
        self._started = True
        return obs, {"seed": seeds, "_seed": np.ones(self.num_envs, dtype=bool)}

    def step(self, actions):
        if not self._started:
            raise RuntimeError("GymVectorEnv: call reset() before step() (no seed has been drawn for the sub-environments)")
        first = self._steppers[0]
        ok = len(actions) == self.num_envs and all(first.valid(a) for a in actions) if np.ndim(actions) >= 1 else False
        if not ok:  # checked before any seed steps, so none is left half-stepped
            raise ValueError(f"GymVectorEnv: actions {np.asarray(actions)!r} are invalid; allowed: {self.num_envs} actions, "
                             f"each {first.allowed}")
        obs = np.zeros(self.observation_space.shape)
        rewards = np.zeros(self.num_envs)
        truncated = np.zeros(self.num_envs, dtype=bool)
        infos = {}
        for i, stepper in enumerate(self._steppers):
            if self._needs_reset[i]:
                obs[i] = stepper.reset(self._next_seed)
                infos = self._add_info(infos, {"seed": np.int64(self._next_seed)}, i)
                self._next_seed = (self._next_seed + 1) % _SEEDS
                self._needs_reset[i] = False
                continue
            obs[i], rewards[i], info = stepper.step(actions[i])
            infos = self._add_info(infos, info, i)
            truncated[i] = stepper.t >= self.horizon
        self._needs_reset = truncated.copy()
        return obs, rewards, np.zeros(self.num_envs, dtype=bool), truncated, infos


def as_env(env: Environment, horizon: int | None = None, seed: int | None = None) -> GymEnv:
    return GymEnv(env, horizon=horizon, seed=seed)


def as_vector_env(env: Environment, num_envs: int, horizon: int | None = None) -> GymVectorEnv:
    return GymVectorEnv(env, num_envs=num_envs, horizon=horizon)


def _check_render_mode(render_mode) -> None:
    """gymnasium's ``render_mode`` keyword: the worlds draw nothing (``metadata["render_modes"]`` is empty), so only None."""
    if render_mode is not None:
        from olearn.core.errors import ParameterError

        raise ParameterError("gym", "render_mode", render_mode, "None (the olearn worlds have no render modes)")


def make_gym(name: str, horizon: int | None = None, render_mode=None, **params) -> GymEnv:
    """The gymnasium view of ``environments.make(name, **params)``: the entry point of ``gymnasium.make``
    (``render_mode`` is gymnasium's keyword: None, the only mode)."""
    import environments

    _check_render_mode(render_mode)
    return as_env(environments.make(name, **params), horizon=horizon)


def make_gym_vector(name: str, num_envs: int, horizon: int | None = None, render_mode=None, **params) -> GymVectorEnv:
    """The vector view over ``num_envs`` consecutive seeds: the entry point of ``gymnasium.make_vec``."""
    import environments

    _check_render_mode(render_mode)
    return as_vector_env(environments.make(name, **params), num_envs=num_envs, horizon=horizon)


def register_with_gymnasium() -> list[str]:
    """Register every world of ``environments.REGISTRY`` with gymnasium as ``olearn/<name>-v0`` (once each);
    returns the ids.  Importing this module does it, so

    ``gymnasium.make("environments.gym:olearn/bernoulli-v0", means=[0.2, 0.8], horizon=100)``

    works from a fresh interpreter (and ``gymnasium.make_vec`` gives :class:`GymVectorEnv`); call it again
    after registering a world of your own."""
    import environments

    ids = []
    for name in environments.names():
        env_id = f"olearn/{name}-v0"
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=make_gym, vector_entry_point=make_gym_vector, kwargs={"name": name})
        ids.append(env_id)
    return ids


register_with_gymnasium()
