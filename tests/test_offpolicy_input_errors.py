"""Hostile input to olearn.offpolicy and olearn.delays: each is refused before any work with a ParameterError (a
ConfigError in a config) that names the parameter and its range; valid edge inputs give hand-computed values.

* Delays are integers in [0, 2^62] (round 2^62 is past any horizon): a float 1e300 or an integer 2^63 in a sequence
  is refused, 2^62 itself is accepted; a Delay made by hand is held to what fixed, uniform and sequence make.
* Logs: n_arms in [1, 10^6]; propensities in [1e-100, 1] (1 / MAGNITUDE, as olearn's parameters, so 1 / p is
  finite); losses, contexts (and a given loss model) of magnitude at most 1e100.  With those, IPS on
  l = (1e100, -1e100, 3), w = (1e100, 1e100, 1) has terms (1e200, -1e200, 3): mean 1 and sample standard deviation
  sqrt(2e400 / 2) = 1e200 (the squares overflow unless scaled), stderr 1e200 / sqrt(3).
* fit_loss_model's folds default to min(2, n): a one-event log (no contexts) predicts its own loss, so the direct
  method and doubly robust both give that loss (DR's residual is 0), with an infinite standard error (n = 1).
* Without contexts each arm's prediction is its mean loss over the fitting blocks (others: the mean of all there):
  events (arm 0, 0.1), (arm 1, 0.2) in two folds predict row 0 from event 1 (0.2 for every arm) and row 1 from
  event 0 (0.1 for every arm), whatever the number of arms (10^6 here, fitted arm by logged arm).
* collect: n at most the events whose arrays fit in 8 GiB: 8 (d + 3 + K) bytes each for a world with means.
* Logs.from_frame and a config's [logs] file: unreadable tables and columns are named, never a pandas error.
"""
import math

import numpy as np
import pandas as pd
import pytest

import environments
from olearn import ParameterError, delays, offpolicy
from olearn.experiment import ConfigError, parse


def _refused(call, name, *phrases, error=ParameterError):
    with pytest.raises(error) as err:
        call()
    assert err.value.name == name, str(err.value)
    for phrase in phrases:
        assert phrase in str(err.value), str(err.value)
    return err.value


# 1. delays


@pytest.mark.parametrize("seq", [[1e300] * 10, [0, 2**63], [2.0**62 * 2]])
def test_a_sequence_refuses_delays_past_2_to_62(seq):
    _refused(lambda: delays.sequence(seq), "sequence", "integers >= 0", "at most 2^62 = 4611686018427387904")


def test_a_delay_of_2_to_62_is_the_longest_and_fixed_and_uniform_keep_to_it():
    assert delays.sequence([0, 2**62]).max_delay == 2**62
    assert delays.sequence([3.0, 1.0]).values == (3, 1)
    _refused(lambda: delays.fixed(2**70), "d", "at most 2^62")
    _refused(lambda: delays.uniform(2**62 + 1), "max_delay", "at most 2^62")
    assert delays.Delay(2, 3, (1, 3)).row().tolist() == [2.0, 3.0, 1.0, 3.0]  # a valid hand-made delay is kept
    assert delays.Delay(0, 4) == delays.fixed(4)


@pytest.mark.parametrize("args, name, phrase", [
    ((7, 3), "kind", "0 (fixed), 1 (uniform) or 2 (sequence)"),
    ((0, -3), "max_delay", "an integer >= 0"),
    ((1, 1.5), "max_delay", "an integer >= 0"),
    ((True, 1), "kind", "0 (fixed)"),
    ((2, 3, (1, 4)), "values", "integers in [0, max_delay = 3]"),
    ((2, 3, ()), "values", "a non-empty tuple"),
    ((0, 3, (1,)), "values", "() for a fixed or uniform delay"),
])
def test_a_hand_made_delay_is_checked(args, name, phrase):
    _refused(lambda: delays.Delay(*args), name, phrase)


# 2. and 5. magnitudes


def test_a_subnormal_propensity_is_refused_and_1e_minus_100_is_the_smallest():
    _refused(lambda: offpolicy.Logs(None, [0, 1], [0.0, 1.0], [5e-324, 1.0], 2), "propensities", "[1e-100, 1]")
    _refused(lambda: offpolicy.Logs(None, [0, 1], [0.0, 1.0], [9e-101, 1.0], 2), "propensities", "[1e-100, 1]")
    logs = offpolicy.Logs(None, [0, 1], [0.5, 1.0], [1e-100, 1.0], 2)
    est = offpolicy.ips(logs, [[1.0, 0.0], [0.0, 1.0]])  # terms 0.5e100 and 1
    assert est.value == pytest.approx((0.5e100 + 1.0) / 2, rel=1e-12)


@pytest.mark.parametrize("make, name", [
    (lambda: offpolicy.Logs(None, [0, 1], [1e308, 0.2], [0.5, 0.5], 2), "losses"),
    (lambda: offpolicy.Logs(None, [0, 1], [-1.1e100, 0.2], [0.5, 0.5], 2), "losses"),
    (lambda: offpolicy.Logs([1e200, 1.0], [0, 1], [0.1, 0.2], [0.5, 0.5], 2), "contexts"),
    (lambda: offpolicy.Logs([[0.0, -1e101], [1.0, 2.0]], [0, 1], [0.1, 0.2], [0.5, 0.5], 2), "contexts"),
])
def test_logged_magnitudes_past_1e100_are_refused(make, name):
    _refused(make, name, "[-1e100, 1e100]")


