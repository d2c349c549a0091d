"""Sweeps: configs validated before work, chunks stored atomically, the same table in one process,
on a 2-worker LocalCluster, after Ctrl-C, after a killed worker and after a corrupted chunk.

The sweeps use the python backend (no compilation, so worker processes start working at once);
the python and cpu backends give the same numbers (tests/test_parity.py).
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import olearn
from olearn import experiment
from olearn.experiment import ConfigError, SweepExistsError, figures, sweep

ROOT = Path(__file__).resolve().parents[1]

# 4 learners x 3 environments x 2 parameter values x 1,000 seeds (the acceptance sweep)
BIG = {
    "run": {"horizon": 5, "seeds": 1000, "chunk_seeds": 250, "backend": "python", "checkpoints": [2, 5]},
    "environments": [
        {"name": "bernoulli", "means": [0.2, 0.5, 0.8]},
        {"name": "gaussian", "means": [0.3, 0.6, 0.1], "sigma": 0.5},
        {"name": "switching", "n_arms": 3, "period": 5, "gap": 0.2},
    ],
    "learners": [
        {"name": "exp3", "eta": [0.05, 0.3]},
        {"name": "ucb1", "c": [0.5, 2.0]},
        {"name": "epsilon_greedy", "epsilon": [0.05, 0.2]},
        {"name": "hedge", "eta": [0.1, 1.0]},
    ],
}

# a smaller sweep with enough work per chunk to interrupt it
SMALL_TOML = """
[run]
horizon = 300
seeds = 48
chunk_seeds = 4
backend = "python"
checkpoints = [30, 300]

[[environments]]
name = "bernoulli"
means = [0.2, 0.5, 0.8]

[[learners]]
name = "exp3"
eta = [0.05, 0.3]
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    path = folder / "small.toml"
    path.write_text(SMALL_TOML)
    exp = experiment.load(path)
    reference = sweep.run_experiment(exp, out=folder / "reference")
    return path, exp, reference


def _receipts(out):
    return sorted((Path(out) / "receipts").rglob("*.json"))


# ----------------------------------------------------------------- the table


def test_table_matches_direct_runs(small, tmp_path):
    """Every (configuration, seed) row equals olearn.run on that configuration, whatever the chunking."""
    _, exp, table = small
    import environments

    direct = olearn.run(olearn.make("exp3", eta=[0.05, 0.3]), environments.make("bernoulli", means=[0.2, 0.5, 0.8]),
                        horizon=300, seeds=48, checkpoints=[30, 300], backend="cpu")
    frame = direct.to_frame()
    assert len(table) == len(frame) == 2 * 48 * 2 * len(direct.columns)
    np.testing.assert_array_equal(table["value"].to_numpy(), frame["value"].to_numpy())
    np.testing.assert_array_equal(table["seed"].to_numpy(), frame["seed"].to_numpy())
    assert table["config"].astype(str).tolist() == frame["config"].astype(str).tolist()
    assert not table.duplicated(["configuration", "seed", "round", "metric"]).any()


def test_a_sweep_with_nothing_stored_starts_without_resume(small, tmp_path):
    """sweep.json written but no chunk stored (the scheduler never answered): the next plain run computes it."""
    path, exp, reference = small
    out = tmp_path / "empty"
    assert sweep.prepare(exp, out, resume=False, force=False) == "new"
    assert sweep.prepare(exp, out, resume=False, force=False) == "resume"  # not refused: nothing to keep
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out), reference, check_exact=True)


def test_a_sweep_started_afresh_records_the_code_that_computes_it(small, tmp_path):
    """sweep.json written by older code, no chunk stored: the chunks computed now are this code's, so
    sweep.json says so and a later --resume is accepted (it had kept the old hash and refused)."""
    import json

    from olearn.experiment import store
    from olearn.io import provenance

    path, exp, reference = small
    out = tmp_path / "stale"
    sweep.prepare(exp, out, resume=False, force=False)
    body = json.loads((out / store.SWEEP_FILE).read_text())
    (out / store.SWEEP_FILE).write_text(json.dumps(dict(body, code="0000old00000code")))
    sweep.run_experiment(exp, out=out)
    assert store.read_sweep(out)["code"] == provenance.code_hash()
    next(iter((out / "results").rglob("*.parquet"))).unlink()  # one chunk lost
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out, resume=True), reference, check_exact=True)


def test_local_cluster_gives_the_same_table_bit_for_bit(tmp_path):
    exp = experiment.parse(BIG, source="big")
    assert len(exp.configurations) == 4 * 3 * 2
    here = sweep.run_experiment(exp, out=tmp_path / "here")
    cluster = sweep.run_experiment(exp, out=tmp_path / "cluster", workers=2)
    import environments

    columns = {e["name"]: len(environments.make(**e).metrics()) - 1 for e in BIG["environments"]}  # all but counts
    assert len(here) == sum(8 * 1000 * 2 * n for n in columns.values())
    pd.testing.assert_frame_equal(here, cluster, check_exact=True)
    assert set(here.groupby("configuration")["seed"].nunique()) == {1000}


