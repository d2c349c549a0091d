"""Learner and environment specifications: validated parameters + state layout + kernels.

A **learner** is a :class:`LearnerType` (the algorithm: declared parameters,
state layout, parameter row, and three kernels) together with parameter
values (a :class:`Learner`).  Its kernels are::

    init(state, params, seed)
    act(state, params, obs, t, seed, action)          # writes the action into `action`
    update(state, params, obs, action, feedback, t, seed)

``state`` is the learner's float64 row for one seed, ``params`` its float64
parameter row (``params[0]`` is always the number of actions), ``obs`` the
context of round ``t`` (empty when there is none), ``action`` a float64 row
(``action[0]`` is the arm for discrete problems) and ``feedback`` what the
environment reveals: the loss of the played arm (``feedback="bandit"``) or the
loss of every arm (``feedback="full"``).  ``t`` counts rounds from 0.

An **environment** of kind ``arms`` (K discrete actions, optional contexts) is
an :class:`EnvType` with kernels::

    reset(state, params, seed)
    observe(state, params, t, seed, obs)              # writes the context of round t
    loss(state, params, obs, t, seed, k)              # realized loss of arm k at round t
    mean_loss(state, params, obs, t, k)               # its expectation (pseudo-regret)
    best_mean_loss(state, params, obs, t)             # min over k of mean_loss
    advance(state, params, obs, arm, loss, t, seed)   # after the round (adaptive adversaries)

Randomness comes from :mod:`olearn.core.rng` only, so a loss is a pure function
of (seed, round, arm): drawing one arm's loss or all of them gives the same
numbers.  Regret is computed by the engine from these functions, never by a
learner.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from olearn.core.errors import ParameterError
from olearn.core.params import SCALAR_KINDS, Param, resolve


def _scalar(value):
    """A NumPy scalar or 0-d array as the Python value it holds (``0.1`` for ``np.array(0.1)``, ``'uniform'`` for
    ``np.str_('uniform')``), so configurations hold plain values; anything else as is."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return value.item() if isinstance(value, np.generic) else value


def _grid_axes(owner, declared, given):
    """Split ``given`` into fixed values and grid axes (lists given for scalar parameters)."""
    kinds = {p.name: p.kind for p in declared}
    fixed, axes = {}, {}
    for key, value in given.items():
        scalar = kinds.get(key) in SCALAR_KINDS
        value = _scalar(value) if scalar else value
        if scalar and isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, str):
            values = list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else [_scalar(v) for v in value]
            if not values:
                raise ParameterError(owner, key, value, "a non-empty list of values for a grid")
            axes[key] = values
        else:
            fixed[key] = value
    return fixed, axes


def _canonical(values: dict) -> tuple:
    """``values`` as a hashable tuple that is equal for equal values (an array by its shape and numbers)."""
    return tuple((k, ("array", v.shape, (v + 0.0).tobytes()) if isinstance(v, np.ndarray) else v) for k, v in values.items())


def _shown(value) -> str:
    """A parameter value as Python that makes it again (a small array as its list; a larger one as NumPy shows it)."""
    return repr(value.tolist() if isinstance(value, np.ndarray) and value.size <= 12 else value)


def _read_only(values: dict) -> dict:
    """``values`` with its arrays made read-only again (as :meth:`Param.validate` leaves them) after unpickling."""
    for v in values.values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    return values


def _loaded_learner(learner_type, configs, grid):
    return Learner(learner_type, tuple(_read_only(dict(c)) for c in configs), grid)


def _loaded_environment(env_type, values):
    return Environment(env_type, _read_only(dict(values)))


def _registries(cls):
    """The registries a type of class ``cls`` (LearnerType or EnvType) is found in by name, in order."""
    if issubclass(cls, EnvType):
        import environments  # noqa: PLC0415

        return (environments.REGISTRY,)
    from olearn import learners  # noqa: PLC0415
    from olearn.conformal import registry as conformal  # noqa: PLC0415

    return (learners.REGISTRY, conformal.REGISTRY)


