"""Maxout (Goodfellow et al. 2013): the largest of k affine pieces, the lecture's
max(w1.x + b1, w2.x + b2) for k = 2. ReLU is the special case max(0, w.x + b); maxout
does not saturate and does not die, at k times the parameters.

    z_j = x @ w[j] + b[j]                  x (N, D), w (k, D, M), b (k, M): z_j (N, M)
    out[n, m]    = max_j z_j[n, m]
    winner[n, m] = the first j attaining it (np.argmax's choice, NaN counting as largest)

The derivative of the max is 1 for the winning piece and 0 for the others, so the
upstream gradient flows to the winner only: with dz_j = dout where winner = j, else 0,

    dx = sum_j dz_j @ w[j].T        dw[j] = x.T @ dz_j        db[j] = sum_n dz_j[n]

Ties go to the first maximal piece on every backend (at an exact tie the max is not
differentiable; any convex combination of the tied pieces' gradients is a subgradient,
and this is the one np.argmax and torch's max pick).

Backends: "reference", the literal NumPy of `optbench.reference.blocks.maxout`; "cpu",
the pieces as one BLAS product and the max and routing as Numba passes over rows
(`optbench.blocks.cpu.maxout`); "cuda", numba-cuda kernels on device arrays
(`optbench.blocks.cuda.maxout`). x, w and b are C-contiguous arrays of one float dtype;
anything else is refused with a `ValueError` or `TypeError` naming it, before anything
is computed, and no input is modified.

Tolerance. Let u be the unit roundoff of the dtype (eps / 2) and gamma_n = n u / (1 - n u).
A sum of n products computed in any order, fused or not, is within gamma_n times the sum
of the terms' magnitudes of the exact one (Higham, Accuracy and Stability, 3.1). A
piece z_j[n, m] is a sum of D products and the bias, so each honest implementation's
piece is within

    e[n, m] = gamma_{D+1} max_j A_j[n, m],      A_j = |x| @ |w[j]| + |b[j]|

of the exact value, and since the max moves by no more than its arguments,

    |out_1 - out_2| <= 2 e                                           (out)

whichever pieces the two sides pick. The gradients depend on the pick. Two sides can
pick different winners at (n, m) only if two pieces are within 2 e of each other
exactly; evaluated in float64 (itself within e of exact), within 4 e. Call those
(n, m) ambiguous, and the pieces within 4 e of the top one candidates. Where the winner
agrees dz is the same copy of dout on both sides, and the gradients are sums of N (dw,
db) and k M (dx) products with dz, so with R_j = |dout| where j is a candidate, else 0,
and Q_j = R_j on ambiguous (n, m) only (where the routing may differ by all of it),

    |dw_1 - dw_2|[j] <= 2 gamma_N |x|.T @ R_j + |x|.T @ Q_j
    |db_1 - db_2|[j] <= 2 gamma_N sum_n R_j   + sum_n Q_j
    |dx_1 - dx_2|    <= sum_j (2 gamma_{kM} R_j + Q_j) @ |w[j]|.T

(a different winner moves dx[n, d] by |dout[n, m]| |w[j, d, m] - w[j', d, m]|, at most
the sum over candidates of |dout| |w[j]|). `tolerance` evaluates these bounds from the
data in float64 (whose own rounding, a relative (D + N) 2^-53, is far inside them) and
divides each bound's largest value by eps times the largest |want|: ulps of the largest
value, as verification measures errors (`optbench.verification.errors.in_ulps`).
Without ambiguous elements Q vanishes. These are worst cases, every rounding in a row
the same way: for the sample in float32 with D = 64 they come to one to a few hundred
ulps, where BLAS and a plain loop differ by a few.

How likely an ambiguous element is. The sample's pieces are about N(b, 1), so the gap
between two is about N(0, 2.5), of density 0.25 at 0, and P(|gap| < 4 e) is about 2 e
per pair: for float32 and D = 64, e is about 2e-5 and an element is ambiguous with
probability about 4e-5 (k = 2), so a sample of 10^4 outputs would hold one about every
other draw. `sample` therefore draws again every row of x holding an ambiguous element,
until none is left (each round leaves a fraction M 4e-5 of the rows redrawn, so a few
rounds do; one left after RESAMPLE_ROUNDS would still be covered by Q): its gradients'
tolerances are the routing-free sums. In float64, e is about 4e-14 and P negligible.

Passes over memory (`BLOCK.passes`, what the benchmarks' same-pattern bound makes), in
arrays of the data's size (M = D, as sampled): forward, the max over the pieces reads z
(k arrays) and writes out, (k, 1); backward, the routing reads dout and writes dz, (1,
k), and db's sum reads dz, (k, 0). The winner indices (a byte per output) are not
counted. The BLAS products (x @ W, dz @ W.T, x.T @ dz: 2 D flops per element of z) are
not memory-bound and are outside the pattern, so maxout's fraction of that bound says
how much the products cost beside the passes, not how close the passes come to memory
speed.
"""

