"""Multi-armed bandit learners (bandit feedback: the loss of the played arm only).

Conventions: losses are in [0, 1] unless stated; index policies work with the
reward ``r = 1 - loss``.  Rounds ``t`` count from 0, so the round number of the
textbooks is ``t + 1``.  Arms never played are tried first, in index order;
remaining ties go to the lowest index.
"""
import math

from olearn.core import rng, special
from olearn.core.config import NEWTON_STEPS
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType

N_ARMS = Param("n_arms", None, "number of arms; taken from the environment when None", kind="int", low=1, optional=True)
#: Tsallis-INF's loss shift, within 1e6 of 0: the estimates grow like |loss - shift| / p, and the normaliser
#: places x next to the leader's estimate to ~1e-16 of its size (at shift 1e20 that is 0: p = inf)
LOSS_SHIFT = Param("shift", 0.0, "subtracted from every loss before importance weighting", low=-1e6, high=1e6)


@kernel
def zero_init(state, params, seed):
    """Every state slot starts at zero."""
    for i in range(state.size):
        state[i] = 0.0


def _counts_and_sums(values, n_actions, obs_dim):
    return 2 * n_actions  # plays n[k], then summed rewards s[k]


# ---------------------------------------------------------------- UCB1


@kernel
def ucb1_act(state, params, obs, t, seed, action):
    """argmax_k mean_k + sqrt(c ln t) r_k, with mean_k = s_k / n_k and r_k = sqrt(1 / n_k) kept in the state
    (they change only when arm k is played), so a round costs one log and one sqrt, not a division and a
    sqrt per arm."""
    k_arms = int(params[0])
    sqrt_c_log_t = math.sqrt(params[1] * math.log(t + 1.0))
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        # an unplayed arm has index +inf, so the first one wins (strict >); a select, not an early
        # exit, keeps this loop branch-free, which is what lets the compiler schedule it tightly
        index = math.inf if state[k] == 0.0 else state[2 * k_arms + k] + sqrt_c_log_t * state[3 * k_arms + k]
        if index > best:
            best = index
            arm = k
    action[0] = arm


@kernel
def mean_update(state, params, obs, action, feedback, t, seed):
    """n[a] += 1, s[a] += 1 - loss."""
    k_arms = int(params[0])
    a = int(action[0])
    state[a] += 1.0
    state[k_arms + a] += 1.0 - feedback[0]


@kernel
def first_unplayed(state, k_arms):
    """The lowest-index arm never played (plays n[k] in state[:K]), or -1."""
    for k in range(k_arms):
        if state[k] <= 0.0:
            return k
    return -1


@kernel
def best_mean_arm(state, k_arms):
    """argmax_k s_k / n_k over the counts and sums state (:func:`mean_update`); unplayed arms first (an infinite
    mean, as in UCB1's act), ties to the lowest index."""
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = state[k]
        mean = math.inf if n == 0.0 else state[k_arms + k] / n
        if mean > best:
            best = mean
            arm = k
    return arm


@kernel
def ucb1_update(state, params, obs, action, feedback, t, seed):
    """:func:`mean_update`, then mean_a = s_a / n_a and r_a = sqrt(1 / n_a)."""
    mean_update(state, params, obs, action, feedback, t, seed)
    k_arms = int(params[0])
    a = int(action[0])
    state[2 * k_arms + a] = state[k_arms + a] / state[a]
    state[3 * k_arms + a] = math.sqrt(1.0 / state[a])


UCB1 = LearnerType(
    name="ucb1",
    summary="UCB1: play argmax_k  mean_k + sqrt(c ln t / n_k), t the 1-based round (state: n, s, mean, sqrt(1/n))",
    reference="Auer, Cesa-Bianchi and Fischer (2002), Finite-time analysis of the multiarmed bandit problem; c = 2 is their index "
    "(their ln n counts the plays so far, t - 1)",
    feedback="bandit",
    params=(N_ARMS, Param("c", 2.0, "exploration constant in sqrt(c ln t / n)", low=0.0)),
    state_size=lambda values, n_actions, obs_dim: 4 * n_actions,
    row=lambda v, k, d, horizon: [k, v["c"]],
    init=zero_init,
    act=ucb1_act,
    update=ucb1_update,
    test_params=({}, {"c": 0.5}),
)

# ---------------------------------------------------------------- MOSS


@kernel
def moss_act(state, params, obs, t, seed, action):
    """argmax_k mean_k + sqrt(max(ln(T / (K n_k)), 0) / n_k), each arm's index kept in the state (it changes only
    when the arm is played: :func:`moss_update`); unplayed arms first, ties to the lowest index."""
    k_arms = int(params[0])
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        index = math.inf if state[k] == 0.0 else state[2 * k_arms + k]
        if index > best:
            best = index
            arm = k
    action[0] = arm


@kernel
def moss_update(state, params, obs, action, feedback, t, seed):
    """:func:`mean_update`, then the played arm's index mean_a + sqrt(max(ln(T / (K n_a)), 0) / n_a)."""
    mean_update(state, params, obs, action, feedback, t, seed)
    k_arms = int(params[0])
    a = int(action[0])
    n = state[a]
    state[2 * k_arms + a] = state[k_arms + a] / n + math.sqrt(max(math.log(params[1] / (k_arms * n)), 0.0) / n)


