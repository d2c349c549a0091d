"""A strongly adaptive meta-algorithm over any learner of kind ``scores``, and SAOCP.

Coin Betting for Changing Environment (CBCE; Jun, Orabona, Wright and Willett, AISTATS 2017)
over copies of a base learner started on a geometric covering of time (Hazan and Seshadhri
2007; Daniely, Gonen and Shalev-Shwartz 2015).  SAOCP (Bhatnagar, Wang, Xiong and Bai,
ICML 2023, Algorithm 1) is this combinator over SF-OGD.

At every round t = 1, 2, ... (calibration rounds included) a new expert starts, from the
meta prediction of that round, with lifetime ``L = g 2^u``, u the number of times 2 divides t;
it is dropped once it has seen more than L scores.  Expert i (started at t_i) keeps the
coin-betting statistics z_i (sum of clipped meta gradients), wz_i (their sum weighted by the
bets) and n_i (scores seen).  With the prior pi_i proportional to 1 / (t_i^2 (1 + floor(log2 t_i)))
over live experts and the bet w_i = (z_i / n_i)(1 + wz_i) (0 when n_i = 0)::

    p_i proportional to pi_i max(0, w_i)   (p = pi when all bets are <= 0),     s_t = sum_i p_i s_{t,i}

After score S_t, with l(s) = pinball_q(S_t, s) and the meta loss l(s_t) (s_t recomputed with the
new expert), each live expert takes the clipped gradient
``gt_i = clip((l(s_t) - l(s_{t,i})) / (D max(alpha, 1 - alpha)), -1 if w_i > 0 else 0, 1)``,
``z_i += gt_i``, ``wz_i += gt_i w_i``, ``n_i += 1``, and its base learner updates on S_t.
Guarantee (their Theorem 3): strongly adaptive regret O(D sqrt(k log T)) on every interval of length k.

The trajectory is sensitive to rounding, as in the authors' implementation (which these radii match
to 1e-9): a new expert starts at the meta prediction, so its first gradient is 0 in exact arithmetic
but +-1 ulp in floating point, and that sign decides whether its bet turns positive (gradients
then clipped to [-1, 1]) or stays 0 (clipped to [0, 1]).  Scores scaled by 1 + 1e-15, 3 or 1e-3
(radii rescaled back) move single radii by up to ~45% on a 1,500-round change-point stream (median
~1%), while coverage moves by less than 0.001.  Compare runs through their metrics, or on the same
scores.

At most about ``(g / 2)(floor(log2 T) + 1)`` experts are alive at once (see :func:`capacity`), so
the state is bounded; with more rounds than ``max_rounds`` the oldest
expert is dropped when the slots are full.

State: ``[t, live experts, scratch action (2), scratch score]`` then per expert
``[t_i, z_i, wz_i, n_i, L_i, unnormalised prior, base state ...]``.
"""

import numpy as np

from olearn.conformal import common
from olearn.conformal.ogd import SF_OGD, sf_ogd_start
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine.scores import pinball
from olearn.learners.covering import bet_sum, capacity, prior_sum, settle, start_copy, weight  # noqa: F401 (capacity: public here too)

_META = 5  # meta state slots before the experts
_EXPERT = 6  # per-expert slots before its base state
# own slots of the row
_G, _CAP, _BSIZE, _BLEN, _MAXQ, _BASE = (common.HEADER + i for i in range(6))
_BASE_AT = common.HEADER + 6


@kernel
def _no_start(state, params, radius):
    return


