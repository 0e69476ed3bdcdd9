"""scikit-learn's digits (1797 8x8 grey images, 10 classes), split and preprocessed once.

The data ships inside scikit-learn (no download). A fixed seeded permutation puts 360
images (20%) in the validation split and 1437 in the training split. Preprocessing is
the lecture's, with statistics from the training split only:

    X <- (X - mean_train) / std_train

Pixels that are constant over the training images (std 0; the corners are always
blank) are divided by 1 instead, so they stay 0 on the training split.
"""

import functools
from dataclasses import dataclass

import numpy as np

N_FEATURES = 64
N_CLASSES = 10
N_VAL = 360
_SPLIT_SEED = 0


@dataclass(frozen=True)
class Digits:
    """Preprocessed splits as read-only float64 (X) and int64 (y) arrays."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    mean: np.ndarray
    std: np.ndarray


@functools.lru_cache(maxsize=None)
def load_digits():
    """The preprocessed split, loaded once per process."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            "the digits problems (softmax, two_layer) need scikit-learn: "
            "pip install 'optbench[data]'"
        ) from error
    images = sklearn_load_digits()
    X = np.asarray(images.data, dtype=np.float64)
    y = np.asarray(images.target, dtype=np.int64)
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(y))
    val, train = order[:N_VAL], order[N_VAL:]
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0.0] = 1.0
    arrays = {
        "X_train": (X[train] - mean) / std,
        "y_train": y[train],
        "X_val": (X[val] - mean) / std,
        "y_val": y[val],
        "mean": mean,
        "std": std,
    }
    for array in arrays.values():
        array.flags.writeable = False
    return Digits(**arrays)
