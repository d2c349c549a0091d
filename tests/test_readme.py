"""README.md stays true: every ```python block runs, every `olearn ...` command parses, every path exists.

* Python blocks run in README order from one temporary working directory (they write ``runs/...``)
  with matplotlib's Agg backend. A block runs in a fresh namespace unless ``NEEDS`` says it reads
  names an earlier block defined (the README reads top to bottom: ``import olearn, environments``
  is in the quick start only); ``test_block_dependencies_are_declared`` checks, statically, that
  a block uses no name it neither defines nor gets from its declared prerequisite.
* The README's sizes are real (1,000 seeds x 10,000 rounds, 200 linear systems, ...). ``SHRINK``
  lists, per block, exact textual substitutions that make it run in seconds (smaller sizes, or the
  uncompiled ``python`` backend where a block would otherwise spend its time compiling numba
  kernels). Each ``old`` text must occur exactly once in its block, so an edit of the README that
  removes it fails here instead of silently running the block at full size.
* ``SKIP`` names blocks that need what a test machine lacks (a GPU, a Dask scheduler, a file outside
  the repository), keyed by a whole line found once in the python blocks, with the reason.
* ``SHRINK`` and ``NEEDS`` key blocks by a text fragment found in exactly one python block (checked).
* Commands: each `olearn ...` command in a ```bash block or in inline code must name a subcommand and
  options that exist (parsed by the command's own click parser, without running it). The sweep the
  README's last python block loads (``runs/demo-config``) is made by running the README's
  ``olearn run experiments/configs/demo.toml --workers 0`` on a copy of that config with the
  sizes of ``SWEEP_SHRINK``; ``--resume`` is then run on it too.
* Paths: every path under experiments/, notebooks/ or tests/ that the README mentions exists.
"""
from __future__ import annotations

import ast
import builtins
import os
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text()


# ---------------------------------------------------------------------------------------------
# the blocks


def _fenced(language: str) -> list[tuple[int, str]]:
    """(line number of the block's first code line, code) of every ```language block."""
    found = []
    for match in re.finditer(rf"^```{language}[ \t]*\n(.*?)^```[ \t]*$", TEXT, flags=re.M | re.S):
        found.append((TEXT.count("\n", 0, match.start(1)) + 1, match.group(1)))
    return found


PYTHON = _fenced("python")
BASH = _fenced("bash")

QUICK_START = 'result = olearn.run(olearn.make("ucb1"), env'
SEA = 'environments.make("sea_quadratic"'
CONFORMAL = "from olearn import conformal"
RELAX = "from olearn import relax"
PRIVACY = "from olearn import privacy"
OFFPOLICY = "from olearn import offpolicy"
SWEEP = 'olearn.load("runs/demo-config")'

# key -> [(old, new), ...]: exact substitutions, each found exactly once in the block (no newlines)
SHRINK = {
    QUICK_START: [  # stays on the default cpu backend, what users copy: one numba compilation (~3 s of its ~8 s)
        ("horizon=10_000, seeds=1_000)", "horizon=500, seeds=20)"),
    ],
    SEA: [  # the cpu backend spends ~15 s compiling the SEA kernels, whatever the size
        ("horizon=10_000, seeds=100)", 'horizon=200, seeds=5, backend="python")'),
    ],
    CONFORMAL: [  # a cpu Predictor spends ~4 s compiling SAOCP's step-wise kernel
        ('Predictor("saocp", coverage=0.9, calibration=first_scores)',
         'Predictor("saocp", coverage=0.9, calibration=first_scores, backend="python")'),
    ],
    RELAX: [  # 200 systems x 20 omegas with compare=True; the cpu tuner compiles ChebCB (~5 s)
        ('shifted_laplacian(200, "low")', 'shifted_laplacian(10, "low")'),
        ("compare=True)", 'compare=True, backend="python")'),
    ],
    OFFPOLICY: [  # compiles LinUCB's replay on cpu (~3 s); 100 seeds of 2,000 kept events
        ("horizon=2_000, seeds=100, shuffle=True)", "horizon=300, seeds=10, shuffle=True)"),
    ],
    PRIVACY: [  # ~60 s at full size (1,024 experts x 10,000 rounds x 100 seeds)
        ("n_experts=1024, span=10_000", "n_experts=16, span=200"),
        ("horizon=10_000, seeds=100)", 'horizon=200, seeds=5, backend="python")'),
    ],
}

# dependent block key -> the key of the block whose namespace it continues (README order)
NEEDS = {
    SEA: QUICK_START,      # olearn, environments
    PRIVACY: QUICK_START,  # olearn, environments
    SWEEP: QUICK_START,    # olearn (and the sweep written by `olearn run experiments/configs/demo.toml`)
}

