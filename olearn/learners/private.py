"""Differentially private prediction from experts (full information, d experts, losses in [0, 1]).

Privacy model (Asi, Feldman, Koren and Talwar, ICML 2023, as their introduction states it): the
whole sequence of played experts is released and must be private with respect to each single
round's loss function, so neighbouring inputs are loss sequences that differ in one round's loss
vector (event-level DP).  The adversary is taken to be oblivious (the project notes' assumption: the
paper's own statement of its adversary model could not be read).  Every learner clips each loss to
[0, 1] inside its update, so its guarantee holds whatever it is fed; the shells in
:mod:`olearn.privacy` refuse losses outside [0, 1] with a clear error instead.

Learners (each docstring states its guarantee and the constants chosen):

* ``dp_svt_experts``: the realizable-regime algorithm (sparse-vector switching, exponential-
  mechanism resampling, a switch budget K), regret O(log^1.5(d) sqrt(log(1/delta)) log(T/beta) / eps)
  (log^2(d) log(T/beta) / eps at delta = 0);
* ``dp_svt_small_loss``: its adaptive small-loss variant (the tolerated loss doubles when a
  switch budget is spent), regret O(L* log d + E^1.5 log^1.5(d) ... / eps) with E ~ log2(T / tau) epochs
  (eps0 is split over all E K switches; E^2 log^2(d) at delta = 0);
* ``dp_ftrl_tree_laplace`` / ``dp_ftrl_tree_gauss``: Hedge on binary-tree-aggregated noisy
  cumulative losses (pure DP with Laplace noise, approximate DP with Gaussian noise);
* ``dp_lazy_hedge``: a low-switching private Hedge: one exponential-mechanism draw per block;
* ``dp_noisy_leader``: report-noisy-min every round (a sanity baseline);
* ``halving``: the non-private reference, uniform over the experts with the least loss so far.

Of the paper, only the abstracts and the opening of the introduction could be read (searched again
for the full text: its algorithms and theorems were not found).  The rates stated here are those of the
arXiv v1 abstract (arXiv:2302.14154v1, 1 March 2023): realizable O~(log^1.5(d) / eps), small loss
O(L* log d + log^1.5(d) / eps), previous non-realizable O~(min{d, T^(1/3) log d} / eps).  The ICML
proceedings abstract (PMLR 202:1107-1120) states them only as O(poly(log d) / eps), (L* + 1/eps)
O(poly(log d)) and O(min{d, sqrt(T log d)} / eps).  Their introduction gives the low-switching
algorithms of Asi et al. 2022 (oblivious adversaries) a normalized regret of roughly
O(sqrt(log(d) / T) + log(d) / (T^(2/3) eps)), i.e. O(sqrt(T log d) + T^(1/3) log(d) / eps).  No
theorem of the paper, and so none of its constants, could be read: the algorithms' thresholds and
constants could not be compared with the paper's statements.  They are rebuilt from the structure in
the project notes (research/papers.md section 5, tagged as a reconstruction) and derived here from
the standard tail bounds, as each docstring says; so are the two regret bounds listed above.
Measured consequence: these conservative constants (tau of order (4 / eps0) ln(T / beta) with
eps0 = eps / (K + 1) or its value under the optimal composition) keep the sparse-vector learner's
regret growing in T at the sizes of the figures (d = 64, eps = 5: 424, 722 and 1,442 at T = 10^4, 10^5
and 10^6, a log-log slope of 0.27, while tau grows only from 321 to 440).
"""
import math

from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, exponential_weights, zero_init
from olearn.privacy import accountant
from olearn.privacy.mechanisms import (
    above_threshold, clip_unit, exponential_mechanism, laplace, report_noisy_min, tree_levels, tree_noise_advance,
)

INIT_ROUND = rng.RESERVED_ROUND  # the round index of draws made in init (no real round reaches it)
LN4 = math.log(4.0)

EPSILON = Param("epsilon", 1.0, "privacy budget epsilon of the whole run (at most 100: e^100 protects nothing)", low=0.0,
                high=100.0, open_low=True)
