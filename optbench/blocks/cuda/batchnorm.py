"""Batch normalization on CUDA (numba-cuda): one thread per feature.

Thread j walks the rows of column j, so neighbouring threads of a warp read
neighbouring elements of each row (coalesced):

    forward, train   sum -> mean_j; sum (x - mean_j)^2 -> var_j (two passes over the
                     column); running averages, inv_std_j; a pass writing
                         out = gamma * ((x - mean) * inv_std) + beta
    forward, test    inv_std_j from running_var_j, then the same pass writing out
    backward         a pass summing dbeta_j and dgamma_j (x_hat recomputed from x, mean_j,
                     inv_std_j), a pass writing dx (see `optbench.blocks.batchnorm`)

Simple rather than fast: a large batch leaves D threads to do N D work, with no
shared-memory reduction over the rows. The sums run in the reference's order (row
after row), so on Numba's simulator the forward pass agrees with NumPy to the bit;
a GPU may fuse a multiply and an add, which the block's tolerance covers. Scalars are
kernel arguments in the arrays' dtype (zero, one, N, eps, momentum, 1 - momentum), so
float32 data stays float32 arithmetic; fastmath stays off. Arrays are numba device
arrays (views of any `__cuda_array_interface__` object), checked by the caller.
"""

import math

import numpy as np
from numba import cuda

from optbench import config
from optbench.kernels.cuda import SIMULATOR


@cuda.jit(cache=True)
def _forward_train(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std,
                   eps, momentum, rest, count, zero, one):
    n, d = x.shape
    for j in range(cuda.grid(1), d, cuda.gridsize(1)):
        total = zero
        for i in range(n):
            total += x[i, j]
        mu = total / count
        squares = zero
        for i in range(n):
            centred = x[i, j] - mu
            squares += centred * centred
        sigma2 = squares / count
        r = one / math.sqrt(sigma2 + eps)
        mean[j] = mu
        var[j] = sigma2
        inv_std[j] = r
        running_mean[j] = momentum * running_mean[j] + rest * mu
        running_var[j] = momentum * running_var[j] + rest * sigma2
        g = gamma[j]
        b = beta[j]
        for i in range(n):
            out[i, j] = g * ((x[i, j] - mu) * r) + b


@cuda.jit(cache=True)
def _forward_test(x, gamma, beta, running_mean, running_var, out, inv_std, eps, one):
    n, d = x.shape
    for j in range(cuda.grid(1), d, cuda.gridsize(1)):
        r = one / math.sqrt(running_var[j] + eps)
        inv_std[j] = r
        mu = running_mean[j]
        g = gamma[j]
        b = beta[j]
        for i in range(n):
            out[i, j] = g * ((x[i, j] - mu) * r) + b


@cuda.jit(cache=True)
def _backward(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train, count, zero):
    n, d = x.shape
    for j in range(cuda.grid(1), d, cuda.gridsize(1)):
        mu = mean[j]
        r = inv_std[j]
        db = zero
        dg = zero
        for i in range(n):
            db += dout[i, j]
            dg += dout[i, j] * ((x[i, j] - mu) * r)
        dbeta[j] = db
        dgamma[j] = dg
        g = gamma[j]
        if train:
            scale = g * r / count
            for i in range(n):
                x_hat = (x[i, j] - mu) * r
                dx[i, j] = scale * (count * dout[i, j] - db - x_hat * dg)
        else:
            for i in range(n):
                dx[i, j] = dout[i, j] * g * r


def _grid(d):
    """(blocks, threads) covering d features; on the simulator blocks no larger than needed."""
    threads = config.CUDA_THREADS_PER_BLOCK
    if SIMULATOR:
        threads = min(threads, max(32, -(-d // 32) * 32))
    return min(config.CUDA_MAX_BLOCKS, -(-d // threads)), threads


def empty(shape, dtype):
    return cuda.device_array(shape, dtype)


def zeros(shape, dtype):
    return cuda.to_device(np.zeros(shape, dtype))


def copy(a):
    result = cuda.device_array(a.shape, a.dtype)
    result.copy_to_device(a)
    return result


def forward(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, train):
    """Launch the forward kernel (train or test mode) on checked device arrays."""
    n, d = x.shape
    if d == 0:
        return
    cast = x.dtype.type
    blocks, threads = _grid(d)
    if train:
        _forward_train[blocks, threads](x, gamma, beta, running_mean, running_var, out, mean, var, inv_std,
                                        cast(eps), cast(momentum), cast(1.0 - momentum), cast(n), cast(0), cast(1))
    else:
        _forward_test[blocks, threads](x, gamma, beta, running_mean, running_var, out, inv_std, cast(eps), cast(1))


def backward(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, train):
    """Launch the backward kernel on checked device arrays."""
    n, d = x.shape
    if d == 0:
        return
    cast = x.dtype.type
    blocks, threads = _grid(d)
    _backward[blocks, threads](dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, bool(train), cast(n), cast(0))