MOSS = LearnerType(
    name="moss",
    summary="MOSS: UCB with the exploration ln(T / (K n_k)) instead of ln t: minimax-optimal sqrt(T K) regret",
    reference="Audibert and Bubeck (COLT 2009), Minimax policies for adversarial and stochastic bandits, Thm 5: "
    "regret <= 49 sqrt(T K)",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda values, n_actions, obs_dim: 3 * n_actions,  # n, s, then each arm's index
    row=lambda v, k, d, horizon: [k, horizon],
    init=zero_init,
    act=moss_act,
    update=moss_update,
)

# ---------------------------------------------------------------- KL-UCB


@kernel
def bernoulli_kl(p, q):
    """kl(p, q) between Bernoulli laws, with 0 log 0 = 0 and kl = inf where q is 0 or 1 and p is not (on every
    backend: Python's division by zero would raise where numba's gives inf)."""
    out = 0.0
    if p > 0.0:
        if q <= 0.0:
            return math.inf
        out += p * math.log(p / q)
    if p < 1.0:
        if q >= 1.0:
            return math.inf
        out += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return out


@kernel
def kl_upper_bound(p, bound):
    """An upper bound on the KL-UCB index from kl(p, q) >= (q - p)^2 / (2 v), v >= x (1 - x) on [p, q].

    v = p (1 - p) when p >= 1/2 (x (1 - x) decreases there), else v = 1/4 (Pinsker).
    """
    v = p * (1.0 - p) if p >= 0.5 else 0.25
    return min(p + math.sqrt(2.0 * v * bound), 1.0)


@kernel
def kl_upper(p, bound):
    """max {q in [p, 1] : kl(p, q) <= bound}.

    Newton's method in y = -ln(1 - q), where f(y) = kl(p, q(y)) - bound is convex, increasing
    and close to linear (slope (q - p) / q), started from an upper bound y0 with f(y0) >= 0:
    the smaller of -ln(1 - q0) (q0 from :func:`kl_upper_bound`) and
    (bound - p ln p) / (1 - p) - ln(1 - p) (from p ln(p / q) >= p ln p).  The iterates decrease
    monotonically to the root; stops once f <= 1e-13 or a step is below 1e-11.
    """
    return kl_upper_above(p, bound, -math.inf)


@kernel
def kl_upper_above(p, bound, y_floor):
    """:func:`kl_upper` (the same iterates, the same stopping rule), or -inf as soon as an iterate
    y falls below ``y_floor``: the iterates decrease, so the index is then below 1 - exp(-y_floor)."""
    if bound <= 0.0 or p >= 1.0:
        return p
    p_log_p = p * math.log(p) if p > 0.0 else 0.0
    log_1mp = math.log(1.0 - p)
    y = (bound - p_log_p) / (1.0 - p) - log_1mp
    if y < y_floor:
        return -math.inf
    q = kl_upper_bound(p, bound)
    if q < 1.0:
        y = min(y, -math.log(1.0 - q))
    if y < y_floor:
        return -math.inf
    q = -math.expm1(-y)
    for _ in range(NEWTON_STEPS):
        # kl(p, q) = p ln p - p ln q + (1 - p) (ln(1 - p) + y)
        f = p_log_p + (1.0 - p) * (log_1mp + y) - bound
        if p > 0.0:
            f -= p * math.log(q)
        if f <= 1e-13 or q <= p:
            break
        step = f * q / (q - p)
        y -= step
        if y < y_floor:
            return -math.inf
        q = -math.expm1(-y)
        if step <= 1e-11:
            break
    return q


@kernel
def kl_ucb_act(state, params, obs, t, seed, action):
    """argmax_k max{q : n_k kl(mean_k, q) <= ln t + c ln ln t} (:func:`kl_ucb_arm`)."""
    log_t = math.log(t + 1.0)
    explore = log_t
    if params[1] > 0.0 and log_t > 1.0:
        explore += params[1] * math.log(log_t)
    action[0] = kl_ucb_arm(state, int(params[0]), explore)


@kernel
def kl_ucb_arm(state, k_arms, explore):
    """argmax_k max{q : n_k kl(mean_k, q) <= explore} (state: n[k], then summed rewards s[k]; means clipped to
    [0, 1]); the first unplayed arm if any.  The arm with the best empirical mean is scored first; an arm whose
    upper bound (:func:`kl_upper_bound`) cannot beat the best index so far is skipped, and so is an arm
    once one of its Newton iterates y = -ln(1 - q) falls below that of the best index so far less
    1e-12 (the iterates only decrease; the margin covers the rounding of log1p and expm1).
    Ties still go to the lowest index."""
    lead = 0
    lead_mean = -math.inf
    for k in range(k_arms):
        n = state[k]
        if n == 0.0:
            return k
        mean = state[k_arms + k] / n
        if mean > lead_mean:
            lead_mean = mean
            lead = k
    p = min(max(lead_mean, 0.0), 1.0)
    arm = lead
    best = kl_upper(p, explore / state[lead])
    y_floor = -math.log1p(1e-12 - best)  # an iterate y below this gives an index below best
    for k in range(k_arms):
        if k == lead:
            continue
        n = state[k]
        p = min(max(state[k_arms + k] / n, 0.0), 1.0)
        upper = kl_upper_bound(p, explore / n)
        if upper < best or (k > arm and upper == best):
            continue
        # a losing arm's Newton iterates are abandoned once below the best index: most arms lose
        index = kl_upper_above(p, explore / n, y_floor)
        if index > best or (k < arm and index == best):
            best = index
            arm = k
            y_floor = -math.log1p(1e-12 - best)
    return arm