DELTA = Param("delta", None, "privacy parameter delta of the whole run; None: min(1/T^2, 1/4); 0: pure DP", low=0.0, high=1.0,
              open_high=True, optional=True)
DELTA_GAUSS = Param("delta", None, "privacy parameter delta of the whole run; None: min(1/T^2, 1/4)", low=0.0, high=1.0,
                    open_low=True, open_high=True, optional=True)
BETA = Param("beta", 0.1, "failure probability of the high-probability bounds (sets K and the threshold)", low=0.0,
             high=0.5, open_low=True)
ETA = Param("eta", None, "Hedge learning rate; None: sqrt(8 ln d / T)", low=0.0, open_low=True, optional=True)


def _delta(v, horizon):
    """delta as given, else 1/T^2 (1/4 at T = 1, where 1/T^2 = 1 would promise nothing)."""
    return min(1.0 / float(horizon) ** 2, 0.25) if v["delta"] is None else v["delta"]


# ---------------------------------------------------------------- sparse-vector switching (realizable, small loss)


def switch_budget(v, d):
    """K = ceil(4 log2 d + ln(1/beta)) unless given (the notes' margin; the potential argument below needs about 4.8 log2 d successes-or-failures)."""
    if v["switches"] is not None:
        return int(v["switches"])
    return int(math.ceil(4.0 * math.log2(max(d, 2)) + math.log(1.0 / v["beta"])))


def svt_constants(v, d, horizon, epochs):
    """(eps0, K, tau, b_threshold, b_query, eta) of the sparse-vector learners.

    eps0: the run composes at most epochs * K exponential-mechanism draws and one AboveThreshold
    instance that sees the changed round (the other instances' queries are phase-local sums that
    do not contain it), so eps0 = eps / (epochs K + 1) for delta = 0 and the value calibrated
    for delta > 0 under the optimal composition (:func:`olearn.privacy.accountant.calibrate_epsilon0`).
    Noise: threshold Lap(2/eps0), queries Lap(4/eps0), exponential mechanism exp(-eps0 L / 2).
    tau: M + 2 ln 4 / eps0 with M = (4/eps0) ln(T/beta) + (2/eps0) ln((E K + 1)/beta), E the epochs (1 for the
    realizable learner).  With probability 1 - beta every one of the at most T query noises stays below
    (4/eps0) ln(T/beta), and with probability 1 - beta every one of the at most E K + 1 threshold noises (one
    per phase) stays above -(2/eps0) ln((E K + 1)/beta) (union bounds over Laplace tails), so (i) a zero-loss
    expert never triggers a switch, and (ii) a phase ends
    only after the current expert lost at least 2 ln 4 / eps0, so that exp(-eta loss) <= 1/4: the
    potential W = sum_i exp(-eta L_i) then drops by a factor 3/4 at each switch with probability
    >= 1/2, and W >= exp(-eta L*) bounds the number of switches by O(log d + eta L*).
    """
    k_budget = switch_budget(v, d)
    delta = _delta(v, horizon)
    eps0 = accountant.calibrate_epsilon0(float(v["epsilon"]), float(delta), int(epochs * k_budget + 1))
    b_thr, b_query = 2.0 / eps0, 4.0 / eps0
    beta = v["beta"]
    margin = b_query * math.log(horizon / beta) + b_thr * math.log((epochs * k_budget + 1) / beta)
    tau = v["threshold"] if v["threshold"] is not None else margin + 2.0 * LN4 / eps0
    return eps0, k_budget, tau, b_thr, b_query, eps0 / 2.0


def small_loss_epochs(tau, horizon):
    """Epochs of the doubling schedule: L_hat = 0, tau, 2 tau, ... until L_hat >= T."""
    return 2 + max(0, math.ceil(math.log2(max(horizon / tau, 1.0))))


def _svt_row(v, d, obs_dim, horizon, epochs):
    eps0, k_budget, tau, b_thr, b_query, eta = svt_constants(v, d, horizon, epochs)
    return [d, eps0, tau, k_budget, b_thr, b_query, eta, epochs]


def _realizable_row(v, d, obs_dim, horizon):
    return _svt_row(v, d, obs_dim, horizon, 1)


