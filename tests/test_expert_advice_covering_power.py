"""The geometric covering (olearn.learners.covering) and Exp4's advice (olearn.learners.expert_advice) against
their definitions, plain Python kernels only (no compilation).

Covering (Daniely, Gonen and Shalev-Shwartz 2015; Jun et al., AISTATS 2017): the copy started at round s has
lifetime L_s = g 2^v2(s), v2(s) the number of times 2 divides s, and unnormalised prior
pi_s = 1 / (s^2 (1 + floor(log2 s))).  It settles once per round from round s on, so when round t starts it has
seen n = t - s rounds and ``start_copy`` keeps it iff n <= L_s: the live start times at round t are exactly
{s <= t : t - s <= g 2^v2(s)}, in increasing order, and their count never exceeds ``capacity(g, T)`` for t <= T.
When all ``cap`` slots are taken by copies still alive, the oldest (slot 0) makes room and the others shift down.
v2 and floor(log2) are checked against Python's integer bit operations ((s & -s).bit_length() - 1 and
s.bit_length() - 1).

Coin betting (Jun et al., CBCE): bet w = z / n (1 + wz), 0 before the first round; ``settle`` clips the gradient
to [-1 if w > 0 else 0, 1], adds gt to z, gt w to wz and 1 to n, and returns the old n.  Meta weights
p_i = pi_i max(0, w_i) / sum_j pi_j max(0, w_j), or pi_i / sum_j pi_j when no bet is positive.  All values below
are worked by hand in the comments.

Exp4 (Lattimore and Szepesvari, ch. 18): expert n advises argmax_k W[n K + k] . x with x the context, also when
d = 1, and with all-negative scores (the argmax, not the first arm scoring above 0); a policy matrix with fewer
columns than the context dimension is refused by name; eta must be >= 0; the state is Lhat[N] | Q[N] | P[K].
"""
import math

import numpy as np
import pytest

import olearn
from olearn.learners import covering
from olearn.learners.expert_advice import advice, exp4_update

WIDTH = 6  # the covering's own slots: [t_i, z_i, wz_i, n_i, L_i, prior]


def _v2(s):
    return (s & -s).bit_length() - 1


def test_floor_log2_and_two_adic_valuation_match_integer_bit_operations():
    for s in range(1, 1100):
        assert covering.floor_log2(float(s)) == s.bit_length() - 1, s
        assert covering.two_adic_valuation(float(s)) == _v2(s), s


@pytest.mark.parametrize("g", [1, 2, 3])
def test_live_copies_are_exactly_the_geometric_covering(g):
    """Drive start_copy and settle round by round (cap large enough: nothing is evicted): after round t's start the
    live copies are the s <= t with t - s <= g 2^v2(s), oldest first, each with L = g 2^v2(s), its prior
    1 / (s^2 (1 + floor log2 s)), n = t - s rounds seen, and the new copy's z = wz = n = 0."""
    T = 70
    cap = covering.capacity(g, T)
    head = 3
    state = np.zeros(head + cap * WIDTH)
    covering.init_covering(state, None, 0)
    assert state[0] == 1.0 and state[1] == 0.0
    grads = np.random.default_rng(g).uniform(-0.6, 1.0, T)  # mostly positive: bets and wz become nonzero
    for t in range(1, T + 1):
        e = covering.start_copy(state, head, WIDTH, cap, g, float(t))
        want = [s for s in range(1, t + 1) if t - s <= g * 2 ** _v2(s)]
        live = int(state[1])
        assert live == len(want) <= cap, t
        assert e == head + (live - 1) * WIDTH
        np.testing.assert_array_equal(state[e + 1 : e + 4], 0.0, err_msg=f"new copy, round {t}")
        for i, s in enumerate(want):
            c = head + i * WIDTH
            assert state[c] == s and state[c + 3] == t - s and state[c + 4] == g * 2 ** _v2(s), (t, s)
            assert math.isclose(state[c + 5], 1.0 / (s * s * s.bit_length()), rel_tol=1e-15), (t, s)
        for i in range(live):
            assert covering.settle(state, head + i * WIDTH, grads[t - 1]) == t - want[i]
    assert state[head + 2] != 0.0  # some copy's wz moved, so a stale wz would have shown


