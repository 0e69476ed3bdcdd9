"""Maxout: the kernels against the literal reference within the derived tolerance, ties
and NaN, the gradient, the sample and the tolerance's own claims, bad input, and torch
where installed.

The cuda tests run on a GPU or on Numba's simulator (NUMBA_ENABLE_CUDASIM=1) and are
skipped where neither is present; their shapes stay small for the simulator.
"""

import math

import numpy as np
import pytest

from optbench.blocks import maxout as block
from optbench.blocks.registry import get_block
from optbench.kernels import unavailable
from optbench.reference.blocks import maxout as reference
from optbench.verification.gradient import gradient_check

DTYPES = ["float32", "float64"]
CUDA = unavailable("cuda")
needs_cuda = pytest.mark.skipif(CUDA is not None, reason=str(CUDA))
BACKENDS = ["cpu", pytest.param("cuda", marks=needs_cuda)]
NAMES = ("out", "dx", "dw", "db")


def ulps(got, want):
    """max |got - want| in units of eps times the largest |want|, as verification measures it."""
    got, want = np.asarray(got, np.float64), np.asarray(want)
    error = float(np.abs(got - want.astype(np.float64)).max(initial=0.0))
    largest = float(np.abs(want).max(initial=0))
    if not error:
        return 0.0
    return error / (float(np.finfo(want.dtype).eps) * largest) if largest else float("inf")


def draw(rng, n, d, m, k, dtype):
    """x, w, b as the block's sample draws them, for any (N, D, M, k), with no ambiguous element."""
    x = np.asarray(rng.standard_normal((n, d)), dtype)
    w = np.asarray(rng.standard_normal((k, d, m)) / math.sqrt(max(d, 1)), dtype)
    b = np.asarray(0.5 * rng.standard_normal((k, m)), dtype)
    for _ in range(100):
        rows = np.flatnonzero(block.analysis(x, w, b, dtype)[2].any(axis=1))
        if rows.size == 0:
            return x, w, b
        x[rows] = rng.standard_normal((rows.size, d))
    raise AssertionError("could not draw data free of near ties")


def to_backend(backend, *arrays):
    if backend == "cuda":
        from numba import cuda
        return tuple(cuda.to_device(a) for a in arrays)
    return arrays


def to_host(a):
    return a if isinstance(a, np.ndarray) else a.copy_to_host()


def run(backend, x, w, b, dout):
    """(out, dx, dw, db) on the host."""
    out, cache = block.maxout_forward(*to_backend(backend, x, w, b), backend=backend)
    grads = block.maxout_backward(*to_backend(backend, dout), cache, backend=backend)
    return tuple(map(to_host, (out, *grads)))


def expected(x, w, b, dout):
    out, cache = reference.maxout_forward(x, w, b)
    return dict(zip(NAMES, (out, *reference.maxout_backward(dout, cache))))


# kernels against the reference ------------------------------------------------------

# (N, D, M, k): the lecture's k = 2, one piece, many pieces (k > 127: int32 winners on
# the cpu), size 1, and empty batch, inputs and outputs
SHAPES = [(4, 3, 5, 2), (1, 1, 1, 1), (6, 5, 3, 1), (5, 4, 3, 4), (3, 2, 2, 130),
          (0, 3, 4, 2), (3, 0, 2, 3), (5, 4, 0, 2)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_kernel_matches_reference(backend, dtype, shape):
    rng = np.random.default_rng(sum(shape))
    n, d, m, k = shape
    x, w, b = draw(rng, n, d, m, k, dtype)
    dout = np.asarray(rng.standard_normal((n, m)), dtype)
    want = expected(x, w, b, dout)
    got = dict(zip(NAMES, run(backend, x, w, b, dout)))
    tolerance = block.tolerance(dtype, (x, w, b), {}, dout, want)
    for name in NAMES:
        assert got[name].dtype == np.dtype(dtype) and got[name].shape == want[name].shape, name
        assert ulps(got[name], want[name]) <= tolerance[name], (name, ulps(got[name], want[name]), tolerance[name])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(600, 64, 64, 2), (2100, 16, 64, 2)], ids=str)
def test_cpu_matches_reference_at_benchmark_sizes(dtype, shape):
    """The second shape has N k M >= config.PARALLEL_THRESHOLD: the parallel passes."""
    rng = np.random.default_rng(7)
    n, d, m, k = shape
    x, w, b = draw(rng, n, d, m, k, dtype)
    dout = np.asarray(rng.standard_normal((n, m)), dtype)
    want = expected(x, w, b, dout)
    tolerance = block.tolerance(dtype, (x, w, b), {}, dout, want)
    for name, got in zip(NAMES, run("cpu", x, w, b, dout)):
        assert ulps(got, want[name]) <= tolerance[name], name


