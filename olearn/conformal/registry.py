"""The conformal learners, in their own registry (the global one holds learners of kind ``arms``)."""
from olearn.conformal.aci import ACI, FACI, FACI_S
from olearn.conformal.adaptive import SAOCP
from olearn.conformal.nexcp import NEXCP
from olearn.conformal.ogd import SF_OGD
from olearn.conformal.pid import CONFORMAL_PI, CONFORMAL_PID, QUANTILE_TRACKING
from olearn.conformal.split import SPLIT
from olearn.core.errors import check_integer
from olearn.core.registry import Registry
from olearn.core.spec import Learner

REGISTRY = Registry("conformal method", Learner)
for _t in (SPLIT, NEXCP, ACI, FACI, FACI_S, SF_OGD, SAOCP, QUANTILE_TRACKING, CONFORMAL_PI, CONFORMAL_PID):
    REGISTRY.register(_t)

names = REGISTRY.names
register = REGISTRY.register


def make(name: str, **params) -> Learner:
    """A conformal learner (kind ``scores``) by name, e.g. ``make("saocp", coverage=0.9, g=8)``.

    Methods that set their scale from the calibration scores (``sf_ogd``, ``faci_s``, ``saocp``)
    check here that there is one (or an explicit ``scale``).  ``max_rounds`` is at most
    :func:`max_rounds_limit` (2**29: the score histories, two floats a round, stay within 8 GiB).
    """
    if "max_rounds" in params:
        given = params["max_rounds"]
        for value in given if isinstance(given, (list, tuple)) else [given]:
            check_max_rounds(str(name), value)
    learner = REGISTRY.make(name, **params)
    for cfg in learner.configs:
        learner.type.row(cfg, 1, 0, 1)  # raises ParameterError for a missing calibration
    return learner


def max_rounds_limit() -> int:
    """The largest ``max_rounds``: the score histories (up to two floats a round, ``split``, ``aci``, ``faci``,
    ``nexcp``) within the engine's 8 GiB bound on what a run keeps (``olearn.engine.run.MAX_RESULT_BYTES``)."""
    from olearn.engine.run import MAX_RESULT_BYTES  # noqa: PLC0415 (the engine imports the learners)

    return MAX_RESULT_BYTES // 16


def check_max_rounds(owner: str, value) -> int:
    """``value`` as an int when it is an integer in [1, :func:`max_rounds_limit`]; else a ParameterError naming it."""
    limit = max_rounds_limit()
    return check_integer(owner, "max_rounds", value, 1, limit,
                         meaning=f"the state, up to two floats a round, is kept within {limit * 16 // 2**30} GiB")
