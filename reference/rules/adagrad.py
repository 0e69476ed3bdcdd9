import numpy as np


def adagrad(w, dw, config=None):
    """
    AdaGrad: per-parameter step sizes from the sum of all squared gradients.

    config format:
    - learning_rate: Scalar learning rate.
    - epsilon: Small scalar used for smoothing to avoid dividing by zero.
    - cache: Sum of squared gradients, same shape as w.
    - t: Number of updates done so far.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    config.setdefault("t", 0)
    cache = config.get("cache", np.zeros_like(w))

    config["t"] += 1
    cache = cache + dw**2
    next_w = w + -config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config
