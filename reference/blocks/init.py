import numpy as np

INITS = ("small", "xavier", "he")


def weight_init(fan_in, fan_out, init="xavier", rng=None, dtype="float64"):
    """
    Draws the weight matrix of a layer with fan_in inputs and fan_out units.

    The lecture's three initializations, from standard normal draws
    z = randn(fan_in, fan_out):
    - "small":  W = 0.01 * z                      (fine for small nets; in deep ones the
                                                    activations shrink towards 0)
    - "xavier": W = z / sqrt(fan_in)              (Glorot et al., 2010: unit variance
                                                    through linear units)
    - "he":     W = z / sqrt(fan_in / 2)          (He et al., 2015: ReLU halves the variance)

    Inputs:
    - fan_in, fan_out: Whole numbers >= 1
    - init: One of INITS
    - rng: A numpy.random.Generator, an integer seed, or None (fresh entropy)
    - dtype: The dtype of W; z is drawn and scaled in float64, then cast

    Returns:
    - W: Array of shape (fan_in, fan_out)
    """
    if init not in INITS:
        raise ValueError('Invalid init "%s"; choose one of %s' % (init, INITS))
    rng = np.random.default_rng(rng)
    W = rng.standard_normal((fan_in, fan_out))
    if init == "small":
        W = 0.01 * W
    elif init == "xavier":
        W = W / np.sqrt(fan_in)
    elif init == "he":
        W = W / np.sqrt(fan_in / 2)
    return W.astype(dtype)
