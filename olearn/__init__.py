"""olearn: online learning and bandits, one learner definition compiled for every backend.

>>> import olearn, environments
>>> env = environments.make("bernoulli", means=[0.2, 0.8])
>>> result = olearn.run(olearn.make("ucb1"), env, horizon=200, seeds=4)
>>> result.final("pseudo_regret").shape
(1, 4)
"""
__version__ = "0.1.0"

from olearn.analysis import compare, summarize
from olearn.core.errors import BackendUnavailableError, ParameterError, UnknownNameError
from olearn.engine import delays
from olearn.engine.run import checkpoint_grid, run
from olearn.engine.stepwise import Stepwise, stepwise
from olearn.io.result import Result, load
from olearn.learners import make, names

# the subpackages load on first use (``olearn.conformal.run_scores`` without importing olearn.conformal first),
# so ``import olearn`` stays fast
SUBPACKAGES = ("conformal", "relax", "privacy", "testing", "plot", "experiment", "learners", "backends", "bench")


def __getattr__(name):
    if name in SUBPACKAGES:
        import importlib

        return importlib.import_module(f"olearn.{name}")
    raise AttributeError(f"module 'olearn' has no attribute {name!r}")


__all__ = [
    "make", "names", "run", "summarize", "compare", "stepwise", "Stepwise", "Result", "load", "delays", "checkpoint_grid",
    "ParameterError", "UnknownNameError", "BackendUnavailableError", "__version__",
]
