"""Cover's universal portfolio, by sampling (problem kind ``oco``, the ``portfolio`` world).

Cover (Mathematical Finance 1991), Universal portfolios; the Dirichlet(1/2, ..., 1/2) prior of Cover and Ordentlich
(IEEE Trans. Inf. Theory 1996).  The universal portfolio holds every constant rebalanced portfolio (CRP) b at once,
each with its prior weight, and plays their wealth-weighted mean

    x_t = E_b[b W_{t-1}(b)] / E_b[W_{t-1}(b)],    W_{t-1}(b) = prod_{s < t} <b, r_s>,

so its wealth is the prior average of the CRPs' wealths, W_T = E_b[W_T(b)] (Cover 1991): regret against the best
CRP of O((d - 1) / 2 ln T) (their bound with this prior: W_T(best) / W_T <= 2 (T + 1)^((d-1)/2), checked against a
restatement of their Theorem 2, which has Gamma(1/2) Gamma(T + d/2) / (Gamma(d/2) Gamma(T + 1/2)) in between; tests
check it on every extreme market, where they locate the worst case, for d <= 4, and that it is tight at d = 3).

Here the expectation is over N portfolios b_1, ..., b_N drawn once per seed from the prior (Dirichlet(1/2):
b_ji = Z_ji^2 / sum_i Z_ji^2, Z standard normal, the counter-based draws of round 0, stream LEARNER), as Blum and
Kalai (1999) suggest: the learner is exponential weights at rate 1 over N CRPs, so exactly

    W_T = (1/N) sum_j W_T(b_j)     and     regret to the best b_j  <=  ln N,

and as N grows, Cover's integral.  The learner needs the price relatives r_t; it reads them back from the feedback of
f_t(x) = -ln <x, r_t>: -g_t = r_t / <x_t, r_t> and f_t = -ln <x_t, r_t>, so ln <b, r_t> = ln <b, -g_t> - f_t
(any delay leaves this exact).  On worlds with other losses these are not relatives, and it plays on simplices only.
On a simplex of total R it plays R x_t.

State: ``[ln W_j (N), b_j (N d)]``, O(N d) per round.  Registered: ``universal_portfolio``.
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.models import dot
from olearn.engine.oco import require_domains
from olearn.learners.oco import DIM, _dim

SAMPLES = Param("samples", 1000, "number N of constant rebalanced portfolios drawn from the Dirichlet(1/2) prior",
                kind="int", low=1, high=1_000_000)


@kernel
def universal_init(state, params, seed):
    """ln W_j = 0; b_j = (Z_j1^2, ..., Z_jd^2) / sum_i Z_ji^2, Z standard normal: Dirichlet(1/2, ..., 1/2)."""
    d = int(params[0])
    n = int(params[1])
    for j in range(n):
        state[j] = 0.0
        total = 0.0
        for i in range(d):
            z = rng.normal(seed, rng.LEARNER, 0, j * d + i)
            state[n + j * d + i] = z * z
            total += z * z
        for i in range(d):
            state[n + j * d + i] /= total


@kernel
def universal_act(state, params, obs, t, seed, action):
    """x = R sum_j w_j b_j, w_j ∝ W_j (the largest ln W_j subtracted)."""
    d = int(params[0])
    n = int(params[1])
    top = -math.inf
    for j in range(n):
        top = max(top, state[j])
    for i in range(d):
        action[i] = 0.0
    total = 0.0
    for j in range(n):
        w = math.exp(state[j] - top)
        total += w
        for i in range(d):
            action[i] += w * state[n + j * d + i]
    for i in range(d):
        action[i] *= obs[1] / total


@kernel
def universal_update(state, params, obs, action, feedback, t, seed):
    """ln W_j += ln <b_j, r_t> = ln <b_j, -g_t> - f_t (held at ln 1e-300 or more where that is not positive)."""
    d = int(params[0])
    n = int(params[1])
    for j in range(n):
        growth = -dot(state[n + j * d : n + (j + 1) * d], feedback[1 : 1 + d], d)
        state[j] += math.log(max(growth, 1e-300)) - feedback[0]


UNIVERSAL_PORTFOLIO = LearnerType(
    name="universal_portfolio",
    summary="Cover's universal portfolio by sampling: x = sum_j W_j b_j / sum_j W_j over N constant rebalanced "
    "portfolios b_j ~ Dirichlet(1/2), W_j their wealths (relatives read back from the feedback: r ∝ -g); "
    "wealth = the mean of the W_j, regret <= ln N to the best b_j (portfolio world, simplex only)",
    reference="Cover (1991), Universal portfolios; Cover and Ordentlich (1996), Dirichlet(1/2) prior: regret "
    "<= (d - 1)/2 ln(T + 1) + ln 2 for the exact integral; sampling: Blum and Kalai (1999)",
    feedback="full",
    kind="oco",
    params=(DIM, SAMPLES),
    state_size=lambda v, k, d: v["samples"] * (1 + k),
    row=lambda v, k, d, h: [_dim("universal_portfolio", v, k), v["samples"]],
    init=universal_init,
    act=universal_act,
    update=universal_update,
    test_params=({"samples": 50}, {"samples": 3}),
)
require_domains("universal_portfolio", (domains.SIMPLEX,))

LEARNERS = (UNIVERSAL_PORTFOLIO,)
