"""Maxout on the CPU: the affine pieces by BLAS, the max over pieces and the routing of
the gradient as Numba passes, parallel over rows.

The k pieces are one product: with W = w laid out as (D, k M), W[d, j M + m] = w[j, d, m],

    z = x @ W                                     (N, k M): z[n, j M + m] = (x w[j])[n, m]

and the forward pass makes one sweep over each row of z (`_forward_row`):

    out[n, m]    = max_j z[n, j M + m] + b[j, m]
    winner[n, m] = the first j attaining it (NaN counts as the largest, as np.argmax has it)

Backward routes dout to the winning piece (`_route_row`), dz[n, j M + m] = dout[n, m]
where winner[n, m] = j, else 0, and the rest is BLAS again:

    dx = dz @ W.T        dW = x.T @ dz        dw[j, d, m] = dW[d, j M + m]        db = sum_n dz

winner is int8 for k <= 127 pieces (a quarter of a float32 output's traffic), else
int32. Arrays of fewer than `config.PARALLEL_THRESHOLD` elements of z run the serial
loop over rows, larger ones `prange` over rows.
"""

import numba
import numpy as np

from optbench import config


@numba.njit(error_model="numpy", cache=True)
def _forward_row(z, b, out, winner):
    k, m_count = b.shape
    for m in range(m_count):
        out[m] = z[m] + b[0, m]
        winner[m] = 0
    for j in range(1, k):
        zj = z[j * m_count:(j + 1) * m_count]
        bj = b[j]
        for m in range(m_count):
            v = zj[m] + bj[m]
            best = out[m]
            # v wins when larger, or NaN over a number: the first NaN stays, as in np.argmax
            if best == best and not v <= best:
                out[m] = v
                winner[m] = j


@numba.njit(error_model="numpy", cache=True)
def _forward_serial(z, b, out, winner):
    for n in range(z.shape[0]):
        _forward_row(z[n], b, out[n], winner[n])


@numba.njit(parallel=True, error_model="numpy", cache=True)
def _forward_parallel(z, b, out, winner):
    for n in numba.prange(z.shape[0]):
        _forward_row(z[n], b, out[n], winner[n])


@numba.njit(error_model="numpy", cache=True)
def _route_row(dout, winner, dz, zero):
    m_count = dout.size
    for j in range(dz.size // m_count):
        dzj = dz[j * m_count:(j + 1) * m_count]
        # j in winner's own type: an int8 compare keeps the loop's vectors full
        piece = winner.dtype.type(j)
        for m in range(m_count):
            dzj[m] = dout[m] if winner[m] == piece else zero


@numba.njit(error_model="numpy", cache=True)
def _route_serial(dout, winner, dz, zero):
    for n in range(dz.shape[0]):
        _route_row(dout[n], winner[n], dz[n], zero)


@numba.njit(parallel=True, error_model="numpy", cache=True)
def _route_parallel(dout, winner, dz, zero):
    for n in numba.prange(dz.shape[0]):
        _route_row(dout[n], winner[n], dz[n], zero)


def stacked(w):
    """w (k, D, M) laid out as W (D, k M), W[d, j M + m] = w[j, d, m]: a copy."""
    k, d, m = w.shape
    return np.ascontiguousarray(w.transpose(1, 0, 2)).reshape(d, k * m)


def forward(x, w, b):
    """(out, winner, W) for checked C-contiguous x (N, D), w (k, D, M), b (k, M) of one dtype."""
    k, _, m = w.shape
    stacked_w = stacked(w)
    z = x @ stacked_w
    out = np.empty((x.shape[0], m), x.dtype)
    winner = np.empty((x.shape[0], m), np.int8 if k <= 127 else np.int32)
    if out.size:
        (_forward_serial if z.size < config.PARALLEL_THRESHOLD else _forward_parallel)(z, b, out, winner)
    return out, winner, stacked_w


def backward(dout, x, stacked_w, winner, k):
    """(dx, dw, db) for checked dout (N, M) and forward's x, W, winner and k."""
    n, d = x.shape
    m = dout.shape[1]
    dz = np.empty((n, stacked_w.shape[1]), dout.dtype)
    if dz.size:
        (_route_serial if dz.size < config.PARALLEL_THRESHOLD else _route_parallel)(dout, winner, dz,
                                                                                   dout.dtype.type(0))
    dx = dz @ stacked_w.T
    dw = np.ascontiguousarray((x.T @ dz).reshape(d, k, m).transpose(1, 0, 2))
    db = dz.sum(axis=0).reshape(k, m)
    return dx, dw, db
