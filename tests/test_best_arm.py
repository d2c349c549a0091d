"""Best-arm identification: the engine's simple_regret / misidentified / stopping_time against traces, the
fixed-budget learners' plays against their closed-form schedules, and each learner's guarantee (the error
bound of successive rejects, LUCB's delta-correctness, top-two Thompson sampling's beta share)."""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core.errors import ParameterError

BEST_ARM = ["simple_regret", "misidentified", "stopping_time"]


def _run(name, means, horizon, seeds, backend="cpu", checkpoints=None, **params):
    env = environments.make("bernoulli", means=means)
    return olearn.run(olearn.make(name, **params), env, horizon=horizon, seeds=seeds, backend=backend,
                      metrics=BEST_ARM + ["counts"], checkpoints=checkpoints or [horizon], progress=False)


def test_a_learner_without_a_rule_recommends_its_most_played_arm():
    """UCB1: at each checkpoint J = the arm with most plays in the trace (lowest index on ties), simple regret
    max(mu) - mu_J, misidentified 1[mu_J < max mu], no stopping time."""
    means = np.array([0.5, 0.62, 0.62, 0.3])
    env = environments.make("bernoulli", means=means)
    res = olearn.run(olearn.make("ucb1"), env, horizon=60, seeds=range(12), backend="python", trace=True,
                     metrics=BEST_ARM, checkpoints=[5, 17, 60])
    for s in range(12):
        for c, t in enumerate([5, 17, 60]):
            plays = np.bincount(res.actions[0, s, :t].astype(int), minlength=4)
            arm = int(np.argmax(plays))
            got = res.values[0, s, c]
            assert got[0] == pytest.approx(means.max() - means[arm], abs=1e-15)
            assert got[1] == float(means[arm] < means.max())
            assert math.isnan(got[2])


def test_best_arm_metrics_are_on_request_and_refused_where_no_fixed_best_arm_exists():
    env = environments.make("bernoulli", means=[0.2, 0.8])
    assert "simple_regret" not in olearn.run(olearn.make("ucb1"), env, horizon=5, backend="python").columns
    switching = environments.make("piecewise_bernoulli", means=[[0.2, 0.8], [0.8, 0.2]], change_points=[3])
    with pytest.raises(ParameterError, match="metrics"):
        olearn.run(olearn.make("ucb1"), switching, horizon=5, backend="python", metrics=["simple_regret"])


def _sorted_plays(res):
    return np.sort(res.values[0, :, -1, len(BEST_ARM):], axis=1)


def test_successive_rejects_follows_its_phase_lengths():
    """n_k = ceil((T - K) / (logbar(K) (K + 1 - k))): the arm rejected in phase k ends with n_k plays, the
    survivor with n_{K-1} plus what is left of T."""
    means, T = [0.7, 0.5, 0.45, 0.4, 0.2], 1000
    K = len(means)
    logbar = 0.5 + sum(1 / i for i in range(2, K + 1))
    n = [math.ceil((T - K) / (logbar * (K + 1 - k))) for k in range(1, K)]
    res = _run("successive_rejects", means, T, range(6), backend="python")
    expected = sorted(n + [T - sum(n)])
    assert sum(n) + n[-1] <= T
    np.testing.assert_array_equal(_sorted_plays(res), np.tile(expected, (6, 1)))
    assert np.all(np.isnan(res.values[0, :, -1, 2]))


