"""Oblivious adversarial worlds for bandits and experts.

* ``loss_matrix``: the losses of every round and action given by the user (T x K).
* ``switching``: the best arm changes every ``period`` rounds (cyclically); losses are
  Bernoulli(1/2 - gap) for the current best arm and Bernoulli(1/2) for the others.
* ``lower_bound``: the standard minimax construction (Auer et al. 2002): one arm, drawn
  uniformly per seed, has reward mean 1/2 + gap, all others 1/2.  Against it every
  learner suffers regret of order sqrt(K T) when gap = sqrt(K / T) / 4.
* ``experts``: the same construction for full-information experts with uniform losses:
  the good expert's loss is U[0, 1 - 2 gap], the others' U[0, 1].

All losses are fixed before play (oblivious) and lie in [0, 1].
"""
import math

import numpy as np

from environments.stochastic import best_of_row, no_advance, no_context, no_reset
from olearn.core import rng
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

MAX_PERIOD = 2**62  # the largest period a world's row holds (see held_period)


def held_period(period: int) -> int:
    """A world's period as its row holds it: at most 2^62 rounds.  No horizon reaches 2^62, so a longer period plays
    the same; past int64 the compiled kernels' int() of it would wrap (the regime would change where the python
    backend's never does)."""
    return min(period, MAX_PERIOD)

GAP = Param("gap", 0.1, "advantage of the best action in mean loss", low=0.0, high=0.5)

# ---------------------------------------------------------------- user-supplied loss matrix


@kernel
def matrix_loss(state, params, obs, t, seed, k):
    return params[2 + t * int(params[0]) + k]


@kernel
def matrix_mean_loss(state, params, obs, t, k):
    return params[2 + t * int(params[0]) + k]


@kernel
def matrix_best_loss(state, params, obs, t):
    k_arms = int(params[0])
    best = math.inf
    for k in range(k_arms):
        best = min(best, params[2 + t * k_arms + k])
    return best


LOSS_MATRIX = EnvType(
    name="loss_matrix",
    summary="oblivious adversary: losses[t, k] given by the user (T x K, entries in [0, 1])",
    params=(Param("losses", ((0.0, 1.0), (1.0, 0.0)), "loss of each action (column) at each round (row)", kind="matrix", low=0.0, high=1.0),),
    n_actions=lambda v: v["losses"].shape[1],
    row=lambda v: np.concatenate([[v["losses"].shape[1], v["losses"].shape[0]], v["losses"].ravel()]),
    reset=no_reset,
    observe=no_context,
    loss=matrix_loss,
    mean_loss=matrix_mean_loss,
    best_mean_loss=matrix_best_loss,
    advance=no_advance,
    max_horizon=lambda v: v["losses"].shape[0],
    stationary=False,
    has_means=False,
    test_params=({"losses": np.round(np.random.default_rng(1).random((40, 3)), 2)}, {"losses": [[0.0, 1.0]] * 10}),
)

# ---------------------------------------------------------------- switching best arm


@kernel
def switching_best_arm(params, t):
    return (t // int(params[2])) % int(params[0])


@kernel
def switching_mean_loss(state, params, obs, t, k):
    return 0.5 - params[3] if k == switching_best_arm(params, t) else 0.5


@kernel
def switching_loss(state, params, obs, t, seed, k):
    return 1.0 if rng.uniform(seed, rng.ENV, t, k) < switching_mean_loss(state, params, obs, t, k) else 0.0


SWITCHING = EnvType(
    name="switching",
    summary="the best arm (mean loss 1/2 - gap, others 1/2) moves to the next arm every `period` rounds",
    params=(
        Param("n_arms", 5, "number of arms", kind="int", low=1),
        Param("period", 1000, "rounds between switches", kind="int", low=1),
        GAP,
    ),
    n_actions=lambda v: v["n_arms"],
    row=lambda v: np.array([v["n_arms"], 0.5 - v["gap"], held_period(v["period"]), v["gap"]], dtype=float),
    reset=no_reset,
    observe=no_context,
    loss=switching_loss,
    mean_loss=switching_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    stationary=False,
    test_params=({"n_arms": 3, "period": 7, "gap": 0.3},),
)

# ---------------------------------------------------------------- lower-bound construction


@kernel
def draw_good_arm(state, params, seed):
    """state[0] = the good arm, uniform over K (draw index 2^32 of round 0, unused by losses)."""
    k_arms = int(params[0])
    state[0] = min(int(rng.uniform(seed, rng.ENV, 0, 4294967296) * k_arms), k_arms - 1)


@kernel
def good_arm_mean_loss(state, params, obs, t, k):
    return 0.5 - params[2] if k == int(state[0]) else 0.5


@kernel
def good_arm_bernoulli_loss(state, params, obs, t, seed, k):
    return 1.0 if rng.uniform(seed, rng.ENV, t, k) < good_arm_mean_loss(state, params, obs, t, k) else 0.0


LOWER_BOUND = EnvType(
    name="lower_bound",
    summary="minimax construction: a hidden arm (uniform per seed) has mean reward 1/2 + gap, the rest 1/2",
    params=(Param("n_arms", 10, "number of arms", kind="int", low=1), GAP),
    n_actions=lambda v: v["n_arms"],
    row=lambda v: np.array([v["n_arms"], 0.5 - v["gap"], v["gap"]], dtype=float),
    reset=draw_good_arm,
    observe=no_context,
    loss=good_arm_bernoulli_loss,
    mean_loss=good_arm_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    state_size=lambda v: 1,
    test_params=({"n_arms": 4, "gap": 0.2},),
)


@kernel
def good_expert_uniform_loss(state, params, obs, t, seed, k):
    u = rng.uniform(seed, rng.ENV, t, k)
    return u * (1.0 - 2.0 * params[2]) if k == int(state[0]) else u


EXPERTS = EnvType(
    name="experts",
    summary="full-information experts: a hidden expert (uniform per seed) has loss U[0, 1 - 2 gap], the rest U[0, 1]",
    params=(Param("n_experts", 100, "number of experts", kind="int", low=1), GAP),
    n_actions=lambda v: v["n_experts"],
    row=lambda v: np.array([v["n_experts"], 0.5 - v["gap"], v["gap"]], dtype=float),
    reset=draw_good_arm,
    observe=no_context,
    loss=good_expert_uniform_loss,
    mean_loss=good_arm_mean_loss,
    best_mean_loss=best_of_row,
    advance=no_advance,
    state_size=lambda v: 1,
    test_params=({"n_experts": 6, "gap": 0.2},),
)

ENVIRONMENTS = (LOSS_MATRIX, SWITCHING, LOWER_BOUND, EXPERTS)
