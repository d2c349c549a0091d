"""Sweep figures, [logs] tables, figure scripts, atomic files and provenance records against what their
docstrings say and plain arithmetic (python only: nothing here runs a kernel or compiles one).

* Figures (olearn.experiment.figures, Agg backend, the data handed to matplotlib, never pixels): ``check``
  refuses a key its kind does not have, a flag for ``rate``, ``fit_from = 1`` (a fraction in [0, 1)), and
  a file name that is only dots or holds a backslash.  ``default_metric`` is the first of pseudo_regret,
  regret, dynamic_regret, else loss.  ``curves`` draws the mean of each configuration against the rounds in
  increasing order, with a band from mean - h to mean + h, h = t_{0.975, n-1} sd / sqrt(n), on a log x axis
  by default, titled with the environment configuration.  ``slope`` fits log y on log x by least squares
  (slope = cov(log x, log y) / var(log x)) over the points with x >= x_min (x_max / x_min)^fit_from, i.e. the
  lowest ``fit_from`` fraction of the log-x range is left out (default 0.2); with fit_from = 0 every point
  counts.  Its theory line of slope ``rate`` passes through the fitted line at the first fitted point,
  y = e^c x0^s (x / x0)^rate, and is drawn once per panel.  Against a learner parameter it takes each
  configuration's mean at the horizon, one line per learner, the x values sorted.  ``counts`` draws, per
  configuration, the mean over seeds of count[k] at the horizon, bars 0.8 / (number of configurations)
  wide, ticks named by the action index.  ``draw`` forgets the record of what was drawn before it draws, so a
  draw that fails midway leaves ``drawn`` False; ``drawn`` needs every PNG and PDF.
* [logs] (olearn.experiment.logged): exactly one of world or file; a file table refuses events/seed/logging,
  an unknown column key, a missing file; a world table refuses columns, events that are 0 or a flag, and a
  logging that is neither list nor table; ``label`` is not part of the checked spec (it names the log, it is
  not data); the file's label is its name with extension; a file suffix is matched case-insensitively; the
  world's log is collected with seed 0 by default.
* Figure scripts (olearn.experiment.script): the script must end in .py, is looked up relative to the working
  directory too, and comes back resolved; [full] must be a table; bad TOML is not a figure config (None);
  the default output is runs/<folder>/<name>; the script runs with its own folder first on sys.path, and
  sys.argv / sys.path are restored; exit code 0 is success, any other is raised.
* atomic_write (olearn.io.files): a failed write leaves the old file and no temporary; the temporary is a
  hidden file in the same folder; missing folders are made; the mode is a plain open's (0o666 & ~umask);
  the file is fsynced before it is renamed into place; an ignored SIGINT (SIG_IGN) stays ignored; a Ctrl-C held
  during a write that then fails is still delivered; off the main thread it writes without touching signals
  (signal.signal would raise there).
* Provenance (olearn.io.provenance): describe() is {versions, source, device}; versions holds the five numeric
  libraries' __version__, dask only when already imported, and skips a module without __version__; source()
  in a real git checkout is HEAD and a dirty flag that ignores untracked files, {} when git fails;
  code_hash is 16 hex digits over the .py files (their names and bytes) under olearn/ and environments/,
  subfolders included, and nothing else.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import olearn  # noqa: E402
from olearn.experiment import ConfigError, figures, logged, script  # noqa: E402
from olearn.io import files, provenance  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _frame(values, metric="regret", env="e", learner=None, extra=None):
    """values: {config: {round: [value per seed]}} -> a tidy sweep table."""
    rows = []
    for config, by_round in values.items():
        for rnd, seeds in by_round.items():
            for seed, v in enumerate(seeds):
                rows.append({"configuration": 0, "learner": learner or config, "config": config, "environment": env,
                             "env_config": env, **((extra or {}).get(config, {})), "seed": seed, "round": rnd,
                             "metric": metric, "value": float(v)})
    return pd.DataFrame(rows)


def _ols_slope(x, y):
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return float(np.sum((lx - lx.mean()) * (ly - ly.mean())) / np.sum((lx - lx.mean()) ** 2))


# ------------------------------------------------------------------ figures: check and default_metric
@pytest.mark.parametrize("spec, key", [
    ({"kind": "curves", "colour": "red"}, "colour"),
    ({"kind": "counts", "metric": "loss"}, "metric"),
    ({"kind": "slope", "x": "round", "rate": True}, "rate"),
    ({"kind": "slope", "x": "round", "fit_from": 1.0}, "fit_from"),
    ({"kind": "curves", "file": ".."}, "file"),
    ({"kind": "curves", "file": "a\\b"}, "file"),
    ({"kind": "curves", "title": 3}, "title"),
])
def test_figure_check_refuses_unknown_keys_flags_a_whole_fraction_and_bad_file_names(spec, key):
    with pytest.raises(olearn.ParameterError) as err:
        figures.check(dict(spec))
    assert err.value.name == key


def test_default_metric_prefers_pseudo_regret_then_regret_then_dynamic_regret_else_loss():
    assert figures.default_metric({"loss", "regret", "pseudo_regret"}) == "pseudo_regret"
    assert figures.default_metric({"loss", "dynamic_regret"}) == "dynamic_regret"
    assert figures.default_metric({"loss", "events"}) == "loss"


# ------------------------------------------------------------------ curves
def test_curves_draw_the_mean_in_round_order_with_the_t_band_on_a_log_axis():
    """Rounds listed 100, 10, 1000 in the table: the line goes 10, 100, 1000; values per seed [1, 2, 6] (mean 3,
    sd sqrt 7) etc.; band = mean -/+ t_{0.975,2} sd / sqrt 3."""
    a = {100: [1.0, 2.0, 6.0], 10: [0.0, 1.0, 2.0], 1000: [5.0, 5.0, 8.0]}
    b = {100: [2.0, 2.0, 2.0], 10: [1.0, 3.0, 5.0], 1000: [4.0, 6.0, 8.0]}
    frame = _frame({"a": a, "b": b})
    fig = figures.curves(frame, figures.check({"kind": "curves", "metric": "regret"}))
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_title() == "e" and ax.get_xlabel() == "round t"
    t = stats.t.ppf(0.975, 2)
    for line, band, data in zip(ax.get_lines(), ax.collections, (a, b)):
        rounds = sorted(data)
        means = [np.mean(data[r]) for r in rounds]
        halves = [t * np.std(data[r], ddof=1) / np.sqrt(3) for r in rounds]
        np.testing.assert_array_equal(line.get_xdata(), rounds)
        np.testing.assert_allclose(line.get_ydata(), means, rtol=1e-12)
        vertices = band.get_paths()[0].vertices
        for r, m, h in zip(rounds, means, halves):
            ys = vertices[vertices[:, 0] == r, 1]
            assert ys.min() == pytest.approx(m - h, rel=1e-12) and ys.max() == pytest.approx(m + h, rel=1e-12)
    linear = figures.curves(frame, figures.check({"kind": "curves", "metric": "regret", "log_x": False}))
    assert linear.axes[0].get_xscale() == "linear"


# ------------------------------------------------------------------ slope
ROUNDS = [1, 10, 100, 1000, 10000]


def _power(first=100.0, scale=2.0, power=0.5):
    """2 sqrt(T) at every round but the first, where the mean is ``first`` (an outlier)."""
    return {r: [first if r == 1 else scale * r**power] * 3 for r in ROUNDS}


def test_slope_leaves_out_the_lowest_fifth_of_the_log_x_range_by_default():
    """log10 x spans 0..4: fit_from = 0.2 keeps x >= 10^0.8 (10 .. 10^4), where y = 2 sqrt(x) exactly: slope 1/2.
    The outlier at x = 1 is left out; a linear 20% cut (x >= 2000.8) would leave one point and no slope."""
    fig = figures.slope(_frame({"a": _power()}), figures.check({"kind": "slope", "x": "round", "metric": "regret"}))
    assert fig.olearn_fits[0]["slope"] == pytest.approx(0.5, abs=1e-12)


def test_slope_with_fit_from_zero_fits_every_point():
    """fit_from = 0: all five points, the outlier included: the OLS slope of log y on log x over all of them."""
    data = _power()
    fig = figures.slope(_frame({"a": data}), figures.check({"kind": "slope", "x": "round", "metric": "regret", "fit_from": 0.0}))
    want = _ols_slope(ROUNDS, [data[r][0] for r in ROUNDS])
    assert abs(want - 0.5) > 0.1  # the outlier matters
    assert fig.olearn_fits[0]["slope"] == pytest.approx(want, rel=1e-9)


def test_slope_theory_line_goes_through_the_fit_at_the_first_fitted_point_once_per_panel():
    """Two configurations (2 sqrt T and 5 T): slopes 1/2 and 1; rate = 1 draws one line e^c x0^s (x / x0) with x0 = 10
    (the first fitted point) from the first configuration's fit: 2 sqrt 10 (x / 10)."""
    frame = _frame({"a": _power(), "b": _power(first=500.0, scale=5.0, power=1.0)})
    fig = figures.slope(frame, figures.check({"kind": "slope", "x": "round", "metric": "regret", "rate": 1.0}))
    assert [f["slope"] for f in fig.olearn_fits] == [pytest.approx(0.5, abs=1e-12), pytest.approx(1.0, abs=1e-12)]
    theory = [line for line in fig.axes[0].get_lines() if line.get_label().startswith("theory")]
    assert len(theory) == 1
    x = np.array(ROUNDS[1:], float)
    np.testing.assert_array_equal(theory[0].get_xdata(), x)
    np.testing.assert_allclose(theory[0].get_ydata(), 2 * np.sqrt(10) * x / 10, rtol=1e-9)


