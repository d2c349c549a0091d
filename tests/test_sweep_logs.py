"""Sweeps over logged events ([logs] instead of environments): the stored table is offpolicy.replay's,
seed for seed, whether the events are collected from a world or read from a file; bad tables are one
clear error each, and a log file that changed under a sweep is not mixed into it."""
import numpy as np
import pytest

import environments
import olearn
from olearn import experiment, offpolicy
from olearn.experiment import ConfigError, sweep

WORLD = {"name": "bernoulli", "means": [0.2, 0.5, 0.8]}
EVENTS = 1500
LOGGING = [0.5, 0.3, 0.2]


def _config(logs, **run):
    return {"run": {"horizon": 120, "seeds": 6, "chunk_seeds": 4, "backend": "python", "checkpoints": [40, 120], **run},
            "logs": logs,
            "learners": [{"name": "ucb1"}, {"name": "exp3", "eta": [0.05, 0.5]}]}


def _direct(logs, shuffle):
    """offpolicy.replay called directly, as (label, seed, round, metric) -> value."""
    out = {}
    for name, values in (("ucb1", {}), ("exp3", {"eta": 0.05}), ("exp3", {"eta": 0.5})):
        r = offpolicy.replay(olearn.make(name, **values), logs, horizon=120, seeds=6, checkpoints=[40, 120], shuffle=shuffle,
                             backend="python")
        for s, seed in enumerate(r.seeds):
            for p, rnd in enumerate(r.checkpoints):
                out[(r.labels[0] if not values else f"exp3(eta={values['eta']})", int(seed), int(rnd), "loss")] = r.loss[0, s, p]
                out[(r.labels[0] if not values else f"exp3(eta={values['eta']})", int(seed), int(rnd), "events")] = r.events[0, s, p]
    return out


def _table(frame):
    return {(str(c), int(s), int(r), str(m)): v for c, s, r, m, v in frame[["config", "seed", "round", "metric", "value"]].itertuples(index=False)}


@pytest.fixture(scope="module")
def logs():
    return offpolicy.collect(environments.make(**WORLD), EVENTS, seed=3, logging=LOGGING)


@pytest.mark.parametrize("shuffle", [False, True])
def test_collected_logs_give_replays_table(logs, tmp_path, shuffle):
    exp = experiment.parse(_config({"world": WORLD, "events": EVENTS, "seed": 3, "logging": LOGGING}, shuffle=shuffle), source="t")
    frame = sweep.run_experiment(exp, out=tmp_path / "out")
    assert set(frame["environment"].astype(str)) == {"logs"} and set(frame["env_config"].astype(str)) == {"logs(bernoulli)"}
    got, want = _table(frame), _direct(logs, shuffle)
    assert got.keys() == want.keys()
    assert all(got[k] == want[k] for k in want)
    from olearn.experiment import figures

    assert figures.curves(frame, {"kind": "curves"}).axes[0].get_xlabel() == "kept events (replay)"


def test_a_file_of_events_gives_the_same_table_and_a_changed_file_is_refused(logs, tmp_path):
    table = logs.to_frame().rename(columns={"action": "arm", "propensity": "p"})
    table["click"] = 1.0 - table.pop("loss")
    csv, parquet = tmp_path / "events.csv", tmp_path / "events.parquet"
    table.to_csv(csv, index=False)
    table.to_parquet(parquet)
    columns = {"action": "arm", "propensity": "p", "reward": "click"}
    want = _direct(logs, False)
    for path in (csv, parquet):
        exp = experiment.parse(_config({"file": str(path), "columns": columns, "label": "clicks"}), source="t")
        frame = sweep.run_experiment(exp, out=tmp_path / path.suffix[1:])
        got = _table(frame)
        assert set(frame["env_config"].astype(str)) == {"clicks"}
        np.testing.assert_allclose([got[k] for k in want], [want[k] for k in want], rtol=1e-12)  # 1 - (1 - loss)
    exp = experiment.parse(_config({"file": str(csv), "columns": columns}, seeds=8), source="t")
    table.iloc[:10].to_csv(csv, index=False)  # the file changes after the sweep was set up
    with pytest.raises(olearn.ParameterError, match="has changed"):
        sweep.run_experiment(exp, out=tmp_path / "changed")


def test_a_log_that_runs_out_leaves_nan_and_a_table_without_seeds_at_the_end(tmp_path):
    """Horizon near the log's length: most seeds keep fewer events than asked; their checkpoints are NaN."""
    config = _config({"world": WORLD, "events": 200}, horizon=150, checkpoints=[10, 150])
    frame = sweep.run_experiment(experiment.parse(config, source="t"), out=tmp_path / "out")
    end = frame[(frame["round"] == 150) & (frame["metric"] == "loss")]["value"]
    assert end.isna().all()
    start = frame[(frame["round"] == 10) & (frame["metric"] == "loss")]["value"]
    assert start.notna().all()


@pytest.mark.parametrize("change, key", [
    ({"environments": [WORLD]}, "logs"),
    ({"run": {"shuffle": True}, "logs": None}, "run.shuffle"),
    ({"run": {"delay": 2}}, "run.delay"),
    ({"run": {"metrics": ["regret"]}}, "run.metrics"),
    ({"run": {"horizon": EVENTS + 1}}, "run.horizon"),
    ({"learners": [{"name": "hedge"}]}, "learners[0].learner"),
    ({"logs": {"world": WORLD}}, "logs.events"),
    ({"logs": {"world": WORLD, "events": 10, "file": "x.csv"}}, "logs.file"),
    ({"logs": {"file": "events.txt"}}, "logs.file"),
    ({"logs": {"world": WORLD, "events": 10, "colour": 1}}, "logs.colour"),
    # the world's and the logging learner's keys are named where they are, in their inline tables
    ({"logs": {"world": {"name": "bernoulli", "means": [0.2, 1.5]}, "events": 10}}, "logs.world.means"),
    ({"logs": {"world": {"name": "bernoulli", "mean": [0.2, 0.5]}, "events": 10}}, "logs.world.mean"),
    ({"logs": {"world": {"name": "bernouli"}, "events": 10}}, "logs.world.name"),
    ({"logs": {"world": WORLD, "events": 10, "logging": {"name": "exp33"}}}, "logs.logging.name"),
    ({"logs": {"world": WORLD, "events": 10, "logging": {"name": "exp3", "eta": -1.0}}}, "logs.logging.eta"),
    ({"logs": {"world": WORLD, "events": 10, "logging": [0.5, 0.5]}}, "logs.logging"),
])
def test_bad_tables_are_one_clear_error_each(change, key):
    config = {"run": {"horizon": 50}, "logs": {"world": WORLD, "events": EVENTS}, "learners": [{"name": "ucb1"}]}
    for part, value in change.items():
        if value is None:
            config.pop(part)
        elif part == "run":
            config["run"] = {**config["run"], **value}
        else:
            config[part] = value
    with pytest.raises(ConfigError) as err:
        experiment.parse(config, source="t")
    assert err.value.name == key, str(err.value)
