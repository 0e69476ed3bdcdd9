"""Batch normalization: the kernels beside the reference within the derived tolerance,
in both modes and dtypes; the running averages in place; gradients against centred
differences; the named variants far outside the tolerance; torch; bad input."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optbench.blocks import batchnorm as bn
from optbench.blocks.cpu import batchnorm as cpu_kernels
from optbench.blocks.registry import get_block
from optbench.kernels import unavailable
from optbench.verification.block_variants import block_variants
from optbench.verification.errors import in_ulps, normwise_error
from optbench.verification.gradient import gradient_check, noise_floor

BLOCK = bn.BLOCK
DTYPES = ["float32", "float64"]
MODES = ["train", "test"]
NAMES = ("out", "dx", "dgamma", "dbeta", "running_mean", "running_var")
VARIANTS = {v.name: v for v in block_variants("batchnorm")}


def case(shape, dtype, mode="train", seed=0):
    """(inputs, dout) from the block's sample, in `mode`."""
    rng = np.random.default_rng(seed)
    inputs, parameters = BLOCK.sample(rng, shape, dtype)
    assert parameters == {}
    inputs[3]["mode"] = mode
    return inputs, np.asarray(rng.standard_normal(shape), dtype)


def run(forward, backward, inputs, dout, **keywords):
    """Every result by name, on a private copy of the inputs."""
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    out, cache = forward(x, gamma, beta, bn_param, **keywords)
    dx, dgamma, dbeta = backward(dout, cache, **keywords)
    return {"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta,
            "running_mean": bn_param["running_mean"], "running_var": bn_param["running_var"]}


def reference(inputs, dout):
    return run(BLOCK.reference_forward, BLOCK.reference_backward, inputs, dout)


def ulps(got, want, dtype):
    """{name: worst error in ulps of the largest |want|}."""
    return {name: float(in_ulps(normwise_error(np.ravel(got[name]), np.ravel(want[name])), dtype)) for name in NAMES}


def assert_within_tolerance(got, inputs, dout, dtype):
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, want)
    errors = ulps(got, want, dtype)
    assert all(errors[n] <= tolerance[n] for n in NAMES), {n: (errors[n], tolerance[n]) for n in NAMES}
    for name in NAMES:
        assert got[name].dtype == np.dtype(dtype) and got[name].shape == want[name].shape, name
    return errors, tolerance


# --- the cpu kernels beside the reference --------------------------------------------

SHAPES = [(1, 5), (2, 3), (7, 1), (16, 8), (31, 32), (64, 33), (300, 70), (512, 600), (300, 1100)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cpu_kernels_agree_with_the_reference_within_the_tolerance(shape, dtype, mode):
    inputs, dout = case(shape, dtype, mode, seed=sum(shape))
    assert_within_tolerance(run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout), inputs, dout, dtype)


def test_the_large_shape_runs_the_parallel_kernels_and_the_small_ones_the_serial():
    assert cpu_kernels.is_parallel(512, 1100, 2) and not cpu_kernels.is_parallel(512, 1100, 1)
    assert not cpu_kernels.is_parallel(300, 70, 2) and not cpu_kernels.is_parallel(4096, 256, 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_several_chunks_and_blocks_merge_to_the_same_statistics(monkeypatch, dtype, threads):
    """Chunks of 5 rows (Chan's merge) and blocks of 16 columns, on both drivers."""
    monkeypatch.setattr(cpu_kernels, "CHUNK_BYTES", 5 * 16 * np.dtype(dtype).itemsize)
    monkeypatch.setattr(cpu_kernels, "MIN_WIDTH", 16)
    monkeypatch.setattr(cpu_kernels, "is_parallel", lambda n, d, available: threads > 1)
    expected = (16, 5) if threads > 1 else (50, 1)
    assert cpu_kernels.layout(23, 50, np.dtype(dtype).itemsize, threads) == expected
    inputs, dout = case((23, 50), dtype, seed=4)
    assert_within_tolerance(run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout), inputs, dout, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_agrees_with_the_reference_to_the_bit_within_one_chunk(dtype):
    """Same sums in the same order, same expressions: the same floats (module docstring)."""
    inputs, dout = case((31, 32), dtype, seed=1)
    got = run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout)
    want = reference(inputs, dout)
    for name in ("out", "running_mean", "running_var", "dgamma", "dbeta"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from(DTYPES), st.sampled_from(MODES), st.integers(0, 2**32))
