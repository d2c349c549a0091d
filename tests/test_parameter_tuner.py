"""relax.ParameterTuner: the tuner for any parameter of the user's own solver.  It chooses as OmegaTuner
does when fed the same iteration counts; on a cost with a known best value it spends its rounds there;
a failed solve is discarded without a trace; bad calls are one clear error each."""
import numpy as np
import pytest

import environments
from olearn import relax
from olearn.core.errors import ParameterError


@pytest.mark.parametrize("method, context_range", [("tsallis_inf", None), ("chebcb", (-0.15, 0.65))])
def test_fed_iteration_counts_it_chooses_as_omega_tuner(method, context_range):
    omegas = relax.omega_grid(1.0, 1.95, 8)
    systems = list(environments.linear_systems.shifted_laplacian(40, "high", seed=3))
    omega_tuner = relax.OmegaTuner(method, omegas=omegas, context_range=context_range, seed=5, backend="python")
    tuner = relax.ParameterTuner(omegas, method=method, context_range=context_range, shift=1.0, seed=5, backend="python")
    for A, b, c, _ in systems:
        _, info = omega_tuner.solve(A, b, context=c)
        assert tuner.suggest(context=c if context_range else None) == info["omega"]
        tuner.observe(info["iterations"])
    assert tuner.summary()["total_cost"] == sum(omega_tuner.iterations)
    np.testing.assert_array_equal(tuner.learner.state, omega_tuner.learner.state)  # the same losses reached it


def test_spends_its_rounds_on_the_cheapest_value():
    """Cost (v - 40)^2 / 100 + 5 + noise over restart lengths 10..80: after 3,000 solves most suggestions are 40,
    and the total is within 10% of always using 40."""
    values = [10, 20, 30, 40, 50, 60, 80]
    g = np.random.default_rng(0)
    tuner = relax.ParameterTuner(values, seed=1)
    spent = dict.fromkeys(values, 0.0)
    for _ in range(3000):
        v = tuner.suggest()
        assert isinstance(v, int) and v in values
        cost = (v - 40) ** 2 / 100 + 5 + g.exponential(1.0)
        tuner.observe(cost)
        spent[v] += cost
    table = tuner.report()
    np.testing.assert_allclose(table["cost"], [spent[v] for v in values], rtol=1e-12)
    np.testing.assert_allclose(table["mean_cost"], table["cost"] / table["chosen"], rtol=1e-12)
    assert table.loc[table["chosen"].idxmax(), "value"] == 40
    assert table.set_index("value").loc[40, "chosen"] > 0.6 * 3000
    assert tuner.summary()["total_cost"] < 1.1 * 3000 * 6.0  # 6 = the mean cost of 40


@pytest.mark.parametrize("method, context_range", [("tsallis_inf", None), ("tsallis_inf_cb", (0.0, 1.0)),
                                                   ("chebcb", (0.0, 1.0))])
def test_discard_leaves_no_trace(method, context_range):
    """act writes to the state (a bin's round count, ChebCB's features): discard puts it back."""
    kwargs = {"method": method, "context_range": context_range, "seed": 2, "backend": "python"}
    tuner = relax.ParameterTuner([0.1, 0.2, 0.4], **kwargs)
    twin = relax.ParameterTuner([0.1, 0.2, 0.4], **kwargs)
    for cost, c in ((3.0, 0.2), (1.0, 0.9), (2.0, 0.5)):
        c = c if context_range else None
        tuner.suggest(context=c)
        tuner.discard()  # the solve failed
        tuner.suggest(context=c)
        tuner.observe(cost)
        twin.suggest(context=c)
        twin.observe(cost)
    np.testing.assert_array_equal(tuner.learner.state, twin.learner.state)
    assert tuner.arms == twin.arms and tuner.summary()["suggestions"] == 3


def test_bad_calls_are_one_clear_error_each():
    for values in ([1.0], [1.0, 1.0], [1.0, np.nan], "abc", [[1, 2], [3, 4]]):
        with pytest.raises(ParameterError, match="values"):
            relax.ParameterTuner(values)
    tuner = relax.ParameterTuner([1, 2, 3], shift=1.0, backend="python")
    with pytest.raises(ParameterError, match="observe"):
        tuner.observe(4.0)  # nothing suggested yet
    tuner.suggest()
    with pytest.raises(ParameterError, match="suggest"):
        tuner.suggest()  # the last suggestion is still waiting for its cost
    for cost in (0.5, np.inf, "x"):
        with pytest.raises(ParameterError, match="cost"):
            tuner.observe(cost)  # below shift = 1, not finite, not a number
    tuner.observe(1.0)  # shift itself, the least cost, is one
    assert tuner.costs == [1.0]
    with pytest.raises(ParameterError, match="context"):
        relax.ParameterTuner([1, 2], backend="python").suggest(context=0.3)
    contextual = relax.ParameterTuner([1, 2], method="chebcb", context_range=(0, 1), backend="python")
    with pytest.raises(ParameterError, match="context"):
        contextual.suggest()
    with pytest.raises(ParameterError, match="ParameterTuner.*method"):
        relax.ParameterTuner([1, 2], method="ucb")


def test_suggestions_keep_the_type_the_values_were_given_in():
    """Integers stay ints (a restart length), floats stay floats even when whole (a relaxation of 1.0 or 2.0)."""
    for values, kind in (([1.0, 2.0, 3.0], float), ([10, 20, 40], int), (np.array([2, 4], dtype=np.int32), int),
                         ([1, 2.5], float)):
        tuner = relax.ParameterTuner(values, seed=2, backend="python")
        picks = []
        for _ in range(6):
            picks.append(tuner.suggest())
            tuner.observe(1.0)
        assert all(type(v) is kind for v in picks) and set(picks) <= set(np.asarray(values).tolist()), (values, picks)