KL_UCB = LearnerType(
    name="kl_ucb",
    summary="KL-UCB for Bernoulli rewards: max q with n_k kl(mean_k, q) <= ln t + c ln ln t, t the 1-based round",
    reference="Garivier and Cappe (2011), The KL-UCB algorithm for bounded stochastic bandits and beyond "
    "(their ln t counts the rounds so far, t - 1, as UCB1's; the c ln ln t term is added once ln t > 1)",
    feedback="bandit",
    params=(N_ARMS, Param("c", 0.0, "coefficient of ln ln t in the exploration term", low=0.0)),
    state_size=_counts_and_sums,
    row=lambda v, k, d, horizon: [k, v["c"]],
    init=zero_init,
    act=kl_ucb_act,
    update=mean_update,
    test_params=({}, {"c": 3.0}),
)

# ---------------------------------------------------------------- KL-UCB++


@kernel
def kl_ucb_pp_act(state, params, obs, t, seed, action):
    """argmax_k max{q : n_k kl(mean_k, q) <= g(n_k)}, g(n) = log+(y (log+(y)^2 + 1)), y = T / (K n); unplayed arms
    first, ties low (T / K at params[1])."""
    k_arms = int(params[0])
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = state[k]
        if n == 0.0:
            action[0] = k
            return
        y = params[1] / n
        log_y = max(math.log(y), 0.0)
        explore = max(math.log(y * (log_y * log_y + 1.0)), 0.0)
        index = kl_upper(min(max(state[k_arms + k] / n, 0.0), 1.0), explore / n)
        if index > best:
            best = index
            arm = k
    action[0] = arm


KL_UCB_PP = LearnerType(
    name="kl_ucb_pp",
    summary="KL-UCB++: max q with n_k kl(mean_k, q) <= log+(y (log+(y)^2 + 1)), y = T / (K n_k): minimax optimal "
    "and asymptotically optimal at once, for a known horizon T",
    reference="Menard and Garivier (ALT 2017), A minimax and asymptotically optimal algorithm for stochastic bandits: "
    "regret O(sqrt(K T)) and, for Bernoulli arms, limsup R_T / ln T <= sum_k Delta_k / kl(mu_k, mu*)",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=_counts_and_sums,
    row=lambda v, k, d, horizon: [k, horizon / k],
    init=zero_init,
    act=kl_ucb_pp_act,
    update=mean_update,
)

# ---------------------------------------------------------------- IMED


@kernel
def imed_act(state, params, obs, t, seed, action):
    """argmin_k I_k = n_k kl(mean_k, mean_max) + ln n_k over the counts and sums state (:func:`mean_update`), the
    means clipped to [0, 1]; arms never played first, ties to the lowest index.

    A leader (mean_k = mean_max) has I_k = ln n_k exactly.  When mean_max = 1 every arm below it has
    kl(mean_k, 1) = +inf, so I_k = +inf: such arms wait until the leaders' means leave 1 (they are played, having
    a finite index, and a reward below 1 ends this).  When mean_max = 0 every arm is a leader and the least played
    goes next."""
    k_arms = int(params[0])
    top = -math.inf
    for k in range(k_arms):
        n = state[k]
        if n == 0.0:
            action[0] = k
            return
        top = max(top, min(max(state[k_arms + k] / n, 0.0), 1.0))
    arm = 0
    best = math.inf
    for k in range(k_arms):
        n = state[k]
        mean = min(max(state[k_arms + k] / n, 0.0), 1.0)
        if mean >= top:
            index = math.log(n)
        elif top >= 1.0:
            index = math.inf
        else:
            index = n * bernoulli_kl(mean, top) + math.log(n)
        if index < best:
            best = index
            arm = k
    action[0] = arm


IMED = LearnerType(
    name="imed",
    summary="IMED for rewards in [0, 1]: play argmin_k n_k kl(mean_k, max_j mean_j) + ln n_k (Bernoulli kl; no "
    "confidence level, no horizon)",
    reference="Honda and Takemura (JMLR 2015), Non-asymptotic analysis of a new bandit algorithm for semi-bounded "
    "rewards, the IMED policy, with D_inf(F, mu) = kl(mean, mu) (exact for Bernoulli rewards, a lower bound "
    "for others on [0, 1]); asymptotically optimal: regret ~ ln T sum_k Delta_k / kl(mu_k, mu*) (Lai and Robbins)",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=_counts_and_sums,
    row=lambda v, k, d, horizon: [k],
    init=zero_init,
    act=imed_act,
    update=mean_update,
)

# ---------------------------------------------------------------- UCB-V


