"""The catalogue of named variants: each one is caught, on every dtype, at the margin
verification reports."""

import pytest

from optbench import config
from optbench.verification.variants import every_variant, names, variant
from optbench.verification.verify import verify


@pytest.mark.parametrize("dtype", config.DTYPES)
@pytest.mark.parametrize("rule, name", every_variant(), ids=lambda v: str(v))
def test_every_variant_is_rejected(rule, name, dtype):
    for seed in range(3):
        verdict = verify(variant(rule, name), "cpu", dtype, steps=100, size=200, seed=seed)
        assert not verdict.passed, f"{rule}/{name} passed verification: {verdict}"


def test_a_variant_is_checked_against_the_rule_it_imitates():
    assert variant("adam", "epsilon_inside_sqrt").name == "adam"
    assert "plain_momentum" in names("nesterov") and names("sgd") == []


def test_an_unknown_variant_names_the_known_ones():
    with pytest.raises(ValueError, match="epsilon_inside_sqrt"):
        variant("adam", "epsilon_hat")
