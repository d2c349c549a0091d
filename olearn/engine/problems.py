"""Problem kinds: how a round's action becomes feedback and regret statistics.

Each kind is a module with the same small interface (see :mod:`olearn.engine.arms`):

* ``available_metrics(env)``: metric names this environment supports, in recording order;
* ``ordered(metrics)``: a subset in recording order;
* ``metric_columns(metrics, env)``: the recorded column names;
* ``n_stats(env, metrics)``: the per-seed statistics row length;
* ``action_size(learner_type, env)`` and ``feedback_size(learner_type, env)``;
* ``make_interaction(env_type, learner_type, metrics)``: kernels ``interact``, ``record`` and ``conclude``
  (``olearn.engine.loop.no_conclusion`` where the metrics need nothing from the learner);
* ``on_request(env)``: metrics recorded only when asked for by name (not by default).

A learner and an environment work together when their ``kind`` is the same.
"""
from olearn.core.errors import ParameterError, UnknownNameError
from olearn.engine import arms, oco, scores

KINDS = {"arms": arms, "scores": scores, "oco": oco}


def of(kind: str):
    """The problem module of ``kind``."""
    if kind not in KINDS:
        raise UnknownNameError("problem kind", kind, KINDS)
    return KINDS[kind]


def check_pair(learner_type, env):
    """A learner runs only on environments of its own kind; on a world of sleeping arms only a learner
    that reads which arms are awake runs, and such a learner runs elsewhere only without contexts."""
    env_type = env.type
    if learner_type.kind != env_type.kind:
        raise ParameterError(
            "run", "env", env_type.name,
            f"an environment of kind {learner_type.kind!r} for learner {learner_type.name!r} "
            f"({env_type.name!r} is of kind {env_type.kind!r})",
        )
    if env_type.kind != "arms":
        return
    if env_type.sleeping and not learner_type.sleeping:
        from olearn.learners import REGISTRY  # noqa: PLC0415

        awake = ", ".join(n for n in REGISTRY.names() if REGISTRY[n].sleeping)
        raise ParameterError("run", "env", env_type.name, f"a world where every arm is always awake for {learner_type.name!r}, "
                             f"which may play an arm that is asleep (learners that read the awake arms: {awake})")
    if learner_type.sleeping and not env_type.sleeping and env.obs_dim != 0:
        raise ParameterError("run", "env", env_type.name, f"a sleeping world, or one without contexts, for {learner_type.name!r}: "
                             f"it would read {env_type.name!r}'s contexts as the awake arms")
