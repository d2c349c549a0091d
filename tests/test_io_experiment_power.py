"""Results I/O, config parsing, the sweep store, sweeps and the CLI's argument handling, against what their
docstrings and plain arithmetic say (python backend or no run at all: nothing here compiles a kernel).

* ``Result`` (hand-built values, so every expected number is computed here by NumPy/scipy): ``table`` is the
  metric at the horizon (the last checkpoint, not the first) with the 95% t half-width ``t_{0.975, n-1} sd / sqrt(n)``
  (half the interval, not its whole width); ``to_frame`` has a column for every parameter any configuration
  has; ``n_steps`` is configurations x seeds x horizon; ``concat`` refuses other seeds or columns, sums the
  run times, and spells a shared label out as ``name(k=v)`` over the parameters that differ (``name`` is the
  label before its "("); a save into a new folder that fails writes nothing, not even the folder; ``seconds``
  is one of run.json's own fields, so meta cannot hold it; it and an array parameter survive the round trip
  (load gives back the same table).
* The config: ``Experiment.chunks`` is the seed list cut into contiguous pieces of ``chunk_seeds`` (the last
  shorter); the fingerprint ignores ``out`` and ``figures`` only; an empty grid, two tables with one label,
  flags or negatives for integer keys, an empty ``out``, both ``[environment]`` and ``[[environments]]``, and
  no learners are refused by key; a chunk holds at most the seeds there are (so a huge ``chunk_seeds`` with 2
  seeds is fine); a table of R rows x 32 bytes over 8 GiB is refused under ``run.seeds`` (R = configurations x
  seeds x checkpoints x columns, the widest world's columns counted for every configuration), and one chunk of
  seeds x checkpoints x columns x 8 bytes over 8 GiB under ``run.chunk_seeds``; two tables of one world with
  different values, or one label over a grid, still give distinct labels; NumPy scalars in a config dict
  resolve to the same plain JSON (and fingerprint) as Python numbers and flags.
* The store's layout is the one its docstring draws (``configuration=0003/seeds-00000000-00000999``: four
  digits, the last seed position inclusive); a receipt whose row count is not the expected one does not count,
  nor a chunk without a receipt (said so); ``units`` covers the seed positions exactly, the last chunk shorter;
  ``results_digest`` changes with a receipt's content; ``clear`` removes receipts too; the table has the
  documented column order, ``env.<name>`` columns for scalar environment parameters only, a choice parameter
  as its text, and metric categories in recording order.
* Sweeps: a finished sweep with an uneven last chunk is "done"; ``progress`` gets (done, total) counting the
  chunks stored before a resume; ``steps`` is seeds x horizon; ``stored_finals`` keeps the configurations
  asked for; ``_final`` leaves out non-finite values; ``RunningFinal`` ignores a chunk with no seed at the
  horizon and has no standard error from one seed (Chan, Golub and LeVeque's merge needs n >= 2 for s^2).
* CLI: ``_mean_and_ci`` rounds to the half-width's second significant digit (12.34 -> "12", 0.0123 ->
  "0.012"), "± 0" for a zero width and "-" for none; the demo and bench refuse 0 seeds or rounds before
  running anything; ``main`` exits 2 for a missing file, 1 for another OSError, 130 on Ctrl-C (128 + SIGINT);
  the live row after ``--resume`` counts the seeds stored before it; the sweep table shows the horizon's mean
  and t half-width, titled "metric" when worlds default to different metrics; ``olearn list`` prints a default
  of a few values whole.
"""
import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from scipy import stats

import olearn
from olearn import experiment
from olearn.experiment import ConfigError, store, sweep
from olearn.io.result import Result


# ------------------------------------------------------------------ hand-built results
def _hand(values=None, labels=("a", "b"), params=({"c": 1.0}, {"c": 2.0}), seeds=(3, 5, 7), columns=("loss", "regret"),
          seconds=0.0):
    """Two configurations, three seeds, checkpoints 4 and 10 (the horizon), two metric columns."""
    if values is None:
        values = np.zeros((len(labels), len(seeds), 2, len(columns)))
    return Result(values=np.asarray(values, dtype=float), learner=[lab.split("(")[0] for lab in labels], labels=list(labels),
                  params=[dict(p) for p in params], environment=["w"] * len(labels), env_params=[{} for _ in labels],
                  seeds=np.array(seeds, dtype=np.int64), rounds=np.array([4, 10]), columns=list(columns), horizon=10,
                  backend="python", seconds=seconds)


