"""Interaction and statistics for score streams (online conformal prediction).

A learner of kind ``scores`` predicts a radius before each score arrives: it writes
``action[0]`` = the radius s_t >= 0 and ``action[1]`` = its target coverage q = 1 - alpha.
The environment then reveals the score S_t (``feedback[0]``, e.g. |y_t - yhat_t|), and the
round's loss is the pinball loss of the radius at level q (Bhatnagar et al., ICML 2023, sec. 2)::

    loss_t = max(q (S_t - s_t), (1 - q) (s_t - S_t)).

The environment's ``loss(state, params, obs, t, seed, 0)`` kernel returns the score S_t
(there is one "action", the radius, so ``k`` is always 0).

Per seed the engine keeps these statistics (``stats`` row):

====  =====================================================
slot  meaning
====  =====================================================
0     cumulative pinball loss, sum_t loss_t
1     rounds covered, sum_t 1[S_t <= s_t]
2     cumulative radius, sum_t s_t
3     rounds played
====  =====================================================

Metrics at a checkpoint: ``loss`` (cumulative pinball loss), ``coverage`` (fraction of
rounds covered so far) and ``width`` (mean radius so far).  Window metrics (local
coverage error, strongly adaptive regret) need the whole trajectory and are computed
from traces by :mod:`olearn.conformal.metrics`.
"""
from olearn.core.kernel import kernel
from olearn.engine.loop import no_conclusion

METRICS = ("loss", "coverage", "width")


def available_metrics(env) -> tuple[str, ...]:
    return METRICS


def on_request(env) -> tuple[str, ...]:
    return ()


def ordered(metrics):
    return tuple(m for m in METRICS if m in metrics)


def metric_columns(metrics, env) -> list[str]:
    return list(ordered(metrics))


def n_stats(env, metrics=()) -> int:
    return 4


def action_size(learner_type, env) -> int:
    return 2  # radius, target coverage


def feedback_size(learner_type, env) -> int:
    return 1  # the score


@kernel
def pinball(score, radius, q):
    """Pinball loss of ``radius`` for ``score`` at level ``q``: max(q (S - s), (1 - q)(s - S))."""
    return max(q * (score - radius), (1.0 - q) * (radius - score))


def make_interaction(env_type, learner_type, metrics):
    """Kernels ``interact`` (one round: score, loss, statistics) and ``record`` (statistics -> metrics row)."""
    e_score, e_advance = env_type.loss, env_type.advance
    cols = {m: i for i, m in enumerate(ordered(metrics))}
    c_loss, c_cov, c_width = cols.get("loss", -1), cols.get("coverage", -1), cols.get("width", -1)

    @kernel
    def interact(es, ep, obs, action, t, seed, fb, stats):
        score = e_score(es, ep, obs, t, seed, 0)
        fb[0] = score
        radius = action[0]
        loss = pinball(score, radius, action[1])
        stats[0] += loss
        if score <= radius:
            stats[1] += 1.0
        stats[2] += radius
        stats[3] += 1.0
        e_advance(es, ep, obs, 0, loss, t, seed)
        return loss

    @kernel
    def record(stats, ep, out):
        if c_loss >= 0:
            out[c_loss] = stats[0]
        if c_cov >= 0:
            out[c_cov] = stats[1] / stats[3]
        if c_width >= 0:
            out[c_width] = stats[2] / stats[3]

    return interact, record, no_conclusion
