"""Weight initialization: the lecture's three scales, exactly, on every backend."""

import math

import numpy as np
import pytest
from scipy import stats

from optbench.blocks.init import INITS, weight_init
from optbench.kernels import unavailable
from optbench.reference.blocks import init as reference

# The lecture's lines, with z = np.random.randn(fan_in, fan_out).
LECTURE = {
    "small": lambda z, fan_in: 0.01 * z,
    "xavier": lambda z, fan_in: z / np.sqrt(fan_in),
    "he": lambda z, fan_in: z / np.sqrt(fan_in / 2),
}
SIGMA = {"small": lambda fan_in: 0.01, "xavier": lambda fan_in: 1 / math.sqrt(fan_in),
         "he": lambda fan_in: math.sqrt(2 / fan_in)}
ALPHA = 1e-9  # the chance that a right scale fails a statistical check below


def within_chi_square(W, sigma):
    """Is sum(W^2) / sigma^2 inside the central 1 - ALPHA of chi-square with W.size degrees
    of freedom? (the distribution it has if W's entries are independent N(0, sigma^2))"""
    t = float(np.sum(np.square(W, dtype=np.float64))) / sigma**2
    return stats.chi2.ppf(ALPHA / 2, W.size) <= t <= stats.chi2.ppf(1 - ALPHA / 2, W.size)


@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (64, 50), (50, 10), (7, 300)])
def test_the_scale_is_the_lecture_s_to_the_bit(init, fan_in, fan_out):
    z = np.random.default_rng(3).standard_normal((fan_in, fan_out))
    want = LECTURE[init](z, fan_in)
    np.testing.assert_array_equal(weight_init(fan_in, fan_out, init, rng=3), want)
    np.testing.assert_array_equal(reference.weight_init(fan_in, fan_out, init, rng=3), want)


@pytest.mark.parametrize("init", INITS)
def test_the_spread_is_the_lecture_s(init):
    """The entries are N(0, sigma^2) with the init's sigma: the sum of squares passes the
    chi-square check, the mean |mean| <= z_(ALPHA/2) sigma / sqrt(m); and a sample of
    another init's sigma (a factor sqrt(2) or more off) fails the same check."""
    fan_in, fan_out = 100, 50
    W = weight_init(fan_in, fan_out, init, rng=0)
    sigma = SIGMA[init](fan_in)
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    assert within_chi_square(W, sigma)
    assert abs(W.mean()) <= stats.norm.isf(ALPHA / 2) * sigma / math.sqrt(W.size)
    for other in INITS:
        if other != init:
            assert not within_chi_square(weight_init(fan_in, fan_out, other, rng=0), sigma), other


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("init", INITS)
def test_reference_and_optbench_agree_exactly(init, dtype):
    want = reference.weight_init(20, 30, init, rng=11, dtype=dtype)
    got = weight_init(20, 30, init, rng=11, dtype=dtype)
    assert got.dtype == want.dtype == np.dtype(dtype) and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(weight_init(20, 30, init, rng=11, dtype=dtype, backend="reference"), want)


def test_one_generator_draws_consecutive_layers():
    rng = np.random.default_rng(5)
    W1, W2 = weight_init(4, 3, rng=rng), weight_init(3, 2, rng=rng)
    z = np.random.default_rng(5).standard_normal(4 * 3 + 3 * 2)
    np.testing.assert_array_equal(W1, z[:12].reshape(4, 3) / np.sqrt(4))
    np.testing.assert_array_equal(W2, z[12:].reshape(3, 2) / np.sqrt(3))


def test_without_a_seed_each_draw_is_fresh():
    assert not np.array_equal(weight_init(10, 10), weight_init(10, 10))


@pytest.mark.skipif(bool(unavailable("cuda")), reason=str(unavailable("cuda")))
def test_cuda_returns_the_same_draw_on_the_device():
    from optbench.kernels import cuda as backend

    W = weight_init(6, 5, "he", rng=2, dtype="float32", backend="cuda")
    backend.check_array("W", W)  # a device array
    np.testing.assert_array_equal(backend.to_host(W), weight_init(6, 5, "he", rng=2, dtype="float32"))


def activation_stds(init, activation, layers=10, width=200, examples=500):
    """The lecture's experiment: unit Gaussian data through `layers` layers of `width`
    units; the std of each layer's activations."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((examples, width))
    stds = []
    for _ in range(layers):
        h = activation(h @ weight_init(width, width, init, rng=rng))
        stds.append(float(h.std()))
    return np.array(stds)


def relu(z):
    return np.maximum(0.0, z)


def test_the_lecture_s_point_about_depth():
    """Small weights: each tanh layer multiplies the std by about 0.01 sqrt(200) = 0.14,
    so ten layers leave ~1e-9. Xavier keeps tanh activations alive (the lecture's table:
    std 0.23 at layer 10). With ReLU, Xavier halves the variance at every layer (a factor
    2^-5 in std over ten); He's factor 2 keeps it."""
    assert activation_stds("small", np.tanh)[-1] < 1e-6
    xavier_tanh = activation_stds("xavier", np.tanh)
    assert 0.1 < xavier_tanh[-1] < xavier_tanh[0] < 1.0
    xavier_relu, he_relu = activation_stds("xavier", relu), activation_stds("he", relu)
    assert xavier_relu[-1] / xavier_relu[0] < 0.1
    assert 0.5 < he_relu[-1] / he_relu[0] < 2.0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(fan_in=0), ValueError, "fan_in must be >= 1"),
        (dict(fan_out=2.0), TypeError, "fan_out must be a whole number"),
        (dict(fan_in=True), TypeError, "fan_in must be a whole number"),
        (dict(init="glorot"), ValueError, r"unknown init 'glorot'; choose one of \['small', 'xavier', 'he'\]"),
        (dict(dtype="float16"), TypeError, r"dtype must be one of \['float32', 'float64'\]"),
        (dict(dtype="real"), TypeError, "dtype must be one of"),
        (dict(rng=-1), ValueError, "seed must be >= 0"),
        (dict(rng="0"), TypeError, "rng must be a numpy.random.Generator"),
        (dict(backend="gpu"), ValueError, "unknown backend 'gpu'"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, match):
    arguments = dict(fan_in=3, fan_out=2, init="xavier", rng=0) | kwargs
    with pytest.raises(error, match=match):
        weight_init(**arguments)