def test_any_shape(n, d, dtype, mode, seed):
    inputs, dout = case((n, d), dtype, mode, seed)
    assert_within_tolerance(run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout), inputs, dout, dtype)


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_running_averages_are_updated_in_place(backend, dtype):
    inputs, _ = case((20, 6), dtype)
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    running_mean, running_var = bn_param["running_mean"], bn_param["running_var"]
    before_mean, before_var = running_mean.copy(), running_var.copy()
    bn.batchnorm_forward(x, gamma, beta, bn_param, backend=backend)
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    mean, var = x.astype(np.float64).mean(axis=0), x.astype(np.float64).var(axis=0)
    np.testing.assert_allclose(running_mean, 0.9 * before_mean + 0.1 * mean, rtol=1e-5, atol=1e-6 * np.abs(mean).max())
    np.testing.assert_allclose(running_var, 0.9 * before_var + 0.1 * var, rtol=1e-5)
    want = reference(inputs, np.zeros_like(x))
    np.testing.assert_array_equal(running_mean, want["running_mean"])
    np.testing.assert_array_equal(running_var, want["running_var"])


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_missing_running_averages_start_at_zero_and_are_stored(backend, dtype):
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(dtype)
    gamma, beta = np.ones(3, dtype), np.zeros(3, dtype)
    bn_param = {"mode": "train", "momentum": 0.5}
    bn.batchnorm_forward(x, gamma, beta, bn_param, backend=backend)
    assert bn_param["running_mean"].dtype == bn_param["running_var"].dtype == np.dtype(dtype)
    np.testing.assert_allclose(bn_param["running_mean"], 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn_param["running_var"], 0.5 * x.var(axis=0), rtol=1e-5)


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_test_mode_normalizes_with_the_running_averages_and_changes_nothing(backend, dtype):
    inputs, dout = case((10, 4), dtype, "test")
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param, backend=backend)
    np.testing.assert_array_equal(bn_param["running_mean"], inputs[3]["running_mean"])
    np.testing.assert_array_equal(bn_param["running_var"], inputs[3]["running_var"])
    want = gamma * (x - inputs[3]["running_mean"]) / np.sqrt(inputs[3]["running_var"] + 1e-5) + beta
    np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-5)
    # the backward pass of a test-mode forward uses the running averages of that call
    bn_param["running_mean"] += 1
    dx, _, _ = bn.batchnorm_backward(dout, cache, backend=backend)
    inv_std = 1 / np.sqrt(inputs[3]["running_var"].astype(np.float64) + 1e-5)
    np.testing.assert_allclose(dx, dout * gamma * inv_std, rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_batch_of_one_gives_beta_and_no_gradient_to_x(backend, dtype):
    """N = 1: var = 0, x_hat = 0, out = beta, dx = 0, dgamma = 0, dbeta = dout."""
    inputs, dout = case((1, 5), dtype)
    got = run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout, backend=backend)
    np.testing.assert_array_equal(got["out"], inputs[2][None, :])
    np.testing.assert_array_equal(got["dx"], np.zeros_like(dout))
    np.testing.assert_array_equal(got["dgamma"], np.zeros(5, dtype))
    np.testing.assert_array_equal(got["dbeta"], dout[0])
    np.testing.assert_array_equal(got["running_var"], (0.9 * inputs[3]["running_var"]).astype(dtype))


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_dtype_is_kept(backend, dtype):
    inputs, dout = case((9, 4), dtype)
    got = run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout, backend=backend)
    assert {got[name].dtype for name in NAMES} == {np.dtype(dtype)}


