import numpy as np


def elu_forward(x, alpha=1.0):
    """
    Computes the forward pass for a layer of exponential linear units (ELUs):
    x for x > 0, alpha * (exp(x) - 1) otherwise.

    Input:
    - x: Inputs, of any shape
    - alpha: The value the output tends to as x -> -inf is -alpha; alpha > 0

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: (x, alpha)
    """
    out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
    cache = (x, alpha)
    return out, cache


def elu_backward(dout, cache):
    """
    Computes the backward pass for a layer of ELUs: the derivative is 1 for x > 0 and
    alpha * exp(x) otherwise.

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: (x, alpha) from the forward pass

    Returns:
    - dx: Gradient with respect to x
    """
    x, alpha = cache
    dx = np.where(x > 0, dout, dout * alpha * np.exp(x))
    return dx