@pytest.mark.parametrize("backend", ["reference", *BACKENDS])
@pytest.mark.parametrize("dtype", DTYPES)
def test_ties_go_to_the_first_piece(backend, dtype):
    """Pieces 0 and 2 equal (integers: exact on every backend), piece 1 below them: the
    gradient flows to piece 0 only."""
    x = np.array([[1, 2], [0, -1], [3, 1]], dtype)
    w = np.stack([np.array([[1, -2, 0], [2, 1, 1]], dtype)] * 3)
    b = np.zeros((3, 3), dtype)
    b[1] = -1
    dout = np.ones((3, 3), dtype)
    out, dx, dw, db = run(backend, x, w, b, dout)
    assert np.array_equal(out, x @ w[0])
    assert np.all(dw[1:] == 0) and np.all(db[1:] == 0) and np.all(db[0] == 3)
    assert np.array_equal(dx, dout @ w[0].T)


@pytest.mark.parametrize("backend", ["reference", *BACKENDS])
def test_a_nan_piece_wins_as_in_np_argmax(backend):
    """A NaN bias makes its piece the max (NaN out) and the winner, for every row."""
    rng = np.random.default_rng(8)
    x, w, b = draw(rng, 4, 3, 5, 3, "float64")
    b[1, 2] = np.nan
    b[2, 2] = np.nan
    dout = rng.standard_normal((4, 5))
    want = expected(x, w, b, dout)
    out, dx, dw, db = run(backend, x, w, b, dout)
    assert np.all(np.isnan(out[:, 2])) and np.allclose(out, want["out"], rtol=1e-12, atol=1e-12, equal_nan=True)
    assert db[1, 2] == pytest.approx(dout[:, 2].sum()) and db[0, 2] == 0 and db[2, 2] == 0
    for name, got in zip(NAMES[1:], (dx, dw, db)):
        assert np.allclose(got, want[name], rtol=1e-12, atol=1e-12), name


def _loss(backend, shape, dout, which, others):
    """f(theta) = sum(out * dout) as a function of the flattened x, w or b, with its gradient."""

    def f(flat):
        arrays = dict(others)
        arrays[which] = flat.reshape(shape)
        out, cache = block.maxout_forward(arrays["x"], arrays["w"], arrays["b"], backend=backend)
        grads = dict(zip(("x", "w", "b"), block.maxout_backward(dout, cache, backend=backend)))
        return float(np.sum(out * dout)), grads[which].ravel()

    return f


@pytest.mark.parametrize("backend", ["reference", "cpu"])
@pytest.mark.parametrize("which", ["x", "w", "b"])
def test_gradient_check(backend, which):
    """Centred differences in float64, with every top-two gap far above h times the
    pieces' slopes, so that no perturbation crosses a kink."""
    rng = np.random.default_rng(9)
    x, w, b = draw(rng, 4, 3, 5, 2, "float64")
    pieces = np.stack([x @ w[j] + b[j] for j in range(2)])
    assert np.abs(pieces[0] - pieces[1]).min() > 1e-3
    dout = rng.standard_normal((4, 5))
    arrays = {"x": x, "w": w, "b": b}
    check = gradient_check(_loss(backend, arrays[which].shape, dout, which, arrays), arrays[which].ravel())
    assert check.max_relative_error < 1e-7, check.worst_index


# the sample and the tolerance --------------------------------------------------------

def test_the_block_is_registered():
    assert get_block("maxout") is block.BLOCK
    assert block.BLOCK.gradients == ("dx", "dw", "db") and block.BLOCK.reduces
    assert block.BLOCK.shape(64) == (8, 8) and block.BLOCK.shape(10**6) == (15625, 64)
    assert block.BLOCK.shape(0) == (1, 1)


@pytest.mark.parametrize("shape, want", [((6, 4), (6, 4)), ((5,), (5, 1)), ((), (1, 1)), ((3, 2, 2), (3, 4))],
                         ids=str)
def test_the_sample_takes_x_shape(shape, want):
    (x, w, b), parameters = block.BLOCK.sample(np.random.default_rng(0), shape, "float32")
    n, d = want
    assert x.shape == want and w.shape == (2, d, d) and b.shape == (2, d) and parameters == {}
    assert x.dtype == w.dtype == b.dtype == np.float32


