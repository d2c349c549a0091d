"""The gpu backend (numba-cuda; the CUDA simulator in CI) gives the python backend's trajectories."""
import numpy as np
import pytest

import environments
import olearn
from olearn import learners

pytest.importorskip("numba.cuda")

BANDIT_ENV = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
EXPERT_ENV = environments.make("experts", n_experts=4, gap=0.2)


def _same(a, b):
    assert np.array_equal(a.values, b.values)
    assert np.array_equal(a.actions, b.actions)
    assert np.array_equal(a.losses, b.losses)


def _pair(learner, env, **kw):
    py = olearn.run(learner, env, horizon=16, seeds=[0, 9], backend="python", trace=True, **kw)
    gpu = olearn.run(learner, env, horizon=16, seeds=[0, 9], backend="gpu", trace=True, **kw)
    _same(py, gpu)


@pytest.mark.parametrize("name", [n for n in learners.names() if learners.REGISTRY[n].kind != "oco"])  # oco: test_oco_parity.py
def test_every_learner_matches_python(name):
    t = learners.REGISTRY[name]
    env = EXPERT_ENV if t.feedback == "full" else BANDIT_ENV
    _pair(t.make(**t.test_params[-1]), env)


@pytest.mark.parametrize("name", [n for n in environments.names() if environments.REGISTRY[n].kind != "oco"])
def test_every_environment_matches_python(name):
    t = environments.REGISTRY[name]
    _pair(olearn.make("exp3", eta=0.4), t.make(**t.test_params[0]))


def test_delays_and_grids_match_python():
    _pair(olearn.make("exp3", eta=[0.1, 1.0]), BANDIT_ENV, delay=olearn.delays.uniform(3))


def test_unavailable_gpu_is_one_clear_error(monkeypatch):
    from olearn.backends import gpu

    monkeypatch.setattr(gpu.cuda, "is_available", lambda: False)
    with pytest.raises(olearn.BackendUnavailableError, match="no usable CUDA GPU"):
        olearn.run("ucb1", BANDIT_ENV, horizon=5, backend="gpu")
