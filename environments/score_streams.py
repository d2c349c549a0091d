"""Score streams (problem kind ``scores``): the score S_t revealed after each radius.

* ``score_sequence``: the scores given by the user (what :func:`olearn.conformal.run_scores` plays).
* ``change_points``: |N(0, sigma_j^2)| scores whose scale sigma_j switches every ``period`` rounds,
  cycling through ``scales`` (sudden shifts).
* ``drift``: |N(0, sigma_t^2)| with sigma_t moving linearly from ``start`` to ``end`` in ``period``
  rounds and back in the next ``period`` (a cycle of 2 ``period`` rounds; gradual shift).
* ``heavy_tail``: |Student-t(nu)| scores times ``scale`` (heavy tails; nu <= 2 has infinite variance).

The score of round t is a pure function of (seed, t) through the counter-based generator.
They are kept in their own registry (``STREAMS``), since the shared tests of the environment
registry pair every environment with a learner of kind ``arms``.
"""
import math

import numpy as np

from environments.adversarial import held_period
from environments.stochastic import no_advance, no_context, no_reset
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import MAGNITUDE, Param
from olearn.core.registry import Registry
from olearn.core.spec import Environment, EnvType


@kernel
def _no_mean(state, params, obs, t, k):
    return 0.0


@kernel
def _no_best(state, params, obs, t):
    return 0.0


def _stream(name, summary, params, row, score, test_params, max_horizon=lambda v: None):
    return EnvType(
        name=name, summary=summary, params=params, n_actions=lambda v: 1, row=row,
        reset=no_reset, observe=no_context, loss=score, mean_loss=_no_mean, best_mean_loss=_no_best,
        advance=no_advance, max_horizon=max_horizon, stationary=False, has_means=False, kind="scores",
        reference="synthetic shifts as in Bhatnagar et al. (ICML 2023), sec. 6.2 (sudden and gradual)",
        test_params=test_params,
    )


@kernel
def sequence_score(state, params, obs, t, seed, k):
    return params[2 + t]


SCORE_SEQUENCE = _stream(
    "score_sequence", "the scores given by the user, S_t = scores[t]",
    (Param("scores", (0.5, 1.0), "score of each round (>= 0)", kind="vector", low=0.0),),
    lambda v: np.concatenate([[1.0, len(v["scores"])], v["scores"]]),
    sequence_score, ({"scores": np.round(np.random.default_rng(4).exponential(1.0, 50), 3)},),
    max_horizon=lambda v: len(v["scores"]),
)


@kernel
def change_points_score(state, params, obs, t, seed, k):
    n = int(params[1])
    sigma = params[3 + (t // int(params[2])) % n]
    return abs(sigma * rng.normal(seed, rng.ENV, t, 0))


CHANGE_POINTS = _stream(
    "change_points", "|N(0, sigma^2)| scores, sigma switching every `period` rounds through `scales`",
    (Param("scales", (1.0, 4.0), "score scale of each regime, in turn, at most 1e100 (as drift's and heavy_tail's scales: "
           "a scale near the largest double gives infinite scores)", kind="vector", low=0.0, open_low=True, high=MAGNITUDE),
     Param("period", 100, "rounds per regime", kind="int", low=1)),
    lambda v: np.concatenate([[1.0, len(v["scales"]), held_period(v["period"])], v["scales"]]),
    change_points_score, ({"scales": [1.0, 5.0, 0.5], "period": 7},),
)


@kernel
def drift_score(state, params, obs, t, seed, k):
    period = params[3]
    phase = (t % (2.0 * period)) / period  # 0 -> 1 going up, 1 -> 2 coming back
    frac = phase if phase <= 1.0 else 2.0 - phase
    sigma = params[1] + (params[2] - params[1]) * frac
    return abs(sigma * rng.normal(seed, rng.ENV, t, 0))


DRIFT = _stream(
    "drift", "|N(0, sigma_t^2)| scores, sigma_t moving linearly start -> end -> start every 2 `period` rounds",
    (Param("start", 1.0, "scale at the start of each cycle", low=0.0, open_low=True),
     Param("end", 4.0, "scale at the middle of each cycle", low=0.0, open_low=True),
     Param("period", 200, "rounds from start to end", kind="int", low=1)),
    lambda v: np.array([1.0, v["start"], v["end"], v["period"]]),
    drift_score, ({"start": 0.5, "end": 3.0, "period": 9},),
)


@kernel
def heavy_tail_score(state, params, obs, t, seed, k):
    nu = params[2]
    z = rng.normal(seed, rng.ENV, t, 0)
    chi2 = 2.0 * rng.gamma(seed, rng.ENV, t, 1, nu / 2.0)
    return abs(params[1] * z / math.sqrt(chi2 / nu))


HEAVY_TAIL = _stream(
    "heavy_tail", "|Student-t(nu)| scores times `scale`",
    (Param("scale", 1.0, "score scale", low=0.0, open_low=True),
     Param("nu", 2.0, "degrees of freedom of the t distribution, at least 0.1 (below it |t| exceeds the "
           "floats with real probability: P(|t| > 1e308) is about 0.5 at nu = 0.001)", low=0.1)),
    lambda v: np.array([1.0, v["scale"], v["nu"]]),
    heavy_tail_score, ({"nu": 1.5},),
)

STREAMS = Registry("score stream", Environment)
for _t in (SCORE_SEQUENCE, CHANGE_POINTS, DRIFT, HEAVY_TAIL):
    STREAMS.register(_t)


def make(name: str, **params) -> Environment:
    """A score stream by name, e.g. ``make("change_points", scales=[1, 4], period=100)``."""
    return STREAMS.make(name, **params)


names = STREAMS.names
ENVIRONMENTS = ()  # none in the shared environment registry (see the module docstring)
