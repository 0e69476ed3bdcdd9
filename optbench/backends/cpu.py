"""CPU backend: Numba kernels generated from an elementwise step.

For a step `step(a0, ..., s0, ...)` the generated kernel is one in-place pass,

    for i in prange(a0.size):
        a0[i], a2[i], ... = step(a0[i], a1[i], ..., s[0], s[1], ...)

compiled twice: with `parallel=True` for large arrays and as a serial loop for small
ones (see `config.PARALLEL_THRESHOLD`). Scalars arrive as one small array in the data's
dtype, so float32 data stays float32 arithmetic. fastmath stays off: the kernels must
round exactly as the NumPy reference does.
"""

import functools

import numba
import numpy as np

from optbench import config
from optbench.backends.generate import load_module

name = "cpu"

TEMPLATE = """\
import math

import numba

{source}
{step} = numba.njit(error_model="numpy", cache=True)({step})


@numba.njit(error_model="numpy", cache=True)
def serial({arrays}, s):
    for i in range({first}.size):
        {body}


@numba.njit(parallel=True, error_model="numpy", cache=True)
def parallel({arrays}, s):
    for i in numba.prange({first}.size):
        {body}
"""


@functools.cache
def kernels(elementwise):
    """The (serial, parallel) kernel pair for an `Elementwise` step."""
    names = elementwise.array_names
    source = TEMPLATE.format(
        source=elementwise.source,
        step=elementwise.step.__name__,
        arrays=", ".join(names),
        first=names[0],
        body=elementwise.kernel_body("i", lambda j: f"s[{j}]"),
    )
    module = load_module("cpu", source, elementwise.digest(source, numba.__version__))
    return module.serial, module.parallel


def launcher(elementwise):
    """`launch(arrays, scalars)`: run the step over C-contiguous arrays in place."""
    serial, parallel = kernels(elementwise)

    def launch(arrays, scalars):
        flat = [a if a.ndim == 1 else a.reshape(-1) for a in arrays]
        kernel = parallel if flat[0].size >= config.PARALLEL_THRESHOLD else serial
        kernel(*flat, np.array(scalars, dtype=flat[0].dtype))

    return launch


def check_array(label, a, writeable=True):
    """Host arrays only: a C-contiguous float32/float64 ndarray (writeable if updated)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{label} must be a numpy.ndarray on a host backend, got {type(a).__name__}")
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{label} has dtype {a.dtype}; use float32 or float64")
    if not a.flags.c_contiguous:
        raise ValueError(f"{label} is not C-contiguous; pass numpy.ascontiguousarray({label})")
    if writeable and not a.flags.writeable:
        raise ValueError(f"{label} is read-only; it is updated in place and must be writeable")


def zeros_like(x):
    return np.zeros_like(x)


def copy(x):
    return x.copy()


def to_device(a):
    return a


def to_host(a):
    return a
