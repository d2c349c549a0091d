"""The conformance checker (olearn.testing) against deliberately broken specs, runs and worlds: each check
rejects what it exists to reject.  No cpu compilation: the broken learners and worlds fail on the python
backend, which runs first, and the helpers are fed hand-built arrays.

* ``check_parameters`` tries, for each declared parameter, the values its ``Param`` forbids: NaN (every
  comparison with NaN is false, so ``if x < low or x > high: raise`` lets it through), a fraction for an
  integer, a point past each finite end, an open end itself, a non-choice, a non-bool, text, an empty vector
  and an entry below a vector's low.  A make() that accepts one of them, or refuses it without naming the
  parameter, is flagged.
* ``range_ends`` of an open range [1, 2] is the pair of floats just inside it: 1 + 2^-52 and 2 - 2^-52
  (the spacing of doubles in [1, 2) is 2^-52), both accepted by the parameter and both ends reported.
* ``check_range_ends`` turns any arithmetic error of the python backend at a range end into an
  AssertionError (Python's math.exp(1000) raises OverflowError where compiled code returns inf); it tries
  every choice and both flag values, and it builds the spec from ``base`` (a world that a cross-parameter
  rule refuses without it would otherwise be skipped untested).
* ``assert_same_run`` compares all four fields bit for bit (NaN equal to NaN), or to rtol 1e-9 and
  atol 1e-12 with ``exact=False``: a relative gap of 1e-7, or 1e-8 near zero, is a difference.  Its
  message counts the differing entries and names the largest, a NaN on one side counting as infinite.
* ``_first_bad`` names the first non-finite entry in C order (an inf is as bad as a NaN);
  ``_within_world`` caps a run at a data stream's length and never lengthens it.
"""
import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest

import environments
import olearn
from olearn import conformal, learners, testing
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param

UCB1 = learners.REGISTRY["ucb1"]


# ---------------------------------------------------------------- check_parameters


class LooseSpec:
    """A spec (name, params, make) whose make() refuses what ``refuses(name, value)`` says, naming the parameter."""

    def __init__(self, params, refuses, name_in_error=True, plain=False):
        self.name, self.params, self.refuses, self.name_in_error, self.plain = "loose", tuple(params), refuses, name_in_error, plain

    def make(self, **values):
        for key, value in values.items():
            if self.refuses(key, value):
                if self.plain:  # a bare ValueError (from a library call, say), not the ParameterError make() promises
                    raise ValueError(f"could not use {key}={value!r}")
                raise ParameterError(self.name, key if self.name_in_error else "value", value, "something else")
        return None


def _range_only(low, high):
    """The classic validator bug: ``x < low or x > high`` is False for NaN, so NaN passes."""
    return lambda key, v: isinstance(v, str) or v < low or v > high


def _strict(p):
    """A correct validator for ``p`` except where a case below loosens it."""
    return lambda key, v: not _valid(p, v)


def _valid(p, v):
    try:
        p.validate("loose", v)
    except ParameterError:
        return False
    return True


FLOAT = Param("eta", 0.5, "a rate", low=0.0, high=1.0)
OPEN = Param("eta", 0.5, "a rate", low=0.0, high=1.0, open_low=True, open_high=True)
INT = Param("n", 3, "a count", kind="int", low=1, high=10)
CHOICE = Param("mode", "a", "a mode", kind="choice", choices=("a", "b"))
FLAG = Param("flag", False, "a flag", kind="bool")
VECTOR = Param("means", (0.5,), "means", kind="vector", low=0.0, high=1.0)
MATRIX = Param("table", ((0.5,),), "a table", kind="matrix", low=0.0, high=1.0)

