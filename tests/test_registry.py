"""The registries and the spec objects as a user meets them: make() with misspelled, NumPy or extra parameters,
equality and hashing of what is made, repr that makes it again and pickling."""
import pickle

import numpy as np
import pytest

import environments
import olearn
from olearn import ParameterError, UnknownNameError, learners
from olearn.core.kernel import kernel
from olearn.core.spec import LearnerType
from olearn.learners.bandits import N_ARMS, mean_update, zero_init


def test_a_misspelled_parameter_is_one_error_naming_the_closest_declared_one():
    with pytest.raises(ParameterError, match=r"'etaa'.*known parameters are eta, n_arms \(did you mean 'eta'\?\)"):
        olearn.make("exp3", etaa=0.1)
    with pytest.raises(ParameterError, match=r"'mean'.*\(did you mean 'means'\?\)"):
        environments.make("bernoulli", mean=[0.2, 0.8])


def test_numpy_scalars_and_zero_dimensional_arrays_are_single_plain_values():
    assert olearn.make("exp3", eta=np.array(0.1)).values["eta"] == 0.1  # was a TypeError from the grid split
    assert olearn.make("exp3", eta=np.float64(0.1)) == olearn.make("exp3", eta=0.1)
    chosen = olearn.make("ftpl", perturbation=np.str_("uniform")).values["perturbation"]
    assert type(chosen) is str and chosen == "uniform"
    assert environments.make("switching", period=np.array(50)).values["period"] == 50


def test_learners_and_worlds_made_alike_are_equal_and_hash_alike():
    a, b = (olearn.make("gp_ucb", positions=[0.0, 0.5, 1.0]) for _ in range(2))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != olearn.make("gp_ucb", positions=[0.0, 0.5, 0.9])
    grid = olearn.make("exp3", eta=[0.1, 0.2])
    assert grid == olearn.make("exp3", eta=[0.1, 0.2]) and hash(grid) == hash(olearn.make("exp3", eta=[0.1, 0.2]))
    e, f = (environments.make("bernoulli", means=[0.2, 0.8]) for _ in range(2))
    assert e == f and hash(e) == hash(f)
    assert e != environments.make("bernoulli", means=[0.2, 0.7])


def test_the_repr_of_a_learner_with_an_array_parameter_makes_it_again():
    made = olearn.make("gp_ucb", positions=[0.0, 0.5, 1.0], lengthscale=0.3)
    again = eval(repr(made), {"olearn": olearn})
    np.testing.assert_array_equal(again.values["positions"], made.values["positions"])
    assert again.values["lengthscale"] == made.values["lengthscale"]


def test_made_learners_and_worlds_pickle_back_to_the_registered_types():
    learner = olearn.make("gp_ucb", positions=[0.0, 0.5, 1.0])
    back = pickle.loads(pickle.dumps(learner))
    assert back.type is learners.REGISTRY["gp_ucb"]  # the same object: its compiled runners are found again
    np.testing.assert_array_equal(back.values["positions"], learner.values["positions"])
    assert not back.values["positions"].flags.writeable
    env = environments.make("bernoulli", means=[0.2, 0.8])
    assert pickle.loads(pickle.dumps(env)).type is environments.REGISTRY["bernoulli"]


@kernel
def _last_arm_act(state, params, obs, t, seed, action):
    action[0] = params[0] - 1.0


def test_a_registered_user_type_unpickles_as_itself_and_an_unregistered_one_is_rebuilt():
    cloudpickle = pytest.importorskip("cloudpickle")  # what Dask sends work with
    user = LearnerType(name="audit_last_arm", summary="the last arm", feedback="bandit", params=(N_ARMS,),
                       state_size=lambda v, k, d: 2 * k, row=lambda v, k, d, horizon: [k], init=zero_init,
                       act=_last_arm_act, update=mean_update)
    rebuilt = cloudpickle.loads(cloudpickle.dumps(user.make()))
    assert rebuilt.type is not user and rebuilt.type.act is _last_arm_act
    learners.register(user)
    try:
        assert cloudpickle.loads(cloudpickle.dumps(olearn.make("audit_last_arm"))).type is user
    finally:
        del learners.REGISTRY["audit_last_arm"]


def test_a_name_that_is_not_text_is_an_unknown_name():
    with pytest.raises(UnknownNameError, match="did you mean 'ucb1'"):
        olearn.make(["ucb1"])  # not a TypeError about hashing


def test_parameters_given_with_a_made_learner_are_refused_not_dropped():
    """make(made, eta=0.5) had returned the made learner with its own eta = 0.1 without a word; run_scores with a
    made conformal learner and another coverage had run at the learner's own coverage."""
    from olearn import conformal

    with pytest.raises(ParameterError, match=r"'eta' = 0\.5.*already made"):
        olearn.make(olearn.make("exp3", eta=0.1), eta=0.5)
    with pytest.raises(ParameterError, match="'means'"):
        environments.make(environments.make("bernoulli", means=[0.2, 0.8]), means=[0.5, 0.5])
    made = conformal.make("aci", coverage=0.8, calibration=[1.0, 2.0])
    for extra in ({"coverage": 0.95}, {"calibration": [3.0]}, {"gamma": 0.1}):
        with pytest.raises(ParameterError) as err:
            conformal.run_scores(made, [1.0, 0.5], **extra)
        assert err.value.name == next(iter(extra)) and "made learner" in str(err.value)
    # with nothing extra, the made learner runs with its own values: those of the same method made from its name
    np.testing.assert_array_equal(conformal.run_scores(made, [1.0, 0.5, 2.0]),
                                  conformal.run_scores("aci", [1.0, 0.5, 2.0], coverage=0.8, calibration=[1.0, 2.0]))
