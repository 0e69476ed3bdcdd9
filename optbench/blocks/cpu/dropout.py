"""Dropout's mask-and-scale pass in Numba: out_i = x_i * m_i, the mask m_i recomputed
from (seed, i) by SplitMix64 (`optbench.blocks.dropout`), never stored.

    z_i  = mix(seed + (i + 1) * GAMMA)              uint64, wrapping
    m_i  = scale   if (z_i >> 11) < threshold       threshold = ceil(p * 2**53)
           0       otherwise
    out_i = x_i * m_i                               one rounding, in x's dtype

The same pass serves forward (x) and backward (dout). Every operation on z is uint64:
Numba would turn a mix of int64 and uint64 into float64, so the index is cast and the
constants are uint64 globals. With AVX-512DQ the loop vectorizes (vpmullq for the
multiplies). Below `config.PARALLEL_THRESHOLD` elements one serial loop runs; above it
each thread takes one contiguous chunk, a multiple of 16 elements, passing its start so
that element i keeps its index; each piece runs through `_run`, a loop over a slice
from 0, which Numba compiles without index-wrap checks.
"""

import numba
import numpy as np

from optbench import config

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
S11, S27, S30, S31 = (np.uint64(s) for s in (11, 27, 30, 31))


@numba.njit(error_model="numpy", cache=True)
def _run(out, x, start, seed, threshold, scale, zero):
    for i in range(x.size):
        z = seed + numba.uint64(start + i + 1) * GAMMA
        z = (z ^ (z >> S30)) * MIX1
        z = (z ^ (z >> S27)) * MIX2
        z = z ^ (z >> S31)
        out[i] = x[i] * (scale if (z >> S11) < threshold else zero)


@numba.njit(error_model="numpy", cache=True)
def serial(out, x, seed, threshold, scale, zero):
    _run(out, x, 0, seed, threshold, scale, zero)


@numba.njit(parallel=True, error_model="numpy", cache=True)
def parallel(threads, out, x, seed, threshold, scale, zero):
    n = x.size
    chunk = ((n + threads - 1) // threads + 15) & ~15
    for c in numba.prange(threads):
        lo = min(n, c * chunk)
        hi = min(n, lo + chunk)
        _run(out[lo:hi], x[lo:hi], lo, seed, threshold, scale, zero)


def mask_scale(out, x, seed, threshold, scale):
    """out = x * mask over C-contiguous arrays of one float dtype and size (checked by the
    caller), seed and threshold as uint64, scale in the arrays' dtype."""
    out, x = out.reshape(-1), x.reshape(-1)
    constants = np.uint64(seed), np.uint64(threshold), x.dtype.type(scale), x.dtype.type(0)
    if x.size < config.PARALLEL_THRESHOLD:
        serial(out, x, *constants)
    else:
        parallel(numba.get_num_threads(), out, x, *constants)
