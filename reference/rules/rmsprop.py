import numpy as np


def rmsprop(w, dw, config=None):
    """
    RMSProp: a moving average of squared gradients sets per-parameter step sizes.

    config format:
    - learning_rate: Scalar learning rate.
    - decay_rate: Scalar between 0 and 1 giving the decay rate for the squared
      gradient cache.
    - epsilon: Small scalar used for smoothing to avoid dividing by zero.
    - cache: Moving average of second moments of gradients.
    - t: Number of updates done so far.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-7)
    config.setdefault("t", 0)
    cache = config.get("cache", np.zeros_like(w))
    decay_rate = config["decay_rate"]

    config["t"] += 1
    cache = decay_rate * cache + (1 - decay_rate) * dw**2
    next_w = w + -config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config
