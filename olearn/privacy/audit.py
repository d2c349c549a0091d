"""Empirical privacy audit: estimate the privacy loss of output events on neighbouring inputs.

A mechanism M is (eps, delta)-DP when P(M(D) in E) <= e^eps P(M(D') in E) + delta for every
pair of neighbours (D, D') and every event E.  The audit runs M on a fixed neighbouring pair over
many seeds and estimates

    eps_hat = log((p - delta) / p'),   p = P(M(D) in E), p' = P(M(D') in E),

for the event E (and direction) that looks worst.  To keep the estimate honest the seeds are
split in two halves (Jagielski, Ullman and Oprea 2020; Nasr et al. 2021): the event is *chosen*
on the first half among a family of candidate events, and *measured* on the second.  The
measurement gives a one-sided lower confidence bound ``eps_lower`` from Clopper-Pearson
intervals (``p`` at its lower bound, ``p'`` at its upper bound, level 1 - alpha):

* a correct mechanism passes when ``eps_lower <= eps``, i.e. ``eps_hat <= eps + margin`` with the
  stated statistical margin ``margin = eps_hat - eps_lower``;
* a broken one is *detected* when ``eps_lower > eps``: a violation at confidence 1 - alpha.

Every sample is drawn by the very kernels the learners run (:mod:`olearn.privacy.mechanisms`,
and the learners' ``init``/``act``/``update``), compiled with numba; the neighbouring pairs and
event families below are the ones that make each block's analysis tight:

* exponential mechanism: two experts, scores (s, 0) against (s - 1, 1) (one round's loss vector
  (1, 0) against (0, 1)); the event {expert 0} has log-ratio -> 2 eta = eps0 as s grows;
* AboveThreshold: queries (0, ..., 0, 1) against (1, ..., 1, 0) (each moved by 1); the events
  {halt at i} couple a threshold shift of 1 and a last-query shift of 2 (Dwork and Roth, Thm 3.23);
* report-noisy-min: scores (s, 0) against (s - 1, 1), events {argmin = k};
* tree aggregation: the released nodes that contain round 0 (1 + floor(log2 T) nodes of d
  coordinates, each moved by 1): the event {every coordinate of those nodes >= its mean under D}
  has log-ratio exactly eps for Laplace noise; for Gaussian noise the halfspaces
  {sum of the normalized coordinates >= c} (the direction of the privacy loss);
* whole learners: a loss sequence and its neighbour that differs in one round; the events are
  {x_s = k} and each full trajectory of played experts.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numba
import numpy as np
from scipy import stats

from olearn.backends import cpu
from olearn.core import rng
from olearn.core.errors import ParameterError, UnknownNameError, check_integer, check_range, check_real
from olearn.core.spec import Learner
from olearn.engine.run import MAX_RESULT_BYTES, check_horizon
from olearn.privacy import mechanisms

ALPHA = 0.01  # the audit's level: each verdict holds with confidence 1 - ALPHA


@dataclass(frozen=True)
class AuditResult:
    """The outcome of auditing one mechanism on one neighbouring pair."""

    name: str
    epsilon: float  # the claimed epsilon
    delta: float
    eps_hat: float  # point estimate of the chosen event's log-ratio (measurement half)
    eps_lower: float  # its lower confidence bound at level 1 - ALPHA
    event: str
    samples: int  # seeds per input (both halves)

    @property
    def margin(self) -> float:
        """The statistical margin: eps_hat - eps_lower."""
        return self.eps_hat - self.eps_lower

    @property
    def violated(self) -> bool:
        """True when the audit shows eps is exceeded with confidence 1 - ALPHA."""
        return self.eps_lower > self.epsilon

    def as_dict(self) -> dict:
        return dict(asdict(self), margin=self.margin, violated=self.violated)


def _log_ratio(k, n, k_other, n_other, delta, alpha):
    """(point estimate, Clopper-Pearson lower bound) of log((p - delta) / p') from counts."""
    p, q = k / n, k_other / n_other
    point = math.log(max(p - delta, 1e-300) / max(q, 1e-300))
    p_low = stats.beta.ppf(alpha / 2.0, k, n - k + 1) if k > 0 else 0.0
    q_high = stats.beta.ppf(1.0 - alpha / 2.0, k_other + 1, n_other - k_other) if k_other < n_other else 1.0
    lower = math.log(max(p_low - delta, 1e-300) / q_high)
    return point, lower


def audit_events(name, epsilon, delta, events_d, events_d2, labels, alpha=ALPHA) -> AuditResult:
    """Audit from boolean event matrices (samples x events) of D and D' (same number of samples).

    The first half of the samples chooses the event and the direction with the largest lower
    confidence bound (a rare event with a large point estimate but a wide interval is not chosen
    over a frequent one that will be measured tightly); the second half measures it.
    """
    n = events_d.shape[0]
    half = n // 2
    best, chosen = -math.inf, None
    for a, b, sign in ((events_d, events_d2, ""), (events_d2, events_d, "'")):
        ka, kb = a[:half].sum(axis=0), b[:half].sum(axis=0)
        for j in range(a.shape[1]):
            if ka[j] < 20:
                continue
            value = _log_ratio(int(ka[j]), half, int(kb[j]), half, delta, alpha)[1]
            if value > best:
                best, chosen = value, (a, b, j, sign)
    if chosen is None:
        return AuditResult(name, epsilon, delta, 0.0, -math.inf, "none (no event seen often enough)", n)
    a, b, j, sign = chosen
    m = n - half
    point, lower = _log_ratio(int(a[half:, j].sum()), m, int(b[half:, j].sum()), m, delta, alpha)
    event = f"{labels[j]} under D{sign} against D{'' if sign else chr(39)}"
    return AuditResult(name, epsilon, delta, point, lower, event, n)


def _atoms(codes_d, codes_d2):
    """One event per output value seen (outputs given as integer codes)."""
    values = np.union1d(np.unique(codes_d), np.unique(codes_d2))
    return codes_d[:, None] == values, codes_d2[:, None] == values, [f"output {v}" for v in values]


# ---------------------------------------------------------------- building blocks


_laplace = cpu.compile_kernel(mechanisms.laplace)
_exp_mech = cpu.compile_kernel(mechanisms.exponential_mechanism)
_above = cpu.compile_kernel(mechanisms.above_threshold)
_rnm = cpu.compile_kernel(mechanisms.report_noisy_min)
_node_noise = cpu.compile_kernel(mechanisms.node_noise)
_uniform = cpu.compile_kernel(rng.uniform)


@numba.njit
def _sample_exp_mech(scores, eta, seeds, out):
    for j in range(seeds.size):
        out[j] = _exp_mech(scores, scores.size, eta, _uniform(seeds[j], 3, 0, 0))


@numba.njit
def _sample_above_threshold(queries, threshold, thr_scale, query_scale, seeds, out):
    """Index of the first query answered "above" (queries.size when none), as one learner phase does."""
    for j in range(seeds.size):
        noisy = threshold + _laplace(seeds[j], 3, rng.RESERVED_ROUND, 1, thr_scale)
        out[j] = queries.size
        for t in range(queries.size):
            if _above(queries[t], noisy, seeds[j], 3, t, 0, query_scale):
                out[j] = t
                break


@numba.njit
def _sample_rnm(scores, scale, seeds, out):
    for j in range(seeds.size):
        out[j] = _rnm(scores, scores.size, seeds[j], 1, 0, scale)


@numba.njit
def _sample_tree_nodes(sums, scale, gaussian, seeds, out):
    """Noisy values of the nodes [0, 2^l) (created at round 2^l - 1), l = 0..levels-1, d coordinates."""
    levels, d = sums.shape
    for j in range(seeds.size):
        for lvl in range(levels):
            for i in range(d):
                out[j, lvl * d + i] = sums[lvl, i] + _node_noise(seeds[j], 3, (1 << lvl) - 1, i, scale, gaussian)


def _positive(owner: str, name: str, value) -> float:
    """A budget, scale or rate factor: a finite number > 0."""
    value = check_real(owner, name, value, "a finite number > 0")
    if value <= 0.0:
        raise ParameterError(owner, name, value, "a finite number > 0")
    return value


def _samples(owner: str, n) -> int:
    return check_integer(owner, "n", n, 2, meaning="samples per input: events are chosen on one half, measured on the other")


def _score(owner: str, s) -> float:
    """The leading score of the two neighbouring inputs, s against s - 1: within 2^52 in size, where s - 1 is exact
    (the doubles past 2^53 are 2 apart, and s - 1 can round to s: the inputs would not be neighbours at distance 1)."""
    return check_range(owner, "s", s, -2.0**52, 2.0**52, allowed="a finite number in [-2^52, 2^52] (where s - 1 is "
                       "exact; further out it can round to s, and the inputs s and s - 1 would not differ by 1)")


def _fits(owner: str, name: str, value: int, low: int, need, meaning: str, held: str) -> int:
    """``value`` (an integer >= ``low``) when the audit's arrays, ``need(value)`` bytes, fit in MAX_RESULT_BYTES; else a
    ParameterError naming ``name`` with the largest size that fits (``need`` grows with it; ``need(low)`` fits)."""
    if need(value) <= MAX_RESULT_BYTES:
        return value
    lo, hi = low, value
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if need(mid) <= MAX_RESULT_BYTES else (lo, mid)
    raise ParameterError(owner, name, value, f"an integer in [{low}, {lo}] ({meaning}; the audit keeps {held}, "
                                             f"at most {MAX_RESULT_BYTES // 2**30} GiB in all)")


def _seeds(n, offset=0):
    return np.arange(offset, offset + n, dtype=np.int64)


def audit_exponential_mechanism(eps0, n=200_000, d=2, s=None, rate_factor=1.0):
    """The exponential mechanism with eta = eps0 / 2 (times ``rate_factor``, 4 for the broken variant) over d >= 2 experts."""
    owner = "audit_exponential_mechanism"
    eps0, rate_factor, n = _positive(owner, "eps0", eps0), _positive(owner, "rate_factor", rate_factor), _samples(owner, n)
    d = check_integer(owner, "d", d, 2, meaning="experts (with one, every run outputs it: nothing to audit)")
    held = "two score vectors of d numbers, two outputs per sample and an event flag per sample and output seen"
    need = lambda n_, d_: 16 * d_ + 16 * n_ + 2 * n_ * min(d_, 2 * n_)  # noqa: E731
    d = _fits(owner, "d", d, 2, lambda d_: need(2, d_), "experts", held)
    n = _fits(owner, "n", n, 2, lambda n_: need(n_, d), f"samples per input, with d = {d}", held)
    if s is None:  # the default s must stay below 2^52, where s - 1 still differs from s
        least = 2.0 * math.log(10.0 * (d - 1)) / 2.0**52
        if eps0 < least:
            raise ParameterError(owner, "eps0", eps0, f"a finite number >= {least:.3g} with d = {d} (the default "
                                 "s = ceil(2 ln(10 (d - 1)) / eps0) must stay below 2^52, where s - 1 differs from s), or give s")
    eta = rate_factor * eps0 / 2.0
    s = _score(owner, s) if s is not None else math.ceil(math.log(10.0 * (d - 1)) / (eps0 / 2.0))
    scores_d = np.array([float(s)] + [0.0] * (d - 1))
    scores_d2 = np.array([float(s) - 1.0] + [1.0] * (d - 1))
    out_d, out_d2 = np.empty(n, np.int64), np.empty(n, np.int64)
    _sample_exp_mech(scores_d, eta, _seeds(n), out_d)
    _sample_exp_mech(scores_d2, eta, _seeds(n, n), out_d2)
    return audit_events("exponential_mechanism", eps0, 0.0, *_atoms(out_d, out_d2))


def audit_above_threshold(eps0, n=200_000, m=8, threshold=0.0, scale_factor=1.0):
    """One AboveThreshold instance with noise Lap(2/eps0) and Lap(4/eps0) (divided by ``scale_factor``)."""
    owner = "audit_above_threshold"
    eps0, scale_factor, n = _positive(owner, "eps0", eps0), _positive(owner, "scale_factor", scale_factor), _samples(owner, n)
    m = check_integer(owner, "m", m, 1, meaning="queries")
    held = "two query vectors of m numbers, two outputs per sample and an event flag per sample and output seen"
    need = lambda n_, m_: 16 * m_ + 16 * n_ + 2 * n_ * min(m_ + 1, 2 * n_)  # noqa: E731
    m = _fits(owner, "m", m, 1, lambda m_: need(2, m_), "queries", held)
    n = _fits(owner, "n", n, 2, lambda n_: need(n_, m), f"samples per input, with m = {m}", held)
    threshold = check_real(owner, "threshold", threshold)
    thr_scale, query_scale = 2.0 / eps0 / scale_factor, 4.0 / eps0 / scale_factor
    q_d = np.array([0.0] * (m - 1) + [1.0])
    q_d2 = np.array([1.0] * (m - 1) + [0.0])
    out_d, out_d2 = np.empty(n, np.int64), np.empty(n, np.int64)
    _sample_above_threshold(q_d, threshold, thr_scale, query_scale, _seeds(n), out_d)
    _sample_above_threshold(q_d2, threshold, thr_scale, query_scale, _seeds(n, n), out_d2)
    ev_d, ev_d2, labels = _atoms(out_d, out_d2)
    labels = [f"halt at query {lab.split()[-1]}" for lab in labels]
    return audit_events("above_threshold", eps0, 0.0, ev_d, ev_d2, labels)


def audit_report_noisy_min(eps0, n=200_000, s=5.0, scale_factor=1.0):
    """Report-noisy-min with Laplace scale 2/eps0 (divided by ``scale_factor``) on two scores."""
    owner = "audit_report_noisy_min"
    eps0, scale_factor, n = _positive(owner, "eps0", eps0), _positive(owner, "scale_factor", scale_factor), _samples(owner, n)
    s = _score(owner, s)
    n = _fits(owner, "n", n, 2, lambda n_: 20 * n_, "samples per input", "two outputs and two event flags per sample")
    scale = 2.0 / eps0 / scale_factor
    out_d, out_d2 = np.empty(n, np.int64), np.empty(n, np.int64)
    _sample_rnm(np.array([s, 0.0]), scale, _seeds(n), out_d)
    _sample_rnm(np.array([s - 1.0, 1.0]), scale, _seeds(n, n), out_d2)
    return audit_events("report_noisy_min", eps0, 0.0, *_atoms(out_d, out_d2))


def _tree_samples(d, horizon, scale, gaussian, n):
    levels = mechanisms.tree_levels(horizon)
    sums_d = np.ones((levels, d))  # round 0 has loss 1 on every expert under D, 0 under D' (other rounds 0)
    out_d, out_d2 = np.empty((n, levels * d)), np.empty((n, levels * d))
    _sample_tree_nodes(sums_d, scale, gaussian, _seeds(n), out_d)
    _sample_tree_nodes(np.zeros((levels, d)), scale, gaussian, _seeds(n, n), out_d2)
    return out_d, out_d2


def audit_tree_laplace(epsilon, d, horizon, n=200_000, scale_factor=1.0):
    """Laplace tree aggregation at the learner's scale (:func:`olearn.learners.private.tree_laplace_scale`)."""
    owner = "audit_tree_laplace"
    epsilon, scale_factor, n = _positive(owner, "epsilon", epsilon), _positive(owner, "scale_factor", scale_factor), _samples(owner, n)
    d, horizon = check_integer(owner, "d", d, 1, meaning="experts"), check_horizon(owner, horizon)
    k = mechanisms.tree_levels(horizon)  # nodes per expert that contain round 0
    held = f"{k} x d node values per sample for each input"
    need = lambda n_, d_: 17 * n_ * k * d_ + 16 * k * d_  # noqa: E731
    d = _fits(owner, "d", d, 1, lambda d_: need(2, d_), f"experts, over horizon = {horizon}", held)
    n = _fits(owner, "n", n, 2, lambda n_: need(n_, d), f"samples per input, with d = {d} and horizon = {horizon}", held)
    from olearn.learners.private import tree_laplace_scale

    out_d, out_d2 = _tree_samples(d, horizon, tree_laplace_scale(epsilon, d, horizon) / scale_factor, False, n)
    ev_d = np.stack([np.all(out_d >= 1.0, axis=1), np.all(out_d2 >= 1.0, axis=1)], axis=1)
    return audit_events("tree_laplace", epsilon, 0.0, ev_d[:, :1], ev_d[:, 1:], ["every node coordinate >= 1"])


def audit_tree_gauss(epsilon, delta, d, horizon, n=200_000, scale_factor=1.0):
    """Gaussian tree aggregation at the learner's sigma (:func:`olearn.learners.private.tree_gauss_sigma`)."""
    owner = "audit_tree_gauss"
    epsilon, scale_factor, n = _positive(owner, "epsilon", epsilon), _positive(owner, "scale_factor", scale_factor), _samples(owner, n)
    delta = check_real(owner, "delta", delta, "a number in (0, 1)")
    if not 0.0 < delta < 1.0:
        raise ParameterError(owner, "delta", delta, "a number in (0, 1)")
    d, horizon = check_integer(owner, "d", d, 1, meaning="experts"), check_horizon(owner, horizon)
    k = mechanisms.tree_levels(horizon)  # nodes per expert that contain round 0
    held = f"{k} x d node values per sample for each input"
    need = lambda n_, d_: 16 * n_ * k * d_ + 16 * k * d_ + 66 * n_  # noqa: E731
    d = _fits(owner, "d", d, 1, lambda d_: need(2, d_), f"experts, over horizon = {horizon}", held)
    n = _fits(owner, "n", n, 2, lambda n_: need(n_, d), f"samples per input, with d = {d} and horizon = {horizon}", held)
    from olearn.learners.private import tree_gauss_sigma

    sigma = tree_gauss_sigma(epsilon, delta, d, horizon) / scale_factor
    out_d, out_d2 = _tree_samples(d, horizon, sigma, True, n)
    k = out_d.shape[1]
    mu = math.sqrt(k) / sigma  # the shift of the normalized sum
    z_d, z_d2 = out_d.sum(axis=1) / (sigma * math.sqrt(k)), out_d2.sum(axis=1) / (sigma * math.sqrt(k))
    cuts = mu / 2.0 + np.linspace(0.0, 4.0, 17)
    return audit_events("tree_gauss", epsilon, delta, z_d[:, None] >= cuts, z_d2[:, None] >= cuts,
                        [f"normalized node sum >= {c:.3g}" for c in cuts])


# ---------------------------------------------------------------- whole learners

NOISE_SLOTS = {  # row index -> "scale" (divided by the broken factor) or "rate" (multiplied by it)
    "dp_svt_experts": {4: "scale", 5: "scale", 6: "rate"},
    "dp_svt_small_loss": {4: "scale", 5: "scale", 6: "rate"},
    "dp_ftrl_tree_laplace": {2: "scale"},
    "dp_ftrl_tree_gauss": {2: "scale"},
    "dp_lazy_hedge": {1: "rate"},
    "dp_noisy_leader": {1: "scale"},
    "dp_ucb": {1: "scale"},
}


def weaken(name: str, row, factor: float) -> np.ndarray:
    """The parameter row of ``name`` with every noise scale divided by ``factor`` (rates multiplied)."""
    row = np.array(row, dtype=float)
    for i, kind in NOISE_SLOTS[name].items():
        row[i] = row[i] / factor if kind == "scale" else row[i] * factor
    return row


_SAMPLERS = {}


def _learner_sampler(learner_type):
    """An njit loop over seeds playing ``learner_type`` on a fixed (T x d) loss table."""
    if learner_type.name in _SAMPLERS:
        return _SAMPLERS[learner_type.name]
    init, act, update = (cpu.compile_kernel(k) for k in (learner_type.init, learner_type.act, learner_type.update))

    bandit = learner_type.feedback == "bandit"

    @numba.njit
    def sample(params, losses, seeds, state_size, action_dim, out):
        horizon = losses.shape[0]
        obs = np.zeros(0)
        seen = np.zeros(1)
        for j in range(seeds.size):
            state = np.zeros(state_size)
            action = np.zeros(action_dim)
            init(state, params, seeds[j])
            for t in range(horizon):
                act(state, params, obs, t, seeds[j], action)
                out[j, t] = int(action[0])
                if bandit:  # the played arm's loss only
                    seen[0] = losses[t, int(action[0])]
                    update(state, params, obs, action, seen, t, seeds[j])
                else:
                    update(state, params, obs, action, losses[t], t, seeds[j])

    _SAMPLERS[learner_type.name] = sample
    return sample


def play(learner, losses, seeds, row=None) -> np.ndarray:
    """Played experts (seeds x T) of ``learner`` (one configuration) on the loss table ``losses`` (T x d); a bandit
    learner is fed the played arm's loss only."""
    losses = np.ascontiguousarray(losses, dtype=float)
    horizon, d = losses.shape
    params, size = learner.bind(d, 0, horizon)
    params = np.ascontiguousarray(params[0] if row is None else row, dtype=float)
    out = np.empty((len(seeds), horizon), np.int64)
    with np.errstate(over="ignore"):
        _learner_sampler(learner.type)(params, losses, np.asarray(seeds, np.int64), size, learner.type.action_dim, out)
    return out


def trajectory_events(traj_d, traj_d2, d):
    """Events {x_s = k} for every round and expert, and one event per full trajectory."""
    horizon = traj_d.shape[1]
    ev_d = [traj_d[:, s] == k for s in range(horizon) for k in range(d)]
    ev_d2 = [traj_d2[:, s] == k for s in range(horizon) for k in range(d)]
    labels = [f"x_{s} = {k}" for s in range(horizon) for k in range(d)]
    # each distinct trajectory of either run gets a code (its row in the sorted union; d^T would overflow int64)
    seen, codes = np.unique(np.vstack([traj_d, traj_d2]).astype(np.int64), axis=0, return_inverse=True)
    codes = codes.ravel()
    a, b, lab = _atoms(codes[: traj_d.shape[0]], codes[traj_d.shape[0]:])
    sep = "" if d <= 10 else ","
    traj_labels = ["trajectory " + sep.join(str(k) for k in seen[int(lbl.split()[-1])]) for lbl in lab]
    return np.column_stack(ev_d + [a]), np.column_stack(ev_d2 + [b]), labels + traj_labels


def _loss_table(name, table) -> np.ndarray:
    """A (T x d) table of losses in [0, 1], the inputs the learners' sensitivities are about."""
    allowed = "a non-empty 2-D table (rounds x experts) of numbers in [0, 1]"
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("audit_learner", name, table, allowed) from None
    if arr.ndim != 2 or arr.size == 0 or not np.all((arr >= 0.0) & (arr <= 1.0)):  # NaN fails the comparisons
        raise ParameterError("audit_learner", name, table, allowed)
    return arr


def audit_learner(learner, losses, losses_neighbour, n=100_000, factor=1.0) -> AuditResult:
    """Audit a private learner on two loss tables (T x d, losses in [0, 1]) that differ in one round (``factor`` > 1:
    broken variant)."""
    from olearn.privacy.guarantees import guarantee

    if not isinstance(learner, Learner) or learner.type.name not in NOISE_SLOTS or len(learner.configs) != 1:
        raise ParameterError("audit_learner", "learner", learner, "one configuration of a private learner from "
                             "olearn.make(name, ...), name one of " + ", ".join(sorted(NOISE_SLOTS)))
    n, factor = _samples("audit_learner", n), _positive("audit_learner", "factor", factor)
    losses, losses_neighbour = _loss_table("losses", losses), _loss_table("losses_neighbour", losses_neighbour)
    if losses_neighbour.shape != losses.shape:
        raise ParameterError("audit_learner", "losses_neighbour", losses_neighbour,
                             f"a loss table of the shape of losses, {losses.shape}")
    differing = np.flatnonzero(np.any(losses != losses_neighbour, axis=1))
    if differing.size != 1:
        raise ParameterError("audit_learner", "losses_neighbour", losses_neighbour,
                             f"a table that differs from losses in exactly one round (not {differing.size})")
    horizon, d = losses.shape
    trajectories = d ** min(horizon, 64)  # at most this many distinct ones (2^64 or more: never the bound)
    n = _fits("audit_learner", "n", n, 2, lambda n_: 64 * n_ * horizon + 4 * n_ * horizon * d + 4 * n_ * min(2 * n_, trajectories),
              f"samples per input, with a {horizon} x {d} loss table", "each sample's trajectory and its event flags")
    promised = guarantee(learner.type, learner.values, d, horizon)
    row = None
    if factor != 1.0:
        row = weaken(learner.name, learner.bind(d, 0, horizon)[0][0], factor)
    traj_d = play(learner, losses, _seeds(n), row)
    traj_d2 = play(learner, losses_neighbour, _seeds(n, n), row)
    ev_d, ev_d2, labels = trajectory_events(traj_d, traj_d2, d)
    name = learner.name if factor == 1.0 else f"{learner.name} (noise / {factor:g})"
    return audit_events(name, promised.epsilon, promised.delta, ev_d, ev_d2, labels)


def _pair(rows, differing, loss, loss_neighbour):
    """A loss table of ``rows`` and its neighbour that differs in round ``differing`` only."""
    table = np.array(rows, dtype=float)
    other = table.copy()
    table[differing], other[differing] = loss, loss_neighbour
    return table, other


# name -> (parameters, D, D'): short games on 2 experts where the learner's accounting is nearly
# tight: one exponential-mechanism draw after several rounds of the same scores (lazy Hedge), one
# report-noisy-min (noisy leader, T = 2), one AboveThreshold and one draw (sparse vector, K = 1)
LEARNER_CASES = {
    "dp_svt_experts": (dict(epsilon=1.0, delta=0.0, switches=1, threshold=2.0), *_pair([[1.0, 0.0]] * 6, 0, [1, 0], [0, 1])),
    "dp_svt_small_loss": (dict(epsilon=1.0, delta=0.0, switches=1, threshold=2.0), *_pair([[1.0, 0.0]] * 6, 0, [1, 0], [0, 1])),
    "dp_ftrl_tree_laplace": (dict(epsilon=1.0, eta=50.0), *_pair([[0.0, 0.0]] * 2, 0, [1, 0], [0, 1])),
    "dp_ftrl_tree_gauss": (dict(epsilon=1.0, delta=1e-5, eta=50.0), *_pair([[0.0, 0.0]] * 2, 0, [1, 0], [0, 1])),
    "dp_lazy_hedge": (dict(epsilon=1.0, delta=0.0, block=4), *_pair([[1.0, 0.0]] * 5, 3, [1, 0], [0, 1])),
    "dp_noisy_leader": (dict(epsilon=1.0, delta=0.0), *_pair([[0.0, 0.0]] * 2, 0, [1, 0], [0, 1])),
    # bandit feedback: each arm once, then one choice between two one-reward Laplace means; round 0's row moves
    # arm 0's reward from 1 to 0
    "dp_ucb": (dict(epsilon=1.0), *_pair([[0.0, 0.0]] * 3, 0, [0, 0], [1, 0])),
}


def audit_learner_case(name, n=200_000, factor=1.0) -> AuditResult:
    """Audit the learner ``name`` on its case in :data:`LEARNER_CASES`."""
    import olearn

    if not isinstance(name, str) or name not in LEARNER_CASES:
        raise UnknownNameError("audit case", name, LEARNER_CASES)
    values, table, neighbour = LEARNER_CASES[name]
    return audit_learner(olearn.make(name, n_arms=table.shape[1], **values), table, neighbour, n=n, factor=factor)
