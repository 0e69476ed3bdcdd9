"""Rectified linear units: no saturation for x > 0, cheap, and dead where x <= 0.

    out = max(0, x)
    dx  = dout where x > 0, else 0
"""

from optbench.blocks.activation import Activation


def forward(x, zero):
    # written so that NaN passes through, as numpy.maximum lets it
    return zero if x < zero else x


def backward(dout, x, zero):
    return dout if x > zero else zero


ACTIVATION = Activation("relu", forward, backward, constants=lambda: {"zero": 0.0}, max_derivative=lambda: 1.0)


def relu_forward(x, backend="cpu"):
    """(out, cache) with out = max(0, x)."""
    return ACTIVATION.forward(x, backend)


def relu_backward(dout, cache, backend="cpu"):
    """dx = dout where x > 0, else 0."""
    return ACTIVATION.backward(dout, cache, backend)

BLOCK = ACTIVATION.block()
