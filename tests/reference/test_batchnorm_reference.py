"""The literal batch normalization reference: CS231n's formulas, in both modes.

The reference is the truth for the kernels, so it is checked here on its own, against
the formulas written out a second way in float64 (np.var, the simplified backward)."""

import numpy as np
import pytest

from optbench.reference.blocks.batchnorm import batchnorm_backward, batchnorm_forward


def inputs(dtype, n=8, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(d) + rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d)).astype(dtype)
    gamma, beta = rng.standard_normal(d).astype(dtype), rng.standard_normal(d).astype(dtype)
    return x, gamma, beta, rng.standard_normal((n, d)).astype(dtype)


def test_train_mode_normalizes_with_the_batch_statistics_and_its_backward_is_the_simplified_formula():
    x, gamma, beta, dout = inputs(np.float64)
    bn_param = {"mode": "train", "eps": 1e-3, "momentum": 0.8}
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    n = x.shape[0]
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(out, gamma * x_hat + beta, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(bn_param["running_var"], 0.2 * x.var(axis=0), rtol=1e-13)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dbeta, dout.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dgamma, (dout * x_hat).sum(axis=0), rtol=1e-12)
    simplified = gamma / (n * np.sqrt(x.var(axis=0) + 1e-3)) * (n * dout - dbeta - x_hat * dgamma)
    np.testing.assert_allclose(dx, simplified, rtol=1e-10, atol=1e-13 * np.abs(simplified).max())


def test_the_normalized_output_has_zero_mean_and_unit_variance_per_feature():
    x, gamma, beta, _ = inputs(np.float64, n=50)
    out, _ = batchnorm_forward(x, np.ones_like(gamma), np.zeros_like(beta), {"mode": "train", "eps": 1e-12})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-13)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-10)


def test_test_mode_uses_the_running_averages_and_leaves_them():
    x, gamma, beta, dout = inputs(np.float64)
    running_mean, running_var = np.full(5, 0.5), np.full(5, 2.0)
    bn_param = {"mode": "test", "running_mean": running_mean, "running_var": running_var}
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - 0.5) / np.sqrt(2.0 + 1e-5) + beta, rtol=1e-14)
    assert np.all(running_mean == 0.5) and np.all(running_var == 2.0)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dx, dout * gamma / np.sqrt(2.0 + 1e-5), rtol=1e-14)
    np.testing.assert_allclose(dgamma, (dout * (x - 0.5) / np.sqrt(2.0 + 1e-5)).sum(axis=0), rtol=1e-12)


def test_the_running_averages_are_updated_in_place_and_created_when_missing():
    x, gamma, beta, _ = inputs(np.float32)
    running_mean, running_var = np.ones(5, np.float32), np.ones(5, np.float32)
    bn_param = {"mode": "train", "running_mean": running_mean, "running_var": running_var}
    batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    assert not np.all(running_mean == 1)
    bn_param = {"mode": "train"}
    batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"].dtype == bn_param["running_var"].dtype == np.float32
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["train", "test"])
def test_the_dtype_is_kept(dtype, mode):
    x, gamma, beta, dout = inputs(dtype)
    bn_param = {"mode": mode}
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    results = (out, *batchnorm_backward(dout, cache), bn_param["running_mean"], bn_param["running_var"])
    assert {a.dtype for a in results} == {np.dtype(dtype)}


def test_an_unknown_mode_is_refused():
    x, gamma, beta, _ = inputs(np.float64)
    with pytest.raises(ValueError, match="Invalid forward batchnorm mode"):
        batchnorm_forward(x, gamma, beta, {"mode": "eval"})