LOOSE = {  # name: (param, a validator that accepts exactly one kind of forbidden value, the value it lets through)
    "nan": (FLOAT, _range_only(0.0, 1.0), "nan"),
    "fraction": (INT, lambda key, v: not (1 <= v <= 10), "1.5"),
    "below_int_low": (INT, lambda key, v: not (0 <= v <= 10) or v != math.floor(v), "0"),
    "above_int_high": (INT, lambda key, v: not (1 <= v <= 11) or v != math.floor(v), "11"),
    "open_low_end": (OPEN, lambda key, v: not (0.0 <= v < 1.0), "0.0"),
    "open_high_end": (OPEN, lambda key, v: not (0.0 < v <= 1.0), "1.0"),
    "any_choice": (CHOICE, lambda key, v: False, "'not-a-choice'"),
    "truthy_flag": (FLAG, lambda key, v: v not in (True, False, "yes"), "'yes'"),
    "text_vector": (VECTOR, lambda key, v: not isinstance(v, str) and not _valid(VECTOR, v), "'text'"),
    "empty_vector": (VECTOR, lambda key, v: v != [] and not _valid(VECTOR, v), r"\[\]"),
    "negative_matrix_entry": (MATRIX, lambda key, v: not _valid(Param("t", ((0.5,),), "", kind="matrix", high=1.0), v),
                              r"\[\[-1.0\]\]"),
    "negative_entry": (VECTOR, lambda key, v: not _valid(Param("m", (0.5,), "", kind="vector", high=1.0), v), r"\[-1.0\]"),
}


@pytest.mark.parametrize("case", sorted(LOOSE))
def test_check_parameters_flags_a_make_that_accepts_a_forbidden_value(case):
    p, refuses, shown = LOOSE[case]
    testing.check_parameters(LooseSpec([p], _strict(p)))  # the correct validator passes
    with pytest.raises(AssertionError, match=rf"loose: {p.name}={shown} was accepted"):
        testing.check_parameters(LooseSpec([p], refuses))


def test_check_parameters_flags_an_error_that_does_not_name_the_parameter():
    with pytest.raises(AssertionError, match=r"loose: error for eta=nan does not name it"):
        testing.check_parameters(LooseSpec([FLOAT], _strict(FLOAT), name_in_error=False))


def test_check_parameters_does_not_take_a_plain_value_error_for_a_parameter_error():
    with pytest.raises(ValueError, match=r"could not use eta=nan") as err:
        testing.check_parameters(LooseSpec([FLOAT], _strict(FLOAT), plain=True))
    assert not isinstance(err.value, ParameterError)


# ---------------------------------------------------------------- range_ends


def test_range_ends_are_the_floats_just_inside_open_ends():
    p = Param("c", 1.5, "a constant", low=1.0, high=2.0, open_low=True, open_high=True)
    assert testing.range_ends(p) == [1.0 + 2.0**-52, 2.0 - 2.0**-52]
    for v in testing.range_ends(p):
        assert p.validate("x", v) == v  # inside: accepted
    closed = Param("c", 1.5, "a constant", low=1.0, high=2.0)
    assert testing.range_ends(closed) == [1.0, 2.0]
    assert testing.range_ends(Param("c", 1.5, "a constant", low=-3.0)) == [-3.0, 1e100]  # MAGNITUDE caps it


# ---------------------------------------------------------------- check_range_ends, on the python backend


def _with_act(name, act, params, row):
    return dataclasses.replace(UCB1, name=name, act=act, params=(UCB1.params[0],) + tuple(params), row=row,
                               test_params=({},))


@kernel
def exp_c_act(state, params, obs, t, seed, action):
    action[0] = 0.0 if math.exp(params[1]) > 1.0 else 1.0


def test_check_range_ends_reports_an_overflow_at_a_range_end():
    """exp(c) for c in [1000, 2000]: Python's math.exp raises OverflowError at both ends (compiled: inf)."""
    broken = _with_act("exp_c", exp_c_act, [Param("c", 1500.0, "a constant", low=1000.0, high=2000.0)],
                       lambda v, k, d, h: [k, v["c"]])
    with pytest.raises(AssertionError, match=r"exp_c\(c=1000.0\) with bernoulli: the python backend raised OverflowError"):
        testing.check_range_ends(broken, environments.make("bernoulli"))