@kernel
def ucb_v_act(state, params, obs, t, seed, action):
    """argmax_k mean_k + sqrt(2 V_k E / n_k) + 3 c b E / n_k, E = zeta ln t; unplayed arms first, ties low."""
    k_arms = int(params[0])
    explore = params[1] * math.log(t + 1.0)
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = state[k]
        index = math.inf
        if n > 0.0:
            mean = state[k_arms + k] / n
            variance = max(state[2 * k_arms + k] / n - mean * mean, 0.0)
            index = mean + math.sqrt(2.0 * variance * explore / n) + params[2] * explore / n
        if index > best:
            best = index
            arm = k
    action[0] = arm


@kernel
def ucb_v_update(state, params, obs, action, feedback, t, seed):
    """:func:`mean_update`, then q[a] += r^2 with r = 1 - loss."""
    mean_update(state, params, obs, action, feedback, t, seed)
    r = 1.0 - feedback[0]
    state[2 * int(params[0]) + int(action[0])] += r * r


UCB_V = LearnerType(
    name="ucb_v",
    summary="UCB-V: argmax_k mean_k + sqrt(2 V_k zeta ln t / n_k) + 3 c b zeta ln t / n_k, V_k the empirical variance",
    reference="Audibert, Munos and Szepesvari (TCS 2009), Exploration-exploitation tradeoff using variance estimates in "
    "multi-armed bandits, eq. (2) and Thm 3: zeta = 1.2, c = 1 give regret O(sum_k (sigma_k^2 / Delta_k + 2 b) ln T); "
    "t the 1-based round",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("zeta", 1.2, "exploration rate E = zeta ln t (logarithmic regret needs zeta > 1)", low=0.0),
        Param("c", 1.0, "weight of the range term 3 c b E / n", low=0.0),
        Param("scale", 1.0, "b, the width of the reward range", low=0.0, open_low=True),
    ),
    state_size=lambda v, k, d: 3 * k,  # plays n[k], summed rewards s[k], summed squared rewards q[k]
    row=lambda v, k, d, horizon: [k, v["zeta"], 3.0 * v["c"] * v["scale"]],
    init=zero_init,
    act=ucb_v_act,
    update=ucb_v_update,
    test_params=({}, {"zeta": 0.5, "c": 0.2}),
)

# ---------------------------------------------------------------- UCB1-Tuned


@kernel
def ucb_tuned_act(state, params, obs, t, seed, action):
    """argmax_k mean_k + sqrt(ln n / n_k min(1/4, V_k)), V_k = q_k / n_k - mean_k^2 + sqrt(2 ln n / n_k), n = t the
    plays so far; unplayed arms first, ties low."""
    k_arms = int(params[0])
    log_n = math.log(max(t, 1.0))
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n = state[k]
        index = math.inf
        if n > 0.0:
            mean = state[k_arms + k] / n
            # the variance held at 0 or more: q / n - mean^2 cancels to below 0 for rewards far from 0 (1e8)
            bound = max(state[2 * k_arms + k] / n - mean * mean, 0.0) + math.sqrt(2.0 * log_n / n)
            index = mean + math.sqrt(log_n / n * min(0.25, bound))
        if index > best:
            best = index
            arm = k
    action[0] = arm


UCB_TUNED = LearnerType(
    name="ucb_tuned",
    summary="UCB1-Tuned: argmax_k mean_k + sqrt(ln n / n_k min(1/4, V_k)), V_k the empirical variance plus "
    "sqrt(2 ln n / n_k), n the plays so far",
    reference="Auer, Cesa-Bianchi and Fischer (Machine Learning 2002), Finite-time analysis of the multiarmed bandit "
    "problem, section 4 (UCB1-TUNED; no regret bound is proved for it, and it did best in their experiments)",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k,  # plays n[k], summed rewards s[k], summed squared rewards q[k]
    row=lambda v, k, d, horizon: [k],
    init=zero_init,
    act=ucb_tuned_act,
    update=ucb_v_update,
)

# ---------------------------------------------------------------- successive elimination


@kernel
def successive_elimination_init(state, params, seed):
    """No plays, every arm active (state[2K + k] = 1)."""
    k_arms = int(params[0])
    for i in range(state.size):
        state[i] = 0.0
    for k in range(k_arms):
        state[2 * k_arms + k] = 1.0


@kernel
def successive_elimination_act(state, params, obs, t, seed, action):
    """The active arm with the fewest plays (the lowest index among them): the active arms in turn."""
    k_arms = int(params[0])
    arm = -1
    for k in range(k_arms):
        if state[2 * k_arms + k] > 0.0 and (arm < 0 or state[k] < state[arm]):
            arm = k
    action[0] = arm


@kernel
def successive_elimination_update(state, params, obs, action, feedback, t, seed):
    """:func:`mean_update`; then, once every active arm has been played, deactivate each active arm whose upper
    bound mean_k + r(n_k) is below the largest lower bound mean_j - r(n_j), r(n) = sqrt(2 ln T / n).  Without delays
    the arms are played in turn, so at a phase's end every n_k is the same n, as in the textbook rule; checking
    after every reward, with each arm's own n_k, keeps eliminating when delayed feedback leaves the counts uneven."""
    mean_update(state, params, obs, action, feedback, t, seed)
    k_arms = int(params[0])
    lower = -math.inf
    for k in range(k_arms):
        if state[2 * k_arms + k] > 0.0:
            n = state[k]
            if n == 0.0:
                return
            lower = max(lower, state[k_arms + k] / n - math.sqrt(2.0 * params[1] / n))
    for k in range(k_arms):
        if state[2 * k_arms + k] > 0.0:
            n = state[k]
            if state[k_arms + k] / n + math.sqrt(2.0 * params[1] / n) < lower:
                state[2 * k_arms + k] = 0.0


