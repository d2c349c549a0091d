"""Strongly adaptive experts: CBCE over copies of any full-information learner (problem kind ``arms``).

``strongly_adaptive(base)`` (Coin Betting for Changing Environment, Jun, Orabona, Wright and Willett,
AISTATS 2017, over the geometric covering of Daniely, Gonen and Shalev-Shwartz 2015; see
:mod:`olearn.learners.covering`): at every round t = 1, 2, ... a fresh copy of ``base`` starts with
lifetime L = g 2^u(t) and is dropped once it has seen more than L rounds.  A copy of level u runs
with the base's defaults for a horizon of its own length, L + 1 rounds (Hedge: eta = sqrt(8 ln K / (L + 1))),
so a copy is tuned to the interval it covers, as the covering construction asks, and the combined
learner needs no horizon.  Each live copy i picks its arm a_{t,i}; with the coin-betting weights

    p_i proportional to pi_i max(0, w_i)   (p = pi when every bet is <= 0),

the learner follows copy J ~ p and plays a_{t,J}.  After the loss vector l_t, copy i is charged
l_{t,i} = l_t(a_{t,i}), the meta loss is m_t = sum_i p_i l_{t,i} (the learner's expected loss given
the copies' arms), every copy takes the clipped meta gradient

    gt_i = clip((m_t - l_{t,i}) / R_t, -1 if w_i > 0 else 0, 1),   R_t = max_{s <= t} (max_k l_s(k) - min_k l_s(k)),
    z_i += gt_i,  wz_i += gt_i w_i,  n_i += 1,

and learns from the whole loss vector.  The excess m_t - l_{t,i} is summed as sum_j p_j (l_{t,j} - l_{t,i})
(equal, as the p_j sum to one), which is exactly 0 when the copies' arms lose alike: written as
m_t - l_{t,i} its rounding (+-1 ulp) would decide whether a copy's bet turns positive, and with it
the clipping of every later gradient.  Guarantee (their Theorem 2 over the covering): every interval I
splits into O(log |I|) covering intervals J of geometrically growing lengths, and on each J the regret
is at most the meta's regret against J's copy, O(R sqrt(|J| log T)), plus that copy's own regret on
its horizon (Hedge: sqrt(|J| ln K / 2)), plus the deviation of its sampled losses from their
expectation, O(sqrt(|J|)) with high probability; summed, O(sqrt(|I|)(sqrt(log T) + sqrt(ln K))) on
every I.  The running range R_t stands in for the loss range, so losses need not lie in [0, 1].  Registered:
``strongly_adaptive_hedge``.

The meta-gradient compares every copy's loss each round, which needs the loss of every arm: ``base``
must be a full-information learner.  Copies draw with the base's own random numbers at their own round
counts (so two copies never share a draw within a round); the follow-the-copy draw is stream 4.
At most :func:`~olearn.learners.covering.capacity` (g, ``max_rounds``) copies are alive at once;
past ``max_rounds`` the oldest is dropped when the slots are full.  Feedback must arrive undelayed
(the update reads the copies' arms of the same round).

State: ``[t, live, R_t]`` then per copy
``[t_i, z_i, wz_i, n_i, L_i, unnormalised prior, a_{t,i}, p_i, m_t - l_{t,i}, base state ...]``.
Row: ``[K, g, capacity, base state size, base row length, levels, base row of level 0, of level 1, ...]``.
"""
import math

from olearn.core import rng
from olearn.core.errors import check_integer
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.learners.covering import bet_sum, capacity, covering_params, init_covering, prior_sum, settle, start_copy, two_adic_valuation, weight
from olearn.learners.experts import HEDGE

_ARM, _P, _EXCESS = 6, 7, 8  # a copy's slots after the covering's six: its arm, its weight, its excess loss
_COPY = 9  # slots of a copy before its base state
_HEAD = 3
_G, _CAP, _BSIZE, _BLEN, _LEVELS, _ROWS_AT = 1, 2, 3, 4, 5, 6
#: stream of the follow-the-copy draw (streams 4 and up are free for combinators; see olearn.core.rng)
FOLLOW = 4


def levels(max_rounds: int, horizon) -> int:
    """Levels u = 0, 1, ... of the covering up to the larger of ``max_rounds`` and ``horizon``.

    ``max_rounds``: an integer >= 1; ``horizon``: None (no horizon) or an integer >= 1.  Anything else raises
    :class:`~olearn.core.errors.ParameterError` naming the parameter."""
    max_rounds = check_integer("levels", "max_rounds", max_rounds, 1, meaning="rounds")
    if horizon is not None:
        horizon = check_integer("levels", "horizon", horizon, 1, meaning="rounds, or None")
    rounds = max(max_rounds, horizon or 0)
    return int(math.floor(math.log2(rounds))) + 1


@kernel
def level_row(params, start):
    """Offset in the row of the base parameters for the copy started at round ``start`` (level v2(start))."""
    return _ROWS_AT + min(two_adic_valuation(start), int(params[_LEVELS]) - 1) * int(params[_BLEN])


