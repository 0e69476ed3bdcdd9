"""The running parameter average: x_test = decay * x_test + (1 - decay) * x."""

import numpy as np
import pytest

import optbench


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_lecture_average(backend):
    average = optbench.parameter_average(backend=backend)
    x = np.zeros(3)
    x_test = average.init(x)
    assert not np.shares_memory(x_test, x)
    average.update(x_test, np.ones(3))
    np.testing.assert_allclose(x_test, 0.005)


def test_average_of_a_constant_converges_to_it():
    average = optbench.parameter_average(backend="cpu", decay=0.9)
    x_test = average.init(np.zeros(5, np.float32))
    target = np.full(5, 2.0, np.float32)
    for _ in range(300):
        average.update(x_test, target)
    np.testing.assert_allclose(x_test, target, rtol=1e-5)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_mismatch_is_refused_and_modifies_nothing(backend):
    average = optbench.parameter_average(backend=backend)
    x_test = np.ones(4, np.float32)
    with pytest.raises(ValueError, match="must match"):
        average.update(x_test, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="must match"):
        average.update(x_test, np.zeros(4, np.float64))
    np.testing.assert_array_equal(x_test, 1)
