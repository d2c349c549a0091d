"""The private-experts figures run from their one command at a tiny size and write what they promise:
a row per (learner, value), a spent budget within the target, the fitted slopes and both images."""
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from olearn.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = ["dp_svt_experts", "halving"]
TINY = {  # figure -> (its [small] table at a size of seconds, the varied column, its values)
    "regret_vs_d": ({"horizon": 120, "epsilon": 5.0, "seeds": 2, "decoy_loss": 0.5, "log2_d_min": 2, "log2_d_max": 4,
                     "log2_d_step": 2, "learners": LEARNERS}, "d", [4, 16]),
    "regret_vs_epsilon": ({"horizon": 120, "n_experts": 8, "seeds": 2, "decoy_loss": 0.5, "epsilons": [2.0, 8.0],
                           "learners": LEARNERS[:1]}, "epsilon", [2.0, 8.0]),
    "regret_vs_T": ({"n_experts": 8, "epsilon": 5.0, "seeds": 2, "decoy_loss": 0.5, "horizons": [60, 120],
                     "learners": LEARNERS}, "T", [60, 120]),
}


def _toml(table: dict) -> str:
    def value(v):
        return "[" + ", ".join(value(x) for x in v) + "]" if isinstance(v, list) else f'"{v}"' if isinstance(v, str) else repr(v)
    return "\n".join(f"{k} = {value(v)}" for k, v in table.items())


@pytest.mark.parametrize("figure", sorted(TINY))
def test_figure_runs_from_its_command(figure, tmp_path):
    small, column, values = TINY[figure]
    script = ROOT / "experiments" / "private" / f"{figure}.py"
    config = tmp_path / f"{figure}.toml"
    config.write_text(f'[figure]\nscript = "{script}"\n\n[full]\n{_toml(small)}\n\n[small]\n{_toml(small)}\n')
    assert tomllib.loads(config.read_text())["small"] == small
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--small"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / f"{figure}.csv")
    for name in small["learners"]:
        rows = table[table.learner == name]
        assert sorted(rows[column].tolist()) == values, name
        assert (rows.regret >= 0).all()
    private = table[table.learner.str.startswith("dp_")]
    targets = private["epsilon"] if "epsilon" in private else small["epsilon"]
    assert (private.epsilon_spent <= targets + 1e-9).all()
    assert "slope" in (out / f"{figure}.md").read_text()
    assert (out / f"{figure}.png").stat().st_size > 0 and (out / f"{figure}.pdf").stat().st_size > 0
