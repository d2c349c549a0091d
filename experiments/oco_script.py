"""Command line shared by the oco figure scripts (``olearn run experiments/<family>/<figure>.toml``).

Each script calls :func:`figure_main` with a ``build(sizes) -> (figure, table, summary)`` function:
``sizes`` are the keyword arguments of the TOML's ``[full]`` (or ``[small]`` with ``--small``) table
plus ``backend``; ``table`` is a list of dicts (written as CSV and markdown); ``summary`` is a list
of lines (the measured slopes and ratios, printed and written to ``summary.md``).

Options: ``--config PATH`` (default: the TOML next to the script), ``--out DIR`` (default
``runs/<family>/<toml stem>``), ``--small`` (test size, python backend unless ``--backend``), ``--backend``,
``--seeds`` (e.g. ``--backend gpu --seeds 10000``).
"""
from __future__ import annotations

import argparse
import csv
import tomllib
from pathlib import Path

from olearn.experiment.script import default_out



def options(script_file):
    parser = argparse.ArgumentParser(description=(Path(script_file).read_text().split('"""')[1].strip().splitlines()[0]))
    parser.add_argument("--config", default=str(Path(script_file).with_suffix(".toml")), help="the figure's TOML")
    parser.add_argument("--out", default=None, help="output folder (default runs/<family>/<toml stem>)")
    parser.add_argument("--small", action="store_true", help="test size (seconds; python backend unless --backend)")
    parser.add_argument("--backend", default=None, help="python, cpu or gpu (default: the TOML's, else cpu)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per configuration (default: the TOML's)")
    args = parser.parse_args()
    config = Path(args.config)
    cfg = tomllib.loads(config.read_text())
    sizes = dict(cfg["small" if args.small else "full"])
    sizes["backend"] = args.backend or sizes.get("backend", "python" if args.small else "cpu")
    if args.seeds is not None:
        if args.seeds < 1:
            parser.error(f"--seeds must be an integer >= 1, got {args.seeds}")
        sizes["seeds"] = args.seeds
    return sizes, Path(args.out or default_out(config)), config.stem


def write_table(rows, out: Path, stem: str):
    """rows (list of dicts with the same keys) -> out/stem.csv and out/stem.md."""
    if not rows:
        return
    keys = list(rows[0])
    with open(out / f"{stem}.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows]
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")


def figure_main(script_file, build):
    """Parse the options, build the figure, write out/<stem>.png, .pdf, .csv, .md and summary.md."""
    sizes, out, stem = options(script_file)
    out.mkdir(parents=True, exist_ok=True)
    fig, table, summary = build(sizes)
    for ext in ("png", "pdf"):
        fig.savefig(out / f"{stem}.{ext}", dpi=120, bbox_inches="tight")
    write_table(table, out, stem)
    (out / "summary.md").write_text("\n".join(summary) + "\n")
    print("\n".join(summary))
    print(f"figure: {out / stem}.png (.pdf, .csv)")
    return out
