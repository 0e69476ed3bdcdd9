"""Data preprocessing: statistics fitted on the training data, applied to any data.

For training data X (N examples x D features), with mu = mean(X, axis=0):

    zero_center   X' = X - mu
    normalize     X' = (X - mu) / sigma,        sigma = std(X, axis=0)
    pca           X' = (X - mu) U[:, :k]        cov = (X - mu)^T (X - mu) / N = U diag(S) U^T
    whiten        X' = (X - mu) U[:, :k] / sqrt(S[:k] + eps)

`fit_preprocessing(X_train, method, k, eps) -> params` computes mu (and sigma, or U and
S, by the SVD of cov as the lecture does); `apply_preprocessing(X, params)` applies the
training statistics to X (training, validation or test data: never the validation
data's own statistics) and returns a new array, leaving X as it is. On the training data
X' has mean 0; after normalize each feature has std 1; after pca the covariance is
diag(S[:k]) (decorrelated, the k directions of largest variance kept); after whiten it is
diag(S / (S + eps)), the identity up to eps / S on each direction.

Constant features: a feature whose training values are all equal has sigma = 0. Its mu
is taken as that value exactly (the computed mean may be off by a rounding, and the
centred feature would be rounding noise), and normalize divides it by 1: it stays 0 on
the training data, as in `optbench.problems.digits`. Whitening divides by
sqrt(S + eps) > 0, so zero-variance directions stay 0 too: no NaN is ever produced.

Statistics are computed and kept in float64 whatever the data's dtype (float32 or
float64); the output has the dtype of the data it is applied to. Arrays must be 2-D,
finite, float32 or float64; a bad argument is refused with a ValueError or TypeError that
names it. The literal NumPy version is `optbench.reference.blocks.preprocessing`.
"""

import numpy as np

from optbench import checks, config

METHODS = ("zero_center", "normalize", "pca", "whiten")
PCA_METHODS = ("pca", "whiten")


def fit_preprocessing(X, method="zero_center", k=None, eps=1e-5):
    """params {"method", "mean", ("std" | "U", "S", "eps")} fitted on training data X."""
    if method not in METHODS:
        raise ValueError(f"unknown preprocessing method {method!r}; choose one of {list(METHODS)}")
    X = _data("X", X)
    N, D = X.shape
    if method in PCA_METHODS:
        k = D if k is None else checks.whole_number("k", k, 1, D)
    elif k is not None:
        raise ValueError(f"k (dimensions kept) applies to {' and '.join(PCA_METHODS)} only, not {method!r}")
    eps = checks.real("eps", eps, 0.0, include_low=False)
    X = X.astype(np.float64)
    constant = np.all(X == X[0], axis=0)
    mean = np.mean(X, axis=0)
    mean[constant] = X[0, constant]
    params = {"method": method, "mean": mean}
    if method == "normalize":
        std = np.std(X, axis=0)
        std[constant] = 1.0
        params["std"] = std
    elif method in PCA_METHODS:
        Xc = X - mean
        cov = Xc.T @ Xc / N
        U, S, _ = np.linalg.svd(cov)
        params.update(U=np.ascontiguousarray(U[:, :k]), S=S[:k].copy(), eps=eps)
    return params


def apply_preprocessing(X, params):
    """The fitted preprocessing `params` applied to X (M x D): a new M x D array, or
    M x k for pca and whiten, in X's dtype."""
    X = _data("X", X)
    method = _params(params)
    if X.shape[1] != params["mean"].shape[0]:
        raise ValueError(f"X has {X.shape[1]} features; the preprocessing was fitted on {params['mean'].shape[0]}")
    out = X.astype(np.float64) - params["mean"]
    if method == "normalize":
        out /= params["std"]
    elif method in PCA_METHODS:
        out = out @ params["U"]
        if method == "whiten":
            out /= np.sqrt(params["S"] + params["eps"])
    return out.astype(X.dtype, copy=False)


def _data(label, X):
    if not isinstance(X, np.ndarray):
        raise TypeError(f"{label} must be a numpy.ndarray, got {type(X).__name__}")
    if X.dtype.name not in config.DTYPES:
        raise TypeError(f"{label} has dtype {X.dtype}; use {' or '.join(config.DTYPES)}")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{label} must be 2-D, examples x features, with at least one of each; got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{label} holds {int(np.sum(~np.isfinite(X)))} NaN or infinite values; it must be finite")
    return X


def _params(params):
    keys = {"zero_center": {"mean"}, "normalize": {"mean", "std"}, "pca": {"mean", "U", "S", "eps"}}
    keys["whiten"] = keys["pca"]
    method = params.get("method") if isinstance(params, dict) else None
    if method not in keys or not keys[method] <= set(params):
        raise TypeError("params must be what fit_preprocessing returned: a dict with 'method' "
                        f"(one of {list(METHODS)}) and its statistics")
    return method
