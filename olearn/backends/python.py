"""The reference backend: the engine's kernels called as plain Python."""
import numpy as np

from olearn.engine.loop import make_batch

name = "python"


def build(run_seed):
    """The batch runner for the uncompiled per-seed loop."""
    batch = make_batch(run_seed)

    def run(*args):
        with np.errstate(over="ignore"):  # the counter-based generator wraps around in uint64 on purpose
            batch(*args)

    return run


def threads() -> int:
    return 1
