"""The SEA ensemble and Improved Ader (olearn.learners.oco_ensemble) and relax.ParameterTuner at the corners the
round-by-round reference tests (tests/test_ader.py, tests/test_oco_reference.py) do not reach; python backend only.

* ``root_sum_squares(a, b)`` is the Euclidean norm sqrt(a^2 + b^2) of the pair: 5 at (3, 4), 0 at (0, 0) (a first
  round with a zero gradient adds nothing to V), within an ulp or two of math.hypot, finite at 1e200 (no squaring).
* The meta-learner is optimistic Hedge for every N >= 2: its rate eps_t = eta_meta sqrt(ln N / (delta + V)) is > 0
  as soon as ln N > 0, so N = 2 is weighted like N = 8 (the reference's points; the uniform mixture of eps = 0 is
  different).  The softmax is shift invariant, so shifting the logits by their largest value keeps p exact when
  eta_meta is huge and the logits are far outside exp's range (about +-745) on either side; unshifted (or shifted
  by max(0, largest)) they overflow into inf / inf or underflow into 0 / 0.
* The parameter ranges the spec declares: n_base an integer in [1, 40], eta_meta and Ader's lipschitz G > 0.
* Ader's bound is homogeneous of degree 1 in G: eta_i is proportional to D / G, so (7D^2/4 + D P)/eta_i and
  eta_i T G^2 / 2 and the meta term sqrt(2T) G D / 4 (...) all scale by G; with the default G = 1,
  bound(T, P, D, G) = G bound(T, P, D).
* Ader's state holds ADER_MAX_EXPERTS = 21 experts: at the largest horizon 2^40, N = ceil(log2(1 + 4 2^40 / 7) / 2)
  + 1 = ceil(19.6) + 1 = 21 experts all play (the NumPy reference's points), none reads past the state.
* Ader's Hedge keeps ln w_i shifted so the largest is exactly 0 (module comment): then the best expert's weight is
  exp(0) = 1 and the normalizer lies in [1, N], so gradients far beyond G (surrogate losses of 1e5) leave x_t finite.
* ParameterTuner: suggestions are ints for any integer dtype (unsigned too); the default shift is 0, so a cost of 0
  is allowed; the contexts are recorded as given (NaN for non-contextual methods); in report() a value never
  chosen has chosen = 0, cost = 0 and mean_cost NaN (no cost is known), and the table has every value, the last
  included; booleans and complex numbers are not candidate values; shift must be finite.
"""
import math

import numpy as np
import pytest

import oco_reference as ref
import olearn
from olearn import relax
from olearn.core.errors import ParameterError
from olearn.learners import oco_ensemble


def test_root_sum_squares_is_the_norm_of_the_pair_and_zero_at_zero():
    rss = oco_ensemble.root_sum_squares
    assert rss(0.0, 0.0) == 0.0
    assert rss(3.0, 4.0) == 5.0 and rss(4.0, 3.0) == 5.0
    assert rss(0.0, 2.5) == 2.5 and rss(7.0, 0.0) == 7.0
    for a, b in ((1.0, 1.0), (0.3, 1e-5), (2.0, 9.0), (1e200, 1e200), (1e-200, 3e-200)):
        assert rss(a, b) == pytest.approx(math.hypot(a, b), rel=4e-16), (a, b)


def _play_against_reference(name, params, reference, domain, radius, grads, horizon):
    tuner = olearn.stepwise(olearn.make(name, dim=grads.shape[1], **params), domain=domain, radius=radius,
                            backend="python", horizon=horizon)
    dom = ref.DOMAIN_CODES[domain]
    xs = []
    for t, g in enumerate(grads):
        x, want = tuner.act(), reference.act(t, dom, radius)
        assert np.all(np.isfinite(x)), (t, x)
        np.testing.assert_allclose(x, want, rtol=1e-9, atol=1e-12 * radius, err_msg=f"{name} round {t}")
        xs.append(x.copy())
        tuner.update(x, float(g @ x), gradient=g)
        reference.update(t, x, float(g @ x), g, None)
    return np.array(xs), tuner


