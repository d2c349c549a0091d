"""Feedback structures at their edges: follow the perturbed leader (olearn/learners/perturbed_leader.py), sleeping
arms (olearn/learners/sleeping.py) and feedback graphs (olearn/learners/graph_feedback.py), python backend only.

The round-by-round references of tests/test_perturbed_leader.py, test_sleeping.py and test_graph_feedback.py never
meet exact ties, underflowed weights, one arm, or the tunings' and bounds' boundaries.  Here, against definitions
and closed forms:

* ties: a perturbation of at most ~40 times inv_eta = 1e-300 (a Boltzmann-Gumbel scale of 1e-300) is absorbed by
  losses (means) of order 1, so the perturbed values equal the plain ones exactly and the documented rule decides:
  the lowest index among equal values leads (``leads``, the resampling test, must agree with ``perturbed_leader``);
  and U = 0 maps to a Gumbel draw of -inf, so that arm's perturbed loss L - Z / eta is +inf: it never leads;
* one arm: ln K = 0 would make the documented default rates 0, and a rate of 0 divides (ftpl's row stores 1 / eta,
  the specialists' mix loss divides by eta), so both learners run one arm with a positive rate and play it;
* EXP3 over specialists weights the played arm's loss by the probability recorded with the action, 1 / p_a;
* Hedge over specialists (Freund et al. 1997) normalises exp(-eta L_k) over the awake arms only: a lone awake arm
  has probability 1 whatever a sleeping arm's log-weight; its mix loss m = -(1/eta) ln sum_j p_j exp(-eta l_j)
  is a sum over the support of p, so with p = (1, 0) it is l_0 exactly, whatever the zero-weight arm lost;
* Exp3.G's accumulated sum_i p_i / P_i runs over the support of p: an arm whose probability underflowed to 0 adds 0
  (P_i >= p_i with the self-loop, and 0 / 0 is no term);
* graph quantities: alpha is exact up to EXACT_ALPHA_UP_TO = 32 arms inclusive (a star's K - 1 leaves), and a
  vertex is taken outright only at degree <= 1 (a degree-2 vertex can miss every largest independent set); the
  clique cover, the bound above 32 arms, takes the vertices by decreasing degree as documented; a
  dominating set counts each arm as observing itself even when the matrix given has no self-loops, and is
  returned sorted; Exp3.G's default gamma = min{(alpha T)^(-1/2), 1/2} is capped at 1/2 when alpha T < 4;
* the bounds' closed forms with every argument given (Neu and Bartok's Theorem 1, Kocak et al.'s Lemma 1 with its
  ceiling, the Exp3.G bound of the module docstring with gamma > 0), evaluated here by hand;
* the parameters' documented ranges (where tests/test_parameter_extremes.py finds no failing run): Boltzmann-Gumbel's
  scale C > 0, exp3_ix_graph's eta >= 0.
"""
import itertools
import math

import numpy as np
import pytest

import olearn
from olearn.core import rng
from olearn.learners import graph_feedback as gf
from olearn.learners import perturbed_leader as pl
from olearn.learners import sleeping as sl

# ---------------------------------------------------------------- follow the perturbed leader


def test_leads_is_the_perturbed_leader_with_ties_to_the_lowest_index():
    """With inv_eta = 1e-300 the Exp(1) draws (< 37) vanish against the losses: arm i leads iff it is the first
    minimum (numpy's argmin).  With inv_eta = 0.7 leads(arm) is true for exactly the argmin of L - Z * inv_eta, Z
    computed here from the same uniforms as -log1p(-U)."""
    for losses in ([5.0, 5.0, 5.0], [5.0, 3.0, 3.0], [4.0, 6.0, 2.0, 2.0, 2.0]):
        losses = np.array(losses)
        first = int(np.argmin(losses))
        for seed in range(4):
            for arm in range(losses.size):
                got = pl.leads(losses, losses.size, 1e-300, arm, seed, rng.LEARNER_UPDATE, seed, 3)
                assert got == (arm == first), (losses, seed, arm)
    gen = np.random.default_rng(5)
    for j in range(100):
        losses = 3.0 * gen.random(4)
        z = -np.log1p(-np.array([rng.uniform(j, rng.LEARNER_UPDATE, j, 8 + i) for i in range(4)]))
        leader = int(np.argmin(losses - 0.7 * z))
        for arm in range(4):
            assert pl.leads(losses, 4, 0.7, arm, j, rng.LEARNER_UPDATE, j, 8) == (arm == leader), (j, arm)


