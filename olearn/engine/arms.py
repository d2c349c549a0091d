"""Interaction and regret bookkeeping for problems with K discrete actions.

Per seed the engine keeps these statistics (``stats`` row):

====================  ==============================================================
slot                  meaning
====================  ==============================================================
0                     cumulative loss of the played arms
1                     cumulative mean loss of the played arms, sum_t mu_t(a_t)
2                     cumulative per-round best mean loss, sum_t min_k mu_t(k)
3 .. 3+K              plays of each arm
3+K .. 3+2K           cumulative realized loss of each fixed arm (for ``regret``); on sleeping worlds
                      sum over the rounds arm k is awake of l_t(a_t) - l_t(k) (``sleeping_regret``)
3+2K .. 3+3K          cumulative mean loss of each fixed arm (``pseudo_regret``, non-stationary worlds);
                      on sleeping worlds the rounds each arm has been awake
3+3K ..               the last k_max rounds' losses, a ring of rows [loss of the played arm, loss of each arm]
                      (window metrics only, as the slots below)
then, per window k    the sums of those rows over the last k rounds, then the largest window regret so far
====================  ==============================================================

Metrics at a checkpoint:

* ``loss``: cumulative loss;
* ``regret``: cumulative loss minus that of the best fixed arm in hindsight (realized losses);
* ``pseudo_regret``: sum_t mu_t(a_t) - min_k sum_t mu_t(k) (for stationary worlds, T-step gap sum);
* ``dynamic_regret``: sum_t mu_t(a_t) - sum_t min_k mu_t(k);
* ``window_regret_<k>`` (k >= 1, any number of lengths): the largest regret on a window of k consecutive
  rounds so far, max over s + k <= t of sum_{s < u <= s+k} l_u(a_u) - min_i sum_{s < u <= s+k} l_u(i)
  (realized losses; NaN before round k).  Its maximum over windows is the strongly adaptive regret of
  Daniely, Gonen and Shalev-Shwartz (2015), the property :mod:`olearn.learners.experts_adaptive` is built
  for.  It keeps the last k rounds' losses of every arm: (K + 1) k numbers per seed;
* ``sleeping_regret`` (worlds of sleeping arms, :mod:`environments.sleeping`, in place of ``regret`` and
  ``pseudo_regret``): max over the arms awake at least once of sum over the rounds t where k is awake
  of l_t(a_t) - l_t(k) (realized losses), the regret of the sleeping experts of Freund, Schapire, Singer
  and Warmuth (1997); there ``dynamic_regret`` is against the best awake arm each round (the best
  ordering of Kleinberg, Niculescu-Mizil and Sharma 2010); no window metrics;
* on rested worlds (``rested``: an arm's losses depend on its own plays, :mod:`environments.rotting`)
  only ``loss``, ``dynamic_regret`` and ``counts``: the world's ``best_mean_loss`` is then the loss of an
  oracle policy that it plays beside the learner (the greedy oracle for rotting arms), and there is no
  fixed arm to compare with;
* ``counts``: plays of each arm (one column per arm).

Best-arm identification (on request, by name; stationary worlds with means and no contexts): at a
checkpoint after round t the learner's recommendation J_t is the arm its ``recommend`` kernel names (see
:class:`olearn.core.spec.LearnerType`), or for a learner without one the arm it has played most (the
lowest index on ties; Bubeck, Munos and Stoltz 2009's recommendation for any allocation);

* ``simple_regret``: mu(J_t) - min_k mu(k), the mean loss given up by playing J_t from then on;
* ``misidentified``: 1 if J_t is not a best arm (its mean exceeds the best by more than 1e-12), else 0;
  its mean over seeds is the probability of error;
* ``stopping_time``: the rounds a fixed-confidence learner sampled before its stopping rule fired
  (NaN while it has not, and for learners without one).

They keep two numbers per seed, after every other statistic.
"""
import math

from olearn.core.kernel import kernel

METRICS = ("loss", "regret", "pseudo_regret", "dynamic_regret", "sleeping_regret", "counts")
BEST_ARM = ("simple_regret", "misidentified", "stopping_time")
#: a recommended arm whose mean loss exceeds the best by more than this is misidentified (rounding aside)
TIE = 1e-12
WINDOW = "window_regret_"
#: how the parameterized metric is written in messages and listings
WINDOW_NAME = "window_regret_<k>"


def window_length(name) -> int | None:
    """k of the metric ``window_regret_<k>`` (k a whole number >= 1), None for any other name."""
    if not isinstance(name, str) or not name.startswith(WINDOW):
        return None
    digits = name[len(WINDOW):]
    if not digits.isascii() or not digits.isdigit() or int(digits) < 1 or digits != str(int(digits)):
        return None
    return int(digits)


def has_windows(env) -> bool:
    """Whether ``window_regret_<k>`` is recorded on ``env`` (not where arms sleep: a window's best arm may be asleep;
    not on rested worlds, whose arms have no losses of their own on rounds they are not played)."""
    return not env.type.sleeping and not env.type.rested