@kernel
def log_p2_act(state, params, obs, t, seed, action):
    action[0] = 0.0 if math.log(params[1]) > -1.0 else 1.0


@pytest.mark.parametrize("kind", ["choice", "bool"])
def test_check_range_ends_tries_every_choice_and_flag_value(kind):
    """The row holds ln's argument: 0 (ValueError in Python) for the first value tried ('bad', or True)."""
    if kind == "choice":
        p, bad = Param("mode", "good", "a mode", kind="choice", choices=("bad", "good")), "'bad'"
    else:
        p, bad = Param("flag", False, "a flag", kind="bool"), "True"
    broken = _with_act("log_p", log_p2_act, [p], lambda v, k, d, h: [k, 0.0 if v[p.name] in ("bad", True) else 1.0])
    with pytest.raises(AssertionError, match=rf"log_p\({p.name}={bad}\) with bernoulli: the python backend raised ValueError"):
        testing.check_range_ends(broken, environments.make("bernoulli"))


@kernel
def log_sigma_loss(es, ep, obs, t, seed, k):
    return math.log(ep[2])  # gaussian's row = [K, 1 - max mean, sigma, means]


def _two_arms_only(values):
    if len(values["means"]) != 2:
        raise ParameterError("log_sigma", "means", values["means"], "two arms")


def test_check_range_ends_builds_a_world_from_base():
    """A world refused by a cross-parameter rule at its defaults (nine arms) but valid at ``base`` (two arms):
    its sigma = 0 end (ln 0: ValueError in Python) must be run from base, not skipped as refused."""
    world = dataclasses.replace(environments.REGISTRY["gaussian"], name="log_sigma", loss=log_sigma_loss,
                                check=_two_arms_only)
    exp3 = olearn.make("exp3", eta=0.3)
    testing.check_range_ends(world, exp3)  # without base every value is refused: nothing runs
    with pytest.raises(AssertionError, match=r"log_sigma\(sigma=0.0\) with exp3: the python backend raised ValueError"):
        testing.check_range_ends(world, exp3, base={"means": [0.0, 1.0]})


# ---------------------------------------------------------------- assert_same_run and its messages


FIELDS = ("values", "actions", "losses", "states")


def _run(**changes):
    arrays = {"values": np.array([[[0.5, np.nan]]]), "actions": np.array([[[0.0, 1.0, 2.0]]]),
              "losses": np.array([[[0.0, 1.0, 0.25]]]), "states": np.array([[[1.0, 2.0, 3.0, 4.0]]])}
    arrays.update(changes)
    return SimpleNamespace(**arrays)


@pytest.mark.parametrize("field", FIELDS)
def test_assert_same_run_compares_every_field(field):
    a = _run()
    changed = getattr(a, field).copy()
    changed[0, 0, 0] += 1.0
    for exact in (True, False):
        testing.assert_same_run(a, _run(), "same", exact=exact)  # NaN matches NaN
        with pytest.raises(AssertionError, match=rf"x: {field} differ"):
            testing.assert_same_run(a, _run(**{field: changed}), "x", exact=exact)


def test_assert_same_run_flags_a_field_kept_by_one_run_and_a_shape_mismatch():
    with pytest.raises(AssertionError, match="x: states kept by only one run"):
        testing.assert_same_run(_run(states=None), _run(), "x")
    with pytest.raises(AssertionError, match="x: states kept by only one run"):
        testing.assert_same_run(_run(), _run(states=None), "x")
    testing.assert_same_run(_run(states=None), _run(states=None), "x")
    with pytest.raises(AssertionError, match=r"x: losses shapes \(1, 1, 3\) and \(1, 1, 2\)"):
        testing.assert_same_run(_run(), _run(losses=np.zeros((1, 1, 2))), "x")