def _values():
    v = np.zeros((2, 3, 2, 2))
    v[0, :, 1, 1] = [1.0, 2.0, 6.0]  # a's regret at T: mean 3, sd sqrt(7)
    v[1, :, 1, 1] = [4.0, 4.0, 7.0]  # b's regret at T: mean 5, sd sqrt(3)
    v[:, :, 0, 1] = 100.0 + np.arange(3)  # round 4: far from both
    return v


def _render(table) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    return console.file.getvalue()


def test_table_is_the_horizon_mean_with_the_t_half_width_and_the_cli_prints_it():
    from olearn.cli.main import _regret_table

    res = _hand(_values())
    t = stats.t.ppf(0.975, 2)  # 4.3027, the two-sided 95% t quantile with 2 degrees of freedom
    half_a, half_b = t * np.sqrt(7.0 / 3.0), t * np.sqrt(3.0 / 3.0)  # sd / sqrt(n) with sd^2 = 14/2 and 6/2
    tab = res.table("regret")
    assert tab["regret"].tolist() == pytest.approx([3.0, 5.0])
    assert tab["ci95"].tolist() == pytest.approx([half_a, half_b])
    assert tab["se"].tolist() == pytest.approx([np.sqrt(7.0 / 3.0), 1.0])
    shown = _render(_regret_table(res, "regret"))
    # half-widths 6.57 and 4.30: one decimal place (second significant digit)
    assert "3.0" in shown and "± 6.6" in shown and "5.0" in shown and "± 4.3" in shown, shown


def test_to_frame_has_a_column_for_every_parameter_of_any_configuration():
    res = _hand(params=({"c": 1.0}, {"eta": 0.5}))
    frame = res.to_frame()
    assert list(frame.columns) == ["learner", "config", "environment", "c", "eta", "seed", "round", "metric", "value"]
    per = 3 * 2 * 2
    assert frame["c"].tolist() == [1.0] * per + [None] * per
    assert frame["eta"].tolist() == [None] * per + [0.5] * per


def test_n_steps_counts_configurations_seeds_and_rounds():
    assert _hand().n_steps == 2 * 3 * 10


def test_concat_refuses_other_seeds_or_columns_and_sums_run_times():
    a = _hand(seconds=1.5)
    with pytest.raises(ValueError, match="same seeds"):
        Result.concat([a, _hand(seeds=(3, 5, 8))])
    with pytest.raises(ValueError, match="same seeds"):
        Result.concat([a, _hand(columns=("loss", "pseudo_regret"))])
    assert Result.concat([a, _hand(labels=("c", "d"), seconds=2.0)]).seconds == pytest.approx(3.5)


def test_concat_spells_a_shared_grid_label_out_from_its_name():
    one = _hand(labels=("x(eta=0.1)", "y"), params=({"eta": 0.1, "gamma": 1}, {}))
    two = _hand(labels=("x(eta=0.1)", "z"), params=({"eta": 0.1, "gamma": 2}, {}))
    assert Result.concat([one, two]).labels == ["x(gamma=1)", "y", "x(gamma=2)", "z"]


def test_seconds_and_array_parameters_survive_the_round_trip_and_meta_cannot_hold_seconds(tmp_path):
    res = _hand(_values(), params=({"c": 1.0, "w": np.array([0.1, 0.2])}, {"c": 2.0}), seconds=2.5)
    back = olearn.load(res.save(tmp_path / "r"))
    assert back.seconds == 2.5
    np.testing.assert_array_equal(back.values, res.values)
    assert isinstance(back.params[0]["w"], np.ndarray) and back.params[0]["w"].tolist() == [0.1, 0.2]  # an array again
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
    res.meta = {"seconds": 99}
    with pytest.raises(olearn.ParameterError) as err:
        res.save(tmp_path / "s")
    assert err.value.name == "meta" and err.value.value == "seconds"