def _small_loss_row(v, d, obs_dim, horizon):
    """The fewest epochs E whose threshold tau(E) (eps0 split over E epochs) reaches L_hat >= T within E epochs,
    i.e. the smallest E with 2 + ceil(log2(T / tau(E))) <= E; the privacy split uses that same count.

    More epochs mean a smaller eps0, a larger tau and so no more epochs needed: need(E) =
    2 + ceil(log2(T / tau(E))) is non-increasing, so need(E) <= E holds from the smallest such E on.
    Raising E from 1 to need(E) until it holds gives a count that suffices but can overshoot; stepping
    back down while need(E - 1) <= E - 1 gives the smallest (a larger E would only split eps0 further:
    more noise for nothing).
    """
    def need(count):
        return small_loss_epochs(svt_constants(v, d, horizon, count)[2], horizon)

    epochs = 1
    while (needed := need(epochs)) > epochs:
        epochs = needed
    while epochs > 1 and need(epochs - 1) <= epochs - 1:
        epochs -= 1
    return _svt_row(v, d, obs_dim, horizon, epochs)


SVT_X, SVT_K, SVT_PHASE, SVT_THRESHOLD, SVT_EPOCH, SVT_L = 0, 1, 2, 3, 4, 5


@kernel
def epoch_threshold(params, epoch):
    """tau + L_hat for the epoch: L_hat = 0 in epoch 0, then tau 2^(e-1)."""
    tau = params[2]
    if epoch < 0.5:
        return tau
    return tau + tau * 2.0 ** (epoch - 1.0)


@kernel
def svt_init(state, params, seed):
    """x = a uniform expert (data-independent), k = 0, a fresh noisy threshold tau + Lap(2/eps0), L = 0."""
    d = int(params[0])
    for i in range(state.size):
        state[i] = 0.0
    state[SVT_X] = min(int(rng.uniform(seed, rng.LEARNER_UPDATE, INIT_ROUND, 0) * d), d - 1)
    state[SVT_THRESHOLD] = epoch_threshold(params, 0.0) + laplace(seed, rng.LEARNER_UPDATE, INIT_ROUND, 1, params[4])


@kernel
def svt_act(state, params, obs, t, seed, action):
    action[0] = state[SVT_X]


@kernel
def svt_update(state, params, obs, action, feedback, t, seed):
    """L += clip(loss); while budget remains, the phase loss of the current expert is an AboveThreshold query.

    When the query is above the threshold: spend one switch (moving to the next epoch first if the
    epoch's K switches are spent), draw the expert from exp(-eps0 L / 2), restart the phase with
    fresh threshold noise.  With the last epoch's K switches spent it stops adapting for good.
    """
    d = int(params[0])
    x = int(state[SVT_X])
    for i in range(d):
        state[SVT_L + i] += clip_unit(feedback[i])
    k_budget = params[3]
    last_epoch = params[7] - 1.0
    if state[SVT_K] < k_budget or state[SVT_EPOCH] < last_epoch:
        state[SVT_PHASE] += clip_unit(feedback[x])
        if above_threshold(state[SVT_PHASE], state[SVT_THRESHOLD], seed, rng.LEARNER_UPDATE, t, 0, params[5]):
            if state[SVT_K] >= k_budget:
                state[SVT_EPOCH] += 1.0
                state[SVT_K] = 0.0
            scores = state[SVT_L : SVT_L + d]
            state[SVT_X] = exponential_mechanism(scores, d, params[6], rng.uniform(seed, rng.LEARNER_UPDATE, t, 1))
            state[SVT_K] += 1.0
            state[SVT_PHASE] = 0.0
            state[SVT_THRESHOLD] = epoch_threshold(params, state[SVT_EPOCH]) + laplace(
                seed, rng.LEARNER_UPDATE, t, 2, params[4])


SVT_PARAMS = (
    N_ARMS, EPSILON, DELTA, BETA,
    Param("switches", None, "switch budget K; None: ceil(4 log2 d + ln(1/beta))", kind="int", low=1, optional=True),
    Param("threshold", None, "sparse-vector threshold tau; None: derived from eps0, T and beta", low=0.0,
          open_low=True, optional=True),
)

