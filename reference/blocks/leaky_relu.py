import numpy as np


def leaky_relu_forward(x, slope=0.1):
    """
    Computes the forward pass for a layer of leaky ReLUs: max(slope * x, x).

    Input:
    - x: Inputs, of any shape
    - slope: The slope for x < 0, in [0, 1) (the lecture's 0.1)

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: (x, slope)
    """
    out = np.maximum(slope * x, x)
    cache = (x, slope)
    return out, cache


def leaky_relu_backward(dout, cache):
    """
    Computes the backward pass for a layer of leaky ReLUs.

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: (x, slope) from the forward pass

    Returns:
    - dx: Gradient with respect to x
    """
    x, slope = cache
    dx = np.where(x > 0, dout, slope * dout)
    return dx
