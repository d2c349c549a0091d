"""Problem kind ``oco``: online convex optimization over a feasible set X in R^d.

Each round the learner plays a point x_t in X (the action row, ``action_size`` = d, the
environment's dimension, which plays the role of ``n_actions``); the environment draws
f_t ~ D_t (it may look at x_t: adaptive adversaries) and reveals the feedback row

=============  ===========================================================================
slot           meaning
=============  ===========================================================================
0              the loss value f_t(x_t)
1 .. 1+d       the gradient g_t = grad f_t(x_t)
1+d            the loss's model code (:mod:`olearn.engine.models`: what the next slots describe)
2+d            the label y of linear-model losses
3+d .. 3+2d    the example a of linear-model losses, or the vector c of quadratic/linear losses
=============  ===========================================================================

so implicit (proximal) learners can solve their step in closed form.  The feasible set is
revealed as the context, ``obs = [domain code, radius]`` (:mod:`olearn.engine.domains`).

Statistics per seed (``stats`` row): 0 cumulative loss sum_t f_t(x_t); 1 sum_t F_t(x_t);
2 sum_t F_t(u_t) with u_t = argmin_X F_t; 3 path length P_T = sum_{t>=2} ||u_t - u_{t-1}||;
4 sigma^2_{1:T} = sum_t sigma_t^2; 5 Sigma^2_{1:T} = sum_{t>=2} Sigma_t^2; 6 rounds played;
7 rounds whose gradient was not finite; 8 .. 8+d u_{t-1}; 8+d .. 8+d+max(d, 2) scratch (u_t, then
sigma_t^2 and Sigma_t^2); then the
environment's sufficient statistics of sum_t f_t and sum_t F_t (``suff_size``).

Metrics (Chen et al. 2023; Sachs et al. 2022):

* ``loss``: sum_t f_t(x_t);
* ``regret``: sum_t f_t(x_t) - min_{x in X} sum_t f_t(x), the comparator computed by the
  environment's ``best_total`` from its sufficient statistics (exact closed forms, or a stated solver);
* ``pseudo_regret``: sum_t F_t(x_t) - min_{x in X} sum_t F_t(x), F_t = E_{f ~ D_t} f;
* ``dynamic_regret``: sum_t F_t(x_t) - sum_t F_t(u_t), u_t the per-round minimizers;
* ``path_length``: P_T of (u_t);
* ``sigma2``: sigma^2_{1:T}, sigma_t^2 = max_x E ||grad f(x) - grad F_t(x)||^2;
* ``Sigma2``: Sigma^2_{1:T}, Sigma_t^2 = max_x ||grad F_t(x) - grad F_{t-1}(x)||^2 (sum from t = 2);
* ``nonfinite``: rounds whose gradient had a NaN or infinite entry (user-defined losses).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from olearn.core.errors import ParameterError
from olearn.core.kernel import kernel
from olearn.core.params import Param, resolve
from olearn.core.spec import Environment
from olearn.engine import domains
from olearn.engine.loop import no_conclusion

KIND = "oco"
METRICS = ("loss", "regret", "pseudo_regret", "dynamic_regret", "path_length", "sigma2", "Sigma2", "nonfinite")
_HEAD = 8  # stats slots before u_{t-1}

#: learner name -> domain codes it can play on (learners absent here play on every domain)
_DOMAINS_OF: dict[str, tuple[int, ...]] = {}


def require_domains(learner_name: str, codes) -> None:
    """Declare that ``learner_name`` only plays on the domains ``codes`` (checked before a run)."""
    _DOMAINS_OF[learner_name] = tuple(codes)


@kernel
def reveal_domain(state, params, t, seed, obs):
    """The context of every round: obs = [domain code, radius] (params[1], params[2] of the environment row)."""
    obs[0] = params[1]
    obs[1] = params[2]


@kernel
def zero_state(state, params, seed):
    """Every slot starts at zero (an ``init`` for learners, a ``reset`` for environments)."""
    for i in range(state.size):
        state[i] = 0.0


@kernel
def no_model(state, params, m):
    m[0] = 0.0


@dataclass(frozen=True)
class OcoEnvType:
    """An ``oco`` world.  Its row starts ``[d, domain code, radius, ...]``; its kernels are::

        reset(state, params, seed)
        observe(state, params, t, seed, obs)         # reveal_domain
        draw(state, params, x, t, seed)              # draw f_t ~ D_t (D_t may depend on x_t)
        loss_grad(state, params, x, g) -> f_t(x)     # and grad f_t(x) into g
        mean_loss(state, params, x) -> F_t(x)
        round_best(state, params, u) -> F_t(u_t)     # u_t = argmin_X F_t into u
        variances(state, params, t, out)             # out[0] = sigma_t^2, out[1] = Sigma_t^2
        model(state, params, m)                      # the feedback's model slots (code, y, a or c)
        accumulate(state, params, suff)              # add f_t's sufficient statistics
        best_total(params, suff, n, expected) -> min_X sum_t f_t (expected=0) or sum_t F_t (1)
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    n_actions: Callable  # values -> d
    row: Callable
    reset: Callable
    draw: Callable
    loss_grad: Callable
    mean_loss: Callable
    round_best: Callable
    variances: Callable
    accumulate: Callable
    best_total: Callable
    model: Callable = no_model
    suff_size: Callable = lambda values: 0
    observe: Callable = reveal_domain
    state_size: Callable = lambda values: 1
    obs_dim: Callable = lambda values: 2
    max_horizon: Callable = lambda values: None
    has_comparator: bool = True  # best_total is available (static regret)
    has_means: bool = True  # F_t, sigma_t, Sigma_t are known (pseudo and dynamic regret)
    user_defined: bool = False  # records ``nonfinite``
    stationary: bool = False
    kind: str = KIND
    reference: str = ""
    comparator: str = "closed form"  # how best_total is computed
    test_params: tuple = ({},)
    check: Callable | None = None

    def make(self, **values) -> Environment:
        resolved = resolve(self.name, self.params, values)
        if self.check is not None:
            self.check(resolved)
        return Environment(self, resolved)