# the CLI, which waits after its second stored chunk: the interrupt lands mid-sweep however loaded the machine is
# (where else it may land, inside a write: test_a_ctrl_c_during_a_write_waits_until_the_file_is_in_place).
# It waits in short sleeps: the kernel may hand the signal to another of the process's threads (the progress
# bar's, numba's), and then only the main thread's next bytecode runs the handler, not an ongoing sleep.
_SLOW_CLI = """
import sys, time
from olearn.experiment import sweep
from olearn.cli import main
unit, stored = sweep.run_unit, []
def run_unit(task):
    stored.append(unit(task))
    if len(stored) == 2:
        for _ in range(2400):
            time.sleep(0.05)
    return stored[-1]
sweep.run_unit = run_unit
sys.argv = ["olearn"] + sys.argv[1:]
main.main()
"""


def test_ctrl_c_then_resume(small, tmp_path):
    path, exp, reference = small
    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "olearn.cli.main", "run", str(path), "--out", str(out), "--workers", "0"]
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_CLI] + cmd[3:], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while len(_receipts(out)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    text, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, text
    assert len(_receipts(out)) == 2
    assert "--resume" in text and f"--out{out}" in "".join(text.split()), text  # the hint resumes this folder
    with pytest.raises(SweepExistsError, match="--resume"):
        sweep.run_experiment(exp, out=out)  # an unfinished sweep is not silently redone
    done = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "22 of 24 chunks" in " ".join(done.stdout.split())
    pd.testing.assert_frame_equal(olearn.load(out), reference, check_exact=True)


def test_a_ctrl_c_during_a_write_waits_until_the_file_is_in_place(tmp_path):
    """The interrupt is held through the write and raised after it, so the file is whole (pyarrow's parquet
    writer finishes in a finalizer, where a KeyboardInterrupt is printed and dropped: the sweep ran on)."""
    from olearn.io.files import atomic_write

    def write(tmp):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)  # where the interrupt lands unheld
        tmp.write_text("whole")

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            atomic_write(tmp_path / "file.txt", write)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (tmp_path / "file.txt").read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_killed_worker_then_resume(small, tmp_path):
    from dask.distributed import Client, LocalCluster

    _, exp, reference = small
    out = tmp_path / "killed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        errors = []

        def go():
            try:
                sweep.run_experiment(exp, out=out, scheduler=cluster.scheduler_address)
            except Exception as err:  # noqa: BLE001  (a lost worker may fail the sweep; --resume finishes it)
                errors.append(err)

        thread = threading.Thread(target=go)
        thread.start()
        deadline = time.time() + 120
        while len(_receipts(out)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        killed_at = len(_receipts(out))
        os.kill(pids[0], signal.SIGKILL)
        thread.join(timeout=300)
    assert killed_at < 24, "the sweep ended before a worker could be killed"
    table = sweep.run_experiment(exp, out=out, resume=True)
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


def test_corrupted_and_half_written_chunks_are_recomputed(small, tmp_path):
    path, exp, reference = small
    out = tmp_path / "corrupt"
    sweep.run_experiment(exp, out=out)
    chunks = sorted((out / "results").rglob("*.parquet"))
    truncated, flipped, unreceipted = chunks[0], chunks[5], chunks[9]
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(data)
    receipt = out / "receipts" / unreceipted.parent.name / unreceipted.with_suffix(".json").name
    receipt.unlink()  # as if the process died between the chunk and its receipt
    (unreceipted.parent / f".{unreceipted.name}.abc.tmp").write_bytes(b"half")  # a half-written leftover
    untouched = {p: p.stat().st_mtime_ns for p in chunks if p not in (truncated, flipped, unreceipted)}
    calls = []
    table = sweep.run_experiment(exp, out=out, resume=True, progress=lambda r, d, t: calls.append(r))
    assert sorted((c["configuration"], c["lo"]) for c in calls) == sorted(
        (int(p.parent.name.split("=")[1]), int(p.stem.split("-")[1])) for p in (truncated, flipped, unreceipted))
    assert all(p.stat().st_mtime_ns == t for p, t in untouched.items())
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


def test_a_finished_sweep_returns_at_once_unless_forced(small, tmp_path, monkeypatch):
    _, exp, reference = small
    out = tmp_path / "again"
    sweep.run_experiment(exp, out=out)

    def refuse(task):
        raise AssertionError("a finished sweep recomputed a chunk")

    monkeypatch.setattr(sweep, "run_unit", refuse)
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out), reference, check_exact=True)
    with pytest.raises(AssertionError, match="recomputed"):
        sweep.run_experiment(exp, out=out, force=True)


