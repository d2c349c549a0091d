"""Online portfolio selection (``portfolio``) against independent truth.

The registry-wide checks (conformance, the gym adapter, python/cpu parity, the GPU simulator) cover the world
like every other.  Here:

* on Cover's market (cash and a stock that doubles and halves) the comparator equals the closed-form best
  constant rebalanced portfolio at every checkpoint, whole cycles and half ones;
* on random markets the comparator's portfolio passes Cover's optimality conditions and its value equals
  SciPy's constrained minimizer's;
* the loss is -ln of the wealth the played portfolios earn, and the gradient is the loss's derivative;
* on a market whose BCRP is not the uniform starting point, the online Newton step's regret grows like ln T
  (Agarwal, Hazan, Kale and Schapire 2006), gradient descent's like sqrt(T);
* a relative <= 0 is refused by name;
* ONS and the exp-concave optimistic rule on a volatile market equal tests/oco_reference.py round by round (python
  backend: their steps leave the simplex, so the A-norm projection decides the point), ONS step-wise on a simplex of
  total 2 too; their curvature parameters refuse 0; a point off the simplex has the loss at the documented floor;
* the BCRPs of the stock data and of a volatile 8-asset market, far from the solver's uniform start, pass Cover's
  conditions.
"""
import math

import numpy as np
import pytest
from scipy.optimize import minimize

import environments
import oco_reference as ref
import olearn
from environments import portfolio
from olearn.core.errors import ParameterError


def cover_best(rounds):
    """min_b -(a ln(1 + b) + h ln(1 - b/2)) over b in [0, 1], a = ceil(t/2) doubling rounds, h = floor(t/2)
    halving ones: the derivative vanishes at b = (2a - h) / (a + h), capped at 1."""
    a, h = (rounds + 1) // 2, rounds // 2
    b = min(1.0, (2 * a - h) / (a + h))
    return -(a * math.log1p(b) + h * math.log1p(-b / 2))


@pytest.mark.parametrize("backend", ["python", "cpu"])
def test_cover_market_comparator_is_the_closed_form_at_every_checkpoint(backend):
    env = environments.make("portfolio")
    res = olearn.run("ons", env, horizon=201, seeds=1, backend=backend, checkpoints=[1, 2, 3, 10, 11, 100, 201])
    best = res.metric("loss")[0, 0] - res.metric("regret")[0, 0]
    expected = [cover_best(t) for t in res.rounds]
    np.testing.assert_allclose(best, expected, rtol=1e-12, atol=1e-12)
    assert expected[-2] == pytest.approx(-50 * math.log(9 / 8), rel=1e-14)  # (1/2, 1/2) gains 9/8 per two rounds


def _comparator(rel, counts):
    """The world's comparator kernel called on its own row: (value, portfolio)."""
    env = environments.make("portfolio", relatives=rel)
    row = np.asarray(env.type.row(env.values), dtype=float)
    suff = np.zeros(env.type.suff_size(env.values))
    suff[: rel.shape[0]] = counts
    value = portfolio.bcrp_total(row, suff, float(counts.sum()), 0)
    return value, suff[rel.shape[0] : rel.shape[0] + rel.shape[1]].copy()


@pytest.mark.parametrize("seed", range(6))
def test_comparator_meets_covers_conditions_and_matches_scipy(seed):
    """Random markets (d = 2 .. 6 assets, some dominated, some rows unread): the portfolio sums to 1, every
    g_i = (1/C) sum_k c_k r_{k,i} / <x, r_k> is <= 1 + 1e-11 and those of held assets are 1 within 1e-6
    (Cover 1984's conditions for the log-optimal portfolio), and the value is SciPy's (SLSQP) or better."""
    rng = np.random.default_rng(seed)
    d, n = int(rng.integers(2, 7)), int(rng.integers(3, 60))
    rel = np.exp(rng.normal(0.0, 0.1, size=(n, d)) + rng.normal(0.0, 0.03, size=d))
    counts = rng.integers(0, 4, size=n).astype(float)
    counts[0] = 1.0
    value, x = _comparator(rel, counts)
    assert x.sum() == pytest.approx(1.0, abs=1e-12) and x.min() >= 0.0
    g = (counts[:, None] * rel / (rel @ x)[:, None]).sum(axis=0) / counts.sum()
    assert g.max() <= 1.0 + 1e-11, g
    assert np.all(np.abs(g[x > 1e-6] - 1.0) < 1e-6), (g, x)
    objective = lambda b: -(counts * np.log(rel @ b)).sum()  # noqa: E731
    reference = minimize(objective, np.full(d, 1.0 / d), method="SLSQP", bounds=[(0.0, 1.0)] * d,
                         constraints=[{"type": "eq", "fun": lambda b: b.sum() - 1.0}],
                         options={"ftol": 1e-15, "maxiter": 1000})
    assert value == pytest.approx(objective(x), rel=1e-13)
    assert value <= reference.fun + 1e-12 * abs(reference.fun) + 1e-12, (value, reference.fun)
    assert value >= reference.fun - 1e-7 * abs(reference.fun) - 1e-9, (value, reference.fun)


