"""run, save/load, compare, configs and the command line: bad input gets an error that names the
parameter, and nothing computed or saved is lost or hidden (small runs on the python backend: no compilation)."""
import json
import threading

import numpy as np
import pandas as pd
import pytest

import environments
import olearn
from olearn import experiment

ENV = environments.make("bernoulli", means=[0.2, 0.8])


def _run(**kw):
    return olearn.run(kw.pop("learner", "ucb1"), ENV, **{"horizon": 20, "seeds": 3, "backend": "python", **kw})


def _raw(**run):
    return {"run": {"horizon": 20, "seeds": 2, "backend": "python", **run},
            "environments": [{"name": "bernoulli", "means": [0.2, 0.8]}], "learners": [{"name": "ucb1"}]}


# ------------------------------------------------------------------ olearn.run arguments
def test_metrics_that_are_not_names_are_a_parameter_error():
    with pytest.raises(olearn.ParameterError) as err:
        _run(metrics=5)
    assert err.value.name == "metrics" and "regret" in err.value.allowed
    with pytest.raises(experiment.ConfigError) as err:  # the same from a config: run.metrics, not a TypeError
        experiment.parse(_raw(metrics=5))
    assert err.value.name == "run.metrics"
    assert _run(metrics=np.array(["regret"])).columns == ["regret"]  # any sequence of names still works


@pytest.mark.parametrize("name", ["trace", "keep_state"])
def test_trace_and_keep_state_are_flags(name):
    with pytest.raises(olearn.ParameterError) as err:
        _run(**{name: "no"})  # a truthy string would switch it on
    assert err.value.name == name
    assert getattr(_run(**{name: np.False_}), "actions" if name == "trace" else "states") is None


def test_a_progress_bar_asked_for_with_a_numpy_true_is_closed(monkeypatch):
    from rich.live import Live, _RefreshThread

    def refreshing():
        return [t for t in threading.enumerate() if isinstance(t, _RefreshThread) and t.is_alive()]

    started = []
    start = Live.start
    monkeypatch.setattr(Live, "start", lambda self, *a, **k: (started.append(self), start(self, *a, **k))[1])
    before = set(refreshing())
    _run(progress=np.True_)
    assert started, "no progress display was opened"
    for thread in set(refreshing()) - before:
        thread.join(timeout=10)  # a stopped display's thread ends within its refresh period; an open one never does
    assert set(refreshing()) == before  # the live display stopped with the run
    with pytest.raises(olearn.ParameterError, match="'progress'"):
        _run(progress="yes")


