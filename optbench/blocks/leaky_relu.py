"""Leaky ReLU: the lecture's max(0.1 x, x), with the slope for x < 0 configurable.

    out = max(slope * x, x)              slope in [0, 1), so out = x for x > 0, slope * x otherwise
    dx  = dout where x > 0, else slope * dout
"""

from optbench.blocks.activation import Activation
from optbench.optim.hyperparameters import Hyperparameter

SLOPE = Hyperparameter(0.1, low=0.0, high=1.0, include_high=False, sample=(0.0, 0.5))


def forward(x, zero, slope):
    return x if x > zero else slope * x


def backward(dout, x, zero, slope):
    return dout if x > zero else slope * dout


ACTIVATION = Activation("leaky_relu", forward, backward, constants=lambda slope: {"zero": 0.0, "slope": slope},
                        parameters={"slope": SLOPE}, roundings=(1, 1), max_derivative=lambda slope: 1.0)


def leaky_relu_forward(x, slope=SLOPE.default, backend="cpu"):
    """(out, cache) with out = max(slope * x, x)."""
    return ACTIVATION.forward(x, backend, slope=slope)


def leaky_relu_backward(dout, cache, backend="cpu"):
    """dx = dout where x > 0, else slope * dout."""
    return ACTIVATION.backward(dout, cache, backend)

BLOCK = ACTIVATION.block()
