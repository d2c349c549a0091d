"""Every learner's and every world's scalar float parameters at the ends of their allowed ranges give
finite runs, and a value just past a finite end is refused by name (python backend, a few rounds: no
compilation).

The ends are as enforced (``Param.enforced_bounds``): the declared range, held to magnitudes within
``params.MAGNITUDE`` and, for a parameter that must be positive, at least its reciprocal.  Before
that rule a subnormal ridge, epsilon or step (5e-324) and a shift of 1e20 gave inf or NaN states, or
crashed inside scipy with an error that named no parameter; a world radius of 1e100 overflowed the
SEA ensemble's sum of squared meta-loss gaps (now kept as its square root).
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core.params import MAGNITUDE
from olearn.learners import REGISTRY as LEARNERS
from olearn.testing import range_ends
from test_oco_parity import WORLD_OF, _worlds
from test_parity import PAIRS

WORLD = dict(WORLD_OF)
for _learner, _env in reversed(PAIRS):  # the first world test_parity pairs each learner with
    WORLD[_learner] = _env


def _world(name):
    if name in WORLD_OF:
        return _worlds(name)[0]
    etype = environments.REGISTRY[WORLD[name]]
    return environments.make(WORLD[name], **etype.test_params[0])


def _ends(p):
    """(the range's ends inside it, the floats just past its finite closed ends or at its open ones)."""
    low, high, open_low, open_high = p.enforced_bounds()
    outside = [v for v, finite in ((math.nextafter(low, -math.inf) if not open_low else low, math.isfinite(low)),
                                   (math.nextafter(high, math.inf) if not open_high else high, math.isfinite(high))) if finite]
    return range_ends(p), outside


CASES = [(name, p.name) for name in sorted(LEARNERS) for p in LEARNERS[name].params if p.kind == "float"]


def test_scalar_float_magnitudes_are_bounded():
    """The rule itself: 1e-100 <= a positive parameter <= 1e100, named after the declared range."""
    assert MAGNITUDE == 1e100
    with pytest.raises(olearn.ParameterError, match=r"'ridge'.*\(0, inf\), at least 1e-100 and at most 1e\+100"):
        olearn.make("chebcb", ridge=5e-324)
    with pytest.raises(olearn.ParameterError, match=r"'shift'.*\[-1e\+06, 1e\+06\]$"):
        olearn.make("tsallis_inf", shift=1e20)
    # the ends themselves are accepted as given (neither refused nor moved)
    assert olearn.make("chebcb", ridge=1e-100).values["ridge"] == 1e-100
    assert olearn.make("exp3", eta=0.0).values["eta"] == 0.0


@pytest.mark.parametrize("learner_name, param", CASES)
def test_a_parameter_at_either_end_of_its_range_gives_a_finite_run(learner_name, param):
    p = next(q for q in LEARNERS[learner_name].params if q.name == param)
    env = _world(learner_name)
    inside, outside = _ends(p)
    for value in inside:
        try:
            learner = olearn.make(learner_name, **{param: value})
            run = olearn.run(learner, env, horizon=20, seeds=1, backend="python", keep_state=True, checkpoints=[20])
        except olearn.ParameterError as err:  # a rule across parameters (e.g. high > low with low's default)
            assert err.allowed != p.allowed(), f"{param}={value!r} is inside its own range: {err}"
            continue
        assert np.all(np.isfinite(run.values)) and np.all(np.isfinite(run.states)), f"{learner_name}({param}={value!r})"
    for value in outside:
        with pytest.raises(olearn.ParameterError) as err:
            olearn.make(learner_name, **{param: value})
        assert err.value.name == param


LEARNER_FOR = {}
for _learner, _env in list(WORLD_OF.items()) + PAIRS:
    LEARNER_FOR.setdefault(_env, _learner)  # the first learner each world is paired with in the parity tests
WORLD_CASES = [(name, p.name) for name in sorted(environments.REGISTRY) for p in environments.REGISTRY[name].params
               if p.kind == "float" and name in LEARNER_FOR]


def test_every_world_has_a_learner_here():
    assert {n for n, _ in WORLD_CASES} == {n for n, t in environments.REGISTRY.items() if any(p.kind == "float" for p in t.params)}


@pytest.mark.parametrize("env_name, param", WORLD_CASES)
def test_a_world_parameter_at_either_end_of_its_range_gives_a_finite_run(env_name, param):
    """The world's own scalars (a radius of 1e100, a noise level of 0, ...) with the learner it is paired with."""
    etype = environments.REGISTRY[env_name]
    p = next(q for q in etype.params if q.name == param)
    inside, outside = _ends(p)
    learner = olearn.make(LEARNER_FOR[env_name])
    base = olearn.run(learner, environments.make(env_name, **etype.test_params[0]), horizon=20, seeds=1, backend="python",
                      checkpoints=[20])
    recorded = np.isfinite(base.values)  # the metrics this world records (a non-convex world has no static regret)
    assert recorded.any()
    for value in inside:
        try:
            env = environments.make(env_name, **{**etype.test_params[0], param: value})
            run = olearn.run(learner, env, horizon=20, seeds=1, backend="python", keep_state=True, checkpoints=[20])
        except olearn.ParameterError as err:  # a rule across parameters
            assert err.allowed != p.allowed(), f"{param}={value!r} is inside its own range: {err}"
            continue
        assert np.all(np.isfinite(run.values[recorded])), f"{env_name}({param}={value!r}): {run.columns}"
        assert np.all(np.isfinite(run.states)), f"{env_name}({param}={value!r}) with {learner!r}"
    for value in outside:
        with pytest.raises(olearn.ParameterError) as err:
            environments.make(env_name, **{**etype.test_params[0], param: value})
        assert err.value.name == param


def _finite(run, recorded):
    return np.all(np.isfinite(run.values[recorded])) and np.all(np.isfinite(run.states))


@pytest.mark.parametrize("env_name", sorted(environments.REGISTRY))
def test_every_learner_stays_finite_at_its_own_and_the_worlds_extremes(env_name):
    """Every learner that plays the world (the tests above pair each learner, and each world, with one other):
    (a) at its defaults, with each of the world's scalars at either end of its range: losses of +-1e100 for
    learners meant for [0, 1] (Exp3.S's exp overflowed, Tsallis-INF's Newton lost its offset to rounding,
    GLR-klUCB's kl divided by zero), a radius of 1e100 (MetaGrad's Sigma = D^2 I squared overflowed);
    (b) on the world's defaults, with each of its own scalars at either end of its range: OFUL with a ridge of
    1e-100 (1 + x' V^-1 x fell below 0 by rounding and its log det raised), GP bandits with variance / noise^2
    of 1e200 (now refused by name), AdaGrad with eta = 1e100 on the portfolio world (the H-norm simplex
    projection of a point at 1e100 returned 0, then log 0)."""
    etype = environments.REGISTRY[env_name]
    world_floats = [p for p in etype.params if p.kind == "float"]
    worlds = []
    for p in world_floats:
        for value in _ends(p)[0]:
            try:
                worlds.append((f"{p.name}={value!r}", environments.make(env_name, **{**etype.test_params[0], p.name: value})))
            except olearn.ParameterError:  # a rule across parameters
                pass
    assert worlds or not world_floats
    env = environments.make(env_name, **etype.test_params[0])
    played = 0
    for name in sorted(LEARNERS):
        learner = olearn.make(name)
        try:
            base = olearn.run(learner, env, horizon=15, seeds=1, backend="python", checkpoints=[15])
        except olearn.ParameterError:  # a learner of another kind, or a domain it does not take
            continue
        played += 1
        recorded = np.isfinite(base.values)
        for what, world in worlds:
            run = olearn.run(learner, world, horizon=15, seeds=1, backend="python", keep_state=True, checkpoints=[15])
            assert _finite(run, recorded), f"{name} on {env_name}({what})"
        for p in (q for q in LEARNERS[name].params if q.kind == "float"):
            for value in _ends(p)[0]:
                try:
                    run = olearn.run(olearn.make(name, **{p.name: value}), env, horizon=15, seeds=1, backend="python",
                                     keep_state=True, checkpoints=[15])
                except olearn.ParameterError as err:  # a rule across parameters
                    assert err.allowed != p.allowed(), f"{name}({p.name}={value!r}) is inside its own range: {err}"
                    continue
                assert _finite(run, recorded), f"{name}({p.name}={value!r}) on {env_name}"
    assert played >= 3 or not world_floats


def test_numbers_beyond_the_doubles_and_arrays_for_a_choice_are_refused_by_name():
    """10**400 (a Python int no double holds) for a scalar or an entry of a vector or matrix parameter, and an
    array given for a choice, are a ParameterError naming the parameter, for every learner, world and conformal
    method: float(10**400) raised OverflowError out of Param.validate, and `array in choices` a ValueError."""
    from olearn import conformal
    from olearn.core.errors import ParameterError

    huge = 10**400
    for registry in (LEARNERS, environments.REGISTRY, conformal.REGISTRY):
        for spec in registry.values():
            for p in spec.params:
                bad = {"float": [huge, -huge], "int": [huge], "vector": [[huge]], "matrix": [[[huge]]],
                       "choice": [np.array(p.choices[:2] * 2)]}.get(p.kind, [])
                for value in bad:
                    with pytest.raises(ParameterError, match=f"'{p.name}'"):
                        spec.make(**{p.name: value})
    with pytest.raises(ParameterError, match="'coverage'"):
        conformal.run_scores("aci", [1.0, 0.0, 2.0], coverage=huge)


def test_huge_integer_rounds_play_alike_compiled_and_uncompiled():
    """A switching period or a decoy span past int64 (10**19 rounds) gave the compiled kernels other worlds than the
    python backend: int(1e19) wrapped to a negative period, so the best arm moved after round 0 (it never moves in
    a period of 10**19 rounds), and math.floor of a death round near 1e19 wrapped to a negative round.  The period is
    held below 2^62 in the row (switching's, the SEA worlds', whose sign flipped after round 0 on the cpu backend for
    a period of 2^63, and the change_points score stream's, whose regime switched at round 2); the span is refused past 10**15, and at that end both backends draw the
    same world."""
    from environments import adversarial, expert_sequences
    from olearn.backends.cpu import compile_kernel

    env = environments.make("switching", n_arms=3, period=10**19, gap=0.3)
    row, state, obs = env.row(), np.zeros(1), np.zeros(0)
    compiled = compile_kernel(adversarial.switching_mean_loss)
    for t in (0, 1, 7, 10**6):  # (t // period) % K = 0: arm 0 is best throughout
        assert compiled(state, row, obs, t, 0) == adversarial.switching_mean_loss(state, row, obs, t, 0) == pytest.approx(0.2)
        assert compiled(state, row, obs, t, 1) == 0.5
    from environments import score_streams
    row = score_streams.make("change_points", scales=[1.0, 4.0], period=2**63).row()
    compiled = compile_kernel(score_streams.change_points_score)
    for t in (0, 1, 2, 10**6):  # one regime throughout: |sigma_0 Z_t| with sigma_0 = 1, the same draw both ways
        ours = compiled(state, row, obs, t, 1, 0)
        assert ours == score_streams.change_points_score(state, row, obs, t, 1, 0)
        assert ours == abs(olearn.core.rng.normal(1, olearn.core.rng.ENV, t, 0))
    from environments import sea
    row = environments.make("sea_linear", dim=2, drift="switching", period=2**63).row()
    compiled, x = compile_kernel(sea.sea_draw), np.zeros(2)
    for t in (0, 1, 2, 10**6):  # theta_t = +kappa u throughout (the sign flips only after a period)
        ours, theirs = np.zeros(8), np.zeros(8)
        compiled(ours, row, x, t, 1)
        sea.sea_draw(theirs, row, x, t, 1)
        np.testing.assert_array_equal(ours, theirs)
        assert ours[0] == ours[1] > 0
    with pytest.raises(olearn.ParameterError, match="'span'") as err:
        environments.make("small_loss_experts", n_experts=3, span=10**19, best_loss=2)
    assert err.value.name == "span"
    span, p, n_losses = expert_sequences.MAX_SPAN, 0.5, 2
    env = environments.make("small_loss_experts", n_experts=3, span=span, decoy_loss=p, best_loss=n_losses)
    row = env.row()
    reset = compile_kernel(expert_sequences.decoys_reset)
    stratum = span // n_losses
    for seed in (1, 2, 3):
        ours, theirs = np.zeros(env.state_size()), np.zeros(env.state_size())
        reset(ours, row, seed)
        expert_sequences.decoys_reset(theirs, row, seed)
        np.testing.assert_array_equal(ours, theirs)
        deaths = ours[1:4]
        assert np.all((deaths >= 0) & (deaths < span - math.ceil(2 * (n_losses + 1) / p)))
        assert [int(r) // stratum for r in ours[4:]] == [0, 1]


def test_a_small_loss_count_past_its_span_is_named_with_the_largest_that_fits(monkeypatch):
    """small_loss_experts refuses L* unless decoys still die in span - ceil(2 (L* + 1) / p) >= 1 rounds, and names the
    largest L* that fits.  It found that L* by stepping down one at a time from span: minutes at span = 10**9, years at
    the largest span, before the refusal.  Here the named end is checked against its definition (it fits, one more
    does not), against a slow scan for small spans, and within a few evaluations of the rule."""
    from environments import expert_sequences

    def fits(n, span, p):
        return n == 0 or (n <= span and span - math.ceil(2.0 * (n + 1) / p) >= 1)

    calls = []
    rule = expert_sequences._death_rounds
    monkeypatch.setattr(expert_sequences, "_death_rounds", lambda v, n: calls.append(n) or rule(v, n) if len(calls) < 100
                        else pytest.fail("the largest L* is searched one step at a time"))
    for span, p, asked in ((7, 1.0, 7), (40, 0.3, 41), (101, 0.7, 50), (10**6, 0.5, 10**6), (10**15, 0.37, 10**15)):
        calls.clear()
        with pytest.raises(olearn.ParameterError, match=r"'best_loss'.*an integer in \[0, (\d+)\]") as err:
            environments.make("small_loss_experts", span=span, decoy_loss=p, best_loss=asked)
        most = int(err.value.allowed.split("]")[0].split(", ")[1])
        assert fits(most, span, p) and not fits(most + 1, span, p), (span, p, most)
        if span <= 1000:
            assert most == max(n for n in range(span + 1) if fits(n, span, p))
        environments.make("small_loss_experts", span=span, decoy_loss=p, best_loss=most)