def test_read_only_inputs_are_accepted():
    inputs, dout = case((9, 4), "float32")
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    for a in (x, gamma, beta, dout):
        a.flags.writeable = False
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)
    bn.batchnorm_backward(dout, cache)
    assert out.flags.writeable


def test_the_reference_backend_is_the_reference():
    inputs, dout = case((6, 3), "float64")
    got = run(bn.batchnorm_forward, bn.batchnorm_backward, inputs, dout, backend="reference")
    want = reference(inputs, dout)
    for name in NAMES:
        np.testing.assert_array_equal(got[name], want[name])


# --- gradients ------------------------------------------------------------------------

GRADIENT_THRESHOLD = 1e-6


def gradient_checks(backend, mode, forward=None, backward=None):
    """{name: GradientCheck} of x, gamma, beta for L = sum(out * dout), float64, 6 x 4.

    The features have unit scale (x ~ loc + N(0, 1) * U(0.5, 2)), so L's third
    derivatives are O(|gamma dout|) ~ 1: with h = 1e-5 the centred difference's
    truncation error is h^2 / 6 * O(1) ~ 1e-11, and its rounding noise 10 eps |L| / h
    ~ 1e-9 at |L| ~ 5, against derivatives of order 0.1-1, so honest gradients come out
    near 1e-8 relative; below the noise floor (tiny derivatives) they must agree to the
    noise. GRADIENT_THRESHOLD = 1e-6 leaves a factor of 100, and a wrong gradient is off
    by O(1)."""
    forward = forward or (lambda *a: bn.batchnorm_forward(*a, backend=backend))
    backward = backward or (lambda d, c: bn.batchnorm_backward(d, c, backend=backend))
    rng = np.random.default_rng(11)
    n, d = 6, 4
    x = rng.standard_normal(d) + rng.standard_normal((n, d)) * rng.uniform(0.5, 2, d)
    gamma, beta, dout = rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((n, d))
    bn_param = {"mode": mode, "running_mean": rng.standard_normal(d), "running_var": rng.uniform(0.5, 2, d)}
    arguments = [x, gamma, beta]
    _, cache = forward(*copy.deepcopy(arguments), copy.deepcopy(bn_param))
    analytic = backward(dout, cache)
    checks = {}
    for position, name in enumerate(("dx", "dgamma", "dbeta")):
        shape = arguments[position].shape

        def loss(a, position=position, shape=shape):
            varied = copy.deepcopy(arguments)
            varied[position] = a.reshape(shape).copy()
            out, _ = forward(*varied, copy.deepcopy(bn_param))
            return float(np.sum(out * dout)), analytic[position].ravel()

        value = loss(arguments[position].ravel())[0]
        checks[name] = gradient_check(loss, arguments[position].ravel(), h=1e-5,
                                      floor=noise_floor(value, 1e-5, GRADIENT_THRESHOLD))
    return checks


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", ["cpu", "reference"])
def test_backward_agrees_with_centred_differences(backend, mode):
    for name, check in gradient_checks(backend, mode).items():
        assert check.max_relative_error < GRADIENT_THRESHOLD, (name, check.max_relative_error)


def test_the_gradient_check_catches_a_wrong_gradient():
    variant = VARIANTS["dgamma_without_xhat"]
    checks = gradient_checks("reference", "train", backward=variant.backward, forward=variant.forward)
    assert checks["dgamma"].max_relative_error > 1e-2
    assert checks["dx"].max_relative_error < GRADIENT_THRESHOLD


# --- the block, its sample, shape and tolerance ----------------------------------------

def test_the_block_is_registered():
    assert get_block("batchnorm") is BLOCK
    assert BLOCK.forward is bn.batchnorm_forward and BLOCK.backward is bn.batchnorm_backward
    assert BLOCK.gradients == ("dx", "dgamma", "dbeta") and BLOCK.reduces
    assert BLOCK.state == ((3, "running_mean"), (3, "running_var"))


