"""Adaptive conformal inference: ACI, FACI (quantile level) and FACI-S (radius).

* **ACI** (Gibbs and Candes, NeurIPS 2021, eq. (2)): the radius is the empirical
  (1 - alpha_t)-quantile of past scores (level clipped to [0, 1]), and after each score
  ``alpha_{t+1} = alpha_t + gamma (alpha - err_t)`` with ``err_t = 1[S_t > s_t]``.
* **FACI** (Gibbs and Candes, JMLR 2024, "Conformal inference for online prediction with
  arbitrary distribution shifts"), in the form of Bhatnagar et al. (2023): k = 8 ACI
  experts with gamma_j = 0.001 2^j, each with its level alpha_j, mixed by exponential
  weights with fixed share.  With beta_t the fraction of past scores >= S_t and
  l_j = pinball_alpha(beta_t, alpha_j)::

      wbar_j = w_j exp(-eta l_j),   w_j <- (1 - sigma) wbar_j + sigma sum(wbar) / k,   normalised,
      alpha_j <- clip(alpha_j + gamma_j (alpha - 1[alpha_j > beta_t]), 0, 1),

  sigma = 1 / (2 I), I = 100, eta = sqrt(3 / I) sqrt((ln(I k) + 2) / (((1-alpha)^2 alpha^3 +
  alpha^2 (1-alpha)^3) / 3)); the radius is the (1 - sum_j p_j alpha_j)-quantile of past
  scores.  Updates start once more than floor(1 / alpha) scores are held.
* **FACI-S** (Bhatnagar et al. 2023, sec. 5): the same mixture over radii s_j updated by
  ``s_j <- s_j - gamma_j D g_j`` (g_j the pinball gradient), with the adaptive rate
  ``eta_t = sqrt((ln(k I) + 2) / V_t)``, V_t the sum of the last I mixture-weighted squared
  losses rescaled to I terms (I (D q)^2 while that sum is 0: before any loss, and after zero
  losses only, where the authors' rate sqrt(c / 0) would turn every log-weight into NaN).
  The rate is computed on losses divided by D (eta_t l_j unchanged), so the squares neither
  overflow nor underflow for huge or tiny scores.
  The radius is ``max(0, sum_j p_j s_j)``: the s_j are not projected (as in the authors' code) and
  can step below 0, e.g. after a run of zero scores, where a negative radius would give an empty
  interval (lower > upper) that misses even an exact forecast (S_t = 0).

Weights are kept as logarithms (log-sum-exp), as in the authors' implementation.
"""
import math

from olearn.conformal import common
from olearn.conformal.history import (
    history_add,
    history_count,
    history_fraction_at_least,
    history_quantile,
    history_slots,
)
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine.scores import pinball
from olearn.learners.bandits import log_sum_exp

N_EXPERTS = 8
WINDOW = 100  # I
GAMMAS = [0.001 * 2**j for j in range(N_EXPERTS)]
_OWN = common.HEADER


@kernel
def mixture_mean(state, w_at, x_at, k):
    """sum_j p_j x_j with p = softmax(log-weights at ``w_at``)."""
    norm = log_sum_exp(state, w_at, k)
    total = 0.0
    for j in range(k):
        total += math.exp(state[w_at + j] - norm) * state[x_at + j]
    return total


@kernel
def fixed_share(state, w_at, loss_at, k, eta, sigma):
    """Exponential weights with fixed share on log-weights (Herbster and Warmuth 1998), normalised."""
    for j in range(k):
        state[w_at + j] -= eta * state[loss_at + j]
    total = log_sum_exp(state, w_at, k)
    for j in range(k):
        wbar = state[w_at + j]
        m = max(wbar, total)
        state[w_at + j] = m + math.log((1.0 - sigma) * math.exp(wbar - m) + sigma / k * math.exp(total - m))
    norm = log_sum_exp(state, w_at, k)
    for j in range(k):
        state[w_at + j] -= norm


# ---------------------------------------------------------------- ACI


@kernel
def aci_reset(state, params):
    state[0] = 1.0 - params[common.Q]


@kernel
def aci_radius(state, params):
    return history_quantile(state, 1, 1.0 - state[0])


@kernel
def aci_step(state, params, score):
    radius = aci_radius(state, params)
    err = 1.0 if score > radius else 0.0
    state[0] += params[_OWN + 1] * ((1.0 - params[common.Q]) - err)
    history_add(state, 1, int(params[_OWN]), score)


_aci = common.score_kernels(aci_reset, aci_step, aci_radius)

ACI = LearnerType(
    name="aci",
    summary="adaptive conformal inference: the level alpha_t moves by gamma (alpha - err_t)",
    reference="Gibbs and Candes (NeurIPS 2021), eq. (2)",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON + (Param("gamma", 0.005, "step size of the level", low=0.0, open_low=True),),
    state_size=lambda v, k, d: 1 + history_slots(common.history_size(v)),
    row=lambda v, k, d, horizon: common.header_row("aci", v, [common.history_size(v), v["gamma"]], needs_scale=False),
    init=_aci[0],
    act=_aci[1],
    update=_aci[2],
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {"gamma": 0.05}),
)

# ---------------------------------------------------------------- FACI
# own slots: [history capacity, eta, sigma, warm-up count floor(1/alpha), gamma_0..gamma_7]
# state: alpha_j (k) | log w_j (k) | losses (k) | history


