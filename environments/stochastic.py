"""Stochastic bandits: Bernoulli, Gaussian and piecewise-stationary Bernoulli arms.

Losses are ``1 - reward``.  The loss of arm ``k`` at round ``t`` is a pure
function of (seed, t, k) through the counter-based generator (stream ``ENV``),
so every arm's loss is defined each round whether or not it is played.
Parameter rows: ``[K, best_mean_loss, ...]``.
"""
import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

MEANS = Param("means", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "mean reward of each arm", kind="vector", low=0.0, high=1.0)


@kernel
def no_reset(state, params, seed):
    state[0] = 0.0


@kernel
def no_context(state, params, t, seed, obs):
    return


@kernel
def no_advance(state, params, obs, arm, loss, t, seed):
    return


@kernel
def best_of_row(state, params, obs, t):
    return params[1]


# ---------------------------------------------------------------- Bernoulli


@kernel
def bernoulli_loss(state, params, obs, t, seed, k):
    return 0.0 if rng.uniform(seed, rng.ENV, t, k) < params[2 + k] else 1.0


@kernel
def stationary_mean_loss(state, params, obs, t, k):
    return 1.0 - params[2 + k]


BERNOULLI = EnvType(
    name="bernoulli",
    summary="K arms with Bernoulli(means[k]) rewards (loss = 1 - reward)",
    params=(MEANS,),
    n_actions=lambda v: len(v["means"]),
    row=lambda v: np.concatenate([[len(v["means"]), 1.0 - v["means"].max()], v["means"]]),
    reset=no_reset,
    observe=no_context,
    loss=bernoulli_loss,
    mean_loss=stationary_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    test_params=({"means": [0.2, 0.5, 0.8]}, {"means": [0.5]}, {"means": [0.3, 0.3, 0.3, 0.9]}),
)

# ---------------------------------------------------------------- Gaussian


@kernel
def gaussian_loss(state, params, obs, t, seed, k):
    return 1.0 - params[3 + k] - params[2] * rng.normal(seed, rng.ENV, t, k)


@kernel
def gaussian_mean_loss(state, params, obs, t, k):
    return 1.0 - params[3 + k]


GAUSSIAN = EnvType(
    name="gaussian",
    summary="K arms with N(means[k], sigma^2) rewards (loss = 1 - reward, unbounded)",
    params=(
        Param("means", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "mean reward of each arm", kind="vector"),
        Param("sigma", 1.0, "reward standard deviation", low=0.0),
    ),
    n_actions=lambda v: len(v["means"]),
    row=lambda v: np.concatenate([[len(v["means"]), 1.0 - v["means"].max(), v["sigma"]], v["means"]]),
    reset=no_reset,
    observe=no_context,
    loss=gaussian_loss,
    mean_loss=gaussian_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    test_params=({"means": [0.0, 1.0], "sigma": 0.5},),
)

# ---------------------------------------------------------------- piecewise-stationary Bernoulli


@kernel
def segment(params, t):
    """Index of the segment containing round t; row = [K, S, change_points (S - 1), means (S x K)]."""
    n_seg = int(params[1])
    s = 0
    while s < n_seg - 1 and t >= params[2 + s]:
        s += 1
    return s


@kernel
def piecewise_mean_loss(state, params, obs, t, k):
    k_arms = int(params[0])
    n_seg = int(params[1])
    return 1.0 - params[1 + n_seg + segment(params, t) * k_arms + k]


@kernel
def piecewise_loss(state, params, obs, t, seed, k):
    return 0.0 if rng.uniform(seed, rng.ENV, t, k) < 1.0 - piecewise_mean_loss(state, params, obs, t, k) else 1.0


@kernel
def piecewise_best_mean_loss(state, params, obs, t):
    best = 1.0
    for k in range(int(params[0])):
        best = min(best, piecewise_mean_loss(state, params, obs, t, k))
    return best


def _check_piecewise(v):
    n_seg = v["means"].shape[0]
    cps = v["change_points"]
    if len(cps) != n_seg - 1 or np.any(np.diff(cps) <= 0) or np.any(cps != np.floor(cps)):
        raise ParameterError(
            "piecewise_bernoulli", "change_points", cps.tolist(),
            f"{n_seg - 1} increasing integer rounds (one fewer than the rows of 'means')",
        )


def _piecewise_row(v):
    m = v["means"]
    return np.concatenate([[m.shape[1], m.shape[0]], v["change_points"], m.ravel()])


PIECEWISE = EnvType(
    name="piecewise_bernoulli",
    summary="Bernoulli arms whose means switch at given rounds (row s of means holds from change_points[s-1])",
    params=(
        Param("means", ((0.9, 0.1), (0.1, 0.9)), "mean rewards, one row per segment", kind="matrix", low=0.0, high=1.0),
        Param("change_points", (500,), "rounds at which segment s + 1 starts", kind="vector", low=1.0, min_size=0),
    ),
    n_actions=lambda v: v["means"].shape[1],
    row=_piecewise_row,
    reset=no_reset,
    observe=no_context,
    loss=piecewise_loss,
    mean_loss=piecewise_mean_loss,
    best_mean_loss=piecewise_best_mean_loss,
    advance=no_advance,
    stationary=False,
    check=_check_piecewise,
    test_params=({"means": [[0.9, 0.1, 0.5], [0.1, 0.9, 0.5], [0.5, 0.1, 0.9]], "change_points": [7, 15]},),
)

ENVIRONMENTS = (BERNOULLI, GAUSSIAN, PIECEWISE)
