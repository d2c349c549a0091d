"""An ``oco`` world from a user-defined loss: ``user_loss(loss_grad, dim=...)``.

The user writes the loss as a kernel ``loss_grad(x, g, t, seed) -> f_t(x)`` that also writes
grad f_t(x) into ``g`` (randomness through :mod:`olearn.core.rng` with stream ``rng.ENV``).  Before
anything runs, the gradient is probed at the centre of X and at a few seeded points of X for the
first rounds; a NaN or infinite entry raises one :class:`ParameterError` naming ``loss_grad``.
During a run, rounds with a non-finite gradient are counted in the ``nonfinite`` metric.
Only the cumulative loss is recorded (no comparator is known for an arbitrary loss).
"""
import numpy as np

from olearn.core.errors import ParameterError
from olearn.core.kernel import is_kernel, kernel
from olearn.core.params import Param
from olearn.engine import domains
from olearn.engine.oco import OcoEnvType, zero_state
from environments.oco_streams import no_accumulate, no_best_total, no_mean, no_round_best, no_variances

PROBE_POINTS = 8
PROBE_ROUNDS = 4


def _probe(name, fn, v):
    d, code, r = v["dim"], domains.NAMES.index(v["domain"]), v["radius"]
    rng = np.random.default_rng(0)
    points = [np.zeros(d) if code != domains.SIMPLEX else np.full(d, r / d)]
    for _ in range(PROBE_POINTS - 1):
        y = rng.normal(size=d) * r
        x = np.zeros(d)
        domains.project(code, r, d, y, x)
        points.append(x)
    g = np.zeros(d)
    with np.errstate(all="ignore"):
        for t in range(PROBE_ROUNDS):
            for x in points:
                value = fn(x, g, t, 0)
                if not (np.all(np.isfinite(g)) and np.isfinite(value)):
                    raise ParameterError(name, "loss_grad", getattr(fn, "__name__", fn),
                                         f"a loss whose value and gradient are finite on X (round {t}, x = {np.round(x, 4).tolist()} "
                                         f"gives f = {value}, grad = {g.tolist()})")


def user_loss(loss_grad, name: str = "user_loss", dim: int = 2, domain: str = "ball", radius: float = 1.0):
    """An environment whose f_t is the user's kernel ``loss_grad(x, g, t, seed)`` on X = ``domain`` of ``radius``."""
    if not is_kernel(loss_grad):
        raise ParameterError(name, "loss_grad", loss_grad, "a function marked @olearn.core.kernel.kernel: loss_grad(x, g, t, seed) -> f(x)")

    @kernel
    def remember_round(state, params, x, t, seed):
        state[0] = t
        state[1] = seed // 4294967296  # the seed in two 32-bit halves: one float64 holds only 53 bits
        state[2] = seed % 4294967296

    @kernel
    def user_loss_grad(state, params, x, g):
        return loss_grad(x, g, int(state[0]), int(state[1]) * 4294967296 + int(state[2]))

    env_type = OcoEnvType(
        name=name,
        summary="a user-defined loss",
        params=(Param("dim", dim, "dimension d", kind="int", low=1),
                Param("domain", domain, "feasible set", kind="choice", choices=("ball", "box", "simplex")),
                Param("radius", radius, "size of the feasible set", low=0.0, open_low=True)),
        n_actions=lambda v: v["dim"],
        row=lambda v: np.array([v["dim"], domains.NAMES.index(v["domain"]), v["radius"]], dtype=float),
        reset=zero_state,
        draw=remember_round,
        loss_grad=user_loss_grad,
        mean_loss=no_mean,
        round_best=no_round_best,
        variances=no_variances,
        accumulate=no_accumulate,
        best_total=no_best_total,
        state_size=lambda v: 3,
        has_comparator=False,
        has_means=False,
        user_defined=True,
        comparator="none recorded",
        check=lambda v: _probe(name, loss_grad, v),
    )
    return env_type.make()
