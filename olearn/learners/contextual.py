"""Contextual bandit learners for a scalar context c in [low, high] (bandit feedback, K arms).

* ``tsallis_inf_cb``: the context interval is cut into ``n_bins`` equal bins and an independent
  Tsallis-INF (:data:`olearn.learners.bandits.TSALLIS_INF`, the very kernels) runs in the bin
  of each round's context -- the discretized-context baseline of Khodak, Chow, Balcan and
  Talwalkar (ICLR 2024), "Learning to Relax", section 4.
* ``chebcb``: ChebCB from the same paper: SquareCB's inverse-gap weighting (Foster and Rakhlin,
  ICML 2020) over per-arm regressions of the normalized cost on Chebyshev polynomials of the
  context, fitted by box-constrained least squares with the paper's coefficient bounds.

The context is ``obs[0]``; a world without contexts (``obs_dim = 0``) plays with c = 0.
Contexts outside [low, high] are clamped to it.
"""
import math

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine.metric_projection import cholesky, cholesky_solve, pack_free_block
from olearn.learners.bandits import LOSS_SHIFT, N_ARMS, draw_reported, tsallis_inf_act, tsallis_inf_update, zero_init

LOW = Param("low", -1.0, "lower end of the context range [low, high]")
HIGH = Param("high", 1.0, "upper end of the context range [low, high]")
SHIFT = Param("shift", 1.0, "subtracted from every loss (1 for iteration counts, whose minimum is 1)")


@kernel
def unit_context(obs, params):
    """u = 2 (c - low) / (high - low) - 1, clamped to [-1, 1]; c = obs[0], or 0 without a context."""
    c = obs[0] if obs.size > 0 else 0.0
    u = 2.0 * (c - params[3]) / (params[4] - params[3]) - 1.0
    return min(max(u, -1.0), 1.0)


def _check_range(name, v):
    if not v["high"] > v["low"] or not math.isfinite(v["high"] - v["low"]):  # the unit context divides by high - low
        raise ParameterError(name, "high", v["high"], f"a number > low = {v['low']} with high - low finite")


# ---------------------------------------------------------------- Tsallis-INF per context bin
# params: [K, shift, normalize, low, high, n_bins]
# state: n_bins blocks of Tsallis-INF state (2K + 2 each), then one round counter per bin


@kernel
def context_bin(obs, params):
    """The bin whose centre low + (high - low)(j + 1/2)/n_bins is nearest to the context."""
    n_bins = int(params[5])
    j = int((unit_context(obs, params) + 1.0) * 0.5 * n_bins)
    return min(max(j, 0), n_bins - 1)


@kernel
def tsallis_inf_cb_act(state, params, obs, t, seed, action):
    """Tsallis-INF's act in the context's bin, at that bin's own round count and with the seed
    ``seed * n_bins + bin`` (so the bins draw independently).  Below 2^63 / n_bins the map is
    one-to-one; larger seeds wrap modulo 2^64, so a bin of one seed can draw as some bin of another
    (when 2^v, v >= 2, divides n_bins, the seeds s and s + 2^(64 - v) draw alike in every bin)."""
    k_arms = int(params[0])
    n_bins = int(params[5])
    width = 2 * k_arms + 2
    j = context_bin(obs, params)
    counter = n_bins * width + j
    local_t = int(state[counter])
    state[counter] += 1.0
    tsallis_inf_act(state[j * width : (j + 1) * width], params, obs, local_t, seed * n_bins + j, action)


@kernel
def tsallis_inf_cb_update(state, params, obs, action, feedback, t, seed):
    """Tsallis-INF's update in the bin of the round's context."""
    width = 2 * int(params[0]) + 2
    j = context_bin(obs, params)
    tsallis_inf_update(state[j * width : (j + 1) * width], params, obs, action, feedback, t, seed)


def _cb_row(v, k, d, horizon):
    _check_range("tsallis_inf_cb", v)
    return [k, v["shift"], 1.0 if v["normalize"] else 0.0, v["low"], v["high"], v["n_bins"]]


TSALLIS_INF_CB = LearnerType(
    name="tsallis_inf_cb",
    summary="Tsallis-INF-CB: an independent Tsallis-INF in each of n_bins equal bins of the context range",
    reference="Khodak, Chow, Balcan and Talwalkar (ICLR 2024), Learning to Relax, section 4 (discretized-context "
    "baseline; 5 bins for SOR, 6 for the heat equation); Tsallis-INF of Zimmert and Seldin (2021)",
    feedback="bandit",
    params=(
        N_ARMS,
        LOSS_SHIFT,
        Param("normalize", False, "divide estimates by (running mean loss - shift) when it is positive, per bin "
              "(meant for losses >= shift)", kind="bool"),
        LOW,
        HIGH,
        Param("n_bins", 5, "number of equal bins of [low, high]", kind="int", low=1),
    ),
    state_size=lambda v, k, d: v["n_bins"] * (2 * k + 3),
    row=_cb_row,
    init=zero_init,
    act=tsallis_inf_cb_act,
    update=tsallis_inf_cb_update,
    action_dim=2,
    test_params=({}, {"shift": 0.5, "normalize": True, "low": 0.0, "high": 2.0, "n_bins": 3}),
)

