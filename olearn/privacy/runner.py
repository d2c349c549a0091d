"""Shells for private learners: refuse losses outside [0, 1], run, and report the spent budget.

The private learners assume losses in [0, 1] (their sensitivities do); their kernels clip, so the
guarantee holds regardless, but a loss outside [0, 1] means the user's problem is not the one the
guarantee is about, so these shells stop with a :class:`ParameterError` instead:

* :func:`run` checks the horizon as ``olearn.run`` does, then probes the environment's losses (first 16 rounds,
  at most the horizon, first 64 arms, seeds 0 and 1) before running, then runs ``olearn.run`` and stores each configuration's guarantee (from
  :mod:`olearn.privacy.guarantees`) in ``result.meta["privacy"]``;
* :func:`stepwise` gives a step-wise driver whose ``update`` refuses such losses.
"""
from __future__ import annotations

import numpy as np

import olearn
from olearn.core.errors import ParameterError, check_integer
from olearn.core.spec import Environment, Learner
from olearn.engine.run import world_horizon
from olearn.engine.stepwise import Stepwise, _numeric, resume, saved_learner
from olearn.privacy.guarantees import guarantee

PROBE_ROUNDS, PROBE_ARMS, PROBE_SEEDS = 16, 64, (0, 1)


def check_unit_losses(env: Environment, horizon: int, owner: str = "privacy.run") -> None:
    """Raise ParameterError if ``env`` has no experts (kind ``arms``) or a probed loss of it lies outside [0, 1].

    ``env`` is an environment from ``environments.make`` or a registered name (as ``olearn.run`` takes it); the
    probe reads at most the rounds the world defines, and a ``horizon`` past them is refused as ``olearn.run`` does.
    """
    if isinstance(env, str):
        import environments

        env = environments.make(env)
    if not isinstance(env, Environment):
        raise ParameterError(owner, "env", env, "an environment from environments.make(name, ...) or a registered name")
    horizon = world_horizon(owner, horizon, env)
    et = env.type
    if getattr(et, "kind", "arms") != "arms":
        raise ParameterError(owner, "env", env.name, f"an environment of kind 'arms' (experts with losses in [0, 1]; "
                                                     f"{env.name!r} is of kind {et.kind!r})")
    row = env.row()
    obs = np.zeros(env.obs_dim)
    for seed in PROBE_SEEDS:
        state = np.zeros(env.state_size())
        with np.errstate(over="ignore"):  # the counter-based generator wraps in uint64 on purpose
            et.reset(state, row, seed)
            losses = []
            for t in range(min(horizon, PROBE_ROUNDS)):
                et.observe(state, row, t, seed, obs)
                losses += [(t, k, float(et.loss(state, row, obs, t, seed, k))) for k in range(min(env.n_actions, PROBE_ARMS))]
        for t, k, x in losses:
            if not 0.0 <= x <= 1.0:
                raise ParameterError(
                        owner, "env", env.name,
                        f"an environment whose losses lie in [0, 1] (loss {x:g} of arm {k} at round {t}, seed {seed}); "
                        "the private learners' sensitivities assume them",
                    )


def run(learner, env, horizon: int, seeds=1, **kwargs):
    """``olearn.run`` for private learners, with the loss check and ``result.meta["privacy"]``."""
    import environments

    learner = olearn.make(learner) if isinstance(learner, str) else learner
    env = environments.make(env) if isinstance(env, str) else env
    if not isinstance(learner, Learner):
        raise ParameterError("privacy.run", "learner", learner, "a learner from olearn.make(name, ...)")
    if not isinstance(env, Environment):
        raise ParameterError("privacy.run", "env", env, "an environment from environments.make(name, ...)")
    check_unit_losses(env, world_horizon("run", horizon, env))  # the run's own horizon check speaks first, then the probe
    result = olearn.run(learner, env, horizon=horizon, seeds=seeds, **kwargs)
    result.meta["privacy"] = [guarantee(learner.type, cfg, env.n_actions, horizon).as_dict() for cfg in learner.configs]
    return result


class UnitLossStepwise(Stepwise):
    """A :class:`Stepwise` driver that refuses losses outside [0, 1] and rounds past its horizon.

    The learner's noise is calibrated for ``horizon`` rounds: more rounds would spend more privacy
    than it accounts for.
    """

    def __init__(self, learner, seed: int = 0, backend: str = "cpu", horizon: int | None = None):
        self.horizon = check_integer("stepwise", "horizon", horizon, 1, meaning="the rounds the privacy noise is calibrated for")
        super().__init__(learner, seed=seed, backend=backend, horizon=self.horizon)

    def act(self, obs=None) -> int:
        if self.t >= self.horizon:
            raise ParameterError("stepwise", "round", self.t + 1,
                                 f"at most horizon = {self.horizon} rounds (the noise is calibrated for them; "
                                 "more would spend more privacy than accounted)")
        return super().act(obs)

    def __reduce__(self):
        """Pickled as the plain driver is, and loaded back as this one (its horizon guard and [0, 1] check kept)."""
        _, (saved,) = super().__reduce__()
        return _restore_unit_loss, (saved,)

    def update(self, action: int, loss) -> None:
        arr = np.atleast_1d(np.asarray(loss, dtype=float)) if _numeric(loss) else None  # else Stepwise refuses it
        if arr is not None and np.all(np.isfinite(arr)) and (np.any(arr < 0.0) or np.any(arr > 1.0)):
            raise ParameterError("stepwise", "loss", loss, f"{self.feedback.size} number(s) in [0, 1] ({self.learner.name} assumes losses in [0, 1])")
        super().update(action, loss)


def stepwise(learner, seed: int = 0, backend: str = "cpu", horizon: int | None = None) -> UnitLossStepwise:
    """A step-wise driver for a private learner (give ``n_arms`` when making it) over ``horizon`` rounds.

    ``horizon`` is required: the noise is calibrated for it, and ``act`` refuses a round past it.
    """
    learner = olearn.make(learner) if isinstance(learner, str) else learner
    if not isinstance(learner, Learner):
        raise ParameterError("stepwise", "learner", learner, "a learner from olearn.make(name, ...) or a registered name")
    return UnitLossStepwise(learner, seed=seed, backend=backend, horizon=horizon)


def _restore_unit_loss(saved: dict) -> UnitLossStepwise:
    """A pickled private step-wise driver, continuing exactly where it stopped (a plain one had come back)."""
    made = saved["made"]
    step = UnitLossStepwise(saved_learner(saved), seed=made["seed"], backend=made["backend"], horizon=made["horizon"])
    return resume(step, saved)
