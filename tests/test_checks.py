"""The argument checks every package uses: what they accept, and the words they refuse with."""

import math

import numpy as np
import pytest

from optbench import checks


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
def test_whole_numbers_of_any_integer_type_become_int(value):
    assert checks.whole_number("steps", value, low=1) == 3
    assert type(checks.whole_number("steps", value, low=1)) is int


@pytest.mark.parametrize(
    "value, error, words",
    [
        (True, TypeError, "steps must be a whole number, got bool True"),
        (2.0, TypeError, "steps must be a whole number, got float 2.0"),
        ("2", TypeError, "steps must be a whole number"),
        (0, ValueError, "steps must be in [1, 10], got 0"),
        (11, ValueError, "steps must be in [1, 10], got 11"),
    ],
)
def test_whole_number_refusals(value, error, words):
    with pytest.raises(error) as raised:
        checks.whole_number("steps", value, 1, 10)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "value, interval, words",
    [
        (1.0, dict(low=0.0, high=1.0, include_high=False), "momentum must be in [0, 1), got 1.0"),
        (0.0, dict(low=0.0, include_low=False), "momentum must be a finite number > 0, got 0.0"),
        (math.inf, dict(low=0.0), "momentum must be a finite number >= 0, got inf"),
        (-math.inf, dict(), "momentum must be a finite number, got -inf"),
        (math.nan, dict(), "momentum must not be NaN"),
        (-1e-300, dict(low=0.0), "momentum must be a finite number >= 0"),
    ],
)
def test_real_refusals(value, interval, words):
    with pytest.raises(ValueError) as raised:
        checks.real("momentum", value, **interval)
    assert words in str(raised.value)


def test_real_accepts_the_included_ends_and_gives_a_float():
    assert checks.real("x", 0, low=0.0, high=1.0) == 0.0
    assert type(checks.real("x", np.float32(0.5), 0.0, 1.0)) is float
    with pytest.raises(TypeError, match="x must be a real number, got bool"):
        checks.real("x", False)


def test_flag_takes_only_booleans():
    assert checks.flag("bias_correction", False) is False
    with pytest.raises(TypeError, match="True or False"):
        checks.flag("bias_correction", 1)
