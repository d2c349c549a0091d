"""Online portfolio selection (problem kind ``oco``): rebalance wealth over d assets every round.

``portfolio``: round t reveals the price relatives r_t in (0, inf)^d of a market (r_{t,i} = price of asset i at the
close of round t over its price at the open), read cyclically from the rows of ``relatives`` (round t reads row
t mod n, so a market of n rows repeats; take ``horizon`` <= n for one pass over data).  The learner's point x_t is
a portfolio, a point of the simplex {x >= 0 : sum_i x_i = 1}, and its loss is the log of the wealth it loses,

    f_t(x) = -ln <x, r_t>,    grad f_t(x) = -r_t / <x, r_t>,

so the cumulative loss is -ln(W_T / W_0), W_T the wealth of the rebalanced portfolios x_1, ..., x_T (Cover 1991).
The losses are 1-exp-concave (exp(-f_t) = <x, r_t> is linear), the setting of universal portfolios (Cover 1991),
exponentiated gradient (Helmbold, Schapire, Singer and Warmuth 1998) and the online Newton step (Agarwal, Hazan,
Kale and Schapire 2006).

Regret is against the best constant rebalanced portfolio in hindsight (BCRP), min_x sum_t -ln <x, r_t>: regret =
ln(W_T(BCRP) / W_T(learner)).  Sufficient statistics: how often each row was read, c_k, so the comparator minimizes
F(x) = -sum_k c_k ln <x, r_k> over the simplex, by projected Newton steps (sequential quadratic programming):

    x+ = Pi^H(x - H^{-1} grad F(x)),  H = sum_k c_k r_k r_k^T / <x, r_k>^2 (+ 1e-12 tr(H)/d I),

the minimizer of F's quadratic model over the simplex (Pi^H the projection in the H-norm,
:func:`olearn.engine.metric_projection.simplex_project`), backtracked along x+ - x until F falls by 1e-4 of the
model's decrease (Armijo; a decrease below 1e-12 (|F| + C), lost in F's rounding, is taken whole, where Newton's
steps converge quadratically).  It stops when Cover's (1984) bound certifies the value: with g = -grad F(x) / C
(C = sum_k c_k; sum_i x_i g_i = 1), every portfolio b has sum_k c_k ln(<b, r_k> / <x, r_k>) <= C ln max_i g_i
(Jensen), so ln max_i g_i <= ``TOLERANCE`` = 1e-12 puts the value within 1e-12 per round of the minimum (or after
``MAX_ITERATIONS`` steps, or when no step lowers F at double precision).  Each checkpoint starts from the previous
one's portfolio mixed with 1e-3 of the uniform one, so a curve's later checkpoints take a step or two.  Every f_t
is deterministic (F_t = f_t): pseudo-regret would equal regret and is not recorded; the per-round comparators (the
best asset of each round) are not recorded either.

Cover's example (the default): cash and a stock that doubles and halves in turn, rows (1, 2) and (1, 1/2).  Each
asset alone ends every second round where it started; the portfolio (1/2, 1/2) rebalanced every round gains 9/8
every two rounds, and it is the BCRP: max_b ln(1 + b) + ln(1 - b/2) is at b = 1/2.

Real prices: :func:`stock_relatives` reads the monthly closes that ship with matplotlib (its sample data
``Stocks.csv``: IBM, AAPL, MSFT, XRX, AMZN, DELL, GOOGL, ADBE and two indices, 1990 to 2022) as price relatives, and
:func:`best_constant_rebalanced` gives the BCRP of any market with the comparator's solver.
"""
import math

import numpy as np

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.engine import domains
from olearn.engine.metric_projection import shifted_solve, simplex_project
from olearn.engine.models import dot
from olearn.engine.oco import OcoEnvType, zero_state
from environments.oco_streams import no_mean, no_round_best, no_variances

#: Newton's steps stop once ln max_i g_i <= TOLERANCE (the value is then within TOLERANCE C of the minimum)
TOLERANCE = 1e-12
MAX_ITERATIONS = 200
BACKTRACKS = 60
ARMIJO = 1e-4
NOISE = 1e-12  # a model decrease below NOISE (|F| + C) is within F's rounding: the Newton step is taken whole
RIDGE = 1e-12  # H + RIDGE tr(H)/d I in the Newton solve: H is singular while the rows read span fewer than d directions
_HEAD = 4  # row: d, domain (simplex), radius (1), n; then the n rows of relatives


def _row(v):
    rel = v["relatives"]
    return np.concatenate([[rel.shape[1], domains.SIMPLEX, 1.0, rel.shape[0]], rel.ravel()])


