"""The normaliser comparison of experiments/relax/authors_normaliser.py: olearn's Newton iteration
solves sum_i 4 / (eta (L_i - x))^2 = 1 with x < min L (checked against bisection), and the authors'
20 steps from x = -1 leave that branch once f(-1) < 0, putting almost all mass on one arm."""
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from olearn.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments" / "relax"))
import authors_normaliser as an  # noqa: E402


def bisection_root(L, eta):
    lo, hi = L.min() - 1e6, L.min() - 1e-12
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if (4.0 / (eta * (L - mid)) ** 2).sum() > 1.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("t", [1, 10, 500, 5000])
def test_converged_normaliser_solves_the_equation(t):
    rng = np.random.default_rng(t)
    L = t * rng.uniform(1.0, 2.5, 20)
    eta = 2.0 / np.sqrt(t)
    p = np.empty(20)
    an.probabilities(L, eta, False, p)
    x = bisection_root(L, eta)
    np.testing.assert_allclose(p, 4.0 / (eta * (L - x)) ** 2, rtol=1e-9)


def test_authors_newton_leaves_the_branch_once_f_at_minus_one_is_negative():
    eta = 2.0 / np.sqrt(20)
    L = 20 * np.linspace(1.0, 2.5, 20)
    assert (4.0 / (eta * (L + 1.0)) ** 2).sum() < 1.0  # f(-1) < 0
    p = np.empty(20)
    an.probabilities(L, eta, True, p)
    assert p.max() > 0.99 * p.sum() and p.max() > 1e3  # one arm holds the mass; "probabilities" far above 1
    an.probabilities(np.zeros(20), 2.0, True, p)  # round 1: f(-1) > 0, the same root as the converged iteration
    np.testing.assert_allclose(p, np.full(20, 0.05), rtol=1e-12)


def test_command_runs_at_small_size(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(ROOT / "experiments/relax/authors_normaliser.toml"), "--out", str(out),
                                      "--small"])
    assert result.exit_code == 0, result.output
    import pandas as pd
    frame = pd.read_csv(out / "authors_normaliser.csv")
    assert len(frame) == 8 and (frame.rounds_not_finite == 0).all()
    assert (frame.loc[frame.normaliser.str.startswith("olearn"), "rounds_committed_share"] < 0.5).all()