def test_shape():
    assert BLOCK.shape(1 << 22) == (1024, 4096)
    assert BLOCK.shape(1000) == (31, 32)
    assert BLOCK.shape(1) == (1, 1) and BLOCK.shape(0) == (1, 1)
    for n in (2, 10, 48, 1 << 16, 1 << 24):
        rows, features = BLOCK.shape(n)
        assert rows * features <= max(n, 1) and rows <= 1024


def test_the_sample_spreads_the_scales_so_that_eps_matters():
    inputs, _ = case((64, 200), "float64")
    x, gamma, beta, bn_param = inputs
    std = x.std(axis=0)
    assert std.min() < 1e-2 < 1 < std.max()                 # var + eps != var for some features
    assert bn_param["mode"] == "train" and np.all(bn_param["running_var"] > 0)
    assert np.abs(bn_param["running_mean"]).min() > 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_tolerance_is_finite_and_positive(dtype):
    inputs, dout = case((31, 32), dtype)
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, want)
    assert set(tolerance) == set(NAMES)
    assert all(0 < tolerance[name] < 1e6 for name in NAMES)
    inputs[3]["mode"] = "test"
    test_tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, reference(inputs, dout))
    assert test_tolerance["running_mean"] == test_tolerance["running_var"] == 0


# --- the named variants -----------------------------------------------------------------

FAR = 100  # "by far": at least this many tolerances away in some output


def test_the_variants_are_registered():
    assert set(VARIANTS) == {"unbiased_variance", "unbiased_running_variance", "epsilon_outside_sqrt",
                             "dgamma_without_xhat"}
    assert VARIANTS["unbiased_running_variance"].found_in == "torch.nn.functional.batch_norm"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_far_outside_the_tolerance(name, dtype):
    """On the block's verification sample (BLOCK.shape(1000) = (31, 32)), train mode."""
    inputs, dout = case(BLOCK.shape(1000), dtype, seed=5)
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, want)
    variant = VARIANTS[name]
    errors = ulps(run(variant.forward, variant.backward, inputs, dout), want, dtype)
    assert max(errors[n] / tolerance[n] for n in NAMES) > FAR, (errors, tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["epsilon_outside_sqrt", "dgamma_without_xhat"])
def test_the_variants_that_touch_test_mode_are_caught_there_too(name, dtype):
    inputs, dout = case(BLOCK.shape(1000), dtype, "test", seed=5)
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, want)
    variant = VARIANTS[name]
    errors = ulps(run(variant.forward, variant.backward, inputs, dout), want, dtype)
    assert max(errors[n] / tolerance[n] for n in NAMES if tolerance[n] > 0) > FAR, (errors, tolerance)


def test_the_variants_depart_only_where_they_say():
    inputs, dout = case((31, 32), "float64", seed=5)
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance("float64", inputs, {}, dout, want)
    departs = {name: {n for n, e in ulps(run(v.forward, v.backward, inputs, dout), want, "float64").items()
                      if e > tolerance[n]} for name, v in VARIANTS.items()}
    assert departs["unbiased_running_variance"] == {"running_var"}
    assert departs["dgamma_without_xhat"] == {"dgamma"}
    assert departs["unbiased_variance"] >= {"out", "dx"} and "running_var" not in departs["unbiased_variance"]
    assert departs["epsilon_outside_sqrt"] >= {"out", "dx"}


def test_the_staged_copy_of_the_variants_is_the_reference():
    """Without a departure the variants' forward and backward are the reference's."""
    from optbench.verification.block_variants import batchnorm as variants

    for dtype in DTYPES:
        inputs, dout = case((12, 5), dtype, seed=2)
        got = run(variants.staged_forward, variants.staged_backward, inputs, dout)
        want = reference(inputs, dout)
        for name in NAMES:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


# --- torch --------------------------------------------------------------------------------

