"""Bandits with graph-structured feedback (side observations).

K arms and a fixed, known directed feedback graph G (Mannor and Shamir, NeurIPS 2011): playing arm i
reveals the loss of every arm j with G[i, j] = 1, its out-neighbourhood N_out(i).  Self-loops are added
(G[i, i] = 1: the learner always sees its own loss), so every graph here is strongly observable.  The
empty graph (self-loops only) is the bandit problem, the complete graph the experts problem.  Regret is
the usual regret of the played arm.  The difficulty lies in between: the independence number alpha(G) of
the graph (the largest set of arms no two of which observe each other, edges taken in either direction)
replaces K in the bandit rate sqrt(K T ln K).

Engine contract: both learners declare ``feedback="full"`` (the engine hands them the loss of every arm
each round; the engine knows nothing of the graph) but their kernels read ``feedback[j]`` only for j in
N_out(I_t), the played arm's out-neighbours.  ``tests/test_graph_feedback.py`` checks this by changing the
losses of the unobserved arms of every round and finding the same trajectory, bit for bit.

Both learners need the probability p_t(j) of every arm at update time (o_i below), which act leaves in
the state, so feedback must not be delayed (``delayable=False``).

exp3_ix_graph -- Exp3-IX with side observations (Kocák, Neu, Valko and Munos, NeurIPS 2014, Efficient
learning by implicit exploration in bandit problems with side observations, Algorithm 1):

    p_t(i) = exp(-eta Lhat_i) / sum_j exp(-eta Lhat_j),     o_t(i) = sum_{j : G[j, i] = 1} p_t(j),
    lhat_t(i) = l_t(i) 1{G[I_t, i] = 1} / (o_t(i) + gamma),   Lhat_i += lhat_t(i).

Their Theorem 1: R_T <= ln K / eta + (eta / 2 + gamma) sum_t E[Q_t], Q_t = sum_i p_t(i) / (o_t(i) + gamma),
and their Lemma 1: Q_t <= 2 alpha ln(1 + (ceil(K^2 / gamma) + K) / alpha) + 2.  With a known horizon T the
default is eta = 2 gamma = sqrt(2 ln K / (alpha T)): Neu's (2015) tuning of ``exp3_ix`` with alpha in place of
K, balancing ln K / eta against eta sum_t Q_t with Q_t of order alpha (Lemma 1 up to its logarithm).  On the
empty graph (alpha = K) it is ``exp3_ix``'s default, and the learner is then ``exp3_ix`` round for round; on the complete
graph (alpha = 1, o = 1) it is Hedge on the losses l / (1 + gamma).  The state keeps sum_t Q_t.

exp3_graph -- Exp3.G (Alon, Cesa-Bianchi, Dekel and Koren, COLT 2015, Online learning with feedback graphs:
beyond bandits, Algorithm 1):

    q_t(i) = exp(-eta Lhat_i) / sum_j exp(-eta Lhat_j),    p_t = (1 - gamma) q_t + gamma u,
    lhat_t(i) = l_t(i) 1{G[I_t, i] = 1} / P_t(i),          P_t(i) = sum_{j : G[j, i] = 1} p_t(j),

u uniform over an exploration set U: a dominating set of G (every arm observed by some arm of U; found
greedily, ``exploration="dominating"``, the default) or all arms (``"all"``, U = V as in their Theorem 2
for strongly observable graphs).  Step sizes of their Theorem 2: gamma = min{(alpha T)^(-1/2), 1/2},
eta = 2 gamma.  With exp(-x) <= 1 - x + x^2 / 2 for x >= 0, E_t[lhat(i)] = l(i) and E_t[lhat(i)^2] <= 1 / P_t(i),
p . l <= q . l + gamma and q <= p / (1 - gamma), the expected regret is at most

    gamma T + ln K / eta + eta / (2 (1 - gamma)) sum_t E[sum_i p_t(i) / P_t(i)],

and since P_t(i) >= gamma / |U| and P_t(i) >= p_t(i), Kocák et al.'s Lemma 1 (with c = gamma / |U|) bounds
the inner sum by 2 (2 alpha ln(1 + (ceil(K^2 |U| / gamma) + K) / alpha) + 2).  The state keeps
sum_t sum_i p_t(i) / P_t(i).  With gamma = 0 the learner is ``exp3`` on the empty graph and Hedge on the
complete one.

Graph quantities are computed in the shell, never in a kernel: alpha exactly for K <= EXACT_ALPHA_UP_TO
(branching on a maximum-degree vertex, a vertex of degree <= 1 taken outright), above that the size of a
greedy clique cover, an upper bound on alpha (a clique holds at most one arm of an independent set), which
only makes the default step sizes smaller.

Six arms in two cliques of three (alpha = 2), one arm better by 0.2, against bandit feedback (graph=None):

>>> import numpy as np, olearn, environments
>>> two_cliques = np.kron(np.eye(2), np.ones((3, 3)))
>>> independence_number(feedback_graph("example", two_cliques, 6))
(2, True)
>>> world = environments.make("lower_bound", n_arms=6, gap=0.2)
>>> for graph in (two_cliques, None):
...     run = olearn.run(olearn.make("exp3_ix_graph", graph=graph), world, horizon=500, seeds=8, backend="python",
...                      metrics=["pseudo_regret"])
...     print(round(float(run.final("pseudo_regret").mean()), 1))
38.1
55.1
"""
import functools
import math

