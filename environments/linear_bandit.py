"""The stochastic linear bandit: K actions whose features are redrawn each round, one shared parameter.

Each round t the world draws K action vectors x_{t,1}, ..., x_{t,K} uniform on the unit sphere of R^d; they
are the observation (``obs = (x_{t,1}, ..., x_{t,K})``, K d numbers, action by action).  Playing a gives the
reward

    X_t = <x_{t,a}, theta> + sigma eta_t,   eta_t ~ N(0, 1),

and the loss is 1 - X_t (unbounded).  theta is drawn per seed uniform on the unit sphere unless given
(||theta|| <= 1), so every mean reward lies in [-1, 1].  The setting of Abbasi-Yadkori, Pál and Szepesvári
(NeurIPS 2011), Improved algorithms for linear stochastic bandits, and of Lattimore and Szepesvári (2020),
ch. 19-20, with action sets that change every round.  Unlike ``linear_contextual`` (one context, a parameter
per arm), every action shares theta, so what is learnt about one action tells about all.

Regret: ``dynamic_regret`` = sum_t max_a <x_{t,a}, theta> - <x_{t,A_t}, theta> is the papers' regret (the
world is declared non-stationary; ``pseudo_regret`` against a fixed action index means little here).

Draws (stream ``ENV``): theta_j = normal(seed, ENV, RESET_ROUND, j), normalised; x_{t,a} from
normal(seed, ENV, t, K + a d + j), normalised; the noise of action a is normal(seed, ENV, t, a).

>>> import environments
>>> env = environments.make("linear_bandit", n_arms=4, dim=3)
>>> env.n_actions, env.obs_dim
(4, 12)
"""
import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

from environments.contextual import RESET_ROUND, sphere_point
from environments.stochastic import no_advance

DEFAULT_ARMS = 10
DEFAULT_DIM = 5
MAX_FEATURES = 4096  # K d, the observation's length
HEAD = 4  # row: [K, d, sigma, theta given (0/1), theta (d) when given]


@kernel
def linear_bandit_reset(state, params, seed):
    """state[0..d) = theta: copied from the row when given, else drawn uniform on the unit sphere."""
    d = int(params[1])
    if params[3] > 0.0:
        for j in range(d):
            state[j] = params[HEAD + j]
    else:
        sphere_point(state, 0, d, seed, RESET_ROUND, 0)


@kernel
def action_vectors(state, params, t, seed, obs):
    """obs[a d .. (a + 1) d) = x_{t,a}, uniform on the unit sphere (normals K + a d + j)."""
    k_arms = int(params[0])
    d = int(params[1])
    for a in range(k_arms):
        sphere_point(obs, a * d, d, seed, t, k_arms + a * d)


@kernel
def linear_bandit_mean_loss(state, params, obs, t, k):
    """1 - <x_{t,k}, theta>."""
    d = int(params[1])
    z = 0.0
    for j in range(d):
        z += obs[k * d + j] * state[j]
    return 1.0 - z


@kernel
def linear_bandit_best_mean_loss(state, params, obs, t):
    best = math.inf
    for k in range(int(params[0])):
        best = min(best, linear_bandit_mean_loss(state, params, obs, t, k))
    return best


@kernel
def linear_bandit_loss(state, params, obs, t, seed, k):
    return linear_bandit_mean_loss(state, params, obs, t, k) - params[2] * rng.normal(seed, rng.ENV, t, k)


def _shape(v):
    return (v["n_arms"] or DEFAULT_ARMS, v["theta"].size if v["theta"] is not None else v["dim"] or DEFAULT_DIM)


def _check(v):
    k, d = _shape(v)
    if v["theta"] is not None:
        if d > MAX_FEATURES:  # its length is the dimension, held to dim's range (else n_arms was named, "at most 0")
            raise ParameterError("linear_bandit", "theta", f"{d} entries", f"a vector of at most {MAX_FEATURES} entries "
                                 f"(its length is the dimension d, and n_arms * d <= {MAX_FEATURES})")
        if v["dim"] is not None and v["dim"] != d:
            raise ParameterError("linear_bandit", "dim", v["dim"], f"None or {d}, the length of theta")
        if np.linalg.norm(v["theta"]) > 1.0 + 1e-12:
            raise ParameterError("linear_bandit", "theta", v["theta"], "a vector of norm at most 1")
    if k * d > MAX_FEATURES:
        raise ParameterError("linear_bandit", "n_arms", k, f"at most {MAX_FEATURES // d} actions of dimension {d} "
                             f"(n_arms * dim <= {MAX_FEATURES})")


def _row(v):
    k, d = _shape(v)
    head = [k, d, v["sigma"], 0.0 if v["theta"] is None else 1.0]
    return np.concatenate([head, np.zeros(0) if v["theta"] is None else v["theta"]])


LINEAR_BANDIT = EnvType(
    name="linear_bandit",
    summary="stochastic linear bandit: K actions redrawn uniform on the unit sphere of R^d each round, reward "
    "<x_a, theta> + sigma N(0, 1) with one shared theta (loss = 1 - reward); dynamic_regret is the papers' regret",
    reference="Abbasi-Yadkori, Pál and Szepesvári (NeurIPS 2011); Lattimore and Szepesvári (2020), ch. 19-20",
    params=(
        Param("theta", None, "the shared parameter (norm <= 1); None: drawn per seed, uniform on the unit sphere",
              kind="vector", optional=True),
        Param("n_arms", None, f"number of actions K each round (default {DEFAULT_ARMS})", kind="int", low=1,
              optional=True),
        Param("dim", None, f"dimension d (default {DEFAULT_DIM}; theta's length when it is given)", kind="int", low=1,
              high=MAX_FEATURES, optional=True),
        Param("sigma", 1.0, "standard deviation of the Gaussian reward noise", low=0.0),
    ),
    n_actions=lambda v: _shape(v)[0],
    obs_dim=lambda v: _shape(v)[0] * _shape(v)[1],
    state_size=lambda v: _shape(v)[1],
    row=_row,
    reset=linear_bandit_reset,
    observe=action_vectors,
    loss=linear_bandit_loss,
    mean_loss=linear_bandit_mean_loss,
    best_mean_loss=linear_bandit_best_mean_loss,
    advance=no_advance,
    stationary=False,
    check=_check,
    test_params=({"n_arms": 3, "dim": 2}, {"theta": [0.6, 0.0, -0.8], "n_arms": 4, "sigma": 0.2}),
)

ENVIRONMENTS = (LINEAR_BANDIT,)
