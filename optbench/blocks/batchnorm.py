"""Batch normalization [Ioffe and Szegedy, 2015]: each feature normalized over the
minibatch, then scaled and shifted by learned gamma and beta.

For x of shape (N, D), per feature j (column), in train mode

    mean_j    = (1/N) sum_i x_ij
    var_j     = (1/N) sum_i (x_ij - mean_j)^2                  biased, as np.var
    inv_std_j = 1 / sqrt(var_j + eps)
    x_hat_ij  = (x_ij - mean_j) * inv_std_j
    out_ij    = gamma_j * x_hat_ij + beta_j

    running_mean = momentum * running_mean + (1 - momentum) * mean      in place
    running_var  = momentum * running_var  + (1 - momentum) * var       in place

and in test mode the same x_hat and out with running_mean and running_var in place of
mean and var (nothing updated). The backward pass, with the sums over the batch,

    dbeta_j  = sum_i dout_ij
    dgamma_j = sum_i dout_ij * x_hat_ij
    dx_ij    = gamma_j * inv_std_j / N * (N dout_ij - dbeta_j - x_hat_ij * dgamma_j)    train
    dx_ij    = dout_ij * gamma_j * inv_std_j                                           test

(in test mode mean and var are constants). N = 1 is allowed: var = 0, x_hat = 0,
out = beta and dx = 0 (torch refuses it in training).

`batchnorm_forward(x, gamma, beta, bn_param, backend="cpu") -> (out, cache)` and
`batchnorm_backward(dout, cache, backend="cpu") -> (dx, dgamma, dbeta)` have the
reference's signatures (`optbench.reference.blocks.batchnorm`, CS231n's form) plus the
backend. bn_param holds "mode" ("train" or "test", required), "eps" (> 0, default
1e-5), "momentum" (in [0, 1), default 0.9), "running_mean" and "running_var" (shape
(D,), x's dtype; zeros, stored into bn_param, when missing). On "reference" the literal
NumPy functions run; "cpu" runs the Numba kernels of `optbench.blocks.cpu.batchnorm`
on C-contiguous float32/float64 NumPy arrays, "cuda" those of
`optbench.blocks.cuda.batchnorm` on device arrays (imported only when asked for).
Every argument is checked before any kernel runs: a wrong shape, dtype, contiguity,
key, mode, eps or momentum raises a `ValueError` or `TypeError` that names it, and
then nothing, running averages included, has changed; so do (host) running averages
that share memory with x, gamma, beta or each other. The cache (opaque to callers)
keeps x and gamma (by reference: change them and the backward pass changes), mean and
inv_std: the backward pass recomputes x_hat from them instead of reading a stored
x_hat, which saves forward a write and backward nothing.

Tolerance (`BLOCK.tolerance`). Two honest implementations may sum in different orders
(row after row, pairwise, in chunks merged as Chan et al., Welford's updates) and
evaluate the elementwise tail differently (torch: out = x * (gamma inv_std) + (beta -
mean gamma inv_std)). Each side's error on a sum of N terms is at most (N-1) u sum|terms|
(Higham's bound for recursive summation; pairwise has log2 N in place of N-1), u = eps/2,
and each rounding costs u of the value it rounds; two sides are apart by at most the
sum of their bounds: per rounding eps times the magnitude, per sum (N-1) eps sum|terms|.
Per element, in units of eps (first order, plus the one second-order term that the mean
feeds into the variance), with every sum below over the batch i and every magnitude in
float64 from the inputs:

    E_mean   = sum_i |x_ij|                           the sum, and the division by N
    E_var    = (N + 3) var_j + eps * E_mean^2         x - mean rounds, its square doubles
                                                      that and rounds: 3; N-1 in the sum,
                                                      1 in the division; an error d in
                                                      the mean adds d^2 to the variance
    E_r      = E_var / (2 (var_j + eps)) + 5/2        relative error of inv_std: half the
                                                      one of var + eps through the root
                                                      (its addition's rounding too: 1/2),
                                                      1 for the root, 1 for the division
    E_xhat   = inv_std (E_mean + |x| + |mean|)        the mean's error, and the operands
             + |x_hat| (E_r + 2)                      of either form; subtract, multiply
    E_out    = |gamma| E_xhat + 2 |gamma x_hat| + |beta|               multiply, add

    E_dbeta  = (N - 1) sum_i |dout|
    E_dgamma = N sum_i |dout x_hat| + sum_i |dout| E_xhat     the sum and its products;
                                                              each side's own x_hat
    E_dx     = |gamma| inv_std (E_r |g| + E_sum / N + (|x_hat| E_dgamma + |dgamma| E_xhat) / N
                                + 12 (|dout| + |dbeta| / N + |x_hat dgamma| / N))
        with g = dout - dbeta / N - x_hat dgamma / N (dx = gamma inv_std g) and
        E_sum = N sum_i (|dout| + |x_hat dgamma| / N): the batch sums of either form (the
        simplified formula's dbeta; the computation graph's dmu sums dxmu1 + dxmu2, terms
        of those sizes); 12 roundings at most along any path of the elementwise tail
        (the graph's chain dsqrtvar, dvar, dsq, dxmu2, dx1, dx2, dx has 12)

    E_running_mean = (1 - momentum) E_mean + 4 (|momentum running_mean| + |(1 - momentum) mean|)
    E_running_var  = (1 - momentum) E_var  + 4 (|momentum running_var|  + |(1 - momentum) var|)
        (1 - momentum) cast to the dtype, two products, one sum: 3 roundings, and the
        momentum itself, cast or not

In test mode E_mean = 0 and E_r = 5/2 (mean and var are the running averages, exact
inputs), dx = dout gamma inv_std has E_dx = |dout gamma| inv_std (E_r + 2), and the
running averages must be untouched (0). Each tolerance is max over the elements of E
divided by the largest |value| of that output in the reference's result (`want`), in
ulps; a zero output tolerates E absolutely. These are bounds, not estimates: the
measured distances are far below them (the cpu forward pass, summing as the reference
does, agrees to the bit whenever a column block fits one chunk). E_mean, the shift of
the mean, dominates out and dx: inv_std E_mean ~ N (|mean| + std) / std grows like N,
while unbiased_variance parts by about 1/(2N) (x_hat scaled by sqrt((N-1)/N)), so the
two meet near N ~ 1/sqrt(eps). In float32 on the sample, unbiased_variance lies 3000
tolerances away at N = 31 (`BLOCK.shape(1000)` = (31, 32), what verification draws),
60 at N = 256 and only 5 at N = 1024: verify float32 at small N. In float64 the
crossing is near N ~ 1e7. unbiased_running_variance parts by about (1 - momentum) /
(N - 1) relative against a tolerance of about (1 - momentum) N + 4 ulps: 7 tolerances
away at N = 1024 in float32, level with it near N ~ 3000.

The sample (`BLOCK.sample`) spreads the features' scales over four decades,
x_ij = scale_j (loc_j + z_ij), scale_j = 10^U(-3, 1), loc_j ~ N(0, 1), z ~ N(0, 1),
so that var + eps and sqrt(var) + eps differ by far for the smallest scales (eps =
1e-5 against var down to 1e-6), gamma, beta ~ N(0, 1), and running averages near the
batch's (so that the momentum update is checked, and test mode normalizes sensibly).
"""

