"""python and cpu backends give bit-identical values, actions, losses and final states for the same seeds.

Every registered learner (with each of its ``test_params``) is paired with the world the conformance
checker gives it (bernoulli for bandit feedback, experts for full information), and every registered
environment (with each of its ``test_params``) appears at least once, with exp3 as the checker pairs it.
These files share a pytest-xdist group (tests/conftest.py), so numba compiles each pairing once per run;
the bandit and expert learners also meet loss_matrix and bernoulli worlds in tests/test_reference.py.
Delayed feedback (fixed, uniform, sequence) is checked on bandit and full-information learners.
"""
import numpy as np
import pytest

import environments
import olearn
from olearn import testing
from olearn.learners import REGISTRY as LEARNERS
from environments import REGISTRY as ENVS

H = 60
SEEDS = [0, 1, 13]

# the environments beyond each learner's checker world, given to learners that exercise them
# (these pairs are also the ones test_regret.py's theory checks use)
EXTRA = {
    "exp3": ["lower_bound", "switching"],
    "gaussian_thompson": ["gaussian"],
    "kl_ucb": ["piecewise_bernoulli"],
}
_ARMS = sorted(l for l in LEARNERS if LEARNERS[l].kind == "arms")
PAIRS = {(l, e) for l in _ARMS for e in [testing.default_world(LEARNERS[l]).name] + EXTRA.get(l, [])}
# kinds whose python/cpu/gpu parity runs in their own test file (oco: tests/test_oco_parity.py)
_OWN_PARITY = {"oco"}
# every other environment with a learner of its kind (testing.probe_learner for arms; the first learner of the kind otherwise)
for _e in sorted(e for e in set(ENVS) - {e for _, e in PAIRS} if ENVS[e].kind not in _OWN_PARITY):
    _kind = ENVS[_e].kind
    PAIRS.add((testing.probe_learner(ENVS[_e]) if _kind == "arms" else min(l for l in LEARNERS if LEARNERS[l].kind == _kind), _e))
PAIRS = sorted(PAIRS)


def test_every_learner_and_environment_is_covered():
    assert {l for l, _ in PAIRS} == {l for l in LEARNERS if LEARNERS[l].kind not in _OWN_PARITY}
    assert {e for _, e in PAIRS} == {e for e in ENVS if ENVS[e].kind not in _OWN_PARITY}


def _same(a, b, what):
    assert a.columns == b.columns and np.array_equal(a.rounds, b.rounds), what
    for field in ("values", "actions", "losses", "states"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.shape == y.shape, f"{what}: {field} shapes {x.shape} vs {y.shape}"
        if not np.array_equal(x, y):
            where = np.argwhere(x != y)[0]
            pytest.fail(f"{what}: {field} differ first at {tuple(where)}: python {x[tuple(where)]!r} vs cpu {y[tuple(where)]!r}")


def _both(learner, env, horizon, delay=None):
    return [olearn.run(learner, env, horizon=horizon, seeds=SEEDS, backend=b, trace=True, keep_state=True, delay=delay, checkpoints=7)
            for b in ("python", "cpu")]


@pytest.mark.parametrize("learner_name, env_name", PAIRS)
def test_python_and_cpu_agree(learner_name, env_name):
    ltype, etype = LEARNERS[learner_name], ENVS[env_name]
    for lp in ltype.test_params:
        learner = olearn.make(learner_name, **lp)
        for ep in etype.test_params:
            env = environments.make(env_name, **ep)
            cap = etype.max_horizon(env.values)
            horizon = H if cap is None else min(H, cap)
            py, cpu = _both(learner, env, horizon)
            assert py.actions.shape == (1, len(SEEDS), horizon)
            _same(py, cpu, f"{learner!r} on {env!r}")
            # the runs are not degenerate: different seeds see different worlds for random environments
            assert np.all(np.isfinite(py.values))


def test_grid_of_configurations_agrees():
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    learner = olearn.make("ucb1", c=[0.5, 2.0])
    py, cpu = _both(learner, env, H)
    assert py.values.shape[0] == 2
    _same(py, cpu, "ucb1 grid")
    assert not np.array_equal(py.actions[0], py.actions[1]), "two constants should give two trajectories"


DELAYS = {
    "fixed3": olearn.delays.fixed(3),
    "uniform4": olearn.delays.uniform(4),
    "sequence": olearn.delays.sequence([int(x) for x in np.random.default_rng(2).integers(0, 6, H)]),
}
DELAYED = [("ucb1", "bernoulli", {"means": [0.2, 0.5, 0.8]}),
           ("exp3", "loss_matrix", {"losses": np.round(np.random.default_rng(1).random((H, 3)), 2)}),
           ("hedge", "experts", {"n_experts": 5, "gap": 0.2})]


@pytest.mark.parametrize("learner_name, env_name, env_params", DELAYED, ids=[d[0] for d in DELAYED])
def test_python_and_cpu_agree_with_delays(learner_name, env_name, env_params):
    env = environments.make(env_name, **env_params)
    undelayed = olearn.run(olearn.make(learner_name), env, horizon=H, seeds=SEEDS, backend="python", trace=True)
    for dname, delay in DELAYS.items():
        py, cpu = _both(olearn.make(learner_name), env, H, delay)
        _same(py, cpu, f"{learner_name} on {env_name} with delay {dname}")
        # the delay does change the trajectory (the delayed path is really taken)
        assert not np.array_equal(py.actions, undelayed.actions), dname


def test_tsallis_inf_state_is_bit_identical_on_python_and_cpu():
    """Tsallis-INF's normaliser once squared with ``z ** 2``, which the python backend evaluates with libm's
    pow (not always correctly rounded) and numba as ``z * z``: the probabilities, and so the
    importance-weighted estimates in the state, differed in the last bit (these settings show it)."""
    env = environments.make("bernoulli", means=[0.2, 0.5, 0.8])
    learner = olearn.make("tsallis_inf", shift=0.5, normalize=True)
    py, cpu = (olearn.run(learner, env, horizon=60, seeds=[0, 1, 2, 3], backend=b, trace=True, keep_state=True)
               for b in ("python", "cpu"))
    _same(py, cpu, "tsallis_inf python vs cpu")


@pytest.mark.parametrize("what", ["run", "replay"])
def test_threaded_and_serial_runners_agree(what, monkeypatch):
    """A cpu call below config.SERIAL_STEPS seeds x rounds runs on the calling thread, a larger one on numba's
    threads (prange): the same values, actions, losses and states bit for bit, whichever runs."""
    from olearn import offpolicy
    from olearn.core import config

    env = environments.make("linear_contextual", theta=[[1.0, 0.0], [0.0, 1.0]]) if what == "replay" else environments.make("bernoulli")
    if what == "replay":
        logs = offpolicy.collect(env, n=400, seed=0)

        def go():
            r = offpolicy.replay(olearn.make("ucb1"), logs, horizon=H, seeds=SEEDS, backend="cpu", shuffle=True)
            return r.loss, r.kept
    else:
        def go():
            r = olearn.run(olearn.make("ucb1"), env, horizon=H, seeds=SEEDS, backend="cpu", trace=True, keep_state=True, checkpoints=7)
            return r.values, r.actions, r.losses, r.states
    assert len(SEEDS) * H < config.SERIAL_STEPS
    serial = go()
    monkeypatch.setattr(config, "SERIAL_STEPS", 0)  # every call threaded
    threaded = go()
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
