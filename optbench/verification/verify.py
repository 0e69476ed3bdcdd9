"""Verification: an implementation's updates beside the NumPy reference, step by step.

Both run the same updates from the same start on fresh random inputs: x0 ~ N(0, 1) and,
at every step, a new gradient dx_i ~ N(0, 1) * scale_i, where each element keeps its own
scale_i ~ 10**U(-4, 1) throughout, so magnitudes span five decades as across the
parameters of a real network (small, persistent gradients are where epsilon matters).
After every step x and every state array are compared; the error measure and the
derived tolerance are in `errors.py`.
"""

import dataclasses
import secrets

import numpy as np

from optbench import config
from optbench.kernels import get_backend, unavailable
from optbench.optim import get_rule, optimizer, parameter_average, rule_names
from optbench.optim.averaging import DECAY
from optbench.verification.errors import in_ulps, normwise_error, tolerance_ulps

GRADIENT_DECADES = (-4, 1)  # gradient scales 10**U(-4, 1): five decades


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
    """Per-element gradient magnitudes 10**U(*GRADIENT_DECADES)."""
    return 10.0 ** rng.uniform(*GRADIENT_DECADES, shape)


def random_gradient(rng, scales, dtype):
    """dx ~ N(0, 1) * scales, fresh at every call."""
    return np.asarray(rng.standard_normal(scales.shape) * scales, dtype=dtype)


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


def verify_average(backend="cpu", dtype="float32", steps=100, size=1000, seed=None, decay=DECAY.default):
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
    if dtype.name not in config.DTYPES:
        raise TypeError(f"dtype {dtype} is not verifiable; choose one of {list(config.DTYPES)}")
    seed = secrets.randbits(63) if seed is None else seed
    rng = np.random.default_rng(seed)
    x_ref = np.asarray(rng.standard_normal(shape), dtype=dtype)
    x = backend.to_device(x_ref.copy())
    worst = {"relative": 0.0, "where": ""}

    def check(step, label, got, want):
        error = normwise_error(backend.to_host(got), want)
        if error > worst["relative"] or (error == 0 and not worst["where"]):
            worst.update(relative=error, where=f"{label} at step {step}")

    run(rng, x_ref, x, check)
    tolerance = tolerance_ulps(steps)
    worst_ulps = in_ulps(worst["relative"], dtype)
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


def verify_all(rules=None, backends=("cpu", "cuda"), dtypes=config.DTYPES, steps=100, size=None, seed=None,
               average=True):
    """The matrix rule x backend x dtype; rows for unavailable backends say why they were skipped."""
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
