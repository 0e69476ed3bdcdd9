"""Wrong dropout.

    dropout_not_rescaled     "vanilla" dropout: the mask u < p is not divided by p at
                             training time (out = x * (u < p)), so the expected output
                             is p x instead of x, and test time must scale by p
                             (out = p x) to match; the lecture's inverted dropout
                             scales at training time and leaves test time the identity.
                             At p = 0.5 every kept unit is off by a factor 2.
"""

from optbench.reference.blocks.dropout import uniform
from optbench.verification.block_variants import BlockVariant


def dropout_not_rescaled_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = (uniform(dropout_param["seed"], x.shape) < p).astype(x.dtype)
        out = x * mask
    else:
        out = x * x.dtype.type(p)
    return out, (dropout_param, mask)


def dropout_not_rescaled_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout * dout.dtype.type(dropout_param["p"])


VARIANTS = (
    BlockVariant("dropout_not_rescaled", "dropout",
                 "train: out = x * (u < p), no division by p; test: out = p * x (vanilla dropout)",
                 dropout_not_rescaled_forward, dropout_not_rescaled_backward),
)
