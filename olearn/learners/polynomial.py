"""ML-Poly: polynomially weighted averages with one learning rate per expert (full information).

Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses, ML-Poly.  Over N experts with
losses l_t in [0, 1]^N the learner charges each expert its instantaneous regret r_{t,i} = <p_t, l_t> - l_{t,i},
sums them into R_{i,t} = sum_{s <= t} r_{s,i}, and plays

    p_{t,i}  proportional to  eta_{i,t-1} [R_{i,t-1}]_+,    eta_{i,t-1} = 1 / (1 + sum_{s < t} r_{s,i}^2),

uniformly while no expert is ahead of the learner (every [R]_+ = 0).  The polynomial potential of degree 2
(Cesa-Bianchi and Lugosi 2003) with a rate per expert, so nothing is tuned to T or to N.

The bound (derived here; the paper states one of the same form): because sum_i p_i r_{t,i} = 0 and p ∝ eta [R]_+,
sum_i eta_{i,t-1} [R_{i,t-1}]_+ r_{t,i} = 0, so with [R + r]_+^2 <= [R]_+^2 + 2 [R]_+ r + r^2 and eta
non-increasing,

    sum_i eta_{i,t} [R_{i,t}]_+^2  <=  sum_i eta_{i,t-1} [R_{i,t-1}]_+^2 + sum_i eta_{i,t-1} r_{t,i}^2,

and summing over t, for every expert j and any losses in [0, 1] (x <= 2 ln(1 + x) for x in [0, 1]):

    [R_{j,T}]_+  <=  sqrt((1 + sum_t r_{t,j}^2) sum_i sum_t eta_{i,t-1} r_{t,i}^2)
                 <=  sqrt(2 N ln(1 + T) (1 + sum_t r_{t,j}^2)),

a second-order bound: against an expert that never errs r_{t,j} = <p_t, l_t> in [0, 1], so the learner's
expected loss L_T satisfies L_T <= sqrt(2 N ln(1 + T) (1 + L_T)) and is O(N ln T).  ``tests/test_polynomial.py``
checks the first inequality on adversarial sequences.

Sleeping experts (as for AdaNormalHedge, charging a sleeping expert the mixture's loss): on a world of sleeping arms
(:mod:`environments.sleeping`) only the awake experts get weight and only their R and sum r^2 move (r_i = 0 while
expert i sleeps).  The derivation above goes through unchanged (sum_i eta_i [R_i]_+ r_i is still 0), so the bound
holds for the regret to each expert over the rounds it is awake.  With every expert awake this is the rule above.

State: ``[R_i (N), sum r_i^2 (N), p_i (N)]``; update reads the p that act played, so feedback must not be
delayed.  Registered: ``ml_poly``.
"""
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS
from olearn.learners.sleeping import awake_regret_update, is_awake


@kernel
def ml_poly_init(state, params, seed):
    """No regret and no squared regret yet; p uniform."""
    n = int(params[0])
    for i in range(n):
        state[i] = 0.0
        state[n + i] = 0.0
        state[2 * n + i] = 1.0 / n


@kernel
def ml_poly_act(state, params, obs, t, seed, action):
    """p_i ∝ [R_i]_+ / (1 + sum r_i^2) over the awake experts into state[2N:3N], uniform over them when every such
    [R_i]_+ is 0; then one expert drawn."""
    n = int(params[0])
    p = state[2 * n : 3 * n]
    total = 0.0
    awake = 0.0
    for i in range(n):
        p[i] = 0.0
        if is_awake(params, obs, i):
            awake += 1.0
            p[i] = max(state[i], 0.0) / (1.0 + state[n + i])
        total += p[i]
    for i in range(n):
        if total > 0.0:
            p[i] = p[i] / total
        else:
            p[i] = 1.0 / awake if is_awake(params, obs, i) else 0.0
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, p, n)


@kernel
def ml_poly_update(state, params, obs, action, feedback, t, seed):
    """r_i = <p, l> - l_i for the awake experts, with the p that act played; R_i += r_i; sum r_i^2 += r_i^2."""
    awake_regret_update(state, params, obs, feedback, False)


ML_POLY = LearnerType(
    name="ml_poly",
    summary="ML-Poly: p_i ∝ [R_i]_+ / (1 + sum r_i^2), R_i the summed regret r_i = <p, l> - l_i against the "
    "mixture (uniform while no expert is ahead; over the rounds expert i is awake, on sleeping worlds); polynomial "
    "weights with a rate per expert, no step size, no horizon",
    reference="Gaillard, Stoltz and van Erven (COLT 2014), A second-order bound with excess losses, ML-Poly: "
    "[R_{j,T}]_+ <= sqrt(2 N ln(1 + T) (1 + sum_t r_{t,j}^2)) for every expert j (derived in the module's docstring)",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k,  # R[k], sum r^2 [k], then the weights p[k] played this round
    row=lambda v, k, d, horizon: [k, 0.0, d],  # params[1] unused: is_awake reads obs_dim at params[2]
    init=ml_poly_init,
    act=ml_poly_act,
    update=ml_poly_update,
    sleeping=True,
    delayable=False,
)

LEARNERS = (ML_POLY,)