def test_sequential_halving_follows_its_rounds():
    """R = ceil(log2 K) rounds of t_r = floor(T / (|S_r| R)) plays per arm in play, |S_r| halving (rounded up)."""
    means, T = [0.7, 0.5, 0.45, 0.4, 0.3, 0.2], 900
    K, R = len(means), math.ceil(math.log2(len(means)))
    sizes, t_r = [K], []
    for _ in range(R):
        t_r.append(T // (sizes[-1] * R))
        sizes.append(math.ceil(sizes[-1] / 2))
    # arms leaving after round r have sum_{j <= r} t_j plays; the survivor gets the rest of T
    expected = []
    for r in range(R):
        expected += [sum(t_r[: r + 1])] * (sizes[r] - sizes[r + 1])
    expected.append(T - sum(t * s for t, s in zip(t_r, sizes)) + sum(t_r))
    res = _run("sequential_halving", means, T, range(6), backend="python")
    np.testing.assert_array_equal(_sorted_plays(res), np.tile(sorted(expected), (6, 1)))


def test_successive_rejects_meets_its_error_bound():
    """P(error) <= K(K-1)/2 exp(-(T - K) / (logbar(K) H_2)), H_2 = max_i i / Delta_(i)^2 (Audibert et al., Thm 2)."""
    means, T, seeds = np.array([0.6, 0.45, 0.4, 0.35]), 400, 2000
    K = len(means)
    gaps = np.sort(means.max() - means)
    gaps[0] = gaps[1]  # the best arm's gap: the smallest other one
    h2 = max((i + 1) / gaps[i] ** 2 for i in range(K))
    logbar = 0.5 + sum(1 / i for i in range(2, K + 1))
    bound = K * (K - 1) / 2 * math.exp(-(T - K) / (logbar * h2))
    error = _run("successive_rejects", means, T, range(seeds)).final("misidentified")[0]
    assert bound < 1
    assert error.mean() <= bound + 3 * math.sqrt(bound * (1 - bound) / seeds), (error.mean(), bound)


def test_lucb_stops_and_is_right_with_probability_one_minus_delta():
    means, seeds = [0.75, 0.45, 0.35], 400
    stops = {}
    for delta in (0.2, 0.001):
        res = _run("lucb", means, 6000, range(seeds), delta=delta)
        stopped = res.final("stopping_time")[0]
        assert np.all(np.isfinite(stopped)), "every seed stops within the horizon"
        wrong = res.final("misidentified")[0].mean()
        assert wrong <= delta + 3 * math.sqrt(delta * (1 - delta) / seeds)
        stops[delta] = np.median(stopped)
        # after stopping it commits: the recommendation gains every later play
        plays = res.values[0, :, -1, len(BEST_ARM):]
        assert np.all(plays.max(axis=1) >= 6000 - stopped)
    # plays until stopping scale with the threshold beta(tau) = ln(5 K tau^4 / (4 delta)) at the stop
    beta = {d: math.log(5 * len(means) * tau**4 / (4 * d)) for d, tau in stops.items()}
    assert stops[0.001] > stops[0.2]
    assert abs((stops[0.001] / stops[0.2]) / (beta[0.001] / beta[0.2]) - 1) < 0.1, (stops, beta)


def test_top_two_thompson_gives_the_best_arm_a_share_beta():
    """Russo (2020): the best arm's share of plays tends to beta; Thompson sampling's own tends to 1."""
    means, T = [0.9, 0.5, 0.45, 0.4], 3000
    for beta in (0.5, 0.8):
        res = _run("top_two_thompson", means, T, range(40), beta=beta)
        share = res.values[0, :, -1, len(BEST_ARM)] / T
        assert abs(share.mean() - beta) < 0.05, (beta, share.mean())
        assert res.final("misidentified")[0].mean() == 0.0
    plain = olearn.run(olearn.make("thompson"), environments.make("bernoulli", means=means), horizon=T, seeds=range(40),
                       metrics=["counts"], checkpoints=[T], progress=False)
    assert plain.values[0, :, -1, 0].mean() / T > 0.9


@pytest.mark.parametrize("name", ["successive_rejects", "lucb"])
def test_best_arm_metrics_agree_across_backends(name):
    """The conclude step (recommend, then the gap) on cpu and gpu (the CUDA simulator in CI) as on python."""
    pytest.importorskip("numba.cuda")
    from olearn import testing
    from olearn.backends import gpu as device

    env = environments.make("bernoulli", means=[0.95, 0.1, 0.05] if name == "lucb" else [0.6, 0.5, 0.2])
    kw = dict(horizon=300, seeds=[0, 3], metrics=BEST_ARM, checkpoints=[10, 300], trace=True)
    py = olearn.run(olearn.make(name, delta=0.4) if name == "lucb" else olearn.make(name), env, backend="python", **kw)
    assert name != "lucb" or np.isfinite(py.values[0, :, -1, 2]).any(), "a stop within the run, so its time is compared"
    for backend in ("cpu", "gpu"):
        other = olearn.run(olearn.make(name, delta=0.4) if name == "lucb" else olearn.make(name), env, backend=backend, **kw)
        testing.assert_same_run(py, other, f"{name} {backend}", exact=backend == "cpu" or device.simulated())
