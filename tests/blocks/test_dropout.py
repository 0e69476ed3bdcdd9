"""Inverted dropout: the kernels against the literal reference, the mask's hash, its
statistics, the gradient, bad input, the wrong variant, and torch where installed.

The cuda tests run on a GPU or on Numba's simulator (NUMBA_ENABLE_CUDASIM=1) and are
skipped where neither is present.
"""

import copy
import math

import numpy as np
import pytest

from optbench.blocks import dropout as block
from optbench.blocks.registry import get_block
from optbench.kernels import unavailable
from optbench.reference.blocks import dropout as reference
from optbench.verification.block_variants import block_variants
from optbench.verification.gradient import gradient_check

DTYPES = ["float32", "float64"]
CUDA = unavailable("cuda")
needs_cuda = pytest.mark.skipif(CUDA is not None, reason=str(CUDA))
BACKENDS = ["cpu", pytest.param("cuda", marks=needs_cuda)]
# binomial counts stay within Z standard deviations of their mean but with probability
# 2e-9 (two-sided normal tail at 6 sigma): the fixed seeds below are far inside it
Z = 6.0


def splitmix64(seed, n):
    """The first n outputs of SplitMix64 (Vigna's splitmix64.c) in Python integers."""
    state, outputs, mask = seed, [], 2**64 - 1
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        outputs.append(z ^ (z >> 31))
    return outputs


def ulps(got, want):
    """max |got - want| in units of eps times the largest |want|, as verification measures it."""
    got, want = np.asarray(got, np.float64), np.asarray(want)
    error = float(np.abs(got - want.astype(np.float64)).max(initial=0.0))
    largest = float(np.abs(want).max(initial=0))
    if not error:
        return 0.0
    return error / (float(np.finfo(want.dtype).eps) * largest) if largest else float("inf")


def to_backend(backend, a):
    if backend == "cuda":
        from numba import cuda
        return cuda.to_device(a)
    return a


def to_host(a):
    return a if isinstance(a, np.ndarray) else a.copy_to_host()


def train(p=0.5, seed=12345):
    return {"p": p, "mode": "train", "seed": seed}


# the mask ---------------------------------------------------------------------------

def test_the_uniforms_are_splitmix64():
    # Vigna's splitmix64.c seeded with 0 starts e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f
    assert splitmix64(0, 3) == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    for seed in (0, 1, 2**63, 2**64 - 1):
        want = np.array([(z >> 11) * 2.0**-53 for z in splitmix64(seed, 600)])
        assert np.array_equal(reference.uniform(seed, (2, 300)).ravel(), want)


def test_the_integer_threshold_is_the_float_comparison():
    """k * 2**-53 < p exactly when k < ceil(p * 2**53), at the edges of every p tried."""
    for p in (2.0**-53, 1e-9, 0.1, 1 / 3, 0.5, 0.7, np.nextafter(1.0, 0.0), 1.0):
        t = block.threshold(p)
        for k in (t - 2, t - 1, t, t + 1):
            if 0 <= k < 2**53:
                assert (k * 2.0**-53 < p) == (k < t), (p, k)


@pytest.mark.parametrize("backend", ["reference", *BACKENDS])
def test_one_mask_on_every_backend_and_dtype(backend):
    shape, p, seed = (5, 7, 9), 0.3, 2**64 - 3
    want = reference.uniform(seed, shape) < p
    for dtype in DTYPES:
        x = np.ones(shape, dtype)
        out, _ = block.dropout_forward(to_backend(backend, x), train(p, seed), backend=backend)
        out = to_host(out)
        assert np.array_equal(out != 0, want)
        assert np.all(out[want] == np.dtype(dtype).type(1 / p))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 1.0])
def test_the_keep_fraction_is_p(p):
    """K kept of n ~ Binomial(n, p): |K - n p| <= Z sqrt(n p (1 - p)); p = 1 keeps all."""
    n = 10**6
    out, _ = block.dropout_forward(np.ones(n, np.float32), train(p, 2024))
    kept = int(np.count_nonzero(out))
    assert abs(kept - n * p) <= Z * math.sqrt(n * p * (1 - p))
    # E[out] = x: out_i in {0, 1/p}, var (1 - p) / p, so the mean's sd is sqrt((1 - p) / (p n))
    assert abs(out.mean(dtype=np.float64) - 1) <= Z * math.sqrt((1 - p) / (p * n)) + 1e-6


