"""The conformal datasets (olearn.conformal.datasets) against statsmodels' raw tables, and the bench helpers
(olearn.bench) with stand-ins for the clock, the kernels and the cpu backend, so nothing here compiles or times.

Datasets.  Each raw series is the statsmodels table read in its natural order: sunspots and the Nile are one value
a year (1700-2008, 1871-1970), El Nino is the 61 x 12 table of monthly temperatures read row by row (January to
December of 1950, then of 1951, ...), and co2 is the monthly mean of the weekly record from March 1958, the months
with no observation filled linearly between the nearest observed months (a NumPy reference rebuilds all 526).
A season is the period of the strongest cycle: the periodogram of the detrended series peaks at n / k ~ 12 for the
monthly series and 11.04 for the sunspots (the 11-year solar cycle); a yearly series (the Nile) has season 1.
``load`` fills gaps by linear interpolation between observed neighbours, the ends held at the nearest observed
value (np.interp's rule), names the series after the dataset and returns floats, min-max normalised by default:
x -> (x - min) / (max - min).

Bench.  DEMO_MEANS is the 10-armed demo problem 0.1 ... 0.9.  UCB1 plays each of the K = 10 arms once in its first
10 rounds, so its pseudo-regret at horizon 10 is sum_k (0.9 - mu_k) = 9 - 10 * 0.5 = 4 on every seed.  A row's
steps/s is (seeds x rounds) / (best time over the repeats), its ratio is steps/s over the kernel's, and its
pseudo-regret is the mean over seeds.  warm_up compiles the serial runner with one short call (fewer than
SERIAL_STEPS = 1e6 jobs x rounds, no more rounds than the timed call) and, only on the cpu backend and only when
the timed call reaches SERIAL_STEPS (configs x seeds x rounds, at or above), the threaded one with the smallest
seed count that reaches the threshold.  engine_threads is numba's thread count at or above that threshold, else 1.
"""
import types

import numpy as np
import pandas as pd
import pytest

import environments
import olearn
from olearn import bench
from olearn.backends import cpu
from olearn.conformal import datasets
from olearn.core import config
from olearn.core.errors import UnknownNameError

# ---------------------------------------------------------------- datasets


def _years(series):
    return [p.year for p in series.index]


def _is_yearly(series):
    return isinstance(series.index, pd.PeriodIndex) and series.index.freqstr == pd.Period("2000", freq="Y").freqstr


def test_sunspots_and_nile_are_the_statsmodels_columns_one_value_a_year():
    from statsmodels.datasets import nile, sunspots

    s = datasets.load("sunspots", normalise=False)
    np.testing.assert_array_equal(s.to_numpy(), sunspots.load_pandas().data["SUNACTIVITY"].to_numpy())
    assert _is_yearly(s) and _years(s) == list(range(1700, 2009))
    n = datasets.load("nile", normalise=False)
    np.testing.assert_array_equal(n.to_numpy(), nile.load_pandas().data["volume"].to_numpy())
    assert _is_yearly(n) and _years(n) == list(range(1871, 1971))


def test_elnino_reads_the_monthly_table_row_by_row_from_january_1950():
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data
    e = datasets.load("elnino", normalise=False)
    expected = [float(table.iloc[i, m]) for i in range(len(table)) for m in range(1, 13)]  # column 0 is YEAR
    np.testing.assert_array_equal(e.to_numpy(), expected)
    assert [(p.year, p.month) for p in e.index] == [(1950 + i, m) for i in range(61) for m in range(1, 13)]