def torch_results(inputs, dout):
    torch = pytest.importorskip("torch")
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    tx, tgamma, tbeta = (torch.from_numpy(a).requires_grad_() for a in (x, gamma, beta))
    running_mean, running_var = torch.from_numpy(bn_param["running_mean"]), torch.from_numpy(bn_param["running_var"])
    # torch's momentum weighs the batch: 1 - ours
    out = torch.nn.functional.batch_norm(tx, running_mean, running_var, tgamma, tbeta, training=True,
                                         momentum=1 - bn_param["momentum"], eps=bn_param["eps"])
    out.backward(torch.from_numpy(dout))
    return {"out": out.detach().numpy(), "dx": tx.grad.numpy(), "dgamma": tgamma.grad.numpy(),
            "dbeta": tbeta.grad.numpy(), "running_mean": running_mean.numpy(), "running_var": running_var.numpy()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(31, 32), (128, 40)], ids=str)
def test_torch_agrees_but_keeps_the_unbiased_running_variance(dtype, shape):
    inputs, dout = case(shape, dtype, seed=8)
    got = torch_results(inputs, dout)
    want = reference(inputs, dout)
    tolerance = BLOCK.tolerance(dtype, inputs, {}, dout, want)
    errors = ulps(got, want, dtype)
    agree = {n for n in NAMES if errors[n] <= tolerance[n]}
    assert agree == set(NAMES) - {"running_var"}, (errors, tolerance)
    assert errors["running_var"] > FAR * tolerance["running_var"]
    variant = VARIANTS["unbiased_running_variance"]
    torch_like = run(variant.forward, variant.backward, inputs, dout)
    assert ulps(got, torch_like, dtype)["running_var"] <= tolerance["running_var"]


# --- cuda, on a GPU or Numba's simulator ---------------------------------------------------

CUDA = unavailable("cuda")


@pytest.mark.skipif(CUDA is not None, reason=str(CUDA))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_kernels_agree_with_the_reference_within_the_tolerance(dtype, mode):
    from numba import cuda

    inputs, dout = case((16, 8), dtype, mode, seed=3)
    x, gamma, beta = (cuda.to_device(a) for a in inputs[:3])
    bn_param = copy.deepcopy(inputs[3])
    running_mean = bn_param["running_mean"] = cuda.to_device(bn_param["running_mean"])
    running_var = bn_param["running_var"] = cuda.to_device(bn_param["running_var"])
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param, backend="cuda")
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    dx, dgamma, dbeta = bn.batchnorm_backward(cuda.to_device(dout), cache, backend="cuda")
    got = {"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta, "running_mean": running_mean,
           "running_var": running_var}
    assert_within_tolerance({k: v.copy_to_host() for k, v in got.items()}, inputs, dout, dtype)


@pytest.mark.skipif(CUDA is not None, reason=str(CUDA))
def test_cuda_refuses_host_arrays_and_changes_nothing():
    from numba import cuda

    inputs, dout = case((4, 3), "float32")
    x, gamma, beta, bn_param = copy.deepcopy(inputs)
    bn_param["running_mean"] = cuda.to_device(bn_param["running_mean"])
    before = bn_param["running_mean"].copy_to_host()
    with pytest.raises(TypeError, match="gamma must be a CUDA device array"):
        bn.batchnorm_forward(cuda.to_device(x), gamma, cuda.to_device(beta), bn_param, backend="cuda")
    np.testing.assert_array_equal(bn_param["running_mean"].copy_to_host(), before)
    with pytest.raises(TypeError, match="x must be a CUDA device array"):
        bn.batchnorm_forward(x, cuda.to_device(gamma), cuda.to_device(beta), {"mode": "train"}, backend="cuda")


def test_the_cpu_backend_never_imports_the_cuda_kernels():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from optbench.blocks import batchnorm as bn; "
            "bn.batchnorm_forward(np.ones((3, 2)), np.ones(2), np.zeros(2), {'mode': 'train'}); "
            "print('optbench.blocks.cuda.batchnorm' in sys.modules, 'numba.cuda' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# --- bad input: a clear error, and nothing changed ------------------------------------------

