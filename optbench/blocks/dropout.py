"""Inverted dropout (Srivastava et al. 2014, in CS231n's form): at training time each
unit is kept with probability p and scaled by 1/p, so that test time is the identity.

    train    m_i = (u_i < p) / p          u_i uniform in [0, 1)
             out = x * m                  dx = dout * m
    test     out = x                      dx = dout

`dropout_param` holds `p` (the probability of keeping a unit, in (0, 1]), `mode`
("train" or "test") and, in train mode, `seed`, an integer in [0, 2**64). The seed is
required: a default would give every step the same mask. Each forward call (each
layer, each step) needs its own seed; the backward pass reuses its forward's.

The uniforms. CS231n draws u with np.random.rand, a stateful generator whose stream no
kernel reproduces. Here u_i is a counter-based hash of (seed, i), i the element's index
in C order: the (i + 1)-th output of SplitMix64 seeded with `seed` (Steele et al. 2014;
the generator that seeds xoshiro),

    z_i = seed + (i + 1) * GAMMA                             mod 2**64, GAMMA = 0x9E3779B97F4A7C15
    z_i = (z_i ^ (z_i >> 30)) * 0xBF58476D1CE4E5B9
    z_i = (z_i ^ (z_i >> 27)) * 0x94D049BB133111EB
    z_i = z_i ^ (z_i >> 31)
    u_i = (z_i >> 11) * 2**-53                               the top 53 bits, exact in float64

so the reference (NumPy uint64 arrays), the cpu kernel (Numba) and the cuda kernel (one
element per thread) draw the same mask bit for bit, in any order, in float32 and float64
alike (u and the comparison with p do not depend on the dtype). The kernels compare
integers: for an integer k = z_i >> 11, k * 2**-53 < p exactly when k < ceil(p * 2**53)
(p * 2**53 is exact in float64). Seeds differing by a multiple of GAMMA give shifted
copies of one stream; consecutive or randomly drawn seeds do not.

What the kernels keep. The cache holds the parameters, not the mask: backward recomputes
m from (seed, i), which costs a few integer multiplies per element and saves writing and
reading one array, so forward reads x and writes out, backward reads dout and writes dx,
a copy's traffic each (CS231n's reference keeps the float mask). In test mode out is x
itself and dx is dout itself, as in CS231n and torch: no copy, and writing into out
writes into x.

Rounding, and the tolerance. The scale is s = 1/p rounded to float64 and then to x's
dtype, and out_i = x_i * s (or x_i * 0) rounded once in x's dtype: the reference computes
((u < p) / p).astype(x.dtype) and multiplies, the kernels multiply by the same s. Each
side rounds the product once, by at most eps/2 |out_i| <= eps/2 max|out|, so in ulps of
the largest value (eps max|out|, as verification measures errors)

    tolerance(out) = 1/2 + 1/2 = 1 ulp,     tolerance(dx) = 1 ulp (dx = dout * s alike)

(the two agree bit for bit; at p = 0.5, s = 2 and the products are exact). An
implementation that divides, x / p, rounds differently from x * s where 1/p is inexact
(by up to 3 eps/2 relative): that is a different formula, not this block's.

On the "reference" backend the functions are the literal NumPy ones of
`optbench.reference.blocks.dropout`. On the others x may have any shape (C-contiguous
float32 or float64; numba device arrays for "cuda"); a bad array or parameter is refused
with a `ValueError` or `TypeError` that names it, before anything is computed.
"""

import math

import numpy as np

from optbench import checks
from optbench.blocks.backends import array_view, kernel_module, reference_module
from optbench.blocks.block import Block
from optbench.kernels import get_backend

MODES = ("train", "test")
KEYS = ("p", "mode", "seed")
SEED_LIMIT = 2**64


def settings(dropout_param):
    """(p, mode, seed) of `dropout_param`, each checked; seed None in test mode when not given."""
    if not isinstance(dropout_param, dict):
        raise TypeError(f"dropout_param must be a dict with keys {list(KEYS)}, got {type(dropout_param).__name__}")
    unknown = set(dropout_param) - set(KEYS)
    if unknown:
        raise ValueError(f"dropout_param has unknown key(s) {sorted(map(str, unknown))}; it takes {list(KEYS)}")
    for key in ("p", "mode"):
        if key not in dropout_param:
            raise ValueError(f"dropout_param needs {key!r}")
    p = checks.real("dropout_param['p'] (the probability of keeping a unit)", dropout_param["p"], 0.0, 1.0,
                    include_low=False)
    mode = dropout_param["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"dropout_param['mode'] must be one of {list(MODES)}, got {mode!r}")
    seed = dropout_param.get("seed")
    if seed is None and mode == "train":
        raise ValueError("dropout_param needs 'seed' in train mode: an integer in [0, 2**64), a new one for "
                         "each forward call (a default would give every step the same mask)")
    if seed is not None:
        seed = checks.whole_number("dropout_param['seed']", seed, low=0, high=SEED_LIMIT - 1)
    return p, mode, seed


def threshold(p):
    """ceil(p * 2**53): u = k * 2**-53 < p exactly when the integer k is below it."""
    return math.ceil(p * 2.0**53)


def scale(p, dtype):
    """s = 1/p, rounded to float64 and then to `dtype`."""
    return np.dtype(dtype).type(1.0 / p)


def dropout_forward(x, dropout_param, backend="cpu"):
    """(out, cache): out = x * m with m_i = (u_i < p) / p in train mode, out = x in test mode."""
    p, mode, seed = settings(dropout_param)
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("dropout").dropout_forward(x, dropout_param)
    module.check_array("x", x, writeable=False)
    view = array_view(module, x)
    cache = {"p": p, "mode": mode, "seed": seed, "shape": view.shape, "dtype": view.dtype}
    if mode == "test":
        return x, cache
    out = module.empty_like(x)
    kernel_module(module, "dropout").mask_scale(out, x, seed, threshold(p), scale(p, view.dtype))
    return out, cache


def dropout_backward(dout, cache, backend="cpu"):
    """dx = dout * m in train mode (m recomputed from the seed), dout in test mode."""
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("dropout").dropout_backward(dout, cache)
    if not isinstance(cache, dict) or set(cache) != {"p", "mode", "seed", "shape", "dtype"}:
        raise TypeError(f"cache must be what dropout_forward(..., backend={backend!r}) returned")
    module.check_array("dout", dout, writeable=False)
    view = array_view(module, dout)
    if view.shape != cache["shape"] or view.dtype != cache["dtype"]:
        raise ValueError(f"dout is {view.dtype} of shape {view.shape}; it must match the forward input, "
                         f"{cache['dtype']} of shape {cache['shape']}")
    if cache["mode"] == "test":
        return dout
    dx = module.empty_like(dout)
    kernel_module(module, "dropout").mask_scale(dx, dout, cache["seed"], threshold(cache["p"]), scale(cache["p"], view.dtype))
    return dx


def sample(rng, shape, dtype):
    """x ~ N(0, 1), p = 0.5, train mode, a seed drawn from rng."""
    x = np.asarray(rng.standard_normal(shape), dtype=dtype)
    return (x, {"p": 0.5, "mode": "train", "seed": int(rng.integers(SEED_LIMIT, dtype=np.uint64))}), {}


def tolerance(dtype, inputs, parameters, dout, want):
    """One rounding of x * s (dout * s) each side: 1 ulp (module docstring)."""
    return {"out": 1.0, "dx": 1.0}


BLOCK = Block("dropout", sample, tolerance, passes=lambda direction: ((1, 1),))  # train mode: x -> out, dout -> dx
