"""Batch normalization on the CPU: Numba kernels over C-contiguous (N, D) arrays.

Each kernel is written once, as the work on one block of contiguous columns
[j0, j1): `_forward_block`, `_test_block`, `_backward_block`. A driver runs it over
every block, serially (`*_serial`: one block of all D columns, so each row is read
whole) or, from config.PARALLEL_THRESHOLD elements and PARALLEL_WIDTH columns a thread
on (`is_parallel`), in parallel (`*_parallel`: `numba.prange` over blocks of at least
`MIN_WIDTH` columns, `BLOCKS_PER_THREAD` per thread, or else one per thread), so each
thread walks the rows of its own column range, reading `width` contiguous elements of
each row:

    forward, train   per chunk of `rows` rows: sum -> chunk mean, then sum (x - mean)^2
                     over the same rows, re-read from L2 (`CHUNK_BYTES`); chunks merged
                     as Chan, Golub and LeVeque do; then running averages, inv_std, and
                     one pass writing
                         out = gamma * ((x - mean) * inv_std) + beta
    forward, test    inv_std from running_var, then the same pass writing out
    backward         one pass summing dbeta = sum(dout), dgamma = sum(dout * x_hat),
                     x_hat recomputed as (x - mean) * inv_std; one pass writing
                         dx = gamma * inv_std / N * (N dout - dbeta - x_hat dgamma)   (train)
                         dx = dout * gamma * inv_std                                (test)

Memory traffic: forward reads x twice and writes out; backward reads dout and x twice
and writes dx. Keeping x_hat instead of recomputing it would add a write of N x D to
forward and save backward nothing (it would read x_hat where it now reads x).

Each chunk is two-pass, so the variance never suffers the cancellation of
sum(x^2) - N mean^2. With one chunk (N * width * itemsize <= `CHUNK_BYTES`, as at the
verification sizes) the forward pass sums in the reference's order (row after row)
and evaluates its expressions in its order: it agrees with the NumPy reference to the
bit, and so do dgamma and dbeta; dx follows the simplified formula, not the graph.

Arithmetic stays in the array's dtype: the scalars arrive as float64 and are cast
once (`x.dtype.type(eps)`), as NumPy casts a Python float. fastmath stays off. The
kernels are compiled eagerly, for float32 and float64 (read arrays may be read-only);
they trust their caller (`optbench.blocks.batchnorm`) to have checked shapes, dtypes
and contiguity.
"""

import numba
import numpy as np
from numba import prange

from optbench import config

# The layout (`layout`), measured at (1024, 4096) float32 on the 2-core machine with the
# other core idle (medians of 20 rounds, preallocated outputs, data in or out of cache):
# forward in 2.8-3.3 ms with blocks of 1024 or 2048 columns, 3.1-3.6 with 512, 4.0-4.4
# with 256, 4.8-5.1 with 128; backward 3.7-4.2, 4.4-4.9, 5.0-5.6, 7.0-7.6. Narrow
# blocks, whose N x width piece stays in L2 between the passes, lose: pieces of rows
# that short defeat the prefetcher, and the L2 reuse does not pay that back (nor did
# prefetching rows ahead by hand). Two blocks per thread let one thread take over when
# another process holds the other core; below MIN_WIDTH columns a block, one per
# thread; below PARALLEL_WIDTH a thread, serial: with blocks of 128-256 columns two
# threads ran slower than one on whole rows ((4096, 256): 2.2 against 1.7 ms; (512, 512)
# 0.52 against 0.42), with 512 faster ((512, 1024): 0.79 against 0.90 ms; (1024, 1024)
# 1.7 against 2.0). Within a block the statistics go by chunks of CHUNK_BYTES, each
# re-read from L2.
CHUNK_BYTES = 1 << 17
BLOCKS_PER_THREAD = 2
MIN_WIDTH = 1024
PARALLEL_WIDTH = 512

KERNEL = dict(error_model="numpy", cache=True, nogil=True)


