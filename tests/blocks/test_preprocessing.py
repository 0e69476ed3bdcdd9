"""Preprocessing fitted on the digits training split and applied to the validation split.

Bounds. With eps the float64 unit roundoff and N the training examples, a computed sum
of N terms is off by at most gamma_N ~ N eps times the sum of their magnitudes. So on
the training data, after centring, each feature's mean is 0 to 4 N eps max|x_j| (the
mean's own error, the subtraction's and the re-averaging's), and after normalizing its
std is 1 to 4 N eps. A covariance entry sums N products, each at most the product of
the two features' rms (Cauchy-Schwarz) <= trace(cov); the SVD's backward error and the
rotation X U add D eps trace(cov) each: after pca the covariance is diag(S) to
4 (N + D) eps trace(cov), and after whitening, which divides direction i by
sqrt(S_i + eps_w), it is diag(S / (S + eps_w)) to that bound over
sqrt((S_i + eps_w)(S_j + eps_w)).
"""

import numpy as np
import pytest

from optbench.blocks.preprocessing import METHODS, apply_preprocessing, fit_preprocessing
from optbench.problems.digits import load_digits
from optbench.reference.blocks import preprocessing as reference

EPS = np.finfo(np.float64).eps


@pytest.fixture(scope="module")
def pixels():
    """The raw digits pixels (integers 0..16) of both splits, undoing digits.py's scaling."""
    data = load_digits()
    return {split: np.rint(getattr(data, f"X_{split}") * data.std + data.mean) for split in ("train", "val")}


def covariance(X):
    return X.T @ X / len(X)


def test_zero_center_uses_the_training_mean(pixels):
    X, X_val = pixels["train"], pixels["val"]
    params = fit_preprocessing(X, "zero_center")
    centred = apply_preprocessing(X, params)
    assert np.all(np.abs(centred.mean(axis=0)) <= 4 * len(X) * EPS * np.abs(X).max(axis=0))
    np.testing.assert_array_equal(apply_preprocessing(X_val, params), X_val - X.mean(axis=0))
    # the validation split keeps its own offset from the training mean
    assert np.abs(apply_preprocessing(X_val, params).mean(axis=0)).max() > 0.1


def test_normalize_gives_unit_std_and_is_digits_own_preprocessing(pixels):
    X = pixels["train"]
    params = fit_preprocessing(X, "normalize")
    out = apply_preprocessing(X, params)
    constant = np.ptp(X, axis=0) == 0
    assert 0 < constant.sum() < X.shape[1]  # the always-blank corner pixels
    np.testing.assert_array_equal(out[:, constant], 0.0)
    np.testing.assert_array_equal(params["std"][constant], 1.0)
    assert np.all(np.abs(out[:, ~constant].std(axis=0) - 1.0) <= 4 * len(X) * EPS)
    data = load_digits()
    np.testing.assert_array_equal(out, data.X_train)
    np.testing.assert_array_equal(apply_preprocessing(pixels["val"], params), data.X_val)


@pytest.mark.parametrize("k", [None, 10])
def test_pca_decorrelates_and_keeps_the_largest_variances(pixels, k):
    X = pixels["train"]
    N, D = X.shape
    params = fit_preprocessing(X, "pca", k=k)
    kept = D if k is None else k
    rotated = apply_preprocessing(X, params)
    assert rotated.shape == (N, kept) and params["U"].shape == (D, kept)
    S = params["S"]
    assert np.all(np.diff(S) <= 0) and S[-1] >= 0
    trace = np.trace(covariance(X - X.mean(axis=0)))
    bound = 4 * (N + D) * EPS * trace
    assert np.abs(covariance(rotated) - np.diag(S)).max() <= bound
    np.testing.assert_allclose(params["U"].T @ params["U"], np.eye(kept), rtol=0, atol=D * EPS * 4)
    if k is not None:
        # the k directions keep more of the variance than any k pixels do
        assert S.sum() > np.sort(np.diag(covariance(X - X.mean(axis=0))))[-k:].sum()
    assert apply_preprocessing(pixels["val"], params).shape == (len(pixels["val"]), kept)


