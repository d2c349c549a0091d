"""Test-wide settings: the GPU code path runs on numba's CUDA simulator unless told otherwise."""
import os

# must be set before numba.cuda is imported; NUMBA_ENABLE_CUDASIM=0 runs the gpu tests on a real GPU
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
