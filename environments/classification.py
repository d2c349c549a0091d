"""Any labelled data set as a contextual bandit: the arms are the classes, a wrong class loses 1.

``classification``: n examples (x_i, y_i), x_i in R^d and y_i in {0, ..., K-1}.  Round t draws an
example uniformly with replacement, i_t = floor(u n) with u = uniform(seed, ENV, t, 0), shows x_{i_t}
as the context (``obs_dim = d``), and the learner's arm k loses 1[k != y_{i_t}] (every arm's loss is
defined, so full-information learners run too).  This is the usual reduction of supervised learning
to contextual bandits (Langford and Zhang 2007; Bietti, Agarwal and Langford, JMLR 2021, run it on
hundreds of data sets); drawing with replacement makes the rounds i.i.d. from the data's empirical law.

Data: ``features`` (n x d) and ``labels`` (n whole numbers) given by the user, or ``dataset``, one of
the data sets that scikit-learn installs with itself (no download): ``iris`` (150 x 4, 3 classes),
``wine`` (178 x 13, 3), ``breast_cancer`` (569 x 30, 2) and ``digits`` (1,797 x 64, 10); the default is
``iris``.  A bundled data set's features are standardized (each column to mean 0 and variance 1), then
each row is scaled to norm 1, the contexts' scale of ``linear_contextual``; given features are used
as they are.

Regret: the world is declared non-stationary (the mean losses change with the context), so the
engine records ``regret`` and ``pseudo_regret`` against the best fixed class (realized and in
expectation, equal here: the loss is a function of the example) and ``dynamic_regret`` against the
classifier that is always right, i.e. the number of mistakes.

>>> import environments
>>> env = environments.make("classification", dataset="wine")
>>> env.n_actions, env.obs_dim
(3, 13)
"""
from functools import lru_cache

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

from environments.stochastic import no_advance, no_reset

DATASETS = ("iris", "wine", "breast_cancer", "digits")
HEAD = 4  # row: [K, n, d, 0], labels (n), features (n x d, row-major)
#: the most classes (arms) a world of given labels may have (labels are held in int64, and a label is an arm)
MAX_CLASSES = 10**6


@lru_cache(maxsize=None)
def bundled(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of a data set bundled with scikit-learn, standardized and scaled to unit rows."""
    from sklearn import datasets

    loaded = getattr(datasets, f"load_{name}")()
    x = np.asarray(loaded.data, dtype=np.float64)
    spread = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(spread > 0.0, spread, 1.0)  # a constant column (digits' corners) stays 0
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0.0, norms, 1.0)
    x.setflags(write=False)
    y = np.asarray(loaded.target, dtype=np.int64)
    y.setflags(write=False)
    return x, y


def data(v) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the world's values."""
    if v["features"] is not None:
        return v["features"], v["labels"].astype(np.int64)
    return bundled(v["dataset"] or DATASETS[0])


def _check(v):
    given = v["features"] is not None, v["labels"] is not None
    if any(given) and v["dataset"] is not None:
        raise ParameterError("classification", "dataset", v["dataset"], "None when features and labels are given")
    if given[0] != given[1]:
        missing = "labels" if given[0] else "features"
        raise ParameterError("classification", missing, None, "given together with " + ("features" if given[0] else "labels"))
    if not given[0]:
        return
    x, y = v["features"], v["labels"]
    if y.size != x.shape[0]:
        raise ParameterError("classification", "labels", f"{y.size} labels", f"one label per row of features ({x.shape[0]})")
    if np.any(y != np.floor(y)):
        raise ParameterError("classification", "labels", "a list", "whole numbers 0, 1, ..., K - 1 (the classes)")


@kernel
def draw_example(state, params, t, seed, obs):
    """state[0] = i_t = floor(u n), obs = x_{i_t}."""
    n = int(params[1])
    d = int(params[2])
    i = min(int(rng.uniform(seed, rng.ENV, t, 0) * n), n - 1)
    state[0] = i
    base = HEAD + n + i * d
    for j in range(d):
        obs[j] = params[base + j]


@kernel
def mistake_mean(state, params, obs, t, k):
    """1 when arm k is not the label of the round's example (a function of the example: its own mean)."""
    return 0.0 if params[HEAD + int(state[0])] == k else 1.0


@kernel
def mistake(state, params, obs, t, seed, k):
    return mistake_mean(state, params, obs, t, k)


@kernel
def always_right(state, params, obs, t):
    return 0.0


def _row(v):
    x, y = data(v)
    k = int(y.max()) + 1
    return np.concatenate([[k, x.shape[0], x.shape[1], 0.0], y.astype(np.float64), x.ravel()])


CLASSIFICATION = EnvType(
    name="classification",
    summary="a labelled data set as a contextual bandit: context x_i drawn with replacement, arm = class, loss 1 when wrong "
    "(scikit-learn's bundled iris, wine, breast_cancer, digits, or given features and labels)",
    reference="Langford and Zhang (NeurIPS 2007), the epoch-greedy reduction; Bietti, Agarwal and Langford (JMLR 2021), "
    "A contextual bandit bake-off",
    params=(
        Param("dataset", None, "a data set bundled with scikit-learn (None: iris, unless features and labels are given)",
              kind="choice", choices=DATASETS, optional=True),
        Param("features", None, "the contexts, one row per example (n x d)", kind="matrix", optional=True),
        Param("labels", None, "the class of each example, whole numbers 0 .. K-1 (K at most 10^6 arms)", kind="vector",
              low=0.0, high=MAX_CLASSES - 1.0, optional=True),
    ),
    n_actions=lambda v: int(data(v)[1].max()) + 1,
    obs_dim=lambda v: data(v)[0].shape[1],
    row=_row,
    reset=no_reset,
    observe=draw_example,
    loss=mistake,
    mean_loss=mistake_mean,
    best_mean_loss=always_right,
    advance=no_advance,
    stationary=False,
    check=_check,
    test_params=(
        {"dataset": "iris"},
        {"features": [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.2]], "labels": [0, 1, 1, 2]},
    ),
)

ENVIRONMENTS = (CLASSIFICATION,)
