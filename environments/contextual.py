"""Linear contextual bandits: K arms whose mean reward is linear in a random context vector.

``linear_contextual``: arm k has a parameter vector theta_k in R^d; each round t a context x_t is
drawn i.i.d. uniform on the unit sphere S^{d-1} and is the observation (``obs_dim = d``); arm k's
mean reward is

    mu_k(x) = 1/2 + 1/2 clip(theta_k . x, -1, 1),

linear in x (affine, with the constant 1/2) whenever ||theta_k|| <= 1, as for the drawn thetas; the
reward is Bernoulli(mu_k(x_t)) (``noise="bernoulli"``) or mu_k(x_t) + sigma N(0, 1)
(``noise="gaussian"``), and the loss is 1 - reward.  The LinUCB setting of Li, Chu, Langford and
Schapire (WWW 2010) and of Chu, Li, Reyzin and Schapire (AISTATS 2011).

Draws (all from :mod:`olearn.core.rng`, stream ``ENV``, so every loss is a pure function of
(seed, t, k) and the context):

* theta (when not given): theta_k = g_k / ||g_k||, uniform on the unit sphere, with
  g_kj = normal(seed, ENV, RESET_ROUND, k d + j), drawn in ``reset``; each seed is then a new
  instance, so averages over seeds are over instances too.  A given ``theta`` (K x d) is the same
  for every seed.
* context: x_t = g / ||g||, g_j = normal(seed, ENV, t, K + j), j < d (a zero g, probability
  ~2^(-53 d), gives e_1);
* Bernoulli reward of arm k: 1 when uniform(seed, ENV, t, k) < mu_k(x_t); Gaussian noise of arm
  k: normal(seed, ENV, t, k) (uniform draws 2k and 2k + 1, below the contexts' 2K + 2j).

Regret.  For contextual bandits the comparator that matters is the best *policy*, the per-round
best arm in expectation, a*(x_t) = argmax_k mu_k(x_t).  The world is declared non-stationary (its
mean losses change with the round's context), so the engine records

* ``dynamic_regret`` = sum_t mu_{a*(x_t)}(x_t) - mu_{a_t}(x_t): regret against the best policy,
  the contextual-bandit regret of the papers above;
* ``pseudo_regret`` = max_k sum_t mu_k(x_t) - sum_t mu_{a_t}(x_t): against the best *fixed* arm in
  expectation (over the contexts that occurred);
* ``regret``: realized, against the best fixed arm in hindsight (every arm's loss is defined each
  round, played or not).

>>> import environments
>>> env = environments.make("linear_contextual", theta=[[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
>>> env.n_actions, env.obs_dim
(3, 2)
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

from environments.stochastic import no_advance

RESET_ROUND = rng.RESERVED_ROUND  # round index of the draws made in reset (never a real round)
DEFAULT_ARMS = 5
DEFAULT_DIM = 5
MAX_DIM = 1024
HEAD = 5  # row: [K, d, gaussian (0/1), sigma, theta given (0/1), theta (K x d, row-major) when given]
NOISES = ("bernoulli", "gaussian")


@kernel
def sphere_point(out, at, d, seed, t, first):
    """out[at .. at + d) = g / ||g||, g_j = normal(seed, ENV, t, first + j): uniform on the unit sphere
    (e_1 for a zero g)."""
    norm2 = 0.0
    for j in range(d):
        g = rng.normal(seed, rng.ENV, t, first + j)
        out[at + j] = g
        norm2 += g * g
    if norm2 > 0.0:
        scale = 1.0 / math.sqrt(norm2)
        for j in range(d):
            out[at + j] *= scale
    else:
        out[at] = 1.0


@kernel
def linear_reset(state, params, seed):
    """state[k d + j] = theta_kj: copied from the row when given, else drawn uniform on the unit sphere."""
    k_arms = int(params[0])
    d = int(params[1])
    if params[4] > 0.0:
        for i in range(k_arms * d):
            state[i] = params[HEAD + i]
        return
    for k in range(k_arms):
        sphere_point(state, k * d, d, seed, RESET_ROUND, k * d)


@kernel
def sphere_context(state, params, t, seed, obs):
    """x_t = g / ||g|| with g_j = normal(seed, ENV, t, K + j): uniform on the unit sphere."""
    sphere_point(obs, 0, int(params[1]), seed, t, int(params[0]))


@kernel
def linear_mean_reward(state, params, obs, k):
    """mu_k(x) = 1/2 + 1/2 clip(theta_k . x, -1, 1)."""
    d = int(params[1])
    z = 0.0
    for j in range(d):
        z += state[k * d + j] * obs[j]
    return 0.5 + 0.5 * min(max(z, -1.0), 1.0)


@kernel
def linear_mean_loss(state, params, obs, t, k):
    return 1.0 - linear_mean_reward(state, params, obs, k)


@kernel
def linear_best_mean_loss(state, params, obs, t):
    best = math.inf
    for k in range(int(params[0])):
        best = min(best, linear_mean_loss(state, params, obs, t, k))
    return best


@kernel
def linear_loss(state, params, obs, t, seed, k):
    """1 - reward: Bernoulli(mu_k(x_t)) reward, or mu_k(x_t) + sigma N(0, 1)."""
    mu = linear_mean_reward(state, params, obs, k)
    if params[2] > 0.0:
        return 1.0 - mu - params[3] * rng.normal(seed, rng.ENV, t, k)
    return 0.0 if rng.uniform(seed, rng.ENV, t, k) < mu else 1.0


def _shape(v):
    """(K, d): from theta when given, else from n_arms and dim (defaults 5 and 5)."""
    if v["theta"] is not None:
        return v["theta"].shape
    return (v["n_arms"] or DEFAULT_ARMS, v["dim"] or DEFAULT_DIM)


def _check(v):
    theta = v["theta"]
    if theta is None:
        return
    for name, given, size, what in (("n_arms", v["n_arms"], theta.shape[0], "rows"),
                                    ("dim", v["dim"], theta.shape[1], "columns")):
        if given is not None and given != size:
            raise ParameterError("linear_contextual", name, given, f"None or {size}, the {what} of theta")
    if theta.shape[1] > MAX_DIM:
        raise ParameterError("linear_contextual", "theta", f"{theta.shape[1]} columns", f"at most {MAX_DIM} columns")


def _row(v):
    k, d = _shape(v)
    head = [k, d, 1.0 if v["noise"] == "gaussian" else 0.0, v["sigma"], 0.0 if v["theta"] is None else 1.0]
    return np.concatenate([head, np.zeros(0) if v["theta"] is None else v["theta"].ravel()])


LINEAR_CONTEXTUAL = EnvType(
    name="linear_contextual",
    summary="K arms, contexts uniform on the unit sphere of R^d, mean reward 1/2 + 1/2 clip(theta_k . x, -1, 1) "
    "(loss = 1 - reward); dynamic_regret is the regret against the best policy",
    reference="Li, Chu, Langford and Schapire (WWW 2010); Chu, Li, Reyzin and Schapire (AISTATS 2011): disjoint "
    "linear payoffs",
    params=(
        Param("theta", None, "per-arm parameter vectors, one row per arm (K x d); None: drawn per seed, uniform on "
              "the unit sphere", kind="matrix", optional=True),
        Param("n_arms", None, f"number of arms K (default {DEFAULT_ARMS}; theta's rows when it is given)", kind="int",
              low=1, optional=True),
        Param("dim", None, f"context dimension d (default {DEFAULT_DIM}; theta's columns when it is given)", kind="int",
              low=1, high=MAX_DIM, optional=True),
        Param("noise", "bernoulli", "reward law: Bernoulli(mu) or mu + sigma N(0, 1)", kind="choice", choices=NOISES),
        Param("sigma", 0.1, "standard deviation of the Gaussian reward noise (noise='gaussian')", low=0.0),
    ),
    n_actions=lambda v: _shape(v)[0],
    obs_dim=lambda v: _shape(v)[1],
    state_size=lambda v: _shape(v)[0] * _shape(v)[1],
    row=_row,
    reset=linear_reset,
    observe=sphere_context,
    loss=linear_loss,
    mean_loss=linear_mean_loss,
    best_mean_loss=linear_best_mean_loss,
    advance=no_advance,
    stationary=False,
    check=_check,
    test_params=(
        {"n_arms": 3, "dim": 2},
        {"theta": [[0.6, 0.8, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 0.0]], "noise": "gaussian",
         "sigma": 0.2},
    ),
)

ENVIRONMENTS = (LINEAR_CONTEXTUAL,)
