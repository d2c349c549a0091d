"""Improved Ader (olearn.learners.oco_ensemble; Zhang, Lu and Zhou, NeurIPS 2018).

The NumPy reference round by round, on every backend and under the parameter extremes, runs with the other oco
learners (tests/test_oco_reference.py, tests/test_oco_parity.py, tests/test_gpu.py).  Here, against the paper:

* the bound the module evaluates (the best expert's OGD bound plus Hedge's regret against it) is at most their
  Theorem 4's closed form, (3G/4) sqrt(2T(7D^2 + 4D P_T)) + (sqrt(2T) G D/4)(1 + 2 ln(k+1));
* on noiseless worlds whose minimizers move (rotating and switching targets, an adversary that reacts to the
  learner), every run's dynamic regret against the per-round minimizers is under that bound at their path length,
  while OGD with its 1/sqrt(t) steps falls far behind once the path is long (but not as long as T D, where
  every learner's dynamic regret is linear).

Also here, short and step-wise on the python backend: Ader's and the SEA ensemble's points against tests/oco_reference
round by round (the regret bound above cannot see a changed prior, rate or hint), the bound function against its
formula written out again, and the one-point simplex.
"""
import math

import numpy as np
import pytest

import environments
import oco_reference as ref
import olearn
from olearn.core.errors import ParameterError
from olearn.learners import oco_ensemble


def test_the_number_of_experts_is_exact_at_every_horizon():
    """N = ceil(log2(1 + 4T/7) / 2) + 1 is m + 1 for the m with 4^(m-1) < 1 + 4T/7 <= 4^m: exactly at the horizons
    nearest the boundaries T = 7 (4^m - 1) / 4 (never an integer), where floating point rounds the wrong way from
    m = 24 on, and past 1e308, where it overflows."""
    for m in (1, 2, 10, 24, 25, 26, 700):
        below = 7 * (4**m - 1) // 4  # the last horizon with 1 + 4T/7 < 4^m
        assert oco_ensemble.ader_experts(below) == m + 1
        assert oco_ensemble.ader_experts(below + 1) == m + 2
    assert oco_ensemble.ader_experts(1) == 2  # 1 + 4/7 in (1, 4]


def theorem_4(horizon, path, diameter, lipschitz):
    k = math.floor(0.5 * math.log2(1 + 4 * path / (7 * diameter))) + 1
    return (0.75 * lipschitz * math.sqrt(2 * horizon * (7 * diameter**2 + 4 * diameter * path))
            + math.sqrt(2 * horizon) * lipschitz * diameter / 4 * (1 + 2 * math.log(k + 1)))


@pytest.mark.parametrize("horizon", [10, 1000, 10**6])
def test_bound_is_within_theorem_4(horizon):
    assert oco_ensemble.ader_experts(horizon) == math.ceil(0.5 * math.log2(1 + 4 * horizon / 7)) + 1
    for diameter, lipschitz in ((2.0, 1.0), (0.3, 7.0)):
        for path in (0.0, 0.1, 1.0, 30.0, horizon * diameter):
            ours = oco_ensemble.ader_dynamic_regret_bound(horizon, path, diameter, lipschitz)
            assert 0 < ours <= theorem_4(horizon, path, diameter, lipschitz) * (1 + 1e-12), (horizon, path)


#: noiseless worlds on the unit ball (D = 2) with moving minimizers; G bounds the gradient norms there
WORLDS = {
    "quadratic_rotation": ("sea_quadratic", {"drift": "rotation", "kappa": 0.5, "omega": 0.1}, 1.5),
    "linear_rotation": ("sea_linear", {"drift": "rotation", "kappa": 1.0, "omega": 0.03}, 1.0),
    "linear_switching": ("sea_linear", {"drift": "switching", "kappa": 1.0, "period": 10}, 1.0),
    "linear_adaptive": ("sea_linear", {"drift": "adaptive", "kappa": 1.0}, 1.0),
}


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_dynamic_regret_is_under_the_bound_at_the_path_length(world):
    name, kw, lipschitz = WORLDS[world]
    env = environments.make(name, dim=2, noise=0.0, **kw)
    horizon = 2000
    metrics = ["dynamic_regret", "path_length"]
    ader = olearn.run(olearn.make("ader", lipschitz=lipschitz), env, horizon=horizon, seeds=[0], backend="python", metrics=metrics)
    ogd = olearn.run(olearn.make("ogd"), env, horizon=horizon, seeds=[0], backend="python", metrics=metrics)
    regret, path = ader.final("dynamic_regret")[0][0], ader.final("path_length")[0][0]
    bound = oco_ensemble.ader_dynamic_regret_bound(horizon, path, 2.0, lipschitz)
    other = ogd.final("dynamic_regret")[0][0]
    print(f"{world}: P_T = {path:.1f}, dynamic regret {regret:.1f} (OGD {other:.1f}), bound {bound:.1f}")
    assert regret <= bound
    if 30.0 < path < 0.1 * horizon * 2.0:  # a long path, but not one that flips every round: the large steps pay off
        assert regret < 0.5 * other


def test_horizon_beyond_the_state_is_refused():
    env = environments.make("sea_linear", dim=2, noise=0.0)
    with pytest.raises(ParameterError, match="'horizon' = 1099511627777 is invalid; allowed: at most 2"):
        olearn.make("ader").bind(2, 0, 2**40 + 1)
    row, _ = olearn.make("ader").bind(env.n_actions, 0, 2**40)
    assert row[0][1] == oco_ensemble.ADER_MAX_EXPERTS == 21
    assert np.isfinite(row).all()


