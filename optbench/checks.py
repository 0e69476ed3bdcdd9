"""Argument checks, in one place: whole numbers, real numbers in a range, flags.

Each check takes a label (the argument's name, as the caller should see it) and the
value, and returns the value as a plain Python int, float or bool, or raises a
`TypeError` (wrong kind of value) or `ValueError` (right kind, outside the valid range)
that names the label, what is accepted and what was given. bool is not a number here:
`True` where a count is expected is a mistake, not 1. Imports nothing of optbench.

A Hessian handed to a solver is checked here too (`hessian`): an (n, n) real array,
finite, symmetric to rounding, measured as symmetry_error(H) = max |H - H^T| / max |H|
against symmetry_tolerance(n) (derived in its docstring).

    >>> whole_number("steps", 10, low=1)
    10
    >>> real("momentum", 0.9, 0.0, 1.0, include_high=False)
    0.9
    >>> real("epsilon", 0.0, 0.0, include_low=False)
    Traceback (most recent call last):
    ValueError: epsilon must be a finite number > 0, got 0.0
"""

import math
import numbers

import numpy as np


def whole_number(label, value, low=None, high=None):
    """`value` as an int in [low, high] (either end may be None: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{label} must be a whole number, got {type(value).__name__} {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{label} must be {describe_interval(low, high, True, True, noun=None)}, got {value}")
    return value


def real(label, value, low=-math.inf, high=math.inf, include_low=True, include_high=True):
    """`value` as a finite float in the interval from low to high (an infinite end means
    unbounded on that side; NaN and +-inf are never accepted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{label} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{label} must not be NaN")
    if (math.isinf(value) or value < low or value > high or (value == low and not include_low)
            or (value == high and not include_high)):
        raise ValueError(f"{label} must be {describe_interval(low, high, include_low, include_high)}, got {value!r}")
    return value


def finite(label, value):
    """Any finite real number."""
    return real(label, value)


def flag(label, value):
    if not isinstance(value, bool):
        raise TypeError(f"{label} must be True or False, got {value!r}")
    return value


def describe_interval(low, high, include_low=True, include_high=True, noun="a finite number"):
    """An interval in words: "in [0, 1)", "a finite number > 0"."""
    low = None if low is None or low == -math.inf else low
    high = None if high is None or high == math.inf else high
    if low is not None and high is not None:
        return f"in {'[' if include_low else '('}{_number(low)}, {_number(high)}{']' if include_high else ')'}"
    if low is not None:
        bound = f"{'>=' if include_low else '>'} {_number(low)}"
    elif high is not None:
        bound = f"{'<=' if include_high else '<'} {_number(high)}"
    else:
        return noun or "a whole number"
    return f"{noun} {bound}" if noun else bound


def _number(value):
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(value)


SYMMETRY_ULPS = 4
ROW_BLOCK = 64  # rows at a time: no n x n temporaries
_EPS = np.finfo(np.float64).eps


def symmetry_error(H):
    """max |H - H^T| / max |H| (0 for H = 0, inf where H is not finite)."""
    H = np.asarray(H, dtype=np.float64)
    if not np.all(np.isfinite(H)):
        return float("inf")
    scale = largest_magnitude(H)
    if scale == 0.0:
        return 0.0
    return max((float(np.max(np.abs(H[rows] - H[:, rows].T))) for rows in row_blocks(H.shape[0])),
               default=0.0) / scale


def largest_magnitude(A):
    """max |A_ij| over the finite entries of a 2-D A (0 if none)."""
    return max((float(np.max(np.abs(A[rows]), where=np.isfinite(A[rows]), initial=0.0))
                for rows in row_blocks(A.shape[0])), default=0.0)


def row_blocks(n):
    """Slices of ROW_BLOCK rows, to work on an n x n matrix without n x n temporaries."""
    return [slice(start, min(start + ROW_BLOCK, n)) for start in range(0, n, ROW_BLOCK)]


def symmetry_tolerance(n):
    """SYMMETRY_ULPS n eps: the largest symmetry error that rounding explains. An entry formed as a
    rounded sum of m terms, each at most max |H| in size, is off by at most about m eps max |H|
    (gamma_m, whatever the order of summation), H_ij and H_ji by twice that; with m ~ n, the
    size of the products that form the matrix, and SYMMETRY_ULPS = 4."""
    return SYMMETRY_ULPS * whole_number("n", n, low=1) * _EPS


def hessian(who, H, n, symmetry=None):
    """H as a float64 (n, n) array after checking that it is one, finite, and symmetric to
    `symmetry` (by default `symmetry_tolerance(n)`); H is neither modified nor symmetrized."""
    n = whole_number(f"{who}: n", n, low=1)
    tolerance = symmetry_tolerance(n) if symmetry is None else real(f"{who}: symmetry", symmetry, low=0.0)
    H = real_array(f"{who}: the Hessian", H, (n, n))
    bad = ~np.isfinite(H)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(f"{who}: the Hessian must be finite, got {int(bad.sum())} non-finite entries, "
                         f"the first at [{row}, {column}]: {H[row, column]}")
    measured = symmetry_error(H)
    if measured > tolerance:
        row, column = np.unravel_index(np.argmax(np.abs(H - H.T)), H.shape)  # only on the way to an error
        raise ValueError(f"{who}: the Hessian must be symmetric, got max |H - H^T| / max |H| = {measured:.2e} > "
                         f"{tolerance:.2e}, the largest at H[{row}, {column}] = {float(H[row, column])!r} against "
                         f"H[{column}, {row}] = {float(H[column, row])!r}")
    return H


def real_array(what, value, shape):
    """`value` as a float64 array of `shape` (not copied when it is one); a TypeError unless
    it holds real numbers, a ValueError for another shape."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{what} must be a real array of shape {shape}, got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got {array.shape}")
    return array.astype(np.float64, copy=False)

