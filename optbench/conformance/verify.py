"""`optbench verify`: optbench's own kernels under the conformance harness.

Each kernel backend is an implementation like any other (`adapters/optbench_adapter.py`);
verification is its conformance on the scenario "constant" with fresh random inputs:
x0 ~ N(0, 1) and, at every step, dx_i ~ N(0, 1) * scale_i, each element keeping its own
scale_i ~ 10**U(-4, 1) throughout (five decades, as across the parameters of a network).
x and every state array are compared after every step, with the error measure and the
derived tolerance of `optbench.verification.errors`. Both forms of each rule are checked
(`optbench.optim.form`): the fast form within that tolerance, and the exact form on the
cpu backend bit for bit, with a tolerance of 0 ulps; on cuda, where the device may fuse a
multiply and an add, the exact form too is held to the derived tolerance.

The network blocks (`optbench.blocks`) are verified on the same measures
(`conformance/blocks.py`): every block on every backend, in both dtypes, on fresh inputs
from the block's own `sample`, each result of the forward and the backward pass (out,
every gradient, running statistics) against the literal reference within the tolerance
the block derives.
"""

import dataclasses
import secrets

import numpy as np

from optbench import config
from optbench.blocks.registry import block_names, get_block
from optbench.conformance import blocks as block_harness
from optbench.conformance.adapters.optbench_adapter import factory
from optbench.conformance.harness import Harness
from optbench.conformance.trajectory import Broken, compare, run
from optbench.conformance.protocol import Implementation
from optbench.conformance.scenarios import DECADES, Stream, checked_dtype
from optbench.kernels import get_backend, unavailable
from optbench.optim import get_rule, parameter_average, rule_names
from optbench.optim.averaging import DECAY
from optbench.optim.form import FORMS, check_form
from optbench.reference.rules.running_average import running_average

GRADIENT_DECADES = DECADES
SCENARIO = "constant"


@dataclasses.dataclass
class Verdict:
    rule: str
    backend: str
    dtype: str
    steps: int
    size: int
    seed: int
    worst_ulps: float
    worst_relative: float
    tolerance_ulps: float
    passed: bool
    where: str = ""
    form: str = "exact"

    @property
    def verdict(self):
        return "pass" if self.passed else "FAIL"


def bitwise(backend, form):
    """Whether `form` on `backend` must agree with the reference bit for bit: the exact form on the cpu."""
    return form == "exact" and backend == "cpu"


def _verdict(name, backend, dtype, steps, size, seed, comparison, form="exact"):
    where = f"{comparison.where} at step {comparison.first_step or comparison.step}" if comparison.step else ""
    if bitwise(backend, form):
        passed = comparison.max_error_ulps == 0
        tolerance = 0.0
        if not passed and not where:
            where = "not bit for bit"
    else:
        passed, tolerance = not comparison.departs, comparison.tolerance_ulps
    return Verdict(name, backend, dtype, steps, size, seed, comparison.max_error_ulps, comparison.max_error,
                   tolerance, passed, where, form)


def verify(rule, backend="cpu", dtype="float32", steps=100, size=1000, seed=None, shape=None, form="exact",
           **hyperparameters):
    """Run `rule` on `backend` in `form` beside the reference for `steps` updates; return a Verdict.

    `rule` is a name or a `Rule` (a deliberately wrong one is checked against the reference
    of the rule it is named after). `shape` overrides `size`.
    """
    rule = get_rule(rule)
    form = check_form(form)
    dtype = checked_dtype(dtype).name
    seed = secrets.randbits(63) if seed is None else seed
    shape = (size,) if shape is None else tuple(shape)
    settings = rule.settings(hyperparameters)
    harness = Harness(seed=seed, steps=steps, shape=shape)
    implementation = Implementation(f"optbench ({backend}, {form})", "optbench", rule.name, factory(rule, backend, form))
    row = harness.row(implementation, rule, SCENARIO, dtype, settings, diagnose=False)
    if row.verdict == "error":
        raise RuntimeError(f"{rule.name} on {backend} ({form}): {row.reason}")
    return _verdict(rule.name, get_backend(backend).name, dtype, steps, int(np.prod(shape)), seed, row.comparison,
                    form)


