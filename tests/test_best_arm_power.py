"""Best-arm identification (olearn.learners.best_arm) against the papers' definitions, python backend, step by step.

* Successive rejects (Audibert, Bubeck and Munos 2010) and sequential halving (Karnin, Koren and Somekh 2013) are
  deterministic given the losses, so a slow reference written here from the papers' definitions (n_k =
  ceil((T - K) / (logbar(K) (K + 1 - k))), at least 0; t_r = floor(T / (|S_r| R)), R = ceil(log2 K); the lowest-index
  arm in play is pulled first; the arm of largest mean leaves, the highest index on ties; halving keeps the
  ceil(|S| / 2) best by this round's means, the lowest index on ties) must reproduce every play and the final
  recommendation, on loss tables in {0, 1/2, 1} (many ties), including budgets too small for a single play per
  phase (every n_k or t_r is 0: every phase completes at once, and only the tie rule decides).  Successive rejects
  recommends among the arms still in play: a rejected arm whose mean ends below the survivor's is not the answer.
* The tie rules and edge contracts written in the docstrings: empirical_best (lowest index, in-play arms only, the
  lowest-index arm in play when none is played), worst_in_play (highest index, 0 for an unplayed arm), sole_arm,
  LUCB's challenger l = argmin_{k != h} (lowest index), LUCB's and track-and-stop's recommendation frozen at the
  stop (a later drift of the empirical means does not move it), top-two's recommendation (posterior mean
  (1 + S) / (2 + S + F), lowest index on ties), top-two with one arm, its redraws independent of the leader's
  draw (with equal posteriors the leader is uniform and the challenger uniform over the others: every arm is played
  1/K of the time), its challenger when every redraw repeats the leader (the best other arm of the last draw); the
  open ends of the parameter ranges and which learners take delayed feedback, as the module documents them.
* Track-and-stop's Newton iterates are Newton's: x - h(x) / h'(x) with h' checked against a central finite
  difference of h computed here (the Bernoulli kl and a bisection for z_a(y), not the module's), since a wrong slope
  can still converge inside the bracket, costing only steps; the limits g_a(z -> 1) = d(mu_1, mu_a) and kl(1/2, 1),
  kl(1/2, 0) finite (q clipped to [1e-12, 1 - 1e-12]); D-tracking's forced exploration N_a < sqrt(t) - K/2
  (strict), and the tracking argmax t w*_a - N_a at t = the plays so far (the lowest index on ties), with w* in
  closed form for Gaussian d (x_a = y / (c_a - y), c_a = Delta_a^2 / (2 sigma^2), sum_a x_a^2 = 1, Garivier and
  Kaufmann 2016, Theorem 5), uniform on a tie for the best; the stop at t plays once Z(t) > ln((ln t + 1) / delta),
  on a state whose Z lies between that threshold at t and at t + 1.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

import olearn
import reference
from olearn.learners import best_arm

LEVELS = np.array([0.0, 0.5, 1.0])


def _table(k, rows, seed):
    """losses[a, j] for the j-th play of arm a, in {0, 1/2, 1}, the arm's chance of 0 growing with a % 3."""
    rng = np.random.default_rng(seed)
    p = [[0.2, 0.3, 0.5], [0.4, 0.3, 0.3], [0.6, 0.2, 0.2]]
    return np.array([rng.choice(LEVELS, size=rows, p=p[a % 3]) for a in range(k)])


def _drive(name, k, horizon, losses):
    tuner = olearn.stepwise(olearn.make(name, n_arms=k), seed=0, backend="python", horizon=horizon)
    plays, actions = np.zeros(k, int), []
    for _ in range(horizon):
        a = tuner.act()
        actions.append(a)
        tuner.update(a, float(losses[a, plays[a]]))
        plays[a] += 1
    return actions, tuner.recommend()


