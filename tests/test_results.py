"""Result tables, summaries, save/load, and the checkpoint grid."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import environments
import olearn

SEEDS = [2, 5, 9]


@pytest.fixture(scope="module")
def result():
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    return olearn.run(olearn.make("exp3", eta=[0.1, 0.5]), env, horizon=120, seeds=SEEDS, checkpoints=[10, 50],
                      backend="python", metrics=["loss", "regret", "pseudo_regret", "counts"])


def test_result_shape(result):
    assert result.values.shape == (2, 3, 3, 6)
    assert result.rounds.tolist() == [10, 50, 120]
    assert result.columns == ["loss", "regret", "pseudo_regret", "count[0]", "count[1]", "count[2]"]
    assert result.labels == ["exp3(eta=0.1)", "exp3(eta=0.5)"]


def test_to_frame_columns_rows_and_values(result):
    frame = result.to_frame()
    assert list(frame.columns) == ["learner", "config", "environment", "n_arms", "eta", "seed", "round", "metric", "value"]
    assert len(frame) == 2 * 3 * 3 * 6
    c = frame["config"].map({lab: i for i, lab in enumerate(result.labels)}).to_numpy(int)
    s = frame["seed"].map({x: i for i, x in enumerate(SEEDS)}).to_numpy(int)
    r = frame["round"].map({x: i for i, x in enumerate(result.rounds)}).to_numpy(int)
    m = frame["metric"].astype(str).map({x: i for i, x in enumerate(result.columns)}).to_numpy(int)
    np.testing.assert_array_equal(frame["value"].to_numpy(), result.values[c, s, r, m])
    assert frame["eta"].tolist() == [0.1] * 54 + [0.5] * 54
    assert set(frame["learner"]) == {"exp3"} and set(frame["environment"]) == {"bernoulli"}
    # every (config, seed, round, metric) appears exactly once
    assert not frame.duplicated(["config", "seed", "round", "metric"]).any()


def test_summary_matches_numpy(result):
    summ = result.summary()
    assert list(summ.columns) == ["learner", "config", "environment", "round", "metric", "n_seeds", "mean", "se", "low", "high"]
    assert len(summ) == 2 * 3 * 6
    q = stats.t.ppf(0.975, len(SEEDS) - 1)
    i = 0
    for c, label in enumerate(result.labels):
        for r, rnd in enumerate(result.rounds):
            for m, col in enumerate(result.columns):
                row = summ.iloc[i]
                x = result.values[c, :, r, m]
                mean, se = x.mean(), x.std(ddof=1) / np.sqrt(x.size)
                assert (row["config"], row["round"], row["metric"], row["n_seeds"]) == (label, rnd, col, 3)
                assert row["mean"] == pytest.approx(mean) and row["se"] == pytest.approx(se)
                assert row["low"] == pytest.approx(mean - q * se) and row["high"] == pytest.approx(mean + q * se)
                i += 1
    assert summ["se"].max() > 0  # seeds do differ


def test_summary_level_changes_the_interval(result):
    wide, narrow = result.summary(0.99), result.summary(0.5)
    assert np.all((wide["high"] - wide["low"]).to_numpy() >= (narrow["high"] - narrow["low"]).to_numpy())
    assert np.any((wide["high"] - wide["low"]).to_numpy() > (narrow["high"] - narrow["low"]).to_numpy())


def test_save_load_round_trip(result, tmp_path):
    path = result.save(tmp_path / "res")
    assert sorted(p.name for p in path.iterdir()) == ["results.parquet", "run.json"]
    back = olearn.load(path)
    np.testing.assert_array_equal(back.values, result.values)
    np.testing.assert_array_equal(back.seeds, result.seeds)
    np.testing.assert_array_equal(back.rounds, result.rounds)
    assert back.columns == result.columns and back.labels == result.labels and back.learner == result.learner
    assert back.horizon == result.horizon and back.backend == "python"
    assert [p["eta"] for p in back.params] == [0.1, 0.5]
    np.testing.assert_array_equal(back.env_params[0]["means"], [0.2, 0.5, 0.8])
    pd.testing.assert_frame_equal(back.summary(), result.summary())
    # saving over an existing result replaces it
    other = olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=7, seeds=1, backend="python")
    other.save(path)
    assert olearn.load(path).columns == other.columns
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary directory left


def test_load_of_a_non_result_fails(tmp_path):
    with pytest.raises(FileNotFoundError, match="no olearn result"):
        olearn.load(tmp_path)


def test_delay_is_recorded(tmp_path):
    res = olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=9, seeds=1, backend="python", delay=2)
    assert res.delay == {"kind": "fixed", "max_delay": 2}
    assert olearn.load(res.save(tmp_path / "d")).delay == res.delay


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**7), st.one_of(st.none(), st.integers(1, 200)))
def test_checkpoint_grid_log_spaced(horizon, n):
    grid = olearn.checkpoint_grid(horizon, n)
    assert grid.dtype.kind == "i"
    assert np.all(np.diff(grid) > 0), "sorted and unique"
    assert grid[0] >= 1 and grid[-1] == horizon
    assert grid.size <= (50 if n is None else n)  # n rounds at most, the horizon among them (n = 1 had given [1, T])
    if n == 1:
        assert grid.tolist() == [horizon]
    if horizon >= 1000 and (n or 50) >= 10:  # log-spaced: consecutive rounds in the ratio T^(1/(n - 1)), up to rounding
        upper = grid[grid >= 100]  # where rounding to integers moves a ratio by 1% at most
        assert upper.size >= 2 and np.all(np.abs(upper[1:] / upper[:-1] / horizon ** (1 / ((n or 50) - 1)) - 1) < 0.021)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 10**6), st.integers(2, 60))
def test_checkpoint_grid_rounds_each_log_spaced_point_to_its_nearest_round(horizon, n):
    """Every point T^(i / (n - 1)) of the log-spaced grid has a recorded round within 1/2 of it (rounded, not
    truncated: with truncation 10^(1/4) = 1.78 would be recorded as round 1)."""
    grid = olearn.checkpoint_grid(horizon, n)
    points = horizon ** (np.arange(n) / (n - 1))
    assert np.all(np.min(np.abs(grid[None, :] - points[:, None]), axis=1) <= 0.5 + 1e-9 * points)
    assert np.all(np.min(np.abs(points[None, :] - grid[:, None]), axis=1) <= 0.5 + 1e-9 * grid)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_checkpoint_grid_from_a_list(data):
    horizon = data.draw(st.integers(1, 10**6))
    rounds = data.draw(st.lists(st.integers(1, horizon), min_size=1, max_size=30))
    grid = olearn.checkpoint_grid(horizon, rounds)
    assert np.all(np.diff(grid) > 0) and grid[-1] == horizon
    assert set(grid.tolist()) == set(rounds) | {horizon}


def test_checkpoint_grid_is_used_by_run():
    res = olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=1000, seeds=1, backend="python",
                     checkpoints=12, metrics=["regret", "counts"])
    np.testing.assert_array_equal(res.rounds, olearn.checkpoint_grid(1000, 12))
    # counts at each checkpoint sum to that checkpoint's round
    counts = res.values[0, 0, :, res.columns.index("count[0]"):]
    np.testing.assert_array_equal(counts.sum(axis=1), res.rounds)


def test_default_metrics_are_the_one_column_ones_and_fit_a_million_seeds_in_2_gb():
    """10^6 seeds x 10^4 rounds of the 10-armed demo with default checkpoints and metrics: results < 2 GB."""
    env = environments.make("bernoulli", means=np.linspace(0.05, 0.95, 10))
    res = olearn.run("ucb1", env, horizon=10_000, seeds=2, backend="python", checkpoints=[10_000])
    assert res.columns == ["loss", "regret", "pseudo_regret"]  # counts (10 columns) only on request
    n_bytes = 10**6 * olearn.checkpoint_grid(10_000).size * len(res.columns) * res.values.itemsize
    assert n_bytes < 2e9, n_bytes
    counts = olearn.run("ucb1", env, horizon=20, seeds=2, backend="python", metrics=["counts"])
    assert counts.columns == [f"count[{k}]" for k in range(10)]


def test_run_json_names_the_source_commit_and_versions(tmp_path):
    import json
    import subprocess
    from pathlib import Path

    import numba

    root = Path(olearn.__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("olearn is not running from a git checkout")
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    result = olearn.run(olearn.make("ucb1"), environments.make("bernoulli", means=[0.2, 0.8]), horizon=20, seeds=2, backend="python")
    result.save(tmp_path / "run")
    side = json.loads((tmp_path / "run" / "run.json").read_text())
    assert side["source"]["commit"] == head and isinstance(side["source"]["dirty"], bool)
    assert side["versions"]["numba"] == numba.__version__ and side["versions"]["olearn"] == olearn.__version__
    assert olearn.load(tmp_path / "run").meta == {}  # provenance stays in the sidecar, not in the result's meta


def test_concat_spells_out_labels_that_would_collide_and_summaries_keep_them_apart():
    env = environments.make("bernoulli", means=[0.2, 0.5])
    a = olearn.run(olearn.make("ucb1", c=1.0), env, horizon=60, seeds=4, backend="python")
    b = olearn.run(olearn.make("ucb1", c=3.0), env, horizon=60, seeds=4, backend="python")
    both = olearn.Result.concat([a, b])
    assert both.labels == ["ucb1(c=1.0)", "ucb1(c=3.0)"]
    summary = olearn.summarize(both.to_frame(), "regret")
    final = summary[summary["round"] == 60].set_index("config")["mean"]
    assert final["ucb1(c=1.0)"] == pytest.approx(a.final("regret").mean())
    assert final["ucb1(c=3.0)"] == pytest.approx(b.final("regret").mean())
    assert olearn.Result.concat([a, a]).labels == ["ucb1#1", "ucb1#2"]
    with pytest.raises(olearn.ParameterError, match="distinct values"):
        olearn.make("ucb1", c=[1.0, 1])
    delayed = olearn.run(olearn.make("ucb1"), env, horizon=60, seeds=4, backend="python", delay=5)
    with pytest.raises(ValueError, match="same horizon and delay"):
        olearn.Result.concat([a, delayed])


def test_one_seed_has_no_interval():
    res = olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=9, seeds=1, backend="python")
    assert np.isnan(res.summary()["se"]).all() and np.isnan(res.summary()["low"]).all()
    assert np.isnan(olearn.summarize(res.to_frame())["high"]).all()


def test_saving_a_loaded_result_keeps_its_provenance(tmp_path):
    import json

    res = olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=9, seeds=2, backend="python")
    path = res.save(tmp_path / "a")
    side = json.loads((path / "run.json").read_text())
    side.update(created="2020-01-01T00:00:00", source={"commit": "0123abc", "dirty": False}, device={"machine": "elsewhere"})
    res.to_frame().to_parquet(path / "results.parquet", index=False)  # saved elsewhere by an older olearn:
    (path / "run.json").write_text(json.dumps(side))  # plain table, description in run.json
    again = json.loads((olearn.load(path).save(tmp_path / "b") / "run.json").read_text())
    assert again["created"] == "2020-01-01T00:00:00" and again["source"]["commit"] == "0123abc"
    assert again["device"] == {"machine": "elsewhere"}


@pytest.mark.parametrize("seeds", [[2**63], [2**64 - 1], [1, 2**70]])
def test_seeds_beyond_int64_are_refused(seeds):
    with pytest.raises(olearn.ParameterError, match="seeds.*2\\^63 - 1"):
        olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=5, seeds=seeds, backend="python")
    with pytest.raises(olearn.ParameterError, match="'seed'"):
        olearn.stepwise(olearn.make("ucb1", n_arms=2), seed=seeds[-1])


def test_seeds_as_numpy_integers_of_mixed_kinds_are_those_seeds():
    """A list mixing np.uint64 with signed or Python ints runs those seeds (NumPy had promoted it to float64, and the
    run refused distinct non-negative integers); a flag in the list is no seed."""
    env = environments.make("bernoulli", means=[0.5, 0.6])
    plain = olearn.run("ucb1", env, horizon=5, seeds=[2**63 - 1, 3], backend="python")
    for seeds in ([np.uint64(2**63 - 1), 3], [np.uint64(2**63 - 1), np.int64(3)], (np.uint64(2**63 - 1), np.int32(3))):
        res = olearn.run("ucb1", env, horizon=5, seeds=seeds, backend="python")
        assert res.seeds.tolist() == [2**63 - 1, 3] and np.array_equal(res.values, plain.values)
    with pytest.raises(olearn.ParameterError, match="'seeds'"):
        olearn.run("ucb1", env, horizon=5, seeds=[True, 2], backend="python")


class _DeviceArray:
    """An array that refuses an implicit copy to the host, as a CuPy array does."""

    def __array__(self, *args, **kwargs):
        raise TypeError("implicit conversion to a NumPy array is not allowed")


def test_checkpoints_that_are_not_numbers_are_refused():
    for bad in (["a"], [[1, 2], [3]], _DeviceArray()):  # ragged lists and a device array raised TypeError or ValueError
        with pytest.raises(olearn.ParameterError, match="checkpoints"):
            olearn.run("ucb1", environments.make("bernoulli", means=[0.5, 0.6]), horizon=5, checkpoints=bad, backend="python")


def test_gym_view_checks_its_world_and_horizon():
    table = environments.make("loss_matrix", losses=[[0.1, 0.2], [0.3, 0.4]])
    env = table.gym()  # the table's own length
    env.reset(seed=0)
    steps = [env.step(0) for _ in range(2)]
    assert steps[-1][3] is True  # truncated after the table's 2 rounds
    with pytest.raises(RuntimeError, match="no episode is running.*reset"):
        env.step(0)  # it had read past the table (IndexError), or played past a horizon
    env.reset(seed=1)
    env.step(1)
    with pytest.raises(RuntimeError, match="reset"):
        environments.make("bernoulli", means=[0.5]).gym(horizon=4).step(0)  # before any reset
    with pytest.raises(olearn.ParameterError, match="'horizon'.*\\[1, 2\\]"):
        table.gym(horizon=3)
    assert environments.make("sea_quadratic", dim=4).gym().action_space.shape == (4,)  # oco worlds: a point (tests/test_conformance.py)


def test_cli_demo_writes_its_outputs_and_says_when_it_replaces_them(tmp_path):
    from typer.testing import CliRunner

    from olearn.cli.main import app

    args = ["demo", "--seeds", "3", "--horizon", "40", "--backend", "python", "--out", str(tmp_path / "demo")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "replacing" not in first.output and (tmp_path / "demo" / "results.parquet").is_file()
    lines = first.output.splitlines()  # one world: named once, with its means, not on every row of the table
    assert "means 0.1, 0.189, 0.278, 0.367, 0.456, 0.544, 0.633, 0.722, 0.811, 0.9;" in " ".join(first.output.split())
    assert "environment" not in next(line for line in lines if "learner" in line) and "environment: bernoulli" in first.output
    loaded = olearn.load(tmp_path / "demo")
    assert set(loaded.labels) == {"ucb1", "kl_ucb", "thompson", "exp3"} and loaded.seeds.size == 3
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0 and "replacing the earlier demo results" in " ".join(second.output.split())


# ------------------------------------------------------------------ saving next to other files, "." and interruptions
def _small_result(means=(0.5, 0.6), horizon=9, seeds=2, **kw):
    return olearn.run("ucb1", environments.make("bernoulli", means=list(means)), horizon=horizon, seeds=seeds,
                      backend="python", **kw)


def test_save_keeps_the_other_files_and_folders_of_its_folder(tmp_path):
    runs = tmp_path / "runs"
    (runs / "mysweep").mkdir(parents=True)
    (runs / "mysweep" / "important.txt").write_text("keep me")
    (runs / "notes.md").write_text("mine")
    first = _small_result()
    first.save(runs)
    assert (runs / "mysweep" / "important.txt").read_text() == "keep me" and (runs / "notes.md").read_text() == "mine"
    second = _small_result(means=(0.1, 0.9, 0.5), horizon=11)
    second.save(runs)  # replaces the result's own files only
    assert sorted(p.name for p in runs.iterdir()) == ["mysweep", "notes.md", "results.parquet", "run.json"]
    assert (runs / "mysweep" / "important.txt").read_text() == "keep me" and (runs / "notes.md").read_text() == "mine"
    back = olearn.load(runs)
    assert back.horizon == 11 and back.env_params[0]["means"].tolist() == [0.1, 0.9, 0.5]
    np.testing.assert_array_equal(back.values, second.values)


def test_save_files_get_the_permissions_of_a_plain_open(tmp_path):
    import os

    path = _small_result().save(tmp_path / "r")
    plain = tmp_path / "plain"
    plain.write_text("x")
    for name in ("results.parquet", "run.json"):
        assert os.stat(path / name).st_mode == os.stat(plain).st_mode


def test_save_into_the_current_folder(tmp_path, monkeypatch):
    res = _small_result()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "other.txt").write_text("x")
    assert res.save(".") == Path(".")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "results.parquet", "run.json"]
    np.testing.assert_array_equal(olearn.load(".").values, res.values)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    res.save("..")  # ".." is a folder too
    np.testing.assert_array_equal(olearn.load(tmp_path).values, res.values)


def test_an_interrupted_save_leaves_a_result_that_loads(tmp_path, monkeypatch):
    """Interrupted while writing the table, at its rename, or between the two renames: the folder holds
    the old result or the new one, whole (the table carries its own description), and no temporary file."""
    import os

    from olearn.io import files

    path = tmp_path / "r"
    old, new = _small_result(), _small_result(means=(0.3, 0.4, 0.7), horizon=13, seeds=3)
    old.save(path)
    (path / "keep.txt").write_text("x")
    real_replace = os.replace
    expected = ["keep.txt", "results.parquet", "run.json"]

    def interrupt_at(n):
        calls = []

        def replace(src, dst):
            calls.append(dst)
            if len(calls) == n:
                raise KeyboardInterrupt
            real_replace(src, dst)
        return replace

    def broken_write_table(*args, **kwargs):
        raise KeyboardInterrupt

    import pyarrow.parquet as pq

    for patch, survivor in [((pq, "write_table", broken_write_table), old), ((files.os, "replace", interrupt_at(1)), old),
                            ((files.os, "replace", interrupt_at(2)), new)]:
        old.save(path)
        with monkeypatch.context() as m:
            m.setattr(*patch)
            with pytest.raises(KeyboardInterrupt):
                new.save(path)
        assert sorted(p.name for p in path.iterdir()) == expected, patch
        back = olearn.load(path)
        np.testing.assert_array_equal(back.values, survivor.values)
        assert back.horizon == survivor.horizon and back.labels == survivor.labels
    new.save(path)  # the next save brings run.json up to date as well
    assert json.loads((path / "run.json").read_text())["config"]["horizon"] == 13


def test_a_table_without_its_description_loads_through_run_json(tmp_path):
    """Results saved before the table carried its description (plain parquet plus run.json) still load."""
    res = _small_result()
    path = res.save(tmp_path / "r")
    res.to_frame().to_parquet(path / "results.parquet", index=False)  # as an older olearn wrote it
    back = olearn.load(path)
    np.testing.assert_array_equal(back.values, res.values)
    assert back.labels == res.labels and back.meta == {}
    (path / "run.json").unlink()
    with pytest.raises(FileNotFoundError, match="run.json"):
        olearn.load(path)


def test_save_refuses_a_sweep_folder(tmp_path):
    (tmp_path / "sweep.json").write_text("{}")
    with pytest.raises(olearn.ParameterError, match="sweep"):
        _small_result().save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.json"]


def test_save_onto_an_existing_file_says_so_and_leaves_it(tmp_path):
    """The error had spoken of a sweep folder (sweep.json), which had nothing to do with it."""
    target = tmp_path / "taken"
    target.write_text("mine")
    with pytest.raises(olearn.ParameterError, match="existing file") as err:
        _small_result().save(target)
    assert "sweep" not in str(err.value) and target.read_text() == "mine"


# ------------------------------------------------------------------ levels, unknown metrics
@pytest.mark.parametrize("level", [95, 1.5, 1, 0, -0.5, float("nan"), float("inf"), True, "0.95", None])
def test_a_level_outside_0_1_is_refused(result, level):
    frame = result.to_frame()
    allowed = "allowed: a number in \\(0, 1\\), e.g. 0.95"
    with pytest.raises(olearn.ParameterError, match=f"summarize: parameter 'level'.*{allowed}"):
        olearn.summarize(frame, "regret", level=level)
    with pytest.raises(olearn.ParameterError, match=f"compare: parameter 'level'.*{allowed}"):
        olearn.compare(frame, result.labels[0], result.labels[1], "regret", level=level)
    with pytest.raises(olearn.ParameterError, match=f"parameter 'level'.*{allowed}"):
        result.summary(level=level)


def test_levels_inside_0_1_give_the_t_interval(result):
    x = result.final("regret")[0]
    q = stats.t.ppf(0.5 + 0.8 / 2, x.size - 1)
    for s in (result.summary(level=np.float64(0.8)),
              olearn.summarize(result.to_frame(), "regret", level=0.8)):
        row = s[(s["config"] == result.labels[0]) & (s["metric"] == "regret") & (s["round"] == result.horizon)].iloc[0]
        half = q * x.std(ddof=1) / np.sqrt(x.size)
        assert row["low"] == pytest.approx(x.mean() - half) and row["high"] == pytest.approx(x.mean() + half)


def test_table_of_an_unknown_metric_raises_the_error_of_metric(result):
    with pytest.raises(olearn.ParameterError) as from_metric:
        result.metric("pseudo_regert")
    with pytest.raises(olearn.ParameterError) as from_table:
        result.table("pseudo_regert")
    assert str(from_table.value) == str(from_metric.value)
    assert all(col in str(from_table.value) for col in result.columns)
    assert len(result.table("pseudo_regret")) == len(result.labels)


# ------------------------------------------------------------------ the recorded delay, concat
def test_a_sequence_delay_is_recorded_by_the_delays_it_used(tmp_path):
    """A sequence delay is recorded with the sha256 of its first horizon delays (int64): concat refuses two
    sequences that differ there, accepts ones that differ only past the horizon, and a loaded result
    compares equal to a fresh one."""
    import hashlib

    steady, alternating = [5] * 20, [0, 5] * 10
    a = _small_result(horizon=20, seeds=3, delay=olearn.delays.sequence(steady))
    b = _small_result(horizon=20, seeds=3, delay=olearn.delays.sequence(alternating))
    digest = hashlib.sha256(np.array(steady, dtype=np.int64).tobytes()).hexdigest()
    assert a.delay == {"kind": "sequence", "max_delay": 5, "sha256": digest} and a.delay != b.delay
    with pytest.raises(ValueError, match="same horizon and delay"):
        olearn.Result.concat([a, b])
    longer = _small_result(horizon=20, seeds=3, delay=olearn.delays.sequence(np.array(steady + [3, 4])))
    assert olearn.Result.concat([a, longer]).delay == a.delay  # rounds past the horizon are never used
    back = olearn.load(a.save(tmp_path / "a"))
    assert back.delay == a.delay
    with pytest.raises(ValueError, match="same horizon and delay"):
        olearn.Result.concat([back, b])
    u = _small_result(horizon=20, seeds=3, delay=olearn.delays.uniform(4))
    assert u.delay == {"kind": "uniform", "max_delay": 4}  # the bound is the whole description


def test_a_long_sequence_delay_keeps_the_saved_result_small(tmp_path):
    """A 10^6-round sequence: the record is a digest, so run.json stays a few kB (the values in full had
    made it 11 MB, and 10^7 rounds a table pyarrow refused to read back)."""
    res = _small_result(horizon=10, seeds=2, delay=olearn.delays.sequence(np.arange(10**6) % 7))
    path = res.save(tmp_path / "r")
    assert (path / "run.json").stat().st_size < 10_000 and (path / "results.parquet").stat().st_size < 100_000
    assert olearn.load(path).delay == res.delay


def test_an_old_run_json_with_a_sequence_delay_without_values_loads(tmp_path):
    res = _small_result(horizon=20, seeds=2, delay=olearn.delays.sequence([1, 2] * 10))
    path = res.save(tmp_path / "r")
    side = json.loads((path / "run.json").read_text())
    del side["config"]["delay"]["sha256"]
    res.to_frame().to_parquet(path / "results.parquet", index=False)  # an older olearn: the description in run.json only
    (path / "run.json").write_text(json.dumps(side))
    back = olearn.load(path)
    assert back.delay == {"kind": "sequence", "max_delay": 2}
    np.testing.assert_array_equal(back.values, res.values)


def test_concat_of_nothing_is_refused():
    with pytest.raises(olearn.ParameterError, match="concat: parameter 'results'.*at least one"):
        olearn.Result.concat([])


def test_concat_save_and_load_name_their_bad_input():
    """concat of a non-result or of results of different horizons, save or load of None or "" (the current folder,
    unasked), meta holding itself, and a legacy folder whose run.json is broken: each a ParameterError naming the
    parameter (these had been bare ValueError, AttributeError, TypeError, JSONDecodeError or KeyError)."""
    a, longer = _small_result(), _small_result(horizon=12)
    cases = [
        (lambda: olearn.Result.concat([a, longer]), "results[1]", "the same seeds, checkpoint rounds"),
        (lambda: olearn.Result.concat([a, 5]), "results", "at least one Result (nothing else)"),
        (lambda: olearn.Result.concat(None), "results", "at least one Result"),
        (lambda: a.save(""), "path", "a non-empty string"),
        (lambda: a.save(None), "path", "a non-empty string"),
        (lambda: olearn.load(None), "path", "a non-empty string"),
        (lambda: olearn.load(""), "path", "a non-empty string"),
    ]
    for call, name, allowed in cases:
        with pytest.raises(olearn.ParameterError) as err:
            call()
        assert err.value.name == name and allowed in str(err.value), str(err.value)
    assert isinstance(err.value, ValueError)  # as concat's mismatches were


def test_meta_holding_itself_and_a_broken_legacy_description_are_named(tmp_path):
    import pyarrow.parquet as pq

    res = _small_result()
    loop = {}
    loop["loop"] = loop
    res.meta["loop"] = loop
    with pytest.raises(olearn.ParameterError, match="'meta'.*none holding itself"):
        res.save(tmp_path / "circular")
    assert not (tmp_path / "circular").exists()  # nothing written
    del res.meta["loop"]
    path = res.save(tmp_path / "legacy")
    table = pq.read_table(path / "results.parquet")  # a folder saved before the table carried its description
    pq.write_table(table.replace_schema_metadata({}), path / "results.parquet")
    np.testing.assert_array_equal(olearn.load(path).values, res.values)
    for text, why in [("{not json", "JSONDecodeError"), ("{}", "no config or backend"), ("[1, 2]", "no config or backend")]:
        (path / "run.json").write_text(text)
        with pytest.raises(olearn.ParameterError, match=f"'path'.*run.json is the description.*{why}"):
            olearn.load(path)


def test_concat_records_every_backend():
    from dataclasses import replace

    a = _small_result()
    assert olearn.Result.concat([a, a]).backend == "python"
    b, c = replace(a, backend="numba"), replace(a, backend="gpu")
    assert olearn.Result.concat([a, b, a, c]).backend == "python+numba+gpu"
    np.testing.assert_array_equal(olearn.Result.concat([a, b]).values, np.concatenate([a.values, b.values]))


def test_summarize_and_compare_take_a_result_as_its_tidy_table(tmp_path):
    """olearn.load of a run gives a Result (of a sweep, a DataFrame): both analysis functions take either."""
    env = environments.make("bernoulli", means=[0.2, 0.5])
    res = olearn.run(olearn.make("ucb1", c=[1.0, 3.0]), env, horizon=40, seeds=5, backend="python")
    res.save(tmp_path / "run")
    loaded = olearn.load(tmp_path / "run")
    a, b = res.labels
    pd.testing.assert_frame_equal(olearn.summarize(loaded, "regret"), olearn.summarize(res.to_frame(), "regret"))
    pd.testing.assert_frame_equal(olearn.compare(loaded, a, b), olearn.compare(res.to_frame(), a, b))
    diff = res.final("regret")[0] - res.final("regret")[1]
    assert olearn.compare(res, a, b)["mean_difference"].iloc[0] == pytest.approx(diff.mean())
    with pytest.raises(olearn.ParameterError, match="summarize: parameter 'frame'"):
        olearn.summarize([1, 2, 3])


def test_a_seed_without_a_value_makes_the_summary_nan():
    """LUCB's stopping time is NaN until a seed stops: at round 200, 4 of 12 seeds have stopped, and a mean over
    those 4 (166, 198, 158, 194) would be far below the mean over all 12 once they have (215.8 at round 400).
    summarize and Result.summary both give NaN there, over all 12 seeds, and agree with NumPy at round 400."""
    env = environments.make("bernoulli", means=[0.9, 0.2])
    res = olearn.run(olearn.make("lucb"), env, horizon=400, seeds=12, backend="python", checkpoints=[200, 400],
                     metrics=["stopping_time"], progress=False)
    values = res.to_frame().pivot_table(index="seed", columns="round", values="value", dropna=False).to_numpy()
    assert 0 < np.isnan(values[:, 0]).sum() < 12 and not np.isnan(values[:, 1]).any()
    for table in (olearn.summarize(res.to_frame(), "stopping_time"), res.summary()):
        assert list(table["n_seeds"]) == [12, 12] and np.isnan(table["mean"].iloc[0]) and np.isnan(table["se"].iloc[0])
        assert table["mean"].iloc[1] == pytest.approx(values[:, 1].mean(), rel=1e-12)
        assert table["se"].iloc[1] == pytest.approx(values[:, 1].std(ddof=1) / np.sqrt(12), rel=1e-12)


def test_meta_with_numpy_values_saves_and_other_objects_are_named(tmp_path):
    """A meta dict holding NumPy values (a user's own numbers) is written as JSON numbers and lists; an object JSON
    cannot hold is a ParameterError naming meta, with nothing written (it was a bare TypeError)."""
    res = olearn.run(olearn.make("ucb1"), environments.make("bernoulli", means=[0.2, 0.8]), horizon=10, seeds=2,
                     backend="python", progress=False)
    res.meta.update(step=np.float64(1.5), sizes=np.arange(3), count=np.int32(7))
    res.save(tmp_path / "ok")
    assert {k: olearn.load(tmp_path / "ok").meta[k] for k in ("step", "sizes", "count")} == {"step": 1.5, "sizes": [0, 1, 2],
                                                                                           "count": 7}
    res.meta["bad"] = object()
    with pytest.raises(olearn.ParameterError, match="'meta'"):
        res.save(tmp_path / "bad")
    assert not (tmp_path / "bad" / "results.parquet").exists()


def test_fit_slope_without_a_determined_line_is_nan():
    """fit_slope gives NaN, NaN when its positive finite points do not determine a line (every x the same, or an
    infinite x or y among two points), as it does for fewer than two points; with two distinct x it is the line
    through them (closed form), an infinite point left out. One repeated x gave an arbitrary slope (a rank-deficient
    fit), x = 1 repeated or an infinite x raised LinAlgError."""
    from olearn.analysis import fit_slope

    for x, y in (([10.0, 10.0, 10.0], [1.0, 2.0, 3.0]), ([1.0, 1.0], [1.0, 2.0]), ([1.0, np.inf], [1.0, 2.0]),
                 ([1.0, 2.0], [1.0, np.inf])):
        assert np.isnan(fit_slope(x, y)).all(), (x, y)
    slope, intercept = fit_slope([2.0, 8.0, np.inf], [3.0, 12.0, 5.0])
    assert slope == pytest.approx(np.log(12.0 / 3.0) / np.log(8.0 / 2.0)) and intercept == pytest.approx(np.log(3.0) - slope * np.log(2.0))


def _hand_table():
    """A tidy table by hand, as a sweep's: configurations a and b on four worlds (env_config; one environment name) at
    rounds 1, 10 and 20, b's seeds listed in another order than a's and only partly shared (a ran seed 4, b seed 7),
    world w3 run by a alone, w4 with two seeds."""
    rng = np.random.default_rng(17)
    rows = []
    for env, seeds_a, seeds_b in (("w1", [1, 2, 3, 4, 5], [5, 3, 1, 2, 7]), ("w2", [1, 2, 3, 4, 5], [2, 1, 5, 4, 3]),
                                  ("w3", [1, 2, 3], []), ("w4", [1, 2], [2, 1])):
        for config, seeds in (("a", seeds_a), ("b", seeds_b)):
            for seed in seeds:
                for rnd in (1, 10, 20):
                    for metric in ("loss", "regret"):
                        rows.append({"config": config, "environment": "sea", "env_config": env, "seed": seed, "round": rnd,
                                     "metric": metric, "value": float(rng.normal(3.0 * seed, 1.0 + seed))})
    return pd.DataFrame(rows)


def test_compare_pairs_by_seed_over_the_shared_seeds_per_world():
    """compare against brute force: for each world, the differences a - b matched by seed over the seeds both ran
    (whatever the row order), their mean, scipy's standard error and t-interval; a world without a shared seed has
    no row; the horizon is the default round; a repeated seed of b alone, or round=True (not round 1, which the table
    has), is refused."""
    frame = _hand_table()
    for rnd, level in ((None, 0.95), (10, 0.8)):
        out = olearn.compare(frame, "a", "b", "regret", round=rnd, level=level)
        assert out["env_config"].tolist() == ["w1", "w2", "w4"]
        at = 20 if rnd is None else rnd
        for _, row in out.iterrows():
            part = frame[(frame["env_config"] == row["env_config"]) & (frame["metric"] == "regret") & (frame["round"] == at)]
            va = {s: v for s, v in zip(part[part["config"] == "a"]["seed"], part[part["config"] == "a"]["value"])}
            vb = {s: v for s, v in zip(part[part["config"] == "b"]["seed"], part[part["config"] == "b"]["value"])}
            d = np.array([va[s] - vb[s] for s in sorted(set(va) & set(vb))])
            low, high = stats.t.interval(level, d.size - 1, loc=d.mean(), scale=stats.sem(d))
            assert (row["round"], row["n_seeds"]) == (at, d.size) and d.size == {"w1": 4, "w2": 5, "w4": 2}[row["env_config"]]
            assert row["mean_difference"] == pytest.approx(d.mean(), rel=1e-12)
            assert row["se"] == pytest.approx(stats.sem(d), rel=1e-12)
            assert (row["low"], row["high"]) == pytest.approx((low, high), rel=1e-12)
    again = frame[(frame["config"] == "b") & (frame["seed"] == 5)].assign(value=lambda f: f["value"] + 1.0)  # another run's
    repeated = pd.concat([frame, again], ignore_index=True)
    with pytest.raises(olearn.ParameterError) as err:
        olearn.compare(repeated, "a", "b", "regret")
    assert err.value.name == "frame"
    with pytest.raises(olearn.ParameterError, match="'round'"):
        olearn.compare(frame, "a", "b", "regret", round=True)
    with pytest.raises(olearn.ParameterError) as err:
        olearn.compare(frame, "a", "b", "regert")
    assert err.value.name == "metric"


def test_summarize_groups_by_world_against_numpy():
    """summarize of the hand table (a sweep's: worlds told apart by env_config) against NumPy and scipy: per
    (configuration, world, round), the mean over that world's seeds, sd / sqrt(n) with ddof 1, and the t-interval."""
    frame = _hand_table()
    out = olearn.summarize(frame, "loss", level=0.9)
    assert len(out) == 7 * 3  # (a or b, world) pairs with seeds, times rounds
    for _, row in out.iterrows():
        x = frame[(frame["config"] == row["config"]) & (frame["env_config"] == row["env_config"]) & (frame["round"] == row["round"])
                  & (frame["metric"] == "loss")]["value"].to_numpy()
        low, high = stats.t.interval(0.9, x.size - 1, loc=x.mean(), scale=stats.sem(x))
        assert row["n_seeds"] == x.size and row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["se"] == pytest.approx(stats.sem(x), rel=1e-12) and (row["low"], row["high"]) == pytest.approx((low, high), rel=1e-12)


def test_fit_slope_leaves_out_points_at_zero():
    """A zero x or y has no logarithm: fit_slope leaves it out, and two remaining points give the line through them
    (closed form)."""
    from olearn.analysis import fit_slope

    slope, intercept = fit_slope([0.0, 2.0, 8.0, 4.0], [5.0, 3.0, 12.0, 0.0])
    assert slope == pytest.approx(np.log(12.0 / 3.0) / np.log(8.0 / 2.0)) and intercept == pytest.approx(np.log(3.0) - slope * np.log(2.0))
