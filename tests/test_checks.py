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


EPS = np.finfo(np.float64).eps


def test_symmetry_error_and_tolerance():
    assert checks.symmetry_error(np.zeros((3, 3))) == 0.0
    assert checks.symmetry_error(np.array([[2.0, 1.0], [0.5, 1.0]])) == 0.25
    assert checks.symmetry_error(np.array([[np.inf, 0.0], [0.0, 1.0]])) == np.inf
    assert checks.SYMMETRY_ULPS == 4 and checks.symmetry_tolerance(100) == 400 * EPS
    with pytest.raises(ValueError, match="n must be >= 1"):
        checks.symmetry_tolerance(0)


# hessian: the validation of a Hessian for a solver


def test_checked_hessian_returns_the_matrix():
    x = np.linspace(0.0, 1.0, 4)
    H = np.diag(-np.sin(x)) + np.eye(4, k=1) + np.eye(4, k=-1)
    assert checks.hessian("newton", H, 4) is H
    converted = checks.hessian("newton", np.eye(3, dtype=int), 3)
    assert converted.dtype == np.float64 and np.array_equal(converted, np.eye(3))
    rounded = H.copy()
    rounded[0, 1] += 2 * EPS  # rounding-level asymmetry is accepted
    assert checks.hessian("newton", rounded, 4) is rounded
    with pytest.raises(ValueError, match="symmetric"):
        checks.hessian("newton", rounded, 4, symmetry=0.0)


@pytest.mark.parametrize(
    "H, error, match",
    [
        (np.zeros((3, 2)), ValueError, r"newton: the Hessian must have shape \(3, 3\), got \(3, 2\)"),
        (np.zeros(9), ValueError, r"must have shape \(3, 3\), got \(9,\)"),
        (np.eye(3, dtype=complex), TypeError, "newton: the Hessian must be a real array of shape"),
        (np.eye(3, dtype=bool), TypeError, "real array"),
        ([["a"] * 3] * 3, TypeError, "real array"),
        (np.diag([1.0, np.nan, np.inf]), ValueError,
         r"newton: the Hessian must be finite, got 2 non-finite entries, the first at \[1, 1\]: nan"),
        (np.triu(np.ones((3, 3))), ValueError,
         r"newton: the Hessian must be symmetric, got max \|H - H\^T\| / max \|H\| = 1.00e\+00 > 2.66e-15, "
         r"the largest at H\[0, 1\] = 1.0 against H\[1, 0\] = 0.0"),
    ],
)
def test_checked_hessian_refuses_bad_matrices(H, error, match):
    before = np.array(H, copy=True)
    with pytest.raises(error, match=match):
        checks.hessian("newton", H, 3)
    np.testing.assert_array_equal(np.asarray(H), before)  # nothing half-done: H as it was
