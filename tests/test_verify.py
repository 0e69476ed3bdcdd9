"""Every rule x dtype on the CPU against the reference; every mutant rejected."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mutants
import optbench
from optbench.verify import ROUNDINGS_PER_STEP, normwise_error, verify, verify_average
from strategies import hyperparameters, shapes

STEPS = 100
DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule", optbench.rule_names())
@given(data=st.data(), shape=shapes, seed=st.integers(0, 2**32))
def test_kernel_matches_reference(rule, dtype, data, shape, seed):
    settings = data.draw(hyperparameters(rule))
    verdict = verify(rule, "cpu", dtype, steps=STEPS, shape=shape, seed=seed, **settings)
    assert verdict.passed, verdict


@pytest.mark.parametrize("dtype", DTYPES)
@given(decay=st.floats(0, 0.999), size=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_running_average_matches_reference(dtype, decay, size, seed):
    verdict = verify_average("cpu", dtype, steps=STEPS, size=size, seed=seed, decay=decay)
    assert verdict.passed, verdict


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(mutants.MUTANTS))
def test_every_mutant_is_rejected(name, dtype):
    for seed in range(3):
        verdict = verify(mutants.MUTANTS[name], "cpu", dtype, steps=STEPS, size=200, seed=seed)
        assert not verdict.passed, f"{name} passed verification: {verdict}"


def test_a_wrong_running_average_is_rejected(monkeypatch):
    import optbench.averaging as averaging

    def swapped(x_test, x, decay, one_minus_decay):
        return one_minus_decay * x_test + decay * x

    monkeypatch.setattr(averaging, "ELEMENTWISE", averaging.Elementwise(swapped, 2, (0,)))
    assert not verify_average("cpu", "float32", steps=10, size=100, seed=0).passed


def test_tolerance_grows_with_the_steps_as_derived():
    verdict = verify("adam", "cpu", "float32", steps=7, size=10, seed=0)
    assert verdict.tolerance_ulps == ROUNDINGS_PER_STEP / 2 * 7


def test_normwise_error():
    b = np.array([1.0, -4.0, 2.0])
    assert normwise_error(b, b) == 0
    assert normwise_error(b + [0, 0, 1], b) == 0.25
    assert normwise_error(np.array([np.nan, 0, 0]), b) == np.inf
    assert normwise_error(np.array([]), np.array([])) == 0


def test_unverifiable_dtype_is_refused():
    with pytest.raises(TypeError, match="float16"):
        verify("sgd", "cpu", "float16")
