"""Off-policy evaluation: what a policy or a learner would have lost, from logs of another policy.

* :mod:`~olearn.offpolicy.logs`: :class:`Logs` (contexts, logged arms, losses, propensities) and
  :func:`collect`, which logs any world of kind ``arms`` under a known logging policy;
* :mod:`~olearn.offpolicy.estimators`: a fixed policy's mean loss by IPS, self-normalized IPS, the
  direct method and doubly robust, each with its standard error;
* :mod:`~olearn.offpolicy.replay_loop`: :func:`replay`, any bandit learner of the engine run on a log as if
  it were live (rejection replay), for every seed and configuration of a grid.

>>> import olearn, environments
>>> from olearn import offpolicy
>>> logs = offpolicy.collect(environments.make("bernoulli", means=[0.2, 0.8]), n=2_000, seed=0)
>>> r = offpolicy.replay(olearn.make("ucb1", n_arms=2), logs, horizon=500, seeds=4)
>>> int(r.kept.min()), bool(0.0 < r.average_loss()[0] < 0.5)
(500, True)
"""
from olearn.offpolicy.estimators import Estimate, direct, doubly_robust, fit_loss_model, ips, snips, weights
from olearn.offpolicy.logs import Logs, collect
from olearn.offpolicy.replay_loop import Replay, replay

__all__ = ["Estimate", "Logs", "Replay", "collect", "direct", "doubly_robust", "fit_loss_model", "ips", "replay", "snips", "weights"]
