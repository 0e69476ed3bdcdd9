"""CPU backend: Numba kernels generated from an elementwise step.

For a step `step(a0, ..., s0, ...)` the generated kernel is one in-place pass,

    for i in range(a0.size):
        a0[i], a2[i], ... = step(a0[i], a1[i], ..., c0, c1, ...)

compiled twice: as a serial loop for small arrays and with `parallel=True` for large
ones (see `config.PARALLEL_THRESHOLD`), which gives each thread one contiguous chunk.
`parallel` takes the thread count first (`numba.get_num_threads()`: asked for inside
the kernel, it would keep Numba from caching it). Scalars arrive as Python floats and
are cast once per call to the data's dtype (`c0 = a0.dtype.type(s0)`, the same rounding
as NumPy's cast), so float32 data stays float32 arithmetic. fastmath stays off: the
kernels must round exactly as the NumPy reference does.

Two details make the loop run at memory speed:

- a few leading elements are done first so that the rest starts on a 64-byte boundary
  of a0 (NumPy puts large arrays 16 bytes past one), and each thread's chunk is a
  multiple of 16 elements, so vector loads do not straddle cache lines;
- each piece runs through `_run`, a loop over a slice from index 0: Numba drops its
  negative-index check only there, and a loop from another start runs many times slower.
"""

import functools

import numba

from optbench import config
from optbench.kernels.host import check_array, copy, to_device, to_host, zeros_like  # noqa: F401
from optbench.kernels.modules import digest, load_module

name = "cpu"

TEMPLATE = """\
import math

import numba

{source}
{step} = numba.njit(error_model="numpy", cache=True)({step})


@numba.njit(error_model="numpy", cache=True)
def _run({run_parameters}):
    for _i in range({first}.size):
        {body}


@numba.njit(error_model="numpy", cache=True)
def _head({first}):
    \"\"\"How many leading elements to do apart so that the rest starts 64-byte aligned.\"\"\"
    return min({first}.size, (-{first}.ctypes.data % 64) // {first}.itemsize)


@numba.njit(error_model="numpy", cache=True)
def serial({parameters}):
    {cast}
    _k = _head({first})
    _run({head_slices})
    _run({tail_slices})


@numba.njit(parallel=True, error_model="numpy", cache=True)
def parallel(_threads, {parameters}):
    {cast}
    _n = {first}.size
    _k = _head({first})
    _run({head_slices})
    _chunk = ((_n - _k + _threads - 1) // _threads + 15) & ~15
    for _c in numba.prange(_threads):
        _lo = min(_n, _k + _c * _chunk)
        _hi = min(_n, _lo + _chunk)
        _run({chunk_slices})
"""


def source(elementwise):
    """The generated kernel module's text for an `Elementwise` step."""
    names = elementwise.array_names
    scalars = [f"_s{j}" for j in range(elementwise.n_scalars)]
    casts = [f"_c{j}" for j in range(elementwise.n_scalars)]
    first = names[0]

    def sliced(index):
        return ", ".join([*(f"{a}[{index}]" for a in names), *casts])

    return TEMPLATE.format(
        source=elementwise.source,
        step=elementwise.step.__name__,
        first=first,
        parameters=", ".join([*names, *scalars]),
        run_parameters=", ".join([*names, *casts]),
        cast="\n    ".join(f"{c} = {first}.dtype.type({s})" for c, s in zip(casts, scalars)) or "pass",
        body=elementwise.kernel_body("_i", casts.__getitem__),
        head_slices=sliced(":_k"),
        tail_slices=sliced("_k:"),
        chunk_slices=sliced("_lo:_hi"),
    )


@functools.cache
def kernels(elementwise):
    """The kernels of an `Elementwise` step: `serial(*arrays, *scalars)` and
    `parallel(threads, *arrays, *scalars)`."""
    text = source(elementwise)
    module = load_module("cpu", text, digest(text, numba.__version__))
    return module.serial, module.parallel


def launcher(elementwise):
    """`launch(arrays, scalars)`: run the step over C-contiguous arrays in place."""
    serial, parallel = kernels(elementwise)

    def launch(arrays, scalars):
        first = arrays[0]
        if first.ndim != 1:
            arrays = [a.reshape(-1) for a in arrays]
        if first.size >= config.PARALLEL_THRESHOLD:
            parallel(numba.get_num_threads(), *arrays, *scalars)
        else:
            serial(*arrays, *scalars)

    return launch