def windows(metrics) -> tuple[int, ...]:
    """The window lengths asked for, in the order of ``metrics``."""
    return tuple(window_length(m) for m in metrics if window_length(m) is not None)


def available_metrics(env) -> tuple[str, ...]:
    """Metrics this environment supports, in recording order."""
    if env.type.sleeping:
        return ("loss", "sleeping_regret") + (("dynamic_regret",) if env.type.has_means else ()) + ("counts",)
    if env.type.rested:
        return ("loss", "dynamic_regret", "counts")
    names = ["loss", "regret"]
    if env.type.has_means:
        names.append("pseudo_regret")
        if not env.type.stationary:
            names.append("dynamic_regret")
    names.append("counts")
    return tuple(names)


def on_request(env) -> tuple[str, ...]:
    """Metrics recorded only when named: best-arm identification's, where a fixed best arm exists."""
    t = env.type
    if t.has_means and t.stationary and not t.sleeping and not t.rested and env.obs_dim == 0:
        return BEST_ARM
    return ()


def n_stats(env, metrics=()) -> int:
    k_arms, lengths = env.n_actions, windows(metrics)
    judged = 2 if any(m in BEST_ARM for m in metrics) else 0
    if not lengths:
        return 3 + 3 * k_arms + judged
    return 3 + 3 * k_arms + (k_arms + 1) * max(lengths) + len(lengths) * (k_arms + 2) + judged


def action_size(learner_type, env) -> int:
    return learner_type.action_dim


def feedback_size(learner_type, env) -> int:
    """One loss (bandit feedback) or the loss of every arm (full information)."""
    return env.n_actions if learner_type.feedback == "full" else 1


def metric_columns(metrics, env) -> list[str]:
    """Names of the recorded columns, ``counts`` expanded to ``count[k]``."""
    n_actions = env.n_actions
    cols = []
    for m in metrics:
        cols.extend([f"count[{k}]" for k in range(n_actions)] if m == "counts" else [m])
    return cols