SUCCESSIVE_ELIMINATION = LearnerType(
    name="successive_elimination",
    summary="successive elimination: the active arms in turn; drop an arm once its mean + r(n_k) is below the best "
    "mean_j - r(n_j), r(n) = sqrt(2 ln T / n)",
    reference="Even-Dar, Mannor and Mansour (JMLR 2006), action elimination; the regret form of Slivkins (2019), "
    "Introduction to multi-armed bandits, section 1.3: an arm with gap Delta is played at most 32 ln T / Delta^2 + 1 "
    "times on the event that every mean is within r(n), so regret O(sum_k ln T / Delta_k) and O(sqrt(K T ln T))",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=lambda v, k, d: 3 * k,  # plays n[k], summed rewards s[k], active[k] (1 or 0)
    row=lambda v, k, d, horizon: [k, math.log(horizon)],
    init=successive_elimination_init,
    act=successive_elimination_act,
    update=successive_elimination_update,
)

# ---------------------------------------------------------------- Bayes-UCB


@kernel
def bayes_ucb_act(state, params, obs, t, seed, action):
    """argmax_k of the 1 - delta quantile q_k of Beta(1 + S_k, 1 + n_k - S_k), delta = 1/(t (ln T)^c); unplayed arms
    first, ties to the lowest index.

    Arms are compared by 1 - q_k (:func:`olearn.core.special.beta_upper_gap`), which keeps its precision
    when the quantiles crowd against 1.  The arm with the best empirical mean is scored first.  Another
    arm's quantile is below the best one so far, q, exactly when its posterior puts mass at most delta
    above q, i.e. ln I_{1-q}(1 + F_k, 1 + S_k) <= ln delta: one incomplete-beta evaluation rules it out,
    and only the arms that pass are solved for (most lose)."""
    k_arms = int(params[0])
    log_delta = -(math.log(t + 1.0) + params[1])
    lead = 0
    lead_mean = -math.inf
    for k in range(k_arms):
        n = state[k]
        if n == 0.0:
            action[0] = k
            return
        mean = state[k_arms + k] / n
        if mean > lead_mean:
            lead_mean = mean
            lead = k
    s = state[k_arms + lead]
    best = special.beta_upper_gap(log_delta, 1.0 + s, 1.0 + state[lead] - s)  # 1 - the best quantile so far
    arm = lead
    for k in range(k_arms):
        if k == lead:
            continue
        s = state[k_arms + k]
        f = state[k] - s
        excess = special.log_beta_tail(best, 1.0 + f, 1.0 + s) - log_delta
        if excess < 0.0 or (excess == 0.0 and k > arm):
            continue
        gap = special.beta_upper_gap(log_delta, 1.0 + s, 1.0 + f)
        if gap < best or (k < arm and gap == best):
            best = gap
            arm = k
    action[0] = arm


@kernel
def clipped_mean_update(state, params, obs, action, feedback, t, seed):
    """n[a] += 1, s[a] += r with r = 1 - loss clipped to [0, 1]."""
    k_arms = int(params[0])
    a = int(action[0])
    state[a] += 1.0
    state[k_arms + a] += min(max(1.0 - feedback[0], 0.0), 1.0)


def _bayes_ucb_row(v, k, d, horizon):
    """[K, c ln(max(ln T, 1))]: no horizon at c = 0 (the paper's experiments)."""
    return [k, v["c"] * math.log(max(math.log(horizon), 1.0)) if v["c"] > 0.0 else 0.0]


BAYES_UCB = LearnerType(
    name="bayes_ucb",
    summary="Bayes-UCB: argmax_k of the 1 - 1/(t (ln T)^c) quantile of the Beta(1 + S_k, 1 + F_k) posterior",
    reference="Kaufmann, Cappe and Garivier (AISTATS 2012), On Bayesian upper confidence bounds for bandit problems, "
    "Thm 1 (asymptotically optimal for Bernoulli rewards with c >= 5; c = 0 in their experiments); rewards in "
    "[0, 1] count fractionally (S_k their sum, F_k = n_k - S_k), unplayed arms first, t the 1-based round, "
    "(ln T)^c taken as max(ln T, 1)^c",
    feedback="bandit",
    params=(N_ARMS, Param("c", 0.0, "exponent of ln T in the quantile level 1 - 1/(t (ln T)^c)", low=0.0)),
    state_size=_counts_and_sums,
    row=_bayes_ucb_row,
    init=zero_init,
    act=bayes_ucb_act,
    update=clipped_mean_update,
    test_params=({}, {"c": 5.0}),
)

# ---------------------------------------------------------------- Thompson sampling


