"""Fixed Share (olearn.learners.tracking) against a NumPy reference, Hedge, and its switching-regret bound."""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.learners import tracking

T = 60
#: the best expert changes every 15 rounds
LOSSES = np.round(np.random.default_rng(11).random((T, 4)) * 0.8 + 0.2 * (np.arange(4) != (np.arange(T)[:, None] // 15) % 4), 3)


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("params", [{}, {"eta": 2.0, "alpha": 0.1}, {"switches": 6}])
def test_matches_the_reference_round_by_round(backend, params):
    env = environments.make("loss_matrix", losses=LOSSES)
    res = olearn.run(olearn.make("fixed_share", **params), env, horizon=T, seeds=[0, 7], backend=backend, trace=True)
    for i, seed in enumerate([0, 7]):
        actions, losses = reference.fixed_share(lambda t, k: LOSSES[t, k], 4, T, seed=seed, **params)
        np.testing.assert_array_equal(res.actions[0, i], actions)
        np.testing.assert_array_equal(res.losses[0, i], losses)


@pytest.mark.parametrize("case", ["random", "underflow"])
def test_no_share_is_hedge(case):
    """alpha = 0 leaves exponential weights: the same draws pick the same experts as Hedge at the same eta.
    ``underflow``: expert 1 loses 400 rounds, then wins 1,200 at eta = 2; its weight falls to e^-800, below the
    doubles, and Hedge turns to it after 400 more rounds.  Kept as raw products, its weight froze at 0 and Fixed
    Share never played it (regret 800 against Hedge's 1)."""
    if case == "random":
        losses, eta = np.random.default_rng(2).random((300, 5)), 0.5
    else:
        losses, eta = np.vstack([np.tile([0.0, 1.0], (400, 1)), np.tile([1.0, 0.0], (1200, 1))]), 2.0
    env = environments.make("loss_matrix", losses=losses)
    runs = [olearn.run(learner, env, horizon=len(losses), seeds=range(4), backend="cpu", trace=True)
            for learner in (olearn.make("fixed_share", eta=eta, alpha=0.0), olearn.make("hedge", eta=eta))]
    np.testing.assert_array_equal(runs[0].actions, runs[1].actions)
    if case == "underflow":
        assert np.all(runs[0].actions[..., -400:] == 1)


def test_default_tuning_gives_corollary_5_1():
    """At alpha = m/(T-1) and eta = sqrt(8B/T) the bound is sqrt(T B / 2), B = (m+1) ln K + (T-1) H(alpha)."""
    k, horizon, m = 4, 2000, 3
    a = m / (horizon - 1)
    b = (m + 1) * math.log(k) + (horizon - 1) * (-a * math.log(a) - (1 - a) * math.log(1 - a))
    assert tracking.switching_regret_bound(k, horizon, m) == pytest.approx(math.sqrt(horizon * b / 2), rel=1e-12)
    assert tracking.switching_regret_bound(k, horizon, 0) == pytest.approx(math.sqrt(horizon * math.log(k) / 2), rel=1e-12)
    assert tracking.switching_regret_bound(k, horizon, 2, alpha=0.0) == math.inf  # no share: a switch has no prior mass
    row = olearn.make("fixed_share", switches=m).bind(k, 0, horizon)[0][0]
    assert row[1] == pytest.approx(math.sqrt(8 * b / horizon), rel=1e-12) and row[2] == a


def test_regret_against_the_switching_best_expert_is_under_the_bound():
    """The best expert moves every 500 rounds (3 switches in 2,000): Fixed Share tuned for 3 switches stays under
    Cesa-Bianchi and Lugosi's bound against that sequence (its dynamic pseudo-regret, averaged over seeds),
    while Hedge keeps following the first leader for hundreds of rounds after each switch and passes it."""
    horizon, seeds = 2000, range(100)
    env = environments.make("switching", n_arms=4, period=500, gap=0.2)
    bound = tracking.switching_regret_bound(4, horizon, 3)
    share = olearn.run(olearn.make("fixed_share", switches=3), env, horizon=horizon, seeds=seeds, backend="cpu")
    hedge = olearn.run(olearn.make("hedge"), env, horizon=horizon, seeds=seeds, backend="cpu")
    share_regret = share.final("dynamic_regret")[0]
    hedge_regret = hedge.final("dynamic_regret")[0]
    assert share_regret.mean() + 3 * share_regret.std() / 10 < bound
    assert hedge_regret.mean() > bound


@pytest.mark.parametrize("call, name", [
    (lambda: tracking.binary_entropy(-0.1), "p"),
    (lambda: tracking.binary_entropy(1.5), "p"),  # was a math domain error
    (lambda: tracking.binary_entropy(math.nan), "p"),
    (lambda: tracking.share_rate(-1, 100), "switches"),
    (lambda: tracking.share_rate(1.5, 100), "switches"),
    (lambda: tracking.share_rate(1, 0), "horizon"),
    (lambda: tracking.switching_regret_bound(0, 100, 1), "n_experts"),  # was a math domain error
    (lambda: tracking.switching_regret_bound(4, 0, 1), "horizon"),
    (lambda: tracking.switching_regret_bound(4, 100, True), "switches"),
    (lambda: tracking.switching_regret_bound(4, 100, 1, eta=-1.0), "eta"),
    (lambda: tracking.switching_regret_bound(4, 100, 1, eta=math.inf), "eta"),
    (lambda: tracking.switching_regret_bound(4, 100, 1, alpha=1.5), "alpha"),
    (lambda: tracking.switching_regret_bound(4, 100, 1, alpha=math.nan), "alpha"),
    (lambda: tracking.default_eta(4, 100, -2), "switches"),
    (lambda: tracking.default_eta(4, 100.0, 1), "horizon"),
])
def test_tunings_and_bound_refuse_bad_input_by_name(call, name):
    with pytest.raises(olearn.ParameterError) as err:
        call()
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    assert tracking.share_rate(3, 1) == 0.0 and tracking.binary_entropy(1.0) == 0.0


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_smallest_share_keeps_every_expert_alive(backend):
    """alpha = 5e-324 (the smallest double, inside [0, 1]) at eta = 2000: expert 1 loses 25 rounds, then wins 25.
    Every expert keeps at least alpha / K = 2.5e-324 of the weight, which one double cannot hold; computed exactly
    (mpmath) the mixture turns to expert 1 one round after the switch, with probability 1 - e^-1000 or more.
    Summed as raw products it was ln 0: a math domain error (python) or a weight frozen at 0 (cpu), never played."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 200
    k, horizon, eta, alpha = 2, 50, 2000.0, 5e-324
    losses = np.vstack([np.tile([0.0, 1.0], (25, 1)), np.tile([1.0, 0.0], (25, 1))])
    a = mpmath.mpf(alpha)
    w = [mpmath.mpf(1) / k] * k
    sure = []  # the expert the exact mixture plays with probability >= 1 - e^-500, or None
    for t in range(horizon):
        top = max(range(k), key=lambda j: w[j])
        sure.append(top if 1 - w[top] / sum(w) < mpmath.exp(-500) else None)
        v = [w[j] * mpmath.exp(-eta * losses[t, j]) for j in range(k)]
        w = [a / k + (1 - a) * v[j] / sum(v) for j in range(k)]
    assert sure[0] is None and sure[1:25] == [0] * 24 and sure[26:] == [1] * 24
    env = environments.make("loss_matrix", losses=losses)
    res = olearn.run(olearn.make("fixed_share", eta=eta, alpha=alpha), env, horizon=horizon, seeds=[0, 3],
                     backend=backend, trace=True)
    for i in range(2):
        played = res.actions[0, i]
        assert all(played[t] == sure[t] for t in range(horizon) if sure[t] is not None)
