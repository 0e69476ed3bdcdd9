"""How far an implementation is from the reference, and how far it may be.

Error, normwise, in float64:

    error = max|got - want| / max|want|       reported in units of the dtype's eps:
                                               "ulps of the largest value"

Tolerance, derived rather than tuned. Each element's update is a chain of correctly
rounded operations, at most ROUNDINGS_PER_STEP of them in any rule here (Adam has 14;
the tests count them in every registered rule's step). Two implementations can part only
where they round differently (a fused multiply-add, another evaluation order), by at
most one rounding, half an ulp, per operation, i.e. at most ROUNDINGS_PER_STEP / 2 ulps
of the values involved per step. In verification the gradient does not depend on x, so
deviations add up over the steps instead of feeding back:

    tolerance(N steps) = ROUNDINGS_PER_STEP / 2 * N  ulps.

On the CPU the kernels evaluate the reference's expressions in the same order with
fastmath off, and agree exactly: 0 ulps, which the tests assert as such. The tolerance
is for implementations that may contract or reorder operations (real GPUs, other
libraries). The named wrong variants (`variants.py`) part from the reference by far more.
"""

import numpy as np

ROUNDINGS_PER_STEP = 16


def normwise_error(got, want):
    """max|got - want| / max|want|, in float64; 0 for empty arrays, inf if got has NaN."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.size == 0:
        return 0.0
    difference = np.max(np.abs(got - want))
    if np.isnan(difference):
        return np.inf
    scale = np.max(np.abs(want))
    return float(difference / scale) if scale > 0 else float(difference > 0) * np.inf


def in_ulps(error, dtype):
    """A relative error in units of the dtype's machine epsilon."""
    return error / float(np.finfo(dtype).eps)


def tolerance_ulps(steps):
    """The derived tolerance after `steps` updates (see the module docstring)."""
    return ROUNDINGS_PER_STEP / 2 * steps
