"""Every learner against its slow NumPy reference (tests/naive.py), round by round, python and cpu backends."""
import numpy as np
import pytest

import environments
import naive
import olearn
from olearn.core import rng

T = 60
RANDOM = np.round(np.random.default_rng(3).random((T, 4)), 3)
MATRICES = {
    "random": RANDOM,
    "ties": np.full((T, 4), 0.5),
    "zeros": np.zeros((T, 4)),
    "ones": np.ones((T, 4)),
    "one_arm": np.random.default_rng(4).random((T, 1)),
}
BERNOULLI_MEANS = [0.3, 0.3, 0.7, 0.1]


def _worlds():
    for name, m in MATRICES.items():
        yield name, environments.make("loss_matrix", losses=m), (lambda m: lambda s: lambda t, k: m[t, k])(m)
    env = environments.make("bernoulli", means=BERNOULLI_MEANS)
    yield "bernoulli", env, lambda s: lambda t, k: 0.0 if rng.uniform(s, rng.ENV, t, k) < BERNOULLI_MEANS[k] else 1.0


WORLDS = list(_worlds())
SEEDS = [0, 11]


def _engine(learner, env, backend):
    return olearn.run(learner, env, horizon=T, seeds=SEEDS, backend=backend, trace=True)


CASES = {
    "ucb1": (olearn.make("ucb1"), lambda loss, k, s: naive.ucb1(loss, k, T)),
    "ucb1_c": (olearn.make("ucb1", c=0.5), lambda loss, k, s: naive.ucb1(loss, k, T, c=0.5)),
    "kl_ucb": (olearn.make("kl_ucb"), lambda loss, k, s: naive.kl_ucb(loss, k, T)[:2]),
    "kl_ucb_c3": (olearn.make("kl_ucb", c=3.0), lambda loss, k, s: naive.kl_ucb(loss, k, T, c=3.0)[:2]),
    "epsilon_greedy": (olearn.make("epsilon_greedy", epsilon=0.2), lambda loss, k, s: naive.epsilon_greedy(loss, k, T, 0.2, seed=s)),
    "epsilon_decay": (olearn.make("epsilon_greedy", epsilon=2.0, decay=True),
                      lambda loss, k, s: naive.epsilon_greedy(loss, k, T, 2.0, True, seed=s)),
    "exp3": (olearn.make("exp3"), lambda loss, k, s: naive.exp3(loss, k, T, seed=s)[:2]),
    "exp3_eta": (olearn.make("exp3", eta=0.7), lambda loss, k, s: naive.exp3(loss, k, T, eta=0.7, seed=s)[:2]),
    "tsallis_inf": (olearn.make("tsallis_inf"), lambda loss, k, s: naive.tsallis_inf(loss, k, T, seed=s)[:2]),
    "tsallis_norm": (olearn.make("tsallis_inf", shift=0.25, normalize=True),
                     lambda loss, k, s: naive.tsallis_inf(loss, k, T, 0.25, True, seed=s)[:2]),
    "hedge": (olearn.make("hedge"), lambda loss, k, s: naive.hedge(loss, k, T, seed=s)[:2]),
    "thompson": (olearn.make("thompson"), lambda loss, k, s: naive.thompson(loss, k, T, seed=s)),
    "gaussian_thompson": (olearn.make("gaussian_thompson", sigma=0.5), lambda loss, k, s: naive.gaussian_thompson(loss, k, T, 0.5, seed=s)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_learner_matches_reference(case):
    learner, reference = CASES[case]
    for world, env, loss_of in WORLDS:
        k = env.n_actions
        py = _engine(learner, env, "python")
        cpu = _engine(learner, env, "cpu")
        assert np.array_equal(py.actions, cpu.actions) and np.array_equal(py.values, cpu.values), f"{case} on {world}: python != cpu"
        for j, s in enumerate(SEEDS):
            actions, losses = reference(loss_of(s), k, s)
            assert np.array_equal(py.actions[0, j], actions), f"{case} on {world}, seed {s}: actions differ from the reference"
            assert np.array_equal(py.losses[0, j], losses), f"{case} on {world}, seed {s}: losses differ"


def test_tsallis_and_exp3_probabilities_match_reference():
    """The Newton normaliser and the exponential weights agree with bisection / direct formulas to 1e-9."""
    from olearn.learners.bandits import exponential_weights, tsallis_weights

    gen = np.random.default_rng(0)
    for _ in range(200):
        k = int(gen.integers(1, 30))
        lhat = gen.exponential(5.0, k) * gen.choice([0.0, 1.0, 100.0])
        eta = float(gen.choice([0.01, 0.3, 2.0]))
        probs = np.zeros(k)
        tsallis_weights(lhat, eta, probs, k)
        assert np.allclose(probs, naive.tsallis_probs(lhat, eta), atol=1e-9)
        exponential_weights(lhat, eta, probs, k)
        w = np.exp(-eta * (lhat - lhat.min()))
        assert np.allclose(probs, w / w.sum(), atol=1e-12)


def test_kl_ucb_index_matches_bisection():
    from olearn.learners.bandits import kl_upper

    for p in np.linspace(0, 1, 41):
        for bound in (1e-4, 0.01, 0.3, 2.0, 40.0):
            assert abs(kl_upper(p, bound) - naive.kl_index(p, bound)) < 1e-7, (p, bound)
