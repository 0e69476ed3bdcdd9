"""The catalogue of variants: every variant is documented, its form agrees with the
reference bit for bit when nothing is switched on, and each variant changes what it says."""

import numpy as np
import pytest

from optbench.conformance import check
from optbench.verification import variants


@pytest.mark.parametrize("rule", sorted(variants.FORMS))
def test_a_form_with_nothing_switched_on_is_the_reference_bit_for_bit(rule):
    rows = check(variants.implementation(rule), rule, scenarios=["constant", "step_decay", "first_step"],
                 diagnose=False)
    assert all(r.verdict == "conforms" and r.max_error_ulps == 0 for r in rows), rows


def test_every_variant_says_what_it_computes_and_where_it_is_found():
    for variant in variants.CATALOGUE.values():
        assert variant.formula and variant.found_in, variant.name
        assert variant.rules is None or set(variant.rules) <= set(variants.FORMS), variant.name


def test_the_catalogue_holds_the_known_departures():
    assert {"epsilon_inside_sqrt", "epsilon_hat", "accumulator_start", "learning_rate_outside_velocity",
            "velocity_starts_at_gradient", "no_bias_correction", "nesterov_as_momentum",
            "decay_rate_swapped"} <= set(variants.CATALOGUE)
    assert "epsilon_inside_sqrt" in variants.names("adam") and "nesterov_as_momentum" not in variants.names("adam")


def test_the_first_steps_of_three_variants_by_hand():
    x0, dx = np.zeros(1), np.array([2.0])
    step = variants.implementation("adagrad", {"epsilon_inside_sqrt": None, "accumulator_start": 5.0})(x0, epsilon=1.0)
    np.testing.assert_allclose(step(dx, 1.0), [-2.0 / np.sqrt(5 + 4 + 1)])
    step = variants.implementation("sgd_momentum", {"velocity_starts_at_gradient": None})(x0, momentum=0.5)
    np.testing.assert_allclose(step(dx, 1.0), [-3.0])  # v0 = -2, then 0.5 v0 - 2
    step = variants.implementation("adam", {"epsilon_hat": None})(x0, epsilon=0.1)
    np.testing.assert_allclose(step(dx, 1.0), [-2.0 / (2.0 + 0.1 / np.sqrt(1 - 0.999))])


def test_an_unknown_variant_names_the_catalogue():
    with pytest.raises(ValueError, match="epsilon_hat"):
        variants.get("epsilon_outside")