# key -> why the block cannot run on a test machine (a GPU, a Dask scheduler, a file outside the repository).
# None of the README's python blocks needs one today.
SKIP: dict[str, str] = {}

# the README's demo sweep config, made small for the sweep that SWEEP loads: exact substitutions, each found once
SWEEP_CONFIG = ROOT / "experiments" / "configs" / "demo.toml"
SWEEP_SHRINK = [
    ("\nhorizon = 10000\n", "\nhorizon = 100\n"),
    ("\nseeds = 1000\n", "\nseeds = 4\n"),
    ('\nbackend = "cpu"\n', '\nbackend = "python"\n'),  # four learners compiled would cost ~15 s
]


def _block(key: str) -> tuple[int, str]:
    hits = [b for b in PYTHON if key in b[1]]
    assert len(hits) == 1, f"README.md: {key!r} should be in exactly one ```python block, found in {len(hits)}"
    return hits[0]


def _key_of(code: str) -> str | None:
    keys = [k for k in {*SHRINK, *NEEDS, *NEEDS.values(), SWEEP} if k in code]
    assert len(keys) <= 1, f"one README block holds several keys: {keys}"
    return keys[0] if keys else None


def _shrunk(key: str | None, line: int, code: str) -> str:
    for old, new in SHRINK.get(key, []):
        assert "\n" not in old and "\n" not in new  # README line numbers stay right in tracebacks
        count = code.count(old)
        assert count == 1, (f"README.md block at line {line}: the test shrinks it by replacing {old!r}, "
                            f"found {count} times; update SHRINK in tests/test_readme.py with the README")
        code = code.replace(old, new)
    return code


def _names_used_not_bound(code: str) -> set[str]:
    """Names a block reads that it never binds (imports, assignments, loop targets, defs), builtins aside."""
    tree = ast.parse(code)
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return used - bound - set(dir(builtins))


def _bound(code: str) -> set[str]:
    tree = ast.parse(code)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


# ---------------------------------------------------------------------------------------------
# running them


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """One folder for every block (README order: a reader runs them all from one place)."""
    return tmp_path_factory.mktemp("readme")


@pytest.fixture()
def in_workdir(workdir, monkeypatch):
    import matplotlib

    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg")
    monkeypatch.chdir(workdir)
    yield workdir
    import matplotlib.pyplot as plt

    plt.close("all")


_NAMESPACES: dict[str, dict] = {}


def _run(key: str | None, line: int, code: str) -> dict:
    """Execute one block (after its prerequisite, if any) and return its namespace."""
    if key in NEEDS:
        base = NEEDS[key]
        if base not in _NAMESPACES:  # e.g. the prerequisite was deselected: run it here
            _run(base, *_block(base))
        namespace = dict(_NAMESPACES[base])
    else:
        namespace = {"__name__": "__readme__"}
    source = "\n" * (line - 1) + _shrunk(key, line, code)  # tracebacks name README.md lines
    exec(compile(source, str(README), "exec"), namespace)
    if key is not None:
        _NAMESPACES[key] = namespace
    return namespace