def _rejects_reference(k, horizon, losses):
    """Audibert et al.'s successive rejects, played in order: the plays and the arm it keeps."""
    logbar = Fraction(1, 2) + sum(Fraction(1, i) for i in range(2, k + 1))
    n = [max(0, math.ceil(Fraction(horizon - k) / (logbar * (k + 1 - j)))) for j in range(1, k)]
    active, count, total, actions = list(range(k)), [0] * k, [0.0] * k, []

    def play(a):
        total[a] += losses[a, count[a]]
        count[a] += 1
        actions.append(a)

    for target in n:
        for a in list(active):
            while count[a] < target and len(actions) < horizon:
                play(a)
        if len(active) == 2 and len(actions) == horizon:
            break  # the last rejection would be at the next play: the recommendation makes it
        mean = {a: total[a] / count[a] if count[a] else 0.0 for a in active}
        active.remove(max(active, key=lambda a: (mean[a], a)))
    while len(actions) < horizon:
        play(active[0] if len(active) == 1 else None)
    mean = {a: total[a] / count[a] if count[a] else 0.0 for a in active}
    return actions, min(active, key=lambda a: (mean[a], a))


def _halving_reference(k, horizon, losses):
    """Karnin et al.'s sequential halving: the plays and the arm it recommends at the end of the budget."""
    rounds = math.ceil(math.log2(k)) if k > 1 else 0
    active, count, actions = list(range(k)), [0] * k, []
    for r in range(rounds):
        t_r = horizon // (len(active) * rounds)
        got, total = {a: 0 for a in active}, {a: 0.0 for a in active}
        for a in list(active):
            while got[a] < t_r:
                total[a] += losses[a, count[a]]
                count[a] += 1
                got[a] += 1
                actions.append(a)
        mean = {a: total[a] / got[a] if got[a] else 0.0 for a in active}
        keep = sorted(active, key=lambda a: (mean[a], a))[: math.ceil(len(active) / 2)]
        if len(actions) == horizon and r == rounds - 1:
            return actions, keep[0]  # no play after the last round: its halving is the recommendation's
        active = sorted(keep)
    (survivor,) = active
    actions += [survivor] * (horizon - len(actions))
    return actions, survivor


@pytest.mark.parametrize("k, horizon", [(2, 10), (3, 40), (5, 60), (6, 37), (4, 3), (7, 5)])
def test_successive_rejects_plays_and_keeps_as_the_paper(k, horizon):
    for seed in range(4):
        losses = _table(k, horizon + 1, seed)
        actions, (arm, stop) = _drive("successive_rejects", k, horizon, losses)
        expected, survivor = _rejects_reference(k, horizon, losses)
        assert actions == expected, (k, horizon, seed)
        assert arm == survivor and stop is None, (k, horizon, seed)


def test_successive_rejects_recommends_the_survivor_not_a_rejected_arm():
    """K = 2, T = 10: n_1 = ceil(8 / (1 * 2)) = 4.  Arm 0 loses 0.5 four times, arm 1 0.4: arm 0 leaves; arm 1 takes
    the 2 plays left at loss 1, mean (1.6 + 2) / 6 = 0.6 > 0.5, but it is the only arm in play: the answer."""
    assert best_arm.rejects_schedule(2, 10) == [4]
    tuner = olearn.stepwise(olearn.make("successive_rejects", n_arms=2), seed=0, backend="python", horizon=10)
    plays = []
    for _ in range(10):
        a = tuner.act()
        plays.append(a)
        tuner.update(a, 0.5 if a == 0 else (0.4 if plays.count(1) <= 4 else 1.0))
    assert plays == [0] * 4 + [1] * 6
    assert tuner.recommend() == (1, None)


def test_rejects_schedule_and_logbar_hand_values():
    """logbar(1) = 1/2, logbar(3) = 1/2 + 1/2 + 1/3 = 4/3; K = 3, T = 20: n_1 = ceil(17 / 4) = 5, n_2 = ceil(17 / (8/3))
    = 7; K - 1 entries, never negative (T = 3 < K = 5: four zeros)."""
    assert best_arm.logbar(1) == Fraction(1, 2) and best_arm.logbar(3) == Fraction(4, 3)
    assert best_arm.rejects_schedule(3, 20) == [5, 7]
    assert best_arm.rejects_schedule(5, 3) == [0, 0, 0, 0]
    # K = 10, T = 1: the last n = ceil(-9 / (2 logbar(10))) = ceil(-1.85) = -1 without the floor at 0
    assert best_arm.rejects_schedule(10, 1) == [0] * 9
    assert best_arm.rejects_schedule(1, 7) == []


