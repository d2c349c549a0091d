"""Follow the perturbed leader: over experts (full information), with geometric resampling (adversarial bandits),
and with a scale per arm (stochastic bandits, Boltzmann-Gumbel exploration).

``ftpl`` (Hannan 1957; Kalai and Vempala, JCSS 2005).  Each round draws fresh independent perturbations Z_{t,i}
and plays the leader of the perturbed cumulative losses,

    I_t = argmin_i (L_{t-1,i} - Z_{t,i} / eta),      L_{t,i} = sum_{s <= t} l_{s,i}.

* ``perturbation="gumbel"``: Z ~ Gumbel(0, 1), Z = -ln(-ln U).  The Gumbel-max identity gives
  P(I_t = i) = exp(-eta L_i) / sum_j exp(-eta L_j) exactly: FTPL plays Hedge's distribution without computing it,
  so Hedge's guarantee holds, expected regret <= ln K / eta + eta T / 8 = sqrt(T ln K / 2) at the default
  eta = sqrt(8 ln K / T) (Cesa-Bianchi and Lugosi 2006, Thm 2.2).
* ``perturbation="uniform"``: Z ~ U[0, 1], the perturbation uniform on [0, 1/eta]^K of Kalai and Vempala's FPL
  (they add p uniform on the cube to the totals, argmin (L + p); with p = (1 - Z) / eta that is argmin (L - Z / eta)
  shifted by the constant 1/eta, the same leader).  Their Theorem 1.1(a), for 0 < eta <= 1 and any loss sequence
  fixed in advance: E[cost] <= min cost + eta R A T + D / eta, with R >= |d . s| (here 1, a round's loss), A >= |s|_1
  (here K, the l1 norm of a loss vector in [0, 1]^K) and D >= |d - d'|_1 (here 2, the experts' unit vectors); their
  choice eta = sqrt(D / (R A T)) gives 2 sqrt(D R A T).  So eta K T + 2 / eta, at most 2 sqrt(2 K T) at the default
  eta = sqrt(2 / (K T)), which is <= 1 once K T >= 2 (for eta > 1 the bound exceeds T and holds trivially)
  (checked against two restatements of Theorem 1.1(a), a formal statement citing the paper's page 294 and a
  summary of the paper; the paper itself was not read; :func:`ftpl_regret_bound`).

``ftpl_gr`` (Neu and Bartók, ALT 2013 and JMLR 2016: FPL with geometric resampling).  Bandit feedback: the learner
plays I_t = argmin_i (Lhat_{t-1,i} - Z_{t,i} / eta) with Z ~ Exp(1) and never computes its own probabilities.  To
weight the one observed loss l_t by 1 / p_t(I_t) it redraws the perturbation, Z' fresh each time, until the
perturbed leader is I_t again or M draws have been spent; with K_t the number of draws,

    Lhat_{t,I_t} = Lhat_{t-1,I_t} + K_t l_t,      E[K_t | past] = (1 - (1 - p)^M) / p,  p = p_t(I_t),

an estimate of l_t / p whose downward bias is at most l_t (1 - p)^M / p.  Their Theorem 1 (for K arms, quoted from
memory): expected regret <= (ln K + 1) / eta + 2 eta K T + K T / (e M).  Not checked: the theorem's text was not
found; the ALT 2013 abstract states only the order, O(m sqrt(d T log d)) for d components with at most m played
per round, which for K arms (m = 1, d = K) is O(sqrt(K T log K)).  Defaults (this module's choice):
eta = sqrt((ln K + 1) / (2 K T)), which minimises the first two terms to 2 sqrt(2 K T (ln K + 1)), and
M = ceil(sqrt(K T / (ln K + 1))), which keeps the last at most sqrt(K T (ln K + 1)) / e
(:func:`ftpl_gr_regret_bound`).  A round costs at most K + M K draws, and on average at most K (K + 1): the
expected number of redraws, over the arm played, is sum_i p_i E[K_t | I_t = i] <= sum_i p_i / p_i = K.

Ties have probability zero (continuous perturbations); the lowest index wins one.  Draws: act uses stream
``rng.LEARNER`` (index i for arm i), the resampling stream ``rng.LEARNER_UPDATE`` (index k K + i in redraw k).

``boltzmann_gumbel`` (Cesa-Bianchi, Gentile, Lugosi and Neu, NeurIPS 2017, Boltzmann exploration done right):
the perturbed leader for stochastic bandits.  After one play of each arm (lowest index first) it plays

    I_t = argmax_i (mean_i + beta_i Z_{t,i}),      beta_i = C / sqrt(n_i),  Z ~ Gumbel(0, 1),

mean_i the average reward (1 - loss) of arm i's n_i plays.  With one shared scale beta the choice would be Boltzmann
exploration, p_i proportional to exp(mean_i / beta) (the Gumbel-max identity), which they show suboptimal under any
monotone schedule of that one temperature (a non-monotone one does well only given T and the gap); a scale per arm
that shrinks with its own plays is their fix.  Their abstract (checked, https://ar5iv.labs.arxiv.org/html/1705.10257)
gives the orders, with no prior knowledge of T or the gaps: a distribution-dependent regret bound of order
K ln^2 T / Delta (Delta the suboptimality gap) and a distribution-independent one of order sqrt(K T) ln K.  The finer
per-arm form O(sum_i ln^2(T Delta_i^2 / C^2) / Delta_i) and their choice C = sigma for sigma-sub-Gaussian rewards
(1/2 for rewards in [0, 1], the default) are quoted from memory, not checked: the theorem's text was not found.
No horizon.

State: ``[L_i (K)]`` for ``ftpl`` and ``ftpl_gr`` (Lhat for ``ftpl_gr``), ``[n_i (K), s_i (K)]`` (plays, summed
rewards) for ``boltzmann_gumbel``.  ``ftpl_gr``'s update redraws the distribution act played, so its feedback must
not be delayed.  Registered: ``ftpl``, ``ftpl_gr``, ``boltzmann_gumbel``.
"""
import math