import numpy as np

from olearn.core.errors import ParameterError, check_integer, check_range
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported, exponential_weights, zero_init

#: alpha(G) is computed exactly up to this many arms; above, bounded by a greedy clique cover
EXACT_ALPHA_UP_TO = 32
#: where the adjacency matrix starts in the parameter row ([K, eta, gamma, G row by row, ...])
GRAPH_AT = 3

GRAPH = Param("graph", None, "feedback graph, K x K with entries 0 or 1: graph[i, j] = 1 when playing arm i reveals "
              "the loss of arm j (self-loops added); None: self-loops only (bandit feedback)", kind="matrix", low=0.0,
              high=1.0, optional=True)


# ---------------------------------------------------------------- graph quantities (shell)


def feedback_graph(owner: str, graph, n_arms: int) -> np.ndarray:
    """The K x K 0/1 adjacency as a bool array with self-loops added, or a ParameterError naming ``graph``."""
    if graph is None:
        return np.eye(n_arms, dtype=bool)
    g = np.asarray(graph, dtype=float)
    if g.shape != (n_arms, n_arms) or not np.all((g == 0.0) | (g == 1.0)):
        raise ParameterError(owner, "graph", graph, f"a {n_arms} x {n_arms} matrix (the number of arms) of 0s and 1s, "
                             "graph[i, j] = 1 when playing i reveals the loss of j")
    return (g == 1.0) | np.eye(n_arms, dtype=bool)


def _neighbour_masks(adjacency) -> list[int]:
    """Undirected neighbourhoods as bit masks: j ~ i when i observes j or j observes i (i itself left out)."""
    a = np.asarray(adjacency, dtype=bool)
    sym = (a | a.T) & ~np.eye(a.shape[0], dtype=bool)
    return [sum(1 << int(j) for j in np.flatnonzero(row)) for row in sym]


def _largest_independent(mask: int, nb: tuple, memo: dict) -> int:
    """Size of a largest independent set within the vertices of ``mask`` (exact)."""
    if mask == 0:
        return 0
    if mask in memo:
        return memo[mask]
    low_v, low_d, high_v, high_d = -1, math.inf, -1, -1
    rest = mask
    while rest:
        v = (rest & -rest).bit_length() - 1
        rest &= rest - 1
        d = (nb[v] & mask).bit_count()
        if d < low_d:
            low_v, low_d = v, d
        if d > high_d:
            high_v, high_d = v, d
    if low_d <= 1:  # some largest independent set holds a vertex of degree <= 1: take it
        best = 1 + _largest_independent(mask & ~(1 << low_v) & ~nb[low_v], nb, memo)
    else:  # a largest independent set leaves out high_v, or holds it and none of its neighbours
        best = max(_largest_independent(mask & ~(1 << high_v), nb, memo),
                   1 + _largest_independent(mask & ~(1 << high_v) & ~nb[high_v], nb, memo))
    memo[mask] = best
    return best


def greedy_clique_cover(adjacency) -> int:
    """The number of cliques of a greedy cover of the undirected graph (vertices by decreasing degree, each into
    the first clique it is adjacent to in full, else a new one): an upper bound on alpha."""
    nb = _neighbour_masks(adjacency)
    order = sorted(range(len(nb)), key=lambda v: (-nb[v].bit_count(), v))
    cliques: list[int] = []
    for v in order:
        for c, members in enumerate(cliques):
            if members & nb[v] == members:
                cliques[c] = members | (1 << v)
                break
        else:
            cliques.append(1 << v)
    return len(cliques)


@functools.lru_cache(maxsize=256)
def _alpha_cached(n: int, packed: bytes) -> tuple[int, bool]:
    adjacency = np.frombuffer(packed, dtype=bool).reshape(n, n)
    if n > EXACT_ALPHA_UP_TO:
        return greedy_clique_cover(adjacency), False
    nb = tuple(_neighbour_masks(adjacency))
    return _largest_independent((1 << n) - 1, nb, {}), True