def test_a_loss_model_past_1e100_is_refused():
    logs = offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], 2)
    for estimator in (offpolicy.direct, offpolicy.doubly_robust):
        _refused(lambda: estimator(logs, [[1.0, 0.0], [0.0, 1.0]], [[1e308, 0.0], [0.0, 1.0]]), "model", "[-1e100, 1e100]")


def test_losses_and_weights_of_1e100_give_a_finite_standard_error():
    logs = offpolicy.Logs(None, [0, 1, 0], [1e100, -1e100, 3.0], [1e-100, 1e-100, 1.0], 2)
    target = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    est = offpolicy.ips(logs, target)
    assert est.value == pytest.approx(1.0)
    assert est.stderr == pytest.approx(1e200 / math.sqrt(3), rel=1e-9)
    sn = offpolicy.snips(logs, target)  # spread w (l - V) = (1e200, -1e200, ~3): sqrt(2e400 * 3 / 2) / (2e100 + 1)
    assert sn.stderr == pytest.approx(math.sqrt(3.0) * 1e200 / 2e100, rel=1e-9)
    x = [[1e100], [-1e100], [3.0]]  # a lone event per arm with contexts of 1e100: X'X + ridge is singular in doubles
    dr = offpolicy.doubly_robust(offpolicy.Logs(x, [0, 1, 0], [1e100, -1e100, 3.0], [1e-100, 1e-100, 1.0], 2), target)
    assert math.isfinite(dr.value) and math.isfinite(dr.stderr)


# 3. folds default


def test_a_one_event_log_fits_without_cross_fitting():
    logs = offpolicy.Logs(None, [0], [0.5], [1.0], 1)
    assert offpolicy.fit_loss_model(logs).tolist() == [[0.5]]
    for estimator in (offpolicy.direct, offpolicy.doubly_robust):
        est = estimator(logs, [[1.0]])
        assert est.value == 0.5 and est.stderr == math.inf and est.n == 1
    _refused(lambda: offpolicy.fit_loss_model(logs, folds=2), "folds", "an integer in [1, 1]")


# 4. sizes


def test_n_arms_is_at_most_a_million_and_a_million_arms_fit_quickly():
    _refused(lambda: offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], 2**70), "n_arms", "an integer in [1, 1000000]")
    _refused(lambda: offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], 10**6 + 1), "n_arms", "an integer in [1, 1000000]")
    q = offpolicy.fit_loss_model(offpolicy.Logs(None, [0, 1], [0.1, 0.2], [0.5, 0.5], 10**6))
    assert q.shape == (2, 10**6)
    assert np.all(q[0] == 0.2) and np.all(q[1] == 0.1)


def test_collect_refuses_more_events_than_fit_in_8_gib():
    env = environments.make("bernoulli", means=[0.2, 0.8])
    fits = 8 * 2**30 // (8 * (0 + 3 + 2))  # no contexts; action, loss, propensity and 2 means per event
    _refused(lambda: offpolicy.collect(env, n=2**70, backend="python"), "n", f"an integer in [1, {fits}]", "8 GiB")
    _refused(lambda: offpolicy.collect(env, n=fits + 1, backend="python"), "n", f"an integer in [1, {fits}]")


# 6. tables and files

FRAME = {"action": [0, 1], "loss": [0.1, 0.2], "propensity": [0.5, 0.5]}


@pytest.mark.parametrize("change, kwargs, name", [
    ({"loss": ["x", 0.2]}, {}, "loss"),
    ({"propensity": [0.5, "x"]}, {}, "propensity"),
    ({}, {"action": ["action"]}, "action"),
    ({"action": [-3, -2]}, {}, "action"),
    ({"r": ["a", "b"]}, {"reward": "r", "loss": None}, "reward"),
])
def test_from_frame_names_the_bad_column(change, kwargs, name):
    frame = pd.DataFrame({**FRAME, **change})
    err = _refused(lambda: offpolicy.Logs.from_frame(frame, **kwargs), name)
    assert "column" in err.allowed


def test_from_frame_refuses_a_non_table_and_reads_integer_objects():
    _refused(lambda: offpolicy.Logs.from_frame(5), "frame", "a pandas DataFrame")
    frame = pd.DataFrame({**FRAME, "action": np.array([0, 2], dtype=object)})
    logs = offpolicy.Logs.from_frame(frame)
    assert logs.actions.dtype == np.int64 and logs.actions.tolist() == [0, 2] and logs.n_arms == 3


@pytest.mark.parametrize("name, content, phrase", [
    ("empty.csv", b"", "a readable CSV file"),
    ("garbage.csv", b'\x00\xff\xfe,,,\n"unterminated\n', "a readable CSV file"),
    ("garbage.parquet", b"not parquet at all", "a readable Parquet file"),
    ("bad.csv", b"action,loss,propensity\n0,x,0.5\n1,0.2,0.5\n", "bad.csv"),
])
def test_a_bad_logs_file_is_a_config_error(tmp_path, name, content, phrase):
    path = tmp_path / name
    path.write_bytes(content)
    config = {"run": {"horizon": 1}, "logs": {"file": str(path)}, "learners": [{"name": "ucb1"}]}
    err = _refused(lambda: parse(config, source="t"), "logs.loss" if name == "bad.csv" else "logs.file", phrase, error=ConfigError)
    assert err.value == str(path) or str(path) in err.allowed  # the file is named (the message may cut a long value)
