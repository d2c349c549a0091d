"""Conformance checks run over every registered learner and environment.

``check_learner(learner_type)`` and ``check_environment(env_type)`` raise ``AssertionError``
with a message naming the failing property:

* determinism: the same seed gives the same trajectory twice;
* parity: the ``python`` and ``cpu`` backends give identical trajectories and metrics, also with each
  scalar float parameter at either end of its range and each choice and flag at every value
  (:func:`check_range_ends`);
* finite state, and probabilities (``action[1]`` of samplers) in (0, 1];
* every declared parameter rejects an out-of-range value with an error naming it;
* environments pass gymnasium's own ``check_env``, have mean losses >= the best mean loss, and give the same
  runs on python and cpu with each parameter at the ends of its range too.

A conformal method (kind ``scores``) is checked on a change-point score stream.  Learners and worlds
of kind ``oco`` are checked on a SEA world (a domain the learner plays on) and
with OGD; there the step-wise learner, fed by the world's gymnasium view, must also replay the engine's
losses and final state (:func:`replay_oco`).
"""
from __future__ import annotations

import math

import numpy as np

from olearn.core.errors import ParameterError
from olearn.core.params import Param
from olearn.core.spec import EnvType, LearnerType


def _bad_values(p: Param) -> list:
    if p.kind == "choice":
        return ["not-a-choice"]
    if p.kind == "bool":
        return ["yes"]
    bad = [float("nan")] if p.kind != "int" else [1.5]
    if math.isfinite(p.low):
        bad.append(p.low - 1.0 if p.kind != "int" else int(p.low) - 1)
        if p.open_low and p.kind == "float":
            bad.append(p.low)  # an open end itself (0 for a step size)
    if math.isfinite(p.high):
        bad.append(p.high + 1.0 if p.kind != "int" else int(p.high) + 1)
        if p.open_high and p.kind == "float":
            bad.append(p.high)
    if p.kind in ("vector", "matrix"):
        bad = ([[] if p.kind == "vector" else [[]]] if p.min_size > 0 else []) + ["text"] + ([[p.low - 1.0]] if math.isfinite(p.low) else [])
        if p.kind == "matrix" and math.isfinite(p.low):
            bad.append([[p.low - 1.0]])
    return bad


def range_ends(p: Param) -> list[float]:
    """The extreme values a scalar float parameter takes, as enforced (``Param.enforced_bounds``): each finite
    end of its range, or the float just inside an open end."""
    low, high, open_low, open_high = p.enforced_bounds()
    ends = [math.nextafter(low, math.inf) if open_low else low, math.nextafter(high, -math.inf) if open_high else high]
    return [v for v in ends if math.isfinite(v)]


def _within_world(horizon: int, env) -> int:
    """``horizon``, or the world's longest run where it is shorter (a data stream's length)."""
    cap = env.type.max_horizon(env.values)
    return horizon if cap is None else min(horizon, cap)


def check_range_ends(spec, other, horizon: int = 12, seed: int = 7, base: dict | None = None) -> None:
    """python == cpu, bit for bit, with one parameter of ``spec`` (a learner type, ``other`` the world it plays;
    or an environment type, ``other`` the learner playing it) moved from ``base`` (default: the defaults) at a
    time: each scalar float to either end of its range (:func:`range_ends`), each choice and flag to every
    value.  At the ends overflow and underflow are likeliest, and there Python's math raises
    (``OverflowError``, ``ValueError``) where compiled code returns inf or NaN.  A value that a rule across
    parameters refuses (a ParameterError for another reason, e.g. ``high`` below ``low``'s default) is skipped."""
    import olearn

    for p in spec.params:
        values = range_ends(p) if p.kind == "float" else list(p.choices) if p.kind == "choice" else \
            [True, False] if p.kind == "bool" else []
        for value in values:
            what = f"{spec.name}({p.name}={value!r}) with {other.name}"
            try:
                made = spec.make(**dict(base or {}, **{p.name: value}))
                learner, env = (made, other) if isinstance(spec, LearnerType) else (other, made)
                h = _within_world(horizon, env)
                py = olearn.run(learner, env, horizon=h, seeds=[seed], backend="python", trace=True)
            except ParameterError:
                continue
            except (ArithmeticError, ValueError) as err:
                raise AssertionError(f"{what}: the python backend raised {type(err).__name__} ({err})") from err
            cpu = olearn.run(learner, env, horizon=h, seeds=[seed], backend="cpu", trace=True)
            assert_same_run(py, cpu, f"{what}: python vs cpu")


