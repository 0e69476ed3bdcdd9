import numpy as np


def adam(w, dw, config=None):
    """
    Adam: moving averages of the gradient and its square, with bias correction.

    config format:
    - learning_rate: Scalar learning rate.
    - beta1: Decay rate for moving average of first moment of gradient.
    - beta2: Decay rate for moving average of second moment of gradient.
    - epsilon: Small scalar used for smoothing to avoid dividing by zero.
    - bias_correction: False gives the lecture's "incomplete, but close" Adam.
    - m: Moving average of gradient.
    - v: Moving average of squared gradient.
    - t: Iteration number.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-7)
    config.setdefault("bias_correction", True)
    config.setdefault("t", 0)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    beta1, beta2 = config["beta1"], config["beta2"]

    config["t"] += 1
    t = config["t"]
    m = beta1 * m + (1 - beta1) * dw  # update first moment
    v = beta2 * v + (1 - beta2) * (dw**2)  # update second moment
    if config["bias_correction"]:
        mb = m / (1 - beta1**t)  # correct bias
        vb = v / (1 - beta2**t)  # correct bias
    else:
        mb, vb = m, v
    next_w = w + -config["learning_rate"] * mb / (np.sqrt(vb) + config["epsilon"])

    config["m"] = m
    config["v"] = v
    return next_w, config
