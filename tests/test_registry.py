"""The rule registry: built-in rules, references, and third-party rules by entry point."""

import ast
import pathlib
import textwrap

import pytest

import optbench
from optbench import registry
from optbench.verify import verify

REFERENCE = pathlib.Path(__file__).parents[1] / "reference"


def test_the_lecture_rules_are_registered():
    assert optbench.rule_names() == ["adagrad", "adam", "nesterov", "rmsprop", "sgd", "sgd_momentum"]


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_every_rule_has_a_reference(rule):
    assert callable(registry.reference(registry.get_rule(rule)))


def test_a_rule_without_reference_fails_by_name():
    import dataclasses

    orphan = dataclasses.replace(registry.get_rule("sgd"), name="orphan")
    with pytest.raises(LookupError, match="orphan"):
        registry.reference(orphan)


@pytest.mark.parametrize("path", sorted(REFERENCE.glob("*.py")), ids=lambda p: p.name)
def test_references_import_numpy_only(path):
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or ".").split(".")[0])
    assert imported <= {"numpy"}, f"{path.name} imports {sorted(imported - {'numpy'})}"


def test_rule_defaults_follow_the_lecture_code():
    defaults = {name: registry.get_rule(name).defaults for name in optbench.rule_names()}
    assert defaults["sgd_momentum"]["momentum"] == defaults["nesterov"]["momentum"] == 0.9
    assert defaults["rmsprop"]["decay_rate"] == 0.99
    assert defaults["adam"] | {} == {
        "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "bias_correction": True,
    }
    assert {d.get("epsilon") for d in defaults.values()} - {None} == {1e-7}


PLUGIN = '''
from optbench.rule import Rule


def step(x, dx, learning_rate, weight_decay):
    x += -learning_rate * (dx + weight_decay * x)
    return x


def scalars(learning_rate, t, weight_decay):
    return (learning_rate, weight_decay)


def sgd_weight_decay(w, dw, config):
    config["t"] += 1
    return w + -config["learning_rate"] * (dw + config["weight_decay"] * w), config


rule = Rule("sgd_weight_decay", step, scalars, state=(),
            defaults={"learning_rate": 1e-2, "weight_decay": 1e-4}, reference=sgd_weight_decay)
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """An installed distribution whose entry point registers the rule sgd_weight_decay."""
    (tmp_path / "weight_decay_plugin.py").write_text(textwrap.dedent(PLUGIN))
    info = tmp_path / "weight_decay_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weight-decay-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[optbench.rules]\nsgd_weight_decay = weight_decay_plugin:rule\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._rules.cache_clear()
    yield
    monkeypatch.undo()
    registry._rules.cache_clear()


def test_an_entry_point_rule_is_registered_and_verified(plugin):
    assert "sgd_weight_decay" in optbench.rule_names()
    for dtype in ("float32", "float64"):
        assert verify("sgd_weight_decay", "cpu", dtype, steps=100, size=50, weight_decay=0.01).passed


def test_unknown_rule_names_the_choices():
    with pytest.raises(ValueError, match="choose one of.*adam"):
        registry.get_rule("lbfgs")
