"""`olearn run FIGURE.toml` runs the script a [figure] table names, with --config/--out/--small."""
import json

import pytest
from typer.testing import CliRunner

from olearn.cli.main import app
from olearn.experiment import ConfigError
from olearn.experiment.script import figure_script, run_figure_script

SCRIPT = '''
import argparse, json, sys, tomllib
from pathlib import Path
from sibling import VALUE
parser = argparse.ArgumentParser()
parser.add_argument("--config"); parser.add_argument("--out"); parser.add_argument("--small", action="store_true")
args = parser.parse_args()
sizes = tomllib.loads(Path(args.config).read_text())["small" if args.small else "full"]
Path(args.out).mkdir(parents=True, exist_ok=True)
(Path(args.out) / "made.json").write_text(json.dumps({"sizes": sizes, "value": VALUE, "name": __name__}))
'''


@pytest.fixture
def figure(tmp_path):
    (tmp_path / "fig").mkdir()
    (tmp_path / "fig" / "draw.py").write_text(SCRIPT)
    (tmp_path / "fig" / "sibling.py").write_text("VALUE = 7\n")
    config = tmp_path / "fig" / "draw.toml"
    config.write_text('[figure]\nscript = "fig/draw.py"\n[full]\nhorizon = 1000\n[small]\nhorizon = 10\n')
    return config


def test_cli_runs_the_named_script_with_its_sizes(figure, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(figure), "--out", str(out), "--small"])
    assert result.exit_code == 0, result.output
    made = json.loads((out / "made.json").read_text())
    assert made == {"sizes": {"horizon": 10}, "value": 7, "name": "__main__"}
    run_figure_script(figure, out)  # full size, called from Python
    assert json.loads((out / "made.json").read_text())["sizes"] == {"horizon": 1000}


def test_sweep_configs_are_not_figure_scripts(tmp_path):
    config = tmp_path / "sweep.toml"
    config.write_text('[run]\nhorizon = 5\n')
    assert figure_script(config) is None


def test_missing_script_names_the_key(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[figure]\nscript = "nowhere/draw.py"\n')
    with pytest.raises(ConfigError, match="figure.script"):
        figure_script(config)
    config.write_text('[figure]\nscript = 3\n')
    with pytest.raises(ConfigError, match="figure.script"):
        figure_script(config)


def test_help_shows_the_config_tables_literally():
    # the TOML table names are in brackets, which a markup-rendering help would swallow
    result = CliRunner().invoke(app, ["run", "--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "[figure]" in result.output and "[[learners]]" in result.output


def test_a_small_key_must_override_a_full_key(figure):
    """A typo in [small] would be ignored and the figure would run at full size: it is named instead."""
    figure.write_text('[figure]\nscript = "fig/draw.py"\n[full]\nhorizon = 1000\nseeds = 5\n[small]\nhorizn = 10\n')
    with pytest.raises(ConfigError, match=r"small\.horizn.*did you mean 'horizon'"):
        figure_script(figure)


def test_every_shipped_figure_config_passes_the_size_check():
    from pathlib import Path

    import tomllib

    root = Path(__file__).resolve().parents[1]
    configs = [p for p in (root / "experiments").rglob("*.toml") if "[figure]" in p.read_text()]
    assert len(configs) > 10
    for config in configs:
        # the script its [figure] table names, relative to the repository root (None would be a config not read)
        named = (root / tomllib.loads(config.read_text())["figure"]["script"]).resolve()
        assert named.is_file() and figure_script(config) == named, config


def test_sweep_only_options_are_refused_on_a_figure_config(figure, tmp_path):
    """--workers, --scheduler, --resume and --force mean nothing to a figure script: they had been ignored
    (--workers -1 too, whose help says an integer >= 0); they are refused before the script runs."""
    out = tmp_path / "out"
    for flags in (["--workers", "-1"], ["--workers", "2"], ["--force"], ["--resume"], ["--scheduler", "tcp://x:1"]):
        result = CliRunner().invoke(app, ["run", str(figure), "--out", str(out), "--small", *flags])
        assert result.exit_code == 2 and "sweep configs only" in result.output and flags[0] in result.output, result.output
        assert not out.exists()
    assert CliRunner().invoke(app, ["run", str(figure), "--out", str(out), "--small"]).exit_code == 0
