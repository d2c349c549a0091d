"""Expert loss sequences for private prediction from experts (oblivious adversaries, losses in {0, 1}).

* ``realizable_experts``: one perfect expert (zero loss every round) among d - 1 decoys; decoy k
  has loss 0 until its death round D_k ~ U{0, ..., span - 1}, then Bernoulli(p) losses
  (the synthetic suite proposed in the project notes, research/papers.md 5(c)).
* ``small_loss_experts``: the same, but the designated best expert has exactly L* unit losses,
  one in each of L* equal strata of the first ``span`` rounds (at a uniform place in its stratum),
  and the decoys die in the first span - m rounds, m = ceil(2 (L* + 1) / p), so each expects at
  least 2 (L* + 1) losses over ``span`` rounds: the designated expert is the best one (in mean
  loss always, in realized loss with high probability).
* ``oblivious_experts``: a general oblivious adversary: expert k != b has Bernoulli losses of mean
  1/2 + A cos(2 pi (t / period + k / d)), which keeps changing the per-round leader, while a
  hidden expert b has constant mean 1/2 - gap and is the best fixed expert in the long run.

Every loss is a pure function of (seed, t, k) through :mod:`olearn.core.rng` (the death rounds,
the best expert and L*'s rounds are drawn in ``reset`` from draws no round uses), so no d x T
table exists and d can go to 2^16.  All losses lie in [0, 1].
"""
import math

import numpy as np

from environments.stochastic import no_advance, no_context
from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import EnvType

RESET_ROUND = rng.RESERVED_ROUND  # round index of the draws made in reset (never a real round)
MAX_EXPERTS = 1 << 16
N_EXPERTS = Param("n_experts", 64, "number of experts d", kind="int", low=1, high=MAX_EXPERTS)
#: the longest span: its rounds stay whole in the float64 row and within int64 on compiled backends (at 10**19, math.floor
#: of a death round wrapped to a negative round there, and the best expert's loss rounds overflowed)
MAX_SPAN = 10**15
SPAN = Param("span", 10000, "decoys die at a uniform round in [0, span)", kind="int", low=1, high=MAX_SPAN)
DECOY_LOSS = Param("decoy_loss", 0.5, "probability p of a unit loss for a decoy after its death", low=0.0, high=1.0,
                   open_low=True)

# row: [d, span, p, L*, stratum, rounds in which decoys die]; state: [best, death[0..d), loss rounds of the best [0..L*)]


@kernel
def decoys_reset(state, params, seed):
    """Draw the best expert, each decoy's death round and the best expert's L* loss rounds."""
    d = int(params[0])
    state[0] = min(int(rng.uniform(seed, rng.ENV, RESET_ROUND, d) * d), d - 1)
    for k in range(d):
        state[1 + k] = math.floor(rng.uniform(seed, rng.ENV, RESET_ROUND, k) * params[5])
    stratum = int(params[4])
    for j in range(int(params[3])):
        state[1 + d + j] = j * stratum + min(int(rng.uniform(seed, rng.ENV, RESET_ROUND, d + 1 + j) * stratum), stratum - 1)


@kernel
def best_expert_loss(state, params, t):
    """1 at the best expert's loss rounds (one per stratum of the first L* strata), else 0."""
    n_losses = int(params[3])
    if n_losses == 0:
        return 0.0
    j = t // int(params[4])
    if j < n_losses and state[1 + int(params[0]) + j] == t:
        return 1.0
    return 0.0


@kernel
def decoys_mean_loss(state, params, obs, t, k):
    if k == int(state[0]):
        return best_expert_loss(state, params, t)
    return params[2] if t >= state[1 + k] else 0.0


@kernel
def decoys_loss(state, params, obs, t, seed, k):
    if k == int(state[0]):
        return best_expert_loss(state, params, t)
    if t < state[1 + k]:
        return 0.0
    return 1.0 if rng.uniform(seed, rng.ENV, t, k) < params[2] else 0.0


@kernel
def decoys_best_mean_loss(state, params, obs, t):
    best = math.inf
    for k in range(int(params[0])):
        best = min(best, decoys_mean_loss(state, params, obs, t, k))
    return best


def _death_rounds(v, n_losses):
    """Rounds [0, span - m) in which decoys die; m = ceil(2 (L* + 1) / p) when L* > 0, else 0."""
    return v["span"] - (math.ceil(2.0 * (n_losses + 1) / v["decoy_loss"]) if n_losses > 0 else 0)


def _decoys_row(v, n_losses):
    stratum = v["span"] // n_losses if n_losses > 0 else 1
    return np.array([v["n_experts"], v["span"], v["decoy_loss"], n_losses, stratum, _death_rounds(v, n_losses)],
                    dtype=float)


