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


# ---------------------------------------------------------------- track-and-stop


def _optimal_weights(means, divergence="bernoulli", sigma=0.5):
    """The learner's w*(mu) kernel, called in Python on a state whose arms have one play each, mean reward mu_k;
    returns the means it read (1 - L_k), the best arm, y* and w*."""
    from olearn.learners import best_arm

    k = len(means)
    state = np.zeros(3 * k + 5)
    state[:k], state[k : 2 * k] = 1.0, 1.0 - np.asarray(means, float)
    mu = 1.0 - state[k : 2 * k]
    best = int(np.argmax(mu))
    y = best_arm.optimal_weights(state, k, best, float(best_arm.DIVERGENCES.index(divergence)), sigma, 2 * k + 5)
    return mu, best, y, state[2 * k + 5 :].copy()


def _kl(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _gaussian_weights(means, sigma):
    """Closed form: x_a(y) = y / (c_a - y), c_a = Delta_a^2 / (2 sigma^2), ratio x_a^2; y* from sum_a x_a(y)^2 = 1 (brentq)."""
    from scipy.optimize import brentq

    means = np.asarray(means, float)
    best = int(np.argmax(means))
    c = np.delete((means[best] - means) ** 2 / (2 * sigma**2), best)
    y = brentq(lambda v: np.sum((v / (c - v)) ** 2) - 1, 0.0, c.min() * (1 - 1e-15), xtol=1e-300, rtol=1e-15)
    x = np.insert(y / (c - y), best, 1.0)
    return x / x.sum()


def test_track_and_stop_gaussian_weights_are_the_closed_form():
    """Gaussian divergence: w*(mu) as the closed form of x_a(y) gives it (Garivier and Kaufmann, Theorem 5), the
    Bernoulli path's Newton solver of g_a(x) = y (started away from the answer) agrees with x / (1 + x) =
    2 sigma^2 y / Delta_a^2, and two arms share the plays equally, whatever their means and sigma."""
    from olearn.learners import best_arm

    for means, sigma in (([0.75, 0.45, 0.35], 0.5), ([0.7, 0.5, 0.5, 0.4, 0.3], 0.5), ([0.2, 0.9, 0.85, 0.1], 0.3)):
        _, _, y, w = _optimal_weights(means, "gaussian", sigma)
        np.testing.assert_allclose(w, _gaussian_weights(means, sigma), rtol=1e-10, atol=1e-12)
        assert y > 0 and abs(w.sum() - 1) < 1e-12
    for means, sigma in (([0.3, 0.8], 0.5), ([0.51, 0.5], 2.0), ([1.0, 0.0], 0.1)):
        assert np.allclose(_optimal_weights(means, "gaussian", sigma)[3], 0.5, atol=1e-12)
    for best, other, sigma in ((0.75, 0.45, 0.5), (0.9, 0.1, 0.2), (0.5, 0.49, 1.0)):
        top = (best - other) ** 2 / (2 * sigma**2)
        for y in np.linspace(0, 0.999, 7) * top:
            for start in (0.0, 0.5, 0.9999):
                z = best_arm.share_by_newton(start, 1.0, y, best, other, 1.0, sigma)
                assert z == pytest.approx(2 * sigma**2 * y / (best - other) ** 2, rel=1e-12, abs=1e-15)


def test_track_and_stop_bernoulli_weights_solve_their_equations():
    """Bernoulli kl: x_a = w_a / w_1 solves g_a(x_a) = d(mu_1, m_a) + x_a d(mu_a, m_a) = y*, and sum_a d(mu_1, m_a) /
    d(mu_a, m_a) = 1 (to 1e-9); the weights sum to 1, and every challenger's term w_1 d(mu_1, m_a) + w_a d(mu_a, m_a)
    equals w_1 y*, which no nearby allocation raises (w* maximizes their minimum, 1 / T*(mu)); two mirrored arms share
    equally; a tie for the best gives uniform weights."""
    rng = np.random.default_rng(3)
    for means in ([0.75, 0.45, 0.35], [0.7, 0.5, 0.5, 0.4, 0.3], [0.5] + [0.45] * 5 + [0.4] * 14, [0.99, 0.98, 0.01],
                  [0.2, 0.9, 0.6]):
        mu, best, y, w = _optimal_weights(means)
        assert y > 0 and np.all(w > 0) and abs(w.sum() - 1) < 1e-12
        x = w / w[best]
        others = [a for a in range(len(mu)) if a != best]
        m = {a: (mu[best] + x[a] * mu[a]) / (1 + x[a]) for a in others}
        for a in others:
            assert abs(_kl(mu[best], m[a]) + x[a] * _kl(mu[a], m[a]) - y) < 1e-9
        assert abs(sum(_kl(mu[best], m[a]) / _kl(mu[a], m[a]) for a in others) - 1) < 1e-9

        def worst_pair(v):
            pairs = [(v[best] * mu[best] + v[a] * mu[a]) / (v[best] + v[a]) for a in others]
            return min(v[best] * _kl(mu[best], p) + v[a] * _kl(mu[a], p) for a, p in zip(others, pairs))

        assert worst_pair(w) == pytest.approx(w[best] * y, rel=1e-9)
        for _ in range(50):
            nearby = np.abs(w + rng.normal(0, 0.02, len(w)))
            assert worst_pair(nearby / nearby.sum()) <= worst_pair(w) * (1 + 1e-12)
    assert np.allclose(_optimal_weights([0.9, 0.1])[3], 0.5, atol=1e-12)
    mu, best, y, w = _optimal_weights([0.6, 0.6, 0.2])
    assert y == 0.0 and np.all(w == 1 / 3)


def test_track_and_stop_newton_solves_g_at_any_level():
    """x_a(y) from the Bernoulli path's Newton solver (in z = x / (1 + x), from the chord z = y / d(mu_1, mu_a)) meets
    g_a(x) = y to 1e-9 relative, from y near 0 to near d(mu_1, mu_a), on random pairs of means in [0.02, 0.98]."""
    from olearn.learners import best_arm

    rng = np.random.default_rng(5)
    for _ in range(300):
        best, other = np.sort(rng.uniform(0.02, 0.98, 2))[::-1]
        if best - other < 0.01:  # the plain-log kl here loses digits on closer means
            continue
        for y in np.array([0.01, 0.3, 0.7, 0.95]) * _kl(best, other):
            z = best_arm.share_at_level(y, best, other, 0.0, 0.5)
            x = z / (1 - z)
            m = (best + x * other) / (1 + x)
            assert _kl(best, m) + x * _kl(other, m) == pytest.approx(y, rel=1e-9)


@pytest.fixture(scope="module")
def track_and_lucb():
    """Track-and-stop and LUCB1 at delta = 0.2 and 0.01 on three Bernoulli arms, 300 seeds (one compilation each)."""
    means, deltas, horizon, seeds = [0.75, 0.45, 0.35], [0.2, 0.01], 3000, 300
    return {name: _run(name, means, horizon, range(seeds), delta=deltas) for name in ("track_and_stop", "lucb")}, \
        means, deltas, horizon, seeds


def test_track_and_stop_stops_and_is_right_with_probability_one_minus_delta(track_and_lucb):
    """With the heuristic threshold ln((ln t + 1) / delta) of the paper's experiments (not the proven one): every seed
    stops within the horizon, the error rate is within 3 standard errors of delta, and it commits to its answer."""
    runs, means, deltas, horizon, seeds = track_and_lucb
    res = runs["track_and_stop"]
    for i, delta in enumerate(deltas):
        stopped, wrong = res.values[i, :, -1, 2], res.values[i, :, -1, 1]
        assert np.all(np.isfinite(stopped)), "every seed stops within the horizon"
        assert wrong.mean() <= delta + 3 * math.sqrt(delta * (1 - delta) / seeds), (delta, wrong.mean())
        plays = res.values[i, :, -1, len(BEST_ARM):]
        assert np.all(plays.max(axis=1) >= horizon - stopped)


def test_track_and_stop_stops_before_lucb_and_tracks_the_optimal_proportions(track_and_lucb):
    """Its mean stopping time is below LUCB1's at the same delta, and at the stop the proportions of plays N_a / tau
    (mean over seeds) are within 0.1 of w*(mu) at the true means: D-tracking follows w*(mu^), and mu^ -> mu."""
    runs, means, deltas, horizon, seeds = track_and_lucb
    tracked, lucb = runs["track_and_stop"], runs["lucb"]
    for i, delta in enumerate(deltas):
        tau = tracked.values[i, :, -1, 2]
        lucb_tau = np.nan_to_num(lucb.values[i, :, -1, 2], nan=horizon)  # at least this
        assert tau.mean() < lucb_tau.mean(), (delta, tau.mean(), lucb_tau.mean())
    tau = tracked.values[-1, :, -1, 2]
    plays = tracked.values[-1, :, -1, len(BEST_ARM):].copy()
    answer = np.argmax(plays, axis=1)  # every play after the stop went to it
    plays[np.arange(seeds), answer] -= horizon - tau
    assert np.allclose(plays.sum(axis=1), tau)
    share = (plays / tau[:, None]).mean(axis=0)
    target = _optimal_weights(means)[3]
    assert np.abs(share - target).max() < 0.1, (share, target)