def test_loss_is_minus_log_wealth_and_the_gradient_its_derivative():
    """Two assets (the trace holds a point's first coordinate, and x = (x_1, 1 - x_1)): each round's loss is
    -ln <x_t, r_{t mod 7}> and the total is -ln of the wealth; then the gradient against central differences."""
    rng = np.random.default_rng(3)
    two = np.exp(rng.normal(0.0, 0.2, size=(7, 2)))
    res = olearn.run("ogd", environments.make("portfolio", relatives=two), horizon=20, seeds=[0], trace=True,
                     checkpoints=[20])
    first = res.actions[0, 0]
    assert np.ptp(first) > 1e-3  # the portfolio moved
    growth = np.array([first[t] * two[t % 7, 0] + (1.0 - first[t]) * two[t % 7, 1] for t in range(20)])
    np.testing.assert_allclose(res.losses[0, 0], -np.log(growth), rtol=1e-12, atol=1e-15)
    assert res.final("loss")[0, 0] == pytest.approx(-math.log(np.prod(growth)), rel=1e-12)
    rel = np.exp(rng.normal(0.0, 0.2, size=(7, 4)))
    env = environments.make("portfolio", relatives=rel)
    row = np.asarray(env.type.row(env.values), dtype=float)
    state, g, gh = np.zeros(1), np.zeros(4), np.zeros(4)
    x = rng.dirichlet(np.ones(4))
    for t in range(7):
        portfolio.market_read(state, row, x, t, 0)
        f = portfolio.wealth_loss_grad(state, row, x, g)
        assert f == pytest.approx(-math.log(x @ rel[t]), rel=1e-14)
        for i in range(4):
            step = np.zeros(4)
            step[i] = 1e-6
            up = portfolio.wealth_loss_grad(state, row, x + step, gh)
            numeric = (up - portfolio.wealth_loss_grad(state, row, x - step, gh)) / 2e-6
            assert g[i] == pytest.approx(numeric, rel=1e-7)


