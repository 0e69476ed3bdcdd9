"""The two forms of every rule: the exact form is the reference bit for bit, the fast form
conforms to it on every scenario of the harness, differs from it where it is an
expression of its own (else the check proves nothing), and still shows every named
departure written in it."""

import dataclasses

import numpy as np
import pytest
from wrong_kernels import WRONG_FAST, wrong_fast_kernel

import optbench
from optbench import config
from optbench.conformance import check
from optbench.conformance.adapters.optbench_adapter import factory
from optbench.conformance.verify import verify
from optbench.optim import get_rule
from optbench.optim.form import FORMS

SETTINGS = {"adam": [{}, {"bias_correction": False}, {"beta1": 0.0, "beta2": 0.5}]}


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_the_fast_form_conforms_on_every_scenario(rule):
    for settings in SETTINGS.get(rule, [{}]):
        rows = check(factory(rule, "cpu", "fast"), rule, **settings)
        assert rows and all(r.verdict == "conforms" for r in rows), \
            [(r.scenario, r.dtype, r.verdict, r.reason) for r in rows if r.verdict != "conforms"]


@pytest.mark.parametrize("dtype", config.DTYPES)
@pytest.mark.parametrize("rule", [name for name in optbench.rule_names() if get_rule(name).has_fast_form])
def test_a_fast_form_of_its_own_rounds_differently_within_the_tolerance(rule, dtype):
    verdicts = [verify(rule, "cpu", dtype, steps=100, size=500, seed=seed, form="fast") for seed in range(3)]
    assert all(v.passed for v in verdicts), verdicts
    assert max(v.worst_ulps for v in verdicts) > 0, "the fast form rounded exactly like the reference"


@pytest.mark.parametrize("dtype", config.DTYPES)
@pytest.mark.parametrize("rule", optbench.rule_names())
def test_the_exact_form_is_held_to_zero_ulps(rule, dtype):
    verdict = verify(rule, "cpu", dtype, steps=50, size=300, seed=4, form="exact")
    assert verdict.passed and verdict.worst_ulps == 0 and verdict.tolerance_ulps == 0, verdict


@pytest.mark.parametrize("rule, name", sorted(WRONG_FAST), ids=str)
def test_a_departure_written_in_the_fast_form_is_caught_and_named(rule, name):
    wrong = wrong_fast_kernel(rule, name)
    assert not verify(wrong, "cpu", "float64", steps=50, size=300, seed=1, form="fast").passed
    assert verify(wrong, "cpu", "float64", steps=50, size=300, seed=1, form="exact").worst_ulps == 0
    rows = check(factory(wrong, "cpu", "fast"), rule, scenarios=["constant", "first_step"])
    departing = [r for r in rows if r.verdict == "departs"]
    assert departing, f"{rule}/{name} in the fast form was not caught"
    assert all(any(v.startswith(name) for v in r.variants) for r in departing), \
        [(r.scenario, r.dtype, r.variants) for r in departing]


def test_exact_held_to_zero_ulps_fails_a_kernel_one_rounding_off():
    """A kernel that conforms within the tolerance is still no exact form."""
    reordered = dataclasses.replace(get_rule("adam"), step=get_rule("adam").step, scalars=_scalars_reordered)
    verdict = verify(reordered, "cpu", "float64", steps=20, size=300, seed=2, form="exact")
    assert not verdict.passed and 0 < verdict.worst_ulps < 1e3, verdict


def _scalars_reordered(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    # the first correction one ulp off: tiny, honest-looking, not bit for bit
    correction1 = np.nextafter(1 - beta1**t, 2.0) if bias_correction else 1.0
    correction2 = 1 - beta2**t if bias_correction else 1.0
    return (learning_rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, correction1, correction2)


def test_forms_are_named_and_checked():
    adam = get_rule("adam")
    assert FORMS == ("fast", "exact")
    assert adam.form("fast").step is adam.fast_step and adam.form("exact").step is adam.step
    assert get_rule("sgd").form("fast").step is get_rule("sgd").step  # one expression for both
    with pytest.raises(ValueError, match="form must be one of"):
        adam.form("fastest")
    with pytest.raises(ValueError, match="fast_step and fast_scalars together"):
        dataclasses.replace(adam, fast_scalars=None)
