"""The switch budget of the sparse-vector learners is never exceeded, and once spent the learner
stops adapting (plays one expert, draws no more noise), on an oblivious sequence built to force
switches: every expert loses 1 every round, so every phase ends as soon as the threshold is passed."""
import numpy as np
import pytest

import olearn
from olearn.learners import private

D = 4


# (learner, K, horizon the constants are sized for, rounds played): the small-loss learner's last
# epoch tolerates about 4 T loss per phase (its doubling schedule), so it is played for 40 T rounds
@pytest.mark.parametrize("name,switches,horizon,rounds", [("dp_svt_experts", 3, 400, 400), ("dp_svt_small_loss", 2, 50, 2000)])
def test_switch_budget_is_never_exceeded(name, switches, horizon, rounds):
    learner = olearn.make(name, n_arms=D, epsilon=50.0, delta=0.0, switches=switches, threshold=1.0)
    for seed in range(5):
        tuner = olearn.stepwise(learner, seed=seed, horizon=horizon)
        epochs = int(tuner.params[7])
        spent, frozen_at, played = 0, None, []
        for t in range(rounds):
            played.append(tuner.act())
            before = tuner.state.copy()
            tuner.update(played[-1], np.ones(D))
            k, epoch = tuner.state[private.SVT_K], tuner.state[private.SVT_EPOCH]
            assert k <= switches and epoch <= epochs - 1
            spent += (k, epoch) != (before[private.SVT_K], before[private.SVT_EPOCH])
            if frozen_at is None and k >= switches and epoch >= epochs - 1:
                frozen_at = t
        assert spent == epochs * switches, "the forcing sequence must spend the whole budget"
        assert frozen_at is not None and frozen_at < rounds // 2
        # after the budget: one expert, the threshold no longer redrawn, the phase loss no longer tracked
        assert len(set(played[frozen_at + 1:])) == 1
        final = tuner.state.copy()
        assert final[private.SVT_THRESHOLD] == before[private.SVT_THRESHOLD]
        assert final[private.SVT_PHASE] == before[private.SVT_PHASE]


@pytest.mark.parametrize("epsilon", [1e-100, 1e-10, 0.5])
def test_per_mechanism_epsilon_composes_within_the_budget_down_to_tiny_epsilon(epsilon):
    """calibrate_epsilon0: count eps0-DP mechanisms compose to at most epsilon, and eps0 is at least basic
    composition's epsilon / count (up to the safety margin).  At epsilon = 1e-10 the advanced bound's
    rounding put gap(epsilon / count) above 0 and scipy's root finder failed on its bracket."""
    from olearn.privacy import accountant

    count, delta = 40, 1e-4
    eps0 = accountant.calibrate_epsilon0(epsilon, delta, count)
    assert accountant.composed_epsilon(eps0, count, delta) <= epsilon
    assert eps0 >= (epsilon / count) * (1 - 1e-5)
