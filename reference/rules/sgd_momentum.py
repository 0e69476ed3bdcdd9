import numpy as np


def sgd_momentum(w, dw, config=None):
    """
    Stochastic gradient descent with momentum.

    config format:
    - learning_rate: Scalar learning rate.
    - momentum: Scalar between 0 and 1 giving the momentum value.
      Setting momentum = 0 reduces to sgd.
    - velocity: A numpy array of the same shape as w and dw used to store a moving
      average of the gradients.
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
    v = mu * v - learning_rate * dw  # integrate velocity
    next_w = w + v  # integrate position

    config["velocity"] = v
    return next_w, config