def test_the_sample_redraws_rows_with_near_ties():
    """Raw float32 Gaussians of 4000 x 64 outputs hold ambiguous elements (about 5e-5
    each); the sample drawn from the same generator holds none."""
    shape = (4000, 64)
    (x, w, b), _ = block.sample(np.random.default_rng(10), shape, "float32")
    assert not block.analysis(x, w, b, "float32")[2].any()
    raw = np.random.default_rng(10)
    x0 = raw.standard_normal(shape).astype(np.float32)
    w0 = (raw.standard_normal((2, 64, 64)) / 8).astype(np.float32)
    b0 = (0.5 * raw.standard_normal((2, 64))).astype(np.float32)
    assert np.array_equal(w0, w) and np.array_equal(b0, b)
    assert block.analysis(x0, w0, b0, "float32")[2].any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_tolerance_admits_either_routing_at_a_tie(dtype):
    """Where pieces tie, an honest implementation may route to either: the one taking
    the last maximal piece is within the tolerance, which then widens."""
    rng = np.random.default_rng(11)
    x, w, b = draw(rng, 6, 4, 3, 2, dtype)
    w[1], b[1] = w[0], b[0]
    dout = np.asarray(rng.standard_normal((6, 3)), dtype)
    want = expected(x, w, b, dout)
    assert block.analysis(x, w, b, dtype)[2].all()
    last = dict(zip(NAMES, (want["out"], dout @ w[1].T, want["dw"][::-1], want["db"][::-1])))
    tolerance = block.tolerance(dtype, (x, w, b), {}, dout, want)
    for name in NAMES:
        assert ulps(last[name], want[name]) <= tolerance[name], name
    assert ulps(last["dw"], want["dw"]) > 1000


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_tolerance_rejects_routing_to_the_wrong_piece(dtype):
    """A block that sends the gradient to the smallest piece (argmin) fails far beyond it."""
    rng = np.random.default_rng(12)
    x, w, b = draw(rng, 50, 8, 8, 2, dtype)
    dout = np.asarray(rng.standard_normal((50, 8)), dtype)
    want = expected(x, w, b, dout)
    pieces = np.stack([x @ w[j] + b[j] for j in range(2)])
    loser = np.argmin(pieces, axis=0)
    wrong = reference.maxout_backward(dout, (x, w, b, loser))
    tolerance = block.tolerance(dtype, (x, w, b), {}, dout, want)
    for name, got in zip(NAMES[1:], wrong):
        assert ulps(got, want[name]) > 1000 * max(tolerance[name], 1), name
    assert ulps(pieces.min(axis=0), want["out"]) > 1000 * tolerance["out"]


def test_the_tolerance_of_nothing_is_zero():
    x, w, b = np.ones((0, 3)), np.ones((2, 3, 4)), np.ones((2, 4))
    dout = np.ones((0, 4))
    want = expected(x, w, b, dout)
    assert block.tolerance("float64", (x, w, b), {}, dout, want) == dict.fromkeys(NAMES, 0.0)


# bad input ----------------------------------------------------------------------------

def good():
    return np.ones((4, 3)), np.ones((2, 3, 5)), np.ones((2, 5))


BAD_INPUTS = [
    (np.ones(3), np.ones((2, 3, 5)), np.ones((2, 5)), ValueError, r"x must be 2-D, \(N, D\), got shape \(3,\)"),
    (np.ones((1, 4, 3)), np.ones((2, 3, 5)), np.ones((2, 5)), ValueError, "x must be 2-D"),
    (np.ones((4, 3)), np.ones((3, 5)), np.ones((2, 5)), ValueError, r"w must be 3-D, \(k, D, M\)"),
    (np.ones((4, 3)), np.ones((2, 4, 5)), np.ones((2, 5)), ValueError,
     "D = w.shape.1. = 4 must match x's D = x.shape.1. = 3"),
    (np.ones((4, 3)), np.ones((0, 3, 5)), np.ones((0, 5)), ValueError, "w has k = 0 pieces"),
    (np.ones((4, 3)), np.ones((2, 3, 5)), np.ones((2, 4)), ValueError, r"b must be \(k, M\) = \(2, 5\)"),
    (np.ones((4, 3)), np.ones((2, 3, 5)), np.ones(5), ValueError, "b must be"),
    (np.ones((4, 3), np.float32), np.ones((2, 3, 5)), np.ones((2, 5)), TypeError, "one dtype, got float32, float64"),
    (np.ones((4, 3), np.int64), np.ones((2, 3, 5)), np.ones((2, 5)), TypeError, "x has dtype int64"),
    (np.ones((4, 3)), np.ones((2, 3, 5), np.int32), np.ones((2, 5)), TypeError, "w has dtype int32"),
    (np.ones((4, 6))[:, ::2], np.ones((2, 3, 5)), np.ones((2, 5)), ValueError, "x is not C-contiguous"),
    (np.ones((4, 3)), np.ones((2, 5, 3)).transpose(0, 2, 1), np.ones((2, 5)), ValueError, "w is not C-contiguous"),
    (np.ones((4, 3)), np.ones((2, 3, 5)), [[1.0] * 5] * 2, TypeError, "b must be a numpy.ndarray"),
]


