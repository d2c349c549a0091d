"""Online conformal prediction: calibrated intervals around any forecaster, valid under shift.

Methods (engine learners of kind ``scores``, written once as kernels): split conformal, ACI,
FACI, FACI-S, SF-OGD and SAOCP (Bhatnagar, Wang, Xiong and Bai, ICML 2023), plus the strongly
adaptive meta-algorithm :func:`strongly_adaptive` over any of them.

>>> from olearn import conformal
>>> conformal.run_scores("saocp", [0.2, 1.5, 0.7, 0.4], coverage=0.9, calibration=[0.5, 1.0]).round(3).tolist()
[0.866, 0.791, 0.866, 0.829]
"""
from olearn.conformal.adaptive import strongly_adaptive
from olearn.conformal.registry import REGISTRY, make, names, register
from olearn.conformal.run_scores import run_scores

__all__ = ["run_scores", "make", "names", "register", "REGISTRY", "strongly_adaptive"]
