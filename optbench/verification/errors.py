"""How far an implementation is from the reference, and how far it may be.

Both run the same updates from the same x0. At update t the error is measured over the
displacement d_t = x_t - x0, so that a small update is not hidden behind a large x:

    error_t = max_i |d_t,i(got) - d_t,i(want)|          reported relative to max_i |d_t,i(want)|,
                                                         and in units of the dtype's eps:
                                                         "ulps of the largest value"

The tolerance is derived rather than tuned. Each element's update is a chain of correctly
rounded operations, at most ROUNDINGS_PER_STEP of them in any rule here (Adam has 14; the
tests count them in every registered rule's step). Two honest implementations can part
only where they round differently (a fused multiply-add, another evaluation order), by
at most half an ulp per operation, so their updates u_t differ by at most
ROUNDINGS_PER_STEP / 2 * eps * U_t, with U_t the largest update of the reference so far.
Where the state keeps a rounding and feeds it into later updates (a velocity integrated
into x, Adam's first moment), one rounding acts on x for up to `memory` updates, the
rule's declared memory: 1 / (1 - momentum), 1 / (1 - beta1); 1 for the other rules.
Adding the update to x rounds once more, and where two updates differ at all the two
sums can land on neighbouring floats: at most one ulp of x, eps * X_t with X_t the largest
|x_t|. The gradients do not depend on x, and the state recurrences keep old deviations
with a factor of at most 1 (momentum, decay rates and betas are below 1; AdaGrad's cache
keeps them whole), so the deviations add up over the steps instead of growing:

    tolerance_t = eps * sum_{k <= t} (memory * ROUNDINGS_PER_STEP / 2 * U_k + X_k)

A state array s is held to eps * sum_{k <= t} ROUNDINGS_PER_STEP / 2 * S_k, S_k its
largest value so far, times the memory too (state is not added to a large x). On the CPU the kernels evaluate
the reference's expressions in the same order with fastmath off, and agree exactly: 0
ulps, which the tests assert as such. The tolerance is for implementations that round
differently (real GPUs, other libraries); the named variants part by far more.
"""

import numpy as np

ROUNDINGS_PER_STEP = 16


def largest(a):
    """max_i |a_i| over the last axis (each step's row of a steps x n array); 0 where empty."""
    return np.abs(a).max(axis=-1, initial=0.0)


def relative(error, scale):
    """error / scale elementwise, with 0 / 0 = 0, e / 0 = inf for e > 0, and NaN as inf."""
    error, scale = np.asarray(error, dtype=np.float64), np.asarray(scale, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(scale > 0, error / scale, np.where(error > 0, np.inf, 0.0))
    return np.where(np.isnan(error), np.inf, ratio)


def normwise_error(got, want):
    """max|got - want| / max|want| over the last axis, in float64 (a float for 1-D arrays);
    0 for empty arrays, inf if got has NaN."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    error = relative(largest(got - want), largest(want))
    return float(error) if error.ndim == 0 else error


def in_ulps(error, dtype):
    """A relative error in units of the dtype's machine epsilon."""
    return error / float(np.finfo(dtype).eps)


def displacement_tolerance(x, dtype, memory=1.0):
    """tolerance_t for t = 1..steps from the reference's x_0..x_steps ((steps+1) x n, float64)."""
    eps = float(np.finfo(dtype).eps)
    largest_update = np.maximum.accumulate(largest(np.diff(x, axis=0))) if len(x) > 1 else np.zeros(0)
    return eps * np.cumsum(memory * ROUNDINGS_PER_STEP / 2 * largest_update + largest(x[1:]))


def state_tolerance(s, dtype, memory=1.0):
    """The state's tolerance for t = 1..steps from the reference's s_1..s_steps (steps x n)."""
    eps = float(np.finfo(dtype).eps)
    return eps * np.cumsum(memory * ROUNDINGS_PER_STEP / 2 * np.maximum.accumulate(largest(s)))