@kernel
def thompson_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        theta = rng.beta(seed, rng.LEARNER, t, k, 1.0 + state[k], 1.0 + state[k_arms + k])
        if theta > best:
            best = theta
            arm = k
    action[0] = arm


@kernel
def thompson_update(state, params, obs, action, feedback, t, seed):
    """Success with probability r = 1 - loss (exact for Bernoulli rewards)."""
    k_arms = int(params[0])
    a = int(action[0])
    r = min(max(1.0 - feedback[0], 0.0), 1.0)
    success = r == 1.0 or (r > 0.0 and rng.uniform(seed, rng.LEARNER_UPDATE, t, 0) < r)
    if success:
        state[a] += 1.0
    else:
        state[k_arms + a] += 1.0


THOMPSON = LearnerType(
    name="thompson",
    summary="Thompson sampling, Beta(1, 1) prior on Bernoulli rewards: play argmax_k theta_k ~ Beta(1 + S_k, 1 + F_k)",
    reference="Thompson (1933); Agrawal and Goyal (2012), Analysis of Thompson sampling for the multi-armed bandit problem "
    "(rewards in [0, 1] are binarised by a Bernoulli(r) trial)",
    feedback="bandit",
    params=(N_ARMS,),
    state_size=_counts_and_sums,  # successes S[k], failures F[k]
    row=lambda v, k, d, horizon: [k],
    init=zero_init,
    act=thompson_act,
    update=thompson_update,
)


@kernel
def gaussian_thompson_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    sigma = params[1]
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        n1 = state[k] + 1.0
        theta = state[k_arms + k] / n1 + sigma / math.sqrt(n1) * rng.normal(seed, rng.LEARNER, t, k)
        if theta > best:
            best = theta
            arm = k
    action[0] = arm


GAUSSIAN_THOMPSON = LearnerType(
    name="gaussian_thompson",
    summary="Thompson sampling with a Gaussian posterior: theta_k ~ N(S_k / (n_k + 1), sigma^2 / (n_k + 1))",
    reference="Agrawal and Goyal (2013), Further optimal regret bounds for Thompson sampling (Gaussian priors)",
    feedback="bandit",
    params=(N_ARMS, Param("sigma", 1.0, "reward noise scale (posterior width)", low=0.0, open_low=True)),
    state_size=_counts_and_sums,
    row=lambda v, k, d, horizon: [k, v["sigma"]],
    init=zero_init,
    act=gaussian_thompson_act,
    update=mean_update,
    test_params=({}, {"sigma": 0.25}),
)

# ---------------------------------------------------------------- explore-then-commit


@kernel
def explore_then_commit_act(state, params, obs, t, seed, action):
    """Rounds t < m K play arm t mod K (each arm m times); then the arm of the best empirical mean, chosen
    once and kept (state[2K] = that arm + 1).  Under delayed feedback an arm still without feedback when
    exploration ends is played until some arrives (arms never played first, as everywhere here)."""
    k_arms = int(params[0])
    if t < params[1] * k_arms:
        action[0] = t % k_arms
        return
    committed = int(state[2 * k_arms])
    if committed == 0:
        arm = best_mean_arm(state, k_arms)
        if state[arm] == 0.0:
            action[0] = arm
            return
        committed = arm + 1
        state[2 * k_arms] = committed
    action[0] = committed - 1


def _explore_then_commit_row(v, k, d, horizon):
    m = v["m"] if v["m"] is not None else max(1, math.ceil((horizon / k) ** (2.0 / 3.0)))
    return [k, m]


EXPLORE_THEN_COMMIT = LearnerType(
    name="explore_then_commit",
    summary="explore-then-commit: each arm m times in turn, then the best empirical mean for good",
    reference="Lattimore and Szepesvari (2020), Bandit Algorithms, ch. 6, Theorem 6.1: for 1-subgaussian arms "
    "regret <= m sum_k Delta_k + (T - m K) sum_k Delta_k exp(-m Delta_k^2 / 4)",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("m", None, "plays of each arm before committing; None: ceil((T / K)^(2/3))", kind="int", low=1, optional=True),
    ),
    state_size=lambda values, n_actions, obs_dim: 2 * n_actions + 1,  # n, s, then the committed arm + 1 (0: not yet)
    row=_explore_then_commit_row,
    init=zero_init,
    act=explore_then_commit_act,
    update=mean_update,
    test_params=({}, {"m": 2}),
)

# ---------------------------------------------------------------- epsilon-greedy


@kernel
def epsilon_greedy_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    eps = params[1]
    if params[2] > 0.0:
        eps = min(1.0, eps * k_arms / (t + 1.0))
    arm = uniform_arm_with(eps, seed, t, k_arms)
    action[0] = arm if arm >= 0 else best_mean_arm(state, k_arms)


@kernel
def uniform_arm_with(probability, seed, t, k_arms):
    """With the given probability (learner draw 0 of round t) a uniform arm (draw 1), else -1."""
    if rng.uniform(seed, rng.LEARNER, t, 0) < probability:
        return min(int(rng.uniform(seed, rng.LEARNER, t, 1) * k_arms), k_arms - 1)
    return -1


