"""The elementwise activations: kernels beside the reference, shapes, dtypes, bad input."""

import numpy as np
import pytest

from optbench.blocks import elu, leaky_relu, relu, sigmoid, tanh
from optbench.blocks.registry import get_block
from optbench.conformance import blocks as harness

MODULES = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu, "elu": elu}


def functions(name):
    module = MODULES[name]
    return getattr(module, f"{name}_forward"), getattr(module, f"{name}_backward")


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(0,), (1,), (7, 3), (2, 3, 5), (3000,)])
def test_kernels_agree_with_the_reference_within_the_tolerance(name, dtype, shape):
    block = get_block(name)
    rows = harness.check(block, harness.backend_implementation(block, "cpu"), "cpu", dtype, shape, seed=7)
    assert all(r.passed for r in rows), [(r.output, r.worst_ulps, r.tolerance_ulps, r.where) for r in rows]


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_and_shape_are_kept_and_the_input_is_untouched(name, dtype):
    forward, backward = functions(name)
    x = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    kept = x.copy()
    out, cache = forward(x)
    dx = backward(np.ones_like(x), cache)
    assert out.dtype == dx.dtype == np.dtype(dtype) and out.shape == dx.shape == x.shape
    np.testing.assert_array_equal(x, kept)


def test_the_lecture_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(relu.relu_forward(x)[0], [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(leaky_relu.leaky_relu_forward(x)[0], [-0.2, -0.05, 0, 0.5, 2])
    np.testing.assert_allclose(elu.elu_forward(x, alpha=2.0)[0], 2 * np.expm1(np.minimum(x, 0)) + np.maximum(x, 0))
    np.testing.assert_allclose(sigmoid.sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(tanh.tanh_forward(x)[0], np.tanh(x), rtol=1e-15)
    np.testing.assert_array_equal(relu.relu_backward(np.ones(5), relu.relu_forward(x)[1]), [0, 0, 0, 1, 1])


def test_nan_passes_through_relu_as_through_numpy_maximum():
    assert np.isnan(relu.relu_forward(np.array([np.nan, 1.0]))[0][0])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_reference_backend_is_the_reference(name):
    forward, backward = functions(name)
    x = np.random.default_rng(0).standard_normal(10)
    out, cache = forward(x, backend="reference")
    want, want_cache = get_block(name).reference_forward(x)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(backward(np.ones(10), cache, backend="reference"),
                                  get_block(name).reference_backward(np.ones(10), want_cache))


@pytest.mark.parametrize("bad, error, words", [
    (np.arange(4), TypeError, "dtype int64"),
    (np.ones((4, 4))[:, ::2], ValueError, "not C-contiguous"),
    ([1.0, 2.0], TypeError, "numpy.ndarray"),
])
def test_bad_arrays_are_refused(bad, error, words):
    with pytest.raises(error, match=words):
        tanh.tanh_forward(bad)


def test_bad_parameters_are_refused():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"slope must be in \[0, 1\)"):
        leaky_relu.leaky_relu_forward(x, slope=1.5)
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        elu.elu_forward(x, alpha=0.0)
    with pytest.raises(ValueError, match="unknown backend"):
        relu.relu_forward(x, backend="gpu")


def test_backward_refuses_a_dout_that_does_not_match_and_a_foreign_cache():
    out, cache = sigmoid.sigmoid_forward(np.ones(4))
    with pytest.raises(ValueError, match="must match the forward input"):
        sigmoid.sigmoid_backward(np.ones(5), cache)
    with pytest.raises(ValueError, match="must match the forward input"):
        sigmoid.sigmoid_backward(np.ones(4, np.float32), cache)
    with pytest.raises(TypeError, match="cache must be what sigmoid_forward"):
        sigmoid.sigmoid_backward(np.ones(4), out)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu"])
def test_the_cpu_loops_vectorize_exp_and_tanh_included(name):
    """Packed arithmetic and no call in the hot loop (kernels/vecmath.py)."""
    from optbench.perf.machine_code import compiled_loop, hot_loop

    body = hot_loop(compiled_loop(MODULES[name].ACTIVATION.forward_elementwise, "float32"))
    assert any(line.split()[0].endswith("ps") and "mm" in line for line in body), body
    assert not any(line.startswith("call") for line in body), body