def test_slope_against_a_learner_parameter_uses_the_horizon_means_sorted_one_line_per_learner():
    """exp3 at eta 0.4, 0.1, 0.2 (in that configuration order); mean regret 3 / eta at the horizon 10 and
    junk (1000) at round 5: one fit for exp3, x sorted 0.1, 0.2, 0.4, slope -1."""
    etas = {"exp3(eta=0.4)": 0.4, "exp3(eta=0.1)": 0.1, "exp3(eta=0.2)": 0.2}
    values = {c: {5: [1000.0, 1000.0], 10: [3 / e - 0.5, 3 / e + 0.5]} for c, e in etas.items()}
    frame = _frame(values, learner="exp3", extra={c: {"eta": e} for c, e in etas.items()})
    fig = figures.slope(frame, figures.check({"kind": "slope", "x": "eta", "metric": "regret", "fit_from": 0.0}))
    assert [(f["what"], round(f["slope"], 9)) for f in fig.olearn_fits] == [("exp3", -1.0)]
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0.1, 0.2, 0.4])
    np.testing.assert_allclose(line.get_ydata(), [30.0, 15.0, 7.5], rtol=1e-12)


# ------------------------------------------------------------------ counts
def test_counts_draw_the_mean_plays_at_the_horizon_per_configuration():
    """Two configurations, 3 arms, 2 seeds, rounds 5 and 10: bar k of a configuration is the seeds' mean of count[k]
    at round 10; bars are 0.8 / 2 wide; ticks read 0, 1, 2."""
    rows = []
    plays = {"a": [[1, 2, 7], [3, 2, 5]], "b": [[6, 0, 4], [8, 2, 0]]}  # at round 10, per seed
    for config, by_seed in plays.items():
        for seed, counts in enumerate(by_seed):
            for rnd in (5, 10):
                for k, c in enumerate(counts):
                    rows.append({"configuration": 0, "learner": config, "config": config, "environment": "e", "env_config": "e",
                                 "seed": seed, "round": rnd, "metric": f"count[{k}]", "value": float(c if rnd == 10 else 100)})
    fig = figures.counts(pd.DataFrame(rows), figures.check({"kind": "counts"}))
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 6
    for i, config in enumerate(("a", "b")):
        mine = bars[3 * i: 3 * i + 3]
        np.testing.assert_allclose([b.get_height() for b in mine], np.mean(plays[config], axis=0))
        np.testing.assert_allclose([b.get_width() for b in mine], 0.4)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]