# ---------------------------------------------------------------- the problem-kind interface


def available_metrics(env) -> tuple[str, ...]:
    t = env.type
    names = ["loss"]
    if t.has_comparator:
        names.append("regret")
    if t.has_means:
        names += ["pseudo_regret", "dynamic_regret", "path_length", "sigma2", "Sigma2"]
    if t.user_defined:
        names.append("nonfinite")
    return tuple(names)


def on_request(env) -> tuple[str, ...]:
    """No metrics beyond the default ones."""
    return ()


def ordered(metrics):
    return tuple(m for m in METRICS if m in metrics)


def metric_columns(metrics, env) -> list[str]:
    return list(ordered(metrics))


def n_stats(env, metrics=()) -> int:
    d = env.n_actions
    return _HEAD + d + max(d, 2) + int(env.type.suff_size(env.values))


def domains_of(learner_name: str) -> tuple[int, ...]:
    """The domain codes ``learner_name`` plays on (every domain unless :func:`require_domains` said otherwise)."""
    return _DOMAINS_OF.get(learner_name, (domains.BALL, domains.BOX, domains.SIMPLEX, domains.FREE))


def check_domain(learner_type, code: int, owner: str = "stepwise", name: str = "domain", value=None) -> None:
    """Refuse a feasible set ``code`` that ``learner_type`` does not play on (:func:`require_domains`)."""
    allowed = domains_of(learner_type.name)
    if code not in allowed:
        raise ParameterError(owner, name, domains.NAMES[code] if value is None else value,
                             f"a feasible set {' or '.join(repr(domains.NAMES[c]) for c in allowed)} "
                             f"(learner {learner_type.name!r} plays only there)")


def action_size(learner_type, env) -> int:
    check_domain(learner_type, int(env.row()[1]), "run", "env", env.name)
    return env.n_actions


def feedback_size(learner_type, env) -> int:
    return 3 + 2 * env.n_actions


def make_interaction(env_type, learner_type, metrics):
    """Kernels ``interact`` (draw f_t, feedback row, statistics) and ``record`` (statistics -> metrics)."""
    e_draw, e_loss_grad, e_mean = env_type.draw, env_type.loss_grad, env_type.mean_loss
    e_best, e_var, e_model = env_type.round_best, env_type.variances, env_type.model
    e_acc, e_total = env_type.accumulate, env_type.best_total
    cols = {m: i for i, m in enumerate(ordered(metrics))}
    c_loss, c_regret, c_pseudo = cols.get("loss", -1), cols.get("regret", -1), cols.get("pseudo_regret", -1)
    c_dynamic, c_path = cols.get("dynamic_regret", -1), cols.get("path_length", -1)
    c_sigma, c_big_sigma, c_bad = cols.get("sigma2", -1), cols.get("Sigma2", -1), cols.get("nonfinite", -1)
    want_comparator = c_regret >= 0 or c_pseudo >= 0
    want_means = env_type.has_means and (c_pseudo >= 0 or c_dynamic >= 0)
    want_round_best = env_type.has_means and (c_dynamic >= 0 or c_path >= 0)
    want_var = env_type.has_means and (c_sigma >= 0 or c_big_sigma >= 0)

    @kernel
    def interact(es, ep, obs, action, t, seed, fb, stats):
        d = int(ep[0])
        e_draw(es, ep, action, t, seed)
        loss = e_loss_grad(es, ep, action, fb[1 : 1 + d])
        fb[0] = loss
        e_model(es, ep, fb[1 + d :])
        for i in range(d):
            if math.isnan(fb[1 + i]) or math.isinf(fb[1 + i]):  # (x - x != 0 warned on the python backend)
                stats[7] += 1.0
                break
        stats[0] += loss
        if want_means:
            stats[1] += e_mean(es, ep, action)
        if want_round_best:
            u = stats[_HEAD + d : _HEAD + 2 * d]
            stats[2] += e_best(es, ep, u)
            if t > 0:
                step = 0.0
                for i in range(d):
                    diff = u[i] - stats[_HEAD + i]
                    step += diff * diff
                stats[3] += math.sqrt(step)  # not step ** 0.5: python and numba round that differently
            for i in range(d):
                stats[_HEAD + i] = u[i]
        if want_var:
            v = stats[_HEAD + d : _HEAD + d + 2]  # scratch (u_t is no longer needed)
            e_var(es, ep, t, v)
            stats[4] += v[0]
            stats[5] += v[1]
        if want_comparator:
            e_acc(es, ep, stats[_HEAD + d + max(d, 2) :])
        stats[6] += 1.0
        return loss

    @kernel
    def record(stats, ep, out):
        d = int(ep[0])
        if c_loss >= 0:
            out[c_loss] = stats[0]
        if c_regret >= 0:
            out[c_regret] = stats[0] - e_total(ep, stats[_HEAD + d + max(d, 2) :], stats[6], 0)
        if c_pseudo >= 0:
            out[c_pseudo] = stats[1] - e_total(ep, stats[_HEAD + d + max(d, 2) :], stats[6], 1)
        if c_dynamic >= 0:
            out[c_dynamic] = stats[1] - stats[2]
        if c_path >= 0:
            out[c_path] = stats[3]
        if c_sigma >= 0:
            out[c_sigma] = stats[4]
        if c_big_sigma >= 0:
            out[c_big_sigma] = stats[5]
        if c_bad >= 0:
            out[c_bad] = stats[7]

    return interact, record, no_conclusion