# ---------------------------------------------------------------- ChebCB
# params: [K, shift, ridge, low, high, degree]
# state: header | probs[K] | yhat[K] | phi[m] | per-arm blocks | solver scratch
HEAD = 7  # n, max cost, min cost, sum yhat^2, scale of the current fits, eta, sum yhat (cost - shift)


def _chebcb_layout(k, m):
    probs = HEAD
    yhat = probs + k
    phi = yhat + k
    arms = phi + m
    block = m * m + 2 * m + 1  # Gram matrix G, r = sum phi (cost - shift), q = sum (cost - shift)^2, theta
    scratch = arms + k * block
    return scratch + 2 * m * m + 5 * m  # H, g, bounds, then the active-set method's Cholesky factor and vectors


@kernel
def chebyshev(u, phi, m):
    """phi[j] = T_j(u), Chebyshev polynomials of the first kind: T_0 = 1, T_1 = u, T_{j+1} = 2u T_j - T_{j-1}."""
    phi[0] = 1.0
    if m > 1:
        phi[1] = u
    for j in range(2, m):
        phi[j] = 2.0 * u * phi[j - 1] - phi[j - 2]


@kernel
def free_block_solve(h, m, free, rhs, out, chol):
    """out_F = H_FF^{-1} rhs_F on the free indices F (free[j] == 0): H_FF is packed into ``chol`` and
    rhs_F into ``out`` (row stride |F|), solved by :func:`~olearn.engine.metric_projection.cholesky` (its
    pivot floor: a few ulps of the diagonal) and unpacked onto F; out's other entries are left undefined."""
    n = 0
    for i in range(m):
        if free[i] == 0.0:
            n += 1
    pack_free_block(h, m, free, n, chol)
    ip = 0
    for i in range(m):
        if free[i] == 0.0:
            out[ip] = rhs[i]
            ip += 1
    cholesky(chol, n)
    cholesky_solve(chol, n, out, 0)
    for i in range(m - 1, -1, -1):  # unpack: the ip-th free index i >= ip, so no packed entry is overwritten before it is read
        if free[i] == 0.0:
            ip -= 1
            out[i] = out[ip]


@kernel
def box_least_squares(h, g, bound, m, x, scratch):
    """argmin of 1/2 x'Hx - g'x subject to |x_j| <= bound[j] (H positive definite), in place in ``x``.

    Primal active-set method (Nocedal and Wright, Numerical Optimization, section 16.5): from
    x = 0, solve on the free coordinates with the others held at their bounds; a step that leaves
    the box stops at the first bound it meets (that coordinate is fixed there); otherwise the
    fixed coordinate with the most negative multiplier is freed, until none is negative.  The
    first solve is the unconstrained least-squares fit, kept when it lies in the box.
    """
    chol = scratch[0 : m * m]
    status = scratch[m * m : m * m + m]  # 0 free, -1 at the lower bound, +1 at the upper bound
    rhs = scratch[m * m + m : m * m + 2 * m]
    target = scratch[m * m + 2 * m : m * m + 3 * m]
    gscale = 0.0
    for j in range(m):
        x[j] = 0.0
        status[j] = 0.0
        gscale = max(gscale, abs(g[j]))
    for _ in range(10 * m + 10):
        for i in range(m):
            if status[i] != 0.0:
                continue
            s = g[i]
            for j in range(m):
                if status[j] != 0.0:
                    s -= h[i * m + j] * x[j]
            rhs[i] = s
        free_block_solve(h, m, status, rhs, target, chol)
        step = 1.0
        block = -1
        for j in range(m):
            if status[j] != 0.0:
                continue
            d = target[j] - x[j]
            if target[j] > bound[j] and d > 0.0:
                a = (bound[j] - x[j]) / d
                if a < step:
                    step, block = a, j
            elif target[j] < -bound[j] and d < 0.0:
                a = (-bound[j] - x[j]) / d
                if a < step:
                    step, block = a, j
        for j in range(m):
            if status[j] == 0.0:
                x[j] += step * (target[j] - x[j])
        if block >= 0:
            status[block] = 1.0 if target[block] > bound[block] else -1.0
            x[block] = status[block] * bound[block]
            continue
        worst = 1e-13 * (1.0 + gscale)
        release = -1
        for j in range(m):
            if status[j] == 0.0 or bound[j] == 0.0:
                continue
            grad = -g[j]
            for p in range(m):
                grad += h[j * m + p] * x[p]
            violation = -grad if status[j] < 0.0 else grad  # > 0: moving inside lowers the objective
            if violation > worst:
                worst, release = violation, j
        if release < 0:
            return
        status[release] = 0.0


