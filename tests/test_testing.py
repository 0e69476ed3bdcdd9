"""optbench.testing.assert_conforms, as a user's test suite would call it."""

import pytest

from optbench.testing import assert_conforms
from optbench.verification import variants


def test_a_conforming_implementation_passes():
    assert_conforms(variants.implementation("nesterov"), "nesterov", momentum=0.5)


def test_a_departing_one_raises_with_scenario_step_values_and_variant():
    make = variants.implementation("adagrad", {"epsilon_inside_sqrt": None})
    with pytest.raises(AssertionError) as error:
        assert_conforms(make, "adagrad", dtype="float64", scenarios=["near_epsilon"])
    message = str(error.value)
    assert "near_epsilon (float64): departs at step 1, element" in message
    assert "expected" in message and "got" in message and "matches: epsilon_inside_sqrt" in message