@pytest.mark.parametrize("k", [None, 20])
def test_whitening_gives_the_identity_up_to_eps(pixels, k):
    X = pixels["train"]
    N, D = X.shape
    params = fit_preprocessing(X, "whiten", k=k, eps=1e-5)
    white = apply_preprocessing(X, params)
    S = params["S"]
    scale = np.sqrt(S + 1e-5)
    bound = 4 * (N + D) * EPS * np.trace(covariance(X - X.mean(axis=0))) / np.outer(scale, scale)
    assert np.all(np.abs(covariance(white) - np.diag(S / (S + 1e-5))) <= bound)
    large = S > 1.0
    assert large.sum() >= min(10, len(S))
    np.testing.assert_allclose(np.diag(covariance(white))[large], 1.0, rtol=0, atol=1e-5)
    # the zero-variance directions (the blank pixels) stay near 0 instead of blowing up
    assert np.all(np.isfinite(white)) and np.abs(white[:, S < 1e-10]).max(initial=0.0) < 1e-6


@pytest.mark.parametrize("method", METHODS)
def test_reference_and_optbench_agree(pixels, method):
    k = 12 if method in ("pca", "whiten") else None
    params = fit_preprocessing(pixels["train"], method, k=k)
    want = reference.fit_preprocessing(pixels["train"], method, k=k)
    assert sorted(params) == sorted(want)
    for split in ("train", "val"):
        got = apply_preprocessing(pixels[split], params)
        expected = reference.apply_preprocessing(pixels[split], want)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max(), err_msg=split)


@pytest.mark.parametrize("method", METHODS)
def test_the_caller_s_data_is_never_modified(pixels, method):
    X = pixels["train"].copy()
    params = fit_preprocessing(X, method)
    out = apply_preprocessing(X, params)
    np.testing.assert_array_equal(X, pixels["train"])
    assert not np.shares_memory(out, X)


def test_a_constant_feature_is_centred_exactly_and_left_unscaled():
    """0.1 repeated: its computed mean is off by a rounding, and literal NumPy divides the
    rounding noise by a tiny std; here the feature is exactly 0 and no NaN appears."""
    X = np.column_stack([np.full(1000, 0.1), np.arange(1000.0)])
    for method in METHODS:
        out = apply_preprocessing(X, fit_preprocessing(X, method))
        assert np.all(np.isfinite(out)), method
    out = apply_preprocessing(X, fit_preprocessing(X, "normalize"))
    np.testing.assert_array_equal(out[:, 0], 0.0)
    assert np.abs(out[:, 1].std() - 1.0) <= 4 * 1000 * EPS


def test_float32_data_keeps_its_dtype_with_float64_statistics(pixels):
    X = pixels["train"].astype(np.float32)
    params = fit_preprocessing(X, "whiten", k=5)
    assert params["mean"].dtype == params["U"].dtype == params["S"].dtype == np.float64
    out = apply_preprocessing(X, params)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, apply_preprocessing(pixels["train"], params), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "X, kwargs, error, match",
    [
        (np.zeros(5), {}, ValueError, "X must be 2-D"),
        (np.zeros((0, 3)), {}, ValueError, "X must be 2-D"),
        (np.zeros((4, 3), dtype=int), {}, TypeError, "X has dtype int64; use float32 or float64"),
        ([[1.0, 2.0]], {}, TypeError, "X must be a numpy.ndarray"),
        (np.array([[1.0, np.nan]]), {}, ValueError, "1 NaN or infinite values"),
        (np.ones((4, 3)), dict(method="sphere"), ValueError,
         r"unknown preprocessing method 'sphere'; choose one of \['zero_center', 'normalize', 'pca', 'whiten'\]"),
        (np.ones((4, 3)), dict(method="pca", k=0), ValueError, r"k must be in \[1, 3\]"),
        (np.ones((4, 3)), dict(method="whiten", k=4), ValueError, r"k must be in \[1, 3\]"),
        (np.ones((4, 3)), dict(method="pca", k=1.5), TypeError, "k must be a whole number"),
        (np.ones((4, 3)), dict(method="normalize", k=2), ValueError, "k .* applies to pca and whiten only"),
        (np.ones((4, 3)), dict(method="whiten", eps=0.0), ValueError, "eps must be a finite number > 0"),
    ],
)
def test_bad_fits_are_refused(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_preprocessing(X, **kwargs)


def test_bad_applications_are_refused():
    params = fit_preprocessing(np.ones((4, 3)), "normalize")
    with pytest.raises(ValueError, match="X has 2 features; the preprocessing was fitted on 3"):
        apply_preprocessing(np.ones((4, 2)), params)
    with pytest.raises(ValueError, match="NaN or infinite"):
        apply_preprocessing(np.full((1, 3), np.inf), params)
    for bad in [{}, {"method": "normalize", "mean": np.zeros(3)}, None]:
        with pytest.raises(TypeError, match="params must be what fit_preprocessing returned"):
            apply_preprocessing(np.ones((4, 3)), bad)
