"""Rested rotting arms (environments.rotting) and the learners built for them (raw_ucb, fewa)."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.testing import assert_same_run

import reference as ref

# three arms: one that collapses early, one that decays in steps, one constant
TABLE = np.array([[0.9, 0.9, 0.9, 0.2, 0.2, 0.2, -0.5],
                  [0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4],
                  [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]])


def _dynamic_regret(result, seed_index, rounds):
    frame = result.to_frame()
    rows = frame[(frame.metric == "dynamic_regret") & (frame.seed == result.seeds[seed_index])].set_index("round").value
    return rows.loc[list(rounds)].to_numpy()


def test_regret_is_against_the_greedy_oracle_sum_of_the_largest_means():
    """dynamic_regret at t = (sum of the t largest values of the table, the greedy oracle's reward)
    - (the learner's mean rewards at its own play counts), recomputed from the trace."""
    env = environments.make("rotting", means=TABLE, sigma=0.5)
    horizon, checkpoints = 60, [1, 2, 5, 17, 40, 60]
    for name in ("ucb1", "raw_ucb", "exp3"):
        result = olearn.run(olearn.make(name), env, horizon=horizon, seeds=3, checkpoints=checkpoints, trace=True, backend="python")
        oracle = ref.greedy_oracle_rewards(TABLE, horizon)
        for s in range(3):
            world = ref.RottingWorld(TABLE, 0.5, result.seeds[s])
            earned = []
            for arm in result.actions[0, s].astype(int):
                earned.append(world.mean(arm))
                world.plays[arm] += 1
            want = oracle[np.array(checkpoints) - 1] - np.cumsum(earned)[np.array(checkpoints) - 1]
            np.testing.assert_allclose(_dynamic_regret(result, s, checkpoints), want, rtol=1e-12, atol=1e-12)
            assert np.all(want >= -1e-12)  # no policy beats the greedy oracle on rested rotting arms


def test_losses_follow_each_arms_own_play_count():
    env = environments.make("rotting", means=TABLE, sigma=0.3)
    result = olearn.run(olearn.make("exp3", eta=0.5), env, horizon=40, seeds=[4, 11], trace=True, backend="python")
    for s, seed in enumerate(result.seeds):
        world = ref.RottingWorld(TABLE, 0.3, seed)
        for t, arm in enumerate(result.actions[0, s].astype(int)):
            assert result.losses[0, s, t] == world.loss(t, arm)
            world.plays[arm] += 1


def test_abrupt_rotting_is_its_table():
    env = environments.make("abrupt_rotting", before=[1.0, 0.2, 0.5], after=[-1.0, 0.2, 0.0], pulls=[3, 0, 5])
    table = environments.rotting.abrupt_table([1.0, 0.2, 0.5], [-1.0, 0.2, 0.0], [3, 0, 5])
    np.testing.assert_array_equal(table, [[1, 1, 1, -1, -1, -1], [0.2] * 6, [0.5] * 5 + [0.0]])
    same = environments.make("rotting", means=table)
    learner = olearn.make("raw_ucb")
    runs = [olearn.run(learner, world, horizon=50, seeds=2, trace=True, backend="python") for world in (env, same)]
    assert_same_run(*runs, "abrupt_rotting vs rotting", exact=True)


@pytest.mark.parametrize("name, cls", [("raw_ucb", ref.RAWUCB), ("fewa", ref.FEWA)])
@pytest.mark.parametrize("alpha", [0.06, 1.4])
def test_learners_equal_the_reference_from_full_histories(name, cls, alpha):
    """Action for action against a reference that keeps every reward and averages the aligned blocks
    from the history, on the python and cpu backends (600 rounds: windows up to 256 plays)."""
    before, after, pulls = [0.3, 0.0, 0.2, 0.1], [-0.3, 0.0, -0.1, 0.1], [40, 0, 150, 0]
    table = environments.rotting.abrupt_table(before, after, pulls)
    env = environments.make("abrupt_rotting", before=before, after=after, pulls=pulls, sigma=0.5)
    learner = olearn.make(name, alpha=alpha, sigma=0.5)
    horizon, seeds = 600, [0, 7, 123]
    runs = {b: olearn.run(learner, env, horizon=horizon, seeds=seeds, trace=True, backend=b) for b in ("python", "cpu")}
    assert_same_run(runs["python"], runs["cpu"], f"{name}: python vs cpu", exact=True)
    for s, seed in enumerate(seeds):
        actions, losses = ref.play_rested(cls(4, alpha, 0.5), ref.RottingWorld(table, 0.5, seed), horizon)
        np.testing.assert_array_equal(runs["cpu"].actions[0, s], actions)
        np.testing.assert_array_equal(runs["cpu"].losses[0, s], losses)
    assert len(set(runs["cpu"].actions[0, 0].astype(int))) == 4


def test_gpu_kernels_match_python():
    pytest.importorskip("numba.cuda")
    from olearn.backends import gpu

    env = environments.make("rotting", means=TABLE, sigma=0.5)
    for name in ("raw_ucb", "fewa"):
        py = olearn.run(olearn.make(name), env, horizon=70, seeds=[0, 9], backend="python", trace=True, keep_state=True)
        dev = olearn.run(olearn.make(name), env, horizon=70, seeds=[0, 9], backend="gpu", trace=True, keep_state=True)
        assert_same_run(py, dev, f"{name}: gpu", exact=gpu.simulated())


def _regret_at_end(name, mu, horizon, seeds):
    """Seznec et al. (2019), figure 1: arm 0 at mu for its first T/4 plays, then -mu; arm 1 at 0."""
    env = environments.make("abrupt_rotting", before=[mu, 0.0], after=[-mu, 0.0], pulls=[horizon // 4, 0])
    # traced, with the default metrics: the kernel the reference test compiles for raw_ucb on this world
    values = olearn.run(olearn.make(name), env, horizon=horizon, seeds=seeds, trace=True).final("dynamic_regret")[0]
    return values.mean(), values.std(ddof=1) / math.sqrt(values.size)


def test_windowed_learners_stay_bounded_as_the_drop_grows_while_ucb1_pays_for_it():
    """Their regret bounds, O~(sqrt(KT)), do not grow with the size of the drop; UCB1's full-history
    mean keeps the collapsed arm above 0 for about as many plays as it was good, so its regret grows
    like mu T/4 (8x from mu = 0.5 to 4)."""
    horizon, seeds = 2000, 48
    bound = math.sqrt(2 * horizon * math.log(horizon))  # sqrt(K T ln T), K = 2: 174
    ucb = [_regret_at_end("ucb1", mu, horizon, seeds)[0] for mu in (0.5, 4.0)]
    assert ucb[1] > 4.0 * ucb[0] > 4.0 * bound
    for name in ("raw_ucb",):  # FEWA: the same claim in experiments/rotting/rotting_arms.py; its code is checked by the reference test
        low, low_se = _regret_at_end(name, 0.5, horizon, seeds)
        high, high_se = _regret_at_end(name, 4.0, horizon, seeds)
        assert low < bound and high < bound
        assert high < low + 3.0 * math.hypot(low_se, high_se)
        assert 10.0 * high < ucb[1]


def test_bad_input_names_the_parameter():
    with pytest.raises(olearn.ParameterError, match="(?s)'means'.*arm 1 rises from play 0"):
        environments.make("rotting", means=[[1.0, 0.5], [0.2, 0.3]])
    with pytest.raises(olearn.ParameterError, match="'after'.*arm 0 would rise"):
        environments.make("abrupt_rotting", before=[0.0, 0.0], after=[0.5, 0.0], pulls=[10, 0])
    with pytest.raises(olearn.ParameterError, match="'pulls'.*one value per arm: 2"):
        environments.make("abrupt_rotting", before=[0.0, 0.0], after=[0.0, 0.0], pulls=[10])
    with pytest.raises(olearn.ParameterError, match="'pulls'.*whole numbers"):
        environments.make("abrupt_rotting", before=[0.0, 0.0], after=[0.0, 0.0], pulls=[10.5, 0])
    with pytest.raises(olearn.ParameterError, match="'pulls'"):
        environments.make("abrupt_rotting", before=[0.0, 0.0], after=[0.0, 0.0], pulls=[-1, 0])
    for name in ("raw_ucb", "fewa"):
        with pytest.raises(olearn.ParameterError, match="'alpha'"):
            olearn.make(name, alpha=0.0)
        with pytest.raises(olearn.ParameterError, match="'sigma'"):
            olearn.make(name, sigma=-1.0)
    env = environments.make("rotting", means=TABLE)
    with pytest.raises(olearn.ParameterError, match="'metrics'.*loss, dynamic_regret, counts"):
        olearn.run("ucb1", env, horizon=10, metrics=["regret"])
    with pytest.raises(olearn.ParameterError, match="'metrics'"):
        olearn.run("ucb1", env, horizon=10, metrics=["window_regret_5"])
    with pytest.raises(olearn.ParameterError, match="'env'.*past plays"):
        from olearn.offpolicy import collect

        collect(env, 10)


def test_fewa_keeps_an_arm_exactly_at_the_filter_threshold():
    """FEWA's filter keeps arm k when mean_k^h >= max_j mean_j^h - 2 c(h) (Seznec et al. 2019, Algorithm 1),
    ties included.  Arm 0 played once (reward 0), arm 1 three times (reward 1); at round 4, with sigma = 1 and
    alpha = 1 / (8 ln 4), c(1) = sqrt(2 alpha ln 4) = 1/2 exactly, so at h = 1 the threshold is 1 - 1 = 0 = arm 0's
    mean: both arms stay, and arm 0 (no block of 2 plays yet, the fewest plays) is played.  Dropping arm 0 at
    the tie would leave arm 1 alone and play it."""
    k, t = 2, 4
    alpha = 0.125 / math.log(t)
    assert 2.0 * alpha * math.log(t) == 0.25  # c(1)^2 exact in floating point
    table, size = olearn.make("fewa", alpha=alpha, sigma=1.0).bind(k, 0, 100)
    learner = olearn.learners.REGISTRY["fewa"]
    state = np.zeros(size)
    learner.init(state, table[0], 0)
    for s, (arm, loss) in enumerate([(0, 1.0), (1, 0.0), (1, 0.0), (1, 0.0)]):
        learner.update(state, table[0], np.zeros(0), np.array([float(arm)]), np.array([loss]), s, 0)
    action = np.zeros(1)
    learner.act(state, table[0], np.zeros(0), t, 0, action)
    assert action[0] == 0.0
    # a mean just below the threshold is filtered out: arm 1 alone remains
    state[k + 0 * 32 + 0] = -1e-9  # arm 0's complete block of one reward
    learner.act(state, table[0], np.zeros(0), t, 0, action)
    assert action[0] == 1.0


@pytest.mark.parametrize("name, cls", [("raw_ucb", ref.RAWUCB), ("fewa", ref.FEWA)])
def test_noiseless_identical_arms_tie_to_the_lowest_index(name, cls):
    """Three identical noiseless arms (sigma = 0): every index ties whenever the arms' play counts agree, and the
    learners, like the reference's first argmax, take the lowest index; action for action against the reference
    that keeps every reward (RAW-UCB's min over windows of mean + c(h); FEWA's filter)."""
    table = np.array([[0.5, 0.5, 0.4, 0.2]] * 3)
    env = environments.make("rotting", means=table, sigma=0.0)
    horizon = 60
    res = olearn.run(olearn.make(name), env, horizon=horizon, seeds=[0], trace=True, backend="python")
    actions, _ = ref.play_rested(cls(3, olearn.make(name).values["alpha"], 1.0), ref.RottingWorld(table, 0.0, 0), horizon)
    np.testing.assert_array_equal(res.actions[0, 0].astype(int), actions)
    assert list(actions[:3]) == [0, 1, 2]