# ------------------------------------------------------------------ draw and drawn
@pytest.fixture
def quick_save(monkeypatch):
    """draw's files without rendering them (what is checked is which files exist, not their pixels)."""
    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", lambda self, path, **kw: Path(path).write_bytes(b"figure"))


def _tiny_table():
    return _frame({"a": {r: [1.0 * r, 2.0 * r] for r in (2, 4)}})


def test_drawn_needs_every_png_and_pdf(tmp_path, quick_save):
    frame = _tiny_table()
    specs = [figures.check({"kind": "curves", "metric": "regret", "file": "one"}),
             figures.check({"kind": "curves", "metric": "regret", "file": "two"})]
    figures.draw(frame, specs, tmp_path)
    assert figures.drawn(tmp_path, specs)
    (tmp_path / "figures" / "two.pdf").unlink()
    assert not figures.drawn(tmp_path, specs)


def test_a_draw_that_fails_midway_is_not_recorded_as_drawn(tmp_path, quick_save):
    """draw([X, Y]) then draw([X', bad]): X' overwrote one.png before bad failed, so the folder no longer holds X and Y
    as drawn; the old record must not say it does."""
    frame = _tiny_table()
    specs = [figures.check({"kind": "curves", "metric": "regret", "file": "one"}),
             figures.check({"kind": "curves", "metric": "regret", "file": "two", "title": "t"})]
    figures.draw(frame, specs, tmp_path)
    assert figures.drawn(tmp_path, specs)
    changed = figures.check({"kind": "curves", "metric": "regret", "file": "one", "log_x": False})
    bad = figures.check({"kind": "slope", "x": "nowhere", "metric": "regret"})
    with pytest.raises(olearn.ParameterError):
        figures.draw(frame, [changed, bad], tmp_path)
    assert not figures.drawn(tmp_path, specs)


