"""The learner registry: ``make(name, **params)`` and ``names()``."""
from olearn.core.errors import UnknownNameError
from olearn.core.registry import Registry
from olearn.core.spec import Learner
from olearn.learners import adagrad, bandit_convex, bandits, best_arm, coin_betting, contextual, expert_advice, experts, experts_adaptive, ftrl_proximal, gaussian_process, graph_feedback, heavy_tailed, high_probability, linear, linear_bandit, metagrad, model_selection, nonstationary, normal_hedge, oco, oco_adaptive, oco_ensemble, oco_newton, perturbed_leader, polynomial, private, private_bandits, prod, rotting, sleeping, squint, tracking, universal_portfolio

REGISTRY = Registry("learner", Learner)
for _t in (bandits.LEARNERS + nonstationary.LEARNERS + experts.LEARNERS + experts_adaptive.LEARNERS + contextual.LEARNERS + expert_advice.LEARNERS + linear.LEARNERS + private.LEARNERS + oco.LEARNERS + oco_adaptive.LEARNERS
           + oco_ensemble.LEARNERS + oco_newton.LEARNERS + adagrad.LEARNERS + ftrl_proximal.LEARNERS + coin_betting.LEARNERS + sleeping.LEARNERS + rotting.LEARNERS + model_selection.LEARNERS + squint.LEARNERS + metagrad.LEARNERS + best_arm.LEARNERS + heavy_tailed.LEARNERS
           + graph_feedback.LEARNERS + bandit_convex.LEARNERS + tracking.LEARNERS + high_probability.LEARNERS + normal_hedge.LEARNERS + perturbed_leader.LEARNERS
           + linear_bandit.LEARNERS + gaussian_process.LEARNERS + prod.LEARNERS + polynomial.LEARNERS + private_bandits.LEARNERS + universal_portfolio.LEARNERS):
    REGISTRY.register(_t)
REGISTRY.builtin = frozenset(REGISTRY)

register = REGISTRY.register
names = REGISTRY.names
corral = model_selection.corral


def strongly_adaptive(base, name: str, summary: str, reference: str = "", g: int = 8, start=None):
    """A strongly adaptive learner type over ``base``: CBCE (Jun, Orabona, Wright and Willett, AISTATS 2017)
    over copies of ``base`` started on a geometric covering of time, for any kind of base learner:

    * kind ``arms``, full information (Hedge, ...): :func:`olearn.learners.experts_adaptive.strongly_adaptive`;
    * kind ``oco`` (OGD, ...): :func:`olearn.learners.oco_adaptive.strongly_adaptive`;
    * kind ``scores`` (conformal radii; SAOCP is this over SF-OGD): :func:`olearn.conformal.strongly_adaptive`,
      where ``start(state, params, radius)`` (a kernel, or None) starts a new expert at the meta prediction.

    The result is a learner type (``t.make(**values)``; ``register(t)`` adds it to ``make``).  Bandit
    learners are refused: the meta-algorithm compares every copy's loss each round.
    """
    if start is not None and base.kind != "scores":
        raise ValueError(f"strongly_adaptive: start= sets a conformal expert's first radius; {base.name!r} is of kind {base.kind!r}")
    if base.kind == "scores":
        from olearn.conformal.adaptive import strongly_adaptive as over_scores

        return over_scores(base, start, name, summary, reference, g)
    if base.kind == "oco":
        return oco_adaptive.strongly_adaptive(base, name, summary, reference, g)
    return experts_adaptive.strongly_adaptive(base, name, summary, reference, g)


def make(name: str, **params) -> Learner:
    """A learner by registered name, e.g. ``make("exp3", eta=0.1)``; a list for a parameter makes a grid."""
    if isinstance(name, str) and name not in REGISTRY:
        from olearn.conformal import registry as conformal  # noqa: PLC0415

        if name in conformal.names():  # their own registry: say where it is rather than list every learner
            raise UnknownNameError("learner", name, REGISTRY.names(),
                                   hint=f"{name!r} is a conformal method: olearn.conformal.make({name!r}, ...), "
                                   f"conformal.run_scores({name!r}, scores, ...) or conformal.Predictor({name!r}, ...)")
    return REGISTRY.make(name, **params)
