"""Online conformal prediction: calibrated intervals around any forecaster, valid under shift.

Methods (engine learners of kind ``scores``, written once as kernels): split conformal, ACI,
FACI, FACI-S, SF-OGD and SAOCP (Bhatnagar, Wang, Xiong and Bai, ICML 2023), plus the strongly
adaptive meta-algorithm :func:`strongly_adaptive` over any of them.

* :func:`run_scores` -- the radius each method predicts before each score of a stream;
* :func:`wrap` -- intervals around a point forecaster on a time series, as a DataFrame;
* :class:`Predictor` -- ``predict()`` then ``update(score)`` for live use;
* :mod:`~olearn.conformal.metrics`, :mod:`~olearn.conformal.datasets`, :mod:`~olearn.conformal.forecasters`.

>>> from olearn import conformal
>>> conformal.run_scores("saocp", [0.2, 1.5, 0.7, 0.4], coverage=0.9, calibration=[0.5, 1.0]).round(3).tolist()
[1.0, 0.754, 1.595, 1.448]
"""
from olearn.conformal import datasets, forecasters, metrics
from olearn.conformal.adaptive import strongly_adaptive
from olearn.conformal.predictor import MissingScoreWarning, Predictor
from olearn.conformal.registry import REGISTRY, make, names, register
from olearn.conformal.runner import run_scores
from olearn.conformal.intervals import wrap

__all__ = [
    "run_scores", "wrap", "Predictor", "MissingScoreWarning", "make", "names", "register", "REGISTRY",
    "strongly_adaptive", "metrics", "datasets", "forecasters",
]
