"""An independent measure of the machine's memory speed, to check the bound against.

The same-pattern bound (`bound.py`) is the ceiling every throughput figure is divided
by, so a bound that were itself slow would flatter every kernel. Two measures that owe
nothing to optbench's kernel generator are timed beside it in the same race:

triad
    STREAM's triad, `a[i] = b[i] + s * c[i]`, written by hand as one Numba `prange` loop
    over all threads. Counted as STREAM counts it, 3 * itemsize bytes per element (two
    reads, one write); the hardware also reads `a` before writing it, which STREAM
    leaves out, so this figure is below the traffic really moved.
copy
    The backend's own copy of one array into another: on the cpu NumPy's
    `np.copyto(a, b)` on one thread (C's memcpy), on cuda the driver's device-to-device
    copy of a numba device array (`a.copy_to_device(b)`, cuMemcpyDtoD), launched like a
    kernel and waited for by the race's `synchronize`. Either moves 2 * itemsize bytes
    per element. On a GPU it is the device's measured copy bandwidth; arrays that fit in
    its L2 cache, or copies short enough for the launch to dominate, measure those
    instead.

On the cpu both are raced beside every kernel, on cuda the copy alone (a triad there
would be one more generated kernel, not an independent measure). The bound moves its
arrays in place (every array it writes it has read), so it owes the hardware no hidden
read: on a machine where it is honest its GB/s is at least the triad's.
"""

import numba
import numpy as np

from optbench.kernels import get_backend

MEASURES = ("triad", "copy")
ARRAYS = {"triad": 3, "copy": 2}


@numba.njit(parallel=True, error_model="numpy", cache=True)
def _triad(a, b, c, s):
    for i in numba.prange(a.size):
        a[i] = b[i] + s * c[i]


def bytes_per_element(measure, dtype):
    """Bytes counted per element: 3 * itemsize for the triad, 2 * itemsize for the copy."""
    return ARRAYS[measure] * np.dtype(dtype).itemsize


def calls(n, dtype, seed=0, backend="cpu"):
    """{measure: call()} on arrays of their own, n elements of `dtype` each: the triad and
    the copy on the cpu, the copy on cuda (device arrays: the simulator's too)."""
    rng = np.random.default_rng(seed)
    kind = np.dtype(dtype).type
    if backend == "cuda":
        a, b = (get_backend("cuda").to_device(rng.standard_normal(n, dtype=kind)) for _ in range(2))
        return {"copy": lambda: a.copy_to_device(b)}
    if backend != "cpu":
        raise ValueError(f"the memory measures run on the cpu or cuda, not on {backend!r}")
    a, b, c = (rng.standard_normal(n, dtype=kind) for _ in range(3))
    s = kind(0.5)
    return {"triad": lambda: _triad(a, b, c, s), "copy": lambda: np.copyto(a, b)}
