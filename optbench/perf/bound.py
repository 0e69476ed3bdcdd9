"""The same-pattern bound: the speed limit of an update on this machine.

An update is memory-bound. A step over `n_arrays` arrays that writes back `updated` of
them moves, per parameter,

    bytes = itemsize * (n_arrays + len(updated))       Adam, float32: 4 * (4 + 3) = 28

The limit is the speed of a kernel with the same reads and writes and trivial
arithmetic: `bound_elementwise` generates it from the step's shape alone (each updated
element plus the read-only ones times a scalar), and the backend turns it into kernels
exactly as it does a rule, with the same alignment and parallel/serial dispatch. It
runs over the very arrays the rule updates, with the scalar 0, so that it rewrites
their values unchanged and both see the same memory pages.
"""

import functools

import numpy as np

from optbench.kernels.elementwise import Elementwise
from optbench.kernels.modules import load_module


def traffic(elementwise):
    """(arrays read, arrays written) per parameter by one pass of the step."""
    return elementwise.n_arrays, len(elementwise.updated)


def bytes_per_parameter(elementwise, dtype):
    return np.dtype(dtype).itemsize * sum(traffic(elementwise))


@functools.cache
def bound_elementwise(n_arrays, updated):
    """A step with the reads and writes of one shaped (n_arrays, updated), and trivial arithmetic.

    For Adam's shape (x, dx, m, v; x, m, v updated): `return a0 + a1 * s, a2 + a1 * s,
    a3 + a1 * s`; with s = 0 it writes every value back unchanged.
    """
    names = [f"a{j}" for j in range(n_arrays)]
    read_only = [name for j, name in enumerate(names) if j not in updated] or [names[updated[0]]]
    total = read_only[0] if len(read_only) == 1 else f"({' + '.join(read_only)})"
    values = ", ".join(f"{names[k]} + {total} * s" for k in updated)
    module = load_module("bound", f"def bound({', '.join(names)}, s):\n    return {values}\n")
    return Elementwise(module.bound, n_arrays, tuple(updated))


def bound_of(elementwise):
    return bound_elementwise(elementwise.n_arrays, tuple(elementwise.updated))
