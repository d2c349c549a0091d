"""Figure commands whose claims are asserted elsewhere through their library functions (SEA, implicit
FTRL, delays, relax) also run end to end from `olearn run FIGURE.toml --small`, so a script cannot rot
while its functions stay tested.  The private and conformal figures and the relax iterations-vs-omega and
ratio-vs-instances figures have their own script tests (through the same runner); the relax contextual
and heat-equation commands (about 20 s each at --small) are left out for time."""
from pathlib import Path

import pytest
from typer.testing import CliRunner

from olearn.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["sea/regret_vs_T", "sea/bound_grid", "sea/strongly_convex", "sea/dynamic_regret", "implicit_ftrl/lr_sweep",
           "delays/delay_regret", "relax/instances_remaining", "relax/heat_sizes", "relax/smooth_tuners", "offpolicy/replay_vs_live", "rotting/rotting_arms",
           "bandits/regret_vs_gap", "bandits/explore_then_commit", "parameter_free/comparator_scale", "bandits/best_arm", "bandit_convex/regret_vs_T",
           "bandits/feedback_graphs", "bandits/heavy_tails", "contextual/expert_advice", "bandits/exp3_vs_gap", "portfolio/stocks"]


@pytest.mark.parametrize("figure", FIGURES)
def test_figure_command_runs_at_small_size(figure, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(ROOT / "experiments" / f"{figure}.toml"), "--out", str(out), "--small"])
    assert result.exit_code == 0, result.output
    images = list(out.rglob("*.png"))
    assert images and all(p.stat().st_size > 0 for p in images)
    assert list(out.rglob("*.pdf"))


def test_oco_figure_seeds_option_names_its_range(tmp_path):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, str(ROOT / "experiments/sea/bound_grid.py"), "--small", "--seeds", "0",
                          "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and "--seeds must be an integer >= 1, got 0" in run.stderr
