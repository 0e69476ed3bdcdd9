"""Verification of the kernels against the reference: the CPU's exact claim, the
tolerance's room for honest rounding differences, and every input the matrix takes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import hyperparameters, shapes, values

import optbench
from optbench import config
from optbench.optim import get_rule
from optbench.optim.averaging import DECAY
from optbench.conformance.verify import verify, verify_all, verify_average

STEPS = 100


@pytest.mark.parametrize("dtype", config.DTYPES)
@pytest.mark.parametrize("rule", optbench.rule_names())
@given(data=st.data(), shape=shapes, seed=st.integers(0, 2**32))
def test_cpu_kernel_is_the_reference_bit_for_bit(rule, dtype, data, shape, seed):
    """Same expressions, same order, fastmath off: not one rounding may differ, in x or
    in any state array, at any step, for any declared hyperparameters or schedule."""
    settings = data.draw(hyperparameters(rule))
    verdict = verify(rule, "cpu", dtype, steps=STEPS, shape=shape, seed=seed, **settings)
    assert verdict.worst_ulps == 0, verdict


@pytest.mark.parametrize("dtype", config.DTYPES)
@given(decay=values(DECAY), size=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_cpu_running_average_is_the_reference_bit_for_bit(dtype, decay, size, seed):
    verdict = verify_average("cpu", dtype, steps=STEPS, size=size, seed=seed, decay=decay)
    assert verdict.worst_ulps == 0, verdict


def _adam_reassociated(x, dx, m, v, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
                       correction1, correction2):
    """Adam as a library may write it: the same math, the learning rate divided by the
    bias correction first (torch's step_size), so each update rounds differently."""
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += -(learning_rate / correction1) * m / (math.sqrt(v / correction2) + epsilon)
    return x, m, v


@pytest.mark.parametrize("dtype", config.DTYPES)
def test_the_tolerance_leaves_room_for_an_honest_reordering(dtype):
    """The tolerance exists for implementations that round differently: one that does
    must differ from the reference (else the check proves nothing) and still pass."""
    import dataclasses

    adam = get_rule("adam")
    reassociated = dataclasses.replace(adam, fast_step=_adam_reassociated, fast_scalars=adam.scalars)
    verdicts = [verify(reassociated, "cpu", dtype, steps=STEPS, size=500, seed=seed, form="fast") for seed in range(3)]
    assert all(v.passed for v in verdicts), verdicts
    assert max(v.worst_ulps for v in verdicts) > 0, "the reordering rounded exactly like the reference"
    assert all(v.worst_ulps < v.tolerance_ulps / 4 for v in verdicts), verdicts


def test_the_reference_backend_verifies_as_an_implementation():
    verdict = verify("rmsprop", "reference", "float32", steps=10, size=50, seed=0)
    assert verdict.backend == "reference" and verdict.worst_ulps == 0 and verdict.passed


def test_verdict_says_where_the_worst_error_is():
    import dataclasses

    from wrong_kernels import wrong_kernel

    verdict = verify(wrong_kernel("rmsprop", "decay_rate_swapped"), "cpu", "float64", steps=5, size=20, seed=1)
    assert not verdict.passed and verdict.verdict == "FAIL"
    assert verdict.where in {f"{label} at step {k}" for label in ("x", "cache") for k in range(1, 6)}
    assert dataclasses.asdict(verdict)["rule"] == "rmsprop"


def test_a_fixed_seed_reproduces_the_inputs():
    a = verify("adam", "cpu", "float32", steps=3, size=40, seed=7)
    b = verify("adam", "cpu", "float32", steps=3, size=40, seed=7)
    assert (a.seed, a.size, a.worst_ulps) == (b.seed, b.size, b.worst_ulps) == (7, 40, 0)


def test_unverifiable_dtype_is_refused():
    with pytest.raises(TypeError, match="float16"):
        verify("sgd", "cpu", "float16")


def test_matrix_skips_a_backend_that_cannot_run_and_says_why(monkeypatch):
    import optbench.conformance.verify as module

    monkeypatch.setattr(module, "unavailable", lambda backend: "no such device" if backend == "cuda" else None)
    rows, skipped = verify_all(rules=["sgd"], backends=("cpu", "cuda"), dtypes=("float64",), steps=2, size=8)
    assert [(r.rule, r.backend, r.form) for r in rows] == [
        ("sgd", "cpu", "fast"), ("sgd", "cpu", "exact"), ("running_average", "cpu", "exact")]
    assert skipped == [{"backend": "cuda", "reason": "no such device"}]


def test_a_wrong_running_average_is_rejected(monkeypatch):
    import optbench.optim.averaging as averaging

    def swapped(x_test, x, decay, one_minus_decay):
        return one_minus_decay * x_test + decay * x

    monkeypatch.setattr(averaging, "ELEMENTWISE", averaging.Elementwise(swapped, 2, (0,)))
    assert not verify_average("cpu", "float32", steps=10, size=100, seed=0).passed


@pytest.mark.parametrize("dtype", config.DTYPES)
def test_zero_and_one_element_arrays_verify(dtype):
    for shape in [(0,), (1,), ()]:
        verdict = verify("adam", "cpu", dtype, steps=5, shape=shape, seed=0)
        assert verdict.passed and verdict.size == int(np.prod(shape))
