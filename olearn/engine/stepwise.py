"""A learner for the user's own loop: ``act()`` then ``update(action, loss)``, one seed.

The step-wise object calls the learner's very kernels (compiled with ``numba.njit``
on the ``cpu`` backend, plain Python on ``python``) on one preallocated state row,
in the spirit of river's ``predict_one``/``learn_one``.  An online convex optimization learner
(kind ``oco``) plays points of a feasible set X (``domain``, ``radius``): ``x = act()``, then
``update(x, loss, gradient=g)`` with f_t(x_t) and its gradient, the feedback the engine gives it for
a user-defined loss.
"""
from __future__ import annotations

import numpy as np

from olearn.core.errors import ParameterError, check_integer
from olearn.core.params import Param
from olearn.core.spec import Learner
from olearn.engine import domains, oco
from olearn.engine.run import MAX_HORIZON, MAX_HORIZON_MEANING, MAX_RESULT_BYTES, check_horizon

DOMAIN = Param("domain", "ball", "the feasible set X of an oco learner", kind="choice", choices=domains.NAMES)
RADIUS = Param("radius", 1.0, "the size of X", low=0.0, open_low=True)


def _numeric(obs) -> bool:
    """A number or an array of real numbers (not a string, None inside a list, or a complex)."""
    try:
        return np.asarray(obs).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


def _same_arm(action, acted: float) -> bool:
    """``action`` is one real number (not a flag, text or a list) equal to the arm ``acted``: 0.7 is not arm 0."""
    if isinstance(action, (bool, np.bool_)) or not _numeric(action) or np.ndim(action) != 0:
        return False
    return float(action) == acted