def test_different_seeds_give_independent_masks():
    """Two independent masks agree on a unit with probability q = p^2 + (1 - p)^2."""
    n, p = 10**5, 0.5
    seeds = [0, 1, 2, 3, 12345, 2**63, 2**64 - 1]
    masks = [block.dropout_forward(np.ones(n), train(p, s))[0] != 0 for s in seeds]
    q = p * p + (1 - p) ** 2
    for i in range(len(masks)):
        for j in range(i):
            agree = int(np.count_nonzero(masks[i] == masks[j]))
            assert abs(agree - n * q) <= Z * math.sqrt(n * q * (1 - q)), (seeds[i], seeds[j])


def test_neighbouring_elements_are_not_correlated():
    """The mask of i and of i + 1 agree with probability p^2 + (1 - p)^2 too."""
    n, p = 10**6, 0.3
    mask = block.dropout_forward(np.ones(n), train(p, 99))[0] != 0
    q = p * p + (1 - p) ** 2
    agree = int(np.count_nonzero(mask[1:] == mask[:-1]))
    assert abs(agree - (n - 1) * q) <= Z * math.sqrt(n * q * (1 - q))


# kernels against the reference ------------------------------------------------------

SHAPES = [(), (0,), (1,), (7,), (3, 5, 4), (2, 0, 3)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES + [(300_001,)], ids=str)
def test_kernel_matches_reference(backend, dtype, shape):
    if backend == "cuda" and math.prod(shape) > 5000 and CUDA is None:
        from optbench.kernels import cuda as device
        if device.SIMULATOR:
            pytest.skip("large arrays take minutes on the simulator")
    rng = np.random.default_rng(1)
    x = np.asarray(rng.standard_normal(shape), dtype)
    dout = np.asarray(rng.standard_normal(shape), dtype)
    param = train(0.7, 2**40 + 3)
    want, cache = reference.dropout_forward(x, param)
    want_dx = reference.dropout_backward(dout, cache)
    out, kernel_cache = block.dropout_forward(to_backend(backend, x), param, backend=backend)
    dx = block.dropout_backward(to_backend(backend, dout), kernel_cache, backend=backend)
    out, dx = to_host(out), to_host(dx)
    assert out.dtype == x.dtype and dx.dtype == x.dtype and out.shape == x.shape and dx.shape == x.shape
    tolerance = block.tolerance(dtype, (x, param), {}, dout, {"out": want, "dx": want_dx})
    assert ulps(out, want) <= tolerance["out"] and ulps(dx, want_dx) <= tolerance["dx"]
    # the same product rounded once: bit for bit
    assert np.array_equal(out, want) and np.array_equal(dx, want_dx)


@pytest.mark.filterwarnings("ignore:invalid value encountered in (scalar )?multiply:RuntimeWarning")
@pytest.mark.parametrize("backend", ["reference", *BACKENDS])
def test_non_finite_inputs_propagate_as_in_the_reference(backend):
    """x * 0 for a dropped unit: inf and NaN give NaN there, as CS231n's x * mask does."""
    x = np.array([np.inf, -np.inf, np.nan, 1.0] * 8)
    param = train(0.5, 7)
    want, _ = reference.dropout_forward(x, param)
    out = to_host(block.dropout_forward(to_backend(backend, x), param, backend=backend)[0])
    assert np.array_equal(out, want, equal_nan=True)


@pytest.mark.parametrize("backend", ["reference", *BACKENDS])
@pytest.mark.parametrize("dtype", DTYPES)
def test_test_mode_is_the_identity_without_a_copy(backend, dtype):
    x = to_backend(backend, np.arange(6, dtype=dtype).reshape(2, 3))
    dout = to_backend(backend, np.ones((2, 3), dtype))
    out, cache = block.dropout_forward(x, {"p": 0.25, "mode": "test"}, backend=backend)
    assert out is x
    assert block.dropout_backward(dout, cache, backend=backend) is dout


def test_p_one_keeps_everything_unscaled():
    x = np.random.default_rng(2).standard_normal(1000).astype(np.float32)
    out, cache = block.dropout_forward(x, train(1.0, 5))
    assert np.array_equal(out, x) and out is not x