def independence_number(adjacency) -> tuple[int, bool]:
    """(alpha, exact): the independence number of the graph with edges taken in either direction, exactly for
    K <= EXACT_ALPHA_UP_TO arms; above, a greedy clique cover's size (an upper bound on alpha) and exact=False."""
    a = np.ascontiguousarray(np.asarray(adjacency, dtype=bool))
    return _alpha_cached(a.shape[0], a.tobytes())


def greedy_dominating_set(adjacency) -> list[int]:
    """A dominating set: arms whose out-neighbourhoods (self included) cover every arm, picked greedily (each time
    the arm that observes the most arms not yet observed, the lowest index on ties); sorted."""
    a = np.asarray(adjacency, dtype=bool) | np.eye(len(adjacency), dtype=bool)
    covered = np.zeros(a.shape[0], dtype=bool)
    chosen = []
    while not covered.all():
        gains = (a & ~covered).sum(axis=1)
        v = int(np.argmax(gains))
        chosen.append(v)
        covered |= a[v]
    return sorted(chosen)


def _alpha(owner: str, v, k) -> int:
    return independence_number(feedback_graph(owner, v["graph"], k))[0]


# ---------------------------------------------------------------- Exp3-IX with side observations


@kernel
def observation_probability(params, probs, k_arms, i):
    """sum_{j : G[j, i] = 1} p(j): the probability that arm i's loss is seen (G from the parameter row)."""
    seen = 0.0
    for j in range(k_arms):
        if params[GRAPH_AT + j * k_arms + i] > 0.0:
            seen += probs[j]
    return seen


@kernel
def observed_estimates(state, params, action, feedback, shift):
    """For every arm i observed by the played arm a (G[a, i] = 1): Lhat_i += l_i / (P_i + shift), P_i the probability
    that i is seen (:func:`observation_probability`); reads no other loss.  sum_i p_i / (P_i + shift) is added to
    state[2K].  shift = gamma is Exp3-IX's implicit exploration, shift = 0 Exp3.G's plain importance weight."""
    k_arms = int(params[0])
    a = int(action[0])
    probs = state[k_arms : 2 * k_arms]
    spread = 0.0
    for i in range(k_arms):
        seen = observation_probability(params, probs, k_arms, i) + shift
        if probs[i] > 0.0:
            spread += probs[i] / seen
        if params[GRAPH_AT + a * k_arms + i] > 0.0:
            state[i] += feedback[i] / seen
    state[2 * k_arms] += spread


@kernel
def exp3_ix_graph_update(state, params, obs, action, feedback, t, seed):
    """:func:`observed_estimates` with shift gamma: Lhat_i += l_i / (o_i + gamma) for the arms i the played arm
    observes; Q_t = sum_i p_i / (o_i + gamma) is added to state[2K]."""
    observed_estimates(state, params, action, feedback, params[2])


@kernel
def exp3_ix_graph_act(state, params, obs, t, seed, action):
    """p ∝ exp(-eta Lhat), left in state[K:2K]; the arm and its probability (stream LEARNER, index 0, as exp3)."""
    k_arms = int(params[0])
    probs = state[k_arms : 2 * k_arms]
    exponential_weights(state, params[1], probs, k_arms)
    draw_reported(probs, k_arms, seed, t, action)


def _graph_row(owner: str, v, k) -> list[float]:
    return feedback_graph(owner, v["graph"], k).astype(np.float64).ravel().tolist()


def _exp3_ix_graph_row(v, k, d, horizon):
    if v["eta"] is not None:
        eta = v["eta"]
    else:
        eta = math.sqrt(2.0 * math.log(k) / (_alpha("exp3_ix_graph", v, k) * horizon))
    gamma = v["gamma"] if v["gamma"] is not None else eta / 2.0
    return [k, eta, gamma] + _graph_row("exp3_ix_graph", v, k)