def test_resume_refuses_chunks_from_other_code_and_force_repairs_a_lost_sweep_json(small, tmp_path):
    import json

    _, exp, reference = small
    out = tmp_path / "code"
    sweep.run_experiment(exp, out=out)
    _receipts(out)[0].unlink()  # one chunk to go
    side = json.loads((out / "sweep.json").read_text())
    side["code"] = "0000000000000000"  # as if the stored chunks came from other sources
    (out / "sweep.json").write_text(json.dumps(side))
    with pytest.raises(SweepExistsError, match="other code.*--force"):
        sweep.run_experiment(exp, out=out, resume=True)
    (out / "sweep.json").unlink()  # results without a sweep.json: the error says --force, and --force works
    with pytest.raises(SweepExistsError, match="--force"):
        sweep.run_experiment(exp, out=out)
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out, force=True), reference, check_exact=True)


def test_figures_are_redrawn_when_their_specs_change(small, tmp_path):
    from olearn.experiment import figures as F

    _, exp, _ = small
    out = tmp_path / "figs"
    frame = sweep.run_experiment(exp, out=out)
    specs = [F.check({"kind": "curves", "metric": "regret"})]
    F.draw(frame, specs, out)
    assert F.drawn(out, specs)
    assert not F.drawn(out, [F.check({"kind": "curves", "metric": "loss"})])
    sweep.run_experiment(exp, out=out, force=True)  # recomputed through the API, which draws nothing
    assert not F.drawn(out, specs), "figures drawn from the earlier results must be redrawn"


def test_a_different_config_never_overwrites_stored_results(small, tmp_path):
    path, exp, _ = small
    out = tmp_path / "other"
    sweep.run_experiment(exp, out=out)
    before = {p: p.read_bytes() for p in (out / "results").rglob("*.parquet")}
    other = experiment.parse(dict(BIG, run=dict(BIG["run"], seeds=3)), source="other")
    with pytest.raises(SweepExistsError, match="different sweep"):
        sweep.run_experiment(other, out=out)
    assert before == {p: p.read_bytes() for p in (out / "results").rglob("*.parquet")}


# ----------------------------------------------------------------- bad configs


def _raw(**changes):
    raw = {"run": {"horizon": 50, "seeds": 4}, "environments": [{"name": "bernoulli", "means": [0.2, 0.8]}],
           "learners": [{"name": "exp3", "eta": [0.1, 0.2]}]}
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            target = raw[section] if isinstance(raw[section], dict) else raw[section][0]
            target[name] = value
        else:
            raw[section] = value
    return raw


@pytest.mark.parametrize("changes, key, allowed", [
    ({"learners__name": "exp33"}, "learners[0].name", "exp3"),
    ({"environments__name": "bernouli"}, "environments[0].name", "bernoulli"),
    ({"learners__eta": [0.1, -1.0]}, "learners[0].eta", "[0, inf)"),
    ({"learners__eta": [0.1, 0.3, 0.1]}, "learners[0].eta", "distinct values (0.1 is given twice)"),
    # a nested list had become one configuration labelled eta=[0.1, 0.3] that ran a grid of two, kept as eta = 0.1
    ({"learners__eta": [[0.1, 0.3]]}, "learners[0].eta", "one value, or a flat list of values for a grid"),
    ({"learners__eta": [0.2, [0.1, 0.3]]}, "learners[0].eta", "one value, or a flat list of values for a grid"),
    ({"learners__etta": 0.1}, "learners[0].etta", "did you mean 'eta'"),
    ({"run__horizn": 10}, "run.horizn", "did you mean 'horizon'"),
    ({"enviroments": [{"name": "bernoulli", "means": [0.5]}]}, "enviroments", "did you mean 'environments'"),
    ({"run__backend": "tpu"}, "run.backend", "cpu"),
    ({"run__seeds": 0}, "run.seeds", "integer >= 1"),
    ({"run__chunk_seeds": 0}, "run.chunk_seeds", "integer >= 1"),
    ({"run__metrics": ["regret", "wins"]}, "run.metrics", "pseudo_regret"),
    ({"run__seeds": 10**7, "run__checkpoints": 2000, "run__horizon": 10**6}, "run.seeds", "GiB"),
    ({"figures": [{"kind": "slope", "metric": "regret"}]}, "figures[0].x", "round"),
    ({"figures": [{"kind": "curve"}]}, "figures[0].kind", "curves"),
    ({"figures": [{"kind": "counts"}]}, "run.metrics", "'counts'"),
    ({"run__out": 5}, "run.out", "a directory path as a string"),
    ({"run__plot_metric": "pseudo_regert"}, "run.plot_metric", "did you mean 'pseudo_regret'"),
    ({"figures": [{"kind": "curves", "metric": "regert"}]}, "figures[0].metric", "loss, regret, pseudo_regret"),
    ({"environments": [{"name": "bernoulli"}, {"name": "loss_matrix", "losses": [[0.1, 0.2]] * 60}],
      "figures": [{"kind": "curves", "metric": "pseudo_regret"}]}, "figures[0].metric", "every environment records: loss, regret"),
    # checked before any chunk runs (each had failed after the whole sweep, or drawn the wrong figure):
    ({"run__metrics": ["counts"], "figures": [{"kind": "counts"}, {"kind": "curves"}]}, "figures[1].metric",
     "every environment records: count[0]"),  # no default metric (pseudo_regret, regret, dynamic_regret, loss) recorded
    ({"learners__eta": [0.1, 0.3], "figures": [{"kind": "slope", "x": "etta"}]}, "figures[0].x", "did you mean 'eta'"),
    ({"figures": [{"kind": "curves", "metric": "regret"}, {"kind": "curves", "metric": "loss"}]}, "figures[1].file",
     "a file name figures[0] does not use"),
    ({"run__plot_metric": "loss", "figures": [{"kind": "curves"}]}, "run.plot_metric", "no plot_metric with [[figures]]"),
    ({"figures": [{"kind": "curves", "log_x": "false"}]}, "figures[0].log_x", "true or false"),
    # a figure's file and title are checked with the config (a file in a folder had failed after the sweep ran,
    # and "../x" wrote outside figures/)
    ({"figures": [{"kind": "curves", "file": "sub/regret"}]}, "figures[0].file", "a file name without folder"),
    ({"figures": [{"kind": "curves", "file": "../regret"}]}, "figures[0].file", "a file name without folder"),
    ({"figures": [{"kind": "curves", "file": ""}]}, "figures[0].file", "a file name without folder"),
    ({"figures": [{"kind": "curves", "file": 3}]}, "figures[0].file", "a file name without folder"),
    ({"figures": [{"kind": "curves", "title": 3}]}, "figures[0].title", "a string"),
    ({"figures": [{"kind": "slope", "x": "round", "rate": float("inf")}]}, "figures[0].rate", "a finite number"),
])
def test_bad_config_names_the_key(changes, key, allowed, tmp_path):
    with pytest.raises(ConfigError) as err:
        experiment.parse(_raw(**changes), source="c.toml")
    assert err.value.name == key
    assert allowed in str(err.value)
    assert f"did you mean '{key.rsplit('.', 1)[-1]}'" not in str(err.value)  # a bad value of a known key: not that key


