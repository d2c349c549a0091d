"""Every ``from olearn... import name`` / ``from environments... import name`` in the package, the environments and the
experiment scripts names something that exists, function-local imports included.  Those run only when their
function does: a renamed helper (engine.run._horizon, now world_horizon) once left the config reader importing the
old name, and every ``olearn run`` of a sweep failed while the files tested after the rename passed."""
import ast
import importlib
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("olearn", "environments")


def _imports():
    for folder in (*PACKAGES, "experiments"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in PACKAGES:
                    yield path.relative_to(ROOT), node.lineno, node.module, [a.name for a in node.names if a.name != "*"]


def _exists(module: str, name: str) -> bool:
    if hasattr(importlib.import_module(module), name):
        return True
    try:  # a submodule not yet imported by its package
        importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        return False
    return True


def test_every_imported_name_exists():
    found = list(_imports())
    assert len(found) > 500  # the walk sees the package's imports (about a thousand names)
    missing = [f"{path}:{line}: from {module} import {name}" for path, line, module, names in found for name in names
               if not _exists(module, name)]
    assert not missing, "\n".join(missing)


def test_the_check_sees_a_missing_name(tmp_path, monkeypatch):
    """The check itself: a module importing a name its source module lacks is reported."""
    (tmp_path / "olearn").mkdir()
    (tmp_path / "olearn" / "stale.py").write_text("def f():\n    from olearn.engine.run import _horizon\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = list(_imports())
    assert found == [(Path("olearn/stale.py"), 2, "olearn.engine.run", ["_horizon"])]
    assert not _exists("olearn.engine.run", "_horizon") and _exists("olearn.engine.run", "world_horizon")
    assert _exists("olearn", "conformal")