def good(dtype="float32", n=5, d=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(dtype)
    bn_param = {"mode": "train", "running_mean": np.full(d, 0.5, dtype), "running_var": np.full(d, 2.0, dtype)}
    return x, np.ones(d, dtype), np.zeros(d, dtype), bn_param


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def replaced(position, value):
    def change(arguments):
        arguments[position] = value(arguments[position]) if callable(value) else value
    return change


def param(key, value):
    def change(arguments):
        if value is DELETE:
            del arguments[3][key]
        else:
            arguments[3][key] = value(arguments[3].get(key)) if callable(value) else value
    return change


DELETE = object()

BAD = [
    ("x 1-D", replaced(0, lambda x: np.ascontiguousarray(x[0])), ValueError, "x must be 2-D"),
    ("x 3-D", replaced(0, lambda x: x.reshape(5, 3, 1)), ValueError, "x must be 2-D"),
    ("x empty", replaced(0, lambda x: x[:0]), ValueError, r"at least one sample \(N >= 1\)"),
    ("x integer", replaced(0, lambda x: x.astype(np.int64)), TypeError, "x has dtype int64"),
    ("x float16", replaced(0, lambda x: x.astype(np.float16)), TypeError,
     "x has dtype float16; use float32 or float64"),
    ("x not contiguous", replaced(0, lambda x: np.asfortranarray(x)), ValueError, "x is not C-contiguous"),
    ("x a list", replaced(0, lambda x: x.tolist()), TypeError, "x must be a numpy.ndarray"),
    ("gamma shape", replaced(1, np.ones(4, np.float32)), ValueError, r"gamma is float32 of shape \(4,\); it must be "
                                                                     r"float32 of shape \(3,\)"),
    ("gamma 2-D", replaced(1, np.ones((1, 3), np.float32)), ValueError, r"gamma .* shape \(3,\)"),
    ("gamma dtype", replaced(1, np.ones(3)), ValueError, "gamma is float64 .* it must be float32"),
    ("gamma strided", replaced(1, np.ones(6, np.float32)[::2]), ValueError, "gamma is not C-contiguous"),
    ("beta shape", replaced(2, np.zeros(2, np.float32)), ValueError, r"beta is float32 of shape \(2,\)"),
    ("beta integer", replaced(2, np.zeros(3, np.int32)), TypeError, "beta has dtype int32"),
    ("running_mean shape", param("running_mean", np.zeros(4, np.float32)), ValueError,
     r"bn_param\['running_mean'\] is float32 of shape \(4,\)"),
    ("running_var dtype", param("running_var", np.ones(3)), ValueError, r"bn_param\['running_var'\] is float64"),
    ("running_var read-only", param("running_var", read_only), ValueError,
     r"bn_param\['running_var'\] is read-only"),
    ("running_mean strided", param("running_mean", np.zeros(6, np.float32)[::2]), ValueError,
     r"bn_param\['running_mean'\] is not C-contiguous"),
    ("running_mean a list", param("running_mean", [0.0, 0.0, 0.0]), TypeError,
     r"bn_param\['running_mean'\] must be a numpy.ndarray"),
    ("eps zero", param("eps", 0.0), ValueError, r"bn_param\['eps'\] must be a finite number > 0, got 0.0"),
    ("eps negative", param("eps", -1e-5), ValueError, r"bn_param\['eps'\] must be a finite number > 0"),
    ("eps nan", param("eps", float("nan")), ValueError, r"bn_param\['eps'\] must not be NaN"),
    ("eps a string", param("eps", "1e-5"), TypeError, r"bn_param\['eps'\] must be a real number"),
    ("momentum one", param("momentum", 1.0), ValueError, r"bn_param\['momentum'\] must be in \[0, 1\), got 1.0"),
    ("momentum negative", param("momentum", -0.1), ValueError, r"bn_param\['momentum'\] must be in \[0, 1\)"),
    ("momentum a bool", param("momentum", True), TypeError, r"bn_param\['momentum'\] must be a real number"),
    ("mode missing", param("mode", DELETE), ValueError, r"bn_param needs 'mode': one of \['train', 'test'\]"),
    ("mode unknown", param("mode", "eval"), ValueError,
     r"unknown batchnorm mode 'eval'; choose one of \['train', 'test'\]"),
    ("mode not a string", param("mode", None), ValueError, "unknown batchnorm mode None"),
    ("unknown key", param("epsilon", 1e-5), ValueError,
     r"unknown bn_param key\(s\) \['epsilon'\]; batchnorm takes \['mode', 'eps', 'momentum', 'running_mean', "
     r"'running_var'\]"),
]


def snapshot(bn_param):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in bn_param.items()}