from olearn.core import rng
from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, first_unplayed, mean_update, zero_init

PERTURBATIONS = ("gumbel", "uniform")


@kernel
def gumbel(seed, stream, t, i):
    """Gumbel(0, 1) as -ln(-ln U), U uniform on [0, 1); U = 0 gives -inf (that arm is not the leader), returned
    directly, since plain Python's math.log(0) raises where numba's gives -inf."""
    u = rng.uniform(seed, stream, t, i)
    if u == 0.0:
        return -math.inf
    return -math.log(-math.log(u))


@kernel
def exponential(seed, stream, t, i):
    """Exp(1) as -ln(1 - U), U uniform on [0, 1)."""
    return -math.log(1.0 - rng.uniform(seed, stream, t, i))


@kernel
def perturbed_leader(losses, n, inv_eta, family, seed, stream, t, first):
    """argmin_i (losses[i] - Z_i / eta), Z_i draw ``first + i`` of ``stream`` at round t: Gumbel (family 0),
    uniform on [0, 1) (family 1) or Exp(1) (family 2); the lowest index among equals."""
    best = 0
    low = math.inf
    for i in range(n):
        if family == 0:
            z = gumbel(seed, stream, t, first + i)
        elif family == 1:
            z = rng.uniform(seed, stream, t, first + i)
        else:
            z = exponential(seed, stream, t, first + i)
        value = losses[i] - z * inv_eta
        if value < low:
            low = value
            best = i
    return best


# ---------------------------------------------------------------- FTPL over experts


@kernel
def ftpl_act(state, params, obs, t, seed, action):
    n = int(params[0])
    action[0] = perturbed_leader(state, n, params[1], int(params[2]), seed, rng.LEARNER, t, 0)


