"""Every registered learner against its independent reference (tests/reference.py), round by round.

Both backends (python and cpu) must reproduce the reference trajectory exactly (actions and
losses) on small problems: random adversarial losses, exact ties, one arm, all-zero and all-one
losses (``loss_matrix``), and stochastic Bernoulli arms (distinct and equal means).
Solvers (KL-UCB's Newton index, Tsallis-INF's Newton normaliser) are compared with the
references' bisections to 1e-9.
"""
import math

import numpy as np
import pytest

import environments
import olearn
import reference
from olearn.learners import REGISTRY, bandits, experts, nonstationary

T = 60
SEEDS = [0, 7]

MATRICES = {
    "random": np.round(np.random.default_rng(3).random((T, 4)), 3),
    "binary": (np.random.default_rng(5).random((T, 3)) < [0.3, 0.5, 0.6]).astype(float),
    "ties": np.full((T, 4), 0.5),
    "zeros": np.zeros((T, 3)),
    "ones": np.ones((T, 3)),
    "one_arm": np.round(np.random.default_rng(4).random((T, 1)), 3),
}
BERNOULLI = {
    "bernoulli": [0.2, 0.5, 0.8, 0.5],
    "bernoulli_ties": [0.6, 0.6, 0.6],
    "bernoulli_one_arm": [0.5],
}
WORLDS = {**{k: ("loss_matrix", {"losses": m}) for k, m in MATRICES.items()},
          **{k: ("bernoulli", {"means": m}) for k, m in BERNOULLI.items()}}

CASES = {
    "ucb1": ("ucb1", {}),
    "ucb1_c0.5": ("ucb1", {"c": 0.5}),
    "kl_ucb": ("kl_ucb", {}),
    "discounted_ucb": ("discounted_ucb", {}),
    "discounted_ucb_gamma": ("discounted_ucb", {"gamma": 0.8, "xi": 0.3}),
    "discounted_thompson": ("discounted_thompson", {}),
    "discounted_thompson_gamma": ("discounted_thompson", {"gamma": 0.8}),
    "sliding_window_ucb": ("sliding_window_ucb", {}),
    "sliding_window_ucb_tau7": ("sliding_window_ucb", {"tau": 7, "xi": 0.3}),
    "exp3s": ("exp3s", {}),
    "exp3s_tuned": ("exp3s", {"gamma": 0.3, "alpha": 0.05}),
    "rexp3": ("rexp3", {}),
    "rexp3_batch7": ("rexp3", {"batch": 7, "gamma": 0.3, "variation": 2.0}),
    "m_ucb": ("m_ucb", {}),
    "m_ucb_small_window": ("m_ucb", {"window": 4, "threshold": 0.5, "gamma": 0.4}),
    "cusum_ucb": ("cusum_ucb", {"samples": 5}),
    "cusum_ucb_eager": ("cusum_ucb", {"samples": 2, "epsilon": 0.0, "threshold": 0.3, "alpha": 0.2, "xi": 0.5}),
    "pht_ucb": ("pht_ucb", {}),
    "pht_ucb_eager": ("pht_ucb", {"epsilon": 0.0, "threshold": 0.5, "alpha": 0.2, "xi": 0.5}),
    "glr_klucb": ("glr_klucb", {"capacity": T}),
    "glr_klucb_eager": ("glr_klucb", {"alpha": 0.3, "delta": 0.9, "test_every": 2, "split_every": 3, "capacity": T}),
    "kl_ucb_c3": ("kl_ucb", {"c": 3.0}),
    "kl_ucb_pp": ("kl_ucb_pp", {}),
    "imed": ("imed", {}),
    "ucb_v": ("ucb_v", {}),
    "ucb_v_tuned": ("ucb_v", {"zeta": 0.5, "c": 0.2, "scale": 2.0}),
    "ucb_tuned": ("ucb_tuned", {}),
    "successive_elimination": ("successive_elimination", {}),
    "bayes_ucb": ("bayes_ucb", {}),
    "bayes_ucb_c5": ("bayes_ucb", {"c": 5.0}),
    "epsilon_greedy": ("epsilon_greedy", {"epsilon": 0.2}),
    "epsilon_decay": ("epsilon_greedy", {"epsilon": 2.0, "decay": True}),
    "exp3": ("exp3", {}),
    "exp3_eta": ("exp3", {"eta": 0.7}),
    "exp3_ix": ("exp3_ix", {}),
    "exp3_ix_eta_gamma": ("exp3_ix", {"eta": 0.7, "gamma": 0.2}),
    "moss": ("moss", {}),
    "explore_then_commit": ("explore_then_commit", {}),
    "explore_then_commit_m3": ("explore_then_commit", {"m": 3}),
    "tsallis_inf": ("tsallis_inf", {}),
    "tsallis_shift_norm": ("tsallis_inf", {"shift": 0.25, "normalize": True}),
    "hedge": ("hedge", {}),
    "hedge_eta": ("hedge", {"eta": 2.0}),
    "adahedge": ("adahedge", {}),
    "thompson": ("thompson", {}),
    "gaussian_thompson": ("gaussian_thompson", {"sigma": 0.5}),
}


