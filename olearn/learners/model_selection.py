"""CORRAL: a master that learns which of several bandit algorithms to follow, from bandit feedback alone.

``corral(*bases)`` (Agarwal, Luo, Neyshabur and Schapire, COLT 2017, "Corralling a band of bandit
algorithms", Algorithms 1 and 2) builds a learner type over M base learners: every configuration of every
given learner is one base (``olearn.make("exp3", eta=[0.01, 0.1, 1.0])`` gives three), so the same call
tunes one algorithm's parameter online or selects among different algorithms.  At round t the master
draws base i_t ~ pbar_t, plays that base's arm and sees its loss f_t.  It keeps, per base i, a
probability p_i, a rate eta_i and a threshold rho_i; with the importance-weighted loss vector
l_t = (f_t / pbar_{t,i_t}) e_{i_t}, one step of online mirror descent with the log barrier
sum_i ln(1 / p_i) / eta_i finds lambda between min_i l_{t,i} and max_i l_{t,i} with

    sum_i 1 / (1 / p_{t,i} + eta_{t,i} (l_{t,i} - lambda)) = 1,    then  1 / p_{t+1,i} = 1 / p_{t,i} + eta_{t,i} (l_{t,i} - lambda)

(Newton's method from the right; the sum is increasing and convex in lambda), mixes in uniform exploration,
pbar_{t+1} = (1 - gamma) p_{t+1} + gamma / M with gamma = 1 / T, and raises the rate of every base
whose probability fell to a new low: if 1 / pbar_{t+1,i} > rho_{t,i} then rho_{t+1,i} = 2 / pbar_{t+1,i} and
eta_{t+1,i} = beta eta_{t,i}, beta = e^(1 / ln T).  Initially p = pbar = 1 / M, rho = 2 M and every rate is
``eta``, by default sqrt(M ln T / T), which balances the log-barrier master's own regret terms,
O(M ln T / eta + T eta); the paper's tuned rates are smaller and need a stability exponent of each base.
(Both beta and the default rate use max(ln T, 1) for ln T, so they are defined at T = 1, where ln T = 0.)

What the bases learn from (``base_loss``):

* ``"importance_weighted"`` (the paper's CORRAL): every base acts and updates every round (at the round t),
  base i with loss f_t / pbar_{t,i} on its own arm when it was followed and 0 otherwise, an unbiased
  estimate of the loss of its arm; for bases built for such losses (EXP3, EXP3-IX, Tsallis-INF).  Bases
  that assume losses in [0, 1] (UCB1, Thompson sampling) see values outside it.
* ``"observed"`` (the default; Stochastic CORRAL, Pacchiano, Phan, Abbasi-Yadkori, Rao, Zimmert, Lattimore and
  Szepesvari, NeurIPS 2020, without their smoothing wrapper): only the followed base acts and updates, with
  the observed loss, counting its own rounds (its t is how many times it has been followed), as if it ran alone
  on those rounds; any stochastic-bandit base keeps its assumptions.

Base i draws its random numbers with the seed :func:`base_seed` (seed, i), a hash of the master's seed, and the
master's draw of i_t is stream 5: a base's draws are independent of the master's, of the other bases' and of the
bases of a master nested in it (a CORRAL as a base draws its own base with a uniform of its own).  The learner
reports no arm probability (mixing the bases' distributions would need every base to expose one), so it is not
replayed off-policy; feedback must arrive undelayed (the update reads which base was followed from the state).

State: ``[i_t, scratch loss, p[M], pbar[M], eta[M], rho[M], rounds[M], actions[M x A], base states ...]``.
Row: ``[K, M, eta, gamma, beta, importance weighted (1) or observed (0), A, then per base (type, state start,
state end, row start, row end), then the base rows]``, A the widest base action.
"""
from __future__ import annotations

import math

import numpy as np

from olearn.core import rng
from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import Learner, LearnerType
from olearn.learners import bandits

#: stream of the master's draw of the base to follow (streams 4 and up are free for combinators)
FOLLOW = 5
#: stream whose draws at round 0 seed the bases (:func:`base_seed`)
BASE_SEEDS = 6
#: steps for the log-barrier normaliser lambda (Newton, with bisection where Newton cannot start, on a bracket
#: whose upper end is the first pole): a cap, far above what the step needs (at most ~60 steps in tests
#: with rates up to 1e100)
ROOT_STEPS = 120
BASE_LOSS = ("observed", "importance_weighted")

