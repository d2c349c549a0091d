"""The privacy audit (olearn.privacy.audit): every private mechanism stays within its epsilon, and
the same audit catches the building blocks whose noise scale is divided by 4, and the whole learners of
``CAUGHT_WHOLE`` (for the others the audit at these sample sizes has too little power: their calibration is
checked against the epsilon asked for in tests/test_private_budget.py).  The audit's target is the epsilon the
learner's guarantee reports, recomputed from the noise its kernels draw.

Verdicts are at confidence 1 - ALPHA (Clopper-Pearson on the measurement half of the seeds);
``eps_hat <= eps + margin`` is the same statement as ``eps_lower <= eps``.  Tightness is asserted
too: the chosen event reaches a stated share of epsilon, so an audit that sees nothing fails.
"""
import pytest

from olearn.core.errors import ParameterError
from olearn.privacy import audit

N = 40_000

BLOCKS = {  # name -> (audit call with a noise-scale factor, share of eps the correct variant must reach)
    "exponential_mechanism": (lambda f: audit.audit_exponential_mechanism(1.0, n=N, rate_factor=f), 0.7),
    "above_threshold": (lambda f: audit.audit_above_threshold(1.0, n=N, scale_factor=f), 0.5),
    "report_noisy_min": (lambda f: audit.audit_report_noisy_min(1.0, n=N, scale_factor=f), 0.6),
    "tree_laplace": (lambda f: audit.audit_tree_laplace(1.0, 2, 4, n=N, scale_factor=f), 0.6),
    "tree_gauss": (lambda f: audit.audit_tree_gauss(1.0, 1e-5, 2, 4, n=N, scale_factor=f), 0.3),
}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_building_block_within_epsilon_and_broken_variant_detected(name):
    call, share = BLOCKS[name]
    ok, broken = call(1.0), call(4.0)
    assert not ok.violated, ok.as_dict()
    assert ok.eps_hat >= share * ok.epsilon, f"the audit is not tight: {ok.as_dict()}"
    assert broken.violated, broken.as_dict()


# whole learners whose accounting is tight on their case are also caught when broken; the tree
# learners release only one of their 1 + floor(log2 T) levels in a short game and the small-loss
# learner splits eps over its epochs, so their broken variants stay within eps at these sizes
# (their building blocks are caught above)
CAUGHT_WHOLE = {"dp_svt_experts", "dp_lazy_hedge", "dp_noisy_leader", "dp_ucb"}


@pytest.mark.parametrize("name", sorted(audit.LEARNER_CASES))
def test_whole_learner_within_epsilon(name):
    ok = audit.audit_learner_case(name, n=N)
    assert not ok.violated, ok.as_dict()
    assert ok.eps_hat > 0.05, f"no event separates the neighbours: {ok.as_dict()}"
    if name in CAUGHT_WHOLE:
        broken = audit.audit_learner_case(name, n=N, factor=4.0)
        assert broken.violated, broken.as_dict()


def test_exponential_mechanism_estimate_matches_closed_form():
    # two experts, scores (s, 0) vs (s - 1, 1): P'(0) / P(0) = (e^{-eta s} + 1) / (e^{-eta s} + e^{-2 eta})
    import math

    eta, s = 0.5, math.ceil(math.log(10.0) / 0.5)
    exact = math.log((math.exp(-eta * s) + 1.0) / (math.exp(-eta * s) + math.exp(-2 * eta)))
    r = audit.audit_exponential_mechanism(1.0, n=N)
    assert r.eps_lower <= exact <= r.eps_hat + 3 * r.margin


def test_trajectory_events_tell_apart_trajectories_beyond_int64():
    """d^T = 2^70 trajectories: two that differ only after round 64 are two events (a base-d code would overflow)."""
    import numpy as np

    first = np.zeros((3, 70), dtype=np.int64)
    second = first.copy()
    second[:, 66] = 1
    ev_d, ev_d2, labels = audit.trajectory_events(first, second, 2)
    whole = ev_d[:, 2 * 70 :], ev_d2[:, 2 * 70 :]
    assert whole[0].shape[1] == 2 and not (whole[0] & whole[1]).any()
    assert labels[-2:] == ["trajectory " + "0" * 70, "trajectory " + "0" * 66 + "1" + "000"]


def _noisy_leader():
    import olearn

    return olearn.make("dp_noisy_leader", n_arms=2, epsilon=1.0, delta=0.0)