def _epsilon_greedy_row(v, k, d, horizon):
    if not v["decay"] and v["epsilon"] > 1.0:
        raise ParameterError("epsilon_greedy", "epsilon", v["epsilon"], "a probability in [0, 1] (or decay=True, "
                             "where it is the constant c of eps_t = min(1, c K / t))")
    return [k, v["epsilon"], 1.0 if v["decay"] else 0.0]


EPSILON_GREEDY = LearnerType(
    name="epsilon_greedy",
    summary="epsilon-greedy: a uniform arm with probability eps_t, else the best empirical mean",
    reference="Sutton and Barto (2018); the decaying schedule eps_t = min(1, epsilon K / t) is Auer et al. (2002)'s eps_n-greedy",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("epsilon", 0.1, "exploration probability (or its constant when decay=True)", low=0.0),
        Param("decay", False, "use eps_t = min(1, epsilon K / t)", kind="bool"),
    ),
    state_size=_counts_and_sums,
    row=_epsilon_greedy_row,
    init=zero_init,
    act=epsilon_greedy_act,
    update=mean_update,
    test_params=({}, {"epsilon": 5.0, "decay": True}),
)

# ---------------------------------------------------------------- EXP3


@kernel
def draw_reported(probs, k_arms, seed, t, action):
    """action[0] = an arm drawn from probs[:k_arms] (stream LEARNER, index 0), action[1] = its probability: the
    propensity that importance weighting, delayed feedback and off-policy logs read back."""
    arm = rng.categorical(seed, rng.LEARNER, t, 0, probs, k_arms)
    action[0] = arm
    action[1] = probs[arm]


@kernel
def exponential_weights(cum_loss, eta, probs, n):
    """probs[k] = exp(-eta L_k) / sum_j exp(-eta L_j), shifted by min L for stability."""
    low = math.inf
    for k in range(n):
        low = min(low, cum_loss[k])
    total = 0.0
    for k in range(n):
        w = math.exp(-eta * (cum_loss[k] - low))
        probs[k] = w
        total += w
    for k in range(n):
        probs[k] /= total


@kernel
def log_sum_exp(state, at, k):
    """ln sum_j exp(state[at + j]) over j < k, shifted by the largest so that no exp overflows."""
    m = -math.inf
    for j in range(k):
        m = max(m, state[at + j])
    total = 0.0
    for j in range(k):
        total += math.exp(state[at + j] - m)
    return m + math.log(total)


@kernel
def normalized_exp(logs, out, n):
    """out[k] = exp(logs[k] - max logs) / sum_j exp(logs[j] - max logs): weights from their logarithms (out may be logs)."""
    top = -math.inf
    for k in range(n):
        top = max(top, logs[k])
    total = 0.0
    for k in range(n):
        out[k] = math.exp(logs[k] - top)
        total += out[k]
    for k in range(n):
        out[k] /= total


@kernel
def exp3_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    exponential_weights(state, params[1], probs, k_arms)
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def exp3_update(state, params, obs, action, feedback, t, seed):
    """Importance-weighted loss estimate: L_a += loss / p_a (p_a recorded with the action)."""
    a = int(action[0])
    state[a] += feedback[0] / action[1]


def _exp3_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else math.sqrt(2.0 * math.log(k) / (horizon * k))
    return [k, eta]


EXP3 = LearnerType(
    name="exp3",
    summary="EXP3: p_t(k) proportional to exp(-eta Lhat_k), Lhat_a += loss / p_a",
    reference="Auer, Cesa-Bianchi, Freund and Schapire (2002); loss form of Bubeck and Cesa-Bianchi (2012), Thm 3.1: "
    "eta = sqrt(2 ln K / (T K)) gives pseudo-regret <= sqrt(2 T K ln K)",
    feedback="bandit",
    params=(N_ARMS, Param("eta", None, "learning rate; None: sqrt(2 ln K / (T K))", low=0.0, optional=True)),
    state_size=lambda v, k, d: 2 * k,  # Lhat[k], then the current probabilities p[k]
    row=_exp3_row,
    init=zero_init,
    act=exp3_act,
    update=exp3_update,
    action_dim=2,  # arm, and its probability (so delayed feedback is weighted correctly)
    test_params=({}, {"eta": 0.5}),
)

# ---------------------------------------------------------------- EXP3-IX


@kernel
def exp3_ix_update(state, params, obs, action, feedback, t, seed):
    """Implicit exploration: L_a += loss / (p_a + gamma)."""
    a = int(action[0])
    state[a] += feedback[0] / (action[1] + params[2])


def _exp3_ix_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else math.sqrt(2.0 * math.log(k) / (horizon * k))
    return [k, eta, v["gamma"] if v["gamma"] is not None else eta / 2.0]


EXP3_IX = LearnerType(
    name="exp3_ix",
    summary="EXP3-IX: EXP3 with implicit exploration, Lhat_a += loss / (p_a + gamma)",
    reference="Neu (NeurIPS 2015), Explore no more, Thm 1: eta = 2 gamma = sqrt(2 ln K / (K T)) gives regret "
    "<= 2 sqrt(2 K T ln K) + (sqrt(2 K T / ln K) + 1) ln(2 / delta) with probability >= 1 - delta",
    feedback="bandit",
    params=(N_ARMS, Param("eta", None, "learning rate; None: sqrt(2 ln K / (T K))", low=0.0, optional=True),
            Param("gamma", None, "implicit exploration; None: eta / 2", low=0.0, optional=True)),
    state_size=lambda v, k, d: 2 * k,  # Lhat[k], then the current probabilities p[k]
    row=_exp3_ix_row,
    init=zero_init,
    act=exp3_act,
    update=exp3_ix_update,
    action_dim=2,  # arm, and its probability (so delayed feedback is weighted correctly)
    test_params=({}, {"eta": 0.5, "gamma": 0.1}),
)