@kernel
def ftpl_update(state, params, obs, action, feedback, t, seed):
    """L_i += l_i for every expert i."""
    for i in range(int(params[0])):
        state[i] += feedback[i]


def _checked(owner: str, n_arms, horizon, eta=None, perturbation="gumbel") -> tuple:
    """(K, T, eta): ``perturbation`` one of PERTURBATIONS, K and T integers >= 1, eta finite and > 0, or None; otherwise
    a ParameterError naming the first bad one (a bool is not a number here)."""
    if not isinstance(perturbation, str) or perturbation not in PERTURBATIONS:
        raise ParameterError(owner, "perturbation", perturbation, " or ".join(repr(p) for p in PERTURBATIONS))
    n_arms = check_integer(owner, "n_arms", n_arms, 1)
    horizon = check_integer(owner, "horizon", horizon, 1)
    if eta is not None:
        eta = check_range(owner, "eta", eta, 0.0, open_low=True, allowed="a finite number > 0, or None")
    return n_arms, horizon, eta


def ftpl_eta(perturbation: str, n_arms: int, horizon: int) -> float:
    """The default rate: sqrt(8 ln K / T) (Gumbel: Hedge's; 1 for one arm, where ln K = 0 and any rate plays it) or
    sqrt(2 / (K T)) (uniform: Kalai and Vempala's), for ``perturbation`` 'gumbel' or 'uniform' and integers K, T >= 1."""
    n_arms, horizon, _ = _checked("ftpl_eta", n_arms, horizon, perturbation=perturbation)
    if perturbation == "gumbel":
        return math.sqrt(8.0 * math.log(n_arms) / horizon) if n_arms > 1 else 1.0
    return math.sqrt(2.0 / (n_arms * horizon))


def ftpl_regret_bound(perturbation: str, n_arms: int, horizon: int, eta: float | None = None) -> float:
    """The expected-regret bound of the module docstring: ln K / eta + eta T / 8 (Gumbel), eta K T + 2 / eta
    (uniform; Kalai and Vempala's Theorem 1.1(a) with R = 1, A = K, D = 2, proved for eta <= 1 and trivially true
    above, where it exceeds T), for ``perturbation`` 'gumbel' or 'uniform', integers K, T >= 1 and eta > 0 finite
    (None: :func:`ftpl_eta`)."""
    n_arms, horizon, eta = _checked("ftpl_regret_bound", n_arms, horizon, eta, perturbation)
    eta = ftpl_eta(perturbation, n_arms, horizon) if eta is None else eta
    if perturbation == "gumbel":
        return math.log(n_arms) / eta + eta * horizon / 8.0
    return eta * n_arms * horizon + 2.0 / eta


def _ftpl_row(v, k, d, horizon):
    eta = v["eta"] if v["eta"] is not None else ftpl_eta(v["perturbation"], k, horizon)
    return [k, 1.0 / eta, float(PERTURBATIONS.index(v["perturbation"]))]


FTPL = LearnerType(
    name="ftpl",
    summary="follow the perturbed leader: argmin_i (L_i - Z_i / eta) with fresh Z each round; Gumbel Z plays "
    "Hedge's distribution exactly (eta = sqrt(8 ln K / T)), uniform Z is Kalai and Vempala's FPL (eta = sqrt(2/(K T)))",
    reference="Hannan (1957); Kalai and Vempala (JCSS 2005), Efficient algorithms for online decision problems, "
    "Thm 1.1(a): E[regret] <= eta R A T + D / eta for eta <= 1; with Gumbel perturbations Hedge's sqrt(T ln K / 2) "
    "(Cesa-Bianchi and Lugosi 2006, Thm 2.2)",
    feedback="full",
    params=(
        N_ARMS,
        Param("eta", None, "perturbation rate (the perturbation is Z / eta); None: sqrt(8 ln K / T) for Gumbel (1 for one arm), "
              "sqrt(2 / (K T)) for uniform", low=0.0, open_low=True, optional=True),
        Param("perturbation", "gumbel", "distribution of Z: 'gumbel' (Hedge's distribution) or 'uniform' on [0, 1)",
              kind="choice", choices=PERTURBATIONS),
    ),
    state_size=lambda v, k, d: k,  # cumulative losses L[k]
    row=_ftpl_row,
    init=zero_init,
    act=ftpl_act,
    update=ftpl_update,
    test_params=({}, {"perturbation": "uniform", "eta": 0.5}),
)