def test_newton_step_regret_grows_like_log_t_and_gradient_descents_like_sqrt_t():
    """A market of cash and a stock that doubles, then falls to 0.6, in turn: the BCRP holds (1/4, 3/4), away from
    the uniform portfolio every learner starts from, whose regret grows linearly (by 0.0103 a round: 10.3, 41.2
    and 165 at T = 1,000, 4,000 and 16,000), so a learner that stays put fails the logarithmic-growth checks.  ONS's
    regret (1-exp-concave losses) grows by about ln 4 per step (measured 4.99, 6.37, 7.75); OGD's (tuned to T) by
    about sqrt(4) = 2 per step (7.38, 14.7, 29.3).  With their Theorem 2's tuning, gamma = 1/2 min(1/(4 G D), alpha)
    and eps = 1/(gamma^2 D^2) (alpha = 1, G = sqrt(5), D = sqrt(2), d = 2), ONS stays under that theorem's
    5 (1/alpha + G D) d ln T (403 at T = 16,000; measured 28.5); the defaults (gamma = 1/2, eps = 1) are not that
    tuning, and are what the growth check runs.  MetaGrad, told nothing of the curvature, also grows by about a
    constant per step (4.85, 7.58, 10.5)."""
    rows = np.array([[1.0, 2.0], [1.0, 0.6]])
    env = environments.make("portfolio", relatives=rows)
    regret = {name: olearn.run(name, env, horizon=16000, seeds=1, checkpoints=[1000, 4000, 16000]).metric("regret")
              [0, 0] for name in ("ons", "ogd", "metagrad")}
    print(regret)
    # the uniform portfolio's regret in closed form: the BCRP's stock weight b = 3/4 solves 1 / (1 + b) = 0.4 / (1 - 0.4 b)
    log_wealth = lambda x, n: ((n + 1) // 2) * math.log(rows[0] @ x) + (n // 2) * math.log(rows[1] @ x)  # noqa: E731
    uniform = [log_wealth(np.array([0.25, 0.75]), n) - log_wealth(np.full(2, 0.5), n) for n in (1000, 4000, 16000)]
    assert uniform[2] - uniform[0] > 30 * 1.5 * math.log(16)  # 30 times what the check below lets ONS grow
    ons, ogd, meta = regret["ons"], regret["ogd"], regret["metagrad"]
    assert ons[2] - ons[0] < 1.5 * math.log(16)
    gamma = 0.5 * min(1.0 / (4.0 * math.sqrt(10.0)), 1.0)
    tuned = olearn.run(olearn.make("ons", gamma=gamma, eps=1.0 / (gamma**2 * 2.0)), env, horizon=16000, seeds=1,
                       checkpoints=[1000, 4000, 16000]).metric("regret")[0, 0]
    print("ons at Theorem 2's tuning", tuned)
    assert np.all(tuned < 5 * (1 + math.sqrt(10)) * 2 * np.log([1000, 4000, 16000]))
    assert ogd[2] / ogd[0] > 3.0 and ons[2] < 0.5 * ogd[2]
    assert meta[2] - meta[1] < 1.2 * (meta[1] - meta[0]) and meta[2] < 0.5 * ogd[2]


def test_newton_step_on_the_simplex_is_the_same_on_the_gpu_path():
    """ONS's simplex projection and the comparator's Newton steps through the gpu backend (numba's CUDA simulator in
    CI) against python: the registry-wide gpu test pairs ONS with a ball world."""
    pytest.importorskip("numba.cuda")
    from olearn import testing
    from olearn.backends import gpu as device

    env = environments.make("portfolio", relatives=np.exp(np.random.default_rng(9).normal(0.0, 0.3, size=(6, 3))))
    learner = olearn.make("ons", gamma=0.2)
    py = olearn.run(learner, env, horizon=12, seeds=[0, 4], backend="python", trace=True)
    gpu = olearn.run(learner, env, horizon=12, seeds=[0, 4], backend="gpu", trace=True)
    assert np.ptp(py.actions[0, 0]) > 1e-3
    testing.assert_same_run(py, gpu, "ons on portfolio, gpu", exact=device.simulated())


def test_stock_relatives_are_the_ratios_of_matplotlibs_monthly_closes_and_their_bcrp_beats_each_stock():
    """The sample data read with the csv module (not pandas): the months where IBM, AAPL, MSFT, XRX and ADBE all have a
    close, the first close of each calendar month (the data's last row, 2022-06-28, repeats June's closes), 390 from
    1990-01 to 2022-06, give 389 relatives of consecutive months; the BCRP's log-wealth is at least each stock's and
    the uniform CRP's, and equals sum_t ln <b, r_t> at its portfolio.  An unknown ticker is refused by name."""
    import csv

    from matplotlib import cbook

    with open(cbook.get_sample_data("Stocks.csv", asfileobj=False)) as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    tickers = ["IBM", "AAPL", "MSFT", "XRX", "ADBE"]
    months, kept = set(), []
    for r in rows:
        if all(r[t] for t in tickers) and r["Date"][:7] not in months:
            months.add(r["Date"][:7])
            kept.append(r)
    closes = np.array([[float(r[t]) for t in tickers] for r in kept])
    dates, rel = portfolio.stock_relatives()
    assert closes.shape == (390, 5) and rel.shape == (389, 5) and str(dates[0])[:7] == "1990-02"
    month_index = [int(str(d)[:4]) * 12 + int(str(d)[5:7]) for d in dates]
    assert np.all(np.diff(month_index) == 1) and str(dates[-1])[:7] == "2022-06"  # every month once, in order
    np.testing.assert_allclose(rel, closes[1:] / closes[:-1], rtol=1e-15)
    b, log_wealth = portfolio.best_constant_rebalanced(rel)
    assert log_wealth == pytest.approx(np.log(rel @ b).sum(), rel=1e-13)
    assert log_wealth >= np.log(rel).sum(axis=0).max() and log_wealth >= np.log(rel.mean(axis=1)).sum()
    with pytest.raises(ParameterError, match="tickers"):
        portfolio.stock_relatives(("IBM", "NOPE"))


@pytest.mark.parametrize("bad", [((1.0, 0.0), (1.0, 2.0)), ((1.0, -0.5),), ((1.0, float("nan")),)])
def test_a_relative_that_is_not_positive_is_refused(bad):
    with pytest.raises(ParameterError, match="relatives"):
        environments.make("portfolio", relatives=np.array(bad))


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_a_market_scaled_by_a_constant_has_the_same_regret(scale):
    """Every relative times s adds -ln s to each f_t, the learner's and the BCRP's alike: the comparator moves by
    -C ln s, the portfolio it finds and the regret stay (the Hessian r r^T / <x, r>^2 had overflowed or underflowed
    to 0 / 0 beyond s = 1e154 or below 1e-154, and a loss held at -ln 1e-300 had understated the learner's losses)."""
    rel = np.exp(0.3 * np.random.default_rng(7).standard_normal((12, 3)))
    counts = np.arange(1.0, 13.0)
    value, x = _comparator(rel, counts)
    scaled_value, scaled_x = _comparator(rel * scale, counts)
    assert scaled_value == pytest.approx(value - counts.sum() * math.log(scale), rel=1e-12)
    np.testing.assert_allclose(scaled_x, x, atol=1e-9)
    plain = olearn.run("ogd", environments.make("portfolio", relatives=rel), horizon=12, seeds=[0], backend="python")
    res = olearn.run("ogd", environments.make("portfolio", relatives=rel * scale), horizon=12, seeds=[0], backend="python")
    assert res.final("loss")[0, 0] == pytest.approx(plain.final("loss")[0, 0] - 12 * math.log(scale), rel=1e-12)
    assert res.final("regret")[0, 0] == pytest.approx(plain.final("regret")[0, 0], rel=1e-9)


@pytest.mark.parametrize("tickers", [None, 3, "IBM"])
def test_tickers_that_are_not_a_list_of_names_are_one_parameter_error(tickers):
    with pytest.raises(ParameterError, match="'tickers'.*a non-empty list of IBM") as err:
        portfolio.stock_relatives(tickers)
    assert err.value.name == "tickers"


def test_tickers_given_as_an_array_read_the_same_months():
    dates, rel = portfolio.stock_relatives(np.array(["IBM", "MSFT"]))
    same_dates, same = portfolio.stock_relatives(("IBM", "MSFT"))
    np.testing.assert_array_equal(rel, same)
    np.testing.assert_array_equal(dates, same_dates)


def _play_market(learner, rel, horizon):
    """The NumPy reference learner on a market: f_t(x) = -ln <x, r_t>, g_t = -r_t / <x, r_t>, rows read cyclically."""
    xs, losses = [], []
    for t in range(horizon):
        x = learner.act(t, ref.SIMPLEX, 1.0)
        r = rel[t % len(rel)]
        f, g = -math.log(x @ r), -r / (x @ r)
        xs.append(x)
        losses.append(f)
        learner.update(t, x, f, g, None)
    return np.array(xs), np.array(losses)


@pytest.mark.parametrize("name, params, make_ref", [
    ("ons", {"gamma": 0.15, "eps": 3.0}, lambda: ref.ONS(3, 0.15, 3.0)),
    ("optimistic_omd_exp_concave", {"beta": 0.8, "delta": 0.3}, lambda: ref.OptimisticExpConcave(3, 0.8, 0.3)),
], ids=["ons", "optimistic_omd_exp_concave"])
def test_newton_learners_on_a_market_are_the_numpy_reference_round_by_round(name, params, make_ref):
    """ONS (Agarwal, Hazan, Kale and Schapire 2006) and the exp-concave optimistic rule on a 3-asset market, python
    backend, against tests/oco_reference.py (A-norm projection by enumerating the simplex's supports, numpy solves):
    every round's loss -ln <x_t, r_t> and first coordinate to 1e-11.  The market is volatile enough that the steps
    leave the simplex and the projection in the A-norm (not the Euclidean one) decides where the learner lands."""
    rel = np.exp(np.random.default_rng(21).normal(0.0, 0.5, size=(9, 3)))
    res = olearn.run(olearn.make(name, **params), environments.make("portfolio", relatives=rel), horizon=30, seeds=[0],
                     backend="python", trace=True, checkpoints=[30])
    xs, losses = _play_market(make_ref(), rel, 30)
    assert np.ptp(xs[:, 0]) > 0.1 and (xs.min(axis=1) < 1e-12).sum() >= 3  # it moves and sits on faces
    np.testing.assert_allclose(res.losses[0, 0], losses, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(res.actions[0, 0], xs[:, 0], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name, param", [("ons", "gamma"), ("ons", "eps"), ("optimistic_omd_exp_concave", "beta"),
                                         ("optimistic_omd_exp_concave", "delta")])
def test_zero_curvature_parameters_are_refused(name, param):
    """gamma, eps, beta and delta live in (0, inf): x - A^{-1} g / 0 and A = 0 I have no meaning."""
    with pytest.raises(ParameterError, match=f"'{param}'"):
        olearn.make(name, **{param: 0.0})


def test_a_point_off_the_simplex_is_held_at_the_documented_floor():
    """A step-wise user's point x = 0 has <x, r> = 0: the loss is -ln min(1e-300, min_i r_i / 2) and the gradient
    -r over that floor, finite, on an ordinary market and on one of relatives near 1e-305."""
    for rel in (np.array([[1.5, 0.8, 1.1]]), np.array([[3e-305, 1e-305, 2e-305]])):
        env = environments.make("portfolio", relatives=rel)
        row = np.asarray(env.type.row(env.values), dtype=float)
        state, g = np.zeros(1), np.zeros(3)
        portfolio.market_read(state, row, np.zeros(3), 0, 0)
        floor = min(1e-300, rel.min() / 2)
        assert portfolio.wealth_loss_grad(state, row, np.zeros(3), g) == pytest.approx(-math.log(floor), rel=1e-14)
        np.testing.assert_allclose(g, -rel[0] / floor, rtol=1e-14)
        x = np.array([0.2, 0.5, 0.3])  # on the simplex nothing is held, however small the relatives
        assert portfolio.wealth_loss_grad(state, row, x, g) == pytest.approx(-math.log(x @ rel[0]), rel=1e-14)


def test_newton_step_stepwise_on_a_simplex_of_total_two_is_the_reference():
    """ONS step-wise (python) on a simplex of total R = 2 (not the market's 1), fed f_t = -ln <x_t, r_t> and its
    gradient: every point is the reference's, which projects on {x >= 0 : sum_i x_i = 2} in the A-norm."""
    rel = np.exp(np.random.default_rng(22).normal(0.0, 0.5, size=(9, 3)))
    learner = olearn.stepwise(olearn.make("ons", dim=3, gamma=0.15, eps=3.0), backend="python", domain="simplex",
                              radius=2.0)
    reference, faces = ref.ONS(3, 0.15, 3.0), 0
    for t in range(20):
        x, expected = learner.act(), reference.act(t, ref.SIMPLEX, 2.0)
        np.testing.assert_allclose(x, expected, rtol=1e-11, atol=1e-13)
        faces += expected.min() < 1e-12
        r = rel[t % 9]
        f, g = -math.log(x @ r), -r / (x @ r)
        learner.update(x, f, g)
        reference.update(t, expected, f, g, None)
    assert x.sum() == pytest.approx(2.0, rel=1e-12) and faces >= 3


def test_the_comparator_certifies_bcrps_far_from_the_uniform_start():
    """The BCRPs of matplotlib's monthly stocks (389 rows, 5 assets) and of a volatile 8-asset market with drifts
    (optimum on a face, far from the uniform portfolio the solver starts from) pass Cover's (1984) conditions for the
    log-optimal portfolio: g_i = (1/T) sum_t r_{t,i} / <b, r_t> <= 1 + 1e-11, = 1 within 1e-6 where b_i > 1e-6."""
    drift = np.linspace(-0.3, 0.3, 8)
    markets = [portfolio.stock_relatives()[1],
               np.exp(np.random.default_rng(4).normal(0.0, 0.6, size=(60, 8)) + drift)]
    for rel in markets:
        b, log_wealth = portfolio.best_constant_rebalanced(rel)
        g = (rel / (rel @ b)[:, None]).mean(axis=0)
        assert b.sum() == pytest.approx(1.0, abs=1e-12) and b.min() >= 0.0 and b.max() < 1.0 - 1e-3
        assert g.max() <= 1.0 + 1e-11, g
        assert np.all(np.abs(g[b > 1e-6] - 1.0) < 1e-6), (g, b)
        assert log_wealth == pytest.approx(np.log(rel @ b).sum(), rel=1e-13)