def check_parameters(spec) -> None:
    """Each declared parameter rejects invalid values with a ParameterError that names it."""
    for p in spec.params:
        for bad in _bad_values(p):
            try:
                spec.make(**{p.name: bad})
            except ParameterError as err:
                assert p.name in str(err), f"{spec.name}: error for {p.name}={bad!r} does not name it: {err}"
            else:
                raise AssertionError(f"{spec.name}: {p.name}={bad!r} was accepted")


def default_world(learner_type: LearnerType):
    """The world ``check_learner`` runs a learner on unless given one: a SEA world on a domain it plays on
    (oco), a change-point score stream (scores), sleeping Bernoulli arms (learners that read the awake arms),
    experts (full information) or Bernoulli arms (bandit feedback)."""
    import environments

    if learner_type.kind == "oco":
        from olearn.engine import domains, oco

        sea = [c for c in oco.domains_of(learner_type.name) if c != domains.FREE]  # the SEA worlds' domains
        return environments.make("sea_quadratic", dim=3, domain=domains.NAMES[sea[0]], noise=0.3, drift="switching", period=7)
    if learner_type.kind == "scores":
        import environments.score_streams as streams

        return streams.make("change_points", scales=[1.0, 3.0], period=10)
    if learner_type.sleeping:
        return environments.make("sleeping_bernoulli", means=[0.2, 0.5, 0.5, 0.8], awake=[0.9, 0.6, 0.5, 0.4])
    if learner_type.feedback == "full":
        return environments.make("experts", n_experts=4, gap=0.2)
    return environments.make("bernoulli", means=[0.2, 0.5, 0.5, 0.8])


def assert_same_run(a, b, what: str = "", exact: bool = True) -> None:
    """Two runs of the same learner, world and seeds agree: metrics, traced actions and losses, final states.

    ``exact``: bit for bit (python, cpu, and the gpu code path on the CUDA simulator).  On a real GPU
    use ``exact=False``: CUDA's exp, log and sqrt may differ from the CPU's in the last bit, so the
    numbers agree to rtol 1e-9 (the actions too: they are arms, or a conformal method's radius).  NaN
    matches NaN (a window metric before its first whole window).
    """
    for field in ("values", "actions", "losses", "states"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), f"{what}: {field} kept by only one run"
        if x is None:
            continue
        assert x.shape == y.shape, f"{what}: {field} shapes {x.shape} and {y.shape}"
        same = np.array_equal(x, y, equal_nan=True) if exact else np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
        assert same, f"{what}: {field} differ ({_largest_difference(x, y)})"