@kernel
def chebcb_fit(state, params, arm, scale, n_cost_bound, coef_bound, scratch_at):
    """Refit arm ``arm``: theta = argmin ||Phi theta - (c - shift) / scale||^2 + ridge ||theta||^2
    over |theta_0| <= 1 / N, |theta_j| <= coef_bound / j (j >= 1).  Returns the fit's residual."""
    k_arms = int(params[0])
    m = int(params[5])
    ridge = params[2]
    block = m * m + 2 * m + 1
    base = HEAD + 2 * k_arms + m + arm * block
    gram = state[base : base + m * m]
    r = state[base + m * m : base + m * m + m]
    q = state[base + m * m + m]
    theta = state[base + m * m + m + 1 : base + block]
    h = state[scratch_at : scratch_at + m * m]
    g = state[scratch_at + m * m : scratch_at + m * m + m]
    bound = state[scratch_at + m * m + m : scratch_at + m * m + 2 * m]
    work = state[scratch_at + m * m + 2 * m : scratch_at + 2 * m * m + 5 * m]
    for i in range(m):
        for j in range(m):
            h[i * m + j] = gram[i * m + j]
        h[i * m + i] += ridge
        g[i] = r[i] / scale
        bound[i] = 1.0 / n_cost_bound if i == 0 else coef_bound / i
    box_least_squares(h, g, bound, m, theta, work)
    fit = q / (scale * scale)
    for i in range(m):
        fit -= 2.0 * theta[i] * g[i]
        for j in range(m):
            fit += theta[i] * gram[i * m + j] * theta[j]
    return max(fit, 0.0)


@kernel
def inverse_gap_weights(yhat, best, gamma, probs, k_arms):
    """SquareCB's inverse-gap weighting (Foster and Rakhlin 2020): probs[i] = 1 / (K + gamma (yhat_i - yhat_best))
    for every arm but ``best`` (the argmin of the predicted losses), which gets the rest."""
    rest = 0.0
    for i in range(k_arms):
        if i != best:
            probs[i] = 1.0 / (k_arms + gamma * (yhat[i] - yhat[best]))
            rest += probs[i]
    probs[best] = 1.0 - rest


