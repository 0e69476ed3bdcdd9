"""Exponential linear units (Clevert et al. 2015): ReLU's benefits, outputs closer to
zero mean, and a negative saturation regime.

    out = x                       for x > 0
          alpha * (exp(x) - 1)    otherwise
    dx  = dout                    where out > 0
          dout * (out + alpha)    otherwise: alpha exp(x) = out + alpha, read from out

For alpha > 0, out > 0 exactly where x > 0, so the backward pass reads dout and out only
and needs no exponential.
"""

from optbench.blocks.activation import Activation
from optbench.kernels.vecmath import exp
from optbench.optim.hyperparameters import Hyperparameter

ALPHA = Hyperparameter(1.0, low=0.0, include_low=False, sample=(0.1, 3.0))


def forward(x, zero, one, alpha):
    return x if x > zero else alpha * (exp(x) - one)


def backward(dout, out, zero, alpha):
    return dout if out > zero else dout * (out + alpha)


ACTIVATION = Activation("elu", forward, backward, constants=lambda alpha: {"zero": 0.0, "one": 1.0, "alpha": alpha},
                        parameters={"alpha": ALPHA}, functions=("exp",), roundings=(2, 2), sensitivity=1.0,
                        max_derivative=lambda alpha: max(1.0, alpha))


def elu_forward(x, alpha=ALPHA.default, backend="cpu"):
    """(out, cache) with out = x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return ACTIVATION.forward(x, backend, alpha=alpha)


def elu_backward(dout, cache, backend="cpu"):
    """dx = dout where x > 0, dout * (out + alpha) otherwise."""
    return ACTIVATION.backward(dout, cache, backend)

BLOCK = ACTIVATION.block()
