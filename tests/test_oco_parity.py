"""oco learners and worlds give identical trajectories on every backend, and conform.

python vs cpu (bit-identical metrics, first coordinates and losses) for every oco learner with each
of its ``test_params`` on each ``test_params`` of one world per learner (every oco world appears), and
with each parameter at the ends of its range (``testing.check_range_ends``; the learners compiled for cpu),
and the gpu backend (the CUDA simulator in CI) against python for every learner.  (The shared
parity/conformance/step-wise tests route arms learners; kind oco is covered here.)
"""
import os

import numpy as np
import pytest

import environments
import olearn
from olearn import testing
from olearn.engine import domains
from olearn.learners import adagrad, bandit_convex, coin_betting, ftrl_proximal, metagrad, oco, oco_adaptive, oco_ensemble, oco_newton, universal_portfolio

LEARNERS = oco.LEARNERS + oco_adaptive.LEARNERS + oco_ensemble.LEARNERS + oco_newton.LEARNERS + coin_betting.LEARNERS + adagrad.LEARNERS + metagrad.LEARNERS
LEARNERS += ftrl_proximal.LEARNERS
LEARNERS += bandit_convex.LEARNERS
LEARNERS += universal_portfolio.LEARNERS

# one world per learner (one compiled loop each), every oco world covered
WORLD_OF = {
    "ogd": "sea_quadratic",
    "adagrad_norm": "sea_linear",
    "optimistic_omd": "sea_quadratic",
    "optimistic_omd_entropic": "sea_linear",
    "exponentiated_gradient": "sea_linear",
    "optimistic_ftrl": "sea_linear",
    "implicit_ftrl": "linear_stream",
    "delayed_dual_averaging": "sea_quadratic",
    "sea_ensemble": "sea_nonconvex",
    "ader": "sea_linear",
    "strongly_adaptive_ogd": "sea_quadratic",
    "ons": "sea_least_squares",
    "optimistic_omd_exp_concave": "sea_logistic",
    "coin_betting": "sea_quadratic",
    "metagrad": "sea_least_squares",
    "adagrad": "sea_linear",
    "ftrl_proximal": "linear_stream",
    "bandit_ogd": "sea_linear",
    "scrible": "sea_linear",
    "universal_portfolio": "portfolio",
}
SEEDS = [0, 5]
H = 30
# each cpu pair compiles a fused loop (~15-40 s on 2 cores): by default one learner on each of the first
# three worlds, every learner (and so every world) with OLEARN_FULL_PARITY=1; the gpu-simulator
# comparison below covers every learner and world always
CPU_DEFAULT = {"optimistic_omd", "optimistic_omd_entropic", "implicit_ftrl"}
CPU_NAMES = sorted(WORLD_OF) if os.environ.get("OLEARN_FULL_PARITY") == "1" else sorted(CPU_DEFAULT)


def _worlds(learner_name):
    etype = environments.REGISTRY[WORLD_OF[learner_name]]
    envs = [etype.make(**p) for p in etype.test_params]
    if learner_name in ("optimistic_omd_entropic", "exponentiated_gradient"):
        envs = [e for e in envs if int(e.row()[1]) == domains.SIMPLEX]
    if learner_name == "bandit_ogd":
        envs = [e for e in envs if int(e.row()[1]) != domains.SIMPLEX]
    if learner_name == "ftrl_proximal":
        envs = [e for e in envs if int(e.row()[1]) in (domains.BOX, domains.FREE)]
    if learner_name == "scrible":
        envs = [e for e in envs if int(e.row()[1]) == domains.BALL]
    assert envs
    return envs


def test_every_oco_learner_and_world_is_covered():
    assert set(WORLD_OF) == {t.name for t in LEARNERS}
    assert set(WORLD_OF.values()) == {n for n, t in environments.REGISTRY.items() if t.kind == "oco"}
    assert {WORLD_OF[n] for n in CPU_DEFAULT} == {"sea_quadratic", "sea_linear", "linear_stream"}


@pytest.mark.parametrize("name", CPU_NAMES)
def test_python_and_cpu_agree(name):
    ltype = LEARNERS[[t.name for t in LEARNERS].index(name)]
    for lp in ltype.test_params:
        for env in _worlds(name):
            h = min(H, env.type.max_horizon(env.values) or H)
            runs = [olearn.run(ltype.make(**lp), env, horizon=h, seeds=SEEDS, backend=b, trace=True, keep_state=True, checkpoints=4)
                    for b in ("python", "cpu")]
            testing.assert_same_run(*runs, f"{name}{lp} on {env!r}")
            assert np.all(np.isfinite(runs[0].values))
            assert np.ptp(runs[0].losses) > 0
    testing.check_range_ends(ltype, _worlds(name)[0])  # the loop compiled above


def test_the_public_checkers_take_oco_learners_and_worlds():
    """olearn.testing's checkers on kind oco (the world of the cpu parity above, so nothing new compiles
    for the learner; the whole oco registry runs through the tests here and in test_stepwise.py)."""
    testing.check_learner(LEARNERS[[t.name for t in LEARNERS].index("optimistic_omd_entropic")],
                          env=_worlds("optimistic_omd_entropic")[0])  # on a simplex, the only set it plays on
    testing.check_environment(environments.REGISTRY["sea_nonconvex"])  # no static comparator: no regret recorded


@pytest.mark.parametrize("name", sorted(WORLD_OF))
def test_learner_parameters_are_validated(name):
    testing.check_parameters(LEARNERS[[t.name for t in LEARNERS].index(name)])


@pytest.mark.parametrize("name", sorted(WORLD_OF))
def test_gpu_matches_python(name):
    pytest.importorskip("numba.cuda")
    ltype = LEARNERS[[t.name for t in LEARNERS].index(name)]
    env = _worlds(name)[-1]
    learner = ltype.make(**ltype.test_params[-1])
    py = olearn.run(learner, env, horizon=12, seeds=[0, 9], backend="python", trace=True)
    gpu = olearn.run(learner, env, horizon=12, seeds=[0, 9], backend="gpu", trace=True)
    from olearn.backends import gpu as device

    testing.assert_same_run(py, gpu, f"{name} gpu", exact=device.simulated())  # to rounding on a real GPU


@pytest.mark.parametrize("env_name", ["sea_quadratic", "sea_linear", "linear_stream", "sea_least_squares", "sea_nonconvex", "sea_logistic",
                                      "portfolio"])
def test_worlds_are_deterministic_and_validate_parameters(env_name):
    etype = environments.REGISTRY[env_name]
    learner = olearn.make("implicit_ftrl" if env_name == "linear_stream" else "ogd")
    for p in etype.test_params:
        env = etype.make(**p)
        a = olearn.run(learner, env, horizon=10, seeds=[1, 2], backend="python", trace=True)
        b = olearn.run(learner, env, horizon=10, seeds=[1, 2], backend="python", trace=True)
        testing.assert_same_run(a, b, f"{env!r} determinism")
        assert not np.array_equal(a.losses[0, 0], a.losses[0, 1]) or p.get("noise", 1) == 0 or env_name in ("linear_stream", "portfolio")
    testing.check_parameters(etype)