_DECOYS = dict(
    n_actions=lambda v: v["n_experts"],
    reset=decoys_reset,
    observe=no_context,
    loss=decoys_loss,
    mean_loss=decoys_mean_loss,
    best_mean_loss=decoys_best_mean_loss,
    advance=no_advance,
    stationary=False,
)

REALIZABLE_EXPERTS = EnvType(
    name="realizable_experts",
    summary="one perfect expert among decoys that start failing (Bernoulli(p) losses) at uniform random rounds",
    reference="the realizable regime of Asi, Feldman, Koren and Talwar (ICML 2023): min_k sum_t loss_t(k) = 0",
    params=(N_EXPERTS, SPAN, DECOY_LOSS),
    row=lambda v: _decoys_row(v, 0),
    state_size=lambda v: 1 + v["n_experts"],
    test_params=({"n_experts": 6, "span": 30, "decoy_loss": 0.7},),
    **_DECOYS,
)


def _check_small_loss(v):
    """L* <= span, and decoys still have a round to die in (the largest such L* is named either way)."""
    def fits(n_losses):
        return n_losses == 0 or (n_losses <= v["span"] and _death_rounds(v, n_losses) >= 1)

    if not fits(v["best_loss"]):
        # ceil(2 (L* + 1) / p) <= span - 1 exactly when L* <= p (span - 1) / 2 - 1: start there (stepping down one at a
        # time from span took span steps), then settle the rounding of the float product
        most = min(max(math.floor(v["decoy_loss"] * (v["span"] - 1) / 2.0) - 1, 0), v["span"])
        while most > 0 and not fits(most):
            most -= 1
        while fits(most + 1):
            most += 1
        raise ParameterError("small_loss_experts", "best_loss", v["best_loss"],
                             f"an integer in [0, {most}] (decoys die in the first span - ceil(2 (L* + 1) / p) rounds, "
                             "at least one, so that each expects more losses than the designated expert)")


SMALL_LOSS_EXPERTS = EnvType(
    name="small_loss_experts",
    summary="decoys as in realizable_experts; the designated best expert has exactly L* unit losses in the first span rounds",
    reference="the small-loss regime of Asi, Feldman, Koren and Talwar (ICML 2023): L* = the best expert's total loss",
    params=(N_EXPERTS, SPAN, DECOY_LOSS, Param("best_loss", 10, "L*, the best expert's number of unit losses", kind="int", low=0)),
    row=lambda v: _decoys_row(v, v["best_loss"]),
    state_size=lambda v: 1 + v["n_experts"] + v["best_loss"],
    check=_check_small_loss,
    test_params=({"n_experts": 5, "span": 40, "decoy_loss": 1.0, "best_loss": 4},),
    **_DECOYS,
)

# ---------------------------------------------------------------- general oblivious adversary

AMPLITUDE = 0.45


@kernel
def oblivious_reset(state, params, seed):
    d = int(params[0])
    state[0] = min(int(rng.uniform(seed, rng.ENV, RESET_ROUND, 0) * d), d - 1)


@kernel
def oblivious_mean_loss(state, params, obs, t, k):
    d = int(params[0])
    if k == int(state[0]):
        return 0.5 - params[1]
    return 0.5 + AMPLITUDE * math.cos(2.0 * math.pi * (t / params[2] + k / d))


@kernel
def oblivious_loss(state, params, obs, t, seed, k):
    return 1.0 if rng.uniform(seed, rng.ENV, t, k) < oblivious_mean_loss(state, params, obs, t, k) else 0.0


@kernel
def oblivious_best_mean_loss(state, params, obs, t):
    best = math.inf
    for k in range(int(params[0])):
        best = min(best, oblivious_mean_loss(state, params, obs, t, k))
    return best


OBLIVIOUS_EXPERTS = EnvType(
    name="oblivious_experts",
    summary="oblivious adversary: rotating Bernoulli means 1/2 + 0.45 cos(2 pi (t/period + k/d)), one expert fixed at 1/2 - gap",
    reference="a non-realizable oblivious sequence on which following the per-round leader fails",
    params=(N_EXPERTS, Param("gap", 0.1, "advantage of the hidden expert over the average of the others", low=0.0, high=0.5),
            Param("period", 200, "rounds of one rotation of the means", kind="int", low=1)),
    n_actions=lambda v: v["n_experts"],
    row=lambda v: np.array([v["n_experts"], v["gap"], v["period"]], dtype=float),
    reset=oblivious_reset,
    observe=no_context,
    loss=oblivious_loss,
    mean_loss=oblivious_mean_loss,
    best_mean_loss=oblivious_best_mean_loss,
    advance=no_advance,
    state_size=lambda v: 1,
    stationary=False,
    test_params=({"n_experts": 5, "gap": 0.1, "period": 12},),
)

ENVIRONMENTS = (REALIZABLE_EXPERTS, SMALL_LOSS_EXPERTS, OBLIVIOUS_EXPERTS)
