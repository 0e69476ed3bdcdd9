"""An elementwise step: the scalar math that backends turn into kernels.

A step is a pure function of scalars using arithmetic and `math` only:

    step(a0, a1, ..., s0, s1, ...) -> new values of the written arrays

Its first `n_arrays` parameters are array elements the step reads, the rest per-call
scalars that the host computes once and passes in the array's dtype. `updated` lists
the positions of the read arrays that the step writes back. `outputs` names arrays that
the step writes without reading them (an activation's `out`): they come first among the
kernel's arrays, and the step returns their values first, then the updated ones (a step
that writes one array returns its value bare, not in a tuple).

`functions` names the elementary functions the step calls by their bare name (`exp`,
`tanh`): each backend binds them, the cpu to the vectorizable ones of `vecmath.py`, cuda
to the device's own, so that one definition runs everywhere.
"""

import functools
import inspect
import textwrap
from dataclasses import dataclass
from typing import Callable

FUNCTIONS = ("exp", "tanh")


@dataclass(frozen=True)
class Elementwise:
    step: Callable
    n_arrays: int
    updated: tuple
    outputs: tuple = ()
    functions: tuple = ()

    def __post_init__(self):
        unknown = set(self.functions) - set(FUNCTIONS)
        if unknown:
            raise ValueError(f"unknown elementary function(s) {sorted(unknown)}; the backends bind {list(FUNCTIONS)}")

    @functools.cached_property
    def parameters(self):
        return tuple(inspect.signature(self.step).parameters)

    @property
    def read_names(self):
        """The arrays the step reads, in its parameters' order."""
        return self.parameters[: self.n_arrays]

    @property
    def array_names(self):
        """The kernel's arrays: the outputs, then the arrays the step reads."""
        return (*self.outputs, *self.read_names)

    @property
    def written(self):
        """Positions in `array_names` of the arrays the kernel writes."""
        first = len(self.outputs)
        return (*range(first), *(first + k for k in self.updated))

    @property
    def n_scalars(self):
        return len(self.parameters) - self.n_arrays

    @property
    def source(self):
        """The step's own source, so a generated kernel module is self-contained."""
        return textwrap.dedent(inspect.getsource(self.step))

    def kernel_body(self, index, scalar):
        """The loop body: `index` names the element, `scalar(j)` the j-th scalar."""
        names = self.array_names
        read = self.read_names
        args = [f"{a}[{index}]" for a in read] + [scalar(j) for j in range(self.n_scalars)]
        targets = ", ".join(f"{names[k]}[{index}]" for k in self.written)
        return f"{targets} = {self.step.__name__}({', '.join(args)})"
