"""Network blocks under test: any implementation of a block beside its literal reference.

An implementation of a block is `run(inputs, parameters, dout) -> results`: it does the
forward pass `forward(*inputs, **parameters)` and the backward pass of `dout` through
it, and returns host arrays by name: "out", every gradient of the block
(`Block.gradients`: "dx", "dgamma", ...) and every state array that forward updates in
place (`Block.state`: "running_mean", "running_var"). The truth is the block's literal
NumPy reference (`optbench.reference.blocks`) on the same inputs, each implementation
getting its own copy of them.

Each result is compared as the rules' displacements are (`optbench.verification.errors`):
the worst error max|got - want| over the largest |want|, in ulps of the dtype, against
the tolerance the block derives (`Block.tolerance`). Where an implementation departs,
the block's named variants (`optbench.verification.block_variants`) are run on the same
inputs, and those that agree with it, within the same tolerance, name what it computes.
"""

import copy
import secrets
from dataclasses import dataclass, field

import numpy as np

from optbench.blocks.registry import get_block
from optbench.conformance.scenarios import checked_dtype
from optbench.kernels import get_backend
from optbench.verification.block_variants import block_variants
from optbench.verification.errors import in_ulps, normwise_error


@dataclass
class BlockRow:
    """One output of one implementation of a block in one dtype."""

    block: str
    implementation: str
    dtype: str
    shape: tuple
    seed: int
    output: str
    worst_ulps: float
    worst_relative: float
    tolerance_ulps: float
    passed: bool
    where: str = ""
    matches: list = field(default_factory=list)

    @property
    def verdict(self):
        return "pass" if self.passed else "FAIL"


def names(block):
    """Every result a block's implementation returns, in order."""
    return ("out", *block.gradients, *(key for _, key in block.state))


def run_functions(block, forward, backward, inputs, parameters, dout, **keywords):
    """The results of `forward` and `backward` (reference-style functions, with `keywords`
    such as backend=) on a private copy of the inputs."""
    inputs = copy.deepcopy(inputs)
    out, cache = forward(*inputs, **parameters, **keywords)
    results = {"out": out}
    results.update((key, inputs[position][key].copy()) for position, key in block.state)
    gradients = backward(dout, cache, **keywords)
    results.update(zip(block.gradients, gradients if isinstance(gradients, tuple) else (gradients,)))
    return results


def reference_implementation(block):
    block = get_block(block)

    def run(inputs, parameters, dout):
        return run_functions(block, block.reference_forward, block.reference_backward, inputs, parameters, dout)

    return run


def variant_implementation(variant):
    block = get_block(variant.block)

    def run(inputs, parameters, dout):
        return run_functions(block, variant.forward, variant.backward, inputs, parameters, dout)

    return run


def backend_implementation(block, backend):
    """optbench's kernels of `block` on `backend`, host arrays in and out (moved to the
    device and back around the calls on cuda)."""
    block = get_block(block)
    module = get_backend(backend)

    def to_device(value):
        if isinstance(value, np.ndarray):
            return module.to_device(value)
        if isinstance(value, dict):
            return {k: to_device(v) for k, v in value.items()}
        return value

    def run(inputs, parameters, dout):
        inputs = tuple(to_device(copy.deepcopy(a)) for a in inputs)
        out, cache = block.forward(*inputs, **parameters, backend=backend)
        results = {"out": out}
        results.update((key, inputs[position][key]) for position, key in block.state)
        gradients = block.backward(module.to_device(dout), cache, backend=backend)
        results.update(zip(block.gradients, gradients if isinstance(gradients, tuple) else (gradients,)))
        return {k: np.asarray(module.to_host(v)) for k, v in results.items()}

    return run


@dataclass(frozen=True)
class Case:
    """One draw of a block's inputs and the reference's results on them."""

    inputs: tuple
    parameters: dict
    dout: np.ndarray
    want: dict
    tolerance: dict
    shape: tuple
    seed: int


def draw(block, dtype="float32", shape=None, seed=None):
    """Fresh inputs for `block` (its `sample`), an upstream gradient dout ~ N(0, 1) like out,
    the reference's results and the derived tolerance."""
    block = get_block(block)
    dtype = checked_dtype(dtype)
    seed = secrets.randbits(63) if seed is None else seed
    shape = block.shape(1000) if shape is None else tuple(shape)
    rng = np.random.default_rng(seed)
    inputs, parameters = block.sample(rng, shape, dtype)
    want_out = block.reference_forward(*copy.deepcopy(inputs), **parameters)[0]
    dout = np.asarray(rng.standard_normal(want_out.shape), dtype=dtype)
    want = reference_implementation(block)(inputs, parameters, dout)
    return Case(inputs, parameters, dout, want, block.tolerance(dtype, inputs, parameters, dout, want), shape, seed)


def compare(block, got, case, dtype):
    """[(name, worst ulps, worst relative, tolerance ulps, passed, where)] for every result."""
    compared = []
    for name in names(block):
        want, tolerance = case.want[name], case.tolerance[name]
        value = got.get(name)
        if value is None or np.shape(value) != np.shape(want):
            where = "missing" if value is None else f"shape {np.shape(value)}, expected {np.shape(want)}"
            compared.append((name, np.inf, np.inf, tolerance, False, where))
            continue
        value = np.asarray(value)
        relative = normwise_error(value.ravel(), want.ravel())
        ulps = float(in_ulps(relative, dtype))
        where = ""
        if not ulps <= tolerance:
            error = np.abs(value.astype(np.float64) - want.astype(np.float64))
            error[np.isnan(error)] = np.inf
            index = np.unravel_index(int(np.argmax(error)), want.shape) if want.size else ()
            where = f"at {tuple(int(i) for i in index)}: got {value[index]!r}, expected {want[index]!r}"
        compared.append((name, ulps, relative, tolerance, ulps <= tolerance, where))
    return compared


def matching_variants(block, got, case, dtype):
    """The named variants of `block` whose results agree with `got` within the tolerance."""
    found = []
    for variant in block_variants(block.name):
        try:
            results = variant_implementation(variant)(case.inputs, case.parameters, case.dout)
        except Exception:  # a variant that cannot run on these inputs matches nothing
            continue
        if all(passed for *_, passed, _ in compare(block, got, Case(case.inputs, case.parameters, case.dout, results,
                                                                     case.tolerance, case.shape, case.seed), dtype)):
            found.append(variant.name)
    return found


def skipped_rows(block, label, dtype, reason):
    """Rows saying why `label` was not checked on `block`."""
    block = get_block(block)
    return [BlockRow(block.name, label, checked_dtype(dtype).name, (), 0, name, float("nan"), float("nan"),
                     float("nan"), True, f"skipped: {reason}") for name in names(block)]


def check(block, run, label, dtype="float32", shape=None, seed=None, diagnose=True):
    """[BlockRow], one per result of `block`, for the implementation `run` called `label`."""
    block = get_block(block)
    dtype = checked_dtype(dtype)
    case = draw(block, dtype, shape, seed)
    got = run(case.inputs, case.parameters, case.dout)
    compared = compare(block, got, case, dtype)
    departs = not all(passed for *_, passed, _ in compared)
    matches = matching_variants(block, got, case, dtype) if departs and diagnose else []
    return [BlockRow(block.name, label, dtype.name, case.shape, case.seed, name, ulps, relative, tolerance, passed,
                     where, matches if not passed else [])
            for name, ulps, relative, tolerance, passed, where in compared]