def test_a_cpu_cache_serves_any_kernel_backend():
    """The cache holds only the parameters: backward recomputes the same mask anywhere."""
    x = np.ones(50)
    _, cache = block.dropout_forward(x, train(0.5, 3))
    dx = block.dropout_backward(np.full(50, 3.0), cache)
    assert np.array_equal(dx, 3 * block.dropout_forward(x, train(0.5, 3))[0])
    assert set(cache) == {"p", "mode", "seed", "shape", "dtype"}


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_gradient_check(backend):
    """loss = sum(out * dout): for a fixed seed out is linear in x, and dx its gradient."""
    rng = np.random.default_rng(3)
    shape = (4, 6)
    dout = rng.standard_normal(shape)
    param = train(0.6, 31)

    def loss(flat):
        x = flat.reshape(shape)
        out, cache = block.dropout_forward(x, param, backend=backend)
        return float(np.sum(out * dout)), block.dropout_backward(dout, cache, backend=backend).ravel()

    check = gradient_check(loss, rng.standard_normal(math.prod(shape)))
    assert check.max_relative_error < 1e-8


# the block, the variant, bad input --------------------------------------------------

def test_the_block_is_registered_and_its_sample_runs():
    assert get_block("dropout") is block.BLOCK
    rng = np.random.default_rng(4)
    (x, param), parameters = block.BLOCK.sample(rng, (10, 3), "float32")
    assert x.dtype == np.float32 and x.shape == (10, 3) and parameters == {}
    assert param["p"] == 0.5 and param["mode"] == "train" and 0 <= param["seed"] < 2**64
    out, cache = block.BLOCK.forward(x, param)
    dx = block.BLOCK.backward(np.ones_like(x), cache)
    want, ref_cache = block.BLOCK.reference_forward(x, param)
    assert np.array_equal(out, want) and np.array_equal(dx, block.BLOCK.reference_backward(np.ones_like(x),
                                                                                          ref_cache))
    other = block.BLOCK.sample(rng, (10, 3), "float32")[0][1]["seed"]
    assert other != param["seed"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_not_rescaled_variant_fails_far_beyond_tolerance(dtype):
    (variant,) = [v for v in block_variants("dropout") if v.name == "dropout_not_rescaled"]
    rng = np.random.default_rng(5)
    (x, param), _ = block.sample(rng, (1000,), dtype)
    dout = np.asarray(rng.standard_normal(1000), dtype)
    want, cache = reference.dropout_forward(x, param)
    want_dx = reference.dropout_backward(dout, cache)
    got, variant_cache = variant.forward(x, param)
    got_dx = variant.backward(dout, variant_cache)
    tolerance = block.tolerance(dtype, (x, param), {}, dout, {"out": want, "dx": want_dx})
    # every kept unit is off by x_i (a factor 2 at p = 0.5): a fraction of the largest
    # value, 2^22 (float32) or 2^51 (float64) ulps of it
    assert ulps(got, want) > 1e5 * tolerance["out"]
    assert ulps(got_dx, want_dx) > 1e5 * tolerance["dx"]
    test = {"p": 0.5, "mode": "test"}
    assert ulps(variant.forward(x, test)[0], reference.dropout_forward(x, test)[0]) > 1e5


BAD_PARAMS = [
    ({"p": 0.0, "mode": "train", "seed": 1}, ValueError, "dropout_param['p']"),
    ({"p": 1.5, "mode": "train", "seed": 1}, ValueError, "dropout_param['p']"),
    ({"p": -0.1, "mode": "test"}, ValueError, "dropout_param['p']"),
    ({"p": float("nan"), "mode": "test"}, ValueError, "dropout_param['p']"),
    ({"p": "0.5", "mode": "test"}, TypeError, "dropout_param['p']"),
    ({"p": True, "mode": "test"}, TypeError, "dropout_param['p']"),
    ({"p": 0.5, "mode": "eval", "seed": 1}, ValueError, "dropout_param['mode']"),
    ({"p": 0.5, "mode": None}, ValueError, "dropout_param['mode']"),
    ({"p": 0.5, "seed": 1}, ValueError, "'mode'"),
    ({"mode": "test"}, ValueError, "'p'"),
    ({"p": 0.5, "mode": "train"}, ValueError, "'seed'"),
    ({"p": 0.5, "mode": "train", "seed": 1.5}, TypeError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "train", "seed": "3"}, TypeError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "train", "seed": True}, TypeError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "train", "seed": -1}, ValueError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "train", "seed": 2**64}, ValueError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "test", "seed": -1}, ValueError, "dropout_param['seed']"),
    ({"p": 0.5, "mode": "train", "seed": 1, "prob": 0.5}, ValueError, "prob"),
    ([("p", 0.5)], TypeError, "dropout_param"),
]