def test_every_bandit_and_expert_learner_has_a_reference_case():
    # learners of other modules are compared with their own references in their own test files
    covered = {t.name for t in bandits.LEARNERS + nonstationary.LEARNERS + experts.LEARNERS}
    assert {name for name, _ in CASES.values()} == covered, "a learner without a reference comparison"


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_reference(case, world):
    name, params = CASES[case]
    env = environments.make(WORLDS[world][0], **WORLDS[world][1])
    k = env.n_actions
    learner = olearn.make(name, **params)
    results = {b: olearn.run(learner, env, horizon=T, seeds=SEEDS, backend=b, trace=True) for b in ("python", "cpu")}
    for j, seed in enumerate(SEEDS):
        actions, losses = reference.reference_run(name, params, reference.env_loss(env, seed), k, T, seed)
        for backend, res in results.items():
            got = res.actions[0, j].astype(int)
            if not np.array_equal(got, actions):
                t = int(np.flatnonzero(got != actions)[0])
                pytest.fail(f"{case} on {world}, seed {seed}, {backend}: first difference at round {t}: "
                            f"olearn {got[t]} vs reference {actions[t]} (history {actions[:t].tolist()})")
            np.testing.assert_array_equal(res.losses[0, j], losses, err_msg=f"{case} on {world}, seed {seed}, {backend}")
            # the recorded cumulative loss agrees with the trace
            assert res.final("loss")[0, j] == pytest.approx(losses.sum(), abs=1e-9)


def test_ucb1_explores_in_index_order_then_breaks_ties_low():
    """Hand-derived: all arms equal -> 0, 1, 2, 3 then (equal indices) arm 0 again."""
    env = environments.make("loss_matrix", losses=MATRICES["ties"])
    res = olearn.run(olearn.make("ucb1"), env, horizon=T, seeds=1, backend="python", trace=True)
    # with identical losses the index of every arm is identical whenever the counts agree, so UCB1 round-robins
    assert res.actions[0, 0, :12].tolist() == [0, 1, 2, 3] * 3


def test_reference_fails_on_a_perturbed_learner():
    """The comparison can fail: a UCB1 with a different constant diverges from the c=2 reference."""
    env = environments.make("loss_matrix", losses=MATRICES["random"])
    res = olearn.run(olearn.make("ucb1", c=0.5), env, horizon=T, seeds=1, backend="python", trace=True)
    actions, _ = reference.ucb1(reference.env_loss(env, 0), 4, T, c=2.0)
    assert not np.array_equal(res.actions[0, 0], actions)


# ---------------------------------------------------------------- solvers against bisection


@pytest.mark.parametrize("p", np.linspace(0.0, 1.0, 21))
def test_kl_ucb_index_matches_bisection(p):
    from olearn.learners.bandits import kl_upper

    for bound in (1e-6, 1e-3, 0.05, 0.3, 1.0, 3.0, 40.0):
        got, want = kl_upper(p, bound), reference.kl_index(p, bound)
        assert abs(got - want) < 1e-9, (p, bound, got, want)
        assert p - 1e-12 <= got <= 1.0


def test_beta_tail_and_upper_quantile_match_scipy():
    """Bayes-UCB's incomplete beta (continued fraction) and its quantile (safeguarded Newton) against SciPy's,
    from one pseudo-count to a million and tail levels down to e^-30."""
    from scipy import special as sp
    from scipy import stats

    from olearn.core.special import beta_upper_quantile, log_beta_tail

    gen = np.random.default_rng(11)
    for _ in range(3000):
        a, b = 1.0 + gen.choice([0.0, 1.0, 10.0, 1e3, 1e6], 2) * gen.random(2)
        x = gen.random() ** gen.choice([1.0, 5.0, 20.0])
        want = sp.betainc(a, b, x)
        if want > 1e-250:
            got = math.exp(log_beta_tail(x, a, b))
            assert abs(got - want) <= 1e-8 * min(want, 1.0 - want) + 1e-15, (x, a, b, got, want)
        log_delta = -gen.choice([0.7, 5.0, 30.0]) * gen.random() - 1e-3
        got, want = beta_upper_quantile(log_delta, a, b), stats.beta.isf(math.exp(log_delta), a, b)
        assert abs(got - want) < 1e-9, (log_delta, a, b, got, want)
    assert beta_upper_quantile(0.0, 3.0, 2.0) == 0.0  # delta = 1: everything lies above 0