def _largest_difference(x, y) -> str:
    """Where two arrays of one shape differ most, and by how much (for an assertion's message)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    gap = np.where(np.isnan(x) & np.isnan(y), 0.0, np.abs(x - y))
    gap = np.where(np.isnan(gap), np.inf, gap)  # NaN on one side only
    at = np.unravel_index(int(np.argmax(gap)), gap.shape)
    differ = int(np.count_nonzero(gap))
    return f"{differ} of {gap.size} entries; the largest at {tuple(int(i) for i in at)}: {float(x[at])!r} and {float(y[at])!r}"


def _first_bad(states) -> str:
    """Where the first non-finite entry of final states (configurations x seeds x state) lies, for a message."""
    c, s, i = (int(v) for v in np.argwhere(~np.isfinite(states))[0])
    return f"configuration {c}, seed index {s}, state[{i}] = {states[c, s, i]!r}"


def replay_oco(learner, env, horizon: int = 25, seed: int = 4, backend: str = "python") -> None:
    """An oco learner step-wise, fed f_t(x_t) and its gradient by ``env``'s gymnasium view, plays the
    engine's points: the same losses and final state as ``olearn.run`` for that seed, bit for bit."""
    import olearn
    from olearn.engine.stepwise import Stepwise

    what = f"{learner!r} on {env!r}"
    run = olearn.run(learner, env, horizon=horizon, seeds=[seed], backend=backend, trace=True, keep_state=True)
    from olearn.engine import domains

    row = env.row()  # [d, domain code, radius, ...]: every oco world's row starts so
    tuner = Stepwise(learner.type.make(**dict(learner.values, dim=env.n_actions)), seed=seed, backend=backend,
                     horizon=horizon, domain=domains.NAMES[int(row[1])], radius=float(row[2]))
    world = env.gym(horizon=horizon)
    world.reset(seed=seed)
    losses = []
    for _ in range(horizon):
        x = tuner.act()
        info = world.step(x)[4]
        assert np.array_equal(info["x"], x), f"{what}: the learner's point is outside X"
        tuner.update(x, info["loss"], gradient=info["gradient"])
        losses.append(info["loss"])
    assert np.array_equal(losses, run.losses[0, 0]), f"{what}: step-wise losses differ from the engine's"
    assert np.array_equal(tuner.state, run.states[0, 0]), f"{what}: step-wise final state differs from the engine's"
    assert np.all(np.isfinite(tuner.state)), f"{what}: state not finite"


def _recorded(run, env) -> np.ndarray:
    """The metric values of ``run`` that ``env`` defines (a world without a comparator records no regret)."""
    keep = [i for i, m in enumerate(run.columns) if m in env.metrics()]
    return run.values[..., keep]


def check_learner(learner_type: LearnerType, env=None, horizon: int = 40, seeds=(0, 1, 7)) -> None:
    """Determinism and python == cpu parity of actions, metrics and final states (at ``test_params`` and at the
    parameters' range ends), finite state (after the run on ``env``, and step-wise every round), actions in
    0..K-1, probabilities, parameter errors.  The python backend runs first: its bounds-checked indexing turns an
    arm out of range or a write past the declared state into an AssertionError before compiled code runs it."""
    import olearn
    from olearn.engine.stepwise import Stepwise

    env = env if env is not None else default_world(learner_type)
    for values in learner_type.test_params:
        learner = learner_type.make(**values)
        what = f"{learner_type.name}{values or ''} on {env.name}"
        # the python backend first: its indexing is bounds-checked, so an arm outside 0..K-1 or a write past the
        # declared state raises there, where compiled code would write past the row (and may crash the process)
        try:
            py = olearn.run(learner, env, horizon=horizon, seeds=list(seeds), backend="python", trace=True, keep_state=True)
        except (ArithmeticError, ValueError, LookupError) as err:
            raise AssertionError(f"{what}: the python backend raised {type(err).__name__} ({err}): an action outside "
                                 "0..K-1, an index past the declared state size, or arithmetic Python refuses") from err
        assert np.all(np.isfinite(py.states)), f"{what}: state not finite after {horizon} rounds ({_first_bad(py.states)})"
        if learner_type.kind not in ("oco", "scores"):
            acts = py.actions
            assert np.all((acts >= 0) & (acts < env.n_actions) & (acts == np.floor(acts))), f"{what}: action outside 0..K-1"
        cpu = olearn.run(learner, env, horizon=horizon, seeds=list(seeds), backend="cpu", trace=True, keep_state=True)
        again = olearn.run(learner, env, horizon=horizon, seeds=list(seeds), backend="cpu", trace=True, keep_state=True)
        assert_same_run(cpu, again, f"{what}: determinism")
        assert_same_run(py, cpu, f"{what}: python vs cpu")
        if learner_type.kind == "oco":
            assert np.all(np.isfinite(_recorded(cpu, env))), f"{what}: metrics not finite"
            replay_oco(learner, env, horizon=horizon, seed=seeds[-1])
            continue
        if learner_type.kind == "scores":  # a conformal method: its action is a radius
            assert np.all(np.isfinite(cpu.values)), f"{what}: metrics not finite"
            assert np.all(cpu.actions >= 0.0), f"{what}: a negative radius"
            continue
        acts = cpu.actions
        assert np.all((acts >= 0) & (acts < env.n_actions) & (acts == np.floor(acts))), f"{what}: action outside 0..K-1"
        # step-wise: state stays finite and sampling probabilities are valid
        k = env.n_actions
        tuner = Stepwise(learner_type.make(**dict(values, n_arms=k)), seed=3, backend="python", horizon=horizon)
        draws = np.random.default_rng(0).random((horizon, k))
        for t in range(horizon):
            arm = tuner.act()
            if learner_type.action_dim > 1:
                assert 0.0 < tuner.action[1] <= 1.0, f"{what}: probability {tuner.action[1]} outside (0, 1]"
            tuner.update(arm, draws[t] if learner_type.feedback == "full" else draws[t, arm])
            assert np.all(np.isfinite(tuner.state)), f"{what}: state not finite at round {t}"
    check_range_ends(learner_type, env, seed=seeds[-1])
    check_parameters(learner_type)