@pytest.mark.parametrize("k, horizon", [(2, 10), (4, 16), (5, 60), (6, 50), (8, 20), (4, 3), (3, 29)])
def test_sequential_halving_plays_and_recommends_as_the_paper(k, horizon):
    for seed in range(4):
        losses = _table(k, horizon + 1, seed + 10)
        actions, (arm, stop) = _drive("sequential_halving", k, horizon, losses)
        expected, answer = _halving_reference(k, horizon, losses)
        assert actions == expected, (k, horizon, seed)
        assert arm == answer and stop is None, (k, horizon, seed)


@pytest.mark.parametrize("horizon", [16, 17])
def test_sequential_halving_ranks_by_this_rounds_means(horizon):
    """K = 4: rounds of 2 plays (4 arms) and 4 plays (2 arms); arms 2 and 3 lose 1 and leave.  Arm 0 loses (0, 0) then
    (1, 1, 1, 0): this round's mean 3/4, overall 3/6; arm 1 loses (0.5, 0.5) then 0.6 four times: this round 0.6,
    overall 3.4/6 ~ 0.567.  By this round's means arm 1 goes on (T = 17: the play left is arm 1's) or, at T = 16
    where the rounds use the budget exactly, is the recommendation; overall means would keep arm 0, and last-round
    sums not reset at the round's start (3 / 4 against 3.4 / 4) too."""
    losses = np.array([[0, 0, 1, 1, 1, 0, 0], [0.5, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6], [1] * 7, [1] * 7], float)
    assert best_arm.halving_schedule(4, horizon) == [2, 4]
    actions, (arm, _) = _drive("sequential_halving", 4, horizon, losses)
    assert actions[:16] == [0, 0, 1, 1, 2, 2, 3, 3] + [0] * 4 + [1] * 4
    assert actions[16:] == [1] * (horizon - 16)
    assert arm == 1


@pytest.mark.parametrize("name", ["successive_rejects", "sequential_halving"])
def test_fixed_budget_learners_with_one_arm_play_it(name):
    """K = 1: no phase (K - 1 = 0) and no round (ceil(log2 1) = 0): every play and the answer are arm 0."""
    actions, (arm, stop) = _drive(name, 1, 12, np.full((1, 13), 0.4))
    assert actions == [0] * 12 and arm == 0 and stop is None


def test_halving_schedule_hand_values():
    """K = 8, T = 20: R = 3, t = [20 // 24, 20 // 12, 20 // 6] = [0, 1, 3]; K = 4 (a power of two): R = 2; K = 5: R = 3
    and |S| = 5, 3, 2."""
    assert best_arm.halving_schedule(8, 20) == [0, 1, 3]
    assert best_arm.halving_schedule(4, 16) == [2, 4]
    assert best_arm.halving_schedule(5, 60) == [4, 6, 10]
    assert best_arm.halving_schedule(1, 9) == []


def test_empirical_best_worst_in_play_and_sole_arm_tie_and_edge_rules():
    k = 4
    # N, L, flags: means 0.5, 0.25, (unplayed), 0.25
    state = np.array([2, 2, 0, 2, 1.0, 0.5, 0, 0.5, 1, 1, 1, 1], float)
    assert best_arm.empirical_best(state, k, -1) == 1  # lowest index of the tie 1, 3
    state[2 * k + 1] = 0.0
    assert best_arm.empirical_best(state, k, 2 * k) == 3  # arm 1 is out of play
    unplayed = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1], float)
    assert best_arm.empirical_best(unplayed, k, 2 * k) == 2  # none played: the lowest-index arm in play
    # worst_in_play: the highest index on ties; an unplayed arm in play counts as mean 0
    state = np.array([2, 2, 0, 2, 1.0, 0.6, 0, 1.0, 1, 1, 1, 1], float)
    assert best_arm.worst_in_play(state, k, 2 * k, k, 0) == 3  # 0.5 vs 0.3 vs 0 vs 0.5
    state = np.array([2, 2, 0, 0, 0.6, 0.2, 0, 0, 1, 1, 1, 0], float)
    assert best_arm.worst_in_play(state, k, 2 * k, k, 0) == 0  # 0.3 > 0.1 > 0 (arm 2 unplayed)
    flags = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], float)
    assert best_arm.sole_arm(flags, k, 2 * k) == 2