# ---------------------------------------------------------------- FTPL with geometric resampling (bandits)


@kernel
def ftpl_gr_act(state, params, obs, t, seed, action):
    n = int(params[0])
    action[0] = perturbed_leader(state, n, params[1], 2, seed, rng.LEARNER, t, 0)


@kernel
def leads(losses, n, inv_eta, arm, seed, stream, t, first):
    """Whether ``arm`` is :func:`perturbed_leader` under Exp(1) perturbations (draw ``first + i`` for arm i; the lowest
    index among equals), stopping at the first arm that beats it: the draws are counter-based, so the ones skipped
    change nothing."""
    mine = losses[arm] - exponential(seed, stream, t, first + arm) * inv_eta
    for i in range(n):
        if i != arm:
            value = losses[i] - exponential(seed, stream, t, first + i) * inv_eta
            if value < mine or (value == mine and i < arm):
                return False
    return True


@kernel
def resamples(state, n, inv_eta, played, most, seed, t):
    """K_t: redraws of the perturbation (stream ``LEARNER_UPDATE``, redraw k uses draws k n .. k n + n - 1) until
    the perturbed leader is ``played``, at most ``most``."""
    for k in range(1, most + 1):
        if leads(state, n, inv_eta, played, seed, rng.LEARNER_UPDATE, t, k * n):
            return k
    return most


@kernel
def ftpl_gr_update(state, params, obs, action, feedback, t, seed):
    """Lhat_a += K_t l for the played arm a (geometric resampling of 1 / p_a)."""
    n = int(params[0])
    a = int(action[0])
    state[a] += resamples(state, n, params[1], a, int(params[2]), seed, t) * feedback[0]


def ftpl_gr_defaults(n_arms: int, horizon: int) -> tuple[float, int]:
    """(eta, M) = (sqrt((ln K + 1) / (2 K T)), ceil(sqrt(K T / (ln K + 1)))), for integers K, T >= 1."""
    n_arms, horizon, _ = _checked("ftpl_gr_defaults", n_arms, horizon)
    spread = math.log(n_arms) + 1.0
    return math.sqrt(spread / (2.0 * n_arms * horizon)), math.ceil(math.sqrt(n_arms * horizon / spread))


def ftpl_gr_regret_bound(n_arms: int, horizon: int, eta: float | None = None, max_resamples: int | None = None) -> float:
    """(ln K + 1) / eta + 2 eta K T + K T / (e M), their Theorem 1 for K arms as quoted (from memory, not checked) in the module docstring, for
    integers K, T >= 1, eta > 0 finite and M = ``max_resamples`` an integer >= 1 (each None: :func:`ftpl_gr_defaults`)."""
    owner = "ftpl_gr_regret_bound"
    n_arms, horizon, eta = _checked(owner, n_arms, horizon, eta)
    if max_resamples is not None:
        max_resamples = check_integer(owner, "max_resamples", max_resamples, 1, meaning="M, the most redraws per round; or None")
    default_eta, default_m = ftpl_gr_defaults(n_arms, horizon)
    eta = default_eta if eta is None else eta
    most = default_m if max_resamples is None else max_resamples
    return (math.log(n_arms) + 1.0) / eta + 2.0 * eta * n_arms * horizon + n_arms * horizon / (math.e * most)


