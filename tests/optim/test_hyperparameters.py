"""Hyperparameter declarations: a rule's own statement of what each setting accepts."""

import math

import pytest

import optbench
from optbench.optim import Hyperparameter, Rule, get_rule
from optbench.optim.hyperparameters import decay_factor, flag, smoothing_term, step_size


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_every_default_is_valid_and_inside_its_sample_range(rule):
    for name, declaration in get_rule(rule).hyperparameters.items():
        assert declaration.check(name, declaration.default) == declaration.default
        if not declaration.is_flag:
            low, high = declaration.sample
            assert low <= declaration.default <= high, (rule, name)


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_the_optimizer_refuses_what_the_declaration_refuses(rule):
    """Each declared end that is excluded, and a value past each finite end, is refused by name."""
    for name, declaration in get_rule(rule).hyperparameters.items():
        if declaration.is_flag or name == "learning_rate":
            continue
        refused = [declaration.low - 1.0 if math.isfinite(declaration.low) else None,
                   declaration.high + 1.0 if math.isfinite(declaration.high) else None,
                   None if declaration.include_low else declaration.low,
                   None if declaration.include_high else declaration.high]
        for value in filter(lambda v: v is not None, refused):
            with pytest.raises(ValueError, match=name):
                optbench.optimizer(rule, **{name: value})


def test_kinds_of_the_lecture():
    assert decay_factor(0.9).describe() == "in [0, 1)"
    assert smoothing_term(1e-7).describe() == "a finite number > 0"
    assert step_size(1e-2).describe() == "a finite number >= 0"
    assert flag(True).describe() == "True or False"


def test_a_declaration_with_an_invalid_default_or_sample_is_refused():
    with pytest.raises(ValueError, match="the default"):
        Hyperparameter(1.5, low=0.0, high=1.0)
    with pytest.raises(ValueError, match="sample range"):
        Hyperparameter(0.5, low=0.0, high=1.0, include_high=False)  # samples up to the excluded 1
    with pytest.raises(ValueError, match="positive if log"):
        Hyperparameter(0.5, low=0.0, sample=(0.0, 1.0), log=True)


def test_a_rule_must_declare_its_hyperparameters():
    step, scalars = get_rule("sgd").step, get_rule("sgd").scalars
    with pytest.raises(TypeError, match="Hyperparameter"):
        Rule("bare", step, scalars, state=(), hyperparameters={"learning_rate": 1e-2})
    with pytest.raises(ValueError, match="learning_rate"):
        Rule("no_rate", step, scalars, state=(), hyperparameters={})
