"""The learner registry: ``make(name, **params)`` and ``names()``."""
from olearn.core.registry import Registry
from olearn.core.spec import Learner
from olearn.learners import bandits, contextual, experts, linear, oco, oco_adaptive, oco_ensemble, oco_newton, private

REGISTRY = Registry("learner", Learner)
for _t in (bandits.LEARNERS + experts.LEARNERS + contextual.LEARNERS + linear.LEARNERS + private.LEARNERS + oco.LEARNERS + oco_adaptive.LEARNERS
           + oco_ensemble.LEARNERS + oco_newton.LEARNERS):
    REGISTRY.register(_t)

register = REGISTRY.register
names = REGISTRY.names


def make(name: str, **params) -> Learner:
    """A learner by registered name, e.g. ``make("exp3", eta=0.1)``; a list for a parameter makes a grid."""
    return REGISTRY.make(name, **params)
