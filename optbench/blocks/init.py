"""Weight initialization: the lecture's three scales for a layer's weight matrix.

From standard normal draws z = randn(fan_in, fan_out), in float64:

    small    W = 0.01 z                  Var W = 1e-4: in a deep net the activations
                                         shrink layer by layer towards 0, and so do
                                         the gradients
    xavier   W = z / sqrt(fan_in)        Var W = 1 / fan_in: a unit keeps the variance
                                         of its inputs (linear units; Glorot et al.)
    he       W = z / sqrt(fan_in / 2)    Var W = 2 / fan_in: ReLU zeroes half of its
                                         inputs, the 2 makes up for it (He et al.)

then cast to `dtype`. Biases start at 0 (not drawn here). Not a kernel: one draw and
one scaling, on the host, with the arithmetic of the literal reference
(`optbench.reference.blocks.init`), so that the same seed gives the same bits on every
backend. backend "cpu" returns the NumPy array; "cuda" copies it to the device once
and returns the device array; "reference" calls the reference.
"""

import numbers

import numpy as np

from optbench import checks, config
from optbench.kernels import get_backend
from optbench.reference.blocks import init as reference

INITS = ("small", "xavier", "he")


def weight_init(fan_in, fan_out, init="xavier", rng=None, dtype="float64", backend="cpu"):
    """W of shape (fan_in, fan_out) drawn with `rng` (a numpy Generator, a seed >= 0, or
    None for fresh entropy) and scaled by `init`, one of INITS (module docstring)."""
    fan_in = checks.whole_number("fan_in", fan_in, low=1)
    fan_out = checks.whole_number("fan_out", fan_out, low=1)
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {list(INITS)}")
    dtype = _dtype(dtype)
    rng = _generator(rng)
    module = get_backend(backend)
    if module.name == "reference":
        return reference.weight_init(fan_in, fan_out, init, rng, dtype)
    z = rng.standard_normal((fan_in, fan_out))
    if init == "small":
        W = 0.01 * z
    elif init == "xavier":
        W = z / np.sqrt(fan_in)
    else:
        W = z / np.sqrt(fan_in / 2)
    return module.to_device(np.ascontiguousarray(W, dtype=dtype))


def _generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(checks.whole_number("seed", rng, low=0))
    raise TypeError(f"rng must be a numpy.random.Generator, a seed >= 0 or None, got {type(rng).__name__} {rng!r}")


def _dtype(dtype):
    try:
        name = None if dtype is None else np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in config.DTYPES:
        raise TypeError(f"dtype must be one of {list(config.DTYPES)}, got {dtype!r}")
    return name
