"""The step-wise conformal predictor for live use: ``predict()`` then ``update(score)``, one stream.

It drives the method's kernels through the engine's step-wise object
(:class:`olearn.engine.stepwise.Stepwise`): the radius is the learner's action, the score its
feedback.  A NaN score (a missing observation) is skipped with a warning and counted in
``skipped``; it never reaches the state.

A predictor pickles (``pickle``, ``joblib``) mid-stream as its method's registered name, parameter
values and state row, and carries on identically once loaded; ``copy.copy`` and ``copy.deepcopy``
give an independent predictor.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from olearn.conformal.registry import REGISTRY
from olearn.conformal.runner import is_bool, learner_for
from olearn.core.errors import ParameterError
from olearn.core.params import MAGNITUDE
from olearn.engine.stepwise import Stepwise


class MissingScoreWarning(UserWarning):
    """A NaN score was skipped."""


class Predictor:
    """Radius before each score, learned online.

    ``method`` is a name (:func:`olearn.conformal.names`; ``coverage`` defaults to 0.9) or a learner
    made with its own values (:func:`olearn.conformal.make`, :func:`olearn.conformal.strongly_adaptive`),
    which then takes no ``coverage``, ``calibration`` or parameters here.  The state is sized for
    ``max_rounds`` scores (10,000 unless given, calibration included); past that, the score
    histories of ``split``, ``aci`` and ``faci`` become sliding windows and SAOCP drops its oldest
    expert when its slots are full.  Scores, calibration ones included, are finite numbers >= 0
    in [0, 1e100] (bools are refused); ``max_rounds`` is at most 2**29, so the
    state stays within 8 GiB.

    >>> from olearn.conformal import Predictor
    >>> p = Predictor("sf_ogd", coverage=0.9, calibration=[1.0, 0.5], backend="python")
    >>> r = p.predict(); p.update(0.7); p.rounds
    1
    """

    def __init__(self, method="saocp", coverage: float | None = None, calibration=None, backend: str = "cpu", **params):
        self.learner = learner_for("Predictor", method, coverage, calibration, params)
        self._step = Stepwise(self.learner, seed=0, backend=backend)
        self.skipped = 0
        self._radius = None

    def __reduce__(self):
        """Pickled as its step-wise learner (which rebuilds the kernels from the registry by name and keeps
        its last radius), the count of skipped scores and whether a prediction awaits its score (a skipped
        NaN score ends the round here but leaves the step-wise learner's radius in place)."""
        return _restore, ({"step": self._step, "skipped": self.skipped, "pending": self._radius is not None},)

    def __deepcopy__(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            setattr(new, key, copy.deepcopy(value, memo))
        return new

    def __copy__(self):
        """An independent predictor (a shallow copy would share the state row, so each would advance the other)."""
        return self.__deepcopy__({})

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
        """Learn from the score of the round just predicted, a number in [0, 1e100] (NaN: skipped with a
        warning)."""
        if self._radius is None:
            raise ParameterError("Predictor", "update", score, "a call after predict() (one update per prediction)")
        try:
            value = (float(score) if np.ndim(score) == 0 and not isinstance(score, (str, bytes))  # "1" is text
                     and not is_bool(score) else None)
        except (TypeError, ValueError):
            value = None
        except OverflowError:  # an integer beyond the floats (10**400): refused below as not finite
            value = math.inf
        if value is None:
            raise ParameterError("Predictor", "score", score, "one number >= 0 (or NaN for a missing observation; not a bool)")
        if math.isnan(value):
            self.skipped += 1
            warnings.warn(f"score is NaN: skipped ({self.skipped} skipped so far)", MissingScoreWarning, stacklevel=2)
            self._radius = None
            return
        if not math.isfinite(value) or value < 0 or value > MAGNITUDE:
            raise ParameterError("Predictor", "score", score, "a number in [0, 1e100] (or NaN for a missing observation)")
        self._step.update(self._radius, np.array([value]))
        self._radius = None


def _restore(saved: dict) -> Predictor:
    """A pickled Predictor, continuing exactly where it stopped."""
    if "step" not in saved:  # pickled by olearn before its step-wise learner pickled itself: the same fields, flat
        step = Stepwise(REGISTRY[saved["name"]].make(**saved["values"]), seed=0, backend=saved["backend"],
                        state=saved["state"], start=saved["rounds"])
        if saved["pending"]:
            step.act()  # reads the state only: the same radius
        saved = {"step": step, "skipped": saved["skipped"], "pending": saved["pending"]}
    p = object.__new__(Predictor)
    p._step, p.skipped = saved["step"], saved["skipped"]
    p.learner = p._step.learner
    p._radius = float(p._step.action[0]) if saved["pending"] else None  # predicted, not yet updated
    return p