@pytest.mark.parametrize("g", [1, 2, 3, 4, 5])
def test_capacity_bounds_the_copies_alive_at_once(g):
    for T in (1, 2, 7, 8, 100, 128):
        most = max(sum(1 for s in range(1, t + 1) if t - s <= g * 2 ** _v2(s)) for t in range(1, T + 1))
        assert most <= covering.capacity(g, T), (g, T, most)


def test_a_full_covering_evicts_its_oldest_copy():
    """cap = 3 slots holding copies of rounds 8, 9, 10 (g = 1: L = 8, 1, 2), all alive at round 11 (n = 3, 1, 0...
    set here as 3, 1, 1): the new copy of round 11 drops the copy of 8, the others shift down, the new one is last."""
    head, cap, g = 3, 3, 1
    state = np.zeros(head + cap * WIDTH)
    state[1] = 3
    for i, (s, n, L) in enumerate([(8, 3, 8), (9, 1, 1), (10, 1, 2)]):
        state[head + i * WIDTH : head + (i + 1) * WIDTH] = [s, 0.25 * (i + 1), 0.5 * (i + 1), n, L, 1.0 / s]
    e = covering.start_copy(state, head, WIDTH, cap, g, 11.0)
    assert e == head + 2 * WIDTH and state[1] == 3
    np.testing.assert_array_equal(state[head : head + WIDTH], [9, 0.5, 1.0, 1, 1, 1.0 / 9])
    np.testing.assert_array_equal(state[head + WIDTH : head + 2 * WIDTH], [10, 0.75, 1.5, 1, 2, 1.0 / 10])
    # round 11: v2 = 0, L = 1; prior 1 / (121 (1 + 3))
    np.testing.assert_array_equal(state[e : e + 5], [11, 0, 0, 0, 1])
    assert math.isclose(state[e + 5], 1.0 / (121 * 4), rel_tol=1e-15)


def test_a_copy_past_its_lifetime_leaves_without_evicting_the_oldest():
    """Same full slots, but the copy of 9 has n = 2 > L = 1: it alone leaves, 8 and 10 stay in order."""
    head, cap = 3, 3
    state = np.zeros(head + cap * WIDTH)
    state[1] = 3
    for i, (s, n, L) in enumerate([(8, 3, 8), (9, 2, 1), (10, 1, 2)]):
        state[head + i * WIDTH : head + (i + 1) * WIDTH] = [s, 0, 0, n, L, 1.0 / s]
    e = covering.start_copy(state, head, WIDTH, cap, 1, 11.0)
    assert state[1] == 3 and [state[head + i * WIDTH] for i in range(3)] == [8, 10, 11] and e == head + 2 * WIDTH


