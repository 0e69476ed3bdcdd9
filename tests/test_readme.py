"""The README's quick start and CI run the same test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).parents[1]


def quick_start():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start\s+```\w*\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_two_commands():
    assert len(quick_start()) == 2


def test_ci_runs_the_readme_test_command_on_the_simulator():
    ci = (ROOT / ".ci" / "run").read_text()
    assert quick_start()[1] in ci.splitlines()
    assert "NUMBA_ENABLE_CUDASIM=1" in ci