def layout(n, d, itemsize, threads=1):
    """(width, rows): columns per block and rows per chunk of the statistics, for an
    (n, d) array on `threads` threads: BLOCKS_PER_THREAD blocks per thread of at least
    MIN_WIDTH columns, else one block per thread; one block of all columns on one thread."""
    if threads <= 1:
        width = max(1, d)
    else:
        width = _multiple_of_16(-(-d // (threads * BLOCKS_PER_THREAD)))
        if width < MIN_WIDTH:
            width = _multiple_of_16(-(-d // threads))
    rows = max(1, CHUNK_BYTES // (min(width, max(1, d)) * itemsize))
    return width, rows


def _multiple_of_16(columns):
    return max(16, -(-columns // 16) * 16)


def is_parallel(n, d, threads):
    """Whether an (n, d) array goes to the parallel drivers: at least
    config.PARALLEL_THRESHOLD elements, and a block of at least PARALLEL_WIDTH columns
    for each thread (narrower, two threads ran slower than one on whole rows)."""
    return threads > 1 and n * d >= config.PARALLEL_THRESHOLD and d >= threads * PARALLEL_WIDTH


def _signatures(*arrays, scalars=0, counts=0):
    """One signature per dtype for arrays given as (ndim, writeable), then float64 scalars and intp counts."""
    found = []
    for dtype in (numba.float32, numba.float64):
        types = [numba.types.Array(dtype, ndim, "C", readonly=not writeable) for ndim, writeable in arrays]
        found.append(numba.void(*types, *([numba.float64] * scalars), *([numba.intp] * counts)))
    return found


R2, W2, R1, W1 = (2, False), (2, True), (1, False), (1, True)


@numba.njit(**KERNEL)
def _statistics(x, mean, var, j0, j1, rows):
    """mean[j0:j1] and the biased var[j0:j1] of x[:, j0:j1], two-pass per chunk of `rows` rows.

    A chunk of c rows gives its mean m_c and M_c = sum (x - m_c)^2; merged into the
    n rows before it (mean m, sum of squares M):

        delta = m_c - m,   m += delta * c / (n + c),   M += M_c + delta^2 * n * c / (n + c)
    """
    n = x.shape[0]
    w = j1 - j0
    zero = x.dtype.type(0)
    chunk_mean = np.empty(w, x.dtype)
    chunk_m2 = np.empty(w, x.dtype)
    m = mean[j0:j1]
    m2 = var[j0:j1]
    done = 0
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        chunk_mean[:] = zero
        for i in range(start, stop):
            row = x[i, j0:j1]
            for k in range(w):
                chunk_mean[k] += row[k]
        count = x.dtype.type(stop - start)
        for k in range(w):
            chunk_mean[k] = chunk_mean[k] / count
        chunk_m2[:] = zero
        for i in range(start, stop):
            row = x[i, j0:j1]
            for k in range(w):
                d = row[k] - chunk_mean[k]
                chunk_m2[k] += d * d
        if done == 0:
            for k in range(w):
                m[k] = chunk_mean[k]
                m2[k] = chunk_m2[k]
        else:
            total = x.dtype.type(done) + count
            share = count / total
            weight = x.dtype.type(done) * share
            for k in range(w):
                delta = chunk_mean[k] - m[k]
                m[k] += delta * share
                m2[k] += chunk_m2[k] + delta * delta * weight
        done = stop
    size = x.dtype.type(n)
    for k in range(w):
        m2[k] = m2[k] / size


@numba.njit(**KERNEL)
def _normalize_block(x, gamma, beta, mean, inv_std, out, j0, j1):
    """out = gamma * ((x - mean) * inv_std) + beta over columns [j0, j1)."""
    w = j1 - j0
    g = gamma[j0:j1]
    b = beta[j0:j1]
    m = mean[j0:j1]
    r = inv_std[j0:j1]
    for i in range(x.shape[0]):
        row = x[i, j0:j1]
        o = out[i, j0:j1]
        for k in range(w):
            o[k] = g[k] * ((row[k] - m[k]) * r[k]) + b[k]


@numba.njit(**KERNEL)
def _forward_block(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, rest,
                   j0, j1, rows):
    """Train mode on columns [j0, j1): statistics, running averages, inv_std, out."""
    _statistics(x, mean, var, j0, j1, rows)
    one = x.dtype.type(1)
    for j in range(j0, j1):
        running_mean[j] = momentum * running_mean[j] + rest * mean[j]
        running_var[j] = momentum * running_var[j] + rest * var[j]
        inv_std[j] = one / np.sqrt(var[j] + eps)
    _normalize_block(x, gamma, beta, mean, inv_std, out, j0, j1)


@numba.njit(**KERNEL)
def _test_block(x, gamma, beta, running_mean, running_var, out, inv_std, eps, j0, j1):
    """Test mode on columns [j0, j1): inv_std from the running variance, out."""
    one = x.dtype.type(1)
    for j in range(j0, j1):
        inv_std[j] = one / np.sqrt(running_var[j] + eps)
    _normalize_block(x, gamma, beta, running_mean, inv_std, out, j0, j1)


@numba.njit(**KERNEL)
def _backward_block(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train, j0, j1):
    """dbeta, dgamma and dx over columns [j0, j1) (module docstring)."""
    n = x.shape[0]
    w = j1 - j0
    zero = x.dtype.type(0)
    size = x.dtype.type(n)
    m = mean[j0:j1]
    r = inv_std[j0:j1]
    dg = dgamma[j0:j1]
    db = dbeta[j0:j1]
    dg[:] = zero
    db[:] = zero
    for i in range(n):
        d = dout[i, j0:j1]
        row = x[i, j0:j1]
        for k in range(w):
            x_hat = (row[k] - m[k]) * r[k]
            db[k] += d[k]
            dg[k] += d[k] * x_hat
    g = gamma[j0:j1]
    if train:
        scale = np.empty(w, x.dtype)
        for k in range(w):
            scale[k] = g[k] * r[k] / size
        for i in range(n):
            d = dout[i, j0:j1]
            row = x[i, j0:j1]
            out = dx[i, j0:j1]
            for k in range(w):
                x_hat = (row[k] - m[k]) * r[k]
                out[k] = scale[k] * (size * d[k] - db[k] - x_hat * dg[k])
    else:
        for i in range(n):
            d = dout[i, j0:j1]
            out = dx[i, j0:j1]
            for k in range(w):
                out[k] = d[k] * g[k] * r[k]


FORWARD = _signatures(R2, R1, R1, W1, W1, W2, W1, W1, W1, scalars=3, counts=2)
TEST = _signatures(R2, R1, R1, R1, R1, W2, W1, scalars=1, counts=1)
BACKWARD = _signatures(R2, R2, R1, R1, R1, W2, W1, W1, counts=2)


@numba.njit(FORWARD, **KERNEL)
def forward_serial(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, rest,
                   width, rows):
    """Train-mode forward over all column blocks, one after another."""
    e, mo, re = x.dtype.type(eps), x.dtype.type(momentum), x.dtype.type(rest)
    d = x.shape[1]
    for b in range((d + width - 1) // width):
        j0 = b * width
        _forward_block(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, e, mo, re,
                       j0, min(d, j0 + width), rows)


@numba.njit(FORWARD, parallel=True, **KERNEL)
def forward_parallel(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, rest,
                     width, rows):
    """Train-mode forward, column blocks spread over the threads."""
    e, mo, re = x.dtype.type(eps), x.dtype.type(momentum), x.dtype.type(rest)
    d = x.shape[1]
    for b in prange((d + width - 1) // width):
        j0 = b * width
        _forward_block(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, e, mo, re,
                       j0, min(d, j0 + width), rows)


@numba.njit(TEST, **KERNEL)
def test_serial(x, gamma, beta, running_mean, running_var, out, inv_std, eps, width):
    """Test-mode forward over all column blocks, one after another."""
    e = x.dtype.type(eps)
    d = x.shape[1]
    for b in range((d + width - 1) // width):
        j0 = b * width
        _test_block(x, gamma, beta, running_mean, running_var, out, inv_std, e, j0, min(d, j0 + width))


@numba.njit(TEST, parallel=True, **KERNEL)
def test_parallel(x, gamma, beta, running_mean, running_var, out, inv_std, eps, width):
    """Test-mode forward, column blocks spread over the threads."""
    e = x.dtype.type(eps)
    d = x.shape[1]
    for b in prange((d + width - 1) // width):
        j0 = b * width
        _test_block(x, gamma, beta, running_mean, running_var, out, inv_std, e, j0, min(d, j0 + width))


@numba.njit(BACKWARD, **KERNEL)
def backward_serial(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train, width):
    """Backward over all column blocks, one after another (train: 1 for train mode, 0 for test)."""
    d = x.shape[1]
    for b in range((d + width - 1) // width):
        j0 = b * width
        _backward_block(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train != 0, j0, min(d, j0 + width))


@numba.njit(BACKWARD, parallel=True, **KERNEL)
def backward_parallel(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train, width):
    """Backward, column blocks spread over the threads."""
    d = x.shape[1]
    for b in prange((d + width - 1) // width):
        j0 = b * width
        _backward_block(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train != 0, j0, min(d, j0 + width))


def empty(shape, dtype):
    return np.empty(shape, dtype)


def zeros(shape, dtype):
    return np.zeros(shape, dtype)


def copy(a):
    return a.copy()


def forward(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, train):
    """Run the forward kernel (train or test mode) on checked arrays; `out`, `mean`,
    `var`, `inv_std` are written (mean and var in train mode only)."""
    n, d = x.shape
    threads = numba.get_num_threads()
    parallel = is_parallel(n, d, threads)
    width, rows = layout(n, d, x.itemsize, threads if parallel else 1)
    if train:
        kernel = forward_parallel if parallel else forward_serial
        kernel(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, 1.0 - momentum,
               width, rows)
    else:
        kernel = test_parallel if parallel else test_serial
        kernel(x, gamma, beta, running_mean, running_var, out, inv_std, eps, width)


def backward(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train):
    """Run the backward kernel on checked arrays; dx, dgamma, dbeta are written."""
    n, d = x.shape
    threads = numba.get_num_threads()
    parallel = is_parallel(n, d, threads)
    width, _ = layout(n, d, x.itemsize, threads if parallel else 1)
    kernel = backward_parallel if parallel else backward_serial
    kernel(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, int(train), width)
