"""CUDA backend: numba-cuda kernels generated from an elementwise step.

For a step `step(a0, ..., s0, ...)` the generated kernel is one in-place pass over device
memory, a grid-stride loop:

    for i in range(cuda.grid(1), a0.size, cuda.gridsize(1)):
        a0[i], a2[i], ... = step(a0[i], a1[i], ..., s0, s1, ...)

with the step compiled from its own source as a device function. Neighbouring threads
touch neighbouring elements (coalesced access), and a grid of at most
`config.CUDA_MAX_BLOCKS` blocks of `config.CUDA_THREADS_PER_BLOCK` threads covers any
size. The per-step scalars are kernel arguments cast to the arrays' dtype: no per-step
copy to the device, and float32 data stays float32 arithmetic. fastmath stays off
(correctly rounded division and sqrt, denormals kept); libNVVM may still fuse a*b + c
into one multiply-add, which the tolerance of `optbench.verification` covers (docs/cuda.md).

Arrays are numba device arrays or any object exposing `__cuda_array_interface__` (CuPy
arrays, PyTorch CUDA tensors), updated in place through a view of their memory; state is
allocated on the device. Host arrays are refused rather than copied: a copy each step
would cost more than the update itself. Kernel launches are asynchronous: call
`synchronize()` before reading a clock.

Without a GPU, NUMBA_ENABLE_CUDASIM=1 runs the same kernels on Numba's simulator (a
Python thread for every GPU thread: small arrays only). It takes only its own device
arrays.
"""

import functools

import numba
import numpy as np
from numba import cuda
from numba.cuda.cudadrv import devicearray

from optbench import config
from optbench.kernels.modules import load_module

name = "cuda"
SIMULATOR = bool(numba.config.ENABLE_CUDASIM)
VERIFY_SIZE = 64 if SIMULATOR else 1000

TEMPLATE = """\
import math

from numba import cuda
{functions}
{source}
{step} = cuda.jit(device=True)({step})


@cuda.jit(cache=True)
def kernel({parameters}):
    for i in range(cuda.grid(1), {first}.size, cuda.gridsize(1)):
        {body}
"""


def unavailable():
    """None if kernels can run here (a CUDA GPU, or the simulator), else why not."""
    if cuda.is_available():
        return None
    return "no CUDA device (needs a CUDA GPU with its driver, or NUMBA_ENABLE_CUDASIM=1 for Numba's simulator)"


@functools.cache
def kernel(elementwise):
    """The grid-stride kernel for an `Elementwise` step, taking (*arrays, *scalars)."""
    names = elementwise.array_names
    scalars = [f"s{j}" for j in range(elementwise.n_scalars)]
    source = TEMPLATE.format(
        functions="".join(f"{f} = math.{f}\n" for f in elementwise.functions),
        source=elementwise.source,
        step=elementwise.step.__name__,
        parameters=", ".join([*names, *scalars]),
        first=names[0],
        body=elementwise.kernel_body("i", scalars.__getitem__),
    )
    return load_module("cuda", source).kernel


def launcher(elementwise):
    """`launch(arrays, scalars)`: run the step over C-contiguous device arrays in place."""
    reason = unavailable()
    if reason:
        raise RuntimeError(f"the cuda backend cannot run here: {reason}")
    compiled = kernel(elementwise)

    def launch(arrays, scalars):
        flat = [a if a.ndim == 1 else a.reshape(a.size) for a in map(device_view, arrays)]
        size = flat[0].size
        if size == 0:
            return
        threads = config.CUDA_THREADS_PER_BLOCK
        blocks = min(config.CUDA_MAX_BLOCKS, -(-size // threads))
        cast = flat[0].dtype.type
        compiled[blocks, threads](*flat, *map(cast, scalars))

    return launch


def device_view(a):
    """`a` as a numba device array on the same memory (no copy); None if `a` is not on the device."""
    if devicearray.is_cuda_ndarray(a):
        return a
    if not SIMULATOR and hasattr(a, "__cuda_array_interface__"):
        return cuda.as_cuda_array(a)
    return None


def check_array(label, a, writeable=True):
    """Device arrays only: C-contiguous float32/float64 (writeable if updated).

    Numba's own device arrays are always writeable; other objects may flag their memory
    read-only in `__cuda_array_interface__`, and such memory is not updated.
    """
    view = device_view(a)
    if view is None:
        raise TypeError(
            f"{label} must be a CUDA device array (a numba device array, or an object with "
            f"__cuda_array_interface__ such as a CuPy array or a PyTorch CUDA tensor), got "
            f"{type(a).__name__}; the cuda backend never copies silently: move host data to the "
            f"device once with numba.cuda.to_device({label})"
            + (" (Numba's simulator takes only its own device arrays)" if SIMULATOR else "")
        )
    if view.dtype.name not in config.DTYPES:
        raise TypeError(f"{label} has dtype {view.dtype}; use {' or '.join(config.DTYPES)}")
    if not view.is_c_contiguous():
        raise ValueError(f"{label} is not C-contiguous; pass a contiguous copy of it")
    interface = getattr(a, "__cuda_array_interface__", None)
    if writeable and interface and interface["data"][1]:
        raise ValueError(f"{label} is read-only; it is updated in place and must be writeable")


def empty_like(x):
    """An uninitialized device array shaped like x."""
    x = device_view(x)
    return cuda.device_array(x.shape, x.dtype)


def zeros_like(x):
    """Zeros shaped like x, on the device (copied from the host once, at init only)."""
    x = device_view(x)
    return cuda.to_device(np.zeros(x.shape, x.dtype))


def copy(x):
    """A device-to-device copy of x."""
    x = device_view(x)
    out = cuda.device_array(x.shape, x.dtype)
    out.copy_to_device(x)
    return out


def to_device(a):
    return cuda.to_device(a)


def to_host(a):
    return device_view(a).copy_to_host()


def synchronize():
    """Wait until every launched kernel has finished (launches return before that)."""
    cuda.synchronize()
