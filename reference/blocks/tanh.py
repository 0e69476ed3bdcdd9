import numpy as np


def tanh_forward(x):
    """
    Computes the forward pass for a layer of tanh units.

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: out, for the backward pass
    """
    out = np.tanh(x)
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """
    Computes the backward pass for a layer of tanh units: tanh'(x) = 1 - tanh(x)^2.

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: out from the forward pass

    Returns:
    - dx: Gradient with respect to x
    """
    out = cache
    dx = dout * (1 - out**2)
    return dx