def strongly_adaptive(base: LearnerType, start, name: str, summary: str, reference: str = "", g: int = 8) -> LearnerType:
    """The CBCE meta-algorithm over ``base`` (a learner of kind ``scores``) as a new learner type.

    ``start(state, params, radius)`` (a kernel, or None) sets a new expert's radius to the meta
    prediction of the round it starts; its base state is otherwise what ``base.init`` makes.
    """
    if not isinstance(base, LearnerType) or base.kind != "scores":
        what = f"{base.name!r} of kind {base.kind!r}" if isinstance(base, LearnerType) else base
        raise ParameterError("strongly_adaptive", "base", what,
                             "a learner type of kind 'scores' (e.g. olearn.conformal.ogd.SF_OGD)")
    if start is not None and not callable(start):
        raise ParameterError("strongly_adaptive", "start", start, "a kernel start(state, params, radius), or None")
    b_init, b_act, b_update = base.init, base.act, base.update
    has_start = start is not None
    b_start = start if has_start else _no_start

    def _base_values(v):
        bv = {p.name: v[p.name] for p in base.params}
        bv["calibration"] = np.zeros(0)
        bv["scale"] = common.scale_of(name, v, True)
        return bv

    def _row(v, k, d, horizon):
        bv = _base_values(v)
        base_row = [float(x) for x in base.row(bv, k, d, horizon)]
        n_rounds = common.history_size(v)
        alpha = 1.0 - v["coverage"]
        own = [v["g"], capacity(v["g"], n_rounds), base.state_size(bv, k, d), len(base_row), max(alpha, 1.0 - alpha), _BASE_AT]
        return common.header_row(name, v, own + base_row, needs_scale=True)

    def _state_size(v, k, d):
        bv = _base_values(v)
        return _META + capacity(v["g"], common.history_size(v)) * (_EXPERT + base.state_size(bv, k, d))

    @kernel
    def expert_radius(state, params, e, obs, seed):
        bsize = int(params[_BSIZE])
        bp = params[_BASE_AT : _BASE_AT + int(params[_BLEN])]
        b_act(state[e + _EXPERT : e + _EXPERT + bsize], bp, obs, int(state[e + 3]), seed, state[2:4])
        return state[2]

    @kernel
    def predict(state, params, obs, seed):
        width = _EXPERT + int(params[_BSIZE])
        norm = prior_sum(state, _META, width)
        total = bet_sum(state, _META, width, norm)
        radius = 0.0
        for i in range(int(state[1])):
            e = _META + i * width
            radius += weight(state, e, norm, total) * expert_radius(state, params, e, obs, seed)
        return radius

    @kernel
    def step(state, params, obs, score, seed):
        q = params[common.Q]
        width = _EXPERT + int(params[_BSIZE])
        bsize = int(params[_BSIZE])
        bp = params[_BASE_AT : _BASE_AT + int(params[_BLEN])]
        s_hat = predict(state, params, obs, seed)
        e = start_copy(state, _META, width, int(params[_CAP]), params[_G], state[0])  # a new expert, from the current prediction
        b_init(state[e + _EXPERT : e + _EXPERT + bsize], bp, seed)
        if has_start:
            b_start(state[e + _EXPERT : e + _EXPERT + bsize], bp, s_hat)
        kept = int(state[1]) - 1
        t = state[0]
        meta_loss = pinball(score, predict(state, params, obs, seed), q)
        for i in range(kept + 1):
            e = _META + i * width
            r = expert_radius(state, params, e, obs, seed)
            n = settle(state, e, (meta_loss - pinball(score, r, q)) / params[common.SCALE] / params[_MAXQ])
            state[4] = score
            b_update(state[e + _EXPERT : e + _EXPERT + bsize], bp, obs, state[2:4], state[4:5], n, seed)
        state[0] = t + 1.0

    @kernel
    def init(state, params, seed):
        for i in range(len(state)):
            state[i] = 0.0
        state[0] = 1.0
        at = int(params[common.CALIB_AT])
        for i in range(int(params[common.N_CALIB])):
            step(state, params, state[0:0], params[at + i], seed)

    @kernel
    def act(state, params, obs, t, seed, action):
        action[0] = predict(state, params, obs, seed)
        action[1] = params[common.Q]

    @kernel
    def update(state, params, obs, action, feedback, t, seed):
        step(state, params, obs, feedback[0], seed)

    return LearnerType(
        name=name,
        summary=summary,
        reference=reference or f"Jun et al. (AISTATS 2017) CBCE over {base.name}; Bhatnagar et al. (ICML 2023), Algorithm 1",
        feedback="full",
        kind="scores",
        action_dim=2,
        params=base.params + (Param("g", g, "lifetime multiplier: an expert started at t lives g 2^u(t) rounds", kind="int", low=1),),
        state_size=_state_size,
        row=_row,
        init=init,
        act=act,
        update=update,
        test_params=({"calibration": [0.3, 1.2, 0.7], "g": 2}, {"scale": 2.0, "max_rounds": 64}),
    )


SAOCP = strongly_adaptive(
    SF_OGD, sf_ogd_start, "saocp",
    "strongly adaptive online conformal prediction: CBCE over SF-OGD experts on a geometric covering",
    reference="Bhatnagar, Wang, Xiong and Bai (ICML 2023), Algorithm 1; CBCE of Jun et al. (AISTATS 2017)",
)
