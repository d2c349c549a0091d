"""Bad input gives one clear error naming the parameter and what is allowed; interrupted saves leave nothing."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn import ParameterError, UnknownNameError

ENV = environments.make("bernoulli", means=[0.2, 0.8])
MATRIX5 = environments.make("loss_matrix", losses=[[0.0, 1.0]] * 5)


@pytest.mark.parametrize(
    "call, name, allowed",
    [
        (lambda: environments.make("bernoulli", means=[]), "means", "non-empty list"),
        (lambda: environments.make("bernoulli", means=[-0.1, 0.5]), "means", "[0, 1]"),
        (lambda: environments.make("bernoulli", means=[0.5, 1.5]), "means", "[0, 1]"),
        (lambda: environments.make("bernoulli", means=[0.5, math.nan]), "means", "finite"),
        (lambda: environments.make("loss_matrix", losses=[[0.0, math.nan]]), "losses", "finite"),
        (lambda: environments.make("loss_matrix", losses=[[0.0, 2.0]]), "losses", "[0, 1]"),
        (lambda: environments.make("piecewise_bernoulli", means=[[0.1, 0.9], [0.9, 0.1]], change_points=[]), "change_points", "1 increasing"),
        (lambda: olearn.run("ucb1", ENV, horizon=0), "horizon", "an integer in [1, "),
        (lambda: olearn.run("ucb1", ENV, horizon=-3), "horizon", "an integer in [1, "),
        (lambda: olearn.run("ucb1", ENV, horizon=2.5), "horizon", "an integer in [1, "),
        (lambda: olearn.run("ucb1", ENV, horizon=10, seeds=0), "seeds", "an integer >= 1"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, seeds=[]), "seeds", "distinct"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, seeds=[1, 1]), "seeds", "distinct"),
        (lambda: olearn.run("ucb1", MATRIX5, horizon=6), "horizon", "[1, 5]"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, metrics=["coverage"]), "metrics", "loss, regret, pseudo_regret, counts"),
        (lambda: olearn.run("ucb1", MATRIX5, horizon=5, metrics=["pseudo_regret"]), "metrics", "loss, regret, counts"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, metrics=[]), "metrics", "non-empty"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, checkpoints=[0, 5]), "checkpoints", "[1, 10]"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, checkpoints=[11]), "checkpoints", "[1, 10]"),
        (lambda: olearn.stepwise(olearn.make("ucb1")), "n_arms", "n_arms=K"),
        (lambda: olearn.make("ucb1", n_arms=3).bind(2, 0, 10), "n_arms", "2, the environment's number of actions"),
        (lambda: olearn.run(olearn.make("ucb1", n_arms=3), ENV, horizon=5), "n_arms", "2"),
        (lambda: olearn.make("ucb1", c=-1.0), "c", "[0, inf)"),
        (lambda: olearn.make("exp3", eta=-1.0), "eta", "or None"),
        (lambda: olearn.make("epsilon_greedy", decay="yes"), "decay", "True or False"),
        (lambda: olearn.make("ucb1", gamma=1.0), "gamma", "known parameters are c, n_arms"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, delay=-1), "delay", "an integer >= 0"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, delay=1.5), "delay", "an integer >= 0"),
        (lambda: olearn.delays.fixed(-2), "d", "an integer >= 0"),
        (lambda: olearn.delays.uniform(2.5), "max_delay", "an integer >= 0"),
        (lambda: olearn.delays.sequence([]), "sequence", "non-empty list of integers >= 0"),
        (lambda: olearn.delays.sequence([1, -1]), "sequence", "integers >= 0"),
        (lambda: olearn.delays.sequence([0.5]), "sequence", "integers >= 0"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, delay=olearn.delays.sequence([1, 2, 3])), "sequence", "horizon = 10"),
    ],
)
def test_bad_input_names_the_parameter_and_the_allowed_values(call, name, allowed):
    with pytest.raises(ParameterError) as err:
        call()
    msg = str(err.value)
    assert err.value.name == name and f"parameter '{name}'" in msg and allowed in msg, msg


@pytest.mark.parametrize(
    "call, what, name, choices",
    [
        (lambda: olearn.make("ucb2"), "learner", "ucb2", ["ucb1", "exp3", "hedge"]),
        (lambda: environments.make("bernouli"), "environment", "bernouli", ["bernoulli", "loss_matrix"]),
        (lambda: olearn.run("ucb9", ENV, horizon=5), "learner", "ucb9", ["ucb1"]),
        (lambda: olearn.run("ucb1", "bernoully", horizon=5), "environment", "bernoully", ["bernoulli"]),
        (lambda: olearn.run("ucb1", ENV, horizon=5, backend="tpu"), "backend", "tpu", ["cpu", "python"]),
    ],
)
def test_unknown_names_list_the_choices(call, what, name, choices):
    with pytest.raises(UnknownNameError) as err:
        call()
    msg = str(err.value)
    assert msg.startswith(f"unknown {what} {name!r}") and "choose one of" in msg, msg
    for c in choices:
        assert c in msg


@pytest.mark.parametrize("call, suggestion", [
    (lambda: olearn.make("ucb"), "ucb1"),
    (lambda: environments.make("bernouli"), "bernoulli"),
    (lambda: olearn.make("tsallis"), "tsallis_inf"),
])
def test_a_near_miss_name_is_suggested(call, suggestion):
    with pytest.raises(UnknownNameError, match=rf"\(did you mean '{suggestion}'\?\); choose one of"):
        call()


def test_a_name_far_from_every_choice_gets_no_suggestion():
    with pytest.raises(UnknownNameError) as err:
        olearn.make("zzzzzz")
    assert "did you mean" not in str(err.value)


def test_unknown_metric_of_a_result_names_the_recorded_ones():
    res = olearn.run("ucb1", ENV, horizon=5, backend="python")
    with pytest.raises(ParameterError) as err:
        res.final("coverage")
    assert err.value.name == "metric"
    assert "coverage" in str(err.value) and "pseudo_regret" in str(err.value)


def test_stepwise_rejects_a_wrong_action_or_loss():
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=0, backend="python")
    a = tuner.act()
    with pytest.raises(ParameterError, match="'action'"):
        tuner.update((a + 1) % 3, 0.5)
    with pytest.raises(ParameterError, match="'loss'"):
        tuner.update(a, float("nan"))
    with pytest.raises(ParameterError, match="'seed'"):
        olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=-1)


def _interrupting(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("existing", [False, True])
def test_interrupted_save_leaves_no_directory_and_no_temporary(tmp_path, monkeypatch, existing):
    res = olearn.run("ucb1", ENV, horizon=20, seeds=2, backend="python")
    target = tmp_path / "out" / "run1"
    if existing:  # a previous result at the target stays as it was
        res.save(target)
        before = sorted(p.name for p in target.iterdir())
    import pyarrow.parquet as pq

    monkeypatch.setattr(pq, "write_table", _interrupting)
    with pytest.raises(KeyboardInterrupt):
        res.save(target)
    left = sorted(p.name for p in target.parent.iterdir())
    if existing:
        assert left == ["run1"] and sorted(p.name for p in target.iterdir()) == before
        np.testing.assert_array_equal(olearn.load(target).values, res.values)
    else:
        assert left == [], f"left behind: {left}"


@pytest.mark.parametrize("value", [True, 2.0, "3", None, 0, 11, np.int64(-1)])
def test_check_integer_refuses_what_is_not_an_integer_in_range(value):
    from olearn.core.errors import check_integer

    with pytest.raises(ParameterError, match=r"owner: parameter 'n' .* an integer in \[1, 10\] \(rounds\)"):
        check_integer("owner", "n", value, 1, 10, meaning="rounds")


def test_check_integer_returns_a_python_int():
    from olearn.core.errors import check_integer

    for value in (1, np.int32(7), np.int64(10)):
        out = check_integer("owner", "n", value, 1, 10)
        assert out == value and type(out) is int


def test_a_numpy_scalar_is_shown_as_its_number():
    """NumPy 2 writes repr(np.float64(2.5)) as 'np.float64(2.5)'; messages show the number a user typed."""
    err = olearn.ParameterError("owner", "eta", np.float64(2.5), "a number in (0, 1)")
    assert "'eta' = 2.5 is invalid" in str(err) and isinstance(err.value, np.float64)
    with pytest.raises(olearn.ParameterError, match=r"'eta' = -1 is invalid"):
        olearn.make("exp3", eta=np.int64(-1))


def test_a_conformal_method_asked_of_the_learner_registry_says_where_it_is():
    import environments

    for call in (lambda: olearn.make("saocp"), lambda: olearn.run("quantile_tracking", environments.make("bernoulli"), horizon=5)):
        with pytest.raises(olearn.UnknownNameError, match=r"is a conformal method: olearn\.conformal\.make"):
            call()
    with pytest.raises(olearn.UnknownNameError, match="did you mean 'ucb1'"):
        olearn.make("ucb2")


def test_every_range_a_parameters_help_states_is_the_one_enforced():
    """A help text that says "in (0, 1]" means 0 is refused: every interval a scalar parameter's help states (other
    than the range of the rewards a default refers to) is its enforced range, ends and brackets.  (D-UCB's and
    discounted Thompson's gamma said (0, 1] and took 0, where D-UCB never leaves its first two arms.)"""
    import re

    from olearn import conformal, learners

    interval = re.compile(r"(?<!rewards in )([(\[])(-?[\d.]+|-?inf), (-?[\d.]+|inf)([)\]])")
    checked = 0
    for registry in (learners.REGISTRY, environments.REGISTRY, conformal.REGISTRY):
        for name, spec in registry.items():
            for p in spec.params:
                if p.kind not in ("float", "int"):
                    continue
                for m in interval.finditer(p.doc):
                    low, high = float(m.group(2)), float(m.group(3))
                    assert (low, high) == (p.low, p.high), (name, p.name, p.doc)
                    assert (m.group(1) == "(") == (p.open_low or math.isinf(low)), (name, p.name, p.doc)
                    assert (m.group(4) == ")") == (p.open_high or math.isinf(high)), (name, p.name, p.doc)
                    checked += 1
    assert checked >= 9


def test_every_integer_option_of_the_command_states_its_range_and_enforces_it():
    """Each integer option's help states "an integer >= N", and N - 1 is refused by a ParameterError naming that
    option, before any work.  (bench's --seeds and --horizon had no help, and 0 was refused as a parameter of
    `run` after the kernels had compiled.)"""
    import re
    import typing

    import typer.main
    from typer.testing import CliRunner

    from olearn.cli.main import app

    checked = 0
    for command, click_command in typer.main.get_command(app).commands.items():
        hints = typing.get_type_hints(click_command.callback)
        for param in click_command.params:
            if param.param_type_name != "option" or hints.get(param.name) is not int:
                continue
            stated = re.search(r"an integer (?:>= (-?\d+)|in \[(-?\d+), 2\^(\d+)\])", param.help or "")
            assert stated, (command, param.name, param.help)
            if command == "run":  # needs a config; its --workers check is in tests/test_sweeps.py
                continue
            low = int(stated.group(1) or stated.group(2))
            outside = [low - 1] + ([2 ** int(stated.group(3)) + 1] if stated.group(3) else [])
            for value in outside:
                result = CliRunner().invoke(app, [command, param.opts[0], str(value)])
                assert isinstance(result.exception, olearn.ParameterError), (command, param.name, value, result.output)
                range_text = f">= {low}" if not stated.group(3) else f"[{low}, {2 ** int(stated.group(3))}]"
                assert result.exception.name == param.name and range_text in str(result.exception)
            checked += 1
    assert checked >= 4


def test_horizons_stop_short_of_the_round_where_reset_and_init_draw():
    """A world's reset and a learner's init draw at round 2^62 (rng.RESERVED_ROUND), so a run's rounds 0 .. T - 1
    must stay below it: T <= 2^62 everywhere a horizon is given, and a step-wise run starts at most at 2^62 - 1.
    (A horizon past 2^63 - 1 had reached NumPy's geomspace as an object and raised a TypeError.)"""
    from environments import contextual, expert_sequences
    from olearn.core import rng
    from olearn.engine.run import MAX_HORIZON, world_horizon
    from olearn.learners import private

    assert MAX_HORIZON == 2**62
    assert contextual.RESET_ROUND == expert_sequences.RESET_ROUND == private.INIT_ROUND == rng.RESERVED_ROUND >= MAX_HORIZON
    assert world_horizon("run", 2**62, ENV) == 2**62  # the largest accepted (not run: it would not end)
    stepper = olearn.stepwise(olearn.make("ucb1", n_arms=2), seed=0, backend="python", horizon=2**62, start=2**62 - 1)
    assert stepper.t == 2**62 - 1
    calls = [
        (lambda: olearn.run("ucb1", ENV, horizon=2**62 + 1, backend="python"), "horizon", "[1, 4611686018427387904]"),
        (lambda: olearn.run("ucb1", ENV, horizon=10**20, backend="python"), "horizon", "[1, 4611686018427387904]"),
        (lambda: olearn.stepwise(olearn.make("ucb1", n_arms=2), seed=0, horizon=2**62 + 1), "horizon", "[1, 4611686018427387904]"),
        (lambda: olearn.stepwise(olearn.make("ucb1", n_arms=2), seed=0, start=2**62), "start", "[0, 4611686018427387903]"),
        (lambda: ENV.gym(horizon=2**62 + 1), "horizon", "[1, 4611686018427387904]"),
        (lambda: __import__("olearn.privacy").privacy.check_unit_losses(ENV, 2**62 + 1), "horizon", "[1, 4611686018427387904]"),
    ]
    for call, name, allowed in calls:
        with pytest.raises(ParameterError) as err:
            call()
        assert err.value.name == name and allowed in str(err.value) and "2^62" in str(err.value), str(err.value)


def test_a_number_past_the_largest_double_is_refused_by_name():
    """check_real took math.isfinite of 10**400, which raises OverflowError; a vector env of 2^63 worlds had hung."""
    import environments.gym

    from olearn.core.errors import check_real

    with pytest.raises(ParameterError, match="'x' = 1000.*a finite number"):
        check_real("f", "x", 10**400)
    assert check_real("f", "x", 10**300) == 1e300
    with pytest.raises(ParameterError, match="'num_envs'.*\\[1, 100000\\]"):
        environments.gym.as_vector_env(ENV, num_envs=2**63)


def test_check_range_names_the_parameter_and_states_the_range():
    from olearn.core.errors import check_range

    assert check_range("f", "x", np.float64(0.5), 0.0, 1.0, open_low=True) == 0.5
    assert type(check_range("f", "x", 3, 0.0)) is float
    for value, kwargs, allowed in ((0.0, {"low": 0.0, "open_low": True}, "a finite number > 0"),
                                   (-1, {"low": 0.0}, "a finite number >= 0"),
                                   (1.0, {"low": 0.0, "high": 1.0, "open_low": True, "open_high": True}, "a number in (0, 1)"),
                                   (True, {"low": 0.0, "high": 1.0}, "a number in [0, 1]"),
                                   (math.nan, {}, "a finite number"), (math.inf, {"low": 0.0}, "a finite number >= 0"),
                                   ("1", {"low": 0.0}, "a finite number >= 0"),
                                   (2.0, {"low": 0.0, "high": 1.0, "allowed": "my words"}, "my words")):
        with pytest.raises(ParameterError) as err:
            check_range("f", "x", value, **kwargs)
        assert err.value.name == "x" and str(err.value).endswith("allowed: " + allowed), str(err.value)
