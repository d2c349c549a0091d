"""Numeric defaults in one place (dtype, checkpoint grid, chunk sizes, tolerances)."""
import numpy as np

DTYPE = np.float64
#: number of log-spaced checkpoints when none are given (the horizon is always the last one)
CHECKPOINTS = 50
#: seeds per chunk handed to a backend: bounds working memory, sets progress-bar granularity
CHUNK_STEPS = 20_000_000  # seeds x rounds per chunk on the cpu backend
MAX_CHUNK_SEEDS = 1 << 16
#: bytes of working rows and results one cpu or python call may hold
MAX_CHUNK_BYTES = 1 << 30
#: most Newton steps for Tsallis-INF's normaliser and KL-UCB's index
NEWTON_STEPS = 30
#: threads per block on the GPU backend
THREADS_PER_BLOCK = 128
#: widest working row (numbers) a GPU thread keeps in local memory; wider rows stay in their column of device memory
GPU_LOCAL_ROW = 128
#: confidence level of summary bands
CONFIDENCE = 0.95