def _lucb(k, delta=0.3):
    return olearn.stepwise(olearn.make("lucb", n_arms=k, delta=delta), seed=0, backend="python")


def test_lucb_challenger_is_the_lowest_index_on_ties():
    """N = (2, 2, 2), L = (0.5, 1, 1): h = 0; arms 1 and 2 have the same mu^ - c: l = 1 (the lowest index).  beta(6) =
    ln(5 * 3 * 6^4 / 1.2) > 9, so c > 1.5 and the intervals overlap: no stop; it plays h, then l."""
    tuner = _lucb(3)
    tuner.state[:6] = [2, 2, 2, 0.5, 1.0, 1.0]
    tuner.state[6 + 4] = 6.0
    assert math.log(5 * 3 * 6**4 / (4 * 0.3)) > 9
    a = tuner.act()
    assert a == 0
    tuner.update(a, 0.0)
    assert tuner.act() == 1
    assert tuner.recommend()[1] is None


@pytest.mark.parametrize("make, rounds", [(lambda: _lucb(2), 400), (lambda: olearn.stepwise(
    olearn.make("track_and_stop", n_arms=2, delta=0.3), seed=0, backend="python"), 300)], ids=["lucb", "track_and_stop"])
def test_recommendation_is_frozen_at_its_stop(make, rounds):
    """Arm 0 loses 0.9, arm 1 loses 0: LUCB and track-and-stop stop with arm 1.  If arm 1 then loses 1 on 10 N_1 more
    plays its mean passes 0.9, but the answer and the stopping time stay those of the stop."""
    tuner = make()
    for _ in range(rounds):
        a = tuner.act()
        tuner.update(a, 0.9 if a == 0 else 0.0)
    arm, stop = tuner.recommend()
    assert arm == 1 and stop is not None and stop < rounds
    for _ in range(10 * int(tuner.state[1])):
        a = tuner.act()
        assert a == 1
        tuner.update(a, 1.0)
    assert tuner.state[3] / tuner.state[1] > 0.9  # arm 1 now has the larger mean loss
    assert tuner.recommend() == (1, stop)


def test_top_two_recommends_the_best_posterior_mean_lowest_index_on_ties():
    """(1 + S) / (2 + S + F): arm 0 (S, F) = (1, 0) has 2/3, arm 1 (4, 1) has 5/7 > 2/3: arm 1 (with prior 1/2 instead
    of 1 both are 3/4); with no data every mean is 1/2: arm 0."""
    out = np.zeros(2)
    best_arm.top_two_recommend(np.array([1.0, 4.0, 0.0, 1.0]), np.array([2.0, 0.5]), out)
    assert out[0] == 1
    best_arm.top_two_recommend(np.zeros(6), np.array([3.0, 0.5]), out)
    assert out[0] == 0


def test_top_two_with_one_arm_plays_it():
    tuner = olearn.stepwise(olearn.make("top_two_thompson", n_arms=1, beta=0.1), seed=0, backend="python")
    for _ in range(40):
        a = tuner.act()
        assert a == 0
        tuner.update(a, 0.3)


def test_top_two_challenger_when_every_redraw_repeats_the_leader():
    """Posteriors Beta(1 + 10^6, 1) and Beta(1, 1 + 10^6): every draw's argmax is arm 0, so the challenger is the best
    arm other than the leader in the last draw, arm 1.  With beta = 0.01 the coin asks for the challenger on ~99% of
    the 60 rounds: arm 1 must be played on most of them."""
    tuner = olearn.stepwise(olearn.make("top_two_thompson", n_arms=2, beta=0.01), seed=0, backend="python")
    tuner.state[:] = [1e6, 0.0, 0.0, 1e6]
    played = []
    for _ in range(60):
        played.append(tuner.act())
        tuner.update(played[-1], 0.0)  # one play more on a million: the posterior stays as concentrated
    assert played.count(1) >= 55, played


