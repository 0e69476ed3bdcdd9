"""Implementations written by hand for the conformance tests: correct ones written
differently from the reference, and broken ones."""

import numba
import numpy as np


def adam_reordered(x0, beta1, beta2, epsilon, bias_correction):
    """Adam as torch writes it: the rate divided by the correction first, m / (sqrt(v)/sqrt(c2) + eps)."""
    x, m, v = x0.copy(), np.zeros_like(x0), np.zeros_like(x0)
    t = [0]

    def step(dx, learning_rate):
        t[0] += 1
        m[...] = m + (1 - beta1) * (dx - m)
        v[...] = beta2 * v + (1 - beta2) * dx * dx
        c1, c2 = 1 - beta1 ** t[0], 1 - beta2 ** t[0]
        x[...] -= (learning_rate / c1) * m / (np.sqrt(v) / np.sqrt(c2) + epsilon)
        return x

    step.state = lambda: {"m": m, "v": v}
    return step


def sgd_momentum_torch(x0, momentum):
    """Momentum on torch tensors, the lecture's velocity kept as a tensor."""
    import torch

    x, v = torch.from_numpy(x0.copy()), torch.zeros(x0.shape, dtype=getattr(torch, x0.dtype.name))

    def step(dx, learning_rate):
        v.mul_(momentum).sub_(torch.from_numpy(dx), alpha=learning_rate)
        x.add_(v)
        return x.numpy()

    step.state = lambda: {"velocity": v.numpy()}
    return step


@numba.njit(error_model="numpy")
def _rmsprop_kernel(x, dx, cache, learning_rate, decay_rate, epsilon):
    for i in range(x.size):
        cache[i] = decay_rate * cache[i] + (1 - decay_rate) * dx[i] * dx[i]
        x[i] -= learning_rate * dx[i] / (np.sqrt(cache[i]) + epsilon)


def rmsprop_jitted(x0, decay_rate, epsilon):
    """RMSProp as a Numba loop."""
    x, cache = x0.copy().ravel(), np.zeros(x0.size, x0.dtype)
    dtype = x0.dtype.type

    def step(dx, learning_rate):
        _rmsprop_kernel(x, dx.ravel(), cache, dtype(learning_rate), dtype(decay_rate), dtype(epsilon))
        return x.reshape(x0.shape)

    return step


def sgd_raises(x0):
    def step(dx, learning_rate):
        raise RuntimeError("out of memory")

    return step


def sgd_wrong_shape(x0):
    return lambda dx, learning_rate: np.zeros(x0.size + 1, x0.dtype)


def sgd_wrong_dtype(x0):
    return lambda dx, learning_rate: (x0 - learning_rate * dx).astype(np.float16)


def sgd_nan(x0):
    return lambda dx, learning_rate: np.full_like(x0, np.nan)


def sgd_mutates_gradient(x0):
    x = x0.copy()

    def step(dx, learning_rate):
        dx *= learning_rate
        x[...] -= dx
        return x

    return step