_K, _M, _ETA, _GAMMA, _BETA, _WEIGHTED, _ADIM, _BASES = 0, 1, 2, 3, 4, 5, 6, 7
_DESC = 5  # per base: type, state start, state end, row start, row end


@kernel
def base_seed(seed, i):
    """Base i's seed: the top 63 bits of draw i of stream BASE_SEEDS at round 0 of the master's ``seed``."""
    return np.int64(rng.bits(seed, BASE_SEEDS, 0, i) >> np.uint64(1))
_CHOSEN, _LOSS, _P = 0, 1, 2  # then pbar, eta, rho, rounds at _P + M, + 2M, + 3M, + 4M; actions at _P + 5M


@kernel
def log_barrier_step(p, eta, m, chosen, ell):
    """One log-barrier OMD step on the loss vector ell e_chosen (their Algorithm 2), in place on p[:m].

    f(lambda) = sum_i 1 / (1 / p_i + eta_i (l_i - lambda)) is increasing and convex below its first pole, so
    Newton's method started to the right of the root (where f > 1) falls to it monotonically.  The root lies
    between min(0, ell), where f <= 1, and max(0, ell), and below every pole l_i + 1 / (eta_i p_i): the upper end
    starts at the least of these (and the first point at the bracket's midpoint when a pole cuts it, for the root
    can sit near 1 / eta, far below ell, where halving from ell would take ~log2(eta ell) steps to pass the pole);
    a point where f <= 1 moves the lower end, and a point
    past a pole (a denominator <= 0) or a Newton step outside the bracket is replaced by the midpoint
    (bisection) until a right-hand start is found.  The probabilities at the best point found (the one
    with the sum nearest one) are rescaled to sum to one.
    """
    if ell == 0.0:
        return
    low = min(0.0, ell)
    top = max(0.0, ell)
    high = top
    for i in range(m):  # the root lies below every pole: one where a denominator reaches 0
        loss = ell if i == chosen else 0.0
        high = min(high, loss + 1.0 / p[i] / eta[i])
    x = high if high == top else 0.5 * (low + high)
    best = low  # f(low) <= 1 with every denominator positive
    best_gap = math.inf
    for _ in range(ROOT_STEPS):
        total = 0.0
        slope = 0.0
        positive = True
        for i in range(m):
            loss = ell if i == chosen else 0.0
            denominator = 1.0 / p[i] + eta[i] * (loss - x)
            if denominator <= 0.0:
                positive = False
                break
            total += 1.0 / denominator
            slope += eta[i] / (denominator * denominator)
        if positive:
            if abs(total - 1.0) < best_gap:
                best = x
                best_gap = abs(total - 1.0)
            if total <= 1.0:
                low = x
            else:
                high = x
            if best_gap <= 1e-15:
                break
            step = x - (total - 1.0) / slope
        else:
            high = x
            step = 0.5 * (low + high)
        if not (low < step < high):
            step = 0.5 * (low + high)
        if step <= low or step >= high:
            break  # the bracket is one ulp wide
        x = step
    total = 0.0
    for i in range(m):
        loss = ell if i == chosen else 0.0
        p[i] = 1.0 / (1.0 / p[i] + eta[i] * (loss - best))
        total += p[i]
    for i in range(m):
        p[i] /= total


@kernel
def base_round(state, m, i, t, weighted):
    """The round base i is at: the engine's t when every base runs every round (importance weighted), else
    the number of rounds it has been followed."""
    if weighted:
        return t
    return int(state[_P + 4 * m + i])