def _reduce_type(spec_type):
    """Pickle a registered type by its name, so that loading it gives the registered object itself (whose compiled
    kernels and batch runners are cached by identity); a type registered after the package loaded (a user's own)
    also carries its fields, to be rebuilt from them where it is not registered (a Dask worker)."""
    fields = {f: getattr(spec_type, f) for f in spec_type.__dataclass_fields__}
    for registry in _registries(type(spec_type)):
        if registry.get(spec_type.name) is spec_type:
            builtin = spec_type.name in getattr(registry, "builtin", ())
            return _registered_type, (type(spec_type), spec_type.name, None if builtin else fields)
    return _registered_type, (type(spec_type), None, fields)


def _registered_type(cls, name, fields):
    """The type registered as ``name`` in this process, else one rebuilt from ``fields`` (see :func:`_reduce_type`)."""
    if name is not None:
        for registry in _registries(cls):
            found = registry.get(name)
            if isinstance(found, cls):
                return found
        if fields is None:
            from olearn.core.errors import UnknownNameError  # noqa: PLC0415

            raise UnknownNameError(cls.__name__, name, [])
    return cls(**fields)


@dataclass(frozen=True)
class LearnerType:
    """An algorithm: declared parameters, state layout, parameter row and kernels."""

    name: str
    summary: str
    feedback: str  # "bandit" or "full"
    params: tuple[Param, ...]
    state_size: Callable  # (values, n_actions, obs_dim) -> int
    row: Callable  # (values, n_actions, obs_dim, horizon) -> list[float]; row[0] == n_actions
    init: Callable
    act: Callable
    update: Callable
    reference: str = ""
    action_dim: int = 1
    test_params: tuple = ({},)
    kind: str = "arms"  # the problem kind it plays (see olearn.engine.problems)
    delayable: bool = True  # False: update reads what act left in the state, so feedback must not be delayed
    sleeping: bool = False  # reads the awake arms from obs[0..K) on sleeping worlds (all awake where obs_dim = 0)
    # best-arm identification: a kernel (state, params, out) writing out[0] = the arm it recommends as best and
    # out[1] = the rounds it sampled before its stopping rule fired (-1 while sampling, or without such a rule);
    # None: the most played arm is its recommendation (see olearn.engine.arms, metric simple_regret)
    recommend: Callable | None = None

    def make(self, **values) -> "Learner":
        fixed, axes = _grid_axes(self.name, self.params, values)
        configs = []
        for combo in itertools.product(*axes.values()):
            configs.append(resolve(self.name, self.params, dict(fixed, **dict(zip(axes, combo)))))
        for key in axes:
            if len({repr(cfg[key]) for cfg in configs}) != len(axes[key]):
                raise ParameterError(self.name, key, values[key], "a list of distinct values for a grid (a repeated "
                                     "value would run, and label, the same configuration twice)")
        return Learner(self, tuple(configs), tuple(axes))

    def __hash__(self):  # the declared test parameters are dicts; equal types have equal names
        return hash(("LearnerType", self.name))

    def __reduce__(self):
        return _reduce_type(self)


@dataclass(frozen=True)
class Learner:
    """A learner type with validated parameter values (one configuration, or a grid of them)."""

    type: LearnerType
    configs: tuple  # of dicts, one per configuration
    grid: tuple = ()  # names of the parameters that vary across configs

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def values(self) -> dict:
        if len(self.configs) != 1:
            raise ValueError(f"{self.name}: a grid of {len(self.configs)} configurations has no single set of values")
        return self.configs[0]

    def labels(self) -> list[str]:
        """One short label per configuration (the name plus the varying parameters)."""
        if not self.grid:
            return [self.name] * len(self.configs)
        return [self.name + "(" + ", ".join(f"{k}={c[k]}" for k in self.grid) + ")" for c in self.configs]

    def bind(self, n_actions: int, obs_dim: int, horizon: int):
        """Parameter rows (configs x P) and the state size for a problem of this shape."""
        for cfg in self.configs:
            if cfg.get("n_arms") is not None and cfg["n_arms"] != n_actions:
                raise ParameterError(self.name, "n_arms", cfg["n_arms"], f"{n_actions}, the environment's number of actions")
        rows = [np.asarray(self.type.row(cfg, n_actions, obs_dim, horizon), dtype=np.float64) for cfg in self.configs]
        width = max(r.size for r in rows)
        table = np.zeros((len(rows), width))
        for i, r in enumerate(rows):
            table[i, : r.size] = r
        size = max(int(self.type.state_size(cfg, n_actions, obs_dim)) for cfg in self.configs)
        return table, max(size, 1)

    def __eq__(self, other):
        if not isinstance(other, Learner):
            return NotImplemented
        return ((self.type is other.type or self.type == other.type) and self.grid == other.grid
                and [_canonical(c) for c in self.configs] == [_canonical(c) for c in other.configs])

    def __hash__(self):
        return hash((self.name, self.grid, tuple(_canonical(c) for c in self.configs)))

    def __reduce__(self):
        return _loaded_learner, (self.type, self.configs, self.grid)

    def __repr__(self):
        if len(self.configs) == 1:
            shown = ", ".join(f"{k}={_shown(v)}" for k, v in self.configs[0].items())
            return f"olearn.make({self.name!r}{', ' if shown else ''}{shown})"
        return f"<{self.name}: grid of {len(self.configs)} configurations over {', '.join(self.grid)}>"