@pytest.mark.parametrize("backend", ["reference", "cpu"])
@pytest.mark.parametrize("param, error, names", BAD_PARAMS, ids=lambda v: repr(v)[:40])
def test_bad_parameters_are_refused(backend, param, error, names):
    x = np.ones(8)
    kept = copy.deepcopy(param)
    with pytest.raises(error, match=names.replace("[", r"\[").replace("]", r"\]")):
        block.dropout_forward(x, param, backend=backend)
    assert param == kept and np.all(x == 1)


@pytest.mark.parametrize("seed", [np.int64(5), np.uint64(2**64 - 1), 2**64 - 1, 0])
def test_integer_seeds_of_any_kind(seed):
    out = block.dropout_forward(np.ones(100), train(0.5, seed))[0]
    want = reference.dropout_forward(np.ones(100), train(0.5, int(seed)))[0]
    assert np.array_equal(out, want)


@pytest.mark.parametrize("x, error, names", [
    (np.ones(8, np.int64), TypeError, "x has dtype int64"),
    (np.ones(8, np.float16), TypeError, "x has dtype float16"),
    (np.ones((4, 4))[:, ::2], ValueError, "x is not C-contiguous"),
    ([1.0, 2.0], TypeError, "x must be a numpy.ndarray"),
])
def test_bad_arrays_are_refused(x, error, names):
    with pytest.raises(error, match=names):
        block.dropout_forward(x, train())


def test_a_read_only_input_is_fine():
    x = np.ones(10)
    x.flags.writeable = False
    out, cache = block.dropout_forward(x, train())
    block.dropout_backward(x, cache)


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("dout, error, names", [
    (np.ones((3, 4)), ValueError, "dout is float64 of shape \\(3, 4\\)"),
    (np.ones((4, 3), np.float32), ValueError, "dout is float32"),
    (np.ones((4, 3), np.int32), TypeError, "dout has dtype int32"),
    (np.ones((4, 6))[:, ::2], ValueError, "dout is not C-contiguous"),
])
def test_bad_upstream_gradients_are_refused(mode, dout, error, names):
    x = np.ones((4, 3))
    _, cache = block.dropout_forward(x, {"p": 0.5, "mode": mode, "seed": 1})
    kept = dout.copy()
    with pytest.raises(error, match=names):
        block.dropout_backward(dout, cache)
    assert np.array_equal(dout, kept)


def test_a_foreign_cache_is_refused():
    x = np.ones(4)
    _, reference_cache = block.dropout_forward(x, train(), backend="reference")
    with pytest.raises(TypeError, match="cache must be what dropout_forward"):
        block.dropout_backward(x, reference_cache)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        block.dropout_forward(np.ones(3), train(), backend="gpu")


@needs_cuda
def test_cuda_refuses_host_arrays():
    with pytest.raises(TypeError, match="x must be a CUDA device array"):
        block.dropout_forward(np.ones(4), train(), backend="cuda")
    from numba import cuda
    _, cache = block.dropout_forward(cuda.to_device(np.ones(4)), train(), backend="cuda")
    with pytest.raises(TypeError, match="dout must be a CUDA device array"):
        block.dropout_backward(np.ones(4), cache, backend="cuda")
    with pytest.raises(ValueError, match="dout is float32"):
        block.dropout_backward(cuda.to_device(np.ones(4, np.float32)), cache, backend="cuda")


# torch --------------------------------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_test_mode_is_the_identity_too(torch, dtype):
    x = np.random.default_rng(6).standard_normal(100).astype(dtype)
    t = torch.from_numpy(x)
    assert torch.nn.functional.dropout(t, p=0.5, training=False) is t
    out, _ = block.dropout_forward(x, {"p": 0.5, "mode": "test"})
    assert out is x


@pytest.mark.parametrize("p", [0.5, 0.8, 0.3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_scales_kept_units_by_one_over_p(torch, dtype, p):
    """torch draws its own mask; what must agree is out / x in {0, 1/p} and E[out] = x."""
    n = 200_000
    x = np.ones(n, dtype)
    torch.manual_seed(0)
    theirs = torch.nn.functional.dropout(torch.from_numpy(x), p=1 - p, training=True).numpy()
    ours, _ = block.dropout_forward(x, train(p, 77))
    sd = math.sqrt((1 - p) / (p * n))
    for out in (ours, theirs):
        ratios = np.unique(out / x)
        assert ratios[0] == 0 and ratios.size == 2
        assert abs(ratios[1] - 1 / p) <= 2 * np.finfo(dtype).eps / p
        assert abs(out.mean(dtype=np.float64) - 1) <= Z * sd
