"""Shared command line of the oco figure scripts: --small (test size), --backend, --out."""
import argparse
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/ for oco_figures


def options(config: Path):
    """Sizes from the figure's TOML ([full] or [small]) and the command-line choices."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="test size (python backend unless --backend)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--out", default=None, help="image file (default: runs/<figure>.png)")
    args = parser.parse_args()
    cfg = tomllib.loads(config.read_text())
    sizes = dict(cfg["small" if args.small else "full"])
    sizes["backend"] = args.backend or sizes.get("backend", "python" if args.small else "cpu")
    out = Path(args.out or Path("runs") / f"{config.stem}.png")
    return sizes, out
