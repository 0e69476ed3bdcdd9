"""Wrong batch normalizations: the reference's staged forward and backward
(`optbench.reference.blocks.batchnorm`), each with one departure.

    unbiased_variance            x_hat = (x - mean) / sqrt(N/(N-1) var + eps): normalized
                                 with the unbiased batch variance (the backward pass
                                 through the same graph, 1/(N-1) in the variance's node);
                                 running_var keeps the biased one
    unbiased_running_variance    running_var = momentum running_var + (1 - momentum)
                                 N/(N-1) var: normalized with the biased variance, as the
                                 paper does, but the running average keeps the unbiased
                                 one; what torch.nn.functional.batch_norm does
    epsilon_outside_sqrt         x_hat = (x - mean) / (sqrt(var) + eps), in both modes (the
                                 backward pass through that graph)
    dgamma_without_xhat          dgamma = sum(dout): x_hat forgotten in the scale's gradient

Each takes and returns what the reference does, and has its cache (a train-mode
cache carries the variance's divisor and where eps sits, for the backward pass).
All but the last leave N = 1 undefined (a division by N - 1 = 0, or by sqrt(0) + eps
in the backward pass of epsilon_outside_sqrt); the sample has N > 1.
"""

import numpy as np

from optbench.verification.block_variants import BlockVariant


def _forward(x, gamma, beta, bn_param, ddof=0, running_ddof=0, eps_inside=True):
    """The reference's forward pass, with the batch variance normalized by N - ddof, the
    running variance's by N - running_ddof, and eps inside or outside the square root."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        xmu = x - sample_mean
        sq = xmu ** 2
        sample_var = np.sum(sq, axis=0) / (N - ddof)
        if eps_inside:
            sqrtvar = np.sqrt(sample_var + eps)
        else:
            sqrtvar = np.sqrt(sample_var) + eps
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta

        running_sample_var = np.sum(sq, axis=0) / (N - running_ddof)
        running_mean[...] = momentum * running_mean + (1 - momentum) * sample_mean
        running_var[...] = momentum * running_var + (1 - momentum) * running_sample_var

        cache = ("train", xhat, gamma, xmu, ivar, sqrtvar, sample_var, eps, N - ddof, eps_inside)
    elif mode == "test":
        xmu = x - running_mean
        if eps_inside:
            ivar = 1.0 / np.sqrt(running_var + eps)
        else:
            ivar = 1.0 / (np.sqrt(running_var) + eps)
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = ("test", xhat, gamma, ivar)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def _backward(dout, cache, xhat_in_dgamma=True):
    """The reference's backward pass through the graph of `_forward`."""
    if cache[0] == "test":
        _, xhat, gamma, ivar = cache
        dbeta = np.sum(dout, axis=0)
        dgamma = np.sum(dout * xhat, axis=0) if xhat_in_dgamma else np.sum(dout, axis=0)
        return dout * gamma * ivar, dgamma, dbeta

    _, xhat, gamma, xmu, ivar, sqrtvar, var, eps, divisor, eps_inside = cache
    N, D = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0) if xhat_in_dgamma else np.sum(dout, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    if eps_inside:
        dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    else:
        dvar = 0.5 * 1.0 / np.sqrt(var) * dsqrtvar
    dsq = 1.0 / divisor * np.ones((N, D), dtype=dout.dtype) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones((N, D), dtype=dout.dtype) * dmu
    return dx1 + dx2, dgamma, dbeta


def unbiased_variance_forward(x, gamma, beta, bn_param):
    return _forward(x, gamma, beta, bn_param, ddof=1)


def unbiased_running_variance_forward(x, gamma, beta, bn_param):
    return _forward(x, gamma, beta, bn_param, running_ddof=1)


def epsilon_outside_sqrt_forward(x, gamma, beta, bn_param):
    return _forward(x, gamma, beta, bn_param, eps_inside=False)


def staged_forward(x, gamma, beta, bn_param):
    """The reference's forward pass, with the cache `_backward` reads."""
    return _forward(x, gamma, beta, bn_param)


def staged_backward(dout, cache):
    return _backward(dout, cache)


def dgamma_without_xhat_backward(dout, cache):
    return _backward(dout, cache, xhat_in_dgamma=False)


VARIANTS = (
    BlockVariant("unbiased_variance", "batchnorm",
                 "x_hat = (x - mean) / sqrt(N/(N-1) var + eps): the unbiased batch variance",
                 unbiased_variance_forward, staged_backward),
    BlockVariant("unbiased_running_variance", "batchnorm",
                 "running_var = momentum running_var + (1 - momentum) N/(N-1) var",
                 unbiased_running_variance_forward, staged_backward,
                 found_in="torch.nn.functional.batch_norm"),
    BlockVariant("epsilon_outside_sqrt", "batchnorm", "x_hat = (x - mean) / (sqrt(var) + eps)",
                 epsilon_outside_sqrt_forward, staged_backward),
    BlockVariant("dgamma_without_xhat", "batchnorm", "dgamma = sum(dout), without x_hat",
                 staged_forward, dgamma_without_xhat_backward),
)