@pytest.mark.parametrize("call, name", [
    (lambda: oco_ensemble.ader_experts(0), "horizon"),
    (lambda: oco_ensemble.ader_experts(10.0), "horizon"),
    (lambda: oco_ensemble.ader_experts(True), "horizon"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(0, 1.0, 2.0), "horizon"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, -1.0, 2.0), "path_length"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, math.inf, 2.0), "path_length"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, 1.0, 0.0), "diameter"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, 1.0, math.nan), "diameter"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, 1.0, 2.0, lipschitz=-1.0), "lipschitz"),
    (lambda: oco_ensemble.ader_dynamic_regret_bound(100, 1.0, 2.0, lipschitz=True), "lipschitz"),
])
def test_experts_and_bound_refuse_bad_input_by_name(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    assert oco_ensemble.ader_experts(10) == 3  # ceil(log2(1 + 40/7) / 2) + 1 = ceil(1.37) + 1


@pytest.mark.parametrize("name, domain, radius, params, make_reference", [
    ("ader", "ball", 0.5, {"lipschitz": 2.0}, lambda d, T: ref.Ader(d, T, 2.0)),
    ("ader", "simplex", 1.0, {}, lambda d, T: ref.Ader(d, T)),
    ("sea_ensemble", "box", 0.5, {}, lambda d, T: ref.Ensemble(d, T)),
    ("sea_ensemble", "ball", 1.0, {"n_base": 3, "eta": 0.5, "eta_meta": 2.0, "delta": 0.3}, lambda d, T: ref.Ensemble(d, T, 3, 0.5, 2.0, 0.3)),
], ids=["ader-ball", "ader-simplex", "sea-box", "sea-ball"])
def test_points_equal_the_numpy_reference_round_by_round(name, domain, radius, params, make_reference):
    """x_t against tests/oco_reference: Ader's prior C / (i (i+1)), Hedge rate sqrt(8 / (T G^2 D^2)), surrogate losses
    and step grid; the SEA ensemble's base grid eta D 2^i / sqrt(T), optimistic hint M_t = g_{t-1} and optimistic
    Hedge (rate eta_meta sqrt(ln N / (delta + V)), V from max_i |l_i - m_i|)."""
    d, T = 3, 60
    gs = ref.drifting_gradients(T, d, params.get("lipschitz", 1.0), 11)
    tuner = olearn.stepwise(olearn.make(name, dim=d, **params), domain=domain, radius=radius, backend="python", horizon=T)
    reference, dom = make_reference(d, T), ref.DOMAIN_CODES[domain]
    spread = 0.0
    for t in range(T):
        x, want = tuner.act(), reference.act(t, dom, radius)
        np.testing.assert_allclose(x, want, rtol=1e-9, atol=1e-12 * radius, err_msg=f"{name} on a {domain}: round {t}")
        spread = max(spread, np.linalg.norm(x - ref.center(dom, radius, d)))
        tuner.update(x, 0.0, gradient=gs[t])
        reference.update(t, x, 0.0, gs[t], None)
    assert spread > 0.2 * radius, spread  # the gradients moved the learner


def test_bound_evaluates_its_formula():
    """ader_dynamic_regret_bound against the formula written out here: the least over i = 1 .. N of
    (7 D^2/4 + D P) / eta_i + eta_i T G^2 / 2 + (sqrt(2T) G D / 4)(1 + ln(i (i+1) / C)), C = 1 + 1/N,
    eta_i = 2^(i-1) sqrt(7 D^2 / (2 G^2 T)), N = ceil(log2(1 + 4T/7) / 2) + 1 (the test above only bounds it above)."""
    for T, D, G in ((100, 2.0, 1.0), (5000, 0.3, 7.0)):
        N = math.ceil(0.5 * math.log2(1 + 4 * T / 7)) + 1
        for P in (0.0, 1.0, 0.05 * T * D, T * D, 1e3 * T * D):
            terms = []
            for i in range(1, N + 1):
                eta = 2 ** (i - 1) * math.sqrt(7 * D * D / (2 * G * G * T))
                terms.append((7 * D * D / 4 + D * P) / eta + eta * T * G * G / 2
                             + math.sqrt(2 * T) * G * D / 4 * (1 + math.log(i * (i + 1) / (1 + 1 / N))))
            assert oco_ensemble.ader_dynamic_regret_bound(T, P, D, G) == pytest.approx(min(terms), rel=1e-12), (T, P)
        assert int(np.argmin(terms)) == N - 1  # a path beyond T D: the grid's largest step is the best, none beyond counts


@pytest.mark.parametrize("name", ["ader", "sea_ensemble"])
def test_one_point_simplex_plays_its_point(name):
    """d = 1: the simplex of radius r is the single point r (diameter 0); every expert and the learner stay on it,
    the state finite (Ader's step scale falls back to 1 there instead of dividing by D = 0)."""
    tuner = olearn.stepwise(olearn.make(name, dim=1), domain="simplex", radius=2.0, backend="python", horizon=5)
    for t in range(5):
        x = tuner.act()
        assert x == pytest.approx([2.0], rel=1e-14), x
        tuner.update(x, 0.0, gradient=[(-1.0) ** t])
    assert np.isfinite(tuner.state).all()
