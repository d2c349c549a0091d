"""Squint: second-order quantile experts with the uniform prior on the learning rate (full information).

Koolen and van Erven (COLT 2015), Second-order quantile methods for experts and combinatorial games.
At round t the learner plays weights w_t over K experts (and one expert drawn from w_t, as Hedge
does); after the loss vector l_t in [0, 1]^K each expert k is charged the instantaneous regret
against the mixture's expected loss,

    r_{t,k} = <w_t, l_t> - l_{t,k},   R_k = sum_t r_{t,k},   V_k = sum_t r_{t,k}^2,

and the next weights are, with the uniform prior pi_k = 1 / K over experts and eta ~ U[0, 1/2],

    w_{t+1,k}  proportional to  pi_k E(R_k, V_k),   E(R, V) = E_eta[eta exp(eta R - eta^2 V)]
                                                          = 2 int_0^{1/2} eta exp(eta R - eta^2 V) d eta.

Guarantee: the potential Phi_t = sum_k pi_k E_eta[exp(eta R_k - eta^2 V_k)] never rises above Phi_0 = 1,
since e^{x - x^2} <= 1 + x for x = eta r >= -1/2 and sum_k w_k r_{t,k} = 0.  So E_eta[exp(eta R_k - eta^2 V_k)]
<= K for every expert k, and bounding the integral below near eta* = R_k / 2V_k gives
R_k = O(sqrt(V_k (ln K + ln V_k)) + ln K): the regret adapts to the second-order quantity V_k (and stays
small where one expert is better by a gap: Koolen, Grünwald and van Erven, NeurIPS 2016).

The eta integral in closed form.  Completing the square turns it into Gaussian tails, which
overflow as written (exp(R^2 / 4V) with R, V ~ 10^6), so the learner works with ln E and
normalises by the largest; three regimes keep every term positive or the subtractions bounded:

* R < 0 (the exponent decreases on [0, 1/2]): E / 2 = K(c, V), c = -R, with
  K(c, v) = int_0^{1/2} u exp(-c u - v u^2) du;
* R > V (it increases): with eta = 1/2 - u, E / 2 = exp(R/2 - V/4) J(c, V), c = R - V,
  J(c, v) = int_0^{1/2} (1/2 - u) exp(-c u - v u^2) du;
* 0 <= R <= V (its maximum eta* = R / 2V lies in [0, 1/2]): E / 2 = exp(R eta* / 2) times the
  integrals of (eta* -+ u) exp(-V u^2) either side of eta*, by erf and expm1.

For c > 0 the moments are integrals to infinity less their tails beyond 1/2 (a tail is at most
2/e of the whole once phi = c/2 + v/4 >= 1):

    M(c, v) = int_0^{1/2} exp(-c u - v u^2) du = F(c) - e^{-phi} F(c + v),
    K(c, v) = G(c) - e^{-phi} (G(c + v) + F(c + v) / 2),        J = M / 2 - K,

with F(a) = int_0^inf e^{-a u - v u^2} du = sqrt(pi) erfcx(p) / (2 sqrt v), G(a) = int_0^inf u e^{-a u - v u^2} du
= (1 - sqrt(pi) p erfcx(p)) / 2v and p = a / (2 sqrt v); for p >= 1 they are computed as 1/a times, and
1/a^2 times, functions of p that tend to 1 (series in 1/p^2 for large p), which also gives the v = 0 limits
1/a and 1/a^2 exactly.  The scaled complementary error function erfcx(x) = exp(x^2) erfc(x) is computed
as written below x = 7 (with x^2 split so that exp does not amplify its rounding) and by its asymptotic
series above.  Where phi < 1 the tails would cancel most of the whole: there a double power series in
c/2 and v/4 is used instead.

State: ``[R_k (K), V_k (K), w_k (K)]``; act writes w (first ln E_k), update reads it, so feedback must
not be delayed.  Registered: ``squint``.
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.engine.models import dot
from olearn.learners.bandits import N_ARMS, normalized_exp, zero_init

SQRT_PI = math.sqrt(math.pi)
#: erfcx switches from exp(x^2) erfc(x) to its asymptotic series here (the series' terms fall below 1e-19
#: before they start to grow, within ASYMPTOTIC_TERMS terms)
ASYMPTOTIC_FROM = 7.0
ASYMPTOTIC_TERMS = 60
#: x is split as x_hi + x_lo, x_hi a multiple of 2^-20, so that x_hi^2 is exact (|x| < 2^6)
SPLIT = 1048576.0
#: exp(x^2) overflows for x^2 above this
EXP_LIMIT = 709.0
#: below phi = c/2 + v/4 = SERIES_BELOW the double power series is used, to order SERIES_ORDER in (c/2, v/4)
SERIES_BELOW = 1.0
SERIES_ORDER = 20
#: erf(z) / z by its Taylor series below this z
SMALL_Z = 1e-4


# ---------------------------------------------------------------- the scaled complementary error function


@kernel
def asymptotic_series(x, shift):
    """sum_{n>=0} (-1)^n prod_{j=1..n} (2j - 1 + 2 shift) / (2 x^2), for x >= ASYMPTOTIC_FROM (or x = inf: 1).

    shift 0: sqrt(pi) x erfcx(x) = 1 - 1/(2x^2) + 3/(4x^4) - ...;
    shift 1: 2x^2 (1 - sqrt(pi) x erfcx(x)) = 1 - 3/(2x^2) + 15/(4x^4) - ...
    Summed until a term is below 1e-17 (the terms shrink until n ~ x^2, far past that).
    """
    step = 0.5 / (x * x)
    term = 1.0
    total = 1.0
    for n in range(1, ASYMPTOTIC_TERMS + 1):
        term *= -(2.0 * n - 1.0 + 2.0 * shift) * step
        total += term
        if abs(term) < 1e-17:
            break
    return total


@kernel
def exp_square(x):
    """exp(x^2) for |x| < 2^6 without the rounding of x^2 (which exp would amplify x^2 times): with
    x = x_hi + x_lo, x_hi a multiple of 2^-20, exp(x^2) = exp(x_hi^2) exp(x_lo (x + x_hi)), x_hi^2 exact."""
    high = math.floor(x * SPLIT) / SPLIT
    return math.exp(high * high) * math.exp((x - high) * (x + high))


@kernel
def erfcx(x):
    """exp(x^2) erfc(x), the scaled complementary error function: the direct formula below x = 7, the
    asymptotic series (1 / (x sqrt(pi))) (1 - 1/(2x^2) + 3/(4x^4) - ...) above; inf where exp(x^2) overflows
    (x < -26.6)."""
    if x >= ASYMPTOTIC_FROM:
        return asymptotic_series(x, 0.0) / (SQRT_PI * x)
    if x * x > EXP_LIMIT:
        return math.inf
    return exp_square(x) * math.erfc(x)


@kernel
def tail_ratio(x):
    """sqrt(pi) x erfcx(x) for x >= 0: the Gaussian tail int_x^inf e^{-u^2} du over its first-order
    approximation e^{-x^2} / (2x); 0 at x = 0, rising to 1 as x -> inf."""
    if x >= ASYMPTOTIC_FROM:
        return asymptotic_series(x, 0.0)
    return SQRT_PI * x * erfcx(x)


@kernel
def tail_ratio_gap(x):
    """2 x^2 (1 - sqrt(pi) x erfcx(x)) for x >= 0: 1 - 3/(2x^2) + ... for large x (the series, no cancellation)."""
    if x >= ASYMPTOTIC_FROM:
        return asymptotic_series(x, 1.0)
    return 2.0 * x * x * (1.0 - tail_ratio(x))


# ---------------------------------------------------------------- moments of exp(-c u - v u^2) on [0, 1/2]


@kernel
def scaled_rate(a, s):
    """p = a / (2 s), s = sqrt(v); inf when v = 0 (a > 0): the Gaussian factor is then absent."""
    if s > 0.0:
        return a / (2.0 * s)
    return math.inf


@kernel
def whole_mass(a, v, s):
    """F(a) = int_0^inf exp(-a u - v u^2) du = sqrt(pi) erfcx(p) / (2 s) = tail_ratio(p) / a (a > 0, v >= 0)."""
    p = scaled_rate(a, s)
    if p < 1.0:
        return SQRT_PI * erfcx(p) / (2.0 * s)
    return tail_ratio(p) / a


@kernel
def whole_mean(a, v, s):
    """G(a) = int_0^inf u exp(-a u - v u^2) du = (1 - tail_ratio(p)) / 2v = tail_ratio_gap(p) / a^2 (a > 0, v >= 0)."""
    p = scaled_rate(a, s)
    if p < 1.0:
        return (1.0 - tail_ratio(p)) / (2.0 * v)
    return tail_ratio_gap(p) / (a * a)


@kernel
def power_series(alpha, beta, from_end):
    """int_0^1 w(t) exp(-alpha t - beta t^2) dt with w(t) = t, or 1 - t if ``from_end``, for alpha + beta < 1:

        sum_{i, j} (-alpha)^i / i! (-beta)^j / j! m(i + 2j),   m(n) = 1 / (n + 2), or 1 / ((n + 1)(n + 2)),

    to total order i + j <= SERIES_ORDER (what is left is below 6 e / 21! of the sum)."""
    total = 0.0
    beta_term = 1.0
    for j in range(SERIES_ORDER + 1):
        term = beta_term
        for i in range(SERIES_ORDER + 1 - j):
            n = i + 2.0 * j
            total += term / ((n + 1.0) * (n + 2.0)) if from_end else term / (n + 2.0)
            term *= -alpha / (i + 1.0)
        beta_term *= -beta / (j + 1.0)
    return total


@kernel
def decaying_moment(c, v, from_end):
    """K(c, v) = int_0^{1/2} u exp(-c u - v u^2) du, or J(c, v) with weight 1/2 - u if ``from_end`` (c > 0, v >= 0).

    The power series in (c/2, v/4) where phi = c/2 + v/4 < 1; else the integrals to infinity less their
    tails beyond 1/2: M = F(c) - e^{-phi} F(c + v), K = G(c) - e^{-phi} (G(c + v) + F(c + v) / 2), J = M / 2 - K.
    """
    phi = 0.5 * c + 0.25 * v
    if phi < SERIES_BELOW:
        return 0.25 * power_series(0.5 * c, 0.25 * v, from_end)
    s = math.sqrt(v)
    tail = math.exp(-phi)
    end = c + v
    mean = whole_mean(c, v, s) - tail * (whole_mean(end, v, s) + 0.5 * whole_mass(end, v, s))
    if not from_end:
        return mean
    return 0.5 * (whole_mass(c, v, s) - tail * whole_mass(end, v, s)) - mean


# ---------------------------------------------------------------- moments of exp(-v u^2) on [0, length]


@kernel
def erf_ratio(z):
    """sqrt(pi) erf(z) / (2 z), 1 at z = 0: the mean of exp(-z^2 t^2) over t in [0, 1]."""
    if z < SMALL_Z:
        return 1.0 - z * z / 3.0
    return SQRT_PI * math.erf(z) / (2.0 * z)


@kernel
def expm1_ratio(x):
    """(1 - e^{-x}) / x, 1 at x = 0."""
    if x == 0.0:
        return 1.0
    return -math.expm1(-x) / x


@kernel
def peaked_integral(r, v):
    """E / 2 exp(-R eta* / 2) for 0 <= R <= V, V > 0, eta* = R / 2V in [0, 1/2]:

        int_0^{eta*} (eta* - u) e^{-V u^2} du + int_0^{1/2 - eta*} (eta* + u) e^{-V u^2} du,

    with int_0^L e^{-V u^2} du = L erf_ratio(sqrt(V) L) and int_0^L u e^{-V u^2} du = L^2 expm1_ratio(V L^2) / 2
    (the first difference is at least half its first term: no cancellation)."""
    s = math.sqrt(v)
    peak = r / (2.0 * v)
    rest = 0.5 - peak
    left = peak * peak * (erf_ratio(s * peak) - 0.5 * expm1_ratio(v * peak * peak))
    right = peak * rest * erf_ratio(s * rest) + 0.5 * rest * rest * expm1_ratio(v * rest * rest)
    return left + right


@kernel
def log_evidence(r, v):
    """ln E(R, V) = ln( 2 int_0^{1/2} eta exp(eta R - eta^2 V) d eta ), for V >= 0 (see the module)."""
    if r < 0.0:
        return math.log(2.0 * decaying_moment(-r, v, False))
    if r > v:
        return 0.5 * r - 0.25 * v + math.log(2.0 * decaying_moment(r - v, v, True))
    if v == 0.0:  # R = V = 0: E = 2 int_0^{1/2} eta d eta
        return math.log(0.25)
    return 0.25 * r * r / v + math.log(2.0 * peaked_integral(r, v))


# ---------------------------------------------------------------- the learner


@kernel
def squint_weights(state, k_arms):
    """w_k = exp(ln E(R_k, V_k) - max_j ln E(R_j, V_j)) / sum, written to state[2K:3K]."""
    weights = state[2 * k_arms : 3 * k_arms]
    for k in range(k_arms):
        weights[k] = log_evidence(state[k], state[k_arms + k])
    normalized_exp(weights, weights, k_arms)


@kernel
def squint_act(state, params, obs, t, seed, action):
    """w_t from (R, V); play an expert drawn from w_t."""
    k_arms = int(params[0])
    squint_weights(state, k_arms)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, state[2 * k_arms : 3 * k_arms], k_arms)


@kernel
def squint_update(state, params, obs, action, feedback, t, seed):
    """r_k = <w_t, l_t> - l_k with the weights act played; R_k += r_k, V_k += r_k^2."""
    k_arms = int(params[0])
    mixture = dot(state[2 * k_arms : 3 * k_arms], feedback, k_arms)
    for k in range(k_arms):
        regret = mixture - feedback[k]
        state[k] += regret
        state[k_arms + k] += regret * regret


SQUINT = LearnerType(
    name="squint",
    summary="Squint: w_k ∝ E_eta[eta exp(eta R_k - eta^2 V_k)], eta ~ U[0, 1/2], R_k and V_k the summed regret "
    "against the mixture and its square; no step size, no horizon",
    reference="Koolen and van Erven (COLT 2015), Second-order quantile methods for experts and combinatorial games: "
    "the potential sum_k pi_k E_eta[exp(eta R_k - eta^2 V_k)] stays <= 1, so with the uniform prior on eta "
    "R_k = O(sqrt(V_k (ln K + ln V_k)) + ln K)",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k,  # R[k], V[k], then the weights w[k] of this round
    row=lambda v, k, d, horizon: [k],
    init=zero_init,
    act=squint_act,
    update=squint_update,
    delayable=False,
)

LEARNERS = (SQUINT,)
