"""olearn's worlds: stochastic, piecewise-stationary and adversarial bandits and experts.

>>> import environments
>>> env = environments.make("bernoulli", means=[0.2, 0.8])
>>> env.n_actions
2
"""
from olearn.core.errors import UnknownNameError
from olearn.core.spec import EnvType, Environment

from environments import adversarial, stochastic

REGISTRY: dict[str, EnvType] = {}


def register(env_type: EnvType) -> EnvType:
    """Add an environment type to the registry (its name must be new)."""
    if env_type.name in REGISTRY:
        raise ValueError(f"an environment named {env_type.name!r} is already registered")
    REGISTRY[env_type.name] = env_type
    return env_type


for _t in stochastic.ENVIRONMENTS + adversarial.ENVIRONMENTS:
    register(_t)


def make(name: str, **params) -> Environment:
    """An environment by registered name, e.g. ``make("bernoulli", means=[0.1, 0.9])``."""
    if isinstance(name, Environment):
        return name
    if name not in REGISTRY:
        raise UnknownNameError("environment", name, REGISTRY)
    return REGISTRY[name].make(**params)


def names() -> list[str]:
    return sorted(REGISTRY)


__all__ = ["make", "names", "register", "REGISTRY", "Environment", "EnvType"]
