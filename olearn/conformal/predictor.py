"""The step-wise conformal predictor for live use: ``predict()`` then ``update(score)``, one stream.

It drives the method's kernels through the engine's step-wise object
(:class:`olearn.engine.stepwise.Stepwise`): the radius is the learner's action, the score its
feedback.  A NaN score (a missing observation) is skipped with a warning and counted in
``skipped``; it never reaches the state.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from olearn.conformal.registry import make
from olearn.conformal.runner import check_scores
from olearn.core.errors import ParameterError
from olearn.core.spec import Learner
from olearn.engine.stepwise import Stepwise


class MissingScoreWarning(UserWarning):
    """A NaN score was skipped."""


class Predictor:
    """Radius before each score, learned online.

    >>> from olearn.conformal import Predictor
    >>> p = Predictor("sf_ogd", coverage=0.9, calibration=[1.0, 0.5], backend="python")
    >>> r = p.predict(); p.update(0.7); p.rounds
    1
    """

    def __init__(self, method="saocp", coverage: float = 0.9, calibration=None, backend: str = "cpu", **params):
        if isinstance(method, Learner):
            learner = method
        else:
            calib = check_scores(str(method), "calibration", [] if calibration is None else calibration, allow_empty=True)
            learner = make(method, coverage=coverage, calibration=calib, **params)
        if learner.type.kind != "scores":
            raise ParameterError("Predictor", "method", learner.name, "a conformal method of kind 'scores' (olearn.conformal.names())")
        self.learner = learner
        self._step = Stepwise(learner, seed=0, backend=backend)
        self.skipped = 0
        self._radius = None

    @property
    def rounds(self) -> int:
        """Scores learned from (skipped ones excluded)."""
        return self._step.t

    def predict(self) -> float:
        """The radius s_t for the next score (the interval is yhat +/- s_t)."""
        self._radius = self._step.act()
        return self._radius

    def interval(self, yhat: float) -> tuple[float, float]:
        """(yhat - s_t, yhat + s_t) for the next observation."""
        r = self.predict()
        return yhat - r, yhat + r

    def update(self, score: float) -> None:
        """Learn from the score of the round just predicted (NaN: skipped with a warning)."""
        if self._radius is None:
            raise ParameterError("Predictor", "update", score, "a call after predict() (one update per prediction)")
        try:
            value = float(score) if np.ndim(score) == 0 else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise ParameterError("Predictor", "score", score, "one number >= 0 (or NaN for a missing observation)")
        if math.isnan(value):
            self.skipped += 1
            warnings.warn(f"score is NaN: skipped ({self.skipped} skipped so far)", MissingScoreWarning, stacklevel=2)
            self._radius = None
            return
        if not math.isfinite(value) or value < 0:
            raise ParameterError("Predictor", "score", score, "a finite number >= 0 (or NaN for a missing observation)")
        self._step.update(self._radius, np.array([value]))
        self._radius = None
