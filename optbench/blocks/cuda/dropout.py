"""Dropout's mask-and-scale pass in numba-cuda: the pass of `optbench.blocks.cpu.dropout`,
a grid-stride loop with one element per thread and step,

    z_i   = mix(seed + (i + 1) * GAMMA)             uint64, wrapping
    out_i = x_i * (scale if (z_i >> 11) < threshold else 0)

so the mask is the one the cpu kernel and the reference draw, bit for bit. The uint64
multiplies wrap on the GPU; on Numba's simulator they are NumPy uint64 scalars, which
wrap too but warn (from each simulated thread, where `numpy.errstate` does not reach),
so the simulated launch ignores exactly those warnings.
"""

import warnings

import numpy as np
from numba import cuda

from optbench import config
from optbench.kernels.cuda import SIMULATOR, device_view

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
S11, S27, S30, S31 = (np.uint64(s) for s in (11, 27, 30, 31))
ONE = np.uint64(1)


@cuda.jit(cache=True)
def _mask_scale(out, x, seed, threshold, scale, zero):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        z = seed + (np.uint64(i) + ONE) * GAMMA
        z = (z ^ (z >> S30)) * MIX1
        z = (z ^ (z >> S27)) * MIX2
        z = z ^ (z >> S31)
        out[i] = x[i] * (scale if (z >> S11) < threshold else zero)


def mask_scale(out, x, seed, threshold, scale):
    """out = x * mask over C-contiguous device arrays of one float dtype and size
    (checked by the caller)."""
    out, x = (a.reshape(a.size) for a in (device_view(out), device_view(x)))
    if x.size == 0:
        return
    threads = config.CUDA_THREADS_PER_BLOCK
    blocks = min(config.CUDA_MAX_BLOCKS, -(-x.size // threads))
    dtype = x.dtype.type
    arguments = out, x, np.uint64(seed), np.uint64(threshold), dtype(scale), dtype(0)
    if SIMULATOR:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"overflow encountered in scalar (add|multiply)", RuntimeWarning)
            _mask_scale[blocks, threads](*arguments)
    else:
        _mask_scale[blocks, threads](*arguments)