import math

import numpy as np

from optbench.blocks.backends import array_view, kernel_module, reference_module
from optbench.blocks.block import Block
from optbench.kernels import get_backend

PIECES = 2
RESAMPLE_ROUNDS = 100
CACHE_KEYS = {"backend", "x", "w", "winner", "k", "shape", "dtype"}


def check_inputs(module, x, w, b):
    """(N, D, k, M) of valid x, w, b on `module`'s backend, else the error naming what is wrong."""
    for label, a in (("x", x), ("w", w), ("b", b)):
        module.check_array(label, a, writeable=False)
    x, w, b = (array_view(module, a) for a in (x, w, b))
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, (N, D), got shape {x.shape}")
    if w.ndim != 3:
        raise ValueError(f"w must be 3-D, (k, D, M): k pieces of D x M weights, got shape {w.shape}")
    k, d, m = w.shape
    if k < 1:
        raise ValueError(f"w has k = {k} pieces (shape {w.shape}); maxout needs k >= 1")
    if d != x.shape[1]:
        raise ValueError(f"w is {w.shape}: its D = w.shape[1] = {d} must match x's D = x.shape[1] = {x.shape[1]}")
    if b.shape != (k, m):
        raise ValueError(f"b must be (k, M) = {(k, m)} for w of shape {w.shape}, got shape {b.shape}")
    if not x.dtype == w.dtype == b.dtype:
        raise TypeError(f"x, w and b must have one dtype, got {x.dtype}, {w.dtype} and {b.dtype}")
    return x.shape[0], d, k, m


def maxout_forward(x, w, b, backend="cpu"):
    """(out, cache): out[n, m] = max_j (x @ w[j] + b[j])[n, m]."""
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("maxout").maxout_forward(x, w, b)
    n, _, k, m = check_inputs(module, x, w, b)
    dtype = array_view(module, x).dtype
    kernels = kernel_module(module, "maxout")
    cache = {"backend": module.name, "x": x, "k": k, "shape": (n, m), "dtype": dtype}
    if module.name == "cpu":
        out, winner, stacked_w = kernels.forward(x, w, b)
        return out, {**cache, "w": stacked_w, "winner": winner}
    out, winner = kernels.forward(*(array_view(module, a) for a in (x, w, b)))
    return out, {**cache, "w": array_view(module, w), "winner": winner}


def maxout_backward(dout, cache, backend="cpu"):
    """(dx, dw, db): dout routed to the winning piece, then the affine map's gradients."""
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("maxout").maxout_backward(dout, cache)
    if not isinstance(cache, dict) or set(cache) != CACHE_KEYS or cache["backend"] != module.name:
        raise TypeError(f"cache must be what maxout_forward(..., backend={backend!r}) returned")
    module.check_array("dout", dout, writeable=False)
    view = array_view(module, dout)
    if view.shape != cache["shape"] or view.dtype != cache["dtype"]:
        raise ValueError(f"dout is {view.dtype} of shape {view.shape}; it must match out, "
                         f"{cache['dtype']} of shape {cache['shape']}")
    kernels = kernel_module(module, "maxout")
    if module.name == "cpu":
        return kernels.backward(dout, cache["x"], cache["w"], cache["winner"], cache["k"])
    return kernels.backward(view, array_view(module, cache["x"]), cache["w"], cache["winner"])


# verification -----------------------------------------------------------------------

def unit_roundoff(dtype):
    return float(np.finfo(dtype).eps) / 2


def gamma(n, u):
    """gamma_n = n u / (1 - n u): the relative bound of an n-term sum of products."""
    return n * u / (1 - n * u)