@kernel
def chebcb_act(state, params, obs, t, seed, action):
    """p_i = 1 / (K + eta (yhat_i - yhat_min)) for every arm but the argmin, which gets the rest."""
    k_arms = int(params[0])
    m = int(params[5])
    probs = state[HEAD : HEAD + k_arms]
    yhat = state[HEAD + k_arms : HEAD + 2 * k_arms]
    phi = state[HEAD + 2 * k_arms : HEAD + 2 * k_arms + m]
    chebyshev(unit_context(obs, params), phi, m)
    block = m * m + 2 * m + 1
    best = 0
    for i in range(k_arms):
        base = HEAD + 2 * k_arms + m + i * block + m * m + m + 1
        y = 0.0
        for j in range(m):
            y += state[base + j] * phi[j]
        yhat[i] = y
        if y < yhat[best]:
            best = i
    inverse_gap_weights(yhat, best, state[5], probs, k_arms)
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def chebcb_update(state, params, obs, action, feedback, t, seed):
    """Add the observation to the played arm's statistics, rescale, refit, and set eta.

    With n observations, costs in [c_min, c_max], Lc = (c_max - c_min) / (high - low) and
    N = 2 + 4 (high - low) Lc / c_max (1 + ln m): targets (cost - shift) / s with s = c_max N;
    bounds |theta_0| <= 1/N, |theta_j| <= 2 (high - low) Lc / (s j); every arm is refit when s
    changes, the played arm otherwise.  R = sum over past rounds of (yhat - (cost - shift) / s)^2,
    yhat the played arm's prediction before its refit, at the current s (the authors' code recomputes
    it each round; here from the running sums of yhat^2, yhat (cost - shift) and (cost - shift)^2);
    with S the sum of the arms' fitted residuals and
    alpha = (pi + (2/pi) ln(2m + 1)) / (2 s (m + 1)) (high - low) Lc,
    eta = 2 n sqrt(K n / (R - S + 2 alpha^2 n)).

    Where the authors' MATLAB (``learners/ChebCB.m``) differs, by choice: c_min is the least cost
    seen (given the horizon, their zero-filled history makes it 0 until the last round, so Lc =
    c_max / (high - low) throughout); R's targets are shifted like the fits' (theirs: cost / s);
    S sums every arm's residual (theirs: only the last box-constrained fit's); a small ridge
    replaces the min-norm fit (see ``ridge``).  Over the paper's 5,000 instances the total
    iterations agree with a NumPy transcription of theirs to about one standard error.
    """
    k_arms = int(params[0])
    shift = params[1]
    width = params[4] - params[3]
    m = int(params[5])
    a = int(action[0])
    cost = feedback[0]
    phi = state[HEAD + 2 * k_arms : HEAD + 2 * k_arms + m]
    chebyshev(unit_context(obs, params), phi, m)
    block = m * m + 2 * m + 1
    base = HEAD + 2 * k_arms + m + a * block
    scratch_at = HEAD + 2 * k_arms + m + k_arms * block
    n = state[0] + 1.0
    state[0] = n
    if n == 1.0:
        state[1] = cost
        state[2] = cost
    else:
        state[1] = max(state[1], cost)
        state[2] = min(state[2], cost)
    c_max = max(state[1], 1e-12)
    lip = (state[1] - state[2]) / width
    n_bound = 2.0 + 4.0 * width * lip / c_max * (1.0 + math.log(m))
    scale = c_max * n_bound
    coef_bound = 2.0 * width * lip / scale
    y = cost - shift
    pred = 0.0
    for i in range(m):
        pred += state[base + m * m + m + 1 + i] * phi[i]
        state[base + m * m + i] += phi[i] * y
        for j in range(m):
            state[base + i * m + j] += phi[i] * phi[j]
    state[base + m * m + m] += y * y
    state[3] += pred * pred
    state[6] += pred * y
    y_square = 0.0
    for i in range(k_arms):
        y_square += state[HEAD + 2 * k_arms + m + i * block + m * m + m]
    online = max(state[3] - 2.0 * state[6] / scale + y_square / (scale * scale), 0.0)  # R at the current scale
    rescaled = scale != state[4]
    state[4] = scale
    fitted = 0.0
    for i in range(k_arms):
        if rescaled or i == a:
            chebcb_fit(state, params, i, scale, n_bound, coef_bound, scratch_at)
    for i in range(k_arms):  # S: residuals of the current fits (theta unchanged for arms not refit)
        fitted += chebcb_residual(state, params, i, scale)
    alpha = (math.pi + 2.0 / math.pi * math.log(2.0 * m + 1.0)) / (2.0 * scale * (m + 1.0)) * width * lip
    den = max(online - fitted + 2.0 * alpha * alpha * n, 1e-12)
    state[5] = 2.0 * n * math.sqrt(k_arms * n / den)


@kernel
def chebcb_residual(state, params, arm, scale):
    """||Phi theta - (c - shift) / scale||^2 of arm ``arm`` from its sufficient statistics (>= 0)."""
    k_arms = int(params[0])
    m = int(params[5])
    block = m * m + 2 * m + 1
    base = HEAD + 2 * k_arms + m + arm * block
    fit = state[base + m * m + m] / (scale * scale)
    for i in range(m):
        th = state[base + m * m + m + 1 + i]
        fit -= 2.0 * th * state[base + m * m + i] / scale
        for j in range(m):
            fit += th * state[base + i * m + j] * state[base + m * m + m + 1 + j]
    return max(fit, 0.0)


def _chebcb_row(v, k, d, horizon):
    _check_range("chebcb", v)
    return [k, v["shift"], v["ridge"], v["low"], v["high"], v["degree"]]


CHEBCB = LearnerType(
    name="chebcb",
    summary="ChebCB: inverse-gap weighting over per-arm Chebyshev regressions of the cost on the context",
    reference="Khodak, Chow, Balcan and Talwalkar (ICLR 2024), Learning to Relax, section 4 (ChebCB, m = 6); "
    "inverse-gap weighting of Foster and Rakhlin (ICML 2020), SquareCB",
    feedback="bandit",
    params=(
        N_ARMS,
        SHIFT,
        Param("ridge", 1e-6, "ridge term that makes every fit unique (the paper's min-norm fit is its limit 0)",
              low=0.0, open_low=True),
        LOW,
        HIGH,
        Param("degree", 6, "number m of Chebyshev polynomials T_0 .. T_{m-1} per arm", kind="int", low=1, high=16),
    ),
    state_size=lambda v, k, d: _chebcb_layout(k, v["degree"]),
    row=_chebcb_row,
    init=zero_init,
    act=chebcb_act,
    update=chebcb_update,
    action_dim=2,
    test_params=({}, {"shift": 0.0, "low": 0.0, "high": 2.0, "degree": 3}),
)

LEARNERS = (TSALLIS_INF_CB, CHEBCB)