import math

import numpy as np

from optbench.blocks.backends import array_view, kernel_module, reference_module
from optbench.blocks.block import Block
from optbench.kernels import get_backend
from optbench.optim.hyperparameters import Hyperparameter, decay_factor

EPS = Hyperparameter(1e-5, low=0.0, include_low=False, sample=(1e-8, 1e-3), log=True)
MOMENTUM = decay_factor(0.9)
MODES = ("train", "test")
KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")
STATE = ("running_mean", "running_var")


def settings(bn_param):
    """(mode, eps, momentum) from bn_param, each checked; a ValueError/TypeError naming the problem otherwise."""
    if not isinstance(bn_param, dict):
        raise TypeError(f"bn_param must be a dict with keys {list(KEYS)}, got {type(bn_param).__name__}")
    unknown = [key for key in bn_param if key not in KEYS]
    if unknown:
        raise ValueError(f"unknown bn_param key(s) {unknown}; batchnorm takes {list(KEYS)}")
    if "mode" not in bn_param:
        raise ValueError(f"bn_param needs 'mode': one of {list(MODES)}")
    mode = bn_param["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"unknown batchnorm mode {mode!r}; choose one of {list(MODES)}")
    eps = EPS.check("bn_param['eps']", bn_param.get("eps", EPS.default))
    momentum = MOMENTUM.check("bn_param['momentum']", bn_param.get("momentum", MOMENTUM.default))
    return mode, eps, momentum


def _check_vector(module, label, a, d, dtype, writeable=False):
    module.check_array(label, a, writeable=writeable)
    a = array_view(module, a)
    if a.shape != (d,) or a.dtype != dtype:
        raise ValueError(f"{label} is {a.dtype} of shape {a.shape}; it must be {dtype} of shape ({d},), "
                         f"one value per feature of x")
    return a


def _overlap(a, b):
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.may_share_memory(a, b)


def batchnorm_forward(x, gamma, beta, bn_param, backend="cpu"):
    """(out, cache): out = gamma * x_hat + beta, x_hat normalized with the batch's
    statistics (train, running averages updated in place) or the running averages
    (test). See the module docstring."""
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("batchnorm").batchnorm_forward(x, gamma, beta, bn_param)
    kernels = kernel_module(module, "batchnorm")
    mode, eps, momentum = settings(bn_param)
    train = mode == "train"
    module.check_array("x", x, writeable=False)
    x = array_view(module, x)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, (N, D): N samples of D features; got shape {x.shape}")
    n, d = x.shape
    if n < 1:
        raise ValueError(f"x must hold at least one sample (N >= 1); got shape {x.shape}")
    gamma = _check_vector(module, "gamma", gamma, d, x.dtype)
    beta = _check_vector(module, "beta", beta, d, x.dtype)
    state = {}
    for key in STATE:
        if key in bn_param:
            state[key] = _check_vector(module, f"bn_param[{key!r}]", bn_param[key], d, x.dtype, writeable=train)
    for key, a in state.items():
        others = {"x": x, "gamma": gamma, "beta": beta, **{k: v for k, v in state.items() if k != key}}
        shared = [label for label, b in others.items() if _overlap(a, b)]
        if shared:
            raise ValueError(f"bn_param[{key!r}] shares memory with {shared}; it is updated in place "
                             f"and must be an array of its own")
    created = {key: kernels.zeros(d, x.dtype) for key in STATE if key not in state}
    running_mean = state.get("running_mean", created.get("running_mean"))
    running_var = state.get("running_var", created.get("running_var"))
    out = kernels.empty((n, d), x.dtype)
    inv_std = kernels.empty(d, x.dtype)
    if train:
        mean, var = kernels.empty(d, x.dtype), kernels.empty(d, x.dtype)
    else:
        mean, var = kernels.copy(running_mean), running_var
    kernels.forward(x, gamma, beta, running_mean, running_var, out, mean, var, inv_std, eps, momentum, train)
    bn_param.update(created)
    cache = {"block": "batchnorm", "backend": module.name, "mode": mode, "x": x, "gamma": gamma,
             "mean": mean, "inv_std": inv_std}
    return out, cache


def batchnorm_backward(dout, cache, backend="cpu"):
    """(dx, dgamma, dbeta) from the cache of `batchnorm_forward` on the same backend."""
    module = get_backend(backend)
    if module.name == "reference":
        return reference_module("batchnorm").batchnorm_backward(dout, cache)
    if not isinstance(cache, dict) or cache.get("block") != "batchnorm" or cache.get("backend") != module.name:
        raise TypeError(f"cache must be what batchnorm_forward(..., backend={module.name!r}) returned")
    kernels = kernel_module(module, "batchnorm")
    module.check_array("dout", dout, writeable=False)
    dout = array_view(module, dout)
    x = cache["x"]
    if dout.shape != x.shape or dout.dtype != x.dtype:
        raise ValueError(f"dout is {dout.dtype} of shape {dout.shape}; it must match the forward input, "
                         f"{x.dtype} of shape {x.shape}")
    n, d = x.shape
    dx = kernels.empty((n, d), x.dtype)
    dgamma, dbeta = kernels.empty(d, x.dtype), kernels.empty(d, x.dtype)
    kernels.backward(dout, x, cache["gamma"], cache["mean"], cache["inv_std"], dx, dgamma, dbeta,
                     cache["mode"] == "train")
    return dx, dgamma, dbeta


def sample(rng, shape, dtype):
    """(x, gamma, beta, bn_param) in train mode; see the module docstring."""
    n, d = shape
    scale = 10 ** rng.uniform(-3, 1, d)
    loc = rng.standard_normal(d)
    x = scale * (loc + rng.standard_normal((n, d)))
    gamma = rng.standard_normal(d)
    beta = rng.standard_normal(d)
    running_mean = scale * (loc + 0.5 * rng.standard_normal(d))
    running_var = scale ** 2 * rng.uniform(0.5, 2.0, d)
    bn_param = {"mode": "train", "eps": EPS.default, "momentum": MOMENTUM.default,
                "running_mean": np.asarray(running_mean, dtype), "running_var": np.asarray(running_var, dtype)}
    return tuple(np.asarray(a, dtype) for a in (x, gamma, beta)) + (bn_param,), {}


def tolerance(dtype, inputs, parameters, dout, want):
    """{"out", "dx", "dgamma", "dbeta", "running_mean", "running_var": ulps}: the bounds E
    of the module docstring, max over the elements, over the largest |value| of each in `want`."""
    eps = float(np.finfo(dtype).eps)
    x, gamma, beta, bn_param = inputs
    x, gamma, beta, dout = (np.asarray(a, np.float64) for a in (x, gamma, beta, dout))
    n, d = x.shape
    mode = bn_param["mode"]
    e = float(bn_param.get("eps", EPS.default))
    m = float(bn_param.get("momentum", MOMENTUM.default))
    old_mean = np.asarray(bn_param.get("running_mean", np.zeros(d)), np.float64)
    old_var = np.asarray(bn_param.get("running_var", np.zeros(d)), np.float64)
    if mode == "train":
        center = x.mean(axis=0)
        var = ((x - center) ** 2).mean(axis=0)
        e_mean = np.abs(x).sum(axis=0)
        e_var = (n + 3) * var + eps * e_mean ** 2
        e_r = e_var / (2 * (var + e)) + 2.5
    else:
        center, var = old_mean, old_var
        e_mean = np.zeros(d)
        e_r = np.full(d, 2.5)
    inv_std = 1 / np.sqrt(var + e)
    x_hat = (x - center) * inv_std
    e_xhat = inv_std * (e_mean + np.abs(x) + np.abs(center)) + np.abs(x_hat) * (e_r + 2)
    e_out = np.abs(gamma) * e_xhat + 2 * np.abs(gamma * x_hat) + np.abs(beta)

    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    e_dbeta = (n - 1) * np.abs(dout).sum(axis=0)
    e_dgamma = n * np.abs(dout * x_hat).sum(axis=0) + (np.abs(dout) * e_xhat).sum(axis=0)
    if mode == "train":
        g = dout - dbeta / n - x_hat * dgamma / n
        e_sum = n * (np.abs(dout) + np.abs(x_hat * dgamma) / n).sum(axis=0)
        e_dx = np.abs(gamma) * inv_std * (
            e_r * np.abs(g) + e_sum / n + (np.abs(x_hat) * e_dgamma + np.abs(dgamma) * e_xhat) / n
            + 12 * (np.abs(dout) + np.abs(dbeta) / n + np.abs(x_hat * dgamma) / n))
        e_running_mean = (1 - m) * e_mean + 4 * (np.abs(m * old_mean) + np.abs((1 - m) * center))
        e_running_var = (1 - m) * e_var + 4 * (np.abs(m * old_var) + np.abs((1 - m) * var))
    else:
        e_dx = np.abs(dout * gamma) * inv_std * (e_r + 2)
        e_running_mean = e_running_var = np.zeros(d)

    bounds = {"out": e_out, "dx": e_dx, "dgamma": e_dgamma, "dbeta": e_dbeta,
              "running_mean": e_running_mean, "running_var": e_running_var}
    return {name: _ulps(bound, want.get(name)) for name, bound in bounds.items()}


def _ulps(bound, value):
    """max(bound) over the largest |value| (the bound itself where value is all zero or absent)."""
    worst = float(np.max(bound, initial=0.0))
    largest = float(np.abs(np.asarray(value, np.float64)).max(initial=0.0)) if value is not None else 0.0
    return worst / largest if largest > 0 else worst


def shape(n):
    """(N, D) of about n elements: N = isqrt(n), at most 1024 rows; (1024, 4096) for n = 2^22."""
    rows = max(1, min(1024, math.isqrt(max(1, n))))
    return rows, max(1, n // rows)


BLOCK = Block("batchnorm", sample, tolerance, gradients=("dx", "dgamma", "dbeta"),
              state=((3, "running_mean"), (3, "running_var")), shape=shape, reduces=True,
              passes=lambda direction: ((1, 0), (1, 1)) if direction == "forward" else ((2, 0), (2, 1)))
