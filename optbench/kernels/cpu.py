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
  multiple of 16 elements, so vector loads do not straddle cache lines; below
  `config.ALIGN_FROM` elements the serial loop runs over the whole arrays as they are,
  since slicing them costs more than alignment saves on data in cache;
- each piece runs through `_run`, a loop over a slice from index 0: Numba drops its
  negative-index check only there, and a loop from another start runs many times slower.

`serial` and `parallel` are compiled eagerly, for exactly the arrays the interface
accepts: one-dimensional C-contiguous float32 or float64, all of one dtype, the updated
ones writeable (the others may be read-only), and they check first that all have one
size. Numba's dispatcher refuses any other argument types with a `TypeError`, and the
kernel other sizes with a `ValueError`, before anything is written: the checks of a
small update run in compiled code (`Optimizer.update` relies on them for 1-D arrays).
"""

import functools
import inspect
import sys
import textwrap

import numba

from optbench import config
from optbench.kernels.host import check_array, copy, empty_like, to_device, to_host, zeros_like  # noqa: F401
from optbench.kernels.modules import digest, load_module

name = "cpu"

TEMPLATE = """\
import math

import numba
{functions}
{source}
{step} = numba.njit(error_model="numpy", cache=True)({step})


{signatures}

@numba.njit(error_model="numpy", cache=True)
def _run({run_parameters}):
    for _i in range({first}.size):
        {body}