@kernel
def market_read(state, params, x, t, seed):
    """state[0] = the row of round t: t mod n."""
    state[0] = t % int(params[3])


@kernel
def wealth_loss_grad(state, params, x, g):
    """f = -ln <x, r>, g = -r / <x, r> for the row of this round (<x, r> held at min(1e-300, min_i r_i / 2) or more:
    a point of the simplex has <x, r> >= min_i r_i, so only a point off it is held)."""
    d = int(params[0])
    start = _HEAD + int(state[0]) * d
    floor = 1e-300
    for i in range(d):
        floor = min(floor, 0.5 * params[start + i])
    # a point off the simplex (a step-wise user's) can lose everything: held finite; a market's own tiny relatives are not
    growth = max(dot(x, params[start : start + d], d), floor)
    for i in range(d):
        g[i] = -params[start + i] / growth
    return -math.log(growth)


@kernel
def count_row(state, params, suff):
    """suff[k] += 1 for the row k read this round (suff starts with the row counts c, then bcrp_total's scratch)."""
    suff[int(state[0])] += 1.0


@kernel
def log_wealth_loss(params, c, x, rows, d):
    """F(x) = -sum_k c_k ln <x, r_k>."""
    value = 0.0
    for k in range(rows):
        if c[k] > 0.0:
            value -= c[k] * math.log(dot(x, params[_HEAD + k * d : _HEAD + (k + 1) * d], d))
    return value


@kernel
def newton_terms(params, c, x, rows, d, grad, hess):
    """grad F(x) = -sum_k c_k r_k / <x, r_k> and the Hessian sum_k c_k r_k r_k^T / <x, r_k>^2 (d x d), both from
    the ratios r_k / <x, r_k>, which do not change when a row is scaled."""
    for i in range(d):
        grad[i] = 0.0
        for j in range(d):
            hess[i * d + j] = 0.0
    for k in range(rows):
        if c[k] <= 0.0:
            continue
        start = _HEAD + k * d
        growth = dot(x, params[start : start + d], d)
        for i in range(d):
            ratio = params[start + i] / growth  # r_i / <x, r>: the terms are scale-free (r_i r_j / <x, r>^2 overflowed
            grad[i] -= c[k] * ratio  # or underflowed to 0 / 0 for relatives beyond 1e154 or below 1e-154)
            for j in range(d):
                hess[i * d + j] += c[k] * ratio * (params[start + j] / growth)


@kernel
def bcrp_total(params, suff, n, expected):
    """min over the simplex of F(x) = sum_k c_k (-ln <x, r_k>): projected Newton steps from the portfolio kept in
    suff (see the module docstring)."""
    d = int(params[0])
    rows = int(params[3])
    if n <= 0.0:
        return 0.0
    c = suff[:rows]
    x = suff[rows : rows + d]
    grad = suff[rows + d : rows + 2 * d]
    y = suff[rows + 2 * d : rows + 3 * d]
    bound = suff[rows + 3 * d : rows + 4 * d]
    trial = suff[rows + 4 * d : rows + 5 * d]
    hess = suff[rows + 5 * d : rows + 5 * d + d * d]
    chol = suff[rows + 5 * d + d * d : rows + 6 * d + 2 * d * d]
    total = 0.0
    for i in range(d):
        total += x[i]
    for i in range(d):  # the last checkpoint's portfolio with 1e-3 of the uniform one (all of it at the first)
        x[i] = 0.999 * x[i] / total + 0.001 / d if total > 0.0 else 1.0 / d
    value = 0.0
    value = log_wealth_loss(params, c, x, rows, d)
    for _ in range(MAX_ITERATIONS):
        newton_terms(params, c, x, rows, d, grad, hess)
        top = 0.0
        ridge = 0.0
        for i in range(d):
            top = max(top, -grad[i] / n)
            ridge += hess[i * d + i]
        if math.log(top) <= TOLERANCE:
            break
        for i in range(d):
            hess[i * d + i] += RIDGE * ridge / d
        shifted_solve(hess, 0.0, grad, d, chol, y)  # y = H^{-1} grad
        for i in range(d):
            y[i] = x[i] - y[i]
        simplex_project(1.0, d, hess, y, chol, bound, trial)
        decrease = 0.0
        for i in range(d):
            trial[i] -= x[i]  # the direction p
            decrease += grad[i] * trial[i]
        step = 1.0
        moved = value
        if -decrease <= NOISE * (abs(value) + n):  # below F's rounding: Armijo cannot see it; the step is taken whole
            for i in range(d):
                x[i] += trial[i]
            value = log_wealth_loss(params, c, x, rows, d)
            continue
        for _ in range(BACKTRACKS):
            for i in range(d):
                y[i] = x[i] + step * trial[i]
            moved = log_wealth_loss(params, c, y, rows, d)
            if moved <= value + ARMIJO * step * decrease:
                break
            step *= 0.5
        if not moved < value:  # no decrease left to find at this precision
            break
        for i in range(d):
            x[i] = y[i]
        value = moved
    return value


