import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """
    Forward pass for batch normalization [Ioffe and Szegedy, 2015].

    During training the sample mean and (uncorrected) sample variance are computed from
    minibatch statistics and used to normalize the incoming data:

        x_hat = (x - sample_mean) / sqrt(sample_var + eps)
        out = gamma * x_hat + beta

    We also keep an exponentially decaying running mean of the mean and variance of
    each feature, and these averages are used to normalize data at test-time:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

    The running averages are updated in place: the arrays of bn_param change.

    Input:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift parameter of shape (D,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability, default 1e-5
      - momentum: Constant for running mean / variance, default 0.9
      - running_mean: Array of shape (D,) giving running mean of features; zeros of
        x's dtype, stored into bn_param, when missing
      - running_var: Array of shape (D,) giving running variance of features; likewise

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        # step 1: mean over the minibatch
        sample_mean = np.mean(x, axis=0)
        # step 2: subtract the mean
        xmu = x - sample_mean
        # step 3: squares
        sq = xmu ** 2
        # step 4: biased variance
        sample_var = np.mean(sq, axis=0)
        # step 5: add eps, square root
        sqrtvar = np.sqrt(sample_var + eps)
        # step 6: invert
        ivar = 1.0 / sqrtvar
        # step 7: normalize
        xhat = xmu * ivar
        # step 8: scale
        gammax = gamma * xhat
        # step 9: shift
        out = gammax + beta

        running_mean[...] = momentum * running_mean + (1 - momentum) * sample_mean
        running_var[...] = momentum * running_var + (1 - momentum) * sample_var

        cache = ("train", xhat, gamma, xmu, ivar, sqrtvar, sample_var, eps)
    elif mode == "test":
        xmu = x - running_mean
        ivar = 1.0 / np.sqrt(running_var + eps)
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = ("test", xhat, gamma, ivar)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    """
    Backward pass for batch normalization, through the computational graph of the
    forward pass, one node at a time (in the reverse order of its steps).

    In test mode the mean and variance are constants, so dx = dout * gamma * ivar.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Variable of intermediates from batchnorm_forward.

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    if cache[0] == "test":
        _, xhat, gamma, ivar = cache
        dbeta = np.sum(dout, axis=0)
        dgamma = np.sum(dout * xhat, axis=0)
        dx = dout * gamma * ivar
        return dx, dgamma, dbeta

    _, xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape

    # step 9
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    # step 8
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    # step 7
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    # step 6
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    # step 5
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    # step 4
    dsq = 1.0 / N * np.ones((N, D), dtype=dout.dtype) * dvar
    # step 3
    dxmu2 = 2 * xmu * dsq
    # step 2
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    # step 1
    dx2 = 1.0 / N * np.ones((N, D), dtype=dout.dtype) * dmu
    dx = dx1 + dx2

    return dx, dgamma, dbeta