def analysis(x, w, b, dtype):
    """In float64: (e, candidates, ambiguous): e (N, M) the bound on any honest piece's
    error, candidates (k, N, M) the pieces within 4 e of the top one, ambiguous (N, M)
    where there are two or more (module docstring)."""
    x, w, b = (np.asarray(a, np.float64) for a in (x, w, b))
    k, d, m = w.shape
    abs_x = np.abs(x)
    pieces = np.empty((k, x.shape[0], m))
    e = np.zeros((x.shape[0], m))
    for j in range(k):
        np.matmul(x, w[j], out=pieces[j])
        pieces[j] += b[j]
        np.maximum(e, abs_x @ np.abs(w[j]) + np.abs(b[j]), out=e)
    e *= gamma(d + 1, unit_roundoff(dtype))
    candidates = pieces.max(axis=0, initial=-np.inf) - pieces <= 4 * e
    return e, candidates, candidates.sum(axis=0) > 1


def tolerance(dtype, inputs, parameters, dout, want):
    """The bounds of the module docstring, in ulps of the largest |want| of each."""
    x, w, b = inputs
    n, d = x.shape
    k, _, m = w.shape
    u = unit_roundoff(dtype)
    e, candidates, ambiguous = analysis(x, w, b, dtype)
    magnitude = np.abs(np.asarray(dout, np.float64))
    reach = candidates * magnitude
    moot = (candidates & ambiguous) * magnitude
    abs_x, abs_w = np.abs(np.asarray(x, np.float64)), np.abs(np.asarray(w, np.float64))
    bounds = {
        "out": 2 * e,
        "dx": sum(((2 * gamma(k * m, u) * reach[j] + moot[j]) @ abs_w[j].T for j in range(k)),
                  np.zeros((n, d))),
        "dw": np.stack([2 * gamma(n, u) * abs_x.T @ reach[j] + abs_x.T @ moot[j] for j in range(k)]),
        "db": 2 * gamma(n, u) * reach.sum(axis=1) + moot.sum(axis=1),
    }
    return {name: _in_ulps(bound, want[name], dtype) for name, bound in bounds.items()}


def _in_ulps(bound, want, dtype):
    """The largest bound in units of eps times the largest |want| (0 for no error at all)."""
    largest_bound = float(np.max(bound, initial=0.0))
    if largest_bound == 0:
        return 0.0
    largest = float(np.abs(np.asarray(want, np.float64)).max(initial=0.0))
    return largest_bound / (float(np.finfo(dtype).eps) * largest) if largest > 0 else float("inf")


def sample(rng, shape, dtype):
    """x ~ N(0, 1) of shape (N, D), w ~ N(0, 1/D) of shape (2, D, D), b ~ N(0, 1/4) of
    shape (2, D): pieces about N(0, 1). `shape` is x's, (N, D); a 1-D (N,) means (N, 1),
    more dimensions (N, D1, D2, ...) mean (N, D1 D2 ...). Rows of x holding an ambiguous
    element are drawn again (module docstring)."""
    shape = tuple(shape)
    n, d = (shape[0], math.prod(shape[1:])) if len(shape) > 1 else (shape[0] if shape else 1, 1)
    x = np.asarray(rng.standard_normal((n, d)), dtype)
    w = np.asarray(rng.standard_normal((PIECES, d, d)) / math.sqrt(max(d, 1)), dtype)
    b = np.asarray(0.5 * rng.standard_normal((PIECES, d)), dtype)
    rows = np.arange(n)
    for _ in range(RESAMPLE_ROUNDS):
        rows = rows[analysis(x[rows], w, b, dtype)[2].any(axis=1)]
        if rows.size == 0:
            break
        x[rows] = rng.standard_normal((rows.size, d))
    return (x, w, b), {}


def shape(n):
    """(N, D) with N D about n: D = isqrt(n) up to 64 (and M = D in `sample`)."""
    d = min(64, max(1, math.isqrt(max(n, 1))))
    return (max(1, n // d), d)


BLOCK = Block("maxout", sample, tolerance, gradients=("dx", "dw", "db"), reduces=True, shape=shape,
              passes=lambda direction: ((PIECES, 1),) if direction == "forward" else ((1, PIECES), (PIECES, 0)))