def test_a_zero_uniform_is_a_minus_infinite_gumbel_draw_and_never_leads():
    """U = 0 gives Z = -ln(-ln 0) = -inf (the docstring's rule), so L - Z / eta = +inf: that arm is not the leader
    even with the least loss.  rng.uniform is replaced by a stub that returns 0 for arm 0 and 1/2 otherwise."""

    class Stub:
        LEARNER = rng.LEARNER

        @staticmethod
        def uniform(seed, stream, t, i):
            return 0.0 if i == 0 else 0.5

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pl, "rng", Stub)
        assert pl.gumbel(0, rng.LEARNER, 0, 0) == -math.inf
        assert pl.perturbed_leader(np.array([0.0, 1.0, 1.0]), 3, 1.0, 0, 0, rng.LEARNER, 0, 0) == 1


def test_boltzmann_gumbel_breaks_exact_ties_to_the_lowest_index():
    """Scale C = 1e-300: mean + C Z / sqrt(n) equals the mean exactly, so the first best mean wins every round."""
    params, obs, action = np.array([3.0, 1e-300]), np.zeros(0), np.zeros(1)
    for sums, want in (([2.0, 2.0, 2.0], 0), ([1.0, 3.0, 3.0], 1)):
        state = np.array([4.0, 4.0, 4.0] + sums)  # four plays each, means sums / 4
        for t in range(10):
            pl.boltzmann_gumbel_act(state, params, obs, t, t + 1, action)
            assert action[0] == want, (sums, t, action[0])


def test_ftpl_with_one_expert_has_a_positive_finite_rate_and_plays_it():
    """ln 1 = 0 makes sqrt(8 ln K / T) zero, and the row stores 1 / eta: the rate for one expert must be > 0."""
    eta = pl.ftpl_eta("gumbel", 1, 100)
    assert 0.0 < eta < math.inf
    tuner = olearn.stepwise(olearn.make("ftpl", n_arms=1), seed=0, backend="python", horizon=20)
    for t in range(20):
        assert tuner.act() == 0
        tuner.update(0, [0.25])
    assert tuner.state[0] == pytest.approx(5.0)


def test_ftpl_gr_bound_uses_the_given_rate_and_resample_cap():
    """Neu and Bartok's Theorem 1 as quoted: (ln K + 1) / eta + 2 eta K T + K T / (e M); K = 4, T = 100, eta = 1/2,
    M = 3 gives 2 (ln 4 + 1) + 400 + 400 / (3 e)."""
    want = 2.0 * (math.log(4.0) + 1.0) + 400.0 + 400.0 / (3.0 * math.e)
    assert pl.ftpl_gr_regret_bound(4, 100, eta=0.5, max_resamples=3) == pytest.approx(want, rel=1e-12)
    # M alone: eta from the defaults, sqrt((ln K + 1) / (2 K T))
    eta = math.sqrt((math.log(4.0) + 1.0) / 800.0)
    want = (math.log(4.0) + 1.0) / eta + 800.0 * eta + 400.0 / math.e
    assert pl.ftpl_gr_regret_bound(4, 100, max_resamples=1) == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- sleeping arms


def test_sleeping_hedge_gives_a_lone_awake_arm_probability_one():
    """eta = 1000; round 0 both awake with losses (0, 1) leaves L_1 - L_0 = 1 (exp(-1000) underflows); round 1 only
    arm 1 is awake: p = (0, 1) exactly, the normalisation runs over the awake arms only."""
    tuner = olearn.stepwise(olearn.make("sleeping_hedge", n_arms=2, eta=1000.0), seed=0, backend="python", obs_dim=2)
    arm = tuner.act([1.0, 1.0])
    tuner.update(arm, [0.0, 1.0])
    assert tuner.state[1] - tuner.state[0] == pytest.approx(1.0)
    assert tuner.act([0.0, 1.0]) == 1
    np.testing.assert_array_equal(tuner.state[2:4], [0.0, 1.0])


def test_specialists_mix_loss_is_taken_over_the_support_of_p():
    """eta = 1000, both awake.  After losses (0, 1) arm 1's weight underflows: p = (1, 0).  Then losses (1, 0):
    m = -(1/eta) ln(1 * exp(-eta * 1) + 0) = 1, so L_0 += 1 - m = 0 and L_1 += 0 - m = -1, exactly; the zero-weight
    arm's smaller loss plays no part in m."""
    tuner = olearn.stepwise(olearn.make("sleeping_hedge", n_arms=2, eta=1000.0), seed=0, backend="python", obs_dim=2)
    arm = tuner.act([1.0, 1.0])
    tuner.update(arm, [0.0, 1.0])
    before = tuner.state[:2].copy()
    arm = tuner.act([1.0, 1.0])
    np.testing.assert_array_equal(tuner.state[2:4], [1.0, 0.0])
    tuner.update(arm, [1.0, 0.0])
    np.testing.assert_allclose(tuner.state[:2] - before, [0.0, -1.0], rtol=0, atol=1e-12)