@pytest.mark.parametrize("kw, name", [({"seeds": 10**12}, "seeds"), ({"checkpoints": 10**12}, "checkpoints")])
def test_counts_that_could_never_be_kept_are_refused_before_allocating(kw, name):
    # 10^12 seeds or checkpoints need 8 TB at 8 bytes each, far above the 8 GiB results limit
    with pytest.raises(olearn.ParameterError) as err:
        _run(**kw)
    assert err.value.name == name and str(olearn.engine.run.MAX_RESULT_BYTES // 8) in err.value.allowed


def test_a_trace_or_kept_states_past_the_results_limit_are_named_in_the_refusal():
    """A trace keeps 2 numbers a round per seed (3 seeds x 2 x 2e8 rounds x 8 bytes = 9.6 GB), kept states the
    learner's whole state per seed (strongly adaptive Hedge with g = 10^6 holds ~1.1e8 numbers: 2e4 seeds need
    ~16 TB): both past the 8 GiB results limit, refused before anything runs, with the option that caused it."""
    with pytest.raises(olearn.ParameterError) as err:
        _run(horizon=2 * 10**8, trace=True)
    assert err.value.name == "seeds" and "no trace" in err.value.allowed and "trace of 200000000 rounds" in str(err.value.value)
    with pytest.raises(olearn.ParameterError) as err:
        _run(learner=olearn.make("strongly_adaptive_hedge", g=10**6), seeds=20000, keep_state=True)
    assert err.value.name == "seeds" and "keep_state" in err.value.allowed and "kept state of" in str(err.value.value)


# ------------------------------------------------------------------ save / load
def test_traces_and_states_are_saved_and_loaded_back(tmp_path):
    res = _run(trace=True, keep_state=True)
    path = res.save(tmp_path / "r")
    back = olearn.load(path)
    for name in ("actions", "losses", "states", "values"):
        np.testing.assert_array_equal(getattr(back, name), getattr(res, name))
        assert getattr(back, name).dtype == getattr(res, name).dtype
    first = sorted(p.name for p in path.glob("arrays-*.npz"))
    assert len(first) == 1
    _run(trace=True).save(path)  # saved over: the new arrays file replaces the old one
    again = sorted(p.name for p in path.glob("arrays-*.npz"))
    assert len(again) == 1 and again != first and olearn.load(path).states is None
    _run().save(path)  # a result without traces leaves none behind
    assert not list(path.glob("arrays-*.npz")) and olearn.load(path).actions is None
    res.save(path)
    next(path.glob("arrays-*.npz")).unlink()
    with pytest.warns(UserWarning, match="missing"):
        gone = olearn.load(path)  # the metrics still load
    assert gone.actions is None
    np.testing.assert_array_equal(gone.values, res.values)


@pytest.mark.parametrize("key", ["config", "source"])
def test_meta_keys_that_would_replace_run_json_fields_are_refused(tmp_path, key):
    res = _run()
    res.meta[key] = "my note"
    with pytest.raises(olearn.ParameterError) as err:
        res.save(tmp_path / "r")
    assert err.value.name == "meta" and err.value.value == key
    assert not (tmp_path / "r").exists()
    res.meta = {"note": "mine"}
    back = olearn.load(res.save(tmp_path / "r"))
    assert back.meta == {"note": "mine"}
    assert back.origin["source"] == json.loads((tmp_path / "r" / "run.json").read_text())["source"]


# ------------------------------------------------------------------ analysis
def test_compare_refuses_a_round_that_is_not_an_integer():
    res = _run(learner=olearn.make("exp3", eta=[0.1, 0.5]), checkpoints=[10])
    with pytest.raises(olearn.ParameterError) as err:
        olearn.compare(res, "exp3(eta=0.1)", "exp3(eta=0.5)", "regret", round=10.5)  # int() would give round 10
    assert err.value.name == "round"
    with pytest.raises(olearn.ParameterError, match="'round'"):
        olearn.compare(res, "exp3(eta=0.1)", "exp3(eta=0.5)", "regret", round="x")
    row = olearn.compare(res, "exp3(eta=0.1)", "exp3(eta=0.5)", "regret", round=np.int64(10)).iloc[0]
    diff = res.metric("regret")[0, :, 0] - res.metric("regret")[1, :, 0]
    assert row["mean_difference"] == pytest.approx(diff.mean()) and row["n_seeds"] == 3


def test_compare_refuses_a_table_that_repeats_a_seed():
    grid = olearn.make("exp3", eta=[0.1, 0.5])
    other = environments.make("bernoulli", means=[0.4, 0.6])
    one = _run(learner=grid)
    two = olearn.run(grid, other, horizon=20, seeds=3, backend="python")
    frame = pd.concat([one.to_frame(), two.to_frame()], ignore_index=True)  # same labels, same environment name
    with pytest.raises(olearn.ParameterError) as err:
        olearn.compare(frame, "exp3(eta=0.1)", "exp3(eta=0.5)", "regret")
    assert err.value.name == "frame"
    both = olearn.Result.concat([one, two])  # the way the error names: distinct labels, the pairs of each run
    row = olearn.compare(both, both.labels[2], both.labels[3], "regret").iloc[0]
    assert row["mean_difference"] == pytest.approx((two.final("regret")[0] - two.final("regret")[1]).mean())



def test_summarize_refuses_a_table_that_repeats_a_seed():
    """Two runs concatenated with pandas under the same labels: pooling would count 6 seeds where each
    mean mixes two worlds; the error names the frame, and concatenated Results summarize per run."""
    one = _run()
    two = olearn.run("ucb1", environments.make("bernoulli", means=[0.4, 0.6]), horizon=20, seeds=3, backend="python")
    frame = pd.concat([one.to_frame(), two.to_frame()], ignore_index=True)
    with pytest.raises(olearn.ParameterError) as err:
        olearn.summarize(frame, "regret")
    assert err.value.name == "frame"
    table = olearn.summarize(olearn.Result.concat([one, two]), "regret")
    last = table[table["round"] == 20]
    assert list(last["n_seeds"]) == [3, 3]
    assert last["mean"].to_numpy() == pytest.approx([one.final("regret")[0].mean(), two.final("regret")[0].mean()])


# ------------------------------------------------------------------ configs
@pytest.mark.parametrize("where, value, key", [
    ("learners", {"name": "exp3", "eta": [0.1, 0.2], "label": 5}, "learners[0].label"),
    ("environments", {"name": "bernoulli", "means": [0.2, 0.8], "label": 5}, "environments[0].label"),
    ("learners", {"name": ["ucb1"]}, "learners[0].name"),
    ("figures", {"kind": ["curves"]}, "figures[0].kind"),
])
def test_config_values_of_the_wrong_type_name_their_key(where, value, key):
    raw = _raw()
    raw[where] = [value]
    with pytest.raises(experiment.ConfigError) as err:
        experiment.parse(raw)
    assert err.value.name == key


def test_a_config_that_is_not_utf8_is_a_config_error(tmp_path):
    from olearn.experiment import script

    path = tmp_path / "latin1.toml"
    path.write_bytes('[run]\nhorizon = 10 # r\xe9sum\xe9\n'.encode("latin-1"))
    assert script.figure_script(path) is None  # not a figure config; the sweep loader says why
    with pytest.raises(experiment.ConfigError, match="UTF-8") as err:
        experiment.load(path)
    assert err.value.name == "(file)"


def test_a_folder_given_as_the_config_is_a_config_error(tmp_path):
    """`olearn run DIR` had raised a bare IsADirectoryError from the figure-script check."""
    from typer.testing import CliRunner

    from olearn.cli.main import app
    from olearn.experiment import script

    assert script.figure_script(tmp_path) is None
    with pytest.raises(experiment.ConfigError, match="a readable TOML file") as err:
        experiment.load(tmp_path)
    assert err.value.name == "(file)"
    result = CliRunner().invoke(app, ["run", str(tmp_path)])
    assert isinstance(result.exception, experiment.ConfigError), result.output


# ------------------------------------------------------------------ nothing saved is hidden or lost
def test_a_sweep_refuses_a_folder_that_holds_a_saved_run(tmp_path):
    from olearn.experiment import sweep

    _run().save(tmp_path / "r")
    with pytest.raises(experiment.SweepExistsError, match="saved run"):
        sweep.prepare(experiment.parse(_raw()), tmp_path / "r", resume=False, force=False)
    assert not (tmp_path / "r" / "sweep.json").exists()
    assert isinstance(olearn.load(tmp_path / "r"), olearn.Result)  # still loads as the run it is


def test_demo_checks_its_out_folder_before_running(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from olearn.cli import main

    (tmp_path / "sweep.json").write_text("{}")  # a sweep folder: Result.save refuses it
    ran = []
    monkeypatch.setattr(main, "_run_all", lambda *a, **k: ran.append(1))
    out = CliRunner().invoke(main.app, ["demo", "--seeds", "2", "--horizon", "10", "--backend", "python", "--out", str(tmp_path)])
    assert isinstance(out.exception, olearn.ParameterError) and out.exception.name == "out"
    assert ran == []  # refused before any run, not after


def test_a_learner_whose_state_could_never_be_held_is_refused_by_name():
    """tsallis_inf_cb with 1e9 bins needs 2 (K + 1) + 1 numbers per bin and seed (72 GB at K = 3): a
    ParameterError naming the learner, before any allocation (numpy's MemoryError had been the message)."""
    env = environments.make("linear_contextual", n_arms=3, dim=2)
    with pytest.raises(olearn.ParameterError) as err:
        olearn.run(olearn.make("tsallis_inf_cb", n_bins=10**9), env, horizon=5, seeds=2, backend="python")
    assert err.value.name == "learner" and "n_bins=1000000000" in str(err.value.value)
    # a world of 10**19 arms: its sizes pass int64, where the layout's cumsum had raised OverflowError
    with pytest.raises(olearn.ParameterError) as err:
        olearn.run(olearn.make("exp3"), environments.make("switching", n_arms=10**19), horizon=3, seeds=1, backend="python")
    assert err.value.name == "learner" and "switching" in str(err.value.value)


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_a_call_holds_at_most_max_chunk_bytes_and_splitting_changes_no_number(backend, monkeypatch):
    """Each backend call gets at most MAX_CHUNK_BYTES of working rows and results (one job when even one
    is larger); a run split into one-job calls gives the same numbers, traces and states."""
    from olearn.backends import cpu, python
    from olearn.core import config

    module = {"python": python, "cpu": cpu}[backend]
    whole = _run(backend=backend, seeds=5, trace=True, keep_state=True)
    assert module.chunk_jobs(10**6, 10, config.MAX_CHUNK_BYTES // 4) == 4
    assert module.chunk_jobs(10**6, 10, 2 * config.MAX_CHUNK_BYTES) == 1
    monkeypatch.setattr(config, "MAX_CHUNK_BYTES", 1)
    calls = []
    original = module.chunk_jobs
    monkeypatch.setattr(module, "chunk_jobs", lambda *a: calls.append(original(*a)) or calls[-1])
    split = _run(backend=backend, seeds=5, trace=True, keep_state=True)
    assert calls == [1]
    for name in ("values", "actions", "losses", "states"):
        assert np.array_equal(getattr(whole, name), getattr(split, name))


def test_save_refuses_a_path_that_is_a_file_by_name(tmp_path):
    """A file where the folder should be: a ParameterError naming save's path, and the file is kept."""
    (tmp_path / "r").write_text("notes")
    with pytest.raises(olearn.ParameterError) as err:
        _run().save(tmp_path / "r")
    assert err.value.name == "path" and (tmp_path / "r").read_text() == "notes"


# ------------------------------------------------------------------ complex and text numbers
def _complex_inputs():
    from olearn import conformal

    exp3 = olearn.stepwise(olearn.make("exp3", n_arms=2), seed=0, horizon=10)
    hedge = olearn.stepwise(olearn.make("hedge", n_arms=2), seed=0, horizon=10)
    return [
        ("means", lambda: environments.make("bernoulli", means=np.array([0.1, 0.5]) + 0j)),
        ("losses", lambda: environments.make("loss_matrix", losses=np.full((3, 2), 0.5j))),
        ("losses", lambda: environments.make("loss_matrix", losses=[["0.5", "0.1"]])),
        ("data", lambda: environments.make("linear_stream", data=np.ones((5, 3)) * 1j)),
        ("scores", lambda: conformal.run_scores("aci", np.array([1.0, 2.0, 3.0]) + 0j, coverage=0.9)),
        ("calibration", lambda: conformal.run_scores("saocp", [1.0, 2.0], coverage=0.9, calibration=[1j])),
        ("series", lambda: conformal.wrap("naive", np.arange(40.0) + 0j, method="aci", coverage=0.9)),
        ("loss", lambda: (exp3.act(), exp3.update(0, 0.5j))),
        ("loss", lambda: (hedge.act(), hedge.update(0, np.array([0.5j, 0.1])))),
        ("loss", lambda: (hedge.act(), hedge.update(0, np.array(["0.5", "0.1"])))),
    ]


@pytest.mark.parametrize("case", range(10))
def test_complex_or_text_numbers_are_refused_by_name_not_cast(case):
    """NumPy casts a complex array to real with only a warning (the imaginary parts dropped) and parses
    text such as "0.5": either had reached a world, a score stream, a series or a step-wise update."""
    import warnings

    name, call = _complex_inputs()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way to the error
        with pytest.raises(olearn.ParameterError) as err:
            call()
    assert err.value.name == name


def test_the_command_prints_the_installed_version():
    """``olearn --version`` says the version the installed package declares (pyproject.toml's)."""
    from importlib.metadata import version

    from typer.testing import CliRunner

    from olearn.cli.main import app

    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output.strip() == f"olearn {version('olearn')}" == f"olearn {olearn.__version__}"


def test_subpackages_are_reached_from_olearn_without_importing_them():
    """``import olearn`` then ``olearn.conformal...`` (AttributeError before), each loaded on first use only."""
    import subprocess
    import sys

    code = ("import sys, olearn\n"
            "assert 'olearn.relax' not in sys.modules\n"
            "print(olearn.conformal.run_scores('aci', [1.0, 2.0], coverage=0.5).size, olearn.relax.omega_grid(1.0, 1.5, 2).size,\n"
            "      callable(olearn.privacy.run), callable(olearn.testing.check_learner))\n"
            "try:\n    olearn.conformall\nexcept AttributeError as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["2 2 True True", "module 'olearn' has no attribute 'conformall'"]


def test_an_unreadable_sweep_or_result_file_is_named_not_a_traceback(tmp_path):
    """A sweep.json that is not JSON, or a results.parquet that is not parquet: olearn plot and olearn.load name the
    file (they printed a JSONDecodeError or ArrowInvalid traceback)."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    sweep_dir, result_dir = tmp_path / "sweep", tmp_path / "result"
    sweep_dir.mkdir()
    result_dir.mkdir()
    (sweep_dir / "sweep.json").write_text("not json")
    (result_dir / "results.parquet").write_text("junk")
    with pytest.raises(olearn.ParameterError, match="sweep.json.*JSON that olearn run writes"):
        olearn.load(sweep_dir)
    with pytest.raises(olearn.ParameterError, match="results.parquet is the parquet file"):
        olearn.load(result_dir)
    for folder in (sweep_dir, result_dir):
        result = CliRunner().invoke(app, ["plot", str(folder)])
        assert isinstance(result.exception, olearn.ParameterError), result.output  # main() prints it as one error line


def test_analysis_and_figures_name_their_bad_input(tmp_path):
    """A table without the tidy columns, a value column of text, unequal or two-dimensional fit data, a table given
    to regret_curves (it reads a Result), a non-Axes ax, a log_x of "no" (truthy), a save path under a file: each a
    ParameterError naming the parameter (they had raised KeyError, TypeError, a broadcast ValueError, AttributeError
    or OSError, taken "no" as True, or fitted a flattened table).  Valid input still gives the closed form: the slope
    of y = x^2 on log axes is 2."""
    import matplotlib

    matplotlib.use("Agg")
    from olearn import analysis, plot

    res = olearn.run("ucb1", ENV, horizon=6, seeds=2, backend="python")
    (tmp_path / "file").write_text("x")
    cases = [
        (lambda: olearn.summarize(pd.DataFrame({"a": [1]})), "frame", "columns config, seed, round, metric, value"),
        (lambda: olearn.compare(pd.DataFrame({"a": [1]}), "x", "y"), "frame", "columns config, seed"),
        (lambda: olearn.summarize(res.to_frame().assign(value="x")), "frame", "value column holds numbers"),
        (lambda: analysis.fit_slope([1, 2, 3], [1, 2]), "y", "the same length"),
        (lambda: analysis.fit_slope(None, None), "y", "one-dimensional"),
        (lambda: analysis.fit_slope([[1, 2], [3, 4]], [[1, 4], [9, 16]]), "y", "one-dimensional"),
        (lambda: plot.regret_curves(res.to_frame()), "result", "a Result"),
        (lambda: plot.regret_curves(res, ax=5), "ax", "matplotlib Axes"),
        (lambda: plot.regret_curves(res, log_x="no"), "log_x", "True or False"),
        (lambda: plot.save_figure(None, tmp_path / "a.png"), "ax", "matplotlib Axes"),
        (lambda: plot.save_figure(plot.regret_curves(res), tmp_path / "file" / "a.png"), "path", "is a file"),
        (lambda: plot.save_figure(plot.regret_curves(res), ""), "path", "non-empty"),
    ]
    for call, name, allowed in cases:
        with pytest.raises(olearn.ParameterError) as err:
            call()
        assert err.value.name == name and allowed in str(err.value), str(err.value)
    slope, intercept = analysis.fit_slope([1, 2, 4, 8], [1, 4, 16, 64])
    assert slope == pytest.approx(2.0, abs=1e-12) and intercept == pytest.approx(0.0, abs=1e-12)
    assert plot.save_figure(plot.regret_curves(res, log_x=False), tmp_path / "ok" / "fig.png")[0].exists()
    # NumPy's booleans are flags, as everywhere else (core.errors.check_flag): a log or a linear x-axis
    assert plot.regret_curves(res, log_x=np.bool_(True)).get_xscale() == "log"
    assert plot.regret_curves(res, log_x=np.False_).get_xscale() == "linear"
    assert len(olearn.summarize(res)) == len(olearn.summarize(res.to_frame()))