def test_a_failed_save_into_a_new_folder_leaves_no_folder(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        _hand().save(tmp_path / "new")
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------ configs
def _raw(run=None, learners=None, environments=None, **top):
    raw = {"run": {"horizon": 6, "seeds": 5, "backend": "python", **(run or {})},
           "environments": environments or [{"name": "bernoulli", "means": [0.2, 0.8]}],
           "learners": learners or [{"name": "ucb1"}]}
    raw.update(top)
    return raw


def test_numpy_values_in_a_config_dict_resolve_to_plain_json():
    """A config dict built in Python may hold NumPy scalars: the resolved experiment is plain JSON, the same as
    with Python numbers and flags (so its fingerprint is the same sweep's)."""
    plain = experiment.parse(_raw(learners=[{"name": "epsilon_greedy", "epsilon": 0.5, "decay": True}]))
    numpy = experiment.parse(_raw(learners=[{"name": "epsilon_greedy", "epsilon": np.float64(0.5), "decay": np.True_}]))
    assert json.dumps(numpy.resolved()) == json.dumps(plain.resolved())
    assert numpy.fingerprint() == plain.fingerprint()


def test_chunks_cut_the_seed_list_into_contiguous_pieces():
    exp = experiment.parse(_raw(run={"seeds": [11, 12, 13, 14, 15, 16, 17, 18, 19], "chunk_seeds": 4}))
    assert [c.tolist() for c in exp.chunks()] == [[11, 12, 13, 14], [15, 16, 17, 18], [19]]
    assert [c.tolist() for c in experiment.parse(_raw(run={"seeds": 2, "chunk_seeds": 1})).chunks()] == [[0], [1]]


def test_fingerprint_ignores_out_and_figures_only():
    base = experiment.parse(_raw()).fingerprint()
    assert experiment.parse(_raw(run={"out": "elsewhere"})).fingerprint() == base
    assert experiment.parse(_raw(figures=[{"kind": "curves", "metric": "loss"}])).fingerprint() == base
    assert experiment.parse(_raw(run={"seeds": 6})).fingerprint() != base


@pytest.mark.parametrize("raw, key", [
    (_raw(learners=[{"name": "exp3", "eta": []}]), "learners[0].eta"),
    (_raw(learners=[{"name": "ucb1", "label": "x"}, {"name": "exp3", "label": "x"}]), "learners.label"),
    (_raw(run={"chunk_seeds": True}), "run.chunk_seeds"),
    (_raw(run={"delay": True}), "run.delay"),
    (_raw(run={"delay": -1}), "run.delay"),
    (_raw(run={"out": ""}), "run.out"),
    (dict(_raw(), environment={"name": "bernoulli"}), "environment"),
    ({"run": {"horizon": 6}, "environments": [{"name": "bernoulli"}]}, "learners"),
])
def test_bad_values_are_refused_by_key(raw, key):
    with pytest.raises(ConfigError) as err:
        experiment.parse(raw)
    assert err.value.name == key


def test_distinct_worlds_and_a_labelled_grid_get_distinct_labels():
    exp = experiment.parse(_raw(environments=[{"name": "bernoulli", "means": [0.2, 0.8]}, {"name": "bernoulli", "means": [0.4, 0.6]}],
                                learners=[{"name": "exp3", "eta": [0.1, 0.2], "label": "mine"}]))
    envs = {c.env_label for c in exp.configurations}
    labels = [c.label for c in exp.configurations]
    assert len(envs) == 2 and len(exp.configurations) == 4
    assert len(set(labels)) == 2 and all(lab.startswith("mine") for lab in labels)


def test_the_widest_world_sets_the_table_bound():
    """metrics = ["counts"]: a 10-armed world records 10 columns, a 2-armed one 2.  With 10^5 seeds x 401 rounds the
    real table is 10^5 x 401 x (10 + 2) rows x 32 B = 15.4 GB > 8 GiB: refused, though the 2-armed world alone
    (10^5 x 401 x 2 x 2 configurations x 32 B = 5.1 GB) would fit."""
    run = {"horizon": 1000, "checkpoints": list(range(1, 401)), "metrics": ["counts"], "seeds": 100_000}
    worlds = [{"name": "bernoulli", "means": list(np.linspace(0.1, 0.9, 10))}, {"name": "bernoulli", "means": [0.2, 0.8]}]
    with pytest.raises(ConfigError) as err:
        experiment.parse(_raw(run=run, environments=worlds, figures=[{"kind": "counts"}]))
    assert err.value.name == "run.seeds"
    experiment.parse(_raw(run=run, environments=worlds[1:], figures=[{"kind": "counts"}]))


def test_a_chunk_holds_at_most_the_seeds_there_are():
    exp = experiment.parse(_raw(run={"seeds": 2, "chunk_seeds": 10**12}))
    assert [c.tolist() for c in exp.chunks()] == [[0, 1]]


def test_size_limits_use_32_bytes_a_table_row_and_8_a_chunk_value():
    """bernoulli records 3 columns by default; checkpoints 1..400 plus the horizon 1000 are 401 rounds.
    Table: 10^5 seeds x 401 x 3 x 32 B = 3.85 GB < 8 GiB = 8.59 GB passes, 2.5 x 10^5 seeds (9.6 GB) does not.
    Chunk: 10^6 seeds in one chunk need 10^6 x 401 x 3 x 8 B = 9.6 GB > 8 GiB, refused as run.chunk_seeds."""
    ckpts = list(range(1, 401))
    run = {"horizon": 1000, "checkpoints": ckpts, "chunk_seeds": 1000}
    experiment.parse(_raw(run=dict(run, seeds=100_000)))
    with pytest.raises(ConfigError) as err:
        experiment.parse(_raw(run=dict(run, seeds=250_000)))
    assert err.value.name == "run.seeds"
    with pytest.raises(ConfigError) as err:
        experiment.parse(_raw(run=dict(run, seeds=10**6, chunk_seeds=10**6)))
    assert err.value.name == "run.chunk_seeds"


# ------------------------------------------------------------------ the store
def test_store_layout_is_the_documented_one(tmp_path):
    assert store.chunk_path(tmp_path, 3, 0, 1000) == tmp_path / "results" / "configuration=0003" / "seeds-00000000-00000999.parquet"
    assert store.receipt_path(tmp_path, 3, 1000, 1500) == tmp_path / "receipts" / "configuration=0003" / "seeds-00001000-00001499.json"


def test_units_cover_the_seed_positions_exactly():
    resolved = {"seeds": list(range(9)), "chunk_seeds": 4, "configurations": [{}, {}]}
    units = list(store.units(resolved))
    assert units == [(0, 0, 4), (0, 4, 8), (0, 8, 9), (1, 0, 4), (1, 4, 8), (1, 8, 9)]


def test_a_receipt_with_other_rows_does_not_count(tmp_path):
    frame = pd.DataFrame({"seed": [0, 0, 1, 1], "round": [5, 5, 5, 5], "metric": ["loss", "regret"] * 2, "value": [1.0, 2.0, 3.0, 4.0]})
    receipt = store.write_chunk(tmp_path, 0, 0, 2, frame, 0.1)
    assert receipt["rows"] == 4 and receipt["seeds"] == [0, 1]
    assert store.chunk_done(tmp_path, 0, 0, 2, 4)
    assert not store.chunk_done(tmp_path, 0, 0, 2, 6)
    store.receipt_path(tmp_path, 0, 0, 2).unlink()  # the process died between the chunk and its receipt
    assert not store.chunk_done(tmp_path, 0, 0, 2, 4)
    assert "no receipt" in store._chunk_problem(tmp_path, 0, 0, 2)  # said as such, not as an unreadable receipt


def test_results_digest_follows_receipts_and_clear_removes_them(tmp_path):
    path = tmp_path / "receipts" / "configuration=0000" / "seeds-00000000-00000001.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"sha256": "aa", "rows": 4}')
    before = store.results_digest(tmp_path)
    path.write_text('{"sha256": "bb", "rows": 4}')
    assert store.results_digest(tmp_path) != before
    (tmp_path / store.SWEEP_FILE).write_text("{}")
    store.clear(tmp_path)
    assert not (tmp_path / "receipts").exists() and not (tmp_path / store.SWEEP_FILE).exists()


# ------------------------------------------------------------------ a tiny sweep (python backend, no compilation)
TINY = _raw(run={"seeds": 5, "chunk_seeds": 2, "checkpoints": [3, 6]},
            environments=[{"name": "gaussian", "means": [0.3, 0.6], "sigma": 0.5}],
            learners=[{"name": "ucb1", "c": [1.0, 2.0]}])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "out"
    exp = experiment.parse(TINY, source="tiny")
    receipts = []
    frame = sweep.run_experiment(exp, out=out, progress=lambda r, d, t: receipts.append((r, d, t)))
    return exp, out, frame, receipts


def test_tiny_sweep_table_has_the_documented_columns(tiny):
    _, _, frame, _ = tiny
    assert list(frame.columns) == ["configuration", "learner", "config", "environment", "env_config", "c", "env.sigma",
                                   "seed", "round", "metric", "value"]  # env.means is a list: no column
    first = frame[(frame["configuration"] == 0) & (frame["seed"] == 0) & (frame["round"] == 3)]["metric"].astype(str).tolist()
    assert list(frame["metric"].cat.categories) == first  # the order the rows record them in
    assert len(frame) == 2 * 5 * 2 * len(first)


def test_a_choice_parameter_stays_text_in_the_table(tmp_path):
    raw = _raw(run={"seeds": 2}, learners=[{"name": "track_and_stop", "divergence": ["bernoulli", "gaussian"]}, {"name": "ucb1"}])
    frame = sweep.run_experiment(experiment.parse(raw, source="choice"), out=tmp_path / "out")
    by_config = frame.drop_duplicates("configuration")["divergence"].tolist()
    assert by_config[:2] == ["bernoulli", "gaussian"] and pd.isna(by_config[2])


def test_finished_sweep_with_an_uneven_last_chunk_is_done(tiny):
    exp, out, _, receipts = tiny
    assert sweep.prepare(exp, out, resume=False, force=False) == "done"
    assert sorted(r["steps"] for r, _, _ in receipts) == [1 * 6] * 2 + [2 * 6] * 4  # seeds x horizon per chunk
    assert [(d, t) for _, d, t in receipts] == [(k, 6) for k in range(1, 7)]


def test_progress_after_a_resume_counts_the_stored_chunks(tiny, tmp_path):
    exp, out, frame, _ = tiny
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    store.receipt_path(copy, 1, 4, 5).unlink()
    calls = []
    again = sweep.run_experiment(exp, out=copy, resume=True, progress=lambda r, d, t: calls.append((r["configuration"], r["lo"], d, t)))
    assert calls == [(1, 4, 6, 6)]
    pd.testing.assert_frame_equal(again, frame, check_exact=True)


def test_stored_finals_keep_the_configurations_asked_for(tiny):
    exp, out, frame, _ = tiny
    found = sweep.stored_finals(exp, out, [], {0})
    assert len(found) == 3 and {f["configuration"] for f in found} == {0}
    at_t = frame[(frame["configuration"] == 0) & (frame["round"] == 6) & (frame["metric"] == "regret")]["value"].to_numpy()
    running = sweep.RunningFinal()
    for f in found:
        running.add(f)
    mean, se, n = running.get(0, "regret")
    assert n == 5 and mean == pytest.approx(at_t.mean(), rel=1e-12) and se == pytest.approx(stats.sem(at_t), rel=1e-9)


def test_final_leaves_out_nan_and_running_final_ignores_empty_chunks():
    final = sweep._final(["loss"], np.array([[1.0], [np.nan], [3.0]]))
    assert final["loss"] == (2, pytest.approx(2.0), pytest.approx(2.0))  # (1 - 2)^2 + (3 - 2)^2
    running = sweep.RunningFinal()
    running.add({"configuration": 0, "final": {"loss": (0, float("nan"), 0.0)}})  # no seed reached the horizon
    running.add({"configuration": 0, "final": {"loss": (1, 4.0, 0.0)}})
    mean, se, n = running.get(0, "loss")
    assert (mean, n) == (4.0, 1) and np.isnan(se)  # one seed: no standard error
    running.add({"configuration": 0, "final": {"loss": (0, float("nan"), 0.0)}})
    running.add({"configuration": 0, "final": {"loss": (1, 6.0, 0.0)}})
    mean, se, n = running.get(0, "loss")
    assert (mean, n) == (5.0, 2) and se == pytest.approx(stats.sem([4.0, 6.0]))


# ------------------------------------------------------------------ the CLI
@pytest.mark.parametrize("mean, half, shown", [
    (103.456, 12.34, ("103", "± 12")), (0.51234, 0.0123, ("0.512", "± 0.012")), (2.0, 0.26, ("2.00", "± 0.26")),
    (1.5, 0.0, ("1.5", "± 0")), (1.5, float("nan"), ("1.5", "-")),
])
def test_mean_and_ci_rounds_to_the_second_significant_digit_of_the_half_width(mean, half, shown):
    from olearn.cli.main import _mean_and_ci

    assert _mean_and_ci(mean, half) == shown


def test_sweep_table_shows_the_mean_at_the_horizon(tiny):
    from olearn.cli.main import _sweep_table

    _, _, frame, _ = tiny
    shown = _render(_sweep_table(frame, "regret"))
    assert "regret at T = 6 (5 seeds)" in shown
    for c in (0, 1):
        x = frame[(frame["configuration"] == c) & (frame["round"] == 6) & (frame["metric"] == "regret")]["value"].to_numpy()
        half = stats.t.ppf(0.975, 4) * stats.sem(x)
        places = max(0, 1 - int(np.floor(np.log10(half))))  # the second significant digit of the half-width
        assert f"{x.mean():.{places}f}" in shown and f"± {half:.{places}f}" in shown, shown


def test_cli_resume_shows_the_seeds_stored_before_it(tiny, tmp_path, monkeypatch):
    """The live row of a resumed configuration counts its stored chunks' seeds too: 5 seeds, not the 1 just run."""
    import re

    from typer.testing import CliRunner

    from olearn.cli.main import app
    from olearn.experiment import figures

    monkeypatch.setattr(figures, "draw", lambda *a, **k: [])  # the figures are no part of this (and take a second)
    exp, out, frame, _ = tiny
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "figures", ignore_errors=True)
    store.receipt_path(copy, 1, 4, 5).unlink()
    config = tmp_path / "tiny.toml"
    config.write_text('[run]\nhorizon = 6\nseeds = 5\nchunk_seeds = 2\ncheckpoints = [3, 6]\nbackend = "python"\n'
                      '[[environments]]\nname = "gaussian"\nmeans = [0.3, 0.6]\nsigma = 0.5\n'
                      '[[learners]]\nname = "ucb1"\nc = [1.0, 2.0]\n')
    assert experiment.load(config).fingerprint() == exp.fingerprint()
    got = CliRunner().invoke(app, ["run", str(config), "--out", str(copy), "--workers", "0", "--resume"], terminal_width=200)
    assert got.exit_code == 0, got.output
    assert re.findall(r"\((\d+) seeds\)", got.output)[0] == "5", got.output


