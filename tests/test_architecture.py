"""The house: which package may import which. Arrows point down only.

    config, files, checks   foundation: import nothing of optbench
    kernels                 the foundation's config and files only (it knows no rule)
    optim                   foundation, kernels, reference
    blocks                  foundation, kernels, optim.hyperparameters, reference
    verification            foundation, kernels, optim, blocks, reference
    conformance             foundation, kernels, optim, blocks, verification, reference
    perf                    foundation, kernels, optim, blocks, conformance.adapters (torch's names)
    problems                foundation, blocks, perf.threads
    training                foundation, optim, blocks, problems
    solvers                 foundation, perf.threads
    search                  foundation, optim, problems, training, perf.threads
    report                  anything but cli
    testing                 conformance: assertions for the user's own tests
    cli                     anything; nothing imports it
    reference/              numpy only (tests/reference)

Every import statement counts, at module level or inside a function.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "optbench"
FOUNDATION = {"config", "files", "checks"}

ALLOWED = {
    "config": set(),
    "files": set(),
    "checks": set(),
    "kernels": {"config", "files", "kernels"},
    "optim": FOUNDATION | {"kernels", "optim", "reference"},
    "blocks": FOUNDATION | {"kernels", "optim.hyperparameters", "reference", "blocks"},
    "verification": FOUNDATION | {"kernels", "optim", "blocks", "reference", "verification"},
    "conformance": FOUNDATION | {"kernels", "optim", "blocks", "reference", "verification", "conformance"},
    "testing": {"conformance"},
    "perf": FOUNDATION | {"kernels", "optim", "blocks", "perf", "conformance.adapters"},
    "problems": FOUNDATION | {"blocks", "problems", "perf.threads"},
    "training": FOUNDATION | {"optim", "blocks", "problems", "training"},
    "solvers": FOUNDATION | {"solvers", "perf.threads"},
    "search": FOUNDATION | {"optim", "problems", "training", "perf.threads", "search"},
}
EVERYTHING_BUT_CLI = "report"
TOP = ("cli", "__init__", "__main__")  # may import anything


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def layer(path):
    """The top-level package or module of optbench that `path` belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported(path):
    """Every optbench module `path` imports, as dotted names below optbench ("optim.rule")."""
    names = set()
    package = path.relative_to(PACKAGE).parent.parts
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(("optbench", *package[: len(package) - node.level + 1]))
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                is_module = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / candidate.replace(".", "/")).is_dir()
                names.add(candidate if is_module else module)
    return {name.removeprefix("optbench.") if name != "optbench" else "" for name in names
            if name == "optbench" or name.startswith("optbench.")}


def allowed(importer, name):
    """May a module of layer `importer` import optbench's `name` ("" is the package itself)?"""
    if importer in TOP:
        return True
    if not name:
        return False
    if importer == EVERYTHING_BUT_CLI:
        return name.split(".")[0] != "cli"
    return any(name == rule or name.startswith(rule + ".") for rule in ALLOWED[importer])


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    importer = layer(path)
    assert importer in ALLOWED or importer in TOP or importer == EVERYTHING_BUT_CLI, (
        f"optbench/{importer} is not in the house plan of tests/test_architecture.py"
    )
    wrong = sorted(name or "optbench" for name in imported(path) if not allowed(importer, name))
    assert not wrong, f"{path.relative_to(PACKAGE.parent)} ({importer}) imports {wrong}"


def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """A kernel module importing a rule, and an optim module importing the report, are caught."""
    kernels = PACKAGE / "kernels" / "cpu.py"
    assert allowed("kernels", "config") and not allowed("kernels", "optim.rule")
    assert not allowed("optim", "report.style") and not allowed("optim", "perf.bench")
    assert not allowed("report", "cli.arguments") and allowed("report", "perf.machine")
    assert not allowed("problems", "perf.bench") and allowed("problems", "perf.threads")
    assert "config" in imported(kernels)


def test_every_package_says_what_lives_there_and_what_it_may_import():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "import" in doc, f"{init.relative_to(PACKAGE.parent)} does not say what it may import"