#: the tickers of matplotlib's ``Stocks.csv`` with a close in every month from 1990-01 to 2022-06
FULL_HISTORY = ("IBM", "AAPL", "MSFT", "XRX", "ADBE")


def stock_relatives(tickers=FULL_HISTORY):
    """(dates, relatives): the monthly price relatives close_t / close_{t-1} of ``tickers`` from the sample data that
    ships with matplotlib, over the months where every one of them has a close, one close per calendar month (a T x d
    array; dates[t] is the month the t-th row ends)."""
    import pandas as pd
    from matplotlib import cbook

    from olearn.core.errors import ParameterError

    table = pd.read_csv(cbook.get_sample_data("Stocks.csv", asfileobj=False), comment="#", parse_dates=["Date"])
    known = [c for c in table.columns if c != "Date"]
    try:  # None or a number is no list; a string would be read letter by letter
        names = list(tickers) if not isinstance(tickers, str) else None
    except TypeError:
        names = None
    if names is None:
        raise ParameterError("stock_relatives", "tickers", tickers, "a non-empty list of " + ", ".join(known))
    tickers = names
    unknown = [t for t in tickers if t not in known]
    if unknown or not tickers:
        raise ParameterError("stock_relatives", "tickers", list(tickers), "a non-empty list of " + ", ".join(known))
    prices = table[["Date", *tickers]].dropna()
    # one close per calendar month, its first: the data's last row repeats June 2022's closes on 2022-06-28, which
    # would add a second June and an all-ones "month" to a monthly series
    prices = prices[~prices["Date"].dt.to_period("M").duplicated()]
    closes = prices[list(tickers)].to_numpy(dtype=float)
    return prices["Date"].to_numpy()[1:], closes[1:] / closes[:-1]


def best_constant_rebalanced(relatives):
    """(portfolio, log-wealth): the best constant rebalanced portfolio of one pass over the rows of ``relatives`` and
    the logarithm of its wealth, by the world's comparator (certified to 1e-12 per round)."""
    rel = np.asarray(relatives, dtype=float)
    env = PORTFOLIO.make(relatives=rel)
    suff = np.zeros(env.type.suff_size(env.values))
    suff[: rel.shape[0]] = 1.0
    value = bcrp_total(np.asarray(env.row(), dtype=float), suff, float(rel.shape[0]), 0)
    return suff[rel.shape[0] : rel.shape[0] + rel.shape[1]].copy(), -value


PORTFOLIO = OcoEnvType(
    name="portfolio",
    summary="online portfolio selection: f_t(x) = -ln <x, r_t> on the simplex, r_t the price relatives of a market "
    "read cyclically; regret against the best constant rebalanced portfolio",
    reference="Cover (1991), Universal portfolios; Helmbold, Schapire, Singer and Warmuth (1998); Agarwal, Hazan, "
    "Kale and Schapire (ICML 2006); the comparator by Cover's (1984) iteration",
    params=(
        Param("relatives", ((1.0, 2.0), (1.0, 0.5)), "n x d price relatives, each > 0: rows read in turn, cyclically "
              "(default: cash and a stock that doubles and halves, Cover's example)", kind="matrix", low=0.0,
              open_low=True),
    ),
    n_actions=lambda v: v["relatives"].shape[1],
    row=_row,
    reset=zero_state,
    draw=market_read,
    loss_grad=wealth_loss_grad,
    mean_loss=no_mean,
    round_best=no_round_best,
    variances=no_variances,
    accumulate=count_row,
    best_total=bcrp_total,
    # c (n), then x, grad, y, bound, trial (d each), H (d d), chol (d d + d)
    suff_size=lambda v: v["relatives"].shape[0] + 6 * v["relatives"].shape[1] + 2 * v["relatives"].shape[1] ** 2,
    state_size=lambda v: 1,
    has_means=False,
    comparator="projected Newton steps, certified by Cover's bound to 1e-12 per round in log-wealth",
    test_params=(
        {},
        {"relatives": np.exp(0.05 * np.random.default_rng(7).standard_normal((40, 3)))},
    ),
)

ENVIRONMENTS = (PORTFOLIO,)