class Stepwise:
    """One seed of a learner, driven round by round.

    >>> import olearn
    >>> tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=0)
    >>> a = tuner.act(); tuner.update(a, 1.0); a
    0

    ``state`` and ``start`` continue a learner from a batch run: ``state=result.states[c, s]`` of
    ``olearn.run(..., keep_state=True)``, ``start=result.horizon`` (the next round's index) and the
    same ``seed`` and ``horizon`` carry on exactly where that seed stopped.

    An oco learner (give its ``dim``) plays on X = ``domain`` (``"ball"``, ``"box"``, ``"simplex"`` or
    ``"free"``) of ``radius``:

    >>> tuner = olearn.stepwise(olearn.make("ogd", dim=2), domain="box", radius=1.0)
    >>> x = tuner.act(); tuner.update(x, loss=float(x @ x), gradient=2 * x); x.tolist()
    [0.0, 0.0]
    """

    def __init__(self, learner: Learner, seed: int = 0, backend: str = "cpu", horizon: int | None = None, obs_dim: int = 0,
                 state=None, start: int = 0, domain: str | None = None, radius: float | None = None):
        if len(learner.configs) != 1:
            raise ParameterError("stepwise", "learner", learner, "a single configuration (not a grid)")
        self._points = learner.type.kind == oco.KIND  # an oco learner: the action is a point of X
        if self._points:
            n_arms = learner.values.get("dim")
            if n_arms is None:
                raise ParameterError("stepwise", "dim", None, f"an integer >= 1: give olearn.make({learner.name!r}, dim=d)")
            if obs_dim != 0:
                raise ParameterError("stepwise", "obs_dim", obs_dim, "0: an oco learner's context is its feasible set")
            code = domains.NAMES.index(DOMAIN.validate("stepwise", DOMAIN.default if domain is None else domain))
            radius = RADIUS.validate("stepwise", RADIUS.default if radius is None else radius)
            oco.check_domain(learner.type, code)
            obs_dim = 2
        else:
            for name, value in (("domain", domain), ("radius", radius)):
                if value is not None:
                    raise ParameterError("stepwise", name, value, f"None: {learner.name} is not an oco learner (it has no feasible set)")
            n_arms = learner.values.get("n_arms")
            if n_arms is None:
                raise ParameterError("stepwise", "n_arms", None, f"an integer >= 1: give olearn.make({learner.name!r}, n_arms=K)")
        seed = check_integer("stepwise", "seed", seed, 0, 2**63 - 1)
        self._made = {"seed": seed, "backend": backend, "horizon": horizon, "obs_dim": 0 if self._points else obs_dim,
                      "domain": domain, "radius": radius}  # what a pickle rebuilds it from (with the state and round)
        obs_dim = check_integer("stepwise", "obs_dim", obs_dim, 0, meaning="the number of context values per act(obs)")
        if learner.type.sleeping and obs_dim not in (0, n_arms):
            raise ParameterError("stepwise", "obs_dim", obs_dim, f"0 (every arm awake) or n_arms = {n_arms}: "
                                 f"{learner.name} reads the awake arms from obs[0..K), obs[k] > 0 for an awake arm")
        start = check_integer("stepwise", "start", start, 0, MAX_HORIZON - 1, f"the round to continue from; {MAX_HORIZON_MEANING}")
        if backend not in ("cpu", "python"):
            raise ParameterError("stepwise", "backend", backend, "'cpu' or 'python'")
        self.learner, self.seed, self.n_arms = learner, seed, int(n_arms)
        if horizon is None:
            params, size = learner.bind(self.n_arms, obs_dim, 1)
            if not np.array_equal(params, learner.bind(self.n_arms, obs_dim, 2)[0]):  # a step size set from T
                instead = _horizon_free(learner, self.n_arms, obs_dim)
                raise ParameterError("stepwise", "horizon", None, f"an integer >= 1: {learner.name}'s parameters are "
                                     "set from the number of rounds" + (f" (or give {instead})" if instead else ""))
        else:
            horizon = check_horizon("stepwise", horizon)
            params, size = learner.bind(self.n_arms, obs_dim, horizon)
        if 8 * size > MAX_RESULT_BYTES:  # as olearn.run refuses it (n_bins = 10^12 had been a MemoryError)
            raise ParameterError("stepwise", "learner", f"{learner.name} with {size:,} numbers of state",
                                 f"a learner whose state fits in {MAX_RESULT_BYTES / 2**30:.0f} GiB: use smaller size parameters")
        self.params = params[0]
        self.state = np.zeros(size)
        self.obs = np.zeros(obs_dim)
        if self._points:
            self.obs[:] = (code, radius)  # what the engine reveals every round (oco.reveal_domain)
            self.action = np.zeros(self.n_arms)
            self.feedback = np.zeros(3 + 2 * self.n_arms)  # f_t(x_t), the gradient, then the model code NONE (0)
        else:
            self.action = np.zeros(learner.type.action_dim)
            self.feedback = np.zeros(self.n_arms if learner.type.feedback == "full" else 1)
        self.t = start
        kernels = learner.type.init, learner.type.act, learner.type.update
        if backend == "cpu":
            from olearn.backends import cpu  # its compiler caches kernels across runs and tuners

            kernels = tuple(cpu.compile_kernel(k) for k in kernels)
        self._init, self._act, self._update = kernels
        self._recommend = learner.type.recommend
        if self._recommend is not None and backend == "cpu":
            self._recommend = cpu.compile_kernel(self._recommend)
        self._acted = None
        self._radius = learner.type.kind == "scores"  # a conformal method: the action is a radius, not an arm
        with np.errstate(over="ignore"):
            self._init(self.state, self.params, self.seed)
        if state is not None:
            given = np.asarray(state, dtype=float)
            if given.shape != self.state.shape or not np.all(np.isfinite(given)):
                raise ParameterError("stepwise", "state", f"shape {given.shape}",
                                     f"{size} finite numbers: a row of Result.states of this learner")
            self.state[:] = given

    def __reduce__(self):
        """Pickled as the learner's name and values, the constructor's arguments, the state row, the round,
        the last context and a pending action: the kernels are rebuilt from the registry when loaded, and the
        copy carries on exactly where this one is (a simulation can checkpoint its tuner)."""
        name = self.learner.name
        if _registered(name) is not self.learner.type:
            raise TypeError(f"a step-wise {name!r} cannot be pickled: it is rebuilt by name from the registries "
                            "(register its type first: olearn.learners.register, or olearn.conformal.register for a conformal method)")
        saved = {"name": name, "values": dict(self.learner.values), "made": dict(self._made), "state": self.state.copy(),
                 "t": self.t, "obs": self.obs.copy(), "acted": None if self._acted is None else self._acted.copy()}
        return _restore, (saved,)

    def act(self, obs=None) -> int | float | np.ndarray:
        """The arm to play this round (the context ``obs`` if the learner uses one); a conformal method's
        radius; an oco learner's point x_t (a new array)."""
        n = self.obs.size
        if self._points:
            if obs is not None:
                raise ParameterError("stepwise", "obs", obs, "None: an oco learner's context is its feasible set")
        elif obs is None:
            if n > 0:
                raise ParameterError("stepwise", "obs", None, f"{n} finite number(s): this learner was made with obs_dim={n}")
        else:
            given = np.atleast_1d(np.asarray(obs, dtype=float)) if _numeric(obs) else None
            if given is None or given.size != n or not np.all(np.isfinite(given)):
                where = "give obs_dim= when making the step-wise learner" if n == 0 else f"obs_dim={n}"
                raise ParameterError("stepwise", "obs", obs, f"{n} finite number(s) ({where})")
            if self.learner.type.sleeping and not np.any(given > 0.0):
                raise ParameterError("stepwise", "obs", obs, f"an awake mask of {n} numbers with at least one arm "
                                     "awake (obs[k] > 0): every round needs an arm to play")
            self.obs[:] = given.reshape(-1)
        with np.errstate(over="ignore"):
            self._act(self.state, self.params, self.obs, self.t, self.seed, self.action)
        self._acted = self.action.copy()
        if self._points:
            return self.action.copy()
        return float(self.action[0]) if self._radius else int(self.action[0])

    def update(self, action, loss, gradient=None) -> None:
        """Feed back the loss of ``action`` (bandit) or the loss vector of all arms (full information);
        for an oco learner, f_t(x_t) and its ``gradient`` at the point ``action`` = x_t."""
        if self._points:
            self._point_feedback(action, loss, gradient)
        else:
            if gradient is not None:
                raise ParameterError("stepwise", "gradient", gradient, f"None: {self.learner.name} is not an oco learner")
            if self._acted is None or (not self._radius and not _same_arm(action, self._acted[0])):
                raise ParameterError("stepwise", "action", action, "the arm returned by the last act()")
            loss_arr = np.atleast_1d(np.asarray(loss, dtype=float)) if _numeric(loss) else None
            if loss_arr is None or loss_arr.size != self.feedback.size or not np.all(np.isfinite(loss_arr)):
                raise ParameterError("stepwise", "loss", loss, f"{self.feedback.size} finite real number(s)")
            self.feedback[:] = loss_arr
        with np.errstate(over="ignore"):
            self._update(self.state, self.params, self.obs, self._acted, self.feedback, self.t, self.seed)
        self._acted = None
        self.t += 1

    def recommend(self) -> tuple[int, int | None]:
        """A best-arm learner's answer now: the arm it recommends, and the plays it took before its stopping rule
        fired (None while it is still sampling, or when it has no stopping rule).

        >>> import olearn
        >>> tuner = olearn.stepwise(olearn.make("successive_rejects", n_arms=3), horizon=30, backend="python")
        >>> mean_loss = [0.9, 0.2, 0.5]
        >>> for _ in range(30):
        ...     arm = tuner.act(); tuner.update(arm, mean_loss[arm])
        >>> tuner.recommend()
        (1, None)
        """
        if self._recommend is None:
            from olearn.learners import REGISTRY  # noqa: PLC0415

            which = ", ".join(n for n in REGISTRY.names() if REGISTRY[n].recommend is not None)
            raise ParameterError("stepwise", "learner", self.learner.name,
                                 f"a best-arm learner ({which}): {self.learner.name} recommends no arm of its own "
                                 "(the engine's simple_regret takes its most played arm)")
        out = np.zeros(2)
        self._recommend(self.state, self.params, out)
        return int(out[0]), (int(out[1]) if out[1] >= 0.0 else None)

    def _point_feedback(self, action, loss, gradient) -> None:
        """Check an oco round's feedback and write it into the feedback row (nothing is written if any is bad)."""
        d = self.n_arms
        x = np.asarray(action, dtype=float) if _numeric(action) else None
        if self._acted is None or x is None or x.shape != (d,) or not np.array_equal(x, self._acted):
            raise ParameterError("stepwise", "action", action, "the point returned by the last act()")
        if not _numeric(loss) or np.ndim(loss) != 0 or not np.isfinite(float(loss)):
            raise ParameterError("stepwise", "loss", loss, "one finite number, f_t(x_t)")
        g = np.asarray(gradient, dtype=float) if gradient is not None and _numeric(gradient) else None
        if g is None or g.shape != (d,) or not np.all(np.isfinite(g)):
            raise ParameterError("stepwise", "gradient", gradient, f"{d} finite numbers, the gradient of f_t at x_t")
        self.feedback[:] = 0.0
        self.feedback[0] = float(loss)
        self.feedback[1 : 1 + d] = g


