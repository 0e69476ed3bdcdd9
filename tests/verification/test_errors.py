"""The error measure and the derived tolerance."""

import ast
import inspect
import textwrap

import numpy as np
import pytest

from optbench.optim import get_rule, rule_names
from optbench.verification.errors import ROUNDINGS_PER_STEP, in_ulps, normwise_error


def test_normwise_error_is_relative_to_the_largest_reference_value():
    want = np.array([1.0, -4.0, 2.0])
    assert normwise_error(want, want) == 0
    assert normwise_error(want + [0, 0, 1], want) == 0.25
    assert normwise_error(np.array([np.nan, 0, 0]), want) == np.inf
    assert normwise_error(np.array([]), np.array([])) == 0
    assert normwise_error(np.array([1e-30]), np.array([0.0])) == np.inf  # nothing is small next to 0


def test_one_rounding_of_the_largest_value_is_half_an_ulp():
    want = np.array([3.0, 0.5], np.float32)
    got = want.copy()
    got[0] = np.nextafter(want[0], np.float32(4))  # one float32 ulp of 3 is 2 eps
    assert in_ulps(normwise_error(got, want), np.float32) == pytest.approx(2 / 3)


def roundings(step):
    """Correctly rounded operations per element in a step's source: every +, -, *, / and
    augmented assignment between two values, and every square root (negation is exact)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(step)))
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)):
            count += 1
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "sqrt":
            count += 1
    return count


@pytest.mark.parametrize("rule", rule_names())
def test_the_tolerance_covers_every_rounding_of_every_rule(rule):
    """The derivation assumes no rule rounds more than ROUNDINGS_PER_STEP times per
    element and step; a rule that does needs a larger bound."""
    assert roundings(get_rule(rule).step) <= ROUNDINGS_PER_STEP


def test_rounding_count_of_adam():
    # m: 3, v: 4, mb and vb: 1 each, x: (-lr) * mb, /, sqrt, + eps, += : 5
    assert roundings(get_rule("adam").step) == 14