DP_SVT_EXPERTS = LearnerType(
    name="dp_svt_experts",
    summary="realizable DP experts: sparse-vector switching with exponential-mechanism resampling and a switch budget",
    reference="Asi, Feldman, Koren and Talwar (ICML 2023), the sparse-vector algorithm for realizable DP-OPE "
    "(structure from the project notes; the paper's algorithm and theorem could not be read): (eps, delta)-DP; "
    "regret, as derived here, <= K (tau + M + 1) = O(log^1.5(d) sqrt(log(1/delta)) log(T/beta) / eps) when some expert "
    "has zero loss and the K switches suffice (by the potential argument with probability 1 - O(beta) once K is about "
    "4.8 log2 d + O(ln 1/beta), above the default from the notes; measured: at most 7 of 43 switches used at d = 1024)",
    feedback="full",
    params=SVT_PARAMS,
    state_size=lambda v, d, o: SVT_L + d,
    row=_realizable_row,
    init=svt_init,
    act=svt_act,
    update=svt_update,
    test_params=({}, {"epsilon": 20.0, "delta": 0.0, "switches": 3, "threshold": 2.0}),
)

DP_SVT_SMALL_LOSS = LearnerType(
    name="dp_svt_small_loss",
    summary="small-loss DP experts: the sparse-vector learner with a tolerated loss L_hat that doubles per spent budget",
    reference="Asi, Feldman, Koren and Talwar (ICML 2023), adaptive small-loss DP-OPE (schedule from the project "
    "notes; the paper's algorithm and theorem could not be read): (eps, delta)-DP with eps0 split "
    "over the fewest epochs E >= 2 + ceil(log2(T / tau)) of K switches (tau set for that E); epoch e drops an expert "
    "after tau + L_hat_e phase loss, L_hat_e = tau 2^(e-1); regret, as derived here, O(L* log d + E^1.5 log^1.5(d) "
    "sqrt(log(1/delta)) log(T/beta) / eps) (E K tau with eps0 split over E K + 1 mechanisms; E^2 log^2(d) "
    "log(T/beta) / eps at delta = 0)",
    feedback="full",
    params=SVT_PARAMS,
    state_size=lambda v, d, o: SVT_L + d,
    row=_small_loss_row,
    init=svt_init,
    act=svt_act,
    update=svt_update,
    test_params=({}, {"epsilon": 20.0, "delta": 0.0, "switches": 2, "threshold": 1.5}),
)

# ---------------------------------------------------------------- DP-FTRL over binary-tree aggregation


def _hedge_eta(v, d, horizon):
    return v["eta"] if v["eta"] is not None else math.sqrt(8.0 * math.log(max(d, 2)) / horizon)


def tree_laplace_scale(epsilon, d, horizon):
    """Laplace scale per node coordinate: a round sits in tree_levels(T) nodes, each a d-vector of l1 sensitivity d."""
    return tree_levels(horizon) * d / epsilon


def tree_gauss_sigma(epsilon, delta, d, horizon):
    """Gaussian sigma per node coordinate: the calibrated tree noise multiplier times the l2 sensitivity sqrt(d)."""
    return accountant.calibrate_gaussian_tree(float(epsilon), float(delta), int(horizon)) * math.sqrt(d)


def _tree_laplace_row(v, d, obs_dim, horizon):
    return [d, _hedge_eta(v, d, horizon), tree_laplace_scale(v["epsilon"], d, horizon), 0.0]


def _tree_gauss_row(v, d, obs_dim, horizon):
    return [d, _hedge_eta(v, d, horizon), tree_gauss_sigma(v["epsilon"], _delta(v, horizon), d, horizon), 1.0]


@kernel
def tree_act(state, params, obs, t, seed, action):
    """Hedge on the noisy cumulative losses L + S: p_k proportional to exp(-eta (L_k + S_k))."""
    d = int(params[0])
    probs = state[2 * d : 3 * d]
    for k in range(d):
        probs[k] = state[k] + state[d + k]
    exponential_weights(probs, params[1], probs, d)
    action[0] = rng.categorical(seed, rng.LEARNER, t, 0, probs, d)


