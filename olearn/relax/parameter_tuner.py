"""``ParameterTuner``: the tuner for any solver parameter, with the user's own solver and cost.

:class:`~olearn.relax.OmegaTuner` runs olearn's SOR or SSOR-PCG itself.  A simulation that calls another
solver (a Krylov method's restart length, a multigrid smoother's sweeps, a preconditioner's drop
tolerance, a time step) asks this tuner for a value from a grid before each solve and reports what the
solve cost (iterations, seconds, any number >= 0) after it; the learners are the same (Khodak, Chow,
Balcan and Talwalkar, ICLR 2024): ``"tsallis_inf"`` over the grid, ``"tsallis_inf_cb"`` in bins of a
scalar context, ``"chebcb"`` with a Chebyshev regression of the cost on the context.

>>> from olearn import relax
>>> tuner = relax.ParameterTuner([10, 20, 40, 80], seed=0, backend="python")   # e.g. GMRES restart lengths
>>> restart = tuner.suggest()             # before the solve
>>> tuner.observe(137)                     # after it: its iterations (or seconds)
>>> tuner.summary()["suggestions"]
1

Costs are fed to the learner as losses after subtracting ``shift`` (0 by default; 1 for iteration counts,
whose least value is 1, as :class:`~olearn.relax.OmegaTuner` does); Tsallis-INF divides them by their running
mean and ChebCB by its own scale, so their units do not matter.  A solve that fails between
:meth:`suggest` and :meth:`observe` is dropped with :meth:`discard`, which puts the learner back as it was.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from olearn.core.errors import ParameterError, check_range, check_real
from olearn.core.params import MAGNITUDE
from olearn.engine.stepwise import Stepwise
from olearn.relax.tuner import CONTEXTUAL, make_learner


class ParameterTuner:
    """Suggest a value from ``values`` before each solve; learn from the cost reported after it.

    Parameters
    ----------
    values : the grid of candidate values (any finite numbers, at least two, distinct; integers up to 2^53 in magnitude)
    method : {"tsallis_inf", "tsallis_inf_cb", "chebcb"}
    context_range : (low, high) of the scalar context, for the contextual methods
    shift : subtracted from every cost before it reaches the learner (the least possible cost), in [-1e6, 1e6];
        each cost is a number in [shift, 1e100]
    seed, backend, **learner_params : as for :class:`~olearn.relax.OmegaTuner`
    """

    def __init__(self, values, method: str = "tsallis_inf", context_range=None, shift: float = 0.0, seed: int = 0,
                 backend: str = "cpu", **learner_params):
        allowed = ("at least two distinct finite numbers, the candidate values (integers of magnitude at most 2^53, "
                   "which doubles hold exactly)")
        grid = np.asarray(values, dtype=float) if _numbers(values) else None
        if grid is None or grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)) or np.unique(grid).size != grid.size:
            raise ParameterError("ParameterTuner", "values", values, allowed)
        given = np.asarray(values)
        self._integers = given.dtype.kind in "iu"  # suggestions are ints when the values were given as ints
        if self._integers and np.any((given > 2**53) | (given < -(2**53))):  # 2^53 + 1 would come back as 2^53
            raise ParameterError("ParameterTuner", "values", values, allowed)
        self.values = grid
        self.shift = check_range("ParameterTuner", "shift", shift, -1e6, 1e6,
                                 allowed="a number in [-1e6, 1e6], the least cost a solve can have")
        self.method = method
        self.contextual = method in CONTEXTUAL
        learner = make_learner(method, grid.size, context_range, owner="ParameterTuner", **{"shift": self.shift, **learner_params})
        self.learner = Stepwise(learner, seed=seed, backend=backend, obs_dim=1 if self.contextual else 0)
        self.arms: list[int] = []
        self.costs: list[float] = []
        self.contexts: list[float] = []
        self._pending = None  # (arm, context, the state before act) between suggest and observe

    def suggest(self, context=None):
        """The value to use for the next solve (``context``: the scalar the contextual methods read)."""
        if self._pending is not None:
            raise ParameterError("ParameterTuner", "suggest", "a second call", "observe(cost) or discard() after each suggest()")
        c = None
        if self.contextual:
            c = check_real("ParameterTuner", "context", context, f"a finite number (method {self.method!r} uses it)")
        elif context is not None:
            raise ParameterError("ParameterTuner", "context", context, f"None: method {self.method!r} reads no context")
        before = self.learner.state.copy()
        arm = self.learner.act(None if c is None else [c])
        self._pending = (arm, c, before)
        value = self.values[arm]
        return int(value) if self._integers else float(value)

    def observe(self, cost) -> None:
        """The cost of the solve that used the last suggested value (finite, at least ``shift``)."""
        if self._pending is None:
            raise ParameterError("ParameterTuner", "observe", cost, "a cost after suggest(): no value is waiting for one")
        allowed = f"a number in [shift, 1e100] = [{self.shift:g}, 1e100], the solve's cost"
        value = check_real("ParameterTuner", "cost", cost, allowed)
        if value < self.shift or value > MAGNITUDE:  # past 1e100 ChebCB's squared residuals overflow
            raise ParameterError("ParameterTuner", "cost", cost, allowed)
        arm, c, _ = self._pending
        self.learner.update(arm, value)
        self._pending = None
        self.arms.append(arm)
        self.costs.append(value)
        self.contexts.append(math.nan if c is None else c)

    def discard(self) -> None:
        """Forget the last suggestion (its solve failed): the learner is back where it was before it."""
        if self._pending is not None:
            self.learner.state[:] = self._pending[2]  # as OmegaTuner does when a solve fails; the next act starts afresh
            self._pending = None

    def summary(self) -> dict:
        """Suggestions answered so far and the total cost they reported."""
        return {"suggestions": len(self.costs), "total_cost": float(np.sum(self.costs))}

    def report(self) -> pd.DataFrame:
        """One row per value: times chosen, the cost reported for it, its mean."""
        arms = np.asarray(self.arms, dtype=int)
        k = self.values.size
        chosen = np.bincount(arms, minlength=k) if arms.size else np.zeros(k, int)
        spent = np.bincount(arms, weights=np.asarray(self.costs), minlength=k) if arms.size else np.zeros(k)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(chosen > 0, spent / np.maximum(chosen, 1), np.nan)
        table = pd.DataFrame({"value": self.values, "chosen": chosen, "cost": spent, "mean_cost": mean})
        table.attrs["summary"] = self.summary()
        return table


def _numbers(values) -> bool:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "iuf"
