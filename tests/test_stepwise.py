"""The step-wise driver replays the engine's trajectory for the same seed (python and cpu)."""
import numpy as np
import pytest

import environments
import olearn

LOSSES = np.round(np.random.default_rng(8).random((80, 20)), 3)


@pytest.mark.parametrize("backend", ["python", "cpu"])
@pytest.mark.parametrize("name", ["tsallis_inf", "exp3", "thompson", "hedge"])
def test_stepwise_replays_the_engine(name, backend):
    env = environments.make("loss_matrix", losses=LOSSES)
    engine = olearn.run(olearn.make(name), env, horizon=80, seeds=[4], backend="python", trace=True)
    tuner = olearn.stepwise(olearn.make(name, n_arms=20), seed=4, backend=backend, horizon=80)
    full = olearn.learners.REGISTRY[name].feedback == "full"
    for t in range(80):
        a = tuner.act()
        assert a == engine.actions[0, 0, t], f"round {t}"
        tuner.update(a, LOSSES[t] if full else LOSSES[t, a])


def test_stepwise_rejects_a_wrong_action_or_loss():
    tuner = olearn.stepwise(olearn.make("ucb1", n_arms=3), seed=0, backend="python")
    a = tuner.act()
    with pytest.raises(olearn.ParameterError, match="'action'"):
        tuner.update((a + 1) % 3, 0.5)
    with pytest.raises(olearn.ParameterError, match="'loss'"):
        tuner.update(a, float("nan"))
