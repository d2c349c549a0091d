"""The privacy guarantee of each private learner, recomputed from the noise its parameter row carries.

Each function reads the noise scales that :mod:`olearn.learners.private` put in the row (what the
kernels really use) and asks the accountant what they add up to over the run; a run report
therefore checks the calibration rather than repeating it.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from olearn.core.errors import ParameterError, check_integer
from olearn.learners import private
from olearn.privacy import accountant
from olearn.privacy.mechanisms import tree_levels


def _delta(values, horizon):
    return private._delta(values, horizon) if "delta" in values else 0.0


def guarantee(learner_type, values: dict, n_actions: int, horizon: int) -> accountant.Guarantee:
    """The (epsilon, delta) a configuration spends over ``horizon`` rounds with ``n_actions`` experts.

    ``values`` are the configuration's full parameter values, as ``olearn.make(name, ...).configs[0]`` holds them.
    """
    if not isinstance(getattr(learner_type, "name", None), str) or not callable(getattr(learner_type, "row", None)):
        raise ParameterError("guarantee", "learner_type", learner_type, "a learner type (olearn.make(name, ...).type)")
    name = learner_type.name
    if not isinstance(values, Mapping):
        raise ParameterError("guarantee", "values", values, f"a dict of {name}'s parameter values "
                             f"(olearn.make({name!r}, ...).configs[0])")
    for p in getattr(learner_type, "params", ()):  # every declared one (a stand-in with a row alone declares none)
        if p.name not in values:
            raise ParameterError("guarantee", "values", values, f"all of {name}'s parameter values, as in "
                                 f"olearn.make({name!r}, ...).configs[0]: parameter {p.name!r} is missing")
        p.validate("guarantee", values[p.name])
    horizon = check_integer("guarantee", "horizon", horizon, 1, meaning="the rounds the noise is calibrated for")
    n_actions = check_integer("guarantee", "n_actions", n_actions, 1, meaning="experts or arms")
    row = np.asarray(learner_type.row(values, n_actions, 0, horizon), dtype=float)
    target = float(values.get("epsilon", math.inf))
    delta = _delta(values, horizon)
    d = n_actions
    if name in ("dp_svt_experts", "dp_svt_small_loss"):
        # the noise the kernels draw: AboveThreshold with threshold noise Lap(b1) and query noise Lap(b2) on queries of
        # sensitivity 1 is (1/b1 + 2/b2)-DP; the exponential mechanism exp(-eta L) is 2 eta-DP (losses move both ways)
        k_budget, epochs = int(row[3]), int(row[7])
        above, draw = 1.0 / row[4] + 2.0 / row[5], 2.0 * row[6]
        eps0 = max(above, draw)
        count = epochs * k_budget + 1
        eps = accountant.composed_epsilon(eps0, count, delta)
        what = (f"{epochs} x {k_budget} exponential-mechanism draws ({draw:.4g}-DP each) + 1 AboveThreshold "
                f"({above:.4g}-DP), composed as {count} mechanisms of {eps0:.4g}")
    elif name == "dp_ftrl_tree_laplace":
        eps = tree_levels(horizon) * d / row[2]
        what = f"Laplace tree, scale {row[2]:.4g} per node coordinate, {tree_levels(horizon)} nodes per round"
    elif name == "dp_ftrl_tree_gauss":
        z = row[2] / math.sqrt(d)
        eps = accountant.gaussian_tree_epsilon(z, horizon, delta)
        what = f"Gaussian tree, noise multiplier {z:.4g} (sigma {row[2]:.4g})"
    elif name == "dp_lazy_hedge":
        draws = max(1, int(math.ceil(horizon / row[2])) - 1)
        eps = accountant.composed_epsilon(2.0 * row[1], draws, delta)
        what = f"{draws} exponential-mechanism draws, each {2.0 * row[1]:.4g}-DP"
    elif name == "dp_noisy_leader":
        eps0 = 2.0 / row[1]
        eps = accountant.composed_epsilon(eps0, max(1, horizon - 1), delta)
        what = f"{max(1, horizon - 1)} report-noisy-min calls, each {eps0:.4g}-DP"
    elif name == "dp_ucb":
        eps = 1.0 / row[1]
        what = f"one Laplace(scale {row[1]:.4g} / L) mean per episode of L rewards, each reward in one episode"
    else:
        return accountant.Guarantee(name, math.inf, 0.0, math.inf, "not private")
    return accountant.Guarantee(name, float(eps), float(delta), target, what)