def strongly_adaptive(base: LearnerType, name: str, summary: str, reference: str = "", g: int = 8) -> LearnerType:
    """CBCE over copies of ``base`` (a full-information learner of kind ``arms``), as a learner type."""
    if base.kind != "arms" or base.feedback != "full" or base.action_dim != 1:
        raise ValueError(
            f"strongly_adaptive over arms needs a full-information learner of kind 'arms' that plays one arm (the "
            f"meta-algorithm compares every copy's loss each round); {base.name!r} is of kind {base.kind!r} with "
            f"{base.feedback!r} feedback and {base.action_dim} action slot(s)")
    b_init, b_act, b_update = base.init, base.act, base.update

    def _base_values(v):
        return {p.name: v[p.name] for p in base.params}

    def _row(v, k, d, horizon):
        n_levels = levels(v["max_rounds"], horizon)
        rows = [[float(x) for x in base.row(_base_values(v), k, d, v["g"] * 2 ** u + 1)] for u in range(n_levels)]
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"strongly_adaptive needs {base.name!r} to have one parameter row length for every horizon")
        return [k, v["g"], capacity(v["g"], v["max_rounds"]), base.state_size(_base_values(v), k, d), len(rows[0]),
                n_levels] + [x for r in rows for x in r]

    def _state_size(v, k, d):
        return _HEAD + capacity(v["g"], v["max_rounds"]) * (_COPY + base.state_size(_base_values(v), k, d))

    @kernel
    def act(state, params, obs, t, seed, action):
        """Drop the copies past their lifetime, start this round's copy, follow copy J ~ p."""
        bsize = int(params[_BSIZE])
        blen = int(params[_BLEN])
        width = _COPY + bsize
        e = start_copy(state, _HEAD, width, int(params[_CAP]), params[_G], state[0])
        at = level_row(params, state[0])
        b_init(state[e + _COPY : e + width], params[at : at + blen], seed)
        live = int(state[1])
        for i in range(live):
            e = _HEAD + i * width
            at = level_row(params, state[e])
            b_act(state[e + _COPY : e + width], params[at : at + blen], obs, int(state[e + 3]), seed,
                  state[e + _ARM : e + _ARM + 1])
        norm = prior_sum(state, _HEAD, width)
        total = bet_sum(state, _HEAD, width, norm)
        for i in range(live):  # kept for the update: no bet moves before it
            e = _HEAD + i * width
            state[e + _P] = weight(state, e, norm, total)
        chosen = rng.categorical(seed, FOLLOW, t, 0, state[_HEAD + _P : _HEAD + live * width : width], live)
        action[0] = state[_HEAD + chosen * width + _ARM]

    @kernel
    def update(state, params, obs, action, feedback, t, seed):
        """Charge each copy its arm's loss, take the clipped coin-betting gradients (with the weights p_i act
        kept), update every copy."""
        k_arms = int(params[0])
        bsize = int(params[_BSIZE])
        blen = int(params[_BLEN])
        width = _COPY + bsize
        low = feedback[0]
        high = feedback[0]
        for k in range(1, k_arms):
            low = min(low, feedback[k])
            high = max(high, feedback[k])
        state[2] = max(state[2], high - low)
        live = int(state[1])
        for i in range(live):  # sum_j p_j (l_j - l_i): exactly 0 where the copies' losses agree
            e = _HEAD + i * width
            ell = feedback[int(state[e + _ARM])]
            excess = 0.0
            for j in range(live):
                f = _HEAD + j * width
                excess += state[f + _P] * (feedback[int(state[f + _ARM])] - ell)
            state[e + _EXCESS] = excess
        for i in range(live):
            e = _HEAD + i * width
            n = settle(state, e, state[e + _EXCESS] / state[2] if state[2] > 0.0 else 0.0)
            at = level_row(params, state[e])
            b_update(state[e + _COPY : e + width], params[at : at + blen], obs, state[e + _ARM : e + _ARM + 1],
                     feedback, n, seed)
        state[0] += 1.0

    return LearnerType(
        name=name,
        summary=summary,
        reference=reference or f"Jun, Orabona, Wright and Willett (AISTATS 2017), CBCE over {base.name} on a geometric covering",
        feedback="full",
        kind="arms",
        delayable=False,
        params=base.params + covering_params(g),
        state_size=_state_size,
        row=_row,
        init=init_covering,
        act=act,
        update=update,
        test_params=({}, {"g": 2, "max_rounds": 16, "eta": 0.5}),
    )


STRONGLY_ADAPTIVE_HEDGE = strongly_adaptive(
    HEDGE, "strongly_adaptive_hedge",
    "strongly adaptive Hedge: CBCE over Hedge copies started on a geometric covering, each tuned to its lifetime",
    reference="Jun, Orabona, Wright and Willett (AISTATS 2017), CBCE; Daniely, Gonen and Shalev-Shwartz (2015), "
    "geometric covering: expected regret O(sqrt(|I| log T) + sqrt(|I| ln K)) on every interval I, losses in [0, 1]",
)

LEARNERS = (STRONGLY_ADAPTIVE_HEDGE,)