def test_a_sweep_over_worlds_with_different_metrics_shows_every_world(tmp_path):
    """bernoulli records pseudo_regret and loss_matrix does not: the summary table and the curves
    show each world with its own default (they had shown bernoulli only, and an empty panel), and
    small means keep their digits (a mean of 0.09 had printed as 0.1 +- 0.0)."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    path = tmp_path / "mixed.toml"
    path.write_text('[run]\nhorizon = 3\nseeds = 40\nbackend = "python"\nout = "%s"\n'
                    '[[environments]]\nname = "bernoulli"\nmeans = [0.5, 0.51]\n'
                    '[[environments]]\nname = "loss_matrix"\nlosses = [[0.1, 0.5], [0.6, 0.2], [0.3, 0.3]]\n'
                    '[[learners]]\nname = "ucb1"\n' % (tmp_path / "out"))
    result = CliRunner().invoke(app, ["run", str(path), "--workers", "0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    table = olearn.load(tmp_path / "out")
    last = table[table["round"] == 3]
    ps = last[(last["metric"] == "pseudo_regret")]["value"]
    lm = last[(last["environment"] == "loss_matrix") & (last["metric"] == "regret")]["value"]
    assert lm.nunique() == 1  # deterministic world
    half = stats.t.ppf(0.975, ps.size - 1) * ps.std(ddof=1) / np.sqrt(ps.size)
    places = 1 - int(np.floor(np.log10(half)))
    rows = [line for line in result.output.splitlines() if line.startswith("│ ucb1")]
    assert len(rows) == 2, result.output
    assert "pseudo_regret" in rows[0] and f"{ps.mean():.{places}f}" in rows[0] and f"± {half:.{places}f}" in rows[0]
    assert "regret" in rows[1] and f"{lm.iloc[0]:.4g}" in rows[1]
    fig = figures.curves(table, {"kind": "curves"})
    assert [ax.get_ylabel() for ax in fig.axes] == ["pseudo regret", "regret"]
    assert all(len(ax.get_lines()) == 1 for ax in fig.axes)
    drawn = CliRunner().invoke(app, ["plot", str(tmp_path / "out"), "--out", str(tmp_path / "mixed.png")])
    assert drawn.exit_code == 0 and (tmp_path / "mixed.png").is_file(), drawn.output
    refused = CliRunner().invoke(app, ["plot", str(tmp_path / "out"), "--metric", "pseudo_regret"])
    assert isinstance(refused.exception, olearn.ParameterError) and "every world" in str(refused.exception)


def test_cli_rejects_a_bad_config_before_any_work(tmp_path):
    from typer.testing import CliRunner

    from olearn.cli.main import app

    path = tmp_path / "bad.toml"
    path.write_text('[run]\nhorizon = 10\nout = "%s"\n[[environments]]\nname = "bernoulli"\nmeans = [0.2, 0.8]\n'
                    '[[learners]]\nname = "ucb1"\nc = -1.0\n' % (tmp_path / "out"))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code != 0
    assert "learners[0].c" in str(result.exception)
    assert not (tmp_path / "out").exists()


def test_cli_errors_show_table_names_and_refuse_contradictory_flags(tmp_path):
    """An error naming [run] or [[environments]] prints them literally (not as terminal markup);
    --resume with --force, and --small on a sweep config, are refused before any work."""
    import subprocess
    import sys

    path = tmp_path / "typo.toml"
    path.write_text('[run]\nhorizon = 10\n[[enviroment]]\nname = "bernoulli"\n[[learners]]\nname = "ucb1"\n')
    done = subprocess.run([sys.executable, "-m", "olearn.cli.main", "run", str(path)], capture_output=True, text=True)
    shown = " ".join(done.stdout.split())  # the console wraps long lines
    assert done.returncode == 2 and "[run], [[environments]] (or [environment])" in shown and "did you mean" in shown, shown
    from typer.testing import CliRunner

    from olearn.cli.main import app

    good = tmp_path / "good.toml"
    good.write_text('[run]\nhorizon = 10\nout = "%s"\n[[environments]]\nname = "bernoulli"\n[[learners]]\nname = "ucb1"\n'
                    % (tmp_path / "out"))
    for flags, words in ((["--resume", "--force"], "give one"), (["--small"], "figure configs"), (["--workers", "-1"], ">= 0")):
        result = CliRunner().invoke(app, ["run", str(good), *flags])
        assert result.exit_code == 2 and words in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_a_sweep_over_one_world_names_it_once_under_the_table(tmp_path):
    """One environment configuration: the table's caption names it and no column repeats it on every row; two
    worlds keep the column (the test above)."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    path = tmp_path / "one.toml"
    path.write_text('[run]\nhorizon = 5\nseeds = 3\nbackend = "python"\nout = "%s"\n'
                    '[[environments]]\nname = "bernoulli"\nmeans = [0.25, 0.75]\n'
                    '[[learners]]\nname = "ucb1"\n[[learners]]\nname = "exp3"\n' % (tmp_path / "out"))
    result = CliRunner().invoke(app, ["run", str(path), "--workers", "0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("┃"))
    assert "environment" not in header and "mean" in header, result.output
    rows = [line for line in lines if line.startswith("│ ucb1") or line.startswith("│ exp3")]
    assert len(rows) == 2 and not any("bernoulli" in row for row in rows), result.output
    assert sum("environment: bernoulli(means=[0.25,0.75])" in line for line in lines) == 1, result.output


def test_a_gpu_sweep_needs_a_gpu_only_to_compute(tmp_path, monkeypatch):
    """Refused before any file is written when chunks would run here; a finished gpu sweep reads back anywhere."""
    from typer.testing import CliRunner

    from olearn.backends import gpu
    from olearn.cli.main import app
    from olearn.core.errors import BackendUnavailableError

    path = tmp_path / "gpu.toml"
    path.write_text('[run]\nhorizon = 6\nseeds = 2\nbackend = "gpu"\nout = "%s"\n[[environments]]\nname = "bernoulli"\n'
                    'means = [0.2, 0.8]\n[[learners]]\nname = "ucb1"\n' % (tmp_path / "done"))
    exp = experiment.load(path)
    reference = sweep.run_experiment(exp)  # the CUDA simulator stands in for the GPU

    def no_gpu():
        raise BackendUnavailableError("backend 'gpu' found no usable CUDA GPU on this machine")

    monkeypatch.setattr(gpu, "check", no_gpu)
    pd.testing.assert_frame_equal(sweep.run_experiment(exp), reference)  # finished: read, not computed
    with pytest.raises(BackendUnavailableError):
        sweep.run_experiment(exp, out=tmp_path / "new")
    assert not (tmp_path / "new").exists()
    with pytest.raises(BackendUnavailableError):
        sweep.run_experiment(exp, force=True)
    pd.testing.assert_frame_equal(olearn.load(tmp_path / "done"), reference)  # --force removed nothing
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "cli")])
    assert isinstance(result.exception, BackendUnavailableError) and not (tmp_path / "cli").exists()