def _ftpl_gr_row(v, k, d, horizon):
    eta, most = ftpl_gr_defaults(k, horizon)
    eta = v["eta"] if v["eta"] is not None else eta
    most = v["max_resamples"] if v["max_resamples"] is not None else most
    return [k, 1.0 / eta, most]


FTPL_GR = LearnerType(
    name="ftpl_gr",
    summary="FPL with geometric resampling: argmin_i (Lhat_i - Z_i / eta), Z ~ Exp(1); the played arm's estimate "
    "grows by K_t loss, K_t the redraws until it leads again (at most M): 1/p without computing p",
    reference="Neu and Bartók (JMLR 2016), Importance weighting without importance weights, Thm 1 (quoted from memory, "
    "not checked; the ALT 2013 abstract gives O(sqrt(K T log K)) for K arms): expected regret <= "
    "(ln K + 1)/eta + 2 eta K T + K T/(e M); the defaults (olearn's choice) eta = sqrt((ln K + 1)/(2 K T)) and "
    "M = ceil(sqrt(K T/(ln K + 1))) make it 2 sqrt(2 K T (ln K + 1)) + K T/(e M)",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("eta", None, "perturbation rate; None: sqrt((ln K + 1) / (2 K T))", low=0.0, open_low=True, optional=True),
        Param("max_resamples", None, "M, the most redraws per round; None: ceil(sqrt(K T / (ln K + 1)))", kind="int",
              low=1, high=1e9, optional=True),
    ),
    state_size=lambda v, k, d: k,  # loss estimates Lhat[k]
    row=_ftpl_gr_row,
    init=zero_init,
    act=ftpl_gr_act,
    update=ftpl_gr_update,
    delayable=False,
    test_params=({}, {"eta": 0.5, "max_resamples": 3}),
)

# ---------------------------------------------------------------- Boltzmann-Gumbel exploration (stochastic bandits)


@kernel
def boltzmann_gumbel_act(state, params, obs, t, seed, action):
    """The lowest-index unplayed arm, else argmax_i mean_i + C Z_i / sqrt(n_i) with Z_i Gumbel (draw i of act's
    stream); the lowest index among equals."""
    k_arms = int(params[0])
    arm = first_unplayed(state, k_arms)
    if arm >= 0:
        action[0] = arm
        return
    scale = params[1]
    best = -math.inf
    arm = 0
    for i in range(k_arms):
        n = state[i]
        value = state[k_arms + i] / n + scale / math.sqrt(n) * gumbel(seed, rng.LEARNER, t, i)
        if value > best:
            best = value
            arm = i
    action[0] = arm


BOLTZMANN_GUMBEL = LearnerType(
    name="boltzmann_gumbel",
    summary="Boltzmann-Gumbel exploration: after one play of each arm, argmax_i mean_i + C Z_i / sqrt(n_i) with "
    "fresh Z ~ Gumbel(0, 1): a perturbed leader whose scale per arm shrinks with its plays",
    reference="Cesa-Bianchi, Gentile, Lugosi and Neu (NeurIPS 2017), Boltzmann exploration done right: regret of order "
    "K ln^2 T / Delta, and sqrt(K T) ln K for any gaps (their abstract); the per-arm form O(sum_i ln^2(T Delta_i^2 / C^2) "
    "/ Delta_i) with C = sigma (1/2 for rewards in [0, 1]) quoted from memory, not checked",
    feedback="bandit",
    params=(N_ARMS, Param("scale", 0.5, "C, the perturbation scale at one play (the rewards' sub-Gaussian sigma)",
                          low=0.0, open_low=True)),
    state_size=lambda v, k, d: 2 * k,  # plays n[k], summed rewards s[k]
    row=lambda v, k, d, horizon: [k, v["scale"]],
    init=zero_init,
    act=boltzmann_gumbel_act,
    update=mean_update,
    test_params=({}, {"scale": 2.0}),
)

LEARNERS = (FTPL, FTPL_GR, BOLTZMANN_GUMBEL)
