def sgd(w, dw, config=None):
    """
    Vanilla stochastic gradient descent.

    config format:
    - learning_rate: Scalar learning rate.
    - t: Number of updates done so far.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("t", 0)

    config["t"] += 1
    next_w = w + -config["learning_rate"] * dw
    return next_w, config
