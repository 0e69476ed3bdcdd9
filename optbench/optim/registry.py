"""The registry of update rules.

Built-in rules are the modules of `optbench.optim.rules`, each defining `rule = Rule(...)`.
Third-party rules register through the entry-point group `optbench.rules`, each entry
pointing at a `Rule`. Every registered rule is in the tests, `optbench verify`, the
benchmarks and the report with no other edit.
"""

import functools
import importlib
import pkgutil
from importlib.metadata import entry_points

from optbench.optim import rules as _builtin
from optbench.optim.rule import Rule

ENTRY_POINT_GROUP = "optbench.rules"


@functools.cache
def _rules():
    found = {}
    for info in pkgutil.iter_modules(_builtin.__path__):
        rule = importlib.import_module(f"{_builtin.__name__}.{info.name}").rule
        found[rule.name] = rule
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        rule = entry.load()
        if not isinstance(rule, Rule):
            raise TypeError(f"entry point {entry.name!r} in {ENTRY_POINT_GROUP!r} is not an optbench Rule")
        if rule.name in found:
            raise ValueError(f"entry point {entry.name!r} registers {rule.name!r}, which is already a rule")
        found[rule.name] = rule
    return found


def rule_names():
    """Every registered rule, sorted."""
    return sorted(_rules())


def get_rule(name):
    if isinstance(name, Rule):
        return name
    try:
        return _rules()[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown rule {name!r}; choose one of {rule_names()}") from None


def reference(rule):
    """The rule's NumPy reference function; a `LookupError` naming the rule if it has none."""
    if rule.reference is not None:
        return rule.reference
    try:
        module = importlib.import_module(f"optbench.reference.rules.{rule.name}")
        return getattr(module, rule.name)
    except (ImportError, AttributeError):
        raise LookupError(
            f"rule {rule.name!r} has no reference: add reference/rules/{rule.name}.py defining "
            f"{rule.name}(w, dw, config), or pass Rule(..., reference=function)"
        ) from None