@pytest.mark.parametrize("x, w, b, error, names", BAD_INPUTS, ids=lambda v: getattr(v, "shape", None) or str(v)[:20])
def test_bad_inputs_are_refused(x, w, b, error, names):
    kept = [np.array(a, copy=True) for a in (x, w, b)]
    with pytest.raises(error, match=names):
        block.maxout_forward(x, w, b)
    assert all(np.array_equal(a, k) for a, k in zip((x, w, b), kept))


@pytest.mark.parametrize("dout, error, names", [
    (np.ones((4, 4)), ValueError, r"dout is float64 of shape \(4, 4\); it must match out, float64 of shape \(4, 5\)"),
    (np.ones((4, 5), np.float32), ValueError, "dout is float32"),
    (np.ones((4, 5), np.int64), TypeError, "dout has dtype int64"),
    (np.ones((5, 4)).T, ValueError, "dout is not C-contiguous"),
])
def test_bad_upstream_gradients_are_refused(dout, error, names):
    x, w, b = good()
    _, cache = block.maxout_forward(x, w, b)
    kept = dout.copy()
    with pytest.raises(error, match=names):
        block.maxout_backward(dout, cache)
    assert np.array_equal(dout, kept)


def test_a_foreign_cache_is_refused():
    x, w, b = good()
    _, reference_cache = block.maxout_forward(x, w, b, backend="reference")
    with pytest.raises(TypeError, match="cache must be what maxout_forward"):
        block.maxout_backward(np.ones((4, 5)), reference_cache)


def test_the_inputs_are_not_modified():
    rng = np.random.default_rng(13)
    x, w, b = draw(rng, 5, 4, 3, 2, "float64")
    kept = [a.copy() for a in (x, w, b)]
    out, cache = block.maxout_forward(x, w, b)
    block.maxout_backward(rng.standard_normal((5, 3)), cache)
    assert all(np.array_equal(a, k) for a, k in zip((x, w, b), kept))


@needs_cuda
def test_cuda_refuses_host_arrays_and_a_cpu_cache():
    from numba import cuda
    x, w, b = good()
    with pytest.raises(TypeError, match="x must be a CUDA device array"):
        block.maxout_forward(x, *to_backend("cuda", w, b), backend="cuda")
    _, cpu_cache = block.maxout_forward(x, w, b)
    with pytest.raises(TypeError, match="cache must be what maxout_forward"):
        block.maxout_backward(cuda.to_device(np.ones((4, 5))), cpu_cache, backend="cuda")
    _, cache = block.maxout_forward(*to_backend("cuda", x, w, b), backend="cuda")
    with pytest.raises(ValueError, match="dout is float64 of shape"):
        block.maxout_backward(cuda.to_device(np.ones((4, 4))), cache, backend="cuda")


# torch --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3, 5, 2), (64, 32, 16, 3)], ids=str)
def test_torch_within_tolerance(dtype, shape):
    """torch's maxout from its own ops: the max over stacked F.linear pieces, forward and
    autograd backward, is another honest implementation."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    n, d, m, k = shape
    x, w, b = draw(rng, n, d, m, k, dtype)
    dout = np.asarray(rng.standard_normal((n, m)), dtype)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    pieces = torch.stack([torch.nn.functional.linear(tx, tw[j].T, tb[j]) for j in range(k)])
    tout = pieces.max(dim=0).values
    tout.backward(torch.from_numpy(dout))
    theirs = dict(zip(NAMES, (t.detach().numpy() for t in (tout, tx.grad, tw.grad, tb.grad))))
    want = expected(x, w, b, dout)
    tolerance = block.tolerance(dtype, (x, w, b), {}, dout, want)
    ours = dict(zip(NAMES, run("cpu", x, w, b, dout)))
    for name in NAMES:
        assert ulps(theirs[name], want[name]) <= tolerance[name], name
        assert ulps(theirs[name], ours[name]) <= 2 * tolerance[name], name
