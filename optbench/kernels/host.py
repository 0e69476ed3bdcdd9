"""Host arrays, as the cpu and reference backends take them: C-contiguous float32 or
float64 NumPy arrays, updated in place."""

import numpy as np

from optbench import config

FLOAT_DTYPES = tuple(np.dtype(name) for name in config.DTYPES)


def check_array(label, a, writeable=True):
    """A C-contiguous float32/float64 ndarray (writeable if it is updated), else a clear error."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{label} must be a numpy.ndarray on a host backend, got {type(a).__name__}")
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{label} has dtype {a.dtype}; use {' or '.join(config.DTYPES)}")
    flags = a.flags
    if not flags.c_contiguous:
        raise ValueError(f"{label} is not C-contiguous; pass numpy.ascontiguousarray({label})")
    if writeable and not flags.writeable:
        raise ValueError(f"{label} is read-only; it is updated in place and must be writeable")


def empty_like(x):
    return np.empty_like(x)


def zeros_like(x):
    return np.zeros_like(x)


def copy(x):
    return x.copy()


def to_device(a):
    """Host backends work on the array itself."""
    return a


def to_host(a):
    return a
