"""The same-pattern bound: the speed limit of an update on this machine.

An update is memory-bound. A step that reads `n_arrays` arrays, writes back `updated` of
them and writes `outputs` more moves, per element,

    bytes = itemsize * (n_arrays + len(updated) + outputs)    Adam, float32: 4 * (4 + 3) = 28
                                                               an activation: 4 * (1 + 0 + 1) = 8

The limit is the speed of a kernel with the same reads and writes and trivial
arithmetic: `bound_elementwise` generates it from the step's shape alone (each updated
element plus the read-only ones times a scalar), and the backend turns it into kernels
exactly as it does a rule, with the same alignment and parallel/serial dispatch. It
runs over the very arrays the rule updates, with the scalar 0, so that it rewrites
their values unchanged and both see the same memory pages.

A network block makes one or more such passes (`Block.passes`); one that only reads (a
statistics pass of batch norm) writes nothing, so no step describes it, and
`bound_reduction` is its trivial kernel: a vectorized sum of what it reads.
"""

import functools

import numba
import numpy as np

from optbench import config
from optbench.kernels.elementwise import Elementwise
from optbench.kernels.modules import load_module


def traffic(elementwise):
    """(arrays read, arrays written) per parameter by one pass of the step."""
    return elementwise.n_arrays, len(elementwise.written)


def bytes_per_parameter(elementwise, dtype):
    return np.dtype(dtype).itemsize * sum(traffic(elementwise))


@functools.cache
def bound_elementwise(n_arrays, updated, outputs=0):
    """A step with the reads and writes of one shaped (n_arrays, updated, outputs), and
    trivial arithmetic.

    For Adam's shape (x, dx, m, v; x, m, v updated): `return a0 + a1 * s, a2 + a1 * s,
    a3 + a1 * s`; with s = 0 it writes every value back unchanged. An output gets the sum
    of the read-only arrays times s: `return a0 * s` for an activation's (out; x).
    """
    names = [f"a{j}" for j in range(n_arrays)]
    read_only = [name for j, name in enumerate(names) if j not in updated] or [names[updated[0]]]
    total = read_only[0] if len(read_only) == 1 else f"({' + '.join(read_only)})"
    values = ", ".join([f"{total} * s"] * outputs + [f"{names[k]} + {total} * s" for k in updated])
    module = load_module("bound", f"def bound({', '.join(names)}, s):\n    return {values}\n")
    return Elementwise(module.bound, n_arrays, tuple(updated), tuple(f"o{j}" for j in range(outputs)))


def bound_of(elementwise):
    return bound_elementwise(elementwise.n_arrays, tuple(elementwise.updated), len(elementwise.outputs))


REDUCTION = '''\
import numba


@numba.njit(fastmath=True, error_model="numpy", cache=True)
def _run({arrays}):
    total = {first}.dtype.type(0)
    for i in range({first}.size):
        total += {sum}
    return total


@numba.njit(fastmath=True, error_model="numpy", cache=True)
def serial({arrays}):
    return _run({arrays})


@numba.njit(parallel=True, fastmath=True, error_model="numpy", cache=True)
def parallel(threads, {arrays}):
    n = {first}.size
    chunk = ((n + threads - 1) // threads + 15) & ~15
    total = 0.0
    for c in numba.prange(threads):
        lo = min(n, c * chunk)
        hi = min(n, lo + chunk)
        total += _run({slices})
    return total
'''


@functools.cache
def bound_reduction(n_arrays):
    """The bound of a read-only pass (one that reads `n_arrays` arrays and writes none, as a
    statistics pass does): `launch(arrays) -> sum of every element of every array`.

    No `Elementwise` writes nothing, so this one is written here: `total += a0[i] + a1[i]`
    over one contiguous chunk per thread (Numba's prange, each chunk a multiple of 16
    elements), serial below `config.PARALLEL_THRESHOLD` elements as the generated kernels
    are. It is compiled with fastmath so that the sum vectorizes and reassociates into
    several accumulators: a bound must wait on memory, never on the latency of a chain
    of additions. It moves `itemsize * n_arrays` bytes per element.
    """
    if n_arrays < 1:
        raise ValueError(f"a read-only pass reads at least one array, got {n_arrays}")
    names = [f"a{j}" for j in range(n_arrays)]
    text = REDUCTION.format(arrays=", ".join(names), first=names[0], sum=" + ".join(f"{a}[i]" for a in names),
                            slices=", ".join(f"{a}[lo:hi]" for a in names))
    module = load_module("bound_reduction", text)
    serial, parallel = module.serial, module.parallel

    def launch(arrays):
        arrays = [a.reshape(-1) for a in arrays]
        if len({a.size for a in arrays}) != 1:
            raise ValueError(f"the arrays of a pass have one size, got sizes {[a.size for a in arrays]}")
        if arrays[0].size < config.PARALLEL_THRESHOLD:
            return serial(*arrays)
        return parallel(numba.get_num_threads(), *arrays)

    return launch