def test_sleeping_hedge_runs_one_arm_at_its_default_rate():
    """sqrt(8 ln K / T) is 0 at K = 1 and the mix loss divides by eta: the default rate must stay positive."""
    learner = olearn.make("sleeping_hedge", n_arms=1)
    eta = learner.bind(1, 1, 50)[0][0][1]
    assert 0.0 < eta < math.inf
    tuner = olearn.stepwise(learner, seed=0, backend="python", horizon=50, obs_dim=1)
    for t in range(50):
        assert tuner.act([1.0]) == 0
        tuner.update(0, [0.3])
    assert np.all(np.isfinite(tuner.state)) and tuner.state[1] == 1.0


def test_sleeping_exp3_weights_by_the_probability_recorded_with_the_action():
    """The estimate is l_a / p_a with p_a the probability the arm was drawn with (action[1], kept so that delayed
    feedback is weighted right), not the probabilities a later act left in the state.  K = 3, all awake, L = 0:
    action (1, 1/4), loss 1/2 gives the estimate 2 for arm 1, 0 for the others; uniform weights give arm 1 a
    log-weight larger by exactly 2."""
    k = 3
    state = np.zeros(3 * k)
    state[k : 2 * k] = [0.1, 0.2, 0.7]  # left by some later act
    params, obs = np.array([k, 0.5, k]), np.ones(k)
    sl.sleeping_exp3_update(state, params, obs, np.array([1.0, 0.25]), np.array([0.5]), 0, 0)
    np.testing.assert_array_equal(state[2 * k :], [0.0, 2.0, 0.0])
    assert state[1] - state[0] == pytest.approx(2.0, abs=1e-12) and state[2] == state[0]


# ---------------------------------------------------------------- feedback graphs


def test_independence_number_is_exact_at_the_limit_of_32_arms():
    """A star on 32 arms (arm 0 sees every other): its 31 leaves are independent, alpha = 31, computed exactly."""
    star = np.zeros((32, 32))
    star[0, 1:] = 1.0
    assert gf.EXACT_ALPHA_UP_TO == 32
    assert gf.independence_number(gf.feedback_graph("test", star, 32)) == (31, True)


def edges_graph(k, edges):
    """A k-arm graph with one directed edge per pair given (independence takes edges in either direction)."""
    g = np.zeros((k, k))
    for i, j in edges:
        g[i, j] = 1.0
    return g


def test_independence_number_does_not_take_a_degree_two_vertex_outright():
    """Edges 0-3, 0-4, 1-2, 1-4, 1-5, 2-5, 3-5: every degree is 2 or 3.  {2, 3, 4} is independent (no edge among
    them), and no 4 arms are (the subsets are tried below), so alpha = 3.  Arm 0 has the least degree, 2, but
    taking it removes 3 and 4 and leaves the triangle {1, 2, 5}: only 2 in all.  Only a vertex of degree <= 1 may
    be taken outright."""
    edges = [(0, 3), (0, 4), (1, 2), (1, 4), (1, 5), (2, 5), (3, 5)]
    linked = {frozenset(e) for e in edges}
    independent = lambda s: all(frozenset((i, j)) not in linked for i in s for j in s if i < j)  # noqa: E731
    assert independent((2, 3, 4))
    assert not any(independent(s) for s in itertools.combinations(range(6), 4))
    assert gf.independence_number(gf.feedback_graph("test", edges_graph(6, edges), 6)) == (3, True)


def test_greedy_clique_cover_takes_vertices_by_decreasing_degree():
    """Edges 0-3, 0-5, 0-6, 1-4, 2-3, 2-4, 2-6, 5-6; degrees 3 (0, 2, 6), 2 (3, 4, 5), 1 (1).  In the documented
    order 0, 2, 6, 3, 4, 5, 1 (first clique adjacent in full, else a new one) the cover is {0, 6, 5}, {2, 3},
    {4, 1}: 3 cliques, alpha itself ({1, 3, 5} is independent).  By increasing degree it would be 4:
    {1, 4}, {3, 0}, {5, 6}, {2}."""
    g = edges_graph(7, [(0, 3), (0, 5), (0, 6), (1, 4), (2, 3), (2, 4), (2, 6), (5, 6)])
    assert gf.greedy_clique_cover(gf.feedback_graph("test", g, 7)) == 3


