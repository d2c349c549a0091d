"""Differential privacy for expert learners.

* :mod:`~olearn.privacy.mechanisms`: the building blocks as kernels (Laplace, exponential
  mechanism, AboveThreshold, report-noisy-min, binary-tree aggregation);
* :mod:`~olearn.privacy.accountant`: calibration and composition with dp-accounting;
* :mod:`~olearn.privacy.guarantees`: what each private learner spends;
* :mod:`~olearn.privacy.runner`: :func:`run` and :func:`stepwise` with the [0, 1] loss check;
* :mod:`~olearn.privacy.audit`: the empirical privacy audit.
"""
from olearn.privacy.runner import check_unit_losses, run, stepwise

__all__ = ["check_unit_losses", "run", "stepwise"]