@kernel
def tree_update(state, params, obs, action, feedback, t, seed):
    """L += clip(loss); S = the tree noise of the prefix 0..t (one new node, the retired ones removed)."""
    d = int(params[0])
    for k in range(d):
        state[k] += clip_unit(feedback[k])
    tree_noise_advance(state[d : 2 * d], d, seed, rng.LEARNER_UPDATE, t, params[2], params[3] > 0.5)


_TREE_COMMON = dict(
    feedback="full",
    state_size=lambda v, d, o: 3 * d,  # L[d], noise of the current prefix S[d], probabilities[d]
    init=zero_init,
    act=tree_act,
    update=tree_update,
)

DP_FTRL_TREE_LAPLACE = LearnerType(
    name="dp_ftrl_tree_laplace",
    summary="DP-FTRL: Hedge on cumulative losses released by binary-tree aggregation with Laplace noise (pure DP)",
    reference="Jain, Kothari and Thakurta (2012); Agarwal and Singh (2017): eps-DP (basic composition over the "
    "1 + floor(log2 T) nodes holding a round, l1 sensitivity d each: Laplace scale d (1 + floor(log2 T)) / eps); "
    "regret O(sqrt(T log d) + d log^2(T) log(d) / eps)",
    params=(N_ARMS, EPSILON, ETA),
    row=_tree_laplace_row,
    test_params=({}, {"epsilon": 50.0, "eta": 0.5}),
    **_TREE_COMMON,
)

DP_FTRL_TREE_GAUSS = LearnerType(
    name="dp_ftrl_tree_gauss",
    summary="DP-FTRL: Hedge on cumulative losses released by binary-tree aggregation with Gaussian noise",
    reference="Kairouz, McMahan, Song, Thakkar, Thakurta and Xu (2021): (eps, delta)-DP with the node noise "
    "multiplier calibrated by dp-accounting's tree-aggregation RDP (l2 sensitivity sqrt(d) per node); "
    "regret O(sqrt(T log d) + sqrt(d log d log(1/delta)) log^1.5(T) / eps)",
    params=(N_ARMS, EPSILON, DELTA_GAUSS, ETA),
    row=_tree_gauss_row,
    test_params=({}, {"epsilon": 50.0, "delta": 1e-3, "eta": 0.5}),
    **_TREE_COMMON,
)

# ---------------------------------------------------------------- low-switching private Hedge


def lazy_block(v, horizon):
    """Block length B (default ceil(T^(1/3)), about T^(2/3) switches as in the notes)."""
    return int(v["block"]) if v["block"] is not None else int(math.ceil(horizon ** (1.0 / 3.0)))


def lazy_constants(v, d, horizon):
    """(eps0, eta, B, draws): ceil(T/B) - 1 data-dependent draws, each from exp(-eta L) with eta <= eps0 / 2."""
    block = lazy_block(v, horizon)
    draws = max(1, int(math.ceil(horizon / block)) - 1)
    eps0 = accountant.calibrate_epsilon0(float(v["epsilon"]), float(_delta(v, horizon)), draws)
    eta = min(eps0 / 2.0, math.sqrt(8.0 * math.log(max(d, 2)) / (horizon * block)))
    return eps0, eta, block, draws


def _lazy_row(v, d, obs_dim, horizon):
    eps0, eta, block, _ = lazy_constants(v, d, horizon)
    return [d, eta, block]


@kernel
def lazy_act(state, params, obs, t, seed, action):
    """At the start of each block of B rounds draw x from exp(-eta L) (uniform at t = 0); keep it for the block."""
    d = int(params[0])
    if t % int(params[2]) == 0:
        state[0] = exponential_mechanism(state[1 : 1 + d], d, params[1], rng.uniform(seed, rng.LEARNER, t, 0))
    action[0] = state[0]


@kernel
def lazy_update(state, params, obs, action, feedback, t, seed):
    for k in range(int(params[0])):
        state[1 + k] += clip_unit(feedback[k])


