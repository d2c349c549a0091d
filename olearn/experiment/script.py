"""Figure-script configs: a TOML whose ``[figure]`` table names a script that draws one paper figure.

Figures that need their own computation (regret against a variance bound, instances remaining
against iterations, a table in a paper's layout) are scripts under ``experiments/``. Their TOML
holds the sizes and names the script::

    [figure]
    script = "experiments/sea/bound_grid.py"   # relative to the repository root (or to the TOML)

    [full]
    horizon = 100000

``olearn run FIGURE.toml [--out DIR] [--small]`` runs the script as ``__main__`` with the command
line ``SCRIPT --config FIGURE.toml --out DIR [--small]``; each script accepts those three options.
DIR defaults to ``runs/<the config's folder>/<its name>`` (``runs/sea/regret_vs_T``), so figures of
two families with the same name never share a folder.
"""
from __future__ import annotations

import runpy
import sys
import tomllib
from pathlib import Path

from olearn.core.errors import did_you_mean
from olearn.experiment.config import ConfigError


def figure_script(path) -> Path | None:
    """The script a figure config names, or None for a sweep config (no ``[figure]`` table)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):  # no file, a folder, unreadable, not UTF-8 or TOML
        return None  # the sweep loader reports these with its own messages
    table = raw.get("figure")
    if not isinstance(table, dict):
        return None
    _check_sizes(path, raw)
    script = table.get("script")
    if not isinstance(script, str) or not script.endswith(".py"):
        raise ConfigError(str(path), "figure.script", script, "the path of a Python script, e.g. experiments/sea/bound_grid.py")
    for base in (Path.cwd(), *path.resolve().parents):
        if (base / script).is_file():
            return (base / script).resolve()
    raise ConfigError(str(path), "figure.script", script, "an existing file relative to the repository root or to the config")


def _check_sizes(path: Path, raw: dict) -> None:
    """``[small]`` overrides ``[full]``: each of its keys must be a ``[full]`` key (a typo would be ignored)."""
    full, small = raw.get("full", {}), raw.get("small", {})
    if not isinstance(full, dict) or not isinstance(small, dict):
        raise ConfigError(str(path), "full" if not isinstance(full, dict) else "small", None, "a table of sizes")
    for key in small:
        if key not in full:
            raise ConfigError(str(path), f"small.{key}", small[key], "a key of [full], which [small] overrides: "
                              + ", ".join(full) + did_you_mean(key, full))


def default_out(config, base="runs") -> Path:
    """``base/<the config's folder>/<its name>``: where a figure writes when no ``--out`` is given."""
    config = Path(config)
    return Path(base) / config.parent.name / config.stem


def run_figure_script(config, out=None, small: bool = False) -> Path:
    """Run the figure script of ``config`` in this process; returns the output directory."""
    config = Path(config)
    script = figure_script(config)
    if script is None:
        raise ConfigError(str(config), "figure", None, "a [figure] table with script = ...")
    out = Path(out or default_out(config))
    argv = [str(script), "--config", str(config), "--out", str(out)] + (["--small"] if small else [])
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = argv
    sys.path.insert(0, str(script.parent))  # the script's sibling modules, as `python SCRIPT` would see them
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return out
