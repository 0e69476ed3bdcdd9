"""Wrong activations.

    elu_without_minus_one          out = alpha * exp(x) for x <= 0: the -1 forgotten, so
                                   the negative side starts at alpha instead of 0
    leaky_slope_on_positive_side   out = x for x < 0 and slope * x for x > 0: the slope on
                                   the wrong side
"""

import numpy as np

from optbench.reference.blocks import elu, leaky_relu
from optbench.verification.block_variants import BlockVariant


def elu_without_minus_one_forward(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * np.exp(x))
    return out, (x, alpha)


def leaky_slope_on_positive_side_forward(x, slope=0.1):
    out = np.where(x > 0, slope * x, x)
    return out, (x, slope)


def leaky_slope_on_positive_side_backward(dout, cache):
    x, slope = cache
    return np.where(x > 0, slope * dout, dout)


VARIANTS = (
    BlockVariant("elu_without_minus_one", "elu", "out = alpha * exp(x) for x <= 0 (the -1 forgotten)",
                 elu_without_minus_one_forward, elu.elu_backward),
    BlockVariant("leaky_slope_on_positive_side", "leaky_relu", "out = slope * x for x > 0 and x for x <= 0",
                 leaky_slope_on_positive_side_forward, leaky_slope_on_positive_side_backward),
)