def test_settle_clips_and_bets_by_hand():
    s = np.zeros(WIDTH)
    assert covering.bet(s, 0) == 0.0  # no round seen yet
    assert covering.settle(s, 0, 5.0) == 0  # w = 0: clip to [0, 1] -> gt = 1; z = 1, wz = 0, n = 1
    np.testing.assert_array_equal(s[1:4], [1.0, 0.0, 1.0])
    assert covering.bet(s, 0) == 1.0  # 1 / 1 (1 + 0)
    assert covering.settle(s, 0, -3.0) == 1  # w = 1 > 0: clip to [-1, 1] -> gt = -1; z = 0, wz = -1, n = 2
    np.testing.assert_array_equal(s[1:4], [0.0, -1.0, 2.0])
    assert covering.settle(s, 0, -0.5) == 2  # w = 0 / 2 (1 - 1) = 0: clip to [0, 1] -> gt = 0; n = 3
    np.testing.assert_array_equal(s[1:4], [0.0, -1.0, 3.0])
    assert covering.settle(s, 0, 0.75) == 3  # w = 0: gt = 0.75; z = 0.75, wz = -1 + 0.75 * 0, n = 4
    np.testing.assert_array_equal(s[1:4], [0.75, -1.0, 4.0])
    s[1:4] = [1.0, 0.5, 2.0]  # w = 1 / 2 (1 + 0.5) = 0.75
    assert covering.bet(s, 0) == 0.75
    covering.settle(s, 0, 1.5)  # gt = 1 (upper clip), wz += 1 * 0.75
    np.testing.assert_array_equal(s[1:4], [2.0, 1.25, 3.0])
    s[1:4] = [1.0, 0.5, 2.0]
    covering.settle(s, 0, -0.4)  # w = 0.75 > 0: gt = -0.4 unclipped, wz += -0.4 * 0.75 = -0.3
    np.testing.assert_allclose(s[1:4], [0.6, 0.2, 3.0], rtol=1e-15)


def test_meta_weights_by_hand():
    """Three copies, priors 1, 2, 1 (norm 4), bets 0.75, -0.5, 0.25: p = (1 * 0.75, 0, 1 * 0.25) / 1.0; with every
    bet <= 0 the weights are the normalised priors (1, 2, 1) / 4; with a single positive bet, however small, that
    copy has weight 1."""
    head = 3
    state = np.zeros(head + 3 * WIDTH)
    state[1] = 3
    rows = [[1, 1.0, 0.5, 2.0, 9, 1.0],    # w = 1/2 (1.5) = 0.75
            [2, -1.0, 0.0, 2.0, 9, 2.0],   # w = -1/2 (1) = -0.5
            [3, 0.5, 0.0, 2.0, 9, 1.0]]    # w = 0.5/2 (1) = 0.25
    for i, r in enumerate(rows):
        state[head + i * WIDTH : head + (i + 1) * WIDTH] = r
    norm = covering.prior_sum(state, head, WIDTH)
    assert norm == 4.0
    total = covering.bet_sum(state, head, WIDTH, norm)
    assert math.isclose(total, (0.75 + 0.25) / 4, rel_tol=1e-15)
    p = [covering.weight(state, head + i * WIDTH, norm, total) for i in range(3)]
    np.testing.assert_allclose(p, [0.75, 0.0, 0.25], rtol=1e-15)
    for i in (0, 2):
        state[head + i * WIDTH + 1] = -state[head + i * WIDTH + 1]  # every bet now <= 0
    total = covering.bet_sum(state, head, WIDTH, norm)
    assert total == 0.0
    p = [covering.weight(state, head + i * WIDTH, norm, total) for i in range(3)]
    np.testing.assert_allclose(p, [0.25, 0.5, 0.25], rtol=1e-15)
    state[head + 1] = 2e-6  # one tiny positive bet w = 1e-6 (total 2.5e-7): it takes all the weight
    total = covering.bet_sum(state, head, WIDTH, norm)
    p = [covering.weight(state, head + i * WIDTH, norm, total) for i in range(3)]
    np.testing.assert_allclose(p, [1.0, 0.0, 0.0], rtol=1e-12)


def test_covering_params_carry_g_and_refuse_g_or_max_rounds_below_one():
    g, rounds = covering.covering_params(5)
    assert (g.name, g.default, g.low, rounds.name, rounds.default, rounds.low) == ("g", 5, 1, "max_rounds", 100_000, 1)
    for name in ("g", "max_rounds"):  # both are integers >= 1, in the registry's make too
        with pytest.raises(olearn.ParameterError) as err:
            olearn.make("strongly_adaptive_hedge", **{name: 0})
        assert err.value.name == name


def _row(policies, k, d):
    return olearn.make("exp4", policies=policies).bind(k, d, 50)[0][0]


