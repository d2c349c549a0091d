"""A data stream for online linear prediction (problem kind ``oco``).

``linear_stream``: round t reveals the example (a_t, y_t) of a data set -- one pass, in an order
shuffled per seed (Fisher-Yates with the counter-based draws of round 0) -- and the learner's point
x_t is a linear predictor with loss l(<a_t, x_t>, y_t): hinge, absolute, squared or logistic.  The
feedback carries the loss's model (:mod:`olearn.engine.models`), so implicit learners solve their
proximal steps exactly.  Only the cumulative loss is recorded (the best fixed predictor of a
non-smooth loss over a data set is left to an offline convex solver).
"""
import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.engine import domains, models
from olearn.engine.oco import OcoEnvType

LOSSES = ("hinge", "absolute", "squared", "logistic")
_CODES = {"hinge": models.HINGE, "absolute": models.ABSOLUTE, "squared": models.SQUARED, "logistic": models.LOGISTIC}
_HEAD = 6  # row: d, domain, radius, n, shuffle, unused; then n blocks [code, y, a (d)]


def _row(v):
    data = v["data"]
    n, d = data.shape[0], data.shape[1] - 1
    blocks = np.empty((n, d + 2))
    blocks[:, 0] = _CODES[v["loss"]]
    blocks[:, 1] = data[:, -1]
    blocks[:, 2:] = data[:, :-1]
    head = [d, domains.NAMES.index(v["domain"]), v["radius"], n, float(v["shuffle"]), 0.0]
    return np.concatenate([head, blocks.ravel()])


def _check(v):
    data = v["data"]
    if data.shape[1] < 2:
        raise ParameterError("linear_stream", "data", f"shape {data.shape}", "an n x (d + 1) array: features, then the label")
    if v["loss"] in ("hinge", "logistic") and not np.all(np.abs(data[:, -1]) == 1.0):
        raise ParameterError("linear_stream", "data", "labels outside {-1, +1}", f"labels -1 or +1 for the {v['loss']} loss")


@kernel
def stream_reset(state, params, seed):
    """state[:n] = the order of the examples (a Fisher-Yates shuffle when params[4] = 1)."""
    n = int(params[3])
    for i in range(n):
        state[i] = i
    if params[4] != 0.0:
        for i in range(n - 1, 0, -1):
            j = min(int(rng.uniform(seed, rng.ENV, 0, i) * (i + 1)), i)
            tmp = state[i]
            state[i] = state[j]
            state[j] = tmp
    state[n] = 0.0


@kernel
def stream_draw(state, params, x, t, seed):
    state[int(params[3])] = state[t]


@kernel
def stream_offset(state, params):
    """Where the current example's block [code, y, a] starts in the row."""
    return _HEAD + int(state[int(params[3])]) * (int(params[0]) + 2)


@kernel
def stream_loss_grad(state, params, x, g):
    d = int(params[0])
    start = stream_offset(state, params)
    return models.loss_grad(params[start : start + d + 2], d, x, g)


@kernel
def stream_model(state, params, m):
    start = stream_offset(state, params)
    for i in range(int(params[0]) + 2):
        m[i] = params[start + i]


@kernel
def no_mean(state, params, x):
    return 0.0


@kernel
def no_round_best(state, params, u):
    return 0.0


@kernel
def no_variances(state, params, t, out):
    out[0] = 0.0
    out[1] = 0.0


@kernel
def no_accumulate(state, params, suff):
    return


@kernel
def no_best_total(params, suff, n, expected):
    return 0.0


LINEAR_STREAM = OcoEnvType(
    name="linear_stream",
    summary="one shuffled pass over a data set (features | label) with a linear predictor: hinge, absolute, squared or logistic loss",
    reference="online linear prediction as in Chen and Orabona (ICML 2023), section on experiments",
    params=(
        Param("data", ((1.0, 0.0, 1.0), (0.0, 1.0, -1.0)), "n x (d + 1) array: features, then the label", kind="matrix", min_size=2),
        Param("loss", "hinge", "loss of the linear predictor: " + ", ".join(LOSSES), kind="choice", choices=LOSSES),
        Param("domain", "free", "feasible set of predictors: free (R^d) or ball (||x|| <= radius)", kind="choice", choices=("free", "ball")),
        Param("radius", 10.0, "radius of the ball (a nominal scale D for 'free')", low=0.0, open_low=True),
        Param("shuffle", True, "shuffle the examples per seed", kind="bool"),
    ),
    n_actions=lambda v: v["data"].shape[1] - 1,
    row=_row,
    reset=stream_reset,
    draw=stream_draw,
    loss_grad=stream_loss_grad,
    mean_loss=no_mean,
    round_best=no_round_best,
    variances=no_variances,
    accumulate=no_accumulate,
    best_total=no_best_total,
    model=stream_model,
    state_size=lambda v: v["data"].shape[0] + 1,
    max_horizon=lambda v: v["data"].shape[0],
    has_comparator=False,
    has_means=False,
    comparator="none recorded",
    check=_check,
    test_params=(
        {"data": np.column_stack([np.random.default_rng(3).normal(size=(50, 3)), np.sign(np.random.default_rng(4).normal(size=50))]),
         "loss": "logistic"},
        {"data": np.column_stack([np.random.default_rng(5).normal(size=(40, 2)), np.random.default_rng(6).normal(size=40)]),
         "loss": "absolute", "domain": "ball", "radius": 1.0},
    ),
)

ENVIRONMENTS = (LINEAR_STREAM,)