def make_interaction(env_type, learner_type, metrics):
    """Kernels ``interact`` (one round: feedback + statistics) and ``record`` (statistics -> metrics row)."""
    full_feedback = learner_type.feedback == "full"
    e_loss, e_mean, e_best, e_advance = env_type.loss, env_type.mean_loss, env_type.best_mean_loss, env_type.advance
    want_regret = "regret" in metrics
    want_counts = "counts" in metrics
    want_pseudo = "pseudo_regret" in metrics
    want_dynamic = "dynamic_regret" in metrics
    want_sleeping = "sleeping_regret" in metrics
    stationary = env_type.stationary
    want_means = want_pseudo or want_dynamic
    fixed_means = want_pseudo and not stationary  # needs the mean loss of every arm, every round
    per_round_best = want_dynamic or (want_pseudo and stationary)
    cols = {m: i for i, m in enumerate(ordered(metrics))}  # column of each metric; counts span the last K
    c_loss, c_regret = cols.get("loss", -1), cols.get("regret", -1)
    c_pseudo, c_dynamic, c_counts = cols.get("pseudo_regret", -1), cols.get("dynamic_regret", -1), cols.get("counts", -1)
    c_sleeping = cols.get("sleeping_regret", -1)
    lengths = windows(ordered(metrics))
    n_windows = len(lengths)
    c_windows = tuple(cols[WINDOW + str(k)] for k in lengths) if n_windows else (0,)
    lengths = lengths if n_windows else (1,)  # numba types an empty tuple apart; these are never read
    ring_len = max(lengths)
    want_all_losses = want_regret or n_windows > 0
    c_simple, c_missed, c_stop = cols.get("simple_regret", -1), cols.get("misidentified", -1), cols.get("stopping_time", -1)
    judged = c_simple >= 0 or c_missed >= 0 or c_stop >= 0
    l_recommend = learner_type.recommend if learner_type.recommend is not None else no_recommendation

    @kernel
    def window_at(j, k_arms):
        """Offset of window j's sums (played arm, then each arm; its largest regret after them), past the ring."""
        return 3 + 3 * k_arms + ring_len * (k_arms + 1) + j * (k_arms + 2)

    @kernel
    def judged_at(k_arms):
        """Offset of the two best-arm slots, after every other statistic."""
        if n_windows > 0:
            return window_at(n_windows, k_arms)
        return 3 + 3 * k_arms

    @kernel
    def conclude(es, ep, obs, t, ls, lp, stats):
        """The learner's recommendation J (its own, or the most played arm), then mu(J) - min_k mu(k) into the
        first best-arm slot; the second keeps the rounds sampled before stopping (-1: not stopped)."""
        if not judged:
            return
        k_arms = int(ep[0])
        at = judged_at(k_arms)
        slots = stats[at : at + 2]
        l_recommend(ls, lp, slots)
        arm = int(slots[0])
        if arm < 0 or arm >= k_arms:
            arm = 0
            for k in range(1, k_arms):
                if stats[3 + k] > stats[3 + arm]:
                    arm = k
        slots[0] = e_mean(es, ep, obs, t, arm) - e_best(es, ep, obs, t)

    @kernel
    def interact(es, ep, obs, action, t, seed, fb, stats):
        k_arms = int(ep[0])
        a = int(action[0])
        if full_feedback:
            for k in range(k_arms):
                fb[k] = e_loss(es, ep, obs, t, seed, k)
            loss = fb[a]
        else:
            loss = e_loss(es, ep, obs, t, seed, a)
            fb[0] = loss
        stats[0] += loss
        if want_means:
            stats[1] += e_mean(es, ep, obs, t, a)
        if per_round_best:
            stats[2] += e_best(es, ep, obs, t)
        stats[3 + a] += 1.0
        if n_windows > 0:
            ring = 3 + 3 * k_arms  # the ring of the last ring_len rounds, then each window's sums and maximum
            row = ring + (t % ring_len) * (k_arms + 1)
            for j in range(n_windows):  # the round leaving each window, before the ring overwrites it
                if t >= lengths[j]:
                    old = ring + ((t - lengths[j]) % ring_len) * (k_arms + 1)
                    sums = window_at(j, k_arms)
                    for i in range(k_arms + 1):
                        stats[sums + i] -= stats[old + i]
            stats[row] = loss
        if want_all_losses:
            for k in range(k_arms):
                if full_feedback:
                    lk = fb[k]
                else:
                    lk = loss if k == a else e_loss(es, ep, obs, t, seed, k)
                if want_regret:
                    stats[3 + k_arms + k] += lk
                if n_windows > 0:
                    stats[row + 1 + k] = lk
        if n_windows > 0:
            for j in range(n_windows):
                sums = window_at(j, k_arms)
                best = math.inf
                for i in range(k_arms + 1):
                    stats[sums + i] += stats[row + i]
                    if i > 0:
                        best = min(best, stats[sums + i])
                here = stats[sums] - best
                if t + 1 == lengths[j] or (t + 1 > lengths[j] and here > stats[sums + k_arms + 1]):
                    stats[sums + k_arms + 1] = here
        if fixed_means:
            for k in range(k_arms):
                stats[3 + 2 * k_arms + k] += e_mean(es, ep, obs, t, k)
        if want_sleeping:
            for k in range(k_arms):
                if obs[k] > 0.0:
                    if full_feedback:
                        lk = fb[k]
                    else:
                        lk = loss if k == a else e_loss(es, ep, obs, t, seed, k)
                    stats[3 + k_arms + k] += loss - lk
                    stats[3 + 2 * k_arms + k] += 1.0
        e_advance(es, ep, obs, a, loss, t, seed)
        return loss

    @kernel
    def record(stats, ep, out):
        k_arms = int(ep[0])
        if c_loss >= 0:
            out[c_loss] = stats[0]
        if want_regret:
            best = math.inf
            for k in range(k_arms):
                best = min(best, stats[3 + k_arms + k])
            out[c_regret] = stats[0] - best
        if want_pseudo:
            if stationary:
                out[c_pseudo] = stats[1] - stats[2]
            else:
                best = math.inf
                for k in range(k_arms):
                    best = min(best, stats[3 + 2 * k_arms + k])
                out[c_pseudo] = stats[1] - best
        if want_dynamic:
            out[c_dynamic] = stats[1] - stats[2]
        if want_sleeping:
            worst = -math.inf
            for k in range(k_arms):
                if stats[3 + 2 * k_arms + k] > 0.0:
                    worst = max(worst, stats[3 + k_arms + k])
            out[c_sleeping] = worst
        if want_counts:
            for k in range(k_arms):
                out[c_counts + k] = stats[3 + k]
        if n_windows > 0:
            rounds = 0.0  # the plays of all arms
            for k in range(k_arms):
                rounds += stats[3 + k]
            for j in range(n_windows):
                out[c_windows[j]] = stats[window_at(j, k_arms) + k_arms + 1] if rounds >= lengths[j] else math.nan
        if judged:
            at = judged_at(k_arms)
            if c_simple >= 0:
                out[c_simple] = stats[at]
            if c_missed >= 0:
                out[c_missed] = 1.0 if stats[at] > TIE else 0.0
            if c_stop >= 0:
                out[c_stop] = stats[at + 1] if stats[at + 1] >= 0.0 else math.nan

    return interact, record, conclude


@kernel
def no_recommendation(state, params, out):
    """The ``recommend`` of a learner without one: no arm (-1) and no stop, so ``conclude`` takes the most played arm."""
    out[0] = -1.0
    out[1] = -1.0


def ordered(metrics):
    """Metrics in recording order (counts last, so its K columns close the row)."""
    return tuple(m for m in metrics if m != "counts") + (("counts",) if "counts" in metrics else ())