@pytest.mark.parametrize("command, option", [("demo", "--seeds"), ("demo", "--horizon"), ("bench", "--seeds")])
def test_demo_and_bench_refuse_zero_before_running(command, option, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from olearn import bench
    from olearn.cli import main

    ran = []
    monkeypatch.setattr(main, "_run_all", lambda *a, **k: ran.append(1))
    monkeypatch.setattr(bench, "cpu_ucb1", lambda *a, **k: ran.append(1) or [])
    extra = ["--backend", "python", "--out", str(tmp_path / "d")] if command == "demo" else []
    got = CliRunner().invoke(main.app, [command, option, "0", *extra])
    assert isinstance(got.exception, olearn.ParameterError) and got.exception.name == option[2:]
    assert ran == []


@pytest.mark.parametrize("error, code", [(FileNotFoundError("no such"), 2), (ConnectionRefusedError("no scheduler"), 1),
                                         (KeyboardInterrupt(), 130)])
def test_main_exit_codes(error, code, monkeypatch):
    from olearn.cli import main

    def app():
        raise error

    monkeypatch.setattr(main, "app", app)
    with pytest.raises(SystemExit) as done:
        main.main()
    assert done.value.code == code


def test_sweep_table_over_worlds_with_different_defaults_names_no_single_metric():
    """w1 records pseudo_regret (its default), w2 only regret: the title says "metric" and a column names each row's;
    values seed + round at T = 5 over seeds 0, 1, 2 are 5, 6, 7: mean 6, half-width t_{0.975,2} / sqrt(3) = 2.48."""
    from olearn.cli.main import _sweep_table

    rows = [{"configuration": c, "learner": "x", "config": "x", "environment": env, "env_config": env, "seed": seed, "round": rnd,
             "metric": m, "value": float(seed + rnd)}
            for c, (env, metrics) in enumerate((("w1", ("loss", "regret", "pseudo_regret")), ("w2", ("loss", "regret"))))
            for seed in range(3) for rnd in (2, 5) for m in metrics]
    shown = _render(_sweep_table(pd.DataFrame(rows), None))
    lines = [" ".join(line.replace("│", " ").split()) for line in shown.splitlines()]
    assert lines[0] == "metric at T = 5 (3 seeds)", shown
    assert "x w1 pseudo_regret 6.0 ± 2.5" in lines and "x w2 regret 6.0 ± 2.5" in lines, shown


def test_olearn_list_prints_a_default_of_a_few_values_whole():
    """sleeping_bernoulli's means default holds 5 values: shown as they are (only long defaults are abbreviated)."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    shown = CliRunner().invoke(app, ["list", "sleeping_bernoulli"], terminal_width=200).output
    assert "means=(0.9, 0.8, 0.7, 0.6, 0.5)" in shown, shown