def test_top_two_redraws_are_fresh_draws():
    """With no data every posterior is Beta(1, 1): the leader is uniform, and a redraw independent of the leader's draw
    makes the challenger uniform over the other arms, so with beta = 0.01 each of K = 3 arms is played 1/3 of the time
    (600 rounds: within 0.06, 3.1 standard errors).  Redraws that reuse the leader's uniforms (draw j of arm k at index
    j + k instead of j K + k) make one arm challenge only ~1/4 of the time."""
    k, rounds = 3, 600
    state, params, action = np.zeros(2 * k), np.array([k, 0.01]), np.zeros(1)
    counts = np.zeros(k)
    for t in range(rounds):
        best_arm.top_two_act(state, params, None, t, 0, action)
        counts[int(action[0])] += 1
    assert np.abs(counts / rounds - 1 / 3).max() < 0.06, counts


@pytest.mark.parametrize("name, param, value", [("lucb", "delta", 1.0), ("lucb", "delta", 0.0),
                                                 ("track_and_stop", "delta", 1.0), ("track_and_stop", "sigma", 0.0),
                                                 ("top_two_thompson", "beta", 0.0), ("top_two_thompson", "beta", 1.0)])
def test_open_ends_of_the_documented_ranges_are_refused(name, param, value):
    """delta in (0, 1) (a confidence: delta = 1 promises nothing and ln(1 / delta) = 0), sigma > 0 (d divides by
    sigma^2), beta in (0, 1) (beta = 0 never plays the leader, 1 never a challenger)."""
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make(name, **{param: value})
    assert err.value.name == param


def test_only_top_two_takes_delayed_feedback():
    """The plan-changing learners read the plays so far in act (phases, the pending arm, the stop): not delayable;
    top-two Thompson sampling's act reads only the posterior counts: delayable (the module docstring)."""
    for spec in (best_arm.SUCCESSIVE_REJECTS, best_arm.SEQUENTIAL_HALVING, best_arm.LUCB, best_arm.TRACK_AND_STOP):
        assert spec.delayable is False, spec.name
    assert best_arm.TOP_TWO_THOMPSON.delayable is True


# ---------------------------------------------------------------- track-and-stop


def _kl(p, q):
    """Bernoulli kl with p and q clipped to [1e-12, 1 - 1e-12], as the module's divergence clips them."""
    return reference.bernoulli_kl(min(max(p, 1e-12), 1 - 1e-12), min(max(q, 1e-12), 1 - 1e-12))


def _g(z, best, other):
    m = best + z * (other - best)
    return _kl(best, m) + z / (1 - z) * _kl(other, m)


def _z_of(y, best, other):
    """z_a(y) by bisection of the increasing g(z / (1 - z)) = y on (0, 1)."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _g(mid, best, other) < y else (lo, mid)
    return 0.5 * (lo + hi)


def _ratio_sum(y, mu, best):
    total = 0.0
    for a, other in enumerate(mu):
        if a != best:
            z = _z_of(y, mu[best], other)
            m = mu[best] + z * (other - mu[best])
            total += _kl(mu[best], m) / _kl(other, m)
    return total


def test_track_and_stop_limits_of_the_divergence_and_of_g():
    """g_a(x) -> d(mu_1, mu_a) as x -> inf (z = 1); kl(1/2, 1) is taken at q = 1 - 1e-12, finite."""
    assert best_arm.pair_cost(1.0, 0.7, 0.4, 0.0, 0.5) == pytest.approx(_kl(0.7, 0.4), rel=1e-12)
    assert best_arm.pair_cost(1.0, 0.7, 0.4, 1.0, 0.5) == pytest.approx(0.09 / 0.5, rel=1e-12)
    # _kl clips as the docstring says, in floating point: 1 - (1 - 1e-12) is 1.00009e-12, not 1e-12
    assert best_arm.clipped_bernoulli_kl(0.5, 1.0) == pytest.approx(_kl(0.5, 1.0), rel=1e-12)
    assert best_arm.clipped_bernoulli_kl(0.5, 0.0) == pytest.approx(_kl(0.5, 0.0), rel=1e-12)
    assert 13 < _kl(0.5, 0.0) < 13.2  # ln(0.5 / 1e-12) / 2 + ln(0.5) / 2 ~ 13.12


@pytest.mark.parametrize("best, other", [(0.75, 0.45), (0.9, 0.2), (0.55, 0.5)])
def test_track_and_stop_share_step_is_newtons(best, other):
    """share_newton_step(z) = z - (g(z) - y) / g'(z), g'(z) by a central difference of g computed here; at z = 1,
    where g' = 0, the step is -inf (g(1) = d(mu_1, mu_a) > y: go down)."""
    top = _kl(best, other)
    for y in (0.2 * top, 0.6 * top):
        for z in (0.2, 0.5, 0.8):
            h = 1e-6
            slope = (_g(z + h, best, other) - _g(z - h, best, other)) / (2 * h)
            expected = z - (_g(z, best, other) - y) / slope
            got = best_arm.share_newton_step(z, y, best, other, 0.0, 0.5)
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-9)
        assert best_arm.share_newton_step(1.0, y, best, other, 0.0, 0.5) == -math.inf


