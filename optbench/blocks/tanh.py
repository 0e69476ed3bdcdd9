"""tanh units: squash to (-1, 1), zero-centred, still saturate.

    out = tanh(x)
    dx  = dout * (1 - out^2)
"""

from optbench.blocks.activation import Activation
from optbench.kernels.vecmath import tanh


def forward(x):
    return tanh(x)


def backward(dout, out, one):
    return dout * (one - out * out)


ACTIVATION = Activation("tanh", forward, backward, constants=lambda: {"one": 1.0}, functions=("tanh",),
                        roundings=(0, 3), sensitivity=2.0, max_derivative=lambda: 1.0)


def tanh_forward(x, backend="cpu"):
    """(out, cache) with out = tanh(x)."""
    return ACTIVATION.forward(x, backend)


def tanh_backward(dout, cache, backend="cpu"):
    """dx = dout * (1 - out^2)."""
    return ACTIVATION.backward(dout, cache, backend)

BLOCK = ACTIVATION.block()