def test_assert_same_run_inexact_tolerances_are_rtol_1e9_and_atol_1e12():
    one = np.array([[[1.0, 1.0, 1.0]]])
    testing.assert_same_run(_run(losses=one), _run(losses=one * (1.0 + 1e-11)), "x", exact=False)  # within rtol
    with pytest.raises(AssertionError, match="x: losses differ"):
        testing.assert_same_run(_run(losses=one), _run(losses=one * (1.0 + 1e-7)), "x", exact=False)  # 100 rtol
    zero = np.zeros((1, 1, 3))
    testing.assert_same_run(_run(losses=zero), _run(losses=zero + 1e-13), "x", exact=False)  # within atol
    with pytest.raises(AssertionError, match="x: losses differ"):
        testing.assert_same_run(_run(losses=zero), _run(losses=zero + 1e-8), "x", exact=False)
    with pytest.raises(AssertionError, match="x: losses differ"):  # exact: one ulp is a difference
        testing.assert_same_run(_run(losses=one), _run(losses=one * (1.0 + 2.0**-52)), "x")


def test_the_difference_message_counts_entries_and_names_the_largest():
    x = np.array([[0.0, 1.0], [5.0, 2.0]])
    y = np.array([[0.0, 1.5], [2.0, 2.0]])  # gaps 0, 0.5, 3, 0: two differ, the largest at (1, 0)
    assert testing._largest_difference(x, y) == "2 of 4 entries; the largest at (1, 0): 5.0 and 2.0"
    x = np.array([0.0, np.nan, 1.0, np.nan])
    y = np.array([0.0, 0.0, 4.0, np.nan])  # NaN on one side only beats a gap of 3; NaN on both is no gap
    assert testing._largest_difference(x, y) == "2 of 4 entries; the largest at (1,): nan and 0.0"


def test_first_bad_names_the_first_non_finite_entry_inf_included():
    states = np.zeros((2, 3, 4))
    states[0, 1, 2] = np.inf
    states[1, 0, 0] = np.nan
    states[1, 2, 3] = -np.inf
    message = testing._first_bad(states)
    assert message.startswith("configuration 0, seed index 1, state[2] = ") and "inf" in message and "nan" not in message


# ---------------------------------------------------------------- _within_world


def test_within_world_caps_at_a_streams_length_and_never_lengthens():
    def world(cap):
        return SimpleNamespace(type=SimpleNamespace(max_horizon=lambda values: cap), values={})

    assert testing._within_world(40, world(None)) == 40
    assert testing._within_world(40, world(25)) == 25
    assert testing._within_world(40, world(100)) == 40


# ---------------------------------------------------------------- check_learner and check_environment, no compilation
# olearn.run is replaced for these tests by one that runs the python backend whatever backend is asked for (the
# checks under test compare runs; which compiler made them is not what they check), or by a "cpu" backend that
# parts from python in the last bit of one loss, as compiled exp or log could.


@pytest.fixture
def python_as_cpu(monkeypatch):
    real = olearn.run

    def run(*args, backend="python", **kw):
        return real(*args, backend="python", **kw)

    monkeypatch.setattr(olearn, "run", run)


@pytest.fixture
def cpu_off_by_one_ulp(monkeypatch):
    real = olearn.run

    def run(*args, backend="python", **kw):
        out = real(*args, backend="python", **kw)
        if backend == "cpu":
            out.losses[..., -1] = np.nextafter(out.losses[..., -1], math.inf)
        return out

    monkeypatch.setattr(olearn, "run", run)


def _ucb1(name, **changes):
    return dataclasses.replace(UCB1, name=name, **{"test_params": ({},), **changes})


