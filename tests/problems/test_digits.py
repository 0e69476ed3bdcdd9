import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_load_digits

from optbench.problems.digits import N_VAL, load_digits


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_loaded_once(digits):
    assert load_digits() is digits


def test_split_sizes_and_labels(digits):
    assert digits.X_train.shape == (1797 - N_VAL, 64) and digits.X_val.shape == (N_VAL, 64)
    assert digits.X_train.dtype == np.float64
    for y in (digits.y_train, digits.y_val):
        assert set(np.unique(y)) == set(range(10))


def sorted_rows(images, labels):
    rows = np.column_stack([np.round(images, 9), labels])
    return rows[np.lexsort(rows.T[::-1])]


def test_splits_partition_the_images(digits):
    raw = sklearn_load_digits()
    restored = np.vstack([digits.X_train, digits.X_val]) * digits.std + digits.mean
    labels = np.concatenate([digits.y_train, digits.y_val])
    np.testing.assert_array_equal(sorted_rows(restored, labels), sorted_rows(raw.data, raw.target))


def test_training_split_is_zero_centered_and_normalized(digits):
    X = digits.X_train
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    varying = digits.std != 1.0
    np.testing.assert_allclose(X.std(axis=0)[varying], 1.0, rtol=1e-12)
    constant = ~varying & (np.ptp(X, axis=0) == 0.0)
    assert constant.sum() >= 1  # the always-blank pixels: divided by 1, not by 0
    assert not np.any(X[:, constant])
    assert np.all(np.isfinite(digits.X_val))


def test_arrays_are_read_only(digits):
    with pytest.raises(ValueError):
        digits.X_train[0, 0] = 1.0
