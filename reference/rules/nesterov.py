import numpy as np


def nesterov(w, dw, config=None):
    """
    Nesterov momentum, in the rewrite that needs only the gradient at w.

    config format:
    - learning_rate: Scalar learning rate.
    - momentum: Scalar between 0 and 1 giving the momentum value.
    - velocity: A numpy array of the same shape as w and dw.
    - t: Number of updates done so far.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    config.setdefault("t", 0)
    v = config.get("velocity", np.zeros_like(w))
    mu = config["momentum"]
    learning_rate = config["learning_rate"]

    config["t"] += 1
    v_prev = v
    v = mu * v - learning_rate * dw
    next_w = w + (-mu * v_prev + (1 + mu) * v)

    config["velocity"] = v
    return next_w, config
