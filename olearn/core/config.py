"""Numeric defaults in one place (dtype, checkpoint grid, chunk sizes, tolerances)."""
import numpy as np

DTYPE = np.float64
#: number of log-spaced checkpoints when none are given (the horizon is always the last one)
CHECKPOINTS = 50
#: seeds per chunk handed to a backend: bounds working memory, sets progress-bar granularity
CHUNK_STEPS = 20_000_000  # seeds x rounds per chunk on the cpu backend
MAX_CHUNK_SEEDS = 1 << 16
#: a cpu call of fewer seeds x rounds than this runs on the calling thread: threads would save a few
#: milliseconds at most, and compiling the threaded runner costs ~0.5 s more per learner-world pair
SERIAL_STEPS = 1_000_000
#: bytes of working rows and results one cpu or python call may hold
MAX_CHUNK_BYTES = 1 << 30
#: most Newton steps for Tsallis-INF's normaliser and KL-UCB's index
NEWTON_STEPS = 30
#: threads per block on the GPU backend
THREADS_PER_BLOCK = 128
#: widest working row (numbers) a GPU thread keeps in local memory; wider rows stay in their column of device memory.
#: Measured on an H200 (bench_gpu.py, same-run ratios local / columns): rows of up to 32 numbers 1.02x to 1.26x
#: (EXP3, Thompson, a 16-value EXP3 grid, UCB1 on 5 arms); rows of 40 (UCB1, 10 arms) 0.87x to 1.08x and of 100
#: (Hedge) 0.98x: the wider local rows of the threads then resident outgrow the L2 cache (ncu: DRAM traffic 2.16
#: against 1.19 TB/s, L2 hit rate 57% against 75%).
GPU_LOCAL_ROW = 32
#: confidence level of summary bands
CONFIDENCE = 0.95