def probe_learner(env_type: EnvType) -> str:
    """The learner, taking ``eta``, that environment checks play: OGD (oco), Hedge over specialists (sleeping
    arms, where a learner must read the awake arms) or EXP3."""
    if env_type.kind == "oco":
        return "ogd"
    return "sleeping_hedge" if env_type.sleeping else "exp3"


def check_environment(env_type: EnvType, horizon: int = 30) -> None:
    """gymnasium's env checker, determinism, python == cpu losses (at ``test_params`` and, from the first, at the
    parameters' range ends), means >= best mean, parameter errors."""
    import gymnasium.utils.env_checker as gym_checker

    import olearn

    learner = olearn.make(probe_learner(env_type), eta=0.3)
    for values in env_type.test_params:
        env = env_type.make(**values)
        what = f"{env_type.name}{values or ''}"
        h = _within_world(horizon, env)
        gym_env = env.gym(horizon=h)
        gym_checker.check_env(gym_env, skip_render_check=True)
        cpu = olearn.run(learner, env, horizon=h, seeds=[0, 5], backend="cpu", trace=True)
        assert_same_run(olearn.run(learner, env, horizon=h, seeds=[0, 5], backend="cpu", trace=True), cpu, f"{what}: determinism")
        assert_same_run(olearn.run(learner, env, horizon=h, seeds=[0, 5], backend="python", trace=True), cpu, f"{what}: python vs cpu")
        assert np.all(np.isfinite(_recorded(cpu, env))), f"{what}: metrics not finite"
        if env_type.kind == "oco":
            replay_oco(learner, env, horizon=h, seed=5)
            continue
        # the gym view sees the engine's losses for the same seed
        obs, _ = gym_env.reset(seed=5)
        mean_sum = best_sum = 0.0
        for t in range(h):
            arm = int(cpu.actions[0, 1, t])
            _, reward, _, _, info = gym_env.step(arm)
            assert info["loss"] == cpu.losses[0, 1, t], f"{what}: gym loss differs from the engine's at round {t}"
            if env_type.has_means and not env_type.rested:
                assert info["mean_loss"] >= info["best_mean_loss"] - 1e-12, f"{what}: a mean loss below the best at round {t}"
            elif env_type.has_means:  # the best is an oracle policy's: one round may favour the learner, no run of rounds
                mean_sum, best_sum = mean_sum + info["mean_loss"], best_sum + info["best_mean_loss"]
                assert mean_sum >= best_sum - 1e-9, f"{what}: mean losses below the oracle's over rounds 0..{t}"
        cap = env.type.max_horizon(env.values)
        if cap is not None and cap <= 1000:  # a world read from a table: its gym view runs to the last row
            whole = env.gym(horizon=cap)
            whole.reset(seed=5)
            for t in range(cap):
                truncated = whole.step(0)[3]
            assert truncated, f"{what}: the gym episode of {cap} rounds did not end at its last row"
    check_range_ends(env_type, learner, seed=5, base=env_type.test_params[0] if env_type.test_params else None)
    check_parameters(env_type)