def _dispatch(functions, arity):
    """A kernel ``f(kind, *args)`` that calls ``functions[kind](*args)`` (``arity`` arguments: 3 for init, 6 for
    act, 7 for update): one branch per base type, chained."""
    first = functions[0]
    rest = _dispatch(functions[1:], arity) if len(functions) > 1 else None
    if arity == 3:
        if rest is None:
            @kernel
            def only3(kind, a, b, c):
                first(a, b, c)
            return only3

        @kernel
        def branch3(kind, a, b, c):
            if kind == 0:
                first(a, b, c)
            else:
                rest(kind - 1, a, b, c)
        return branch3
    if arity == 6:
        if rest is None:
            @kernel
            def only6(kind, a, b, c, d, e, f):
                first(a, b, c, d, e, f)
            return only6

        @kernel
        def branch6(kind, a, b, c, d, e, f):
            if kind == 0:
                first(a, b, c, d, e, f)
            else:
                rest(kind - 1, a, b, c, d, e, f)
        return branch6
    if rest is None:
        @kernel
        def only7(kind, a, b, c, d, e, f, g):
            first(a, b, c, d, e, f, g)
        return only7

    @kernel
    def branch7(kind, a, b, c, d, e, f, g):
        if kind == 0:
            first(a, b, c, d, e, f, g)
        else:
            rest(kind - 1, a, b, c, d, e, f, g)
    return branch7


def _configurations(bases):
    """(learner type, values) of every base: each configuration of each given learner."""
    if not bases:
        raise ParameterError("corral", "bases", "none", "at least one learner (olearn.make(...)), e.g. two or more")
    out = []
    for b in bases:
        if isinstance(b, str):
            from olearn.learners import make  # noqa: PLC0415

            b = make(b)
        if not isinstance(b, Learner):
            raise ParameterError("corral", "bases", repr(b), "learners made with olearn.make(...) or registered names")
        t = b.type
        if t.kind != "arms" or t.feedback != "bandit" or t.sleeping:
            raise ParameterError("corral", "bases", t.name, "bandit learners of kind 'arms' (not full-information, "
                                 f"sleeping or oco learners): {t.name!r} is of kind {t.kind!r} with {t.feedback!r} feedback"
                                 + (", sleeping" if t.sleeping else ""))
        out.extend((t, dict(cfg)) for cfg in b.configs)
    return out