@numba.njit(error_model="numpy", cache=True)
def _head({first}):
    \"\"\"How many leading elements to do apart so that the rest starts 64-byte aligned.\"\"\"
    return min({first}.size, (-{first}.ctypes.data % 64) // {first}.itemsize)


@numba.njit(_signatures(), error_model="numpy", cache=True)
def serial({parameters}):
    {size_check}
    {cast}
    if {first}.size < {align_from}:
        _run({whole})
        return
    _k = _head({first})
    _run({head_slices})
    _run({tail_slices})


@numba.njit(_signatures(numba.intp), parallel=True, error_model="numpy", cache=True)
def parallel(_threads, {parameters}):
    {size_check}
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


def _signatures_source(elementwise, trailing):
    """The text of `_signatures(*leading)`, which a generated module calls to compile its
    kernels eagerly: one signature per dtype, the arrays the step updates writeable, the
    others read-only, then the `trailing` types (Numba type names)."""
    arrays = ", ".join("written" if j in elementwise.written else "read" for j in range(len(elementwise.array_names)))
    return f'''def _signatures(*leading):
    """One signature per dtype: the updated arrays writeable, the others read-only."""
    found = []
    for dtype in (numba.float32, numba.float64):
        written = numba.types.Array(dtype, 1, "C")
        read = numba.types.Array(dtype, 1, "C", readonly=True)
        found.append(numba.void(*leading, {arrays}, {", ".join(trailing) or "*()"}))
    return found
'''


def source(elementwise):
    """The generated kernel module's text for an `Elementwise` step."""
    names = elementwise.array_names
    scalars = [f"_s{j}" for j in range(elementwise.n_scalars)]
    casts = [f"_c{j}" for j in range(elementwise.n_scalars)]
    first = names[0]

    def sliced(index):
        return ", ".join([*(f"{a}[{index}]" for a in names), *casts])

    return TEMPLATE.format(
        functions=function_imports(elementwise),
        source=elementwise.source,
        step=elementwise.step.__name__,
        first=first,
        parameters=", ".join([*names, *scalars]),
        run_parameters=", ".join([*names, *casts]),
        cast="\n    ".join(f"{c} = {first}.dtype.type({s})" for c, s in zip(casts, scalars)) or "pass",
        body=elementwise.kernel_body("_i", casts.__getitem__),
        head_slices=sliced(":_k"),
        whole=", ".join([*names, *casts]),
        align_from=config.ALIGN_FROM,
        tail_slices=sliced("_k:"),
        chunk_slices=sliced("_lo:_hi"),
        size_check=(f"if {' or '.join(f'{a}.size != {first}.size' for a in names[1:])}:\n"
                    f"        raise ValueError(\"the arrays differ in size\")") if len(names) > 1 else "pass",
        signatures=_signatures_source(elementwise, ["numba.float64"] * elementwise.n_scalars),
    )


def _function_sources(elementwise):
    if not elementwise.functions:
        return ()
    from optbench.kernels import vecmath
    return (inspect.getsource(vecmath),)


def function_imports(elementwise):
    """The import of the step's elementary functions from `vecmath`, whose loops vectorize."""
    if not elementwise.functions:
        return ""
    return f"from optbench.kernels.vecmath import {', '.join(elementwise.functions)}\n"


@functools.cache
def kernels(elementwise):
    """The kernels of an `Elementwise` step: `serial(*arrays, *scalars)` and
    `parallel(threads, *arrays, *scalars)`.

    The module's name digests its text, Numba's version and, for a step that calls
    elementary functions, the source of `vecmath`: Numba's cache checks only the file it
    compiles, so a change to a function it calls from another module must give the
    kernel another name."""
    text = source(elementwise)
    module = load_module("cpu", text, digest(text, numba.__version__, *_function_sources(elementwise)))
    return module.serial, module.parallel


SMALL_TEMPLATE = """\
import math

import numba

from {kernels} import serial

{source}
{name} = numba.njit(error_model="numpy", cache=True)({name})


{signatures}

@numba.njit(_signatures(), error_model="numpy", cache=True)
def small({arrays}, _learning_rate, _t, {settings}):
    serial({arrays}, *{name}(_learning_rate, _t, {settings}))
"""


def small_launcher(elementwise, scalars=None, settings=()):
    """(kernel, size, compiled scalars) for 1-D arrays of fewer than `size` elements: what
    a small update calls with nothing in between; larger or other arrays go through
    `launcher`.

    Without `scalars`, the kernel is the serial kernel itself, `kernel(*arrays,
    *scalars)`, and the compiled scalars are None. With `scalars(learning_rate, t,
    *settings)`, a pure function of arithmetic and `math` (a fast form's), it is compiled
    too, and `kernel(*arrays, learning_rate, t, *settings)` computes the step's scalars
    itself, in double precision, inside the one compiled call. It is compiled eagerly,
    like the serial kernel, for the types of the given `settings` values (`_numba_type`).
    The compiled scalars function is returned, so that larger arrays get the very same
    scalars.
    """
    serial = kernels(elementwise)[0]
    if scalars is None:
        return serial, config.PARALLEL_THRESHOLD, None
    kernel_module = sys.modules[serial.py_func.__module__]
    names = elementwise.array_names
    parameters = list(inspect.signature(scalars).parameters)[2:]
    text = SMALL_TEMPLATE.format(
        kernels=kernel_module.__name__, source=textwrap.dedent(inspect.getsource(scalars)), name=scalars.__name__,
        arrays=", ".join(names), settings=", ".join(parameters),
        signatures=_signatures_source(elementwise, ["numba.float64", "numba.int64", *map(_numba_type, settings)]))
    module = load_module("cpu_small", text, digest(text, numba.__version__))
    return module.small, config.PARALLEL_THRESHOLD, getattr(module, scalars.__name__)


def _numba_type(value):
    """The Numba type a setting is passed as: bool a boolean, int an int64, any other number a float64."""
    if isinstance(value, bool):
        return "numba.boolean"
    return "numba.int64" if isinstance(value, int) else "numba.float64"


def launcher(elementwise):
    """`launch(arrays, scalars)`: run the step over C-contiguous arrays in place.

    Arrays the kernels do not accept raise before anything is written: a `TypeError`
    from the dispatcher (dtype, dimension, contiguity, writeability), a `ValueError` from
    the kernel (sizes that differ)."""
    serial, parallel = kernels(elementwise)
    threshold = config.PARALLEL_THRESHOLD
    threads = numba.get_num_threads

    def launch(arrays, scalars):
        first = arrays[0]
        if first.ndim != 1:
            arrays = [a.reshape(-1) for a in arrays]
        if first.size < threshold:
            serial(*arrays, *scalars)
        else:
            parallel(threads(), *arrays, *scalars)

    return launch
