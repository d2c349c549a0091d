"""What every conformal learner shares: parameters, the parameter-row header, the pinball gradient.

Every conformal learner is an engine learner of kind ``scores`` (see
:mod:`olearn.engine.scores`): ``act`` writes the radius into ``action[0]`` and the target
coverage into ``action[1]``; ``update`` receives the score in ``feedback[0]``.

Parameter row (float64), shared header then the method's own slots, then the calibration scores::

    [0] 1 (one action: the radius)      [1] q, the target coverage 1 - alpha
    [2] D, the scale                    [3] n, the number of calibration scores
    [4] the history capacity            [5] offset of the calibration scores in the row
    [6 ...] the method's own values     [row[5] ...] the calibration scores

Calibration (Bhatnagar et al. 2023, their time-series protocol): the calibration scores are
fed through the method's update in ``init``, before the first prediction, and set the scale
``D = sqrt(3) max_i |calibration_i|`` unless ``scale`` is given.
"""
from __future__ import annotations

import numpy as np

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param

HEADER = 6
Q, SCALE, N_CALIB, CAPACITY, CALIB_AT = 1, 2, 3, 4, 5

N_ARMS = Param("n_arms", 1, "number of actions: always 1 (the radius)", kind="int", low=1, high=1)
COVERAGE = Param("coverage", 0.9, "target coverage 1 - alpha", low=0.0, high=1.0, open_low=True, open_high=True)
CALIBRATION = Param(
    "calibration", (), "calibration scores (>= 0), fed through the update before the stream", kind="vector", low=0.0, min_size=0
)
SCALE_PARAM = Param(
    "scale", None, "scale D of the scores; None: sqrt(3) max |calibration score|", low=0.0, open_low=True, optional=True
)
MAX_ROUNDS = Param(
    "max_rounds", 10_000, "rounds (calibration included) the state is sized for: score history, live experts", kind="int", low=1
)
COMMON = (N_ARMS, COVERAGE, CALIBRATION, SCALE_PARAM, MAX_ROUNDS)


def scale_of(name: str, values: dict, needed: bool = True) -> float:
    """``scale`` if given, else sqrt(3) max |calibration|; an error when a method needs it and neither is there."""
    if values.get("scale") is not None:
        return float(values["scale"])
    calib = values["calibration"]
    if len(calib) == 0:
        if needed:
            raise ParameterError(
                name, "calibration", calib,
                "at least one calibration score (it sets the scale D = sqrt(3) max |score|), or give scale=D",
            )
        return 0.0
    with np.errstate(over="ignore"):
        scale = float(np.max(np.abs(calib)) * np.sqrt(3))
    if not np.isfinite(scale) and needed:  # a score above 1.03e308: D (then the steps, the losses) would be inf, radii NaN
        raise ParameterError(
            name, "calibration", f"max score {float(np.max(np.abs(calib)))!r}",
            "scores below 1e308 / sqrt(3) (they set the scale D = sqrt(3) max |score|, which would overflow): rescale the scores",
        )
    if scale == 0.0 and needed:
        raise ParameterError(
            name, "calibration", "every calibration score is 0",
            "at least one score > 0 (they set the scale D = sqrt(3) max |score|, and D = 0 would freeze the radius), or give scale=D",
        )
    return scale


def header_row(name: str, values: dict, own: list, needs_scale: bool) -> list:
    """The full parameter row: the shared header, the method's slots ``own``, then the calibration scores."""
    calib = [float(x) for x in values["calibration"]]
    n_rounds = max(int(values["max_rounds"]), len(calib) + 1)
    head = [1.0, values["coverage"], scale_of(name, values, needs_scale), float(len(calib)), float(n_rounds), 0.0]
    head[CALIB_AT] = float(HEADER + len(own))
    return head + [float(x) for x in own] + calib


def sized_for(owner: str, params: dict, n_rounds: int) -> dict:
    """``params`` with ``max_rounds`` raised to ``n_rounds`` (the rounds a run feeds, calibration included)."""
    from olearn.conformal.registry import check_max_rounds  # noqa: PLC0415 (the registry imports the methods)

    given = check_max_rounds(owner, params.get("max_rounds", 1))
    return {**params, "max_rounds": max(n_rounds, given)}


def history_size(values: dict) -> int:
    """Scores kept for empirical quantiles: all of them up to ``max_rounds`` (a sliding window beyond), and never
    fewer than the calibration scores plus one, so a ``max_rounds`` at or below the calibration's length still
    holds every calibration score when the first live one arrives."""
    return max(int(values["max_rounds"]), len(values["calibration"]) + 1)


@kernel
def pinball_grad(score, radius, q):
    """d/ds of the pinball loss at level q: -q 1[S > s] + (1 - q) 1[S < s]."""
    g = 0.0
    if score > radius:
        g = -q
    elif score < radius:
        g = 1.0 - q
    return g




def score_kernels(reset, step, radius):
    """Engine kernels ``init``, ``act``, ``update`` of a conformal method from three kernels of its own.

    ``reset(state, params)`` sets the initial state (after it is zeroed), ``step(state, params, score)``
    learns from one score, ``radius(state, params)`` is the radius predicted for the next score.
    ``init`` feeds the calibration scores through ``step``.
    """

    @kernel
    def init(state, params, seed):
        for i in range(len(state)):
            state[i] = 0.0
        reset(state, params)
        at = int(params[CALIB_AT])
        for i in range(int(params[N_CALIB])):
            step(state, params, params[at + i])

    @kernel
    def act(state, params, obs, t, seed, action):
        action[0] = radius(state, params)
        action[1] = params[Q]

    @kernel
    def update(state, params, obs, action, feedback, t, seed):
        step(state, params, feedback[0])

    return init, act, update


@kernel
def no_reset(state, params):
    return