def test_check_learner_runs_every_test_params_entry(python_as_cpu):
    """UCB1's 4 K slots declared as 4 K - 1 at its second test parameters only: a write past the state there."""
    short = _ucb1("short", test_params=({}, {"c": 0.5}), state_size=lambda v, k, d: 4 * k - (v["c"] == 0.5))
    with pytest.raises(AssertionError, match=r"short\{'c': 0.5\} on bernoulli: the python backend raised IndexError"):
        testing.check_learner(short)


@dataclasses.dataclass(frozen=True)
class NanTolerant(Param):
    """A parameter whose validation lets NaN through (the check ``x < low`` is False for NaN)."""

    def validate(self, owner, value):
        if isinstance(value, float) and math.isnan(value):
            return value
        return super().validate(owner, value)


def test_check_learner_checks_parameter_errors(python_as_cpu):
    loose = _ucb1("loose_c", params=(UCB1.params[0], NanTolerant("c", 2.0, "exploration constant", low=0.0)))
    with pytest.raises(AssertionError, match=r"loose_c: c=nan was accepted"):
        testing.check_learner(loose)


@kernel
def reported_act(state, params, obs, t, seed, action):
    action[0] = t % params[0]
    action[1] = params[1]  # the probability reported with the arm


@pytest.mark.parametrize("p", [0.0, 1.5])
def test_check_learner_flags_a_reported_probability_outside_0_1(python_as_cpu, p):
    """A sampler (action_dim 2) reporting probability 0 or 1.5 for the arm it plays: not a probability in (0, 1]."""
    broken = _ucb1("reporter", act=reported_act, action_dim=2, row=lambda v, k, d, h: [k, p])
    with pytest.raises(AssertionError, match=rf"reporter on bernoulli: probability {p} outside \(0, 1\]"):
        testing.check_learner(broken)


@kernel
def inf_on_fractions_update(state, params, obs, action, feedback, t, seed):
    UCB1.update(state, params, obs, action, feedback, t, seed)
    if 0.0 < feedback[0] < 1.0:
        state[0] = math.inf


def test_check_learner_flags_a_state_that_turns_infinite_step_wise(python_as_cpu):
    """Finite on Bernoulli losses (0 or 1), infinite on the step-wise check's uniform losses in (0, 1)."""
    broken = _ucb1("fractions", update=inf_on_fractions_update)
    with pytest.raises(AssertionError, match=r"fractions on bernoulli: state not finite at round 0"):
        testing.check_learner(broken)


def test_check_learner_and_check_range_ends_compare_python_with_cpu(cpu_off_by_one_ulp):
    with pytest.raises(AssertionError, match=r"ucb1 on bernoulli: python vs cpu: losses differ \(3 of 120 entries"):
        testing.check_learner(UCB1)  # 3 seeds x 40 rounds, the last round of each seed off
    with pytest.raises(AssertionError, match=r"ucb1\(c=0.0\) with bernoulli: python vs cpu: losses differ"):
        testing.check_range_ends(UCB1, environments.make("bernoulli"))


def test_check_environment_compares_python_with_cpu(cpu_off_by_one_ulp):
    with pytest.raises(AssertionError, match=r"bernoulli\{'means': \[0.2, 0.5, 0.8\]\}: python vs cpu: losses differ"):
        testing.check_environment(environments.REGISTRY["bernoulli"])


ACI = conformal.REGISTRY["aci"]


@pytest.mark.parametrize("radius, what", [(-1.0, "a negative radius"), (math.inf, "metrics not finite")])
def test_check_learner_flags_a_conformal_radius_that_is_negative_or_infinite(python_as_cpu, radius, what):
    @kernel
    def fixed_radius_act(state, params, obs, t, seed, action):
        ACI.act(state, params, obs, t, seed, action)
        action[0] = radius

    broken = dataclasses.replace(ACI, name="fixed_radius", act=fixed_radius_act, test_params=({},))
    with pytest.raises(AssertionError, match=rf"fixed_radius on change_points: {what}"):
        testing.check_learner(broken)


@kernel
def best_is_ten(state, params, obs, t):
    return 10.0