@pytest.fixture(scope="module")
def demo_sweep(workdir):
    """runs/demo-config in the work folder: the README's `olearn run experiments/configs/demo.toml --workers 0`,
    on a copy of that config made small by SWEEP_SHRINK."""
    from typer.testing import CliRunner

    from olearn.cli.main import app

    text = SWEEP_CONFIG.read_text()
    for old, new in SWEEP_SHRINK:
        assert text.count(old) == 1, f"{SWEEP_CONFIG}: {old!r} should occur once; update SWEEP_SHRINK"
        text = text.replace(old, new)
    config = workdir / "configs" / SWEEP_CONFIG.name
    config.parent.mkdir(exist_ok=True)
    config.write_text(text)
    here = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(app, ["run", str(config), "--workers", "0"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        assert (workdir / "runs" / "demo-config" / "figures" / "curves.png").is_file()
        again = CliRunner().invoke(app, ["run", str(config), "--resume"])
        assert again.exit_code == 0, again.output + repr(again.exception)
        assert "complete" in again.output
    finally:
        os.chdir(here)
    return workdir / "runs" / "demo-config"


def _block_id(block):
    line, code = block
    first = next((s.strip() for s in code.splitlines() if s.strip() and not s.startswith(("import", "from"))), "")
    return f"line{line}:{first[:40]}"


@pytest.mark.parametrize("block", PYTHON, ids=[_block_id(b) for b in PYTHON])
def test_python_block_runs(block, in_workdir, request):
    line, code = block
    lines = {s.strip() for s in code.splitlines()}
    for skipped, reason in SKIP.items():
        if skipped.strip() in lines:
            pytest.skip(f"README.md line {line}: {reason}")
    key = _key_of(code)
    if key == SWEEP:
        request.getfixturevalue("demo_sweep")
    _run(key, line, code)


def test_there_are_python_blocks():
    assert len(PYTHON) >= 6, f"README.md has {len(PYTHON)} python blocks"


def test_every_key_names_one_block():
    for key in {*SHRINK, *NEEDS, *NEEDS.values(), SWEEP}:
        _block(key)
    for key in SKIP:  # a skip is keyed by a whole line of a block, found once in the README's python blocks
        assert sum(line.strip() == key.strip() for _, code in PYTHON for line in code.splitlines()) == 1, key


def test_every_substitution_matches():
    """Without running anything: each SHRINK text is in its block once (the blocks' tests check it too)."""
    for key in SHRINK:
        _shrunk(key, *_block(key))
        assert _shrunk(key, *_block(key)) != _block(key)[1]


def test_block_dependencies_are_declared():
    """A block reads only names it binds itself or that its declared prerequisite binds; and a declared
    prerequisite is really needed (no block leans on another without saying so, or says so needlessly)."""
    for line, code in PYTHON:
        key = _key_of(code)
        free = _names_used_not_bound(code)
        if key in NEEDS:
            _, base = _block(NEEDS[key])
            assert free, f"README.md line {line}: declared to need {NEEDS[key]!r} but defines every name it uses"
            missing = free - _bound(base)
            assert not missing, f"README.md line {line}: uses {sorted(missing)}, defined nowhere before it"
        else:
            assert not free, f"README.md line {line}: uses {sorted(free)} without defining them (add to NEEDS if an earlier block does)"


# ---------------------------------------------------------------------------------------------
# commands


def _bash_commands() -> list[tuple[int, list[str]]]:
    """(line, arguments after `olearn`) of every olearn command in the ```bash blocks."""
    found = []
    for start, code in BASH:
        for offset, text in enumerate(code.splitlines()):
            lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
            command: list[str] = []
            for word in words + [";"]:
                if word in ("&&", "||", ";", "|", "&"):
                    if command and Path(command[0]).name == "olearn":
                        found.append((start + offset, command[1:]))
                    command = []
                else:
                    command.append(word)
    return found


def _inline_commands() -> list[tuple[int, list[str]]]:
    """(line, arguments) of every inline `olearn SUBCOMMAND ...` outside the fenced blocks."""
    outside = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), TEXT, flags=re.M | re.S)
    found = []
    for match in re.finditer(r"`olearn ([^`]+)`", outside):
        args = shlex.split(match.group(1))
        if args == ["..."]:  # "the commands below (`olearn ...`)"
            continue
        found.append((outside.count("\n", 0, match.start()) + 1, args))
    return found


BASH_COMMANDS = _bash_commands()
INLINE_COMMANDS = _inline_commands()


def test_there_are_commands():
    assert len(BASH_COMMANDS) >= 5 and len(INLINE_COMMANDS) >= 10, (BASH_COMMANDS, INLINE_COMMANDS)


@pytest.fixture(scope="module")
def cli():
    import typer

    from olearn.cli.main import app

    return app, typer.main.get_command(app)


@pytest.mark.parametrize("line,args", BASH_COMMANDS + INLINE_COMMANDS,
                         ids=[f"line{n}:olearn {' '.join(a)}" for n, a in BASH_COMMANDS + INLINE_COMMANDS])
def test_command_parses(line, args, cli):
    """The subcommand exists and the command's own parser accepts its arguments and options (nothing runs)."""
    app, group = cli
    assert args, f"README.md line {line}: `olearn` without a subcommand"
    command = group.get_command(None, args[0])
    assert command is not None, f"README.md line {line}: no subcommand {args[0]!r} (olearn has {sorted(group.commands)})"
    try:
        command.make_context(args[0], list(args[1:]))
    except Exception as err:  # click's UsageError and its kin (NoSuchOption, BadParameter, MissingParameter)
        pytest.fail(f"README.md line {line}: `olearn {' '.join(args)}` does not parse: {err}")


def test_help_of_each_named_subcommand(cli):
    from typer.testing import CliRunner

    app, group = cli
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0, top.output
    for name in sorted({a[0] for _, a in BASH_COMMANDS + INLINE_COMMANDS if a}):
        assert name in top.output, f"`olearn --help` does not list {name}"
        shown = runner.invoke(app, [name, "--help"])
        assert shown.exit_code == 0, shown.output


