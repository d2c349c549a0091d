"""Bad input gives one clear error naming the parameter; results round-trip; interruptions leave nothing half-written."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import environments
import olearn
from olearn import ParameterError, UnknownNameError

ENV = environments.make("bernoulli", means=[0.2, 0.8])


@pytest.mark.parametrize(
    "call, name, allowed",
    [
        (lambda: environments.make("bernoulli", means=[]), "means", "non-empty"),
        (lambda: environments.make("bernoulli", means=[-0.1, 0.5]), "means", "[0, 1]"),
        (lambda: environments.make("bernoulli", means=[0.5, 1.5]), "means", "[0, 1]"),
        (lambda: environments.make("loss_matrix", losses=[[0.0, math.nan]]), "losses", "finite"),
        (lambda: environments.make("switching", n_arms=0), "n_arms", "[1, inf]"),
        (lambda: olearn.run("ucb1", ENV, horizon=0), "horizon", ">= 1"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, seeds=0), "seeds", ">= 1"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, seeds=[1, 1]), "seeds", "distinct"),
        (lambda: olearn.run("ucb1", environments.make("loss_matrix", losses=[[0.0, 1.0]] * 5), horizon=6), "horizon", "[1, 5]"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, metrics=["coverage"]), "metrics", "pseudo_regret"),
        (lambda: olearn.run("ucb1", ENV, horizon=10, delay=-1), "delay", ">= 0"),
        (lambda: olearn.make("exp3", eta=-1.0), "eta", "[0, inf]"),
        (lambda: olearn.make("ucb1", n_arms=3).bind(2, 0, 10), "n_arms", "2"),
        (lambda: olearn.make("ucb1", gamma=1.0), "gamma", "known parameters"),
        (lambda: olearn.stepwise(olearn.make("ucb1")), "n_arms", "n_arms=K"),
    ],
)
def test_bad_input_names_the_parameter(call, name, allowed):
    with pytest.raises(ParameterError) as err:
        call()
    assert f"'{name}'" in str(err.value) and allowed in str(err.value), str(err.value)


@pytest.mark.parametrize(
    "call, what",
    [
        (lambda: olearn.make("ucb2"), "learner"),
        (lambda: environments.make("bernouli"), "environment"),
        (lambda: olearn.run("ucb1", ENV, horizon=5, backend="tpu"), "backend"),
    ],
)
def test_unknown_names_list_the_choices(call, what):
    with pytest.raises(UnknownNameError) as err:
        call()
    assert what in str(err.value) and "choose one of" in str(err.value)


@pytest.fixture(scope="module")
def result():
    learner = olearn.make("exp3", eta=[0.1, 0.5])
    return olearn.run(learner, ENV, horizon=300, seeds=[2, 5, 9], checkpoints=[10, 100])


def test_tidy_frame(result):
    frame = result.to_frame()
    assert list(frame.columns[:4]) == ["learner", "config", "environment", "n_arms"]
    assert {"eta", "seed", "round", "metric", "value"} <= set(frame.columns)
    assert len(frame) == 2 * 3 * 3 * len(result.columns)
    assert sorted(frame["round"].unique()) == [10, 100, 300]
    one = frame[(frame["eta"] == 0.5) & (frame["seed"] == 9) & (frame["round"] == 300) & (frame["metric"] == "regret")]
    assert one["value"].item() == result.final("regret")[1, 2]


def test_summary_matches_numpy(result):
    s = result.summary()
    row = s[(s["config"] == "exp3(eta=0.1)") & (s["round"] == 100) & (s["metric"] == "loss")].iloc[0]
    x = result.metric("loss")[0, :, 1]
    assert row["mean"] == pytest.approx(x.mean())
    assert row["se"] == pytest.approx(x.std(ddof=1) / math.sqrt(3))
    assert row["high"] - row["mean"] == pytest.approx(4.302652729911275 * row["se"])  # t_{0.975, 2}


def test_save_and_load_round_trip(result, tmp_path):
    path = result.save(tmp_path / "run")
    back = olearn.load(path)
    assert np.array_equal(back.values, result.values)
    assert back.columns == result.columns and back.labels == result.labels
    assert np.array_equal(back.seeds, result.seeds) and np.array_equal(back.rounds, result.rounds)
    assert back.params[1]["eta"] == 0.5 and back.backend == "cpu"
    assert pd.read_parquet(path / "results.parquet").shape[0] == result.values.size


def test_interrupted_save_leaves_nothing(result, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path / "run")
    assert list(Path(tmp_path).iterdir()) == []


def test_checkpoint_grid():
    grid = olearn.checkpoint_grid(10_000)
    assert grid[0] == 1 and grid[-1] == 10_000 and np.all(np.diff(grid) > 0)
    assert list(olearn.checkpoint_grid(50, [50, 5, 5])) == [5, 50]
    assert list(olearn.checkpoint_grid(50, [7])) == [7, 50]


def test_delay_delivers_feedback_late():
    """With delay d >= K, UCB1 sees no feedback before round d: it keeps playing arm 0 ('unplayed')."""
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    res = olearn.run("ucb1", env, horizon=30, seeds=[0], backend="python", trace=True, delay=5)
    acts = res.actions[0, 0].astype(int)
    assert list(acts[:6]) == [0] * 6  # arm 0's first feedback arrives at the end of round 5
    assert acts[6] == 1  # then arm 1 is the first unplayed arm
    # delivered in arrival order: a sequence delay that reverses two rounds' feedback
    seq = olearn.delays.sequence([1, 0] + [0] * 28)
    res = olearn.run("ucb1", env, horizon=30, seeds=[0], backend="python", trace=True, delay=seq)
    assert list(res.actions[0, 0, :3].astype(int)) == [0, 0, 1]