@pytest.mark.parametrize("name, what", [("bernoulli", r"a mean loss below the best at round 0"),
                                        ("rotting", r"mean losses below the oracle's over rounds 0..0")])
def test_check_environment_flags_a_best_mean_loss_above_the_means(python_as_cpu, name, what):
    """Bernoulli losses are in [0, 1], so a best mean loss of 10 lies above every arm's mean (each round); the
    rested rotting world's oracle is compared over runs of rounds, from the first."""
    broken = dataclasses.replace(environments.REGISTRY[name], name="high_best", best_mean_loss=best_is_ten,
                                 test_params=environments.REGISTRY[name].test_params[:1])
    with pytest.raises(AssertionError, match=rf"high_best.*: {what}"):
        testing.check_environment(broken)


@kernel
def infinite_mean_loss(state, params, obs, t, k):
    return math.inf


def test_check_environment_flags_infinite_metrics(python_as_cpu):
    broken = dataclasses.replace(environments.REGISTRY["bernoulli"], name="inf_mean", mean_loss=infinite_mean_loss,
                                 test_params=({},))
    with pytest.raises(AssertionError, match=r"inf_mean: metrics not finite"):
        testing.check_environment(broken)


def test_check_environment_checks_parameter_errors(python_as_cpu):
    gaussian = environments.REGISTRY["gaussian"]
    loose = dataclasses.replace(gaussian, name="loose_sigma",
                                params=(gaussian.params[0], NanTolerant("sigma", 1.0, "deviation", low=0.0)))
    with pytest.raises(AssertionError, match=r"loose_sigma: sigma=nan was accepted"):
        testing.check_environment(loose)


# ---------------------------------------------------------------- replay_oco (python backend by default) and the defaults


@kernel
def far_act(state, params, obs, t, seed, action):
    for i in range(int(params[0])):
        action[i] = 100.0  # far outside any of the SEA worlds' domains (radius 1 by default)


def test_replay_oco_flags_a_point_outside_the_feasible_set():
    ogd = learners.REGISTRY["ogd"]
    far = dataclasses.replace(ogd, name="far", act=far_act)
    with pytest.raises(AssertionError, match=r"the learner's point is outside X"):
        testing.replay_oco(far.make(), testing.default_world(ogd), horizon=3)


def test_default_worlds_and_probe_learners_are_the_documented_ones():
    """Sleeping learners play sleeping arms, full-information ones experts, bandits Bernoulli arms; sleeping
    worlds are probed by Hedge over specialists, oco ones by OGD, the rest by EXP3."""
    assert testing.default_world(learners.REGISTRY["sleeping_hedge"]).name == "sleeping_bernoulli"
    assert testing.default_world(learners.REGISTRY["hedge"]).name == "experts"
    assert testing.default_world(UCB1).name == "bernoulli"
    assert testing.default_world(ACI).name == "change_points"
    assert testing.probe_learner(environments.REGISTRY["sleeping_bernoulli"]) == "sleeping_hedge"
    assert testing.probe_learner(environments.REGISTRY["sea_quadratic"]) == "ogd"
    assert testing.probe_learner(environments.REGISTRY["bernoulli"]) == "exp3"


@kernel
def nan_context_observe(state, params, t, seed, obs):
    obs[0] = math.nan


def test_check_environment_runs_gymnasiums_checker(python_as_cpu):
    """A world declaring one context value and revealing NaN: EXP3 ignores the context, so the runs agree and
    stay finite, but NaN lies in no Box (gymnasium's check_env: the observation is not within its space)."""
    broken = dataclasses.replace(environments.REGISTRY["bernoulli"], name="nan_context", observe=nan_context_observe,
                                 obs_dim=lambda v: 1, test_params=({},))
    with pytest.raises(AssertionError, match=r"env.reset\(\)` is not within the observation space"):
        testing.check_environment(broken)
