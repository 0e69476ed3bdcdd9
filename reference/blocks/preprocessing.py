import numpy as np

METHODS = ("zero_center", "normalize", "pca", "whiten")


def fit_preprocessing(X, method="zero_center", k=None, eps=1e-5):
    """
    Computes the statistics of a preprocessing from training data X.

    The lecture's preprocessing, for N examples of D features:
    - "zero_center": X -= np.mean(X, axis=0)
    - "normalize":   X -= np.mean(X, axis=0); X /= np.std(X, axis=0)
    - "pca":         X -= np.mean(X, axis=0)
                     cov = np.dot(X.T, X) / X.shape[0]
                     U, S, V = np.linalg.svd(cov)
                     Xrot = np.dot(X, U[:, :k])      (decorrelated; reduced to k dims)
    - "whiten":      as "pca", then Xwhite = Xrot / np.sqrt(S[:k] + eps)

    A feature with zero std (constant over X) is divided by 1 instead: it stays 0.

    Inputs:
    - X: Training data, of shape (N, D)
    - method: One of METHODS
    - k: Dimensions kept by "pca" and "whiten" (None: all D)
    - eps: Added to the variances S before the square root of "whiten"

    Returns:
    - params: Dictionary with "method" and the statistics: "mean"; "std" for
      "normalize"; "U" (D x k), "S" (k,) and "eps" for "pca" and "whiten"
    """
    if method not in METHODS:
        raise ValueError('Invalid method "%s"; choose one of %s' % (method, METHODS))
    params = {"method": method}
    mean = np.mean(X, axis=0)
    params["mean"] = mean
    if method == "normalize":
        std = np.std(X, axis=0)
        std[std == 0] = 1.0
        params["std"] = std
    if method in ("pca", "whiten"):
        if k is None:
            k = X.shape[1]
        X = X - mean
        cov = np.dot(X.T, X) / X.shape[0]
        U, S, V = np.linalg.svd(cov)
        params["U"] = U[:, :k]
        params["S"] = S[:k]
        params["eps"] = eps
    return params


def apply_preprocessing(X, params):
    """
    Applies a fitted preprocessing to data X (training, validation or test data).

    Inputs:
    - X: Data, of shape (M, D)
    - params: What fit_preprocessing returned

    Returns:
    - out: The preprocessed data, a new array: (M, D), or (M, k) for "pca" and "whiten"
    """
    method = params["method"]
    out = X - params["mean"]
    if method == "normalize":
        out /= params["std"]
    if method in ("pca", "whiten"):
        out = np.dot(out, params["U"])
    if method == "whiten":
        out /= np.sqrt(params["S"] + params["eps"])
    return out