# ------------------------------------------------------------------ [logs]
WORLD = {"name": "bernoulli", "means": [0.2, 0.8]}


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "clicks.csv"
    path.write_text("arm,p,click\n0,0.5,1\n1,0.5,0\n")
    return path


@pytest.mark.parametrize("table, key", [
    ({}, "world"),
    ({"world": WORLD, "events": 0}, "events"),
    ({"world": WORLD, "events": True}, "events"),
    ({"world": WORLD, "events": 10, "logging": "uniform"}, "logging"),
    ({"world": WORLD, "events": 10, "columns": {"action": "arm"}}, "columns"),
    ({"world": WORLD, "events": 10, "label": 3}, "label"),
])
def test_logs_world_tables_refuse_bad_values_by_key(table, key):
    with pytest.raises(olearn.ParameterError) as err:
        (logged.label if key == "label" else logged.spec)(table)
    assert err.value.name == key


def test_logs_file_tables_refuse_seed_unknown_columns_and_a_missing_file(events_csv):
    for table, key in (({"file": str(events_csv), "seed": 3}, "seed"),
                       ({"file": str(events_csv), "columns": {"actoin": "arm"}}, "columns"),
                       ({"file": str(events_csv.with_name("missing.csv"))}, "file")):
        with pytest.raises(olearn.ParameterError) as err:
            logged.spec(table)
        assert err.value.name == key


def test_logs_spec_keeps_no_label_and_the_file_label_is_its_name(events_csv):
    import hashlib

    checked = logged.spec({"world": WORLD, "events": 10, "label": "mine"})
    assert checked == {"world": WORLD, "events": 10}  # the label names the log: not data, not in the fingerprint
    assert logged.label({"file": "data/clicks.parquet"}) == "logs(clicks.parquet)"
    upper = events_csv.with_name("CLICKS.CSV")
    shutil.copy(events_csv, upper)
    assert logged.spec({"file": str(upper)})["sha256"] == hashlib.sha256(upper.read_bytes()).hexdigest()


def test_logs_are_collected_with_seed_zero_by_default(monkeypatch):
    from olearn import offpolicy

    calls = []
    monkeypatch.setattr(offpolicy, "collect", lambda env, n, seed=None, logging="unset": calls.append((n, seed, logging)))
    logged._build.cache_clear()
    try:
        logged.build(logged.spec({"world": WORLD, "events": 7}))
    finally:
        logged._build.cache_clear()
    assert calls == [(7, 0, None)]


