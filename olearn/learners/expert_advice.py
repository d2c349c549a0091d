"""Contextual bandits with expert advice: Exp4 (bandit feedback, K arms, N experts).

``exp4``: Exp4 of Auer, Cesa-Bianchi, Freund and Schapire (SIAM J. Comput. 32(1), 2002, "The
nonstochastic multiarmed bandit problem", section 7), in the loss form and with the step size of
Lattimore and Szepesvari, Bandit Algorithms (2020), chapter 18 (Exp4 without uniform mixing):

    Q_t(n) ∝ exp(-eta Lhat_n),                      Lhat_n = sum_{s < t} Yhat_s(n),
    P_t(k) = sum_n Q_t(n) E_t(n, k),                A_t ~ P_t,
    Xhat_t(k) = 1{A_t = k} loss_t / P_t(k),          Yhat_t(n) = sum_k E_t(n, k) Xhat_t(k),

with eta = sqrt(2 ln N / (T K)), for which the regret against the best expert in hindsight is at most
sqrt(2 T K ln N) (Lattimore and Szepesvari, Theorem 18.1) for losses in [0, 1].

The experts are data.  ``policies`` is an (N K) x m matrix W: with the round's feature vector x (the
context ``obs[0..d)``; the single feature 1 on a world without contexts, ``obs_dim = 0``, so m = d, or
1 there), expert n scores arm k by W[n K + k] . x and advises the argmax (the lowest index on ties):
E_t(n, k) = 1 for that arm, 0 for the others.  A linear policy argmax_k theta_k . x is the block
theta (K x d) of W.  ``policies=None`` gives the N = K constant experts (expert k always advises
arm k), where P = Q and Yhat = Xhat: Exp4 is then Exp3 (``exp3``) step for step.

>>> import olearn, environments
>>> env = environments.make("linear_contextual", theta=[[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
>>> best = [[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]]    # expert 0: the best policy argmax_k theta_k . x
>>> worst = [[-1.0, 0.0], [0.0, -1.0], [0.6, 0.8]]   # expert 1: the worst one
>>> r = olearn.run(olearn.make("exp4", policies=best + worst), env, horizon=50, seeds=2, backend="python", trace=True)
>>> r.actions.shape
(1, 2, 50)
"""
import math

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, draw_reported, exponential_weights, zero_init

#: params: [K, eta, N, d, policies given (0/1), W ((N K) x m, row-major) when given], m = max(d, 1)
POLICIES_AT = 5
# state: Lhat[N] | Q[N] (this round's expert weights) | P[K] (this round's arm probabilities)


@kernel
def advice(params, obs, n):
    """The arm expert n advises: argmax_k W[n K + k] . x (lowest index on ties), x = obs[0..d) (or (1) when
    d = 0); without policies, expert n advises arm n."""
    k_arms = int(params[0])
    if params[4] == 0.0:
        return n
    d = int(params[3])
    m = max(d, 1)
    arm = 0
    best = -math.inf
    for k in range(k_arms):
        at = POLICIES_AT + (n * k_arms + k) * m
        score = 0.0
        for j in range(m):
            score += params[at + j] * (obs[j] if d > 0 else 1.0)
        if score > best:
            best = score
            arm = k
    return arm


@kernel
def exp4_act(state, params, obs, t, seed, action):
    """Q ∝ exp(-eta Lhat) over the experts, P(k) = sum of Q(n) over the experts advising k; draw A ~ P and
    report P(A)."""
    k_arms = int(params[0])
    n_experts = int(params[2])
    weights = state[n_experts : 2 * n_experts]
    probs = state[2 * n_experts : 2 * n_experts + k_arms]
    exponential_weights(state, params[1], weights, n_experts)
    for k in range(k_arms):
        probs[k] = 0.0
    for n in range(n_experts):
        a = advice(params, obs, n)
        probs[a] += weights[n]
    draw_reported(probs, k_arms, seed, t, action)


@kernel
def exp4_update(state, params, obs, action, feedback, t, seed):
    """Yhat(n) = loss / P(A) for every expert n that advised A at this round's context, 0 for the others;
    Lhat += Yhat (P(A) recorded with the action, the advice recomputed from obs, so delays are safe)."""
    n_experts = int(params[2])
    a = int(action[0])
    estimate = feedback[0] / action[1]
    for n in range(n_experts):
        if advice(params, obs, n) == a:
            state[n] += estimate


def n_experts(v, k: int) -> int:
    """N: the rows of ``policies`` over K, or K without policies."""
    return k if v["policies"] is None else v["policies"].shape[0] // k


def _exp4_row(v, k, d, horizon):
    w = v["policies"]
    m = max(d, 1)
    if w is not None:
        if w.shape[0] % k != 0:
            raise ParameterError("exp4", "policies", f"a {w.shape[0]} x {w.shape[1]} matrix",
                                 f"a matrix of N * {k} rows (K = {k} arms: one row per arm for each of N experts)")
        if w.shape[1] != m:
            where = f"the context dimension d = {d}" if d > 0 else "one feature, the constant 1, on a world without contexts"
            raise ParameterError("exp4", "policies", f"a {w.shape[0]} x {w.shape[1]} matrix", f"{m} columns: {where}")
    n = n_experts(v, k)
    eta = v["eta"] if v["eta"] is not None else math.sqrt(2.0 * math.log(n) / (horizon * k))
    return [k, eta, n, d, 0.0 if w is None else 1.0] + ([] if w is None else w.ravel().tolist())


EXP4 = LearnerType(
    name="exp4",
    summary="Exp4: exponential weights Q ∝ exp(-eta Lhat) over N experts' advice, arm A ~ P = sum_n Q_n E_n, "
    "Lhat_n += E_n(A) loss / P(A)",
    reference="Auer, Cesa-Bianchi, Freund and Schapire (SIAM J. Comput. 2002), The nonstochastic multiarmed bandit "
    "problem, Exp4; Lattimore and Szepesvari (2020), Bandit Algorithms, ch. 18: eta = sqrt(2 ln N / (T K)), no "
    "uniform mixing, regret against the best expert <= sqrt(2 T K ln N)",
    feedback="bandit",
    params=(
        N_ARMS,
        Param("policies", None, "the experts, (N K) x d: expert n advises argmax_k W[n K + k] . x (x the context, or "
              "the single feature 1 without one); None: the K constant experts (Exp4 is then Exp3)", kind="matrix",
              optional=True),
        Param("eta", None, "learning rate; None: sqrt(2 ln N / (T K))", low=0.0, optional=True),
    ),
    state_size=lambda v, k, d: 2 * n_experts(v, k) + k,  # Lhat[N], Q[N], P[K]
    row=_exp4_row,
    init=zero_init,
    act=exp4_act,
    update=exp4_update,
    action_dim=2,  # arm, and its probability P(A) (importance weights under delays, off-policy logs)
    test_params=({}, {"eta": 0.3, "policies": [[1.0], [0.0], [0.0], [0.0], [0.0], [0.0], [2.0], [2.0],
                                              [0.0], [0.0], [0.0], [0.0]]}),
)

LEARNERS = (EXP4,)
