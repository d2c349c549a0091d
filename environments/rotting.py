"""Rested rotting bandits: an arm's mean reward falls with the number of times it has been played.

Arm k's n-th play (n = 0, 1, ...) has reward mu_k(n) + sigma Z, Z = normal(seed, ENV, t, k), with
mu_k non-increasing in n, and loss 1 - reward (as in ``gaussian``).  An arm that is not played does
not change (the *rested* setting of Levine, Crammer and Mannor, NeurIPS 2017, "Rotting bandits";
Seznec, Locatelli, Carpentier, Lazaric and Valko, AISTATS 2019).

* ``rotting``: ``means`` is a K x M table, mu_k(n) = means[k, min(n, M - 1)].
* ``abrupt_rotting``: mu_k(n) = before[k] for n < pulls[k], after[k] from then on: the worlds of
  Seznec et al.'s experiments (two arms, one at 0 and one dropping from L/2 to -L/2 after T/4 plays;
  ten arms dropping from mu to -mu after 1,000 plays).

Regret.  With rested non-increasing means the best policy is the greedy oracle, which plays the
arm of the largest current mean (Heidari, Kearns and Roth, IJCAI 2016): its total mean reward over
t rounds is the sum of the t largest values of {mu_k(n)}.  The world plays that oracle beside the
learner (its own play counts) and ``dynamic_regret`` is

    sum_t mu_{oracle_t} - sum_t mu_{a_t}(N_{a_t}(t)),

the regret of Seznec et al.  It is at least 0 at every round, though a single round can favour the
learner.  ``regret`` and ``pseudo_regret`` against a fixed arm are not recorded: here an arm's losses
depend on how often the learner has played it, so there is no fixed arm to compare with.

Parameter row: ``[K, 0, sigma, M, means (K x M)]``; state: the learner's plays of each arm, then
the oracle's.
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

from environments.stochastic import no_context

#: a table of at most this many values per arm (the row holds K of them)
MAX_PLAYS_TABLE = 1_000_000
SIGMA = Param("sigma", 1.0, "standard deviation of the Gaussian reward noise", low=0.0)


@kernel
def mean_reward(params, k, n):
    """mu_k(n) = means[k, min(n, M - 1)]."""
    width = int(params[3])
    return params[4 + k * width + min(int(n), width - 1)]


@kernel
def rotting_reset(state, params, seed):
    for i in range(2 * int(params[0])):
        state[i] = 0.0


@kernel
def rotting_loss(state, params, obs, t, seed, k):
    return 1.0 - mean_reward(params, k, state[k]) - params[2] * rng.normal(seed, rng.ENV, t, k)


@kernel
def rotting_mean_loss(state, params, obs, t, k):
    return 1.0 - mean_reward(params, k, state[k])


@kernel
def oracle_arm(state, params):
    """The greedy oracle's arm: the largest mean at the oracle's own play counts (lowest index on ties)."""
    k_arms = int(params[0])
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        mu = mean_reward(params, k, state[k_arms + k])
        if mu > best:
            best = mu
            arm = k
    return arm


@kernel
def oracle_mean_loss(state, params, obs, t):
    k_arms = int(params[0])
    arm = oracle_arm(state, params)
    return 1.0 - mean_reward(params, arm, state[k_arms + arm])


@kernel
def rotting_advance(state, params, obs, arm, loss, t, seed):
    """The played arm and the oracle's arm each count one more play."""
    k_arms = int(params[0])
    oracle = oracle_arm(state, params)
    state[arm] += 1.0
    state[k_arms + oracle] += 1.0


def _row(table, sigma):
    k_arms, width = table.shape
    return np.concatenate([[k_arms, 0.0, sigma, width], table.ravel()])


def _check_table(v):
    table = v["means"]
    if table.shape[1] > MAX_PLAYS_TABLE:
        raise ParameterError("rotting", "means", table, f"a K x M table with M <= {MAX_PLAYS_TABLE:,} (the last column holds "
                             "for every later play)")
    rising = np.argwhere(np.diff(table, axis=1) > 0.0)
    if rising.size:
        k, n = rising[0]
        raise ParameterError("rotting", "means", table, "rows that never increase (a rotting arm's mean can only fall): "
                             f"arm {k} rises from play {n} ({table[k, n]:g}) to play {n + 1} ({table[k, n + 1]:g})")