def corral(*bases, name: str = "corral", summary: str = "", reference: str = "") -> LearnerType:
    """CORRAL over ``bases`` (learners from ``olearn.make``; every configuration of a grid is one base), as a
    learner type: ``corral(olearn.make("ucb1"), olearn.make("exp3")).make()``, or ``.make(eta=..., base_loss=...)``."""
    configs = _configurations(bases)
    types = []
    for t, _ in configs:
        if all(t is not u for u in types):
            types.append(t)
    kinds = [next(j for j, u in enumerate(types) if u is t) for t, _ in configs]
    m = len(configs)
    a_dim = max(t.action_dim for t, _ in configs)
    init_base = _dispatch([t.init for t in types], 3)
    act_base = _dispatch([t.act for t in types], 6)
    update_base = _dispatch([t.update for t in types], 7)

    def _sizes(k, d):
        return [int(t.state_size(v, k, d)) for t, v in configs]

    def _state_size(v, k, d):
        return _P + 5 * m + m * a_dim + sum(_sizes(k, d))

    def _row(v, k, d, horizon):
        for t, values in configs:
            if values.get("n_arms") is not None and values["n_arms"] != k:
                raise ParameterError(name, "n_arms", values["n_arms"], f"{k}, the number of arms (base {t.name!r} was made with n_arms={values['n_arms']})")
        log_t = max(math.log(max(horizon, 1)), 1.0)
        eta = v["eta"] if v["eta"] is not None else math.sqrt(m * log_t / horizon)
        rows = [[float(x) for x in t.row(values, k, d, horizon)] for t, values in configs]
        head = [k, m, eta, 1.0 / horizon, math.exp(1.0 / log_t), float(v["base_loss"] == "importance_weighted"), a_dim]
        start = _P + 5 * m + m * a_dim
        at = len(head) + _DESC * m
        desc = []
        for kind, size, r in zip(kinds, _sizes(k, d), rows):
            desc += [kind, start, start + size, at, at + len(r)]
            start += size
            at += len(r)
        return head + desc + [x for r in rows for x in r]

    @kernel
    def init(state, params, seed):
        """p = pbar = 1 / M, every rate eta, rho = 2 M, then every base's own start."""
        for i in range(state.size):
            state[i] = 0.0
        m_ = int(params[_M])
        for i in range(m_):
            state[_P + i] = 1.0 / m_
            state[_P + m_ + i] = 1.0 / m_
            state[_P + 2 * m_ + i] = params[_ETA]
            state[_P + 3 * m_ + i] = 2.0 * m_
        for i in range(m_):
            d = _BASES + _DESC * i
            init_base(int(params[d]), state[int(params[d + 1]) : int(params[d + 2])], params[int(params[d + 3]) : int(params[d + 4])],
                      base_seed(seed, i))

    @kernel
    def act(state, params, obs, t, seed, action):
        """Draw i_t ~ pbar; the followed base acts (every base, when importance weighted); play its arm."""
        m_ = int(params[_M])
        width = int(params[_ADIM])
        acts = _P + 5 * m_
        chosen = rng.categorical(seed, FOLLOW, t, 0, state[_P + m_ : _P + 2 * m_], m_)
        state[_CHOSEN] = chosen
        weighted = params[_WEIGHTED] > 0.0
        for i in range(m_):
            if weighted or i == chosen:
                d = _BASES + _DESC * i
                act_base(int(params[d]), state[int(params[d + 1]) : int(params[d + 2])], params[int(params[d + 3]) : int(params[d + 4])],
                         obs, base_round(state, m_, i, t, weighted), base_seed(seed, i), state[acts + i * width : acts + (i + 1) * width])
        action[0] = state[acts + chosen * width]

    @kernel
    def update(state, params, obs, action, feedback, t, seed):
        """Feed the bases, take the log-barrier step on f_t / pbar_{i_t} e_{i_t}, mix, raise the rates of new lows."""
        m_ = int(params[_M])
        width = int(params[_ADIM])
        acts = _P + 5 * m_
        chosen = int(state[_CHOSEN])
        pbar = state[_P + m_ + chosen]
        ell = feedback[0] / pbar
        weighted = params[_WEIGHTED] > 0.0
        for i in range(m_):
            if weighted or i == chosen:
                d = _BASES + _DESC * i
                state[_LOSS] = (ell if i == chosen else 0.0) if weighted else feedback[0]
                update_base(int(params[d]), state[int(params[d + 1]) : int(params[d + 2])], params[int(params[d + 3]) : int(params[d + 4])],
                            obs, state[acts + i * width : acts + (i + 1) * width], state[_LOSS : _LOSS + 1],
                            base_round(state, m_, i, t, weighted), base_seed(seed, i))
        state[_P + 4 * m_ + chosen] += 1.0
        log_barrier_step(state[_P : _P + m_], state[_P + 2 * m_ : _P + 3 * m_], m_, chosen, ell)
        gamma = params[_GAMMA]
        for i in range(m_):
            q = (1.0 - gamma) * state[_P + i] + gamma / m_
            state[_P + m_ + i] = q
            if 1.0 / q > state[_P + 3 * m_ + i]:
                state[_P + 3 * m_ + i] = 2.0 / q
                state[_P + 2 * m_ + i] *= params[_BETA]

    base_names = ", ".join(f"{t.name}({', '.join(f'{k}={v}' for k, v in values.items() if v is not None and k != 'n_arms')})"
                           for t, values in configs)
    return LearnerType(
        name=name,
        summary=summary or f"CORRAL over {m} bases: {base_names}",
        reference=reference or "Agarwal, Luo, Neyshabur and Schapire (COLT 2017), CORRAL (log-barrier OMD with increasing "
        "rates); observed base losses: Pacchiano et al. (NeurIPS 2020), Stochastic CORRAL",
        feedback="bandit",
        params=(bandits.N_ARMS,
                Param("eta", None, "the master's initial rate; None: sqrt(M ln T / T)", low=0.0, open_low=True, optional=True),
                Param("base_loss", "observed", "what the bases learn from: 'observed' (the followed base, its loss) or "
                      "'importance_weighted' (every base, f / pbar when followed, else 0)", kind="choice", choices=BASE_LOSS)),
        state_size=_state_size,
        row=_row,
        init=init,
        act=act,
        update=update,
        delayable=False,
        test_params=({}, {"eta": 0.5, "base_loss": "importance_weighted"}),
    )


CORRAL = corral(bandits.UCB1.make(), bandits.THOMPSON.make(), bandits.EXP3.make(), name="corral",
                summary="CORRAL over UCB1, Thompson sampling and EXP3 (olearn.learners.corral builds it over any bandit learners)")

LEARNERS = (CORRAL,)