def test_exp4_advice_reads_a_one_dimensional_context():
    """d = 1, K = 2: expert 0 scores (x, -x), so advises arm 0 for x > 0 and arm 1 for x < 0; expert 1 the reverse."""
    row = _row([[1.0], [-1.0], [-1.0], [1.0]], 2, 1)
    assert [advice(row, np.array([0.7]), n) for n in range(2)] == [0, 1]
    assert [advice(row, np.array([-0.7]), n) for n in range(2)] == [1, 0]


def test_exp4_advice_is_the_argmax_when_every_score_is_negative():
    """Scores (-3, -1, -2) for x = 1 (d = 0): argmax is arm 1, not arm 0."""
    row = _row([[-3.0], [-1.0], [-2.0]], 3, 0)
    assert advice(row, np.zeros(1), 0) == 1


def test_exp4_advice_ties_at_minus_infinity_go_to_the_lowest_arm():
    """Scores -1e300 * 1e300 = -inf for both arms (d = 1): a tie, so the lowest index, arm 0."""
    row = _row([[-1e300], [-1e300]], 2, 1)
    with np.errstate(over="ignore"):
        assert advice(row, np.array([1e300]), 0) == 0


def test_exp4_update_credits_every_expert_that_advised_the_arm_at_the_recorded_probability():
    """Experts 0 and 2 advise arm 1, expert 1 arm 0 (d = 0): A = 1 recorded with P(A) = 0.25, loss 0.5:
    Lhat += 0.5 / 0.25 (1, 0, 1) = (2, 0, 2), whatever P the state holds now (under delays it is a later round's:
    here a stale P = (0.5, 0.5))."""
    w = [[0.0], [1.0], [1.0], [0.0], [0.0], [1.0]]
    row = _row(w, 2, 0)
    state = np.zeros(2 * 3 + 2)
    state[6:8] = 0.5
    exp4_update(state, row, np.zeros(1), np.array([1.0, 0.25]), np.array([0.5]), 0, 0)
    np.testing.assert_array_equal(state[:3], [2.0, 0.0, 2.0])


def test_exp4_default_eta_is_lattimore_szepesvari():
    """eta = sqrt(2 ln N / (T K)) (Theorem 18.1): N = 4 experts, K = 3 arms, T = 50 -> sqrt(2 ln 4 / 150); without
    policies N = K = 3 -> sqrt(2 ln 3 / 150)."""
    w = np.ones((12, 1))
    assert math.isclose(_row(w, 3, 0)[1], math.sqrt(2 * math.log(4) / 150), rel_tol=1e-15)
    assert math.isclose(olearn.make("exp4").bind(3, 0, 50)[0][0][1], math.sqrt(2 * math.log(3) / 150), rel_tol=1e-15)


def test_exp4_refuses_too_few_policy_columns_and_a_negative_eta():
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("exp4", policies=np.ones((6, 1))).bind(3, 2, 10)
    assert err.value.name == "policies" and "2 columns" in str(err.value)
    with pytest.raises(olearn.ParameterError) as err:
        olearn.make("exp4", eta=-0.1)
    assert err.value.name == "eta"


def test_exp4_state_is_lhat_q_and_p():
    """N = 4 experts, K = 3 arms: 2 N + K = 11 slots; after one act Q (slots 4..8) and P (8..11) each sum to 1 and
    P(k) = sum of Q over the experts advising k (all start equal: Q = 1/4, advice (1, 0, 0, 0) -> P = (3/4, 1/4, 0))."""
    w = [[0.0], [1.0], [0.0], [2.0], [2.0], [1.0], [-1.0], [-1.0], [-1.0], [0.5], [0.3], [0.5]]
    tuner = olearn.stepwise(olearn.make("exp4", policies=w, n_arms=3), seed=0, backend="python", horizon=20)
    tuner.act()
    assert tuner.state.shape[-1] == 11
    np.testing.assert_allclose(tuner.state[4:8], 0.25, rtol=1e-15)
    np.testing.assert_allclose(tuner.state[8:11], [0.75, 0.25, 0.0], rtol=1e-15)