@dataclass(frozen=True)
class EnvType:
    """A world with K discrete actions (kind ``arms``): parameters, state layout and kernels."""

    name: str
    summary: str
    params: tuple[Param, ...]
    n_actions: Callable  # values -> int
    row: Callable  # values -> array of float64
    reset: Callable
    observe: Callable
    loss: Callable
    mean_loss: Callable
    best_mean_loss: Callable
    advance: Callable
    state_size: Callable = lambda values: 1
    obs_dim: Callable = lambda values: 0
    max_horizon: Callable = lambda values: None  # finite for loss matrices
    stationary: bool = True  # mean losses do not depend on t (pseudo-regret is then T * gap)
    sleeping: bool = False  # only some arms are awake each round: obs[0..K) is their mask (environments/sleeping.py)
    has_means: bool = True  # False for adversarial worlds, where only realized regret makes sense
    rested: bool = False  # an arm's losses depend on its own plays (advance counts them): regret against an oracle policy
    kind: str = "arms"
    reference: str = ""
    test_params: tuple = ({},)
    check: Callable | None = None  # values -> None; raises ParameterError on inconsistent values

    def make(self, **values) -> "Environment":
        scalars = {p.name for p in self.params if p.kind in SCALAR_KINDS}
        resolved = resolve(self.name, self.params, {k: _scalar(v) if k in scalars else v for k, v in values.items()})
        if self.check is not None:
            self.check(resolved)
        return Environment(self, resolved)

    def __hash__(self):  # the declared test parameters are dicts; equal types have equal names
        return hash(("EnvType", self.name))

    def __reduce__(self):
        return _reduce_type(self)


@dataclass(frozen=True)
class Environment:
    """An environment type with validated parameter values."""

    type: EnvType
    values: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def n_actions(self) -> int:
        return int(self.type.n_actions(self.values))

    @property
    def obs_dim(self) -> int:
        return int(self.type.obs_dim(self.values))

    def row(self) -> np.ndarray:
        return np.ascontiguousarray(self.type.row(self.values), dtype=np.float64)

    def state_size(self) -> int:
        return max(int(self.type.state_size(self.values)), 1)

    def metrics(self) -> tuple[str, ...]:
        """Metrics this environment supports, in recording order."""
        from olearn.engine import problems  # noqa: PLC0415

        return problems.of(self.type.kind).available_metrics(self)

    def gym(self, seed: int = 0, horizon: int | None = None):
        """This environment as a :class:`gymnasium.Env` (see :mod:`environments.gym`); episodes of ``horizon``
        rounds (default: the environment's own length if it has one, else 1000)."""
        from environments.gym import GymEnv

        return GymEnv(self, horizon=horizon, seed=seed)

    def __eq__(self, other):
        if not isinstance(other, Environment):
            return NotImplemented
        return (self.type is other.type or self.type == other.type) and _canonical(self.values) == _canonical(other.values)

    def __hash__(self):
        return hash((self.name, _canonical(self.values)))

    def __reduce__(self):
        return _loaded_environment, (self.type, self.values)

    def __repr__(self):
        shown = ", ".join(f"{k}={_shown(v)}" for k, v in self.values.items())
        return f"environments.make({self.name!r}, {shown})"