def _average_factory(backend):
    module = get_backend(backend)

    def make(x0, decay):
        average = parameter_average(backend, decay)
        x_test = average.init(module.to_device(x0))

        def step(x, learning_rate):
            average.update(x_test, module.to_device(x))
            return module.to_host(x_test)

        return step

    return make


def _reference_average(x0, decay):
    x_test = [x0]

    def step(x, learning_rate):
        x_test[0] = running_average(x_test[0], x, decay)
        return x_test[0]

    return step


def verify_average(backend="cpu", dtype="float32", steps=100, size=1000, seed=None, decay=DECAY.default):
    """The running parameter average on `backend` against its reference: x_test starts at
    x0 ~ N(0, 1) and takes in a fresh x ~ N(0, 1) at every step."""
    dtype = checked_dtype(dtype).name
    decay = DECAY.check("decay", decay)
    seed = secrets.randbits(63) if seed is None else seed
    rng = np.random.default_rng(seed)
    x0 = np.asarray(rng.standard_normal(size), dtype=dtype)
    data = Stream("running_average", np.dtype(dtype), x0,
                  np.asarray(rng.standard_normal((steps, size)), dtype=dtype), [0.0] * steps, seed)
    want = run(_reference_average, data, {"decay": decay})
    try:
        got = run(_average_factory(backend), data, {"decay": decay})
    except Broken as why:
        raise RuntimeError(f"running_average on {backend}: {why}") from None
    return _verdict("running_average", get_backend(backend).name, dtype, steps, size, seed, compare(got, want, dtype))


def verify_all(rules=None, backends=("cpu", "cuda"), dtypes=config.DTYPES, steps=100, size=None, seed=None,
               average=True, forms=FORMS):
    """The matrix rule x backend x form x dtype (the average has one form, its exact one);
    rows for unavailable backends say why they were skipped."""
    rules = rule_names() if rules is None else list(rules)
    rows = []
    runnable, skipped = _runnable(backends)
    for backend in runnable:
        n = size or getattr(get_backend(backend), "VERIFY_SIZE", 1000)
        for dtype in dtypes:
            for rule in rules:
                for form in forms:
                    rows.append(verify(rule, backend, dtype, steps=steps, size=n, seed=seed, form=form))
            if average:
                rows.append(verify_average(backend, dtype, steps=steps, size=n, seed=seed))
    return rows, skipped


def _runnable(backends):
    """(the backends that can run here, [{"backend", "reason"}] for the others)."""
    reasons = {backend: unavailable(backend) for backend in backends}
    return ([b for b, why in reasons.items() if not why],
            [{"backend": b, "reason": why} for b, why in reasons.items() if why])


BLOCK_VERIFY_SIZE = 4096


def verify_block(block, backend="cpu", dtype="float32", shape=None, seed=None):
    """[BlockRow]: every result of `block`'s kernels on `backend` beside the reference.

    `shape` defaults to the block's shape for the backend's verification size (4096
    elements on the cpu, `VERIFY_SIZE` on cuda: 64 on the simulator)."""
    block = get_block(block)
    module = get_backend(backend)
    if shape is None:
        shape = block.shape(getattr(module, "VERIFY_SIZE", BLOCK_VERIFY_SIZE))
    run = block_harness.backend_implementation(block, backend)
    return block_harness.check(block, run, f"optbench ({module.name})", dtype, shape, seed, diagnose=False)


def verify_blocks(blocks=None, backends=("cpu", "cuda"), dtypes=config.DTYPES, seed=None, size=None):
    """The matrix block x backend x dtype x result, each block over its own data shape of
    about `size` elements (default: the backend's verification size, `verify_block`);
    rows for unavailable backends say why they were skipped."""
    blocks = block_names() if blocks is None else list(blocks)
    rows = []
    runnable, skipped = _runnable(backends)
    for backend in runnable:
        for dtype in dtypes:
            for block in blocks:
                shape = None if size is None else get_block(block).shape(size)
                rows.extend(verify_block(block, backend, dtype, shape=shape, seed=seed))
    return rows, skipped


__all__ = ["Verdict", "verify", "verify_all", "verify_average", "verify_block", "verify_blocks"]