def _rotting_type(name, summary, reference, params, table, check, test_params):
    """A rested rotting world whose K x M table of means is ``table(values)``; the kernels are shared."""
    return EnvType(
        name=name, summary=summary, reference=reference, params=params,
        n_actions=lambda v: table(v).shape[0],
        row=lambda v: _row(table(v), v["sigma"]),
        reset=rotting_reset, observe=no_context, loss=rotting_loss, mean_loss=rotting_mean_loss,
        best_mean_loss=oracle_mean_loss, advance=rotting_advance,
        state_size=lambda v: 2 * table(v).shape[0],
        stationary=False, rested=True, check=check, test_params=test_params,
    )


ROTTING = _rotting_type(
    "rotting",
    "rested rotting arms: reward means[k, n] + sigma Z at arm k's n-th play (loss = 1 - reward)",
    "Levine, Crammer and Mannor (NeurIPS 2017); Seznec et al. (AISTATS 2019); regret against the greedy oracle",
    (
        Param("means", ((0.9, 0.9, 0.5, 0.1), (0.6, 0.6, 0.6, 0.6)),
              "K x M table: mean reward of arm k (row) at its n-th play (column), non-increasing; the last column holds on",
              kind="matrix"),
        SIGMA,
    ),
    lambda v: v["means"],
    _check_table,
    ({}, {"means": [[1.0, 0.5, 0.5], [0.8, 0.8, -1.0], [0.0, 0.0, 0.0]], "sigma": 0.0}),
)


def abrupt_table(before, after, pulls) -> np.ndarray:
    """The K x (max(pulls) + 1) table of ``abrupt_rotting``: before[k] for n < pulls[k], after[k] from then on."""
    before, after, pulls = (np.asarray(x, dtype=float) for x in (before, after, pulls))
    n = np.arange(int(pulls.max()) + 1)
    return np.where(n[None, :] < pulls[:, None], before[:, None], after[:, None])


def _check_abrupt(v):
    k_arms = v["before"].size
    for name in ("after", "pulls"):
        if v[name].size != k_arms:
            raise ParameterError("abrupt_rotting", name, v[name], f"one value per arm: {k_arms}, as many as 'before'")
    pulls = v["pulls"]
    if np.any(pulls != np.floor(pulls)) or pulls.max() > MAX_PLAYS_TABLE - 1:
        raise ParameterError("abrupt_rotting", "pulls", pulls, f"whole numbers of plays in [0, {MAX_PLAYS_TABLE - 1:,}]")
    higher = np.flatnonzero(v["after"] > v["before"])
    if higher.size:
        k = higher[0]
        raise ParameterError("abrupt_rotting", "after", v["after"], f"values at most 'before' (a rotting arm's mean can only "
                             f"fall): arm {k} would rise from {v['before'][k]:g} to {v['after'][k]:g}")


ABRUPT_ROTTING = _rotting_type(
    "abrupt_rotting",
    "rested rotting arms whose mean drops from before[k] to after[k] at arm k's pulls[k]-th play",
    "Seznec, Locatelli, Carpentier, Lazaric and Valko (AISTATS 2019), the worlds of their figures 1 and 2",
    (
        Param("before", (0.5, 0.0), "mean reward of each arm before its drop", kind="vector"),
        Param("after", (-0.5, 0.0), "mean reward of each arm after its drop (at most 'before')", kind="vector"),
        Param("pulls", (1000, 0), "plays of each arm before its drop", kind="vector", low=0.0),
        SIGMA,
    ),
    lambda v: abrupt_table(v["before"], v["after"], v["pulls"]),
    _check_abrupt,
    ({}, {"before": [1.0, 0.2, 0.5], "after": [-1.0, 0.2, 0.0], "pulls": [3, 0, 5], "sigma": 0.5}),
)

ENVIRONMENTS = (ROTTING, ABRUPT_ROTTING)
