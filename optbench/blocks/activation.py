"""An elementwise activation: one scalar definition of f and one of its derivative, from
which every backend generates its kernels (`optbench.kernels`), as it does a rule's.

    forward    out_i = f(x_i)                 one pass: reads x, writes out
    backward   dx_i  = dout_i * f'(x_i)       one pass: reads dout and what f' needs, writes dx

`forward_step(x, *constants) -> out` and `backward_step(dout, *saved, *constants) -> dx`
are scalar functions of arithmetic and the elementary functions of
`optbench.kernels.elementwise.FUNCTIONS`. The backward step's array parameters after
`dout` are named `x` or `out`: they are what the cache keeps. Constants (1, a slope,
alpha) are scalars passed in the array's dtype, so float32 data stays float32
arithmetic; `constants(**parameters)` gives them by the names the steps use.

Verification (`BLOCK`, `optbench.verification.blocks`) compares out and dx with the
reference in ulps of their largest values. Its tolerance is derived from the steps: `r`
correctly rounded operations, at most half an ulp each, and the elementary functions,
within `KERNEL_ULPS` in the kernels (the larger of `vecmath.ULPS` on the cpu and the CUDA
programming guide's bounds on the device) and `NUMPY_ULPS` in the reference, put two
honest evaluations of f at most

    tolerance(out) = r_forward + calls * (kernel ulps + NumPy ulps)      ulps of out

apart (both sides round, so r/2 each). The backward step reads out or x, which the two
sides computed apart by up to that much; with `sensitivity` s = sup |d f'(.)/d saved| *
max |saved| / max |f'| (sigmoid: 4, its derivative peaks at 1/4 where the one of
sigma (1 - sigma) is 1; tanh 2; ELU 1; ReLU and leaky ReLU 0, whose derivative is
piecewise constant), each dx_i is off by at most eps * |dout_i| * max|f'| *
(r_backward + s * tolerance(out)), in ulps of the largest dx:

    tolerance(dx) = (r_backward + s * tolerance(out)) * max|dout| max|f'| / max|dx|

On the "reference" backend the functions are the literal NumPy ones of
`optbench.reference.blocks`. On the others x may have any shape (C-contiguous float32
or float64); a bad array or parameter is refused with a `ValueError` or `TypeError`
that names it, before anything is computed.
"""

import functools
import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from optbench.blocks.backends import reference_module
from optbench.blocks.block import Block
from optbench.kernels import get_backend, vecmath
from optbench.kernels.elementwise import Elementwise

SAVED = ("x", "out")

# NumPy's own worst errors, measured over 1e7 float32 points uniform in [-87, 87] against
# float64, and 1e6 float64 ones in [-700, 700] against long double: exp 2.52 and tanh
# 1.37 ulps in float32 (NumPy documents 2.52 for its SIMD exp), 0.71 and 1.09 in float64.
NUMPY_ULPS = {"float32": {"exp": 3, "tanh": 2}, "float64": {"exp": 1, "tanh": 2}}
# CUDA C++ Programming Guide, "Mathematical Functions": expf and tanhf within 2 ulps,
# exp and tanh within 1 (without fast-math intrinsics, as the kernels are compiled).
DEVICE_ULPS = {"float32": {"exp": 2, "tanh": 2}, "float64": {"exp": 1, "tanh": 1}}
KERNEL_ULPS = {dtype: {f: max(vecmath.ULPS[dtype][f], DEVICE_ULPS[dtype][f]) for f in DEVICE_ULPS[dtype]}
               for dtype in DEVICE_ULPS}