def assert_unchanged(bn_param, before):
    assert set(bn_param) == set(before)
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(bn_param[key], value, err_msg=key)


@pytest.mark.parametrize("label, change, error, words", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_before_anything_changes(label, change, error, words):
    arguments = list(good())
    change(arguments)
    bn_param = arguments[3]
    before = snapshot(bn_param)
    with pytest.raises(error, match=words):
        bn.batchnorm_forward(*arguments)
    assert_unchanged(bn_param, before)


def test_missing_running_averages_are_not_stored_when_refused():
    x, gamma, beta, _ = good()
    bn_param = {"mode": "train", "momentum": 2.0}
    with pytest.raises(ValueError, match="momentum"):
        bn.batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param == {"mode": "train", "momentum": 2.0}
    bn_param = {"mode": "train"}
    with pytest.raises(ValueError, match="gamma"):
        bn.batchnorm_forward(x, gamma[:2].copy(), beta, bn_param)
    assert bn_param == {"mode": "train"}


def test_test_mode_accepts_read_only_running_averages():
    x, gamma, beta, bn_param = good()
    bn_param.update(mode="test", running_mean=read_only(bn_param["running_mean"]),
                    running_var=read_only(bn_param["running_var"]))
    bn.batchnorm_forward(x, gamma, beta, bn_param)


@pytest.mark.parametrize("shared", ["running_var", "x", "gamma"])
def test_running_averages_that_share_memory_are_refused(shared):
    x, gamma, beta, bn_param = good(n=3, d=3)
    arrays = {"x": x[0], "gamma": gamma, "running_var": bn_param["running_var"]}
    bn_param["running_mean"] = arrays[shared]
    before = snapshot(bn_param)
    with pytest.raises(ValueError, match=rf"bn_param\['running_mean'\] shares memory with \['{shared}'\]; it is "
                                         r"updated in place and must be an array of its own"):
        bn.batchnorm_forward(x, gamma, beta, bn_param)
    assert_unchanged(bn_param, before)


def test_bad_parameters_and_backends_are_refused():
    x, gamma, beta, bn_param = good()
    with pytest.raises(TypeError, match="bn_param must be a dict"):
        bn.batchnorm_forward(x, gamma, beta, [("mode", "train")])
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        bn.batchnorm_forward(x, gamma, beta, bn_param, backend="gpu")


def test_bad_backward_input_is_refused():
    x, gamma, beta, bn_param = good()
    _, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)
    dout = np.ones_like(x)
    with pytest.raises(ValueError, match=r"dout is float32 of shape \(5, 2\); it must match the forward input, "
                                         r"float32 of shape \(5, 3\)"):
        bn.batchnorm_backward(np.ones((5, 2), np.float32), cache)
    with pytest.raises(ValueError, match="dout is float64"):
        bn.batchnorm_backward(dout.astype(np.float64), cache)
    with pytest.raises(ValueError, match="dout is not C-contiguous"):
        bn.batchnorm_backward(np.asfortranarray(dout), cache)
    with pytest.raises(TypeError, match="dout has dtype int64"):
        bn.batchnorm_backward(dout.astype(np.int64), cache)
    _, reference_cache = bn.batchnorm_forward(x, gamma, beta, bn_param, backend="reference")
    with pytest.raises(TypeError, match=r"cache must be what batchnorm_forward\(..., backend='cpu'\) returned"):
        bn.batchnorm_backward(dout, reference_cache)