# ------------------------------------------------------------------ figure scripts
SCRIPT = """
import json, sys
from pathlib import Path
out = Path(sys.argv[sys.argv.index("--out") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "seen.json").write_text(json.dumps({"path0": sys.path[0]}))
sys.exit(CODE)
"""


def _figure(tmp_path, code=0, script="fig/draw.py"):
    (tmp_path / "fig").mkdir(exist_ok=True)
    (tmp_path / "fig" / "draw.py").write_text(SCRIPT.replace("CODE", str(code)))
    config = tmp_path / "fig" / "draw.toml"
    config.write_text(f'[figure]\nscript = "{script}"\n')
    return config


def test_figure_script_must_be_python_and_full_must_be_a_table(tmp_path):
    (tmp_path / "draw.txt").write_text("")
    config = tmp_path / "c.toml"
    for text, key in (('[figure]\nscript = "draw.txt"\n', "figure.script"),
                      ('full = 3\n[figure]\nscript = "draw.txt"\n', "full")):
        config.write_text(text)
        with pytest.raises(ConfigError) as err:
            script.figure_script(config)
        assert err.value.name == key
    config.write_text('[figure\nscript = "draw.py"\n')
    assert script.figure_script(config) is None  # not TOML: the sweep loader says why


def test_figure_script_is_found_from_the_working_directory_and_resolved(tmp_path, monkeypatch):
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    (root / "s").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "s" / "draw.py").write_text("")
    config = elsewhere / "c.toml"
    config.write_text('[figure]\nscript = "s/../s/draw.py"\n')
    monkeypatch.chdir(root)
    assert script.figure_script(config) == (root / "s" / "draw.py").resolve()
    assert str(script.figure_script(config)) == str((root / "s" / "draw.py").resolve())


def test_default_out_is_runs_folder_and_name():
    assert script.default_out("experiments/sea/regret_vs_T.toml") == Path("runs/sea/regret_vs_T")


def test_run_figure_script_puts_its_folder_first_restores_argv_and_path_and_treats_exit_0_as_success(tmp_path):
    config = _figure(tmp_path, code=0)
    argv, path = list(sys.argv), list(sys.path)
    out = script.run_figure_script(config, tmp_path / "out")
    assert sys.argv == argv and sys.path == path
    import json

    assert json.loads((out / "seen.json").read_text())["path0"] == str((tmp_path / "fig").resolve())
    _figure(tmp_path, code=3)
    with pytest.raises(SystemExit) as stop:
        script.run_figure_script(config, tmp_path / "out")
    assert stop.value.code == 3
    assert sys.argv == argv and sys.path == path


# ------------------------------------------------------------------ atomic_write
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def write(tmp):
        tmp.write_text("half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        files.atomic_write(path, write)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_fills_a_hidden_file_beside_the_target_makes_folders_and_fsyncs_before_the_rename(tmp_path, monkeypatch):
    path = tmp_path / "a" / "b" / "f.txt"
    seen, synced = [], []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(path.exists()) or real_fsync(fd))

    def write(tmp):
        seen.append(tmp)
        tmp.write_text("new")

    files.atomic_write(path, write)
    assert path.read_text() == "new"
    assert seen[0].parent == path.parent and seen[0].name.startswith(".f.txt.") and seen[0].name.endswith(".tmp")
    assert synced == [False]  # one fsync, before the file was in place


def test_atomic_write_gives_a_plain_opens_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        files.atomic_write(tmp_path / "f.txt", lambda tmp: tmp.write_text("x"))
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644  # 0o666 & ~0o022


def test_an_ignored_sigint_stays_ignored_and_other_threads_write_without_signals(tmp_path):
    def write(tmp):
        os.kill(os.getpid(), signal.SIGINT)
        tmp.write_text("whole")

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        files.atomic_write(tmp_path / "a.txt", write)  # no exception: SIG_IGN is not a callable to hand it to
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (tmp_path / "a.txt").read_text() == "whole"
    errors = []

    def in_thread():
        try:
            files.atomic_write(tmp_path / "b.txt", lambda tmp: tmp.write_text("thread"))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert errors == [] and (tmp_path / "b.txt").read_text() == "thread"


