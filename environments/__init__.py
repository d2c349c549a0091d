"""olearn's worlds: stochastic, piecewise-stationary and adversarial bandits and experts, sleeping and rotting arms.

>>> import environments
>>> env = environments.make("bernoulli", means=[0.2, 0.8])
>>> env.n_actions
2
"""
from olearn.core.registry import Registry
from olearn.core.spec import EnvType, Environment

from environments import adversarial, classification, contextual, expert_sequences, heavy_tailed, linear_bandit, linear_systems, oco_streams, portfolio, rotting, sea, sea_families, sea_logistic, sleeping, stochastic

REGISTRY = Registry("environment", Environment)
for _t in (stochastic.ENVIRONMENTS + adversarial.ENVIRONMENTS + linear_systems.ENVIRONMENTS + expert_sequences.ENVIRONMENTS + sea.ENVIRONMENTS + sea_families.ENVIRONMENTS + sea_logistic.ENVIRONMENTS + oco_streams.ENVIRONMENTS + contextual.ENVIRONMENTS + classification.ENVIRONMENTS
           + sleeping.ENVIRONMENTS + rotting.ENVIRONMENTS + heavy_tailed.ENVIRONMENTS + linear_bandit.ENVIRONMENTS + portfolio.ENVIRONMENTS):
    REGISTRY.register(_t)
REGISTRY.builtin = frozenset(REGISTRY)

register = REGISTRY.register
names = REGISTRY.names


def make(name: str, **params) -> Environment:
    """An environment by registered name, e.g. ``make("bernoulli", means=[0.1, 0.9])``."""
    return REGISTRY.make(name, **params)


__all__ = ["make", "names", "register", "REGISTRY", "Environment", "EnvType"]
