import numpy as np

# SplitMix64 (Steele, Lea and Flood 2014; Vigna's splitmix64.c): the state advances by
# GAMMA, and each output is the state through the finalizer below.
GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


def uniform(seed, shape):
    """
    The uniforms that decide dropout's mask, in place of CS231n's np.random.rand(*shape):
    element i (in C order) gets the (i + 1)-th output of SplitMix64 seeded with `seed`,

        z = seed + (i + 1) * GAMMA                 (mod 2**64)
        z = (z ^ (z >> 30)) * MIX1
        z = (z ^ (z >> 27)) * MIX2
        z = z ^ (z >> 31)
        u = (z >> 11) * 2**-53                     in [0, 1), exact in float64

    so that every backend draws the same mask from the seed alone.

    Input:
    - seed: Integer in [0, 2**64)
    - shape: Shape of the array of uniforms

    Returns:
    - u: float64 array of the given shape
    """
    index = np.arange(1, int(np.prod(shape)) + 1, dtype=np.uint64)
    z = np.uint64(seed) + index * GAMMA
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return u.reshape(shape)


def dropout_forward(x, dropout_param):
    """
    Performs the forward pass for (inverted) dropout.

    Inputs:
    - x: Input data, of any shape
    - dropout_param: A dictionary with the following keys:
      - p: Dropout parameter. We keep each neuron output with probability p.
      - mode: 'test' or 'train'. If the mode is train, then perform dropout;
        if the mode is test, then just return the input.
      - seed: Seed of the mask (see `uniform`); required in train mode, where each
        step must pass its own seed.

    Outputs:
    - out: Array of the same shape as x.
    - cache: tuple (dropout_param, mask). In training mode, mask is the dropout
      mask that was used to multiply the input; in test mode, mask is None.
    """
    p, mode = dropout_param['p'], dropout_param['mode']

    mask = None
    out = None

    if mode == 'train':
        # the mask in x's dtype, so that float32 stays float32: 1 / p is rounded to
        # float64 and then to x's dtype, and out = x * mask rounds once
        mask = ((uniform(dropout_param['seed'], x.shape) < p) / p).astype(x.dtype)
        out = x * mask
    elif mode == 'test':
        out = x

    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """
    Perform the backward pass for (inverted) dropout.

    Inputs:
    - dout: Upstream derivatives, of any shape
    - cache: (dropout_param, mask) from dropout_forward.

    Returns:
    - dx: Gradient with respect to x
    """
    dropout_param, mask = cache
    mode = dropout_param['mode']

    dx = None
    if mode == 'train':
        dx = dout * mask
    elif mode == 'test':
        dx = dout
    return dx