# ------------------------------------------------------------------ provenance
def test_describe_names_versions_source_and_device():
    import numba
    import pyarrow
    import scipy

    got = provenance.describe()
    assert list(got) == ["versions", "source", "device"]
    assert got["versions"]["olearn"] == olearn.__version__ and got["device"]["cpus"] == os.cpu_count()
    for module in (np, numba, pd, pyarrow, scipy):
        assert got["versions"][module.__name__] == module.__version__


def test_versions_report_dask_only_when_loaded_and_skip_a_module_without_version(monkeypatch):
    monkeypatch.delitem(sys.modules, "dask", raising=False)
    monkeypatch.setitem(sys.modules, "distributed", types.ModuleType("distributed"))  # no __version__
    got = provenance.versions()
    assert "dask" not in got and "distributed" not in got
    monkeypatch.setitem(sys.modules, "dask", types.SimpleNamespace(__version__="0.0.test"))
    assert provenance.versions()["dask"] == "0.0.test"


def _fake_tree(tmp_path, monkeypatch):
    """A source tree olearn/io/provenance.py sits in: provenance reads its root from __file__."""
    (tmp_path / "olearn" / "io").mkdir(parents=True)
    (tmp_path / "olearn" / "io" / "provenance.py").write_text("x = 1\n")
    monkeypatch.setattr(provenance, "__file__", str(tmp_path / "olearn" / "io" / "provenance.py"))


def _git(root, *args):
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_source_is_head_and_dirty_ignores_untracked_files(tmp_path, monkeypatch):
    _fake_tree(tmp_path, monkeypatch)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one")
    head = _git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "untracked.py").write_text("")
    assert provenance.source.__wrapped__() == {"commit": head, "dirty": False}
    (tmp_path / "olearn" / "io" / "provenance.py").write_text("x = 2\n")
    assert provenance.source.__wrapped__() == {"commit": head, "dirty": True}


def test_source_is_empty_when_git_fails(tmp_path, monkeypatch):
    _fake_tree(tmp_path, monkeypatch)
    (tmp_path / ".git").mkdir()  # not a repository: rev-parse fails (or git is missing)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert provenance.source.__wrapped__() == {}


def test_code_hash_covers_the_names_and_bytes_of_every_python_source_and_nothing_else(tmp_path, monkeypatch):
    _fake_tree(tmp_path, monkeypatch)
    (tmp_path / "olearn" / "a.py").write_text("a = 1\n")
    (tmp_path / "environments" / "w").mkdir(parents=True)
    (tmp_path / "environments" / "w" / "c.py").write_text("c = 1\n")
    (tmp_path / "olearn" / "notes.txt").write_text("n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "d.py").write_text("d = 1\n")
    h = provenance.code_hash.__wrapped__
    base = h()
    assert len(base) == 16 and all(ch in "0123456789abcdef" for ch in base)
    (tmp_path / "olearn" / "notes.txt").write_text("changed")
    (tmp_path / "other" / "d.py").write_text("d = 2\n")
    assert h() == base  # not a Python source of olearn or environments
    (tmp_path / "environments" / "w" / "c.py").write_text("c = 2\n")  # in a subfolder of environments
    changed = h()
    assert changed != base
    (tmp_path / "olearn" / "a.py").rename(tmp_path / "olearn" / "a2.py")  # same bytes, another name
    assert h() != changed


def test_a_ctrl_c_held_during_a_write_that_then_fails_is_still_delivered(tmp_path):
    """Ctrl-C lands inside write(), which then raises OSError: the interrupt is handed on when the block ends
    (KeyboardInterrupt, with the OSError as its context), the old file stays and no temporary is left; it had been
    dropped, and only the OSError came out."""
    path = tmp_path / "f.txt"
    path.write_text("old")

    def write(tmp):
        os.kill(os.getpid(), signal.SIGINT)
        raise OSError("disk full")

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt) as stop:
            files.atomic_write(path, write)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert isinstance(stop.value.__context__, OSError)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]