def test_two_bases_are_weighted_by_optimistic_hedge():
    """N = 2: ln 2 > 0, so eps_t > 0 and the points are the reference's, not the uniform mixture (eta_meta -> 0)."""
    d, T = 3, 40
    grads = ref.drifting_gradients(T, d, 1.0, 4)
    params = {"n_base": 2, "eta": 0.7, "eta_meta": 3.0}
    xs, _ = _play_against_reference("sea_ensemble", params, ref.Ensemble(d, T, 2, 0.7, 3.0), "ball", 1.0, grads, T)
    flat, _ = _play_against_reference("sea_ensemble", {**params, "eta_meta": 1e-100},
                                      ref.Ensemble(d, T, 2, 0.7, 1e-100), "ball", 1.0, grads, T)
    assert np.max(np.abs(xs - flat)) > 1e-3


@pytest.mark.parametrize("domain, g", [("box", [1.0, 1.0]), ("simplex", [1.0, 1.2, 0.9])],
                         ids=["logits_above_exp_range", "logits_below_exp_range"])
def test_meta_weights_stay_exact_when_the_logits_leave_exps_range(domain, g):
    """eta_meta = 1e6 and a constant gradient g.  On the box [-1, 1]^2 with g = (1, 1) every base moves to the corner
    -(1, 1), so <g, x_i> < 0 and L_i + m_i < 0 for every base: logits -eps_t (L_i + m_i) of order +1e6.  On the
    simplex of total 1 with g > 0, <g, x_i> >= min_j g_j = 0.9 > 0 for every point of it: logits of order -1e6 for
    every base (with g constant the hint is exact, l_i = m_i after round 0, so V stays small and eps_t large).
    Unshifted, exp overflows (inf / inf) or underflows (0 / 0); the reference shifts by the largest logit."""
    T = 12
    grads = np.tile(np.array(g), (T, 1))
    params = {"n_base": 4, "eta": 1.0, "eta_meta": 1e6}
    xs, tuner = _play_against_reference("sea_ensemble", params, ref.Ensemble(len(g), T, 4, 1.0, 1e6), domain, 1.0,
                                        grads, T)
    assert np.all(np.isfinite(tuner.state)) and np.all(xs >= -1.0 - 1e-12) and np.all(xs <= 1.0 + 1e-12)


@pytest.mark.parametrize("name, param, value", [
    ("sea_ensemble", "n_base", 0), ("sea_ensemble", "n_base", 41), ("sea_ensemble", "eta_meta", 0.0),
    ("ader", "lipschitz", 0.0),
])
def test_declared_parameter_ranges_are_enforced(name, param, value):
    with pytest.raises(ParameterError) as err:
        olearn.make(name, **{param: value})
    assert err.value.name == param


@pytest.mark.parametrize("n_base", [1, 40])
def test_n_base_ends_of_the_range_play(n_base):
    """N = 1 (eps = 0: the one base alone) and N = 40 both run; the points are the reference's."""
    d, T = 2, 6
    grads = ref.drifting_gradients(T, d, 1.0, 2)
    _play_against_reference("sea_ensemble", {"n_base": n_base}, ref.Ensemble(d, T, n_base), "ball", 1.0, grads, T)


def test_ader_bound_is_linear_in_the_lipschitz_constant_whose_default_is_one():
    for T, P, D in ((50, 0.0, 2.0), (1000, 12.0, 0.5), (10**5, 3e3, 1.0)):
        one = oco_ensemble.ader_dynamic_regret_bound(T, P, D)
        assert one == oco_ensemble.ader_dynamic_regret_bound(T, P, D, 1.0)
        for G in (0.25, 3.0):
            assert oco_ensemble.ader_dynamic_regret_bound(T, P, D, G) == pytest.approx(G * one, rel=1e-12), (T, P, D, G)
    # T = 1, P = 0, D = 1, G = 1: N = 2, eta_1 = sqrt(3.5), eta_2 = 2 sqrt(3.5); expert i: 1.75 / eta + eta / 2,
    # meta (sqrt(2) / 4)(1 + ln(i (i + 1) / 1.5)); i = 1: sqrt(3.5) + (sqrt(2)/4)(1 + ln(4/3))
    assert oco_ensemble.ader_dynamic_regret_bound(1, 0.0, 1.0) == pytest.approx(
        min(math.sqrt(3.5) + math.sqrt(2) / 4 * (1 + math.log(4 / 3)),
            1.75 / (2 * math.sqrt(3.5)) + math.sqrt(3.5) + math.sqrt(2) / 4 * (1 + math.log(4.0))), rel=1e-14)