def _faci_row(v, k, d, horizon):
    alpha = 1.0 - v["coverage"]
    if alpha >= 1.0:  # 1 - coverage rounds to 1: the rate below divides by (1 - alpha)^2 = 0
        raise ParameterError("faci", "coverage", v["coverage"], "in (0, 1) and at least 2^-53 = 1.1e-16 (below it "
                             "1 - coverage rounds to 1)")
    denom = ((1 - alpha) ** 2 * alpha**3 + alpha**2 * (1 - alpha) ** 3) / 3
    eta = math.sqrt(3 / WINDOW) * math.sqrt((math.log(WINDOW * N_EXPERTS) + 2) / denom)
    warm = math.floor(1 / (1 - v["coverage"]))
    return common.header_row("faci", v, [common.history_size(v), eta, 1 / (2 * WINDOW), warm] + GAMMAS, needs_scale=False)


@kernel
def faci_reset(state, params):
    for j in range(N_EXPERTS):
        state[j] = 1.0 - params[common.Q]


@kernel
def faci_radius(state, params):
    level = mixture_mean(state, N_EXPERTS, 0, N_EXPERTS)
    return history_quantile(state, 3 * N_EXPERTS, 1.0 - level)


@kernel
def faci_step(state, params, score):
    hist = 3 * N_EXPERTS
    alpha = 1.0 - params[common.Q]
    if history_count(state, hist) > params[_OWN + 3]:
        beta = history_fraction_at_least(state, hist, score)
        for j in range(N_EXPERTS):
            state[2 * N_EXPERTS + j] = pinball(beta, state[j], alpha)
        fixed_share(state, N_EXPERTS, 2 * N_EXPERTS, N_EXPERTS, params[_OWN + 1], params[_OWN + 2])
        for j in range(N_EXPERTS):
            err = 1.0 if state[j] > beta else 0.0
            state[j] = min(max(state[j] + params[_OWN + 4 + j] * (alpha - err), 0.0), 1.0)
    history_add(state, hist, int(params[_OWN]), score)


_faci = common.score_kernels(faci_reset, faci_step, faci_radius)

FACI = LearnerType(
    name="faci",
    summary="fully adaptive conformal inference: 8 ACI experts (gamma = 0.001 2^j) under fixed-share weights",
    reference="Gibbs and Candes (JMLR 2024); constants as in Bhatnagar et al. (ICML 2023)",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON,
    state_size=lambda v, k, d: 3 * N_EXPERTS + history_slots(common.history_size(v)),
    row=_faci_row,
    init=_faci[0],
    act=_faci[1],
    update=_faci[2],
    test_params=({"calibration": [0.3, 1.2, 0.7, 0.1, 0.5, 0.9, 1.1, 0.2, 0.4, 0.8, 0.6]}, {"coverage": 0.5}),
)

# ---------------------------------------------------------------- FACI-S
# own slots: [sigma, ln(k I) + 2, gamma_0..gamma_7]
# state: s_j (k) | log w_j (k) | losses (k) | last I mixture-weighted squared losses (ring) | count


def _faci_s_row(v, k, d, horizon):
    own = [1 / (2 * WINDOW), math.log(N_EXPERTS * WINDOW) + 2] + GAMMAS
    return common.header_row("faci_s", v, own, needs_scale=True)


@kernel
def faci_s_radius(state, params):
    return max(0.0, mixture_mean(state, N_EXPERTS, 0, N_EXPERTS))


@kernel
def faci_s_step(state, params, score):
    q = params[common.Q]
    scale = params[common.SCALE]
    ring = 3 * N_EXPERTS
    count = int(state[ring + WINDOW])
    held = min(count, WINDOW)
    # losses in units of D (eta_t l = sqrt(c / sum (l / D)^2) l / D): squares of scores near 1e+-160 stay finite
    total = 0.0
    for i in range(count - held, count):
        total += state[ring + i % WINDOW]
    if total > 0.0:
        total = total * (WINDOW / held)
    else:  # no loss yet (or only zero losses, e.g. a score equal to every radius): the prior sum
        total = WINDOW * (q * q)  # a product, not q ** 2: python and numba round pow differently
    eta = math.sqrt(params[_OWN + 1] / total)
    norm = log_sum_exp(state, N_EXPERTS, N_EXPERTS)
    expected_sq = 0.0
    for j in range(N_EXPERTS):
        loss = pinball(score, state[j], q) / scale
        state[2 * N_EXPERTS + j] = loss
        expected_sq += math.exp(state[N_EXPERTS + j] - norm) * (loss * loss)
    fixed_share(state, N_EXPERTS, 2 * N_EXPERTS, N_EXPERTS, eta, params[_OWN])
    state[ring + count % WINDOW] = expected_sq
    state[ring + WINDOW] = count + 1
    for j in range(N_EXPERTS):
        state[j] -= params[_OWN + 2 + j] * scale * common.pinball_grad(score, state[j], q)


_faci_s = common.score_kernels(common.no_reset, faci_s_step, faci_s_radius)

FACI_S = LearnerType(
    name="faci_s",
    summary="FACI on the radius: 8 gradient-descent radii (gamma_j D) under fixed-share weights, adaptive rate",
    reference="Bhatnagar, Wang, Xiong and Bai (ICML 2023), sec. 5 (FACI-S)",
    feedback="full",
    kind="scores",
    action_dim=2,
    params=common.COMMON,
    state_size=lambda v, k, d: 3 * N_EXPERTS + WINDOW + 1,
    row=_faci_s_row,
    init=_faci_s[0],
    act=_faci_s[1],
    update=_faci_s[2],
    test_params=({"calibration": [0.3, 1.2, 0.7]}, {"scale": 2.0}),
)
