"""Verification: a backend's kernels against the NumPy reference, step by step.

Both run the same updates from the same start on fresh random inputs: x0 ~ N(0, 1) and,
at every step, a new gradient dx_i ~ N(0, 1) * scale_i, where each element keeps its own
scale_i ~ 10**U(-4, 1) throughout, so magnitudes span five decades as across the
parameters of a real network (small, persistent gradients are where epsilon matters). After every step x and
every state array are compared, normwise:

    error = max|kernel - reference| / max|reference|     (in units of the dtype's eps:
                                                          "ulps of the largest value")

Tolerance, derived rather than tuned. Each element's update is a chain of correctly
rounded operations, at most ROUNDINGS_PER_STEP of them in any rule here (Adam has 13).
Two implementations can part only where they round differently (a fused multiply-add,
another evaluation order), by at most one rounding, half an ulp, per operation, i.e. at
most ROUNDINGS_PER_STEP / 2 ulps of the values involved per step. dx does not depend on
x here, so deviations add up over the steps instead of feeding back:

    tolerance(N steps) = ROUNDINGS_PER_STEP / 2 * N  ulps.

On the CPU the kernels evaluate the reference's expressions in the same order with
fastmath off, and agree exactly (0 ulps); the tolerance is there for backends that may
contract operations (real GPUs). The deliberately wrong rules of the test suite part
from the reference by far more.
"""

import dataclasses
import secrets

import numpy as np

from optbench.averaging import parameter_average
from optbench.backends import get_backend
from optbench.optimizer import optimizer
from optbench.registry import get_rule

ROUNDINGS_PER_STEP = 16
DTYPES = ("float32", "float64")


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

    @property
    def verdict(self):
        return "pass" if self.passed else "FAIL"


def gradient_scales(rng, shape):
    """Per-element gradient magnitudes 10**U(-4, 1), spanning five decades."""
    return 10.0 ** rng.uniform(-4, 1, shape)


def random_gradient(rng, scales, dtype):
    """dx ~ N(0, 1) * scales, fresh at every call."""
    return np.asarray(rng.standard_normal(scales.shape) * scales, dtype=dtype)


def normwise_error(a, b):
    """max|a - b| / max|b|, in float64; 0 for empty arrays, inf if a has NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    difference = np.max(np.abs(a - b))
    if np.isnan(difference):
        return np.inf
    scale = np.max(np.abs(b))
    return float(difference / scale) if scale > 0 else float(difference > 0) * np.inf


def verify(rule, backend="cpu", dtype="float32", steps=100, size=1000, seed=None, shape=None, **hyperparameters):
    """Run `rule` on `backend` beside the reference for `steps` updates; return a Verdict.

    `rule` is a name or a `Rule` (a deliberately wrong variant is checked against the
    reference of the rule it is named after). `shape` overrides `size`.
    """
    rule = get_rule(rule)
    shape = (size,) if shape is None else tuple(shape)
    reference = optimizer(rule, "reference", **hyperparameters)
    kernel = optimizer(rule, backend, **hyperparameters)

    def run(rng, x_ref, x, check):
        state_ref, state = reference.init(x_ref), kernel.init(x)
        scales = gradient_scales(rng, x_ref.shape)
        for step in range(1, steps + 1):
            dx = random_gradient(rng, scales, x_ref.dtype)
            reference.update(x_ref, dx, state_ref)
            kernel.update(x, kernel.backend.to_device(dx), state)
            check(step, "x", x, x_ref)
            for name in rule.state:
                check(step, name, state[name], state_ref[name])

    return _compare(rule.name, kernel.backend, dtype, steps, shape, seed, run)


def verify_average(backend="cpu", dtype="float32", steps=100, size=1000, seed=None, decay=0.995):
    """The running parameter average on `backend` against its reference."""
    reference = parameter_average("reference", decay)
    kernel = parameter_average(backend, decay)

    def run(rng, x_ref, x, check):
        x_test_ref, x_test = reference.init(x_ref), kernel.init(x)
        for step in range(1, steps + 1):
            x_new = np.asarray(rng.standard_normal(x_ref.shape), dtype=x_ref.dtype)
            reference.update(x_test_ref, x_new)
            kernel.update(x_test, kernel.backend.to_device(x_new))
            check(step, "x_test", x_test, x_test_ref)

    return _compare("running_average", kernel.backend, dtype, steps, (size,), seed, run)


def _compare(name, backend, dtype, steps, shape, seed, run):
    dtype = np.dtype(dtype)
    if dtype not in DTYPES:
        raise TypeError(f"dtype {dtype} is not verifiable; choose one of {list(DTYPES)}")
    seed = secrets.randbits(63) if seed is None else seed
    rng = np.random.default_rng(seed)
    x_ref = np.asarray(rng.standard_normal(shape), dtype=dtype)
    x = backend.to_device(x_ref.copy())
    eps = float(np.finfo(dtype).eps)
    worst = {"relative": 0.0, "where": ""}

    def check(step, label, got, want):
        error = normwise_error(backend.to_host(got), want)
        if error > worst["relative"] or (error == 0 and not worst["where"]):
            worst.update(relative=error, where=f"{label} at step {step}")

    run(rng, x_ref, x, check)
    tolerance = ROUNDINGS_PER_STEP / 2 * steps
    worst_ulps = worst["relative"] / eps
    return Verdict(
        rule=name,
        backend=backend.name,
        dtype=dtype.name,
        steps=steps,
        size=int(np.prod(shape)),
        seed=seed,
        worst_ulps=worst_ulps,
        worst_relative=worst["relative"],
        tolerance_ulps=tolerance,
        passed=worst_ulps <= tolerance,
        where=worst["where"],
    )


def verify_all(rules=None, backends=("cpu", "cuda"), dtypes=DTYPES, steps=100, size=None, seed=None, average=True):
    """The matrix rule x backend x dtype; rows for unavailable backends say why they were skipped."""
    from optbench.backends import unavailable
    from optbench.registry import rule_names

    rules = rule_names() if rules is None else list(rules)
    rows, skipped = [], []
    for backend in backends:
        reason = unavailable(backend)
        if reason:
            skipped.append({"backend": backend, "reason": reason})
            continue
        n = size or getattr(get_backend(backend), "VERIFY_SIZE", 1000)
        for dtype in dtypes:
            for rule in rules:
                rows.append(verify(rule, backend, dtype, steps=steps, size=n, seed=seed))
            if average:
                rows.append(verify_average(backend, dtype, steps=steps, size=n, seed=seed))
    return rows, skipped
