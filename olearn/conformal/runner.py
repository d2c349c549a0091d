"""``run_scores``: the radius each method predicts before each score of a given stream."""
from __future__ import annotations

import numpy as np

from olearn.conformal.common import sized_for
from olearn.conformal.registry import make
from olearn.core.errors import ParameterError
from olearn.core.params import MAGNITUDE, real_array
from olearn.core.spec import Learner


SCORES = "numbers in [0, 1e100]"  # the project's bound on magnitudes, olearn.core.params.MAGNITUDE


def is_bool(value) -> bool:
    """Whether ``value`` is a bool, or a sequence or array holding one (a bool is not a number here)."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "b" or (value.dtype.kind == "O" and any(isinstance(v, (bool, np.bool_)) for v in value.ravel()))
    if isinstance(value, (list, tuple)):
        return any(is_bool(v) for v in value)
    return False


def check_scores(owner: str, name: str, scores, allow_empty: bool = False) -> np.ndarray:
    """``scores`` as a 1-D float array of numbers in [0, 1e100] (bools refused), or a ParameterError naming ``name``.

    1e100 is olearn's bound on magnitudes (``MAGNITUDE``): past about 1e105 the PID scorecaster's least squares,
    in squared score units, overflow to NaN radii; one range for every method keeps runs and metrics alike."""
    allowed, high = SCORES, MAGNITUDE
    try:
        arr = None if is_bool(scores) else real_array(scores)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond the floats (10**400)
        arr = None
    if arr is None:
        raise ParameterError(owner, name, scores, f"a 1-D sequence of real {allowed} (not bools)")
    if arr.ndim != 1 or (arr.size == 0 and not allow_empty):
        shape = "a 1-D" if allow_empty else "a non-empty 1-D"
        raise ParameterError(owner, name, scores, f"{shape} sequence of {allowed}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > high)
    if bad.any():
        i = int(np.argmax(bad))
        what = "NaN" if np.isnan(arr[i]) else "negative" if arr[i] < 0 else "infinite" if np.isinf(arr[i]) else "too large"
        raise ParameterError(owner, name, f"{what} value {float(arr[i])!r} at index {i}",
                             f"{allowed} (scores such as |y - yhat|)")
    return arr


def learner_for(owner: str, method, coverage, calibration, params: dict, rounds: int | None = None) -> Learner:
    """The conformal learner an entry point runs: made here from ``method``'s name (``coverage`` 0.9 unless given,
    ``calibration`` checked, ``max_rounds`` raised to the calibration plus ``rounds`` when that is given), or
    ``method`` itself when it is already made, which then takes no coverage, calibration or parameters (they would
    be ignored: it holds its own)."""
    if isinstance(method, Learner):
        given = {**({} if coverage is None else {"coverage": coverage}),
                 **({} if calibration is None else {"calibration": calibration}), **params}
        if given:
            key, value = next(iter(given.items()))
            raise ParameterError(owner, key, value, f"no {key} with a made learner ({method.name!r} has its own values): "
                                 "give it to conformal.make, or pass the method's name")
        learner = method
    else:
        calib = check_scores(str(method), "calibration", [] if calibration is None else calibration, allow_empty=True)
        if rounds is not None:
            params = sized_for(owner, params, calib.size + rounds)
        learner = make(method, coverage=0.9 if coverage is None else coverage, calibration=calib, **params)
    if learner.type.kind != "scores":
        raise ParameterError(owner, "method", learner.name, "a conformal method of kind 'scores' (olearn.conformal.names())")
    return learner


def run_scores(method: str, scores, coverage: float | None = None, calibration=None, backend: str = "python",
               **params) -> np.ndarray:
    """Radii s_1..s_T, s_t predicted from the calibration scores and S_1..S_{t-1} only.

    Parameters
    ----------
    method : str or Learner
        One of :func:`olearn.conformal.names` (``split``, ``aci``, ``faci``, ``faci_s``, ``sf_ogd``, ``saocp``),
        or a learner already made (:func:`olearn.conformal.make`, :func:`olearn.conformal.strongly_adaptive`),
        which holds its own values and takes no ``coverage``, ``calibration`` or parameters here.
    scores : sequence of float
        The stream S_1..S_T, numbers in [0, 1e100] (e.g. absolute residuals |y_t - yhat_t|; bools are refused).
    coverage : float
        Target coverage 1 - alpha in (0, 1); 0.9 unless given.
    calibration : sequence of float, optional
        Scores fed through the method's update first (as ``scores``); they set the scale D = sqrt(3) max |score|.
    backend : {"python", "cpu", "gpu"}
        Engine backend that runs the method's kernels.
    params
        The method's own parameters (``g`` for SAOCP, ``gamma`` for ACI, ``scale``).

    >>> import numpy as np
    >>> from olearn import conformal
    >>> radii = conformal.run_scores("sf_ogd", [1.0, 0.0, 2.0], coverage=0.9, calibration=[0.5])
    >>> radii.shape
    (3,)
    """
    import environments.score_streams as streams  # noqa: PLC0415
    import olearn  # noqa: PLC0415

    scores = check_scores("run_scores", "scores", scores)
    learner = learner_for("run_scores", method, coverage, calibration, params, rounds=scores.size)
    if learner.grid:  # a list of values makes a grid; only its first configuration would be returned
        key = learner.grid[0]
        given = [cfg[key] for cfg in learner.configs]
        raise ParameterError("run_scores", key, given, "one value (run_scores returns one radius sequence; "
                             "call it once per value, or olearn.run for a grid)")
    env = streams.make("score_sequence", scores=scores)
    result = olearn.run(learner, env, horizon=scores.size, seeds=1, backend=backend, trace=True, checkpoints=[scores.size])
    return result.actions[0, 0].copy()