def test_a_learner_that_refuses_delays_is_named_when_the_config_is_read():
    raw = _raw(run__delay=5)
    raw["learners"] = [{"name": "ogd"}, {"name": "sea_ensemble"}]
    raw["environments"] = [{"name": "sea_quadratic", "dim": 2}]
    with pytest.raises(ConfigError) as err:
        experiment.parse(raw, source="c.toml")
    assert err.value.name == "learners[1].name" and "delayed feedback" in str(err.value)


def test_cli_plot_draws_a_sweep_folder_and_names_an_unknown_metric(small, tmp_path):
    from typer.testing import CliRunner

    from olearn.cli.main import app

    out = tmp_path / "curve.png"
    result = CliRunner().invoke(app, ["plot", str(small[0].parent / "reference"), "--metric", "regret", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    result = CliRunner().invoke(app, ["plot", str(small[0].parent / "reference"), "--metric", "wins"])
    assert isinstance(result.exception, olearn.ParameterError) and "'metric'" in str(result.exception)
    assert "regret" in str(result.exception)
    result = CliRunner().invoke(app, ["plot", str(small[0].parent / "reference"), "--out", str(tmp_path / "x.jpgg")])
    assert isinstance(result.exception, olearn.ParameterError) and ".png" in str(result.exception)
    result = CliRunner().invoke(app, ["plot", str(small[0].parent / "reference"), "--out", str(tmp_path / "bare")])
    assert result.exit_code == 0 and (tmp_path / "bare.png").is_file() and "bare.png" in "".join(result.output.split())


# ----------------------------------------------------------------- summaries, comparisons, figures


def test_summary_and_paired_comparison_against_scipy(small):
    _, _, table = small
    summary = olearn.summarize(table, "regret")
    final = table[(table["metric"] == "regret") & (table["round"] == 300)]
    for label, part in final.groupby("config", observed=True):
        values = part["value"].to_numpy()
        row = summary[(summary["config"] == label) & (summary["round"] == 300)].iloc[0]
        low, high = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
        assert row["mean"] == pytest.approx(values.mean())
        assert (row["low"], row["high"]) == pytest.approx((low, high))
    a, b = "exp3(eta=0.05)", "exp3(eta=0.3)"
    cmp = olearn.compare(table, a, b, metric="regret").iloc[0]
    va = final[final["config"] == a].sort_values("seed")["value"].to_numpy()
    vb = final[final["config"] == b].sort_values("seed")["value"].to_numpy()
    d = va - vb
    low, high = stats.t.interval(0.95, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    assert cmp["n_seeds"] == 48
    assert (cmp["mean_difference"], cmp["low"], cmp["high"]) == pytest.approx((d.mean(), low, high))
    assert cmp["se"] == pytest.approx(stats.sem(d))
    with pytest.raises(olearn.ParameterError, match="exp3"):
        olearn.compare(table, a, "exp9")


def test_standard_error_against_scipy():
    from olearn.analysis import standard_error

    values = np.random.default_rng(3).exponential(2.0, 37)
    assert standard_error(values) == pytest.approx(stats.sem(values))
    assert np.isnan(standard_error([1.5]))  # one seed: no standard error, not zero


def test_slope_figure_recovers_a_known_rate(tmp_path):
    """Synthetic table with mean regret = 3 sqrt(T): the fitted slope is 1/2."""
    rounds = np.array([10, 30, 100, 300, 1000])
    rows = [{"configuration": 0, "learner": "x", "config": "x", "environment": "e", "env_config": "e", "seed": s,
             "round": r, "metric": "regret", "value": 3 * np.sqrt(r) * (1 + 0.01 * (s - 2))}
            for s in range(5) for r in rounds]
    frame = pd.DataFrame(rows)
    spec = figures.check({"kind": "slope", "x": "round", "metric": "regret", "rate": 0.5, "fit_from": 0.0})
    fig = figures.slope(frame, spec)
    assert fig.olearn_fits[0]["slope"] == pytest.approx(0.5, abs=1e-9)
    paths = figures.draw(frame, [spec, figures.check({"kind": "curves", "metric": "regret"})], tmp_path)
    assert sorted(p.name for p in paths) == ["curves.pdf", "curves.png", "slope_round.pdf", "slope_round.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_slope_against_an_environment_parameter_is_refused():
    """Panels are one environment configuration each, so an environment parameter is constant in every panel."""
    frame = pd.DataFrame([{"configuration": 0, "learner": "x", "config": "x", "environment": "e", "env_config": f"e{g}",
                           "env.gap": g, "seed": 0, "round": 10, "metric": "regret", "value": 1.0} for g in (0.1, 0.3)])
    spec = figures.check({"kind": "slope", "x": "env.gap", "metric": "regret"})
    with pytest.raises(olearn.ParameterError, match="'x'.*learner parameter"):
        figures.slope(frame, spec)


def test_regret_curves_draw_one_line_per_configuration_and_world():
    """The same learner on two worlds (Result.concat) gives two lines, not one zig-zag through both."""
    import environments
    from olearn.io.result import Result
    from olearn.plot import regret_curves

    runs = [olearn.run(olearn.make("ucb1"), environments.make(name), horizon=30, seeds=4, backend="python")
            for name in ("bernoulli", "gaussian")]
    ax = regret_curves(Result.concat(runs))
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"ucb1 | bernoulli", "ucb1 | gaussian"}
    for run, name in zip(runs, ("bernoulli", "gaussian")):
        np.testing.assert_allclose(lines[f"ucb1 | {name}"].get_ydata(), run.metric("pseudo_regret")[0].mean(axis=0))
    with pytest.raises(olearn.ParameterError, match="'metric'.*recorded column"):
        regret_curves(runs[0], metric="pseudo_regert")


def test_a_lost_chunk_file_is_named_with_the_way_to_recompute_it(small, tmp_path):
    """A receipt whose chunk file is gone: loading says the sweep is unfinished and how to finish it
    (it had raised a bare FileNotFoundError on the parquet path)."""
    _, exp, reference = small
    out = tmp_path / "lost"
    sweep.run_experiment(exp, out=out)
    lost = sorted((out / "results").rglob("*.parquet"))[-1]
    lost.unlink()
    with pytest.raises(FileNotFoundError, match=rf"1 chunks missing.*{lost.parent.name}/{lost.stem} \(no results file\).*--resume"):
        olearn.load(out)
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out, resume=True), reference, check_exact=True)
    # a chunk whose file no longer matches its receipt is named and kept out of the table: one overwritten by
    # another chunk's valid file had loaded as a table with that chunk's seeds twice, a truncated one as a traceback
    first, second = sorted((out / "results").rglob("*.parquet"))[:2]
    for damaged in (second.read_bytes(), first.read_bytes()[:100]):
        first.write_bytes(damaged)
        with pytest.raises(FileNotFoundError, match=rf"1 chunks missing.*{first.stem} \(changed since it was written\)"):
            olearn.load(out)
    pd.testing.assert_frame_equal(sweep.run_experiment(exp, out=out, resume=True), reference, check_exact=True)


def test_a_flag_parameter_stays_boolean_in_the_table(tmp_path):
    raw = {"run": {"horizon": 5, "seeds": 2, "backend": "python"}, "environments": [{"name": "bernoulli", "means": [0.2, 0.8]}],
           "learners": [{"name": "epsilon_greedy", "epsilon": 0.5, "decay": [True, False]}, {"name": "ucb1"}]}
    table = sweep.run_experiment(experiment.parse(raw, source="flags"), out=tmp_path / "flags")
    assert table["decay"].dtype == "boolean"
    by_config = table.drop_duplicates("configuration").set_index("learner", append=True)["decay"].tolist()
    assert by_config[:2] == [True, False] and pd.isna(by_config[2])


def test_olearn_plot_draws_a_saved_run_with_its_default_metric(tmp_path):
    """`olearn plot RUN_DIR` on a Result.save folder, no --metric: pseudo_regret.png (it had passed None on)."""
    import environments
    from typer.testing import CliRunner

    from olearn.cli.main import app

    olearn.run(olearn.make("ucb1"), environments.make("bernoulli"), horizon=20, seeds=3, backend="python").save(tmp_path / "r")
    drawn = CliRunner().invoke(app, ["plot", str(tmp_path / "r")])
    assert drawn.exit_code == 0, drawn.output
    assert (tmp_path / "r" / "pseudo_regret.png").stat().st_size > 10_000


def test_drawing_keeps_the_callers_matplotlib_backend(small):
    """regret_curves and the sweep figures draw with whatever backend is in use (a notebook's inline one):
    they had switched it to Agg, so the quickstart notebook showed no curves."""
    import environments
    import matplotlib
    import matplotlib.pyplot as plt

    from olearn.plot import regret_curves

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        regret_curves(olearn.run(olearn.make("ucb1"), environments.make("bernoulli"), horizon=20, seeds=3, backend="python"))
        figures.curves(small[2], figures.check({"kind": "curves"}))
        assert matplotlib.get_backend() == "svg"
    finally:
        plt.close("all")
        matplotlib.use(before)


def test_olearn_list_folds_rather_than_cuts_in_a_narrow_terminal():
    from typer.testing import CliRunner

    from olearn.cli.main import app

    import environments
    from olearn import learners

    shown = CliRunner().invoke(app, ["list"], terminal_width=80)
    assert shown.exit_code == 0 and "…" not in shown.output  # parameters had been cut to 'n_arms=No…'
    lines = {line.strip() for line in shown.output.splitlines()}
    # every name whole on its own line (the table had split 'n_arms=None' and names across lines)
    from olearn import conformal

    assert set(learners.names()) | set(environments.names()) | set(conformal.names()) <= lines
    assert "parameters    n_arms=None, c=2.0" in lines  # ucb1's parameters whole on one line


def test_olearn_list_names_each_worlds_metrics():
    from typer.testing import CliRunner

    from olearn.cli.main import app

    shown = CliRunner().invoke(app, ["list"], terminal_width=80).output
    lines = "\n".join(line for line in shown.splitlines() if not line.startswith("─"))  # no rules between sections
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", lines) if block.strip()]
    entries = {block.split()[0]: block for block in blocks}  # each entry's words, however it was wrapped
    assert "metrics loss, regret, pseudo_regret, dynamic_regret, counts, window_regret_<k>" in entries["switching"]
    assert ("metrics loss, regret, pseudo_regret, counts, simple_regret, misidentified, stopping_time, window_regret_<k>"
            in entries["bernoulli"])  # a fixed best arm: best-arm identification's metrics too (switching has none)
    assert "window_regret" not in entries["sea_quadratic"] and "path_length" in entries["sea_quadratic"]
    # where a learner cannot run: sleeping worlds need one that reads the awake arms; some refuse delays
    assert ("feedback full, sleeping: plays only the awake arms of a sleeping world; feedback cannot be delayed"
            in entries["adanormal_hedge"])
    assert "feedback full parameters" in entries["hedge"] and "feedback bandit parameters" in entries["ucb1"]


def test_olearn_list_shows_only_the_entries_that_mention_a_text():
    from typer.testing import CliRunner

    from olearn.cli.main import app

    shown = CliRunner().invoke(app, ["list", "SLEEPING"], terminal_width=80)
    names = {line.strip() for line in shown.output.splitlines() if line.strip().isidentifier()}
    assert shown.exit_code == 0
    assert {"awake_ucb", "sleeping_exp3", "sleeping_hedge", "adanormal_hedge", "sleeping_bernoulli",
            "sleeping_loss_matrix"} <= names  # any case; the name, summary or reference
    assert "ucb1" not in names and "bernoulli" not in names and "conformal methods" not in shown.output
    missing = CliRunner().invoke(app, ["list", "no such text"], terminal_width=80)
    assert missing.exit_code == 1 and "no learner, conformal method or environment mentions 'no such text'" in missing.output


def test_a_failed_chunk_says_what_is_stored_and_how_to_resume(small, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from olearn.cli.main import app

    path, exp, reference = small
    out = tmp_path / "failed"
    real = sweep.run_unit
    calls = []

    def failing_third(task):
        calls.append(task)
        if len(calls) == 3:
            raise RuntimeError("a unit failed")
        return real(task)

    monkeypatch.setattr(sweep, "run_unit", failing_third)
    got = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--workers", "0"])
    assert isinstance(got.exception, RuntimeError)
    text = " ".join(got.output.split())
    assert "2 of 24 chunks are stored" in text and "--resume" in text, text
    monkeypatch.setattr(sweep, "run_unit", real)
    assert CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--workers", "0", "--resume"]).exit_code == 0
    pd.testing.assert_frame_equal(olearn.load(out), reference, check_exact=True)


def test_running_final_equals_the_stored_table_whatever_the_chunk_order(small, tmp_path):
    """The per-configuration mean and standard error at T that the progress display shows while a sweep
    runs, merged chunk by chunk from the receipts, equal the stored table's once every chunk is in."""
    _, exp, _ = small
    receipts = []
    table = sweep.run_experiment(exp, out=tmp_path / "live", progress=lambda receipt, done, total: receipts.append(receipt))
    assert len(receipts) == 2 * 12  # 2 configurations x 48 seeds / 4 per chunk
    last = table[table["round"] == table["round"].max()]
    # a resumed sweep: the chunks stored before it, read back from disk, and the pending ones as they finish
    pending = [{"configuration": {"index": r["configuration"]}, "lo": r["lo"]} for r in receipts[:5]]
    stored = sweep.stored_finals(exp, tmp_path / "live", pending, {0, 1})
    assert len(stored) == len(receipts) - 5
    for order in (receipts, receipts[::-1], stored + receipts[:5]):
        running = sweep.RunningFinal()
        for receipt in order:
            running.add(receipt)
        for (c, metric), rows in last.groupby(["configuration", "metric"], observed=True):
            mean, se, n = running.get(int(c), str(metric))
            values = rows["value"].to_numpy()
            assert n == values.size == 48
            assert mean == pytest.approx(values.mean(), rel=1e-12, abs=1e-12)
            assert se == pytest.approx(values.std(ddof=1) / np.sqrt(values.size), rel=1e-9, abs=1e-12)
    partial = sweep.RunningFinal()
    partial.add(receipts[0])
    assert partial.get(receipts[0]["configuration"], "regret")[2] == 4


def test_a_sweep_over_a_rotting_world_shows_its_regret_against_the_oracle(tmp_path):
    """Rested worlds record dynamic_regret only: it is the default of the figures, the final table and the
    live progress rows."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    path = tmp_path / "rotting.toml"
    path.write_text('[run]\nhorizon = 40\nseeds = 8\nchunk_seeds = 4\nbackend = "python"\n\n'
                    '[[environments]]\nname = "abrupt_rotting"\nbefore = [0.5, 0.0]\nafter = [-0.5, 0.0]\npulls = [10, 0]\n\n'
                    '[[learners]]\nname = "raw_ucb"\n')
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "dynamic regret at T = 40" in result.output
    live = re.search(r"dynamic_regret (\S+) ± (\S+) \(8 seeds\)", result.output)  # the progress row, after the last chunk
    final = re.search(r"│\s+(\S+) │\s+± (\S+) │", result.output)  # the table's mean and 95% half-width
    assert live and final and live.groups() == final.groups(), result.output
    assert (tmp_path / "out" / "figures" / "curves.png").stat().st_size > 0


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "experiments" / "configs").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_shipped_config_validates(path):
    """Each config in experiments/configs names registered learners and a world with valid parameters and figures
    (checked without running it)."""
    from olearn.experiment import config

    exp = config.load(path)
    assert len(exp.configurations) >= 1 and exp.horizon >= 1


def test_an_out_path_that_is_a_file_is_named(small, tmp_path):
    """--out pointing at an existing file: one error naming --out (it was '[Errno 17] File exists')."""
    _, exp, _ = small
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SweepExistsError, match="--out .*afile is an existing file"):
        sweep.run_experiment(exp, out=tmp_path / "afile")
    assert (tmp_path / "afile").read_text() == "x"
