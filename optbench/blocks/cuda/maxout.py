"""Maxout in numba-cuda: simple grid-stride kernels, one output element per thread and step.

    forward   (n, m)      z_j = b[j, m] + sum_d x[n, d] w[j, d, m] for each j, then the
                          max and the first j attaining it (NaN the largest, as np.argmax)
    dx        (n, d)      dx[n, d] = sum_m dout[n, m] w[winner[n, m], d, m]
    dw        (j, d, m)   dw[j, d, m] = sum_n [winner[n, m] = j] x[n, d] dout[n, m]
    db        (j, m)      db[j, m] = sum_n [winner[n, m] = j] dout[n, m]

Each sum runs in index order in the arrays' dtype; libNVVM may fuse the multiply-adds,
which the tolerance of `optbench.blocks.maxout` covers (its bounds hold for any order
and for fused operations). winner is int32 on the device.
"""

import numpy as np
from numba import cuda

from optbench import config


@cuda.jit(cache=True)
def _forward(x, w, b, out, winner, zero):
    n_count, d_count = x.shape
    k, _, m_count = w.shape
    for t in range(cuda.grid(1), n_count * m_count, cuda.gridsize(1)):
        n = t // m_count
        m = t - n * m_count
        best = zero
        arg = 0
        for j in range(k):
            acc = zero
            for d in range(d_count):
                acc += x[n, d] * w[j, d, m]
            v = acc + b[j, m]
            # the first piece, then a larger one or a NaN over a number
            if j == 0 or (best == best and not v <= best):
                best = v
                arg = j
        out[n, m] = best
        winner[n, m] = arg


@cuda.jit(cache=True)
def _dx(dout, w, winner, dx, zero):
    n_count, d_count = dx.shape
    m_count = dout.shape[1]
    for t in range(cuda.grid(1), n_count * d_count, cuda.gridsize(1)):
        n = t // d_count
        d = t - n * d_count
        acc = zero
        for m in range(m_count):
            acc += dout[n, m] * w[winner[n, m], d, m]
        dx[n, d] = acc


@cuda.jit(cache=True)
def _dw(dout, x, winner, dw, zero):
    k, d_count, m_count = dw.shape
    n_count = x.shape[0]
    for t in range(cuda.grid(1), k * d_count * m_count, cuda.gridsize(1)):
        j = t // (d_count * m_count)
        rest = t - j * d_count * m_count
        d = rest // m_count
        m = rest - d * m_count
        acc = zero
        for n in range(n_count):
            if winner[n, m] == j:
                acc += x[n, d] * dout[n, m]
        dw[j, d, m] = acc


@cuda.jit(cache=True)
def _db(dout, winner, db, zero):
    k, m_count = db.shape
    n_count = dout.shape[0]
    for t in range(cuda.grid(1), k * m_count, cuda.gridsize(1)):
        j = t // m_count
        m = t - j * m_count
        acc = zero
        for n in range(n_count):
            if winner[n, m] == j:
                acc += dout[n, m]
        db[j, m] = acc


def _launch(kernel, size, *arguments):
    if size == 0:
        return
    threads = config.CUDA_THREADS_PER_BLOCK
    kernel[min(config.CUDA_MAX_BLOCKS, -(-size // threads)), threads](*arguments)


def forward(x, w, b):
    """(out, winner) for checked C-contiguous device arrays x (N, D), w (k, D, M), b (k, M)."""
    n = x.shape[0]
    m = w.shape[2]
    out = cuda.device_array((n, m), x.dtype)
    winner = cuda.device_array((n, m), np.int32)
    _launch(_forward, n * m, x, w, b, out, winner, x.dtype.type(0))
    return out, winner


def backward(dout, x, w, winner):
    """(dx, dw, db) on the device for checked dout (N, M) and forward's x, w, winner."""
    zero = dout.dtype.type(0)
    dx = cuda.device_array(x.shape, x.dtype)
    dw = cuda.device_array(w.shape, w.dtype)
    db = cuda.device_array((w.shape[0], w.shape[2]), w.dtype)
    _launch(_dx, dx.size, dout, w, winner, dx, zero)
    _launch(_dw, dw.size, dout, x, winner, dw, zero)
    _launch(_db, db.size, dout, winner, db, zero)
    return dx, dw, db
