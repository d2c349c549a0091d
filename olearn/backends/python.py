"""The reference backend: the engine's kernels called as plain Python."""
import numpy as np

from olearn.core import config
from olearn.engine.loop import make_batch

name = "python"


def build(run_seed):
    """The batch runner for the uncompiled per-seed loop."""
    batch = make_batch(run_seed)

    def run(lp_table, config_of, seeds, ep, dp, horizon, ckpts, width, layout, out, trace_actions, trace_losses, states):
        work = np.zeros((seeds.size, width))
        with np.errstate(over="ignore"):  # the counter-based generator wraps around in uint64 on purpose
            batch(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions, trace_losses)
        states[:] = work[:, : states.shape[1]]  # the learner's state is the first block of each working row

    return run


def threads() -> int:
    return 1


def chunk_jobs(n_jobs: int, horizon: int, job_bytes: int) -> int:
    """Jobs per call: small, so progress is reported often (and at most MAX_CHUNK_BYTES of working memory)."""
    return max(1, min(64, n_jobs, config.MAX_CHUNK_BYTES // job_bytes))