@pytest.mark.parametrize("call, name", [
    (lambda: audit.audit_exponential_mechanism(1.0, n=0), "n"),
    (lambda: audit.audit_exponential_mechanism(-1.0, n=100), "eps0"),
    (lambda: audit.audit_above_threshold(0.0, n=100), "eps0"),
    (lambda: audit.audit_report_noisy_min(1.0, n=100, scale_factor=-1.0), "scale_factor"),
    (lambda: audit.audit_tree_laplace(1.0, d=0, horizon=4, n=100), "d"),
    (lambda: audit.audit_tree_gauss(1.0, delta=0.0, d=2, horizon=4, n=100), "delta"),
    (lambda: audit.audit_learner_case("dp_noisy_leader", n=100, factor=0.0), "factor"),
    (lambda: audit.audit_exponential_mechanism(1.0, n=100, s=float("nan")), "s"),
    (lambda: audit.audit_report_noisy_min(1.0, n=100, s=float("inf")), "s"),
    (lambda: audit.audit_exponential_mechanism(1.0, n=100, s=2.0**60), "s"),  # s - 1 == s: not neighbours
    (lambda: audit.audit_report_noisy_min(1.0, n=100, s=-1e300), "s"),
    (lambda: audit.audit_above_threshold(1.0, n=100, threshold=float("nan")), "threshold"),
    (lambda: audit.audit_learner(_noisy_leader(), [[float("nan"), 0.0], [0.0, 0.0]], [[0.0, 0.0]] * 2, n=100), "losses"),
    (lambda: audit.audit_learner(_noisy_leader(), [[0.0, 0.0]] * 2, [[0.0, 2.0], [0.0, 0.0]], n=100), "losses_neighbour"),
    (lambda: audit.audit_learner(_noisy_leader(), [[0.0, 0.0]] * 2, [[0.0, 0.0]] * 3, n=100), "losses_neighbour"),
    (lambda: audit.audit_learner(_noisy_leader(), [[0.0, 0.0]] * 2, [[0.0, 0.0]] * 2, n=100), "losses_neighbour"),
])
def test_audit_arguments_outside_their_range_are_named(call, name):
    """A negative epsilon had been audited (against a promise it cannot mean) and n = 0 gave an empty audit; a NaN
    score or threshold, or a NaN loss, made every run output the same and passed (an audit that cannot fail), and
    tables that were not neighbours raised NumPy's broadcasting error or a bare ValueError."""
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name


@pytest.mark.parametrize("learner", [
    lambda: __import__("olearn").make("hedge", n_arms=2),
    lambda: __import__("olearn").make("dp_noisy_leader", n_arms=2, epsilon=[1.0, 2.0], delta=0.0),
    lambda: "dp_noisy_leader",
])
def test_audit_learner_refuses_what_has_no_single_privacy_promise(learner):
    """A non-private learner has no epsilon to audit (its promise is inf, so the audit could never fail), a grid has
    no single promise, and a name is not a learner: each is refused with a ParameterError naming 'learner' (they had
    passed with epsilon = inf, or raised a bare ValueError, KeyError or AttributeError)."""
    table, neighbour = [[1.0, 0.0]] * 3, [[0.0, 1.0]] + [[1.0, 0.0]] * 2
    for factor in (1.0, 2.0):
        with pytest.raises(ParameterError) as err:
            audit.audit_learner(learner(), table, neighbour, n=100, factor=factor)
        assert err.value.name == "learner"


def test_audit_learner_case_refuses_an_unknown_name():
    from olearn.core.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="dp_noisy_leader"):
        audit.audit_learner_case("dp_noisy_leder", n=100)


def test_the_largest_score_whose_neighbour_is_exact_is_audited():
    """The range's ends, s = +-2^52, are taken: s - 1 is exact there (the doubles past 2^53 are 2 apart, and
    -2^53 - 1 already rounds to -2^53)."""
    assert int(2.0**52 - 1.0) == 2**52 - 1 and int(-(2.0**52) - 1.0) == -(2**52) - 1
    assert -(2.0**53) - 1.0 == -(2.0**53)  # the bound's reason
    for s in (2.0**52, -(2.0**52)):
        report = audit.audit_report_noisy_min(1.0, n=2000, s=s)
        assert not report.violated and report.samples == 2000