def test_dominating_set_counts_self_observation_and_is_sorted():
    """The cycle 0 -> 1 -> 2 -> 0 given without self-loops: each arm observes itself and its successor, so arm 0
    covers {0, 1} and arm 1 (or 2) covers 2: two arms, [0, 1] (ties to the lowest index).  Arm 3 sees {1, 2, 3},
    arm 0 only itself: greedy takes 3 first, then 0, and the set is returned sorted, [0, 3]."""
    cycle = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=bool)
    assert gf.greedy_dominating_set(cycle) == [0, 1]
    g = np.zeros((4, 4))
    g[3, 1:] = 1.0
    assert gf.greedy_dominating_set(gf.feedback_graph("test", g, 4)) == [0, 3]


def test_exp3_graph_spread_skips_arms_whose_probability_underflowed():
    """Exp3.G with gamma = 0, eta = 10^4, two arms, no side observations.  Round 0: p = (1/2, 1/2), sum p / P = 2,
    the played arm's estimate becomes 1 / (1/2) = 2 and its probability underflows to 0 (exp(-2 10^4)).  Round 1:
    p = 1 on the other arm, which adds 1; the underflowed arm adds nothing.  The accumulated sum is 3."""
    tuner = olearn.stepwise(olearn.make("exp3_graph", n_arms=2, eta=1e4, gamma=0.0), seed=0, backend="python", horizon=2)
    first = tuner.act()
    tuner.update(first, [1.0, 1.0])
    second = tuner.act()
    assert second == 1 - first
    assert tuner.state[2 + first] == 0.0 and tuner.state[2 + second] == 1.0
    tuner.update(second, [1.0, 1.0])
    assert tuner.state[4] == 3.0


def test_exp3_graph_default_gamma_is_capped_at_one_half():
    """gamma = min{(alpha T)^(-1/2), 1/2} and eta = 2 gamma: on the complete graph (alpha = 1) with T = 2,
    (1 * 2)^(-1/2) = 0.71 > 1/2, so gamma = 1/2 and eta = 1; with T = 16, gamma = 1/4 and eta = 1/2."""
    full = np.ones((3, 3))
    row = olearn.make("exp3_graph", graph=full).bind(3, 0, 2)[0][0]
    assert row[1:3].tolist() == [1.0, 0.5]
    row = olearn.make("exp3_graph", graph=full).bind(3, 0, 16)[0][0]
    assert row[1:3].tolist() == [0.5, 0.25]


def test_the_bounds_closed_forms_with_every_argument_given():
    """Kocak et al.'s Lemma 1 with K = 3, gamma = 0.4, alpha = 2: ceil(9 / 0.4) = 23, Q <= 4 ln(1 + 26 / 2) + 2, and
    Theorem 1: ln 3 / eta + (eta / 2 + gamma) T Q.  Exp3.G: gamma T + ln K / eta + eta / (2 (1 - gamma)) S, with S
    given, or S = T 2 (2 alpha ln(1 + (ceil(K^2 |U| / gamma) + K) / alpha) + 2): K = 3, |U| = 2, gamma = 1/4 gives
    K^2 |U| / gamma = 72 (exact in binary), so S = 2 T (4 ln(1 + 75 / 2) + 2)."""
    horizon, eta = 10, 0.3
    q = 4.0 * math.log(14.0) + 2.0
    assert gf.exp3_ix_graph_bound(horizon, 3, 2, eta, 0.4) == pytest.approx(math.log(3) / eta + (0.15 + 0.4) * 10 * q, rel=1e-12)
    assert gf.exp3_graph_bound(horizon, 3, 2, 2, eta, 0.25, 7.0) == pytest.approx(2.5 + math.log(3) / eta + eta / 1.5 * 7.0, rel=1e-12)
    s = 20.0 * (4.0 * math.log(38.5) + 2.0)
    assert gf.exp3_graph_bound(horizon, 3, 2, 2, eta, 0.25) == pytest.approx(2.5 + math.log(3) / eta + eta / 1.5 * s, rel=1e-12)


# ---------------------------------------------------------------- documented parameter ranges


@pytest.mark.parametrize("name, params, bad", [
    ("boltzmann_gumbel", {"scale": 0.0}, "scale"),  # C > 0, the rewards' sub-Gaussian sigma
    ("exp3_ix_graph", {"eta": -0.5}, "eta"),  # eta >= 0: a negative rate favours the arms that lost most
])
def test_parameters_outside_their_documented_ranges_are_refused(name, params, bad):
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make(name, **params)
    assert err.value.name == bad
