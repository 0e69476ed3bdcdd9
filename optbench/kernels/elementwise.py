"""An elementwise step: the scalar math that backends turn into kernels.

A step is a pure function of scalars using arithmetic and `math` only:

    step(a0, a1, ..., s0, s1, ...) -> new values of the updated arrays

Its first `n_arrays` parameters are array elements, the rest per-call scalars that the
host computes once and passes in the array's dtype. `updated` lists the positions of
the arrays that the step writes back, in the order it returns them (a step that
updates one array returns its value bare, not in a tuple).
"""

import inspect
import textwrap
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Elementwise:
    step: Callable
    n_arrays: int
    updated: tuple

    @property
    def parameters(self):
        return tuple(inspect.signature(self.step).parameters)

    @property
    def array_names(self):
        return self.parameters[: self.n_arrays]

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
        args = [f"{a}[{index}]" for a in names] + [scalar(j) for j in range(self.n_scalars)]
        targets = ", ".join(f"{names[k]}[{index}]" for k in self.updated)
        return f"{targets} = {self.step.__name__}({', '.join(args)})"