def test_co2_is_the_monthly_mean_of_the_weekly_record_gaps_filled_linearly():
    """Reference: the weekly values summed per calendar month (NaN weeks skipped); months with no observation
    (June 1958, February to April 1964, ...) interpolated linearly in the month's position."""
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    total, count = {}, {}
    for stamp, value in zip(weekly.index, weekly.to_numpy()):
        key = stamp.year * 12 + stamp.month - 1
        total.setdefault(key, 0.0)
        count.setdefault(key, 0)
        if not np.isnan(value):
            total[key] += value
            count[key] += 1
    keys = np.arange(min(total), max(total) + 1)
    seen = np.array([k for k in keys if count.get(k, 0) > 0])
    means = np.array([total[k] / count[k] for k in seen])
    expected = np.interp(keys, seen, means)
    c = datasets.load("co2", normalise=False)
    assert len(keys) == 526 and len(seen) < 526  # some months have no observation at all
    np.testing.assert_allclose(c.to_numpy(), expected, rtol=0, atol=1e-9)
    assert c["1958-06-01"] == pytest.approx((c["1958-05-01"] + c["1958-07-01"]) / 2, abs=1e-12)
    assert list(c.index) == [pd.Timestamp(year=int(k) // 12, month=int(k) % 12 + 1, day=1) for k in keys]
    assert c.index[0] == pd.Timestamp("1958-03-01")


def test_seasons_are_the_periods_of_the_strongest_cycle():
    """Periodogram of the series minus a quadratic trend: its largest bin k (k >= 1) gives the period n / k."""
    assert sorted(datasets.SEASONS) == datasets.names()
    for name in ("co2", "sunspots", "elnino"):
        y = datasets.load(name).to_numpy()
        t = np.arange(y.size)
        detrended = y - np.polyval(np.polyfit(t, y, 2), t)
        power = np.abs(np.fft.rfft(detrended)) ** 2
        k = 1 + int(np.argmax(power[1:]))
        assert datasets.SEASONS[name] == round(y.size / k), (name, y.size / k)
    assert _is_yearly(datasets.load("nile")) and datasets.SEASONS["nile"] == 1


def test_names_are_sorted_and_an_unknown_name_is_refused_as_a_dataset():
    assert datasets.names() == ["co2", "elnino", "nile", "sunspots"]
    with pytest.raises(UnknownNameError) as err:
        datasets.load("m4")
    assert err.value.what == "dataset" and err.value.name == "m4"


def test_load_fills_gaps_linearly_holds_the_ends_and_names_the_series(monkeypatch):
    raw = np.array([np.nan, np.nan, 2.0, np.nan, 8.0, 5.0, np.nan, np.nan, 3.5, np.nan])
    monkeypatch.setitem(datasets._LOADERS, "toy", lambda: pd.Series(raw.copy(), name="something else"))
    at = np.flatnonzero(~np.isnan(raw))
    expected = np.interp(np.arange(raw.size), at, raw[at])  # [2, 2, 2, 5, 8, 5, 4.5, 4, 3.5, 3.5]
    s = datasets.load("toy", normalise=False)
    np.testing.assert_allclose(s.to_numpy(), expected, rtol=0, atol=1e-15)
    assert s.name == "toy"
    np.testing.assert_allclose(datasets.load("toy").to_numpy(), (expected - 2.0) / 6.0, rtol=0, atol=1e-15)


def test_load_returns_floats_and_normalises_by_min_and_max_not_the_first_value(monkeypatch):
    monkeypatch.setitem(datasets._LOADERS, "ints", lambda: pd.Series([3, 1, 5, 2]))
    raw = datasets.load("ints", normalise=False)
    assert raw.dtype == np.float64 and raw.tolist() == [3.0, 1.0, 5.0, 2.0]
    assert datasets.load("ints").tolist() == [0.5, 0.0, 1.0, 0.25]


# ---------------------------------------------------------------- bench helpers


def test_demo_means_are_ten_equally_spaced_arms_from_point_one_to_point_nine():
    m = bench.DEMO_MEANS
    assert m.shape == (10,) and m[0] == pytest.approx(0.1) and m[-1] == pytest.approx(0.9)
    np.testing.assert_allclose(np.diff(m), 0.8 / 9, rtol=0, atol=1e-15)


def test_load_reference_imports_the_file_and_refuses_a_missing_one(tmp_path):
    path = tmp_path / "kernel.py"
    path.write_text("VALUE = 41 + 1\n\ndef twice(x):\n    return 2 * x\n")
    module = bench.load_reference(str(path))
    assert module.VALUE == 42 and module.twice(3) == 6
    with pytest.raises(FileNotFoundError, match="nowhere.py"):
        bench.load_reference(tmp_path / "nowhere.py")


def _record_runs(monkeypatch):
    monkeypatch.setattr(config, "SERIAL_STEPS", 1_000_000)  # the package's value (tests/conftest.py raises it)
    calls = []
    monkeypatch.setattr(olearn, "run", lambda learner, env, horizon, seeds, backend="cpu", **kw:
                        calls.append((len(learner.configs), horizon, seeds, backend, kw)))
    return calls


def _check_serial_warm_up(call, horizon, kw):
    configs, h, seeds, backend, got_kw = call
    assert h <= horizon and not cpu.threaded(configs * seeds * h) and got_kw == kw


def test_warm_up_compiles_only_the_serial_runner_below_the_threshold(monkeypatch):
    calls = _record_runs(monkeypatch)
    learner, env = olearn.make("ucb1"), object()
    bench.warm_up(learner, env, horizon=10, seeds=3, metrics=["pseudo_regret"])
    assert len(calls) == 1
    _check_serial_warm_up(calls[0], 10, {"metrics": ["pseudo_regret"]})
    assert calls[0][3] == "cpu"
    calls.clear()  # 999 x 1001 = SERIAL_STEPS - 1: still serial
    bench.warm_up(learner, env, horizon=1001, seeds=999)
    assert config.SERIAL_STEPS == 999 * 1001 + 1 and len(calls) == 1


@pytest.mark.parametrize("configs, seeds, horizon", [(3, 400, 1000), (1, 1000, 1000)])
def test_warm_up_also_compiles_the_threaded_runner_with_the_fewest_seeds_that_reach_it(monkeypatch, configs, seeds,
                                                                                         horizon):
    """3 configs x 400 seeds x 1000 rounds = 1.2e6 >= SERIAL_STEPS although 400 x 1000 alone is not; 1 x 1000 x 1000
    is exactly SERIAL_STEPS (at or above: threaded)."""
    calls = _record_runs(monkeypatch)
    learner = olearn.make("ucb1", c=[1.0, 2.0, 3.0][:configs])
    assert cpu.threaded(configs * seeds * horizon)
    bench.warm_up(learner, object(), horizon=horizon, seeds=seeds, metrics=["pseudo_regret"])
    assert len(calls) == 2
    _check_serial_warm_up(calls[0], horizon, {"metrics": ["pseudo_regret"]})
    n, h, s, backend, kw = calls[1]
    assert n == configs and backend == "cpu" and kw == {"metrics": ["pseudo_regret"]} and h <= horizon
    assert cpu.threaded(n * s * h) and not cpu.threaded(n * (s - 1) * h)
    calls.clear()  # another backend has no threaded runner to compile
    bench.warm_up(learner, object(), horizon=horizon, seeds=seeds, backend="python")
    assert len(calls) == 1 and calls[0][3] == "python"


def test_engine_threads_is_numbas_count_at_or_above_the_threshold_else_one(monkeypatch):
    import numba

    monkeypatch.setattr(numba, "get_num_threads", lambda: 7)
    monkeypatch.setattr(config, "SERIAL_STEPS", 1_000_000)  # the package's value (tests/conftest.py raises it)
    assert bench.engine_threads(1000, 1000) == 7  # exactly SERIAL_STEPS
    assert bench.engine_threads(999, 1001) == 1  # one step fewer
    assert bench.engine_threads(500, 1000, configs=2) == 7 and bench.engine_threads(500, 1000) == 1


def test_threads_text_is_singular_only_for_one():
    assert [bench.threads_text(n) for n in (0, 1, 2, 16)] == ["0 threads", "1 thread", "2 threads", "16 threads"]


def test_timed_returns_the_elapsed_clock_and_the_result(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(bench, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))

    def work(a, b):
        clock[0] += 2.5
        return a + b

    assert bench._timed(work, 1, 2) == (2.5, 3)


def _stand_ins(monkeypatch, times):
    """numba's 7 threads, a scripted clock per timed function, the cpu backend replaced by the python one, and a
    reference module whose kernels return known per-seed regrets; every call is logged in order."""
    import numba

    events, real_run = [], olearn.run
    monkeypatch.setattr(numba, "get_num_threads", lambda: 7)

    def run(learner, env, horizon, seeds=1, backend="cpu", checkpoints=None, metrics=None, **kw):
        events.append(("run", learner.name, backend, horizon, seeds, metrics))
        return real_run(learner, env, horizon, seeds, "python", checkpoints, metrics, **kw)

    def numba_ucb1(means, horizon, seeds):
        events.append(("numba", tuple(means), horizon, seeds))
        return (np.arange(seeds) + 1.0) ** 2  # mean (n + 1)(2n + 1) / 6

    def python_ucb1(means, horizon, seeds):
        events.append(("python", type(means), tuple(means), horizon, seeds))
        return [10.0 * s for s in range(seeds)]

    def fake_timed(fn, *args):
        events.append(("timed", fn.__name__))
        return next(times[fn.__name__]), fn(*args)

    monkeypatch.setattr(olearn, "run", run)
    monkeypatch.setattr(bench, "_timed", fake_timed)
    monkeypatch.setattr(bench, "load_reference", lambda path: types.SimpleNamespace(numba_ucb1=numba_ucb1,
                                                                                    python_ucb1=python_ucb1))
    return events, real_run


def test_cpu_ucb1_rows_take_the_best_of_the_repeats_and_the_mean_regret(monkeypatch):
    """seeds 3, horizon 10: 30 steps.  Kernel best 1.0 s -> 30 steps/s, regret mean(1, 4, 9) = 14 / 3; engine best
    4.0 s -> 7.5 steps/s, ratio 0.25, UCB1's pseudo-regret 4 (one pull per arm); Python 2 seeds x 10 rounds in
    10 s -> 2 steps/s, ratio 2 / 30, regret mean(0, 10) = 5."""
    times = {"numba_ucb1": iter([3.0, 1.0, 2.0]), "run": iter([5.0, 4.0, 6.0]), "python_ucb1": iter([10.0])}
    events, _ = _stand_ins(monkeypatch, times)
    rows = bench.cpu_ucb1("unused", seeds=3, horizon=10, python_seeds=2, repeats=3)
    expected = [("hand-written numba kernel (7 threads)", 3, 30.0, 1.0, 14 / 3),
                ("olearn.run ucb1, cpu backend (1 thread)", 3, 7.5, 0.25, 4.0),
                ("plain-Python loop", 2, 2.0, 2 / 30, 5.0)]
    assert len(rows) == 3
    for row, (what, seeds, sps, ratio, regret) in zip(rows, expected):
        assert (row["what"], row["seeds"], row["horizon"]) == (what, seeds, 10)
        assert row["steps_per_s"] == pytest.approx(sps, rel=1e-12) and row["ratio"] == pytest.approx(ratio, rel=1e-12)
        assert row["pseudo_regret"] == pytest.approx(regret, rel=1e-12)
    first_timed = events.index(("timed", "numba_ucb1"))
    before = events[:first_timed]  # both compiled before any timing: a short kernel call and the engine's warm-up
    assert any(e[0] == "numba" and e[2] <= 50 for e in before), events
    assert any(e[0] == "run" and e[2] == "cpu" for e in before), events
    timed = events[first_timed:]
    rounds = [("timed", "numba_ucb1"), ("timed", "run")] * 3 + [("timed", "python_ucb1")]  # interleaved repeats
    assert [e for e in timed if e[0] == "timed"] == rounds
    means = tuple(bench.DEMO_MEANS)
    assert [e for e in timed if e[0] == "numba"] == [("numba", means, 10, 3)] * 3
    assert [e for e in timed if e[0] == "run"] == [("run", "ucb1", "cpu", 10, 3, ["pseudo_regret"])] * 3
    assert [e for e in timed if e[0] == "python"] == [("python", list, means, 10, 2)]


def test_learners_throughput_rows_are_steps_per_second_and_mean_pseudo_regret(monkeypatch):
    """ucb1 then exp3, 3 seeds x 10 rounds timed at 2 s and 5 s: 15 and 6 steps/s; ucb1's pseudo-regret is 4, exp3's
    the mean over the seeds of a separate python-backend run (the engine is deterministic by seed)."""
    events, real_run = _stand_ins(monkeypatch, {"run": iter([2.0, 5.0])})
    rows = bench.learners_throughput(names=("ucb1", "exp3"), seeds=3, horizon=10)
    env = environments.make("bernoulli", means=bench.DEMO_MEANS)
    exp3 = real_run(olearn.make("exp3"), env, 10, 3, "python", None, ["pseudo_regret"]).final("pseudo_regret")
    assert np.ptp(exp3) > 0  # the mean is not any single seed's value
    expected = [("ucb1", 15.0, 4.0), ("exp3", 6.0, float(np.mean(exp3)))]
    assert [(r["what"], r["seeds"], r["horizon"]) for r in rows] == [("ucb1", 3, 10), ("exp3", 3, 10)]
    for row, (_, sps, regret) in zip(rows, expected):
        assert row["steps_per_s"] == pytest.approx(sps, rel=1e-12)
        assert row["pseudo_regret"] == pytest.approx(regret, rel=1e-12)
    order = [e[:2] for e in events if e[0] in ("run", "timed")]  # each warmed up (an untimed run), then timed
    assert order == [e for n in ("ucb1", "exp3") for e in (("run", n), ("timed", "run"), ("run", n))]
    timed_runs = [e for e in events if e[0] == "run"][1::2]
    assert timed_runs == [("run", n, "cpu", 10, 3, ["pseudo_regret"]) for n in ("ucb1", "exp3")]
