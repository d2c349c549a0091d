"""The learner registry: ``make(name, **params)`` and ``names()``."""
from olearn.core.errors import UnknownNameError
from olearn.core.spec import Learner, LearnerType
from olearn.learners import bandits, experts

REGISTRY: dict[str, LearnerType] = {}


def register(learner_type: LearnerType) -> LearnerType:
    """Add a learner type to the registry (its name must be new)."""
    if learner_type.name in REGISTRY:
        raise ValueError(f"a learner named {learner_type.name!r} is already registered")
    REGISTRY[learner_type.name] = learner_type
    return learner_type


for _t in bandits.LEARNERS + experts.LEARNERS:
    register(_t)


def make(name: str, **params) -> Learner:
    """A learner by registered name, e.g. ``make("exp3", eta=0.1)``; a list for a parameter makes a grid."""
    if isinstance(name, Learner):
        return name
    if name not in REGISTRY:
        raise UnknownNameError("learner", name, REGISTRY)
    return REGISTRY[name].make(**params)


def names() -> list[str]:
    return sorted(REGISTRY)
