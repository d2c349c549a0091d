"""Sleeping arms: each round only some of the K arms are awake, and the learner must play one of those.

The awake set A_t is the round's observation, a mask of K values (``obs[k] = 1`` when arm k is
awake, else 0; ``obs_dim = K``), revealed before the learner acts.  Only learners that read the mask
run here (``sleeping=True``: :mod:`olearn.learners.sleeping`).

* ``sleeping_bernoulli``: Bernoulli(means[k]) rewards as in ``bernoulli`` (loss 1 - reward, from
  uniform(seed, ENV, t, k)); arm k is awake when uniform(seed, ENV, t, K + k) < awake[k],
  independently across arms and rounds, and when no arm is drawn awake every arm is.  The
  stochastic sleeping bandit of Kleinberg, Niculescu-Mizil and Sharma (Machine Learning 2010).
* ``sleeping_loss_matrix``: an oblivious adversary, losses[t, k] and awake[t, k] (0 or 1, at least one
  arm awake each round) given by the user: the sleeping experts of Freund, Schapire, Singer and
  Warmuth (STOC 1997), with full information or bandit feedback.

Regret (:mod:`olearn.engine.arms`):

* ``sleeping_regret`` = max_k sum over the rounds t where k is awake of l_t(a_t) - l_t(k), over the
  arms awake at least once: regret against every arm on the rounds it could have been played;
* ``dynamic_regret`` (``sleeping_bernoulli``) = sum_t mu(a_t) - min over awake k of mu(k): regret
  against the best awake arm each round, which with fixed means is the best ordering of the arms,
  the benchmark of Kleinberg et al.
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

from environments.adversarial import matrix_loss, matrix_mean_loss  # the same layout: [K, T, losses]
from environments.stochastic import bernoulli_loss, no_advance, no_reset, stationary_mean_loss

# ---------------------------------------------------------------- stochastic


@kernel
def draw_awake(state, params, t, seed, obs):
    """obs[k] = 1 when uniform(seed, ENV, t, K + k) < awake[k]; every arm when none is."""
    k_arms = int(params[0])
    awake = 0
    for k in range(k_arms):
        obs[k] = 1.0 if rng.uniform(seed, rng.ENV, t, k_arms + k) < params[2 + k_arms + k] else 0.0
        awake += int(obs[k])
    if awake == 0:
        for k in range(k_arms):
            obs[k] = 1.0


@kernel
def best_awake_mean_loss(state, params, obs, t):
    """min over the awake arms of 1 - means[k]."""
    k_arms = int(params[0])
    best = math.inf
    for k in range(k_arms):
        if obs[k] > 0.0:
            best = min(best, 1.0 - params[2 + k])
    return best


def _check_lengths(v):
    if len(v["awake"]) != len(v["means"]):
        raise ParameterError("sleeping_bernoulli", "awake", v["awake"], f"one probability per arm ({len(v['means'])}, as means)")


SLEEPING_BERNOULLI = EnvType(
    name="sleeping_bernoulli",
    summary="K Bernoulli arms, arm k awake with probability awake[k] each round (the awake set is the observation)",
    params=(
        Param("means", (0.9, 0.8, 0.7, 0.6, 0.5), "mean reward of each arm", kind="vector", low=0.0, high=1.0),
        Param("awake", (0.3, 0.4, 0.5, 0.6, 0.7), "probability that each arm is awake in a round", kind="vector",
              low=0.0, high=1.0, open_low=True),
    ),
    n_actions=lambda v: len(v["means"]),
    row=lambda v: np.concatenate([[len(v["means"]), 0.0], v["means"], v["awake"]]),
    reset=no_reset,
    observe=draw_awake,
    loss=bernoulli_loss,
    mean_loss=stationary_mean_loss,
    best_mean_loss=best_awake_mean_loss,
    advance=no_advance,
    obs_dim=lambda v: len(v["means"]),
    stationary=False,
    sleeping=True,
    reference="Kleinberg, Niculescu-Mizil and Sharma (2010), Regret bounds for sleeping experts and bandits",
    check=_check_lengths,
    test_params=({"means": [0.2, 0.5, 0.8], "awake": [1.0, 0.5, 0.3]}, {"means": [0.5], "awake": [0.5]}),
)

# ---------------------------------------------------------------- adversarial


@kernel
def matrix_awake(state, params, t, seed, obs):
    """Row t of awake (the gym view observes no round past the last row)."""
    k_arms = int(params[0])
    rounds = int(params[1])
    base = 2 + rounds * k_arms + t * k_arms
    for k in range(k_arms):
        obs[k] = params[base + k]


@kernel
def sleeping_matrix_best_loss(state, params, obs, t):
    k_arms = int(params[0])
    best = math.inf
    for k in range(k_arms):
        if obs[k] > 0.0:
            best = min(best, params[2 + t * k_arms + k])
    return best


def _check_matrix(v):
    losses, awake = v["losses"], v["awake"]
    if awake.shape != losses.shape:
        raise ParameterError("sleeping_loss_matrix", "awake", f"shape {awake.shape}", f"shape {losses.shape}, as losses")
    if not np.all((awake == 0.0) | (awake == 1.0)) or not np.all(awake.max(axis=1) == 1.0):
        raise ParameterError("sleeping_loss_matrix", "awake", "a matrix", "entries 0 or 1 with at least one 1 in every row "
                             "(an arm awake each round)")


SLEEPING_LOSS_MATRIX = EnvType(
    name="sleeping_loss_matrix",
    summary="oblivious adversary with sleeping arms: losses[t, k] and awake[t, k] (0/1) given by the user (T x K each)",
    params=(
        Param("losses", ((0.0, 1.0), (1.0, 0.0)), "loss of each action (column) at each round (row)", kind="matrix",
              low=0.0, high=1.0),
        Param("awake", ((1.0, 1.0), (1.0, 0.0)), "1 where the action is awake, 0 where it sleeps (T x K)", kind="matrix",
              low=0.0, high=1.0),
    ),
    n_actions=lambda v: v["losses"].shape[1],
    row=lambda v: np.concatenate([[v["losses"].shape[1], v["losses"].shape[0]], v["losses"].ravel(), v["awake"].ravel()]),
    reset=no_reset,
    observe=matrix_awake,
    loss=matrix_loss,
    mean_loss=matrix_mean_loss,
    best_mean_loss=sleeping_matrix_best_loss,
    advance=no_advance,
    obs_dim=lambda v: v["losses"].shape[1],
    max_horizon=lambda v: v["losses"].shape[0],
    stationary=False,
    has_means=False,
    sleeping=True,
    reference="Freund, Schapire, Singer and Warmuth (1997), Using and combining predictors that specialize",
    check=_check_matrix,
    test_params=(
        {"losses": np.round(np.random.default_rng(2).random((40, 3)), 2),
         "awake": ((np.random.default_rng(3).random((40, 3)) < [0.9, 0.5, 0.3]) | (np.eye(3)[np.arange(40) % 3] > 0)).astype(float)},
        {"losses": [[0.0, 1.0]] * 10, "awake": [[1.0, 1.0], [0.0, 1.0]] * 5},
    ),
)

ENVIRONMENTS = (SLEEPING_BERNOULLI, SLEEPING_LOSS_MATRIX)