@dataclass(frozen=True)
class Activation:
    name: str
    forward_step: Callable
    backward_step: Callable
    constants: Callable
    parameters: dict = field(default_factory=dict)
    functions: tuple = ()
    roundings: tuple = (0, 0)
    sensitivity: float = 0.0
    max_derivative: Callable = None

    @functools.cached_property
    def saved(self):
        """What the backward step reads besides dout: "x", "out" or both."""
        names = list(inspect.signature(self.backward_step).parameters)[1:]
        return tuple(n for n in names if n in SAVED)

    @functools.cached_property
    def forward_elementwise(self):
        return Elementwise(self.forward_step, 1, (), outputs=("out",), functions=self.functions)

    @functools.cached_property
    def backward_elementwise(self):
        return Elementwise(self.backward_step, 1 + len(self.saved), (), outputs=("dx",), functions=self.functions)

    def settings(self, parameters):
        """The defaults updated by `parameters`, each checked against its declaration."""
        unknown = set(parameters) - set(self.parameters)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)} for activation {self.name!r}; "
                             f"it takes {sorted(self.parameters) or 'none'}")
        return {name: declaration.check(name, parameters.get(name, declaration.default))
                for name, declaration in self.parameters.items()}

    def scalars(self, elementwise, settings):
        """The step's scalar arguments, in its parameters' order."""
        constants = self.constants(**settings)
        return tuple(constants[name] for name in _scalar_names(elementwise))

    def forward(self, x, backend="cpu", **parameters):
        """(out, cache): out = f(x) elementwise, in a new array like x."""
        settings = self.settings(parameters)
        module = get_backend(backend)
        if module.name == "reference":
            return self.reference("forward")(x, **settings)
        module.check_array("x", x, writeable=False)
        out = module.empty_like(x)
        elementwise = self.forward_elementwise
        _launcher(module.name, elementwise)([out, x], self.scalars(elementwise, settings))
        return out, {"x": x, "out": out, **settings}

    def backward(self, dout, cache, backend="cpu"):
        """dx = dout * f'(x), from the cache of `forward` on the same backend."""
        module = get_backend(backend)
        if module.name == "reference":
            return self.reference("backward")(dout, cache)
        if not isinstance(cache, dict) or not set(SAVED) <= set(cache):
            raise TypeError(f"cache must be what {self.name}_forward(..., backend={backend!r}) returned")
        module.check_array("dout", dout, writeable=False)
        x = cache["x"]
        if dout.shape != x.shape or dout.dtype != x.dtype:
            raise ValueError(f"dout is {dout.dtype} of shape {dout.shape}; it must match the forward input, "
                             f"{x.dtype} of shape {x.shape}")
        dx = module.empty_like(dout)
        elementwise = self.backward_elementwise
        settings = {name: cache[name] for name in self.parameters}
        _launcher(module.name, elementwise)([dx, dout, *(cache[n] for n in self.saved)],
                                            self.scalars(elementwise, settings))
        return dx

    def block(self):
        """The `Block` that verification and benchmarks see."""
        def passes(direction):
            elementwise = self.forward_elementwise if direction == "forward" else self.backward_elementwise
            return ((elementwise.n_arrays, len(elementwise.written)),)

        return Block(self.name, self.sample, self.tolerance, passes=passes)

    def sample(self, rng, shape, dtype):
        """x ~ N(0, 1) * 10**U(-1, 1): from the linear middle well into saturation."""
        x = rng.standard_normal(shape) * 10 ** rng.uniform(-1, 1, shape)
        return (np.asarray(x, dtype=dtype),), {name: d.default for name, d in self.parameters.items()}

    def tolerance(self, dtype, inputs, parameters, dout, want):
        """The derived tolerance of out and dx, in ulps of their largest values (module docstring)."""
        name = np.dtype(dtype).name
        calls = self.functions
        forward = self.roundings[0] + sum(KERNEL_ULPS[name][f] + NUMPY_ULPS[name][f] for f in calls)
        largest_dx = float(np.abs(want["dx"]).max(initial=0.0))
        scale = float(np.abs(dout).max(initial=0.0)) * self.max_derivative(**self.settings(parameters))
        ratio = scale / largest_dx if largest_dx > 0 else 1.0
        return {"out": float(forward), "dx": (self.roundings[1] + self.sensitivity * forward) * ratio}

    def reference(self, direction):
        """The literal NumPy `<name>_forward` or `<name>_backward` of `optbench.reference.blocks`."""
        return getattr(reference_module(self.name), f"{self.name}_{direction}")


@functools.cache
def _scalar_names(elementwise):
    return elementwise.parameters[elementwise.n_arrays:]


@functools.cache
def _launcher(backend, elementwise):
    return get_backend(backend).launcher(elementwise)
