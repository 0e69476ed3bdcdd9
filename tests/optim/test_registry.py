"""The rule registry: built-in rules, their references, and third-party rules by entry point."""

import dataclasses
import sys

import numpy as np
import plugin
import pytest

import optbench
from optbench.optim import registry
from optbench.conformance.verify import verify

LECTURE = ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam")


def test_every_rule_of_the_lecture_is_found_by_listing_the_rules_package():
    assert set(LECTURE) <= set(optbench.rule_names())


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_the_reference_fills_in_the_same_defaults_as_the_rule(rule):
    """Called with an empty config, a CS231n-style reference sets its own defaults: they
    must be the rule's, or the kernel and the reference would run different rules."""
    declared = registry.get_rule(rule)
    _, config = registry.reference(declared)(np.zeros(3), np.ones(3), {})
    assert {name: config[name] for name in declared.defaults} == declared.defaults
    assert config["t"] == 1


def test_a_rule_without_reference_fails_by_name():
    orphan = dataclasses.replace(registry.get_rule("sgd"), name="orphan")
    with pytest.raises(LookupError, match="orphan.*reference/rules/orphan.py"):
        registry.reference(orphan)


def test_unknown_rule_names_the_choices():
    with pytest.raises(ValueError, match="choose one of.*adam"):
        registry.get_rule("lbfgs")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin.install(tmp_path)))
    registry._rules.cache_clear()
    yield
    monkeypatch.undo()
    registry._rules.cache_clear()


def test_an_entry_point_rule_is_registered_and_verified(installed):
    assert plugin.NAME in optbench.rule_names()
    for dtype in ("float32", "float64"):
        verdict = verify(plugin.NAME, "cpu", dtype, steps=100, size=50, seed=0, weight_decay=0.01)
        assert verdict.worst_ulps == 0, verdict


def test_an_entry_point_that_is_not_a_rule_is_refused(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "weight_decay_plugin", raising=False)
    plugin.install(tmp_path)
    (tmp_path / "weight_decay_plugin.py").write_text("rule = 'not a rule'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._rules.cache_clear()
    try:
        with pytest.raises(TypeError, match="is not an optbench Rule"):
            optbench.rule_names()
    finally:
        monkeypatch.undo()
        registry._rules.cache_clear()