def test_ader_at_the_largest_horizon_plays_all_21_experts():
    d, T = 2, 2**40
    reference = ref.Ader(d, T)
    assert reference.n == oco_ensemble.ADER_MAX_EXPERTS == 21
    grads = np.array([[1.0, -0.5], [-0.3, 0.8], [0.9, 0.9], [-1.0, 0.2], [0.1, -1.0]])
    _, tuner = _play_against_reference("ader", {}, reference, "ball", 1.0, grads, T)
    assert np.all(np.isfinite(tuner.state))


def test_ader_keeps_the_largest_log_weight_at_zero_and_huge_gradients_finite():
    """State: flag, x_i (21 d), ln w_i (21).  After every update max_i ln w_i == 0 exactly; gradients of norm 1e5
    (G = 1 declared) make the surrogate losses ~1e5 alpha ~ 1e4, far past exp's range, yet x_t stays in the ball."""
    d, T = 2, 100
    n = oco_ensemble.ader_experts(T)
    lw = 1 + oco_ensemble.ADER_MAX_EXPERTS * d
    tuner = olearn.stepwise(olearn.make("ader", dim=d), domain="ball", radius=1.0, backend="python", horizon=T)
    rng = np.random.default_rng(3)
    for t in range(30):
        x = tuner.act()
        assert np.all(np.isfinite(x)) and np.linalg.norm(x) <= 1.0 + 1e-12, (t, x)
        g = rng.normal(size=d) * (1e5 if t >= 10 else 1.0)
        tuner.update(x, float(g @ x), gradient=g)
        assert np.max(tuner.state[lw : lw + n]) == 0.0, t


def test_tuner_integer_values_of_any_integer_dtype_are_suggested_as_ints():
    tuner = relax.ParameterTuner(np.array([3, 5, 9], dtype=np.uint16), seed=0, backend="python")
    for _ in range(4):
        v = tuner.suggest()
        assert type(v) is int and v in (3, 5, 9)
        tuner.observe(0.0)  # the default shift is 0: a cost of 0 is the least allowed


def test_tuner_records_the_contexts_as_given():
    contextual = relax.ParameterTuner([1, 2, 3], method="tsallis_inf_cb", context_range=(0.0, 1.0), seed=0,
                                      backend="python")
    for c in (0.25, 0.75, 0.5):
        contextual.suggest(context=c)
        contextual.observe(2.0)
    assert contextual.contexts == [0.25, 0.75, 0.5]
    plain = relax.ParameterTuner([1, 2], seed=0, backend="python")
    plain.suggest()
    plain.observe(1.0)
    assert len(plain.contexts) == 1 and math.isnan(plain.contexts[0])


def test_tuner_report_lists_unchosen_values_with_no_mean():
    values = [10.0, 20.0, 40.0]
    tuner = relax.ParameterTuner(values, seed=0, backend="python")
    empty = tuner.report()
    assert list(empty["value"]) == values and list(empty["chosen"]) == [0, 0, 0] and list(empty["cost"]) == [0, 0, 0]
    assert empty["mean_cost"].isna().all()
    tuner.suggest()
    tuner.observe(7.0)  # one round: exactly one value chosen, the other two never
    table = tuner.report()
    assert list(table["value"]) == values and table["chosen"].sum() == 1 and table["cost"].sum() == 7.0
    picked = int(np.argmax(table["chosen"]))
    assert picked < 2  # seed 0 picks one of the first two values: the last is never chosen, yet the table lists it
    assert table["mean_cost"].iloc[picked] == 7.0
    assert table["mean_cost"].isna().sum() == 2 and (table["cost"][table["chosen"] == 0] == 0.0).all()


def test_tuner_refuses_booleans_complex_values_and_a_nonfinite_shift():
    for values in ([True, False], [1 + 1j, 2 + 0j]):
        with pytest.raises(ParameterError, match="values"):
            relax.ParameterTuner(values, backend="python")
    for shift in (math.nan, math.inf, "1"):
        with pytest.raises(ParameterError, match="shift"):
            relax.ParameterTuner([1, 2], shift=shift, backend="python")