# ---------------------------------------------------------------- Tsallis-INF


TSALLIS_SPAN = 2.0**40  # |min L| beyond this many 2/eta: Tsallis-INF's Newton works on L_i - min L


@kernel
def tsallis_weights(cum_loss, eta, probs, n):
    """probs[i] = 4 / (eta (L_i - x))^2 with x < min L chosen so that the probs sum to one.

    Newton's method on f(x) = sum_i probs_i(x) - 1 (increasing and convex in x) from
    x = min L - 2/eta, where f >= 0, so the iterates decrease monotonically to the root.
    Where |min L| exceeds ``TSALLIS_SPAN`` 2/eta (losses of 1e100, say), L_i - x would lose x's offset
    from min L to rounding (and 4 / 0 follows); there each L_i - x is taken as (L_i - min L) + (min L - x).
    """
    low = math.inf
    for i in range(n):
        low = min(low, cum_loss[i])
    x = low - 2.0 / eta
    gap = 2.0 / eta  # min L - x, kept beside x for the offset form
    offset = abs(low) > TSALLIS_SPAN * gap
    for _ in range(NEWTON_STEPS):
        total = 0.0
        slope = 0.0
        for i in range(n):
            z = eta * ((cum_loss[i] - low) + gap) if offset else eta * (cum_loss[i] - x)
            w = 4.0 / (z * z)  # z * z, not z ** 2: Python's pow may differ from numba's product in the last bit
            total += w
            slope += w * math.sqrt(w)
        step = (total - 1.0) / (eta * slope)
        x -= step
        gap += step
        if abs(step) <= 1e-15 * (1.0 + (gap if offset else abs(x))):
            break
    total = 0.0
    for i in range(n):
        z = eta * ((cum_loss[i] - low) + gap) if offset else eta * (cum_loss[i] - x)
        w = 4.0 / (z * z)
        probs[i] = w
        total += w
    for i in range(n):
        probs[i] /= total


@kernel
def tsallis_inf_act(state, params, obs, t, seed, action):
    k_arms = int(params[0])
    shift = params[1]
    scale = 1.0
    if params[2] > 0.0 and state[2 * k_arms + 1] > 0.0:
        mean_shifted = state[2 * k_arms] / state[2 * k_arms + 1] - shift
        if mean_shifted > 0.0:  # only a positive mean shifted loss normalises
            scale = mean_shifted
    probs = state[k_arms : 2 * k_arms]
    for i in range(k_arms):
        probs[i] = state[i] / scale  # normalised cumulative estimates, overwritten below
    tsallis_weights(probs, 2.0 / math.sqrt(t + 1.0), probs, k_arms)
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def tsallis_inf_update(state, params, obs, action, feedback, t, seed):
    """Lhat_a += (loss - shift) / p_a; the running mean of losses sets the scale when normalize=True."""
    k_arms = int(params[0])
    a = int(action[0])
    state[a] += (feedback[0] - params[1]) / action[1]
    state[2 * k_arms] += feedback[0]
    state[2 * k_arms + 1] += 1.0


TSALLIS_INF = LearnerType(
    name="tsallis_inf",
    summary="Tsallis-INF (alpha = 1/2): p_i = 4 / (eta_t (Lhat_i - x))^2, eta_t = 2 / sqrt(t), importance-weighted losses",
    reference="Zimmert and Seldin (2021), Tsallis-INF: an optimal algorithm for stochastic and adversarial bandits; "
    "shift/normalize as in Khodak et al. (2024), Learning to Relax (costs shifted by 1 and divided by their running mean)",
    feedback="bandit",
    params=(
        N_ARMS,
        LOSS_SHIFT,
        Param("normalize", False, "divide estimates by (running mean loss - shift) when it is positive (meant for "
              "losses >= shift, e.g. iteration counts with shift 1)", kind="bool"),
    ),
    state_size=lambda v, k, d: 2 * k + 2,  # Lhat[k], probabilities p[k], sum of losses, number of losses
    row=lambda v, k, d, horizon: [k, v["shift"], 1.0 if v["normalize"] else 0.0],
    init=zero_init,
    act=tsallis_inf_act,
    update=tsallis_inf_update,
    action_dim=2,
    test_params=({}, {"shift": 0.5, "normalize": True}),
)

LEARNERS = (UCB1, MOSS, KL_UCB, KL_UCB_PP, IMED, UCB_V, UCB_TUNED, SUCCESSIVE_ELIMINATION, BAYES_UCB, THOMPSON, GAUSSIAN_THOMPSON, EXPLORE_THEN_COMMIT, EPSILON_GREEDY, EXP3, EXP3_IX,
            TSALLIS_INF)
