"""The README says what the code does: the quick start is what CI runs, and the rule
table states each rule's real defaults and state."""

import ast
import pathlib
import re

import pytest

from optbench.optim import get_rule

ROOT = pathlib.Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def quick_start():
    block = re.search(r"## Quick start\s+```\w*\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_two_commands():
    assert len(quick_start()) == 2


def test_ci_runs_the_readme_test_command_on_the_simulator():
    ci = (ROOT / ".ci" / "run").read_text()
    assert quick_start()[1] in ci.splitlines()
    assert "NUMBA_ENABLE_CUDASIM=1" in ci


def rule_table():
    """{rule: ({hyperparameter: default text}, [state])} from the README's table."""
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|(.*?)\|$", README, re.M)
    table = {}
    for name, hyperparameters, state in rows:
        defaults = {k: ast.literal_eval(v) for k, v in re.findall(r"`(\w+)` \(([^)]+)\)", hyperparameters)}
        table[name] = (defaults, re.findall(r"`(\w+)`", state))
    return table


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_the_rule_table_states_the_defaults_and_state(rule):
    defaults, state = rule_table()[rule]
    declared = get_rule(rule)
    assert declared.defaults == defaults
    assert list(declared.state) == state
