"""Sigmoid units: squash to (0, 1), saturate at both ends, not zero-centred.

    out = 1 / (1 + exp(-x))
    dx  = dout * out * (1 - out)          from out alone: sigma' = sigma (1 - sigma) <= 1/4
"""

from optbench.blocks.activation import Activation
from optbench.kernels.vecmath import exp


def forward(x, one):
    return one / (one + exp(-x))


def backward(dout, out, one):
    return dout * out * (one - out)


ACTIVATION = Activation("sigmoid", forward, backward, constants=lambda: {"one": 1.0}, functions=("exp",),
                        roundings=(2, 3), sensitivity=4.0, max_derivative=lambda: 0.25)


def sigmoid_forward(x, backend="cpu"):
    """(out, cache) with out = 1 / (1 + exp(-x))."""
    return ACTIVATION.forward(x, backend)


def sigmoid_backward(dout, cache, backend="cpu"):
    """dx = dout * out * (1 - out)."""
    return ACTIVATION.backward(dout, cache, backend)

BLOCK = ACTIVATION.block()
