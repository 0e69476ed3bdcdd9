"""The harness: correct implementations written differently conform, every catalogued
variant wrapped as an implementation is caught and named, broken ones get error rows."""

import pytest

import handwritten as impl
from optbench.conformance import check
from optbench.conformance.harness import Harness
from optbench.conformance.protocol import Implementation
from optbench.optim import get_rule
from optbench.verification import variants


@pytest.mark.parametrize("make, rule", [
    (impl.adam_reordered, "adam"),
    (impl.sgd_momentum_torch, "sgd_momentum"),
    (impl.rmsprop_jitted, "rmsprop"),
], ids=["another evaluation order", "torch tensors", "a jitted function"])
def test_a_correct_implementation_written_differently_conforms(make, rule):
    rows = check(make, rule)
    assert all(r.verdict == "conforms" for r in rows), [(r.scenario, r.dtype, r.verdict, r.reason) for r in rows]


def test_the_reordering_rounds_differently_well_inside_the_tolerance():
    rows = check(impl.adam_reordered, "adam", scenarios=["constant"])
    assert all(0 < r.max_error_ulps < r.tolerance_ulps / 4 for r in rows), rows


@pytest.mark.parametrize("rule, name", variants.every_variant(), ids=str)
def test_every_variant_as_a_user_implementation_is_caught_and_named(rule, name):
    parameter = 0.1 if variants.get(name).parameter else None
    rows = check(variants.implementation(rule, {name: parameter}), rule)
    for dtype in variants.get(name).dtypes or ("float32", "float64"):
        departing = [r for r in rows if r.dtype == dtype and r.verdict == "departs"]
        assert departing, f"{rule}/{name} was not caught in {dtype}"
        assert all(any(v.startswith(name) for v in r.variants) for r in departing), \
            [(r.scenario, r.variants) for r in departing]


def test_a_departure_says_where_it_starts():
    (row,) = check(variants.implementation("adam", {"no_bias_correction": None}), "adam", dtype="float64",
                   scenarios=["first_step"])
    assert (row.verdict, row.first_step, row.where) == ("departs", 1, "x")
    dx = row.comparison  # the element named is the one with the largest error at that step
    assert row.expected != row.got and 0 <= row.index < row.size and dx.max_error_ulps > dx.tolerance_ulps


def test_learning_rate_outside_the_velocity_departs_only_where_the_rate_changes():
    rows = check(variants.implementation("sgd_momentum", {"learning_rate_outside_velocity": None}), "sgd_momentum",
                 dtype="float32")
    departing = {r.scenario for r in rows if r.verdict == "departs"}
    assert departing == {"step_decay", "exponential_decay", "inverse_time_decay", "rate_change"}


@pytest.mark.parametrize("make, reason", [
    (impl.sgd_raises, "step 1 raised RuntimeError: out of memory"),
    (impl.sgd_wrong_shape, "step 1 returned shape (257,), expected (256,)"),
    (impl.sgd_wrong_dtype, "step 1 returned dtype float16, expected float32"),
    (impl.sgd_nan, "step 1 returned NaN"),
    (impl.sgd_mutates_gradient, "step 1 modified the gradient it was given"),
])
def test_a_broken_implementation_gets_an_error_row_and_the_others_go_on(make, reason):
    harness = Harness()
    rule = get_rule("sgd")
    settings = rule.settings({})
    broken = harness.row(Implementation("broken", "user", "sgd", make), rule, "constant", "float32", settings)
    fine = harness.row(Implementation("fine", "user", "sgd", variants.implementation("sgd")), rule, "constant",
                       "float32", settings)
    assert (broken.verdict, broken.reason) == ("error", reason)
    assert fine.verdict == "conforms"


def test_a_departure_no_variant_explains_is_unknown():
    def doubled(x0):
        x = x0.copy()

        def step(dx, learning_rate):
            x[...] -= 2 * learning_rate * dx
            return x

        return step

    rows = check(doubled, "sgd", dtype="float32", scenarios=["constant"])
    assert rows[0].verdict == "departs" and rows[0].variants == []


def test_unknown_hyperparameters_are_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"\['beta1', 'beta2', 'bias_correction', 'epsilon', 'learning_rate'\]"):
        check(impl.adam_reordered, "adam", beta3=0.5)
    with pytest.raises(ValueError, match="momentum"):
        check(impl.sgd_momentum_torch, "sgd_momentum", momentum=1.5)
    with pytest.raises(ValueError, match="unknown scenario"):
        check(impl.sgd_raises, "sgd", scenarios=["stormy"])