def test_beta_upper_gap_keeps_precision_where_the_quantile_rounds_to_one():
    """Beta(a, 1) has P(X > q) = 1 - q^a, so 1 - q = -expm1(log1p(-delta) / a) in closed form; at delta = e^-60
    that is about 1e-29, far below the spacing of doubles near 1, and Bayes-UCB compares arms by it."""
    from olearn.core.special import beta_upper_gap

    for log_delta in (-2.0, -20.0, -60.0, -300.0):
        for a in (1.0, 2.5, 1e3, 1e6):
            want = -math.expm1(math.log1p(-math.exp(log_delta)) / a)
            assert beta_upper_gap(log_delta, a, 1.0) == pytest.approx(want, rel=1e-11), (log_delta, a)


def test_tsallis_and_exponential_weights_match_references():
    from olearn.learners.bandits import exponential_weights, tsallis_weights

    gen = np.random.default_rng(0)
    for _ in range(300):
        k = int(gen.integers(1, 25))
        cum = gen.exponential(5.0, k) * gen.choice([0.0, 1.0, 100.0]) - gen.choice([0.0, 30.0])
        eta = float(gen.choice([0.01, 0.3, 2.0, 2.0 / math.sqrt(1000)]))
        probs = np.zeros(k)
        tsallis_weights(cum, eta, probs, k)
        np.testing.assert_allclose(probs, reference.tsallis_probs(cum, eta), rtol=0, atol=1e-9)
        exponential_weights(cum, eta, probs, k)
        np.testing.assert_allclose(probs, reference.exp_weights(cum, eta), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "name, params, make_ref",
    [
        ("exp3", {}, lambda k, s: reference.EXP3(k, T, None, s)),
        ("tsallis_inf", {}, lambda k, s: reference.TsallisINF(k, seed=s)),
        ("tsallis_inf", {"shift": 0.25, "normalize": True}, lambda k, s: reference.TsallisINF(k, 0.25, True, s)),
        ("hedge", {}, lambda k, s: reference.Hedge(k, T, None, s)),
    ],
)
def test_round_by_round_probabilities_match_reference(name, params, make_ref):
    """The learner's probability vector (state[K:2K] after act) equals the reference's to 1e-9 every round."""
    losses = MATRICES["random"]
    k = losses.shape[1]
    full = REGISTRY[name].feedback == "full"
    ref = make_ref(k, 3)
    tuner = olearn.stepwise(olearn.make(name, n_arms=k, **params), seed=3, backend="python", horizon=T)
    for t in range(T):
        a = tuner.act()
        ra, info = ref.act(t)
        np.testing.assert_allclose(tuner.state[k : 2 * k], ref.probs[-1], rtol=0, atol=1e-9, err_msg=f"round {t}")
        assert a == ra, f"round {t}"
        fb = losses[t] if full else losses[t, a]
        tuner.update(a, fb)
        ref.update(t, ra, info, fb)


def test_tsallis_normalisation_waits_for_a_positive_mean_shifted_loss():
    """Losses in [0, 1] with shift 1: the mean shifted loss is never positive, so normalize=True must
    play exactly as normalize=False (a scale pinned near 0 had made it greedy, with linear regret)."""
    env = environments.make("bernoulli", means=[0.3, 0.5, 0.7])
    runs = [olearn.run(olearn.make("tsallis_inf", shift=1.0, normalize=norm), env, horizon=2000, seeds=4,
                       backend="python", trace=True) for norm in (False, True)]
    np.testing.assert_array_equal(runs[0].actions, runs[1].actions)
    # and where the shifted mean is positive (shift 0.1 under means 0.3..0.7) normalising does change the play
    shifted = olearn.run(olearn.make("tsallis_inf", shift=0.1, normalize=True), env, horizon=2000, seeds=4,
                         backend="python", trace=True)
    assert not np.array_equal(shifted.actions, olearn.run(olearn.make("tsallis_inf", shift=0.1), env, horizon=2000,
                                                           seeds=4, backend="python", trace=True).actions)


def test_epsilon_greedy_without_decay_needs_a_probability():
    env = environments.make("bernoulli", means=[0.2, 0.5])
    with pytest.raises(olearn.ParameterError, match="'epsilon'.*probability in \\[0, 1\\]"):
        olearn.run(olearn.make("epsilon_greedy", epsilon=1.5), env, horizon=5, seeds=1, backend="python")


