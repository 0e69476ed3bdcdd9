import numpy as np


def sigmoid_forward(x):
    """
    Computes the forward pass for a layer of sigmoid units: 1 / (1 + e^-x).

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: out, for the backward pass
    """
    out = 1 / (1 + np.exp(-x))
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """
    Computes the backward pass for a layer of sigmoid units: sigma'(x) = sigma(x) (1 - sigma(x)).

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: out from the forward pass

    Returns:
    - dx: Gradient with respect to x
    """
    out = cache
    dx = dout * out * (1 - out)
    return dx