DP_LAZY_HEDGE = LearnerType(
    name="dp_lazy_hedge",
    summary="low-switching private Hedge: an exponential-mechanism draw on cumulative losses once per block of B rounds",
    reference="after Asi, Feldman, Koren and Talwar (2022), private lazy experts: (eps, delta)-DP by composing the "
    "ceil(T/B) - 1 data-dependent draws (each eps0-DP with eta <= eps0/2); blocked Hedge regret "
    "ln d / eta + eta T B / 8, i.e. O(sqrt(T B log d) + sqrt(T log(1/delta) / B) log(d) / eps)",
    feedback="full",
    params=(N_ARMS, EPSILON, DELTA,
            Param("block", None, "block length B; None: ceil(T^(1/3))", kind="int", low=1, optional=True)),
    state_size=lambda v, d, o: 1 + d,
    row=_lazy_row,
    init=zero_init,
    act=lazy_act,
    update=lazy_update,
    test_params=({}, {"epsilon": 20.0, "delta": 0.0, "block": 4}),
)

# ---------------------------------------------------------------- per-round noisy leader


def noisy_leader_constants(v, horizon):
    """(eps0, scale): T - 1 data-dependent report-noisy-min calls, Laplace scale 2/eps0."""
    eps0 = accountant.calibrate_epsilon0(float(v["epsilon"]), float(_delta(v, horizon)), max(1, horizon - 1))
    return eps0, 2.0 / eps0


@kernel
def noisy_leader_act(state, params, obs, t, seed, action):
    action[0] = report_noisy_min(state, int(params[0]), seed, rng.LEARNER, t, params[1])


@kernel
def noisy_leader_update(state, params, obs, action, feedback, t, seed):
    for k in range(int(params[0])):
        state[k] += clip_unit(feedback[k])


DP_NOISY_LEADER = LearnerType(
    name="dp_noisy_leader",
    summary="follow the noisy leader: report-noisy-min with fresh Laplace noise every round (sanity baseline)",
    reference="Dwork and Roth (2014), report-noisy-max, composed over T - 1 rounds by the accountant: "
    "(eps, delta)-DP; noise of order sqrt(T log(1/delta)) / eps per round, so regret is close to linear",
    feedback="full",
    params=(N_ARMS, EPSILON, DELTA),
    state_size=lambda v, d, o: d,
    row=lambda v, d, o, horizon: [d, noisy_leader_constants(v, horizon)[1]],
    init=zero_init,
    act=noisy_leader_act,
    update=noisy_leader_update,
    test_params=({}, {"epsilon": 100.0, "delta": 0.0}),
)

# ---------------------------------------------------------------- halving (non-private reference)


@kernel
def halving_act(state, params, obs, t, seed, action):
    """Uniform over the experts with the least cumulative loss (the consistent ones when some has zero loss)."""
    d = int(params[0])
    low = math.inf
    for k in range(d):
        low = min(low, state[k])
    count = 0
    for k in range(d):
        if state[k] == low:
            count += 1
    pick = min(int(rng.uniform(seed, rng.LEARNER, t, 0) * count), count - 1)
    seen = 0
    for k in range(d):
        if state[k] == low:
            if seen == pick:
                action[0] = k
                return
            seen += 1


@kernel
def halving_update(state, params, obs, action, feedback, t, seed):
    for k in range(int(params[0])):
        state[k] += feedback[k]


HALVING = LearnerType(
    name="halving",
    summary="randomized halving: play uniformly over the experts with the least cumulative loss (non-private)",
    reference="Littlestone (1988); Cesa-Bianchi and Lugosi (2006), sec. 2.1: with a zero-loss expert and 0/1 "
    "losses, expected loss <= H_d = 1 + 1/2 + ... + 1/d <= 1 + ln d",
    feedback="full",
    params=(N_ARMS,),
    state_size=lambda v, d, o: d,
    row=lambda v, d, o, horizon: [d],
    init=zero_init,
    act=halving_act,
    update=halving_update,
)

LEARNERS = (DP_SVT_EXPERTS, DP_SVT_SMALL_LOSS, DP_FTRL_TREE_LAPLACE, DP_FTRL_TREE_GAUSS, DP_LAZY_HEDGE,
            DP_NOISY_LEADER, HALVING)