@pytest.mark.parametrize("p", [1e-6, 1e-3, 0.01, 0.02])
def test_kl_ucb_index_matches_bisection_for_small_means_and_bounds(p):
    """Means near 0 with tiny exploration bounds (an arm with a few rewards after many plays) need more Newton steps
    than the grid above: the index must still match the plain bisection to 1e-9."""
    from olearn.learners.bandits import kl_upper

    for bound in (1e-8, 1e-6, 1e-4, 1e-3):
        got, want = kl_upper(p, bound), reference.kl_index(p, bound)
        assert abs(got - want) < 1e-9, (p, bound, got, want)


def test_ucb_tuned_uses_ln_of_the_plays_so_far():
    """UCB1-Tuned's log is ln n, n = t the plays so far (Auer et al. 2002, section 4), not ln(t + 1).  Arm 0: one play
    of reward 0.5; arm 1: four plays of 0.825; t = 5.  Zero variances, so V_k = sqrt(2 ln n / n_k) > 1/4 and the
    widths are sqrt(ln n / (4 n_k)): index_0 - index_1 = sqrt(ln n) / 4 - 0.325, below 0 at ln 5 (arm 1 is played)
    and above 0 at ln 6."""
    from olearn.learners.bandits import ucb_tuned_act

    def hand_index(mean, n_k, log_n):
        return mean + math.sqrt(log_n / n_k * min(0.25, 0.0 + math.sqrt(2.0 * log_n / n_k)))

    n, rewards = [1.0, 4.0], [0.5, 0.825]
    want = [int(np.argmax([hand_index(r, nk, math.log(L)) for r, nk in zip(rewards, n)])) for L in (5, 6)]
    assert want == [1, 0]  # the two logs disagree here
    state = np.array(n + [nk * r for nk, r in zip(n, rewards)] + [nk * r * r for nk, r in zip(n, rewards)])
    action = np.zeros(1)
    ucb_tuned_act(state, np.array([2.0]), np.zeros(0), 5, 0, action)
    assert int(action[0]) == want[0]


def test_tsallis_weights_match_bisection_for_large_cumulative_losses():
    """Newton's stopping rule is relative to |x|: for estimates near 1e6 (unnormalised losses summed over a long run)
    a loose rule stops while x is still far from the root; the weights must match the reference's bisection to 1e-9."""
    from olearn.learners.bandits import tsallis_weights

    for low in (1e5, 1e6):
        for eta in (2.0, 0.3):
            cum = low + np.array([0.0, 1.0, 2.0])
            probs = np.zeros(3)
            tsallis_weights(cum, eta, probs, 3)
            np.testing.assert_allclose(probs, reference.tsallis_probs(cum, eta), rtol=0, atol=1e-9, err_msg=str((low, eta)))


def test_ucb_v_index_of_constant_rewards_by_hand():
    """Rewards 1 - 0.2 and 1 - 0.6, three of each: the variances are 0, though q / n - mean^2 rounds below 0 from the
    summed squares.  The index is then mean + 0 + 3 c b E / n (Audibert et al. 2009, eq. 2), E = zeta ln(t + 1):
    0.8 + E and 0.4 + E at c = b = 1, n = 3, so arm 0, with no square root of a negative number."""
    from olearn.learners.bandits import ucb_v_act, ucb_v_update

    k, zeta = 2, 1.2
    params = np.array([k, zeta, 3.0])
    state = np.zeros(3 * k)
    t = 0
    for _ in range(3):
        for arm, loss in ((0, 0.2), (1, 0.6)):
            ucb_v_update(state, params, np.zeros(0), np.array([float(arm)]), np.array([loss]), t, 0)
            t += 1
    for arm in range(k):  # the cancellation this guards against
        assert state[2 * k + arm] / 3 - (state[k + arm] / 3) * (state[k + arm] / 3) < 0.0
    explore = zeta * math.log(t + 1.0)
    hand = [(1.0 - loss) + 3.0 * explore / 3 for loss in (0.2, 0.6)]
    action = np.zeros(1)
    ucb_v_act(state, params, np.zeros(0), t, 0, action)
    assert int(action[0]) == int(np.argmax(hand)) == 0


def test_tsallis_weights_depend_only_on_loss_differences_near_the_offset_threshold():
    """p_i = 4 / (eta (L_i - x))^2 depends on L only through L_i - min L.  At min L = 1e13 to 1e15 (beyond 2^40 2 / eta
    at eta = 2, where x itself can no longer hold its offset from min L) the weights must still be those of the
    differences [0, 1, 2], found by the reference's bisection on the small numbers."""
    from olearn.learners.bandits import tsallis_weights

    want = reference.tsallis_probs(np.array([0.0, 1.0, 2.0]), 2.0)
    for low in (1e13, 1e14, 1e15):
        probs = np.zeros(3)
        tsallis_weights(low + np.array([0.0, 1.0, 2.0]), 2.0, probs, 3)
        np.testing.assert_allclose(probs, want, rtol=0, atol=1e-9, err_msg=str(low))