def _tas_state(mu, counts=None):
    k = len(mu)
    state = np.zeros(3 * k + 5)
    state[:k] = 1.0 if counts is None else counts
    state[k : 2 * k] = (1.0 - np.asarray(mu, float)) * state[:k]
    return state


@pytest.mark.parametrize("mu", [[0.75, 0.45, 0.35], [0.3, 0.8, 0.6, 0.5]])
def test_track_and_stop_level_step_is_newtons(mu):
    """level_newton_step(y) = y - (F(y) - 1) / F'(y), F(y) = sum_a d(mu_1, m_a) / d(mu_a, m_a) at z_a(y) (bisection
    here), F' by a central difference; at y = 0, F = 0 < 1 and F' = 0: the step is +inf (go up)."""
    state, best = _tas_state(mu), int(np.argmax(mu))
    hi = min(_kl(mu[best], m) for a, m in enumerate(mu) if a != best)
    for y in (0.3 * hi, 0.5 * hi, 0.7 * hi):
        h = 1e-6 * hi
        slope = (_ratio_sum(y + h, mu, best) - _ratio_sum(y - h, mu, best)) / (2 * h)
        expected = y - (_ratio_sum(y, mu, best) - 1) / slope
        got = best_arm.level_newton_step(y, state, len(mu), best, 0.0, 0.5)
        assert got == pytest.approx(expected, rel=1e-5), (y, got, expected)
    assert best_arm.level_newton_step(0.0, state, len(mu), best, 0.0, 0.5) == math.inf


def test_track_and_stop_forced_exploration_is_strict():
    """least_played_below: N_a < level, strictly, the least played, the lowest index on ties."""
    assert best_arm.least_played_below(np.array([2.0, 5.0, 7.0]), 3, 2.0) == -1
    assert best_arm.least_played_below(np.array([3.0, 1.0, 1.0]), 3, 2.0) == 1
    assert best_arm.least_played_below(np.array([3.0, 4.0, 5.0]), 3, 4.5) == 0


def _tas(k, sigma=0.5, delta=0.05):
    return olearn.stepwise(olearn.make("track_and_stop", n_arms=k, delta=delta, divergence="gaussian", sigma=sigma),
                           seed=0, backend="python")


def _gaussian_weights(mu, sigma):
    """Closed form of w*(mu) for d = (x - y)^2 / (2 sigma^2): x_a = y / (c_a - y), sum_a x_a^2 = 1 (bisection on y)."""
    mu = np.asarray(mu, float)
    best = int(np.argmax(mu))
    c = np.delete((mu[best] - mu) ** 2 / (2 * sigma**2), best)
    lo, hi = 0.0, c.min()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.sum((mid / (c - mid)) ** 2) < 1 else (lo, mid)
    x = np.insert(lo / (c - lo), best, 1.0)
    return x / x.sum()


def _glr_gaussian(state, k, sigma):
    n, mu = state[:k], 1 - state[k : 2 * k] / state[:k]
    b = int(np.argmin(state[k : 2 * k] / n))
    return min(n[b] * (mu[b] - m) ** 2 / (2 * sigma**2) + n[a] * (mu[a] - m) ** 2 / (2 * sigma**2)
               for a in range(k) if a != b for m in [(n[b] * mu[b] + n[a] * mu[a]) / (n[b] + n[a])])


