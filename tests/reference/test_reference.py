"""The references are independent of optbench: NumPy only, in every subfolder."""

import ast
import pathlib

import pytest

REFERENCE = pathlib.Path(__file__).parents[2] / "reference"


def imported_packages(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." if node.level else node.module.split(".")[0])
    return imported


def test_the_walk_reaches_the_subfolders():
    assert any(path.parent != REFERENCE for path in REFERENCE.rglob("*.py"))


@pytest.mark.parametrize("path", sorted(REFERENCE.rglob("*.py")), ids=lambda p: str(p.relative_to(REFERENCE)))
def test_references_import_numpy_only(path):
    imported = imported_packages(path)
    assert imported <= {"numpy"}, f"{path.relative_to(REFERENCE)} imports {sorted(imported - {'numpy'})}"