# inline options the README names on their own (`--force`, ...) -> the command or script that takes them
INLINE_OPTIONS = {
    "`--resume`": "run",
    "`--force`": "run",
    "`--small`": "run",
    "`--out DIR`": "run",
    "`--reference PATH/reference_ucb.py`": "bench",
    "`--reference PATH`": "bench",
    "`--all`": "bench",
    "`--backend gpu --seeds N`": "experiments/oco_script.py",  # "every oco figure script takes ..."
    "`--trace --delay 2`": "experiments/benchmarks/gpu_compile_check.py",
    "`--ptxas`": "experiments/benchmarks/gpu_compile_check.py",
    "`--trials N`": "experiments/relax/contextual.py",  # "the figures that replay learners take ..."
    "`--backend gpu`": "experiments/relax/contextual.py",
}


def _script_options(path: Path) -> set[str]:
    """The options a script's argparse takes, its own and those of sibling modules it imports (relax_common)."""
    text = path.read_text()
    siblings = [path.with_name(f"{m}.py") for m in re.findall(r"^from (\w+) import", text, flags=re.M)]
    text += "".join(p.read_text() for p in siblings if p.is_file())
    return set(re.findall(r"add_argument\(\s*\"(--[\w-]+)\"", text))


def test_inline_options_exist(cli):
    """Every inline `--option` is in INLINE_OPTIONS and its command or script takes it; so does every
    option of an inline `python experiments/....py --option` command."""
    _, group = cli
    outside = re.sub(r"^```.*?^```", "", TEXT, flags=re.M | re.S)
    assert set(re.findall(r"`--[^`]*`", outside)) == set(INLINE_OPTIONS), "update INLINE_OPTIONS with the README"
    for text, owner in INLINE_OPTIONS.items():
        options = {w for w in text.strip("`").split() if w.startswith("--")}
        if owner.endswith(".py"):
            takes = _script_options(ROOT / owner)
        else:
            takes = {o for p in group.get_command(None, owner).params for o in p.opts}
        assert options <= takes, f"README.md: {text}: {owner} takes no {sorted(options - takes)}"
    scripts = re.findall(r"`python (experiments/[\w/.-]+\.py)((?: [^`]*)?)`", outside)
    assert len(scripts) >= 3, scripts
    for script, args in scripts:
        options = {w for w in args.split() if w.startswith("--")}
        assert options <= _script_options(ROOT / script), f"README.md: `python {script}{args}`: no such option"


def test_run_configs_are_valid():
    """Each config the README tells `olearn run` to run loads: a figure config names an existing
    script, a sweep config passes the sweep's validation (nothing runs)."""
    from olearn import experiment
    from olearn.experiment import script

    configs = {a[1] for _, a in BASH_COMMANDS + INLINE_COMMANDS if a[0] == "run" and len(a) > 1 and a[1].startswith("experiments/")}
    assert len(configs) >= 15, configs
    for name in sorted(configs):
        path = ROOT / name
        assert path.is_file(), f"README.md: `olearn run {name}`: no such file"
        if script.figure_script(path) is None:
            experiment.load(path)


# ---------------------------------------------------------------------------------------------
# paths

# README text that names a repository file without its folder -> the file
ABBREVIATED = {
    "`.../adversarial_experts.toml`": "experiments/configs/adversarial_experts.toml",
    "(`reference_metrics.npz`)": "tests/data/conformal/reference_metrics.npz",
}


def _paths() -> list[str]:
    pattern = r"(?<![\w./-])((?:experiments|notebooks|tests)/[\w./-]*)"
    return sorted({m.rstrip(".") for m in re.findall(pattern, TEXT)})


def test_mentioned_paths_exist():
    paths = _paths()
    assert any(p.startswith("tests/data/") for p in paths) and len(paths) >= 20, paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"README.md mentions paths the repository lacks: {missing}"


def test_abbreviated_paths_exist():
    for text, path in ABBREVIATED.items():
        assert text in TEXT, f"README.md no longer says {text!r}; update ABBREVIATED"
        assert (ROOT / path).is_file(), path



def test_contents_links_reach_headings():
    """Each (#anchor) link of the README names a heading, slugged as GitHub does (lower case, punctuation
    dropped, spaces to hyphens)."""
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#{2,3} (.+)$", TEXT, re.M)}
    links = re.findall(r"\]\(#([\w\-]+)\)", TEXT)
    assert len(links) >= 10 and not [a for a in links if a not in slugs], [a for a in links if a not in slugs]
