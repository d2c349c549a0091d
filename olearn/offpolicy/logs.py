"""Logged bandit data: what a deployed policy saw, chose and lost, with the probability it chose it.

A log is n events (x_i, a_i, l_i, p_i): the context x_i (d numbers, d may be 0), the arm a_i the
logging policy played, its loss l_i, and the propensity p_i = P(logging policy plays a_i | x_i) > 0.
:func:`collect` writes such a log from any world of kind ``arms`` (so the true mean loss of every
arm at every event is known too, which is what the estimators' tests check against).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer
from olearn.core.kernel import kernel
from olearn.core.params import MAGNITUDE
from olearn.core.spec import Environment, Learner
from olearn.engine.run import MAX_RESULT_BYTES  # a log's arrays are held to what a run's results may take

#: the most arms a log may have (as many as a classification world's classes): the loss model is fitted arm by arm
MAX_ARMS = 10**6


@dataclass(frozen=True)
class Logs:
    """n logged events; ``means`` (n x K, the true mean loss of each arm) only where a world wrote them.

    ``n_arms``: an integer in [1, 10^6]; losses and contexts: finite numbers of magnitude at most 1e100 and
    propensities in [1e-100, 1], as olearn's parameters (so the importance weights 1 / p and their products stay
    finite in double precision)."""

    contexts: np.ndarray  # n x d (d = 0 without contexts)
    actions: np.ndarray  # n, int64 in [0, K)
    losses: np.ndarray  # n
    propensities: np.ndarray  # n, in (0, 1]
    n_arms: int
    means: np.ndarray | None = None

    def __post_init__(self):
        owner = "Logs"
        n_arms = check_integer(owner, "n_arms", self.n_arms, 1, MAX_ARMS)
        try:
            actions = np.asarray(self.actions)
        except Exception:  # noqa: BLE001
            actions = np.asarray([None])
        if actions.dtype == object and actions.ndim == 1 and all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) and 0 <= a < n_arms for a in actions):
            actions = actions.astype(np.int64)  # whole numbers held as objects (a table column read as such)
        if actions.ndim != 1 or actions.size == 0 or actions.dtype.kind not in "iu" or np.any(actions < 0) or np.any(actions >= n_arms):
            raise ParameterError(owner, "actions", _shown(self.actions), f"a non-empty 1-d array of integers in [0, {n_arms - 1}]")
        n = actions.size
        losses = _real(owner, "losses", self.losses, (n,), f"{n} numbers in [-1e100, 1e100], one per event")
        props = _real(owner, "propensities", self.propensities, (n,), f"{n} numbers in [1e-100, 1], one per event")
        if np.any(props < 1.0 / MAGNITUDE) or np.any(props > 1.0):
            raise ParameterError(owner, "propensities", _shown(self.propensities),
                                 f"{n} numbers in [1e-100, 1]: the probability that the logging policy played the logged arm")
        ctx = np.zeros((n, 0)) if self.contexts is None else self.contexts
        contexts = _real(owner, "contexts", ctx, None, f"an array of {n} rows of numbers in [-1e100, 1e100] (None: no contexts)")
        if contexts.ndim == 1 and contexts.size == n:
            contexts = contexts.reshape(n, 1)
        if contexts.ndim != 2 or contexts.shape[0] != n:
            raise ParameterError(owner, "contexts", f"shape {contexts.shape}", f"{n} rows, one per event (None: no contexts)")
        means = None
        if self.means is not None:
            means = _real(owner, "means", self.means, (n, n_arms), f"{n} x {n_arms} numbers in [-1e100, 1e100], or None")
        object.__setattr__(self, "n_arms", n_arms)
        object.__setattr__(self, "actions", actions.astype(np.int64))
        object.__setattr__(self, "losses", losses)
        object.__setattr__(self, "propensities", props)
        object.__setattr__(self, "contexts", np.ascontiguousarray(contexts))
        object.__setattr__(self, "means", means)

    def __len__(self) -> int:
        return self.actions.size

    @property
    def obs_dim(self) -> int:
        return self.contexts.shape[1]

    @classmethod
    def from_frame(cls, frame, action: str = "action", propensity: str = "propensity", loss: str | None = None,
                   reward: str | None = None, contexts=None, n_arms: int | None = None) -> "Logs":
        """A log from a table with one row per event (a pandas DataFrame or anything with its columns).

        ``action``, ``propensity`` and ``loss`` (default ``"loss"``) name the columns; a table of rewards
        in [0, 1] gives ``reward=`` instead (loss = 1 - reward, the engine's convention).  ``contexts``: the list of
        context columns (default: the columns x0, x1, ... that :meth:`to_frame` writes, if any).
        ``n_arms``: default one more than the largest logged arm.
        """
        import pandas as pd  # noqa: PLC0415

        owner = "Logs.from_frame"
        try:
            frame = pd.DataFrame(frame)
        except (TypeError, ValueError):  # a number, text, ragged columns
            raise ParameterError(owner, "frame", _shown(frame), "a table with one row per event: a pandas DataFrame or a dict "
                                 "of equally long columns") from None
        if loss is not None and reward is not None:
            raise ParameterError("Logs.from_frame", "reward", reward, f"None when a loss column is given (loss={loss!r})")
        if reward is None and loss is None:
            loss = "loss"
        if contexts is None:
            contexts = [c for c in frame.columns if isinstance(c, str) and c[:1] == "x" and c[1:].isdigit()]
            contexts.sort(key=lambda c: int(c[1:]))
        named = {"action": action, "propensity": propensity, "loss" if reward is None else "reward": loss if reward is None else reward}
        if isinstance(contexts, str):
            contexts = [contexts]
        for what, column in list(named.items()) + [("contexts", c) for c in contexts]:
            try:
                present = column in frame.columns
            except TypeError:  # a list or other unhashable name
                present = False
            if not present:
                raise ParameterError(owner, what, column, f"a column of the table: {', '.join(map(str, frame.columns))}")
        acts = frame[action].to_numpy()
        if acts.dtype == object and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in acts):
            acts = acts.astype(np.int64)  # integers held as objects (a column that once held other values)
        if acts.dtype.kind == "f" and np.all(np.isfinite(acts)) and np.all(acts == np.round(acts)):
            acts = acts.astype(np.int64)  # whole numbers read as floats (a column with missing values once)
        if n_arms is None:
            if acts.size and acts.dtype.kind in "iu" and acts.min() < 0:
                raise ParameterError(owner, "action", action, f"a column of logged arms, integers >= 0 (it holds {int(acts.min())})")
            n_arms = int(acts.max()) + 1 if acts.size and acts.dtype.kind in "iu" else 1

        def numbers_in(what, columns):
            try:
                return frame[columns].to_numpy(dtype=float)
            except (TypeError, ValueError):  # text, dates, other objects
                raise ParameterError(owner, what, columns, "a column of numbers (one per event)" if what != "contexts"
                                     else "columns of numbers (one row per event)") from None

        losses = numbers_in("loss", loss) if reward is None else 1.0 - numbers_in("reward", reward)
        ctx = numbers_in("contexts", list(contexts)) if contexts else None
        return cls(ctx, acts, losses, numbers_in("propensity", propensity), n_arms)

    def to_frame(self):
        """The log as a pandas DataFrame: x0..x{d-1}, action, loss, propensity."""
        import pandas as pd

        frame = pd.DataFrame(self.contexts, columns=[f"x{j}" for j in range(self.obs_dim)])
        frame["action"], frame["loss"], frame["propensity"] = self.actions, self.losses, self.propensities
        return frame


def _shown(value):
    return f"shape {np.shape(value)}" if np.ndim(value) > 0 else value


def _real(owner, name, value, shape, allowed) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001
        raise ParameterError(owner, name, "an unreadable value", allowed) from None
    if arr.dtype.kind not in "iuf" or (shape is not None and arr.shape != shape) or not np.all(np.isfinite(arr)) or (
            arr.dtype.kind == "f" and np.any(np.abs(arr) > MAGNITUDE)):
        raise ParameterError(owner, name, _shown(value), allowed)
    return arr.astype(np.float64)


def _logging_probs(logging, n_arms: int) -> np.ndarray:
    if logging is None:
        return np.full(n_arms, 1.0 / n_arms)
    try:
        probs = _real("collect", "logging", logging, (n_arms,), "")
    except ParameterError:
        probs = None
    if probs is None or np.any(probs <= 0.0) or abs(probs.sum() - 1.0) > 1e-9:  # the message lists the learners only when needed
        raise ParameterError("collect", "logging", _shown(logging), f"None (uniform), {n_arms} positive probabilities summing "
                             f"to 1 (every arm must be logged), or a bandit learner that reports the probability of its arm "
                             f"({_reporting_learners()})")
    return probs


def _make_collector(env_type):
    reset, observe, loss, mean_loss, advance = env_type.reset, env_type.observe, env_type.loss, env_type.mean_loss, env_type.advance
    has_means = env_type.has_means

    @kernel
    def collect_events(es, ep, seed, probs, obs, contexts, actions, losses, means):
        k_arms = probs.size
        reset(es, ep, seed)
        for t in range(actions.size):
            observe(es, ep, t, seed, obs)
            for j in range(obs.size):
                contexts[t, j] = obs[j]
            a = rng.categorical(seed, rng.LOGGING, t, 0, probs, k_arms)
            if has_means:
                for k in range(k_arms):
                    means[t, k] = mean_loss(es, ep, obs, t, k)
            actions[t] = a
            lt = loss(es, ep, obs, t, seed, a)
            losses[t] = lt
            advance(es, ep, obs, a, lt, t, seed)

    return collect_events


def _make_learner_collector(env_type, learner_type):
    """The log of a learner playing the world live, in the engine's order (observe, act, loss, advance, update);
    the propensity of an event is the probability the learner reports for its arm (``action[1]``)."""
    reset, observe, loss, mean_loss, advance = env_type.reset, env_type.observe, env_type.loss, env_type.mean_loss, env_type.advance
    init, act, update = learner_type.init, learner_type.act, learner_type.update
    has_means = env_type.has_means

    @kernel
    def collect_played(es, ep, ls, lp, seed, obs, action, fb, contexts, actions, losses, props, means):
        k_arms = int(lp[0])
        reset(es, ep, seed)
        init(ls, lp, seed)
        for t in range(actions.size):
            observe(es, ep, t, seed, obs)
            for j in range(obs.size):
                contexts[t, j] = obs[j]
            act(ls, lp, obs, t, seed, action)
            a = int(action[0])
            if has_means:
                for k in range(k_arms):
                    means[t, k] = mean_loss(es, ep, obs, t, k)
            lt = loss(es, ep, obs, t, seed, a)
            fb[0] = lt
            actions[t] = a
            losses[t] = lt
            props[t] = action[1]
            advance(es, ep, obs, a, lt, t, seed)
            update(ls, lp, obs, action, fb, t, seed)

    return collect_played


def _reporting_learners() -> str:
    from olearn.learners import REGISTRY  # noqa: PLC0415

    return ", ".join(n for n in REGISTRY.names() if _reports_probability(REGISTRY[n]))


def _reports_probability(learner_type) -> bool:
    return learner_type.kind == "arms" and learner_type.feedback == "bandit" and learner_type.action_dim >= 2 and not learner_type.sleeping


def _compiled(backend, types, make):
    """The collector for these types, built by ``make`` once per backend."""
    key = (backend,) + tuple(id(t) for t in types)
    if key not in _COLLECTORS or any(a is not b for a, b in zip(_COLLECTORS[key][1], types)):
        fn = make()
        if backend == "cpu":
            from olearn.backends import cpu  # noqa: PLC0415

            fn = cpu.compile_kernel(fn)
        _COLLECTORS[key] = (fn, types)  # the types are kept, so their ids are not reused
    return _COLLECTORS[key][0]


_COLLECTORS: dict = {}


def collect(env: Environment, n: int, seed: int = 0, logging=None, backend: str = "cpu") -> Logs:
    """A log of ``n`` events from world ``env``, each arm drawn by the logging policy ``logging``.

    ``logging``: None for the uniform policy (p_i = 1/K), K positive probabilities (the same every
    event; drawn from their own stream), or a bandit learner that reports the probability of the arm it
    plays (``olearn.make("exp3", eta=0.01)``; also exp3_ix, exp3s, rexp3, exp3_p, tsallis_inf and the contextual tsallis_inf_cb
    and chebcb): the log is then that learner playing the world live for n rounds, action for action as
    ``olearn.run(learner, env, horizon=n, seeds=[seed])`` plays it, and each propensity is the probability
    it gave its arm at that event, which changes as it learns (an adaptive logging policy, as a deployed
    learner writes).  The events are the world's rounds 0..n-1 for ``seed``, so the contexts and losses are
    those ``olearn.run`` would draw for that seed.  Where the world has mean losses, ``Logs.means`` holds
    every arm's at every event.  ``n``: an integer >= 1 (at most the world's number of rounds where it
    defines one, and at most the events whose arrays fit in 8 GiB); ``seed``: an integer in [0, 2^63 - 1];
    ``backend``: ``'cpu'`` or ``'python'``.
    """
    if not isinstance(env, Environment) or env.type.kind != "arms":
        raise ParameterError("collect", "env", env, "a world of kind 'arms' made with environments.make(...)")
    if env.type.sleeping:
        raise ParameterError("collect", "env", env.name, "a world where every arm is always awake (a log does not record which were)")
    if env.type.rested:
        raise ParameterError("collect", "env", env.name, "a world whose losses do not depend on the arms' past plays (replay and the "
                             "estimators assume events drawn the same way whatever was logged before)")
    k_arms, d = env.n_actions, env.obs_dim
    if k_arms > MAX_ARMS:
        raise ParameterError("collect", "env", f"{env.name} with {k_arms} arms", f"a world of at most {MAX_ARMS} arms (a log's n_arms)")
    cap = env.type.max_horizon(env.values)
    fits = MAX_RESULT_BYTES // (8 * (d + 3 + (k_arms if env.type.has_means else 0)))  # contexts, action, loss, propensity, means
    meaning = "the number of events" + (f": {env.name} defines {cap} rounds" if cap and cap <= fits else
                                        f"; a log's arrays are kept up to {MAX_RESULT_BYTES / 2**30:.0f} GiB")
    n = check_integer("collect", "n", n, 1, min(cap, fits) if cap else fits, meaning)
    seed = check_integer("collect", "seed", seed, 0, 2**63 - 1)
    if backend not in ("cpu", "python"):
        raise ParameterError("collect", "backend", backend, "'cpu' or 'python'")
    contexts, actions, losses = np.zeros((n, d)), np.zeros(n, dtype=np.int64), np.zeros(n)
    means = np.zeros((n, k_arms) if env.type.has_means else (1, k_arms))
    obs = np.zeros(max(d, 1))[:d]
    if isinstance(logging, Learner):
        props = np.zeros(n)
        table, state_size = _logging_learner(logging, env, n)
        played = _compiled(backend, (env.type, logging.type), lambda: _make_learner_collector(env.type, logging.type))
        with np.errstate(over="ignore"):  # the counter-based generator wraps in uint64 on purpose
            played(np.zeros(env.state_size()), env.row(), np.zeros(state_size), table[0], seed, obs,
                   np.zeros(logging.type.action_dim), np.zeros(1), contexts, actions, losses, props, means)
    else:
        probs = _logging_probs(logging, k_arms)
        drawn = _compiled(backend, (env.type,), lambda: _make_collector(env.type))
        with np.errstate(over="ignore"):
            drawn(np.zeros(env.state_size()), env.row(), seed, probs, obs, contexts, actions, losses, means)
        props = probs[actions]
    return Logs(contexts, actions, losses, props, k_arms, means if env.type.has_means else None)


def _logging_learner(learner: Learner, env: Environment, n: int):
    """The learner's parameter rows and state size on ``env`` for ``n`` rounds, or a clear error."""
    from olearn.engine import problems  # noqa: PLC0415

    if not _reports_probability(learner.type):
        raise ParameterError("collect", "logging", learner.name, f"None (uniform), {env.n_actions} probabilities, or a bandit "
                             f"learner that reports the probability of its arm: {_reporting_learners()}")
    if len(learner.configs) != 1:
        raise ParameterError("collect", "logging", f"a grid of {len(learner.configs)} configurations", "one configuration "
                             "of the logging learner (a log has one logging policy)")
    problems.check_pair(learner.type, env)
    return learner.bind(env.n_actions, env.obs_dim, n)
