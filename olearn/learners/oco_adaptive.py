"""Strongly adaptive online convex optimization: CBCE over copies of any ``oco`` learner (problem kind ``oco``).

``strongly_adaptive(base)`` (Coin Betting for Changing Environment, Jun, Orabona, Wright and Willett,
AISTATS 2017, over the geometric covering of Daniely, Gonen and Shalev-Shwartz 2015; see
:mod:`olearn.learners.covering`): at every round t = 1, 2, ... a fresh copy of ``base`` starts (at
its own initial point) with lifetime g 2^u(t), and is dropped once it has seen more than that many
rounds.  With the live copies' points x_{t,i} and the coin-betting weights

    p_i proportional to pi_i max(0, w_i)   (p = pi when every bet is <= 0),     x_t = sum_i p_i x_{t,i}

(in X, which is convex), the learner plays x_t.  With g_t = grad f_t(x_t), every copy is charged the
linearized loss l_{t,i} = <g_t, x_{t,i}> and learns from the linear loss <g_t, x> (its feedback: that
loss at its point and the gradient g_t), and takes the clipped meta gradient

    gt_i = clip((<g_t, x_t> - l_{t,i}) / (D G_t), -1 if w_i > 0 else 0, 1),   G_t = max_{s <= t} ||g_s||,
    z_i += gt_i,  wz_i += gt_i w_i,  n_i += 1.

By convexity f_t(x_t) - f_t(u) <= <g_t, x_t - u>, so on every interval I the regret is at most the
meta's linearized regret against the copy started at I's start plus that copy's own regret: with an
OGD base, O(G D sqrt(|I| log T)) on every interval (their Theorem 2; |<g_t, x_t - x_{t,i}>| <= ||g_t|| D,
and the running max G_t stands in for the bound G, so the guarantee holds from the round it is reached).
The copies see their own round counts (an OGD copy's step is D / sqrt(n_i)).  Registered:
``strongly_adaptive_ogd``.  At most :func:`~olearn.learners.covering.capacity` (g, ``max_rounds``)
copies are alive at once; past ``max_rounds`` the oldest is dropped when the slots are full.
Feedback must arrive undelayed (the update reads the copies' points of the same round).

State: ``[t, live, G_t, feedback scratch (3 + 2 d)]`` then per copy
``[t_i, z_i, wz_i, n_i, L_i, unnormalised prior, x_{t,i} (d), base state ...]``.
Row: ``[d, g, capacity, base state size, base row length, base row ...]``.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.learners.covering import bet_sum, capacity, covering_params, init_covering, prior_sum, settle, start_copy, weight
from olearn.learners.oco import OGD, _dim

_COPY = 6  # slots of a copy before its point
_G, _CAP, _BSIZE, _BLEN, _BASE_AT = 1, 2, 3, 4, 5


def strongly_adaptive(base: LearnerType, name: str, summary: str, reference: str = "", g: int = 8) -> LearnerType:
    """CBCE over copies of ``base`` (a learner of kind ``oco``) on the geometric covering, as a learner type."""
    if base.kind != "oco":
        raise ValueError(f"strongly_adaptive combines learners of kind 'oco'; {base.name!r} is of kind {base.kind!r}")
    b_init, b_act, b_update = base.init, base.act, base.update

    def _base_values(v):
        return {p.name: v[p.name] for p in base.params}

    def _row(v, k, d, horizon):
        base_row = [float(x) for x in base.row(_base_values(v), k, d, horizon)]
        return [_dim(name, v, k), v["g"], capacity(v["g"], v["max_rounds"]), base.state_size(_base_values(v), k, d),
                len(base_row)] + base_row

    def _state_size(v, k, d):
        return 3 + 3 + 2 * k + capacity(v["g"], v["max_rounds"]) * (_COPY + k + base.state_size(_base_values(v), k, d))

    @kernel
    def act(state, params, obs, t, seed, action):
        """Drop the copies past their lifetime, start the copy of this round, play x_t = sum_i p_i x_{t,i}."""
        d = int(params[0])
        bsize = int(params[_BSIZE])
        bp = params[_BASE_AT : _BASE_AT + int(params[_BLEN])]
        head = 6 + 2 * d
        width = _COPY + d + bsize
        e = start_copy(state, head, width, int(params[_CAP]), params[_G], state[0])
        b_init(state[e + _COPY + d : e + width], bp, seed)
        live = int(state[1])
        for i in range(live):
            e = head + i * width
            b_act(state[e + _COPY + d : e + width], bp, obs, int(state[e + 3]), seed, state[e + _COPY : e + _COPY + d])
        norm = prior_sum(state, head, width)
        total = bet_sum(state, head, width, norm)
        for j in range(d):
            action[j] = 0.0
        for i in range(live):
            e = head + i * width
            p = weight(state, e, norm, total)
            for j in range(d):
                action[j] += p * state[e + _COPY + j]

    @kernel
    def update(state, params, obs, action, feedback, t, seed):
        """Linearized losses, clipped coin-betting gradients, each copy's update on the linear loss <g_t, x>."""
        d = int(params[0])
        bsize = int(params[_BSIZE])
        bp = params[_BASE_AT : _BASE_AT + int(params[_BLEN])]
        head = 6 + 2 * d
        width = _COPY + d + bsize
        norm2 = 0.0
        meta = 0.0
        for j in range(d):
            norm2 += feedback[1 + j] * feedback[1 + j]
            meta += feedback[1 + j] * action[j]
        state[2] = max(state[2], math.sqrt(norm2))
        scale = domains.diameter(int(obs[0]), obs[1], d) * state[2]
        fb = state[3:head]
        for j in range(fb.size):
            fb[j] = 0.0  # model code 0: no model, the linear loss is known through its gradient
        for j in range(d):
            fb[1 + j] = feedback[1 + j]
        for i in range(int(state[1])):
            e = head + i * width
            x = state[e + _COPY : e + _COPY + d]
            ell = 0.0
            for j in range(d):
                ell += feedback[1 + j] * x[j]
            n = settle(state, e, (meta - ell) / scale if scale > 0.0 else 0.0)
            fb[0] = ell
            b_update(state[e + _COPY + d : e + width], bp, obs, x, fb, n, seed)
        state[0] += 1.0

    return LearnerType(
        name=name,
        summary=summary,
        reference=reference or f"Jun, Orabona, Wright and Willett (AISTATS 2017), CBCE over {base.name} on a geometric covering",
        feedback="full",
        kind="oco",
        delayable=False,
        params=base.params + covering_params(g),
        state_size=_state_size,
        row=_row,
        init=init_covering,
        act=act,
        update=update,
        test_params=({}, {"g": 2, "max_rounds": 16, "schedule": "fixed", "eta": 0.5}),
    )


STRONGLY_ADAPTIVE_OGD = strongly_adaptive(
    OGD, "strongly_adaptive_ogd",
    "strongly adaptive OGD: CBCE over OGD copies started on a geometric covering, linearized losses",
    reference="Jun, Orabona, Wright and Willett (AISTATS 2017), CBCE; Daniely, Gonen and Shalev-Shwartz (2015), "
    "geometric covering: regret O(G D sqrt(|I| log T)) on every interval I",
)

LEARNERS = (STRONGLY_ADAPTIVE_OGD,)