def test_track_and_stop_tracks_t_w_minus_n_after_forced_exploration():
    """Gaussian d, sigma = 0.5, mu^ = (0.5, 0.55, 0.6) (no stop: Z below ln((ln t + 1) / delta), checked here).
    After t = 25 plays, N = (4, 6, 15): no arm is below sqrt(25) - 3/2 = 3.5, so D-tracking plays argmax 25 w*_a - N_a
    with the closed-form w*, which is not arm 0 (4 < sqrt(25) would force it)."""
    k, t, sigma = 3, 25, 0.5
    mu, counts = [0.5, 0.55, 0.6], np.array([4.0, 6.0, 15.0])
    tuner = _tas(k, sigma)
    tuner.state[:] = _tas_state(mu, counts)
    tuner.state[2 * k + 4] = t
    assert _glr_gaussian(tuner.state, k, sigma) < math.log((math.log(t) + 1) / 0.05)
    w = _gaussian_weights(mu, sigma)
    expected = int(np.argmax(t * w - counts))
    assert expected != 0
    assert tuner.act() == expected


def test_track_and_stop_tracks_at_t_the_plays_so_far():
    """argmax_a t w*_a - N_a at t = the plays so far, not t + 1.  Gaussian d, sigma = 0.5, mu^ = (0.45, 0.5, 0.6), N =
    (5, 18, 19), t = 42 (found by a search over N for a state where the two differ): w* ~ (0.124, 0.429, 0.447) from
    the closed form here, t w* - N ~ (0.22, 0.02, 0.76 - 1) favours arm 0, (t + 1) w* - N arm 1; arm 0's 5 plays are
    not below sqrt(42) - 3/2 ~ 4.98, and Z ~ 0.18 is far below the threshold ln((ln 42 + 1) / 0.05) ~ 4.5."""
    k, sigma, t = 3, 0.5, 42.0
    mu, counts = [0.45, 0.5, 0.6], np.array([5.0, 18.0, 19.0])
    w = _gaussian_weights(mu, sigma)
    expected = int(np.argmax(t * w - counts))
    assert expected != int(np.argmax((t + 1) * w - counts))
    assert counts.min() >= math.sqrt(t) - k / 2
    state = _tas_state(mu, counts)
    assert _glr_gaussian(state, k, sigma) < math.log((math.log(t) + 1) / 0.05)
    tuner = _tas(k, sigma)
    tuner.state[:] = state
    tuner.state[2 * k + 4] = t
    assert tuner.act() == expected


def test_track_and_stop_ties_for_the_best_track_uniformly_from_the_lowest_index():
    """mu^ = (0.6, 0.6, 0.2) with N = (5, 5, 5): a tie for the best, so w* is uniform and Z = 0 (no stop); at t = 15 no
    arm is below sqrt(15) - 3/2, and t / 3 - N_a = 0 for every arm: the lowest index, arm 0."""
    for family in ("bernoulli", "gaussian"):
        tuner = olearn.stepwise(olearn.make("track_and_stop", n_arms=3, divergence=family), seed=0, backend="python")
        tuner.state[:] = _tas_state([0.6, 0.6, 0.2], np.array([5.0, 5.0, 5.0]))
        tuner.state[6 + 4] = 15.0
        assert tuner.act() == 0
        assert tuner.recommend()[1] is None


def test_track_and_stop_threshold_is_at_the_plays_so_far():
    """Stop at t plays as soon as Z(t) > ln((ln t + 1) / delta), t the plays so far.  Gaussian d, sigma = 0.5, two
    arms with N = (10, 10), t = 20: Z = N_1 N_2 / (N_1 + N_2) Delta^2 / (2 sigma^2) = 10 Delta^2; Delta = 0.6624 puts
    Z ~ 4.388 between ln((ln 20 + 1) / 0.05) ~ 4.381 and ln((ln 21 + 1) / 0.05) ~ 4.393: it stops now, recommending
    the better arm (index 1); a threshold read at t + 1 plays would not."""
    k, sigma, delta, t, gap = 2, 0.5, 0.05, 20.0, 0.6624
    state = _tas_state([0.2, 0.2 + gap], np.array([10.0, 10.0]))
    z = _glr_gaussian(state, k, sigma)
    assert z == pytest.approx(10 * gap**2, rel=1e-12)
    assert math.log((math.log(t) + 1) / delta) < z <= math.log((math.log(t + 1) + 1) / delta)
    tuner = _tas(k, sigma, delta)
    tuner.state[:] = state
    tuner.state[2 * k + 4] = t
    assert tuner.act() == 1
    assert tuner.recommend() == (1, 20)