EXP3_IX_GRAPH = LearnerType(
    name="exp3_ix_graph",
    summary="Exp3-IX with side observations: p ∝ exp(-eta Lhat), Lhat_i += l_i 1{i seen} / (o_i + gamma), "
    "o_i = sum of p_j over the arms j that observe i",
    reference="Kocák, Neu, Valko and Munos (NeurIPS 2014), Efficient learning by implicit exploration in bandit problems "
    "with side observations, Thm 1: R_T <= ln K / eta + (eta/2 + gamma) sum_t E[Q_t], Q_t <= 2 alpha ln(1 + "
    "(ceil(K^2/gamma) + K)/alpha) + 2 (Lemma 1); eta = 2 gamma = sqrt(2 ln K / (alpha T))",
    feedback="full",  # reads only the losses of the played arm's out-neighbours (see the module docstring)
    params=(N_ARMS, GRAPH,
            Param("eta", None, "learning rate; None: sqrt(2 ln K / (alpha T)), alpha the graph's independence number",
                  low=0.0, optional=True),
            Param("gamma", None, "implicit exploration; None: eta / 2", low=0.0, optional=True)),
    state_size=lambda v, k, d: 2 * k + 1,  # Lhat[k], the probabilities p[k] of this round, sum_t Q_t
    row=_exp3_ix_graph_row,
    init=zero_init,
    act=exp3_ix_graph_act,
    update=exp3_ix_graph_update,
    action_dim=2,  # arm, and its probability
    delayable=False,  # the update reads every arm's probability, left in the state by act
    # the registry-wide checks run on worlds of 4 and 6 arms, so a fixed graph cannot be given here; python == cpu with
    # side observations is checked in tests/test_graph_feedback.py
    test_params=({}, {"eta": 0.5, "gamma": 0.1}),
)

# ---------------------------------------------------------------- Exp3.G


@kernel
def exp3_graph_act(state, params, obs, t, seed, action):
    """q ∝ exp(-eta Lhat), then p = (1 - gamma) q + gamma u (u from the parameter row), left in state[K:2K]."""
    k_arms = int(params[0])
    gamma = params[2]
    u_at = GRAPH_AT + k_arms * k_arms
    probs = state[k_arms : 2 * k_arms]
    exponential_weights(state, params[1], probs, k_arms)
    for i in range(k_arms):
        probs[i] = (1.0 - gamma) * probs[i] + gamma * params[u_at + i]
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def exp3_graph_update(state, params, obs, action, feedback, t, seed):
    """:func:`observed_estimates` with shift 0: Lhat_i += l_i / P_i, P_i = sum_{j : G[j, i] = 1} p_j, for the arms i
    the played arm observes; sum_i p_i / P_i is added to state[2K]."""
    observed_estimates(state, params, action, feedback, 0.0)


def exploration_set(v, k) -> list[int]:
    """The arms exp3_graph's exploration is uniform over: a greedy dominating set, or every arm."""
    if v["exploration"] == "all":
        return list(range(k))
    return greedy_dominating_set(feedback_graph("exp3_graph", v["graph"], k))


def _exp3_graph_row(v, k, d, horizon):
    if v["gamma"] is not None:
        gamma = v["gamma"]
    else:
        gamma = min(math.sqrt(1.0 / (_alpha("exp3_graph", v, k) * horizon)), 0.5)
    eta = v["eta"] if v["eta"] is not None else 2.0 * gamma
    explored = exploration_set(v, k)
    u = [1.0 / len(explored) if i in explored else 0.0 for i in range(k)]
    return [k, eta, gamma] + _graph_row("exp3_graph", v, k) + u


EXP3_GRAPH = LearnerType(
    name="exp3_graph",
    summary="Exp3.G: p = (1 - gamma) q + gamma u, q ∝ exp(-eta Lhat), u uniform over a dominating set, "
    "Lhat_i += l_i 1{i seen} / P_i, P_i = sum of p_j over the arms j that observe i",
    reference="Alon, Cesa-Bianchi, Dekel and Koren (COLT 2015), Online learning with feedback graphs: beyond bandits, "
    "Algorithm 1 and Thm 2 (strongly observable): gamma = min{(alpha T)^(-1/2), 1/2}, eta = 2 gamma, "
    "regret O(sqrt(alpha T) ln(K T))",
    feedback="full",  # reads only the losses of the played arm's out-neighbours (see the module docstring)
    params=(N_ARMS, GRAPH,
            Param("eta", None, "learning rate; None: 2 gamma", low=0.0, optional=True),
            Param("gamma", None, "exploration rate; None: min{(alpha T)^(-1/2), 1/2}, alpha the graph's independence "
                  "number", low=0.0, high=1.0, optional=True),
            Param("exploration", "dominating", "the set explored uniformly: a greedy dominating set of the graph, or all arms",
                  kind="choice", choices=("dominating", "all"))),
    state_size=lambda v, k, d: 2 * k + 1,  # Lhat[k], the probabilities p[k] of this round, sum_t sum_i p_i / P_i
    row=_exp3_graph_row,
    init=zero_init,
    act=exp3_graph_act,
    update=exp3_graph_update,
    action_dim=2,  # arm, and its probability
    delayable=False,  # the update reads every arm's probability, left in the state by act
    test_params=({}, {"eta": 0.5, "gamma": 0.2}),  # graph None: see exp3_ix_graph's
)

