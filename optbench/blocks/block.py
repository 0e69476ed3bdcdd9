"""What a network block is, for verification, conformance and benchmarks.

A block module of `optbench.blocks` defines `<name>_forward(*inputs, backend="cpu",
**parameters) -> (out, cache)` and `<name>_backward(dout, cache, backend="cpu")`, the
same names and signatures as its literal NumPy reference in `optbench.reference.blocks`
(which has no backend), and registers itself with a module-level `BLOCK = Block(...)`:

name
    The block's name, also its modules' and functions' prefix.
sample
    `sample(rng, shape, dtype) -> (inputs, parameters)`: fresh inputs for forward, a
    tuple of arrays (and parameter dicts such as `bn_param`), for the data shape `shape`.
gradients
    The names of what backward returns, in order: ("dx",), ("dx", "dgamma", "dbeta").
state
    `(position, key)` of arrays that forward updates in place inside a dict input
    (batch norm's running averages): compared after forward, like out.
tolerance
    `tolerance(dtype, inputs, parameters, dout, want) -> {name: ulps}` for "out", every
    gradient and every state key: how far two honest implementations may be apart, in
    ulps of the largest value of each (`want` holds the reference's results by those
    names), derived in the block's docstring.
shape
    `shape(n) -> tuple`: the data shape of about n elements that benchmarks use.
reduces
    Whether the kernels reduce over the batch (batch norm) or the pieces (maxout).
passes
    `passes(direction) -> ((arrays read, arrays written), ...)`: the passes over memory
    the kernels of "forward" or "backward" make, each counted in arrays of the data's
    size (small per-feature vectors are not counted): an activation's forward is
    ((1, 1),), reading x and writing out. The same-pattern bound of a benchmark is a
    trivial kernel making the same passes.
"""

import importlib
from dataclasses import dataclass
from typing import Callable

from optbench.blocks.backends import reference_module


def flat(n):
    return (n,)


@dataclass(frozen=True)
class Block:
    name: str
    sample: Callable
    tolerance: Callable
    gradients: tuple = ("dx",)
    state: tuple = ()
    shape: Callable = flat
    reduces: bool = False
    passes: Callable = None

    @property
    def forward(self):
        return getattr(self._module(), f"{self.name}_forward")

    @property
    def backward(self):
        return getattr(self._module(), f"{self.name}_backward")

    @property
    def reference_forward(self):
        return getattr(self._reference(), f"{self.name}_forward")

    @property
    def reference_backward(self):
        return getattr(self._reference(), f"{self.name}_backward")

    def _module(self):
        return importlib.import_module(f"optbench.blocks.{self.name}")

    def _reference(self):
        return reference_module(self.name)