def _registered(name: str):
    """The registered learner type called ``name`` (learners, then conformal methods), or None."""
    from olearn import learners
    from olearn.conformal import registry as conformal

    for registry in (learners.REGISTRY, conformal.REGISTRY):
        if name in registry.names():
            return registry[name]
    return None


def _restore(saved: dict) -> Stepwise:
    """A pickled :class:`Stepwise`, continuing exactly where it stopped."""
    return resume(Stepwise(saved_learner(saved), **saved["made"]), saved)


def saved_learner(saved: dict) -> Learner:
    """The learner a pickled step-wise driver was made with, rebuilt by name from the registries."""
    return _registered(saved["name"]).make(**saved["values"])


def resume(step: Stepwise, saved: dict) -> Stepwise:
    """``step`` (made afresh from the same learner and arguments) set to where the pickled one stopped."""
    step.state[:] = saved["state"]
    step.t = saved["t"]
    step.obs[:] = saved["obs"]
    if saved["acted"] is not None:
        step._acted = saved["acted"]
        step.action[:] = saved["acted"]
    return step


def _horizon_free(learner, n_arms: int, obs_dim: int) -> str:
    """The parameters left to None of which any one, once given, frees ``learner`` from the horizon
    (Hedge's ``eta=``, D-UCB's ``gamma=``), as text; empty when none does (MOSS)."""
    names = []
    for p in learner.type.params:
        if not p.optional or p.name == "n_arms" or learner.values.get(p.name) is not None:
            continue
        for trial in (0.5, 1.0, 2.0):
            try:
                given = learner.type.make(**{**learner.values, p.name: trial})
                if np.array_equal(given.bind(n_arms, obs_dim, 1)[0], given.bind(n_arms, obs_dim, 2)[0]):
                    names.append(f"{p.name}=")
                break
            except (ParameterError, TypeError, ValueError):
                continue
    return " or ".join(names)


def stepwise(learner, seed: int = 0, backend: str = "cpu", horizon: int | None = None, obs_dim: int = 0, state=None,
             start: int = 0, domain: str | None = None, radius: float | None = None) -> Stepwise:
    """A :class:`Stepwise` driver for ``learner`` (give ``n_arms`` when making it); ``horizon`` is
    required by learners whose parameters are set from the number of rounds (``exp3``, ``hedge``
    without ``eta``); ``obs_dim`` is the size of the context each ``act(obs)`` gets (1 for
    ``tsallis_inf_cb`` and ``chebcb``); ``state`` and ``start`` continue it from a batch run's
    ``Result.states``; ``domain`` and ``radius`` are an oco learner's feasible set (default the unit ball)."""
    if isinstance(learner, str):
        from olearn import learners

        learner = learners.make(learner)
    return Stepwise(learner, seed=seed, backend=backend, horizon=horizon, obs_dim=obs_dim, state=state, start=start,
                    domain=domain, radius=radius)