LEARNERS = (EXP3_IX_GRAPH, EXP3_GRAPH)


# ---------------------------------------------------------------- the bounds, for given rates (shell)


def _bound_args(owner: str, horizon, n_arms, alpha, explored, eta, gamma, gamma_high: float, total, total_name: str) -> tuple:
    """(T, K, alpha, |U|, eta, gamma, total) for the bound functions, or a ParameterError naming the first bad one:
    T, K integers >= 1, alpha and |U| (``explored``, skipped when None) integers in [1, K], eta finite and > 0,
    gamma in [0, ``gamma_high``) and > 0 when the sum ``total`` is not given (the closed form divides by gamma),
    ``total`` finite and >= 0, or None."""
    horizon = check_integer(owner, "horizon", horizon, 1)
    n_arms = check_integer(owner, "n_arms", n_arms, 1)
    alpha = check_integer(owner, "alpha", alpha, 1, n_arms, "the independence number, at most n_arms")
    if explored is not None:
        explored = check_integer(owner, "explored", explored, 1, n_arms, "|U|, the arms explored uniformly")
    eta = check_range(owner, "eta", eta, 0.0, open_low=True)
    if total is None:
        gamma = check_range(owner, "gamma", gamma, 0.0, gamma_high, open_low=True, open_high=gamma_high < math.inf,
                            allowed=("a finite number > 0" if gamma_high == math.inf else f"a number in (0, {gamma_high:g})")
                            + f" (0 only with {total_name} given: the closed form divides by gamma)")
    else:
        gamma = check_range(owner, "gamma", gamma, 0.0, gamma_high, open_high=gamma_high < math.inf)
        total = check_range(owner, total_name, total, 0.0, allowed="a finite number >= 0, or None")
    return horizon, n_arms, alpha, explored, eta, gamma, total


def exp3_ix_graph_bound(horizon: int, n_arms: int, alpha: int, eta: float, gamma: float, q_sum: float | None = None) -> float:
    """Kocák et al.'s Theorem 1, ln K / eta + (eta / 2 + gamma) sum_t E[Q_t], with sum_t E[Q_t] given (``q_sum``, e.g.
    the mean of the learner's state[2K] over seeds) or bounded by T times their Lemma 1.

    Allowed: ``horizon`` and ``n_arms`` integers >= 1, ``alpha`` an integer in [1, n_arms], ``eta`` > 0, ``gamma`` >= 0
    (> 0 when ``q_sum`` is None), ``q_sum`` >= 0 or None, all finite; otherwise a ParameterError naming the first bad one."""
    horizon, n_arms, alpha, _, eta, gamma, q_sum = _bound_args("exp3_ix_graph_bound", horizon, n_arms, alpha, None, eta,
                                                               gamma, math.inf, q_sum, "q_sum")
    if q_sum is None:
        q_sum = horizon * (2.0 * alpha * math.log(1.0 + (math.ceil(n_arms**2 / gamma) + n_arms) / alpha) + 2.0)
    return math.log(n_arms) / eta + (eta / 2.0 + gamma) * q_sum


def exp3_graph_bound(horizon: int, n_arms: int, alpha: int, explored: int, eta: float, gamma: float,
                     spread_sum: float | None = None) -> float:
    """gamma T + ln K / eta + eta / (2 (1 - gamma)) sum_t E[sum_i p_t(i) / P_t(i)] (the module docstring), with that sum
    given (``spread_sum``, e.g. the mean of the learner's state[2K] over seeds) or bounded by T times
    2 (2 alpha ln(1 + (ceil(K^2 |U| / gamma) + K) / alpha) + 2), |U| = ``explored``.

    Allowed: ``horizon`` and ``n_arms`` integers >= 1, ``alpha`` and ``explored`` integers in [1, n_arms], ``eta`` > 0,
    ``gamma`` in [0, 1) (in (0, 1) when ``spread_sum`` is None), ``spread_sum`` >= 0 or None, all finite; otherwise a
    ParameterError naming the first bad one."""
    horizon, n_arms, alpha, explored, eta, gamma, spread_sum = _bound_args(
        "exp3_graph_bound", horizon, n_arms, alpha, explored, eta, gamma, 1.0, spread_sum, "spread_sum")
    if spread_sum is None:
        spread_sum = horizon * 2.0 * (2.0 * alpha * math.log(1.0 + (math.ceil(n_arms**2 * explored / gamma) + n_arms) / alpha) + 2.0)
    return gamma * horizon + math.log(n_arms) / eta + eta / (2.0 * (1.0 - gamma)) * spread_sum
