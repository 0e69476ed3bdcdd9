"""A new rule is one file plus its reference, with no other edit.

A third-party rule with a hyperparameter no built-in rule has (`plugin.py`) is installed
as a distribution, and then everything that is drawn from the registry runs against it,
each in a fresh process that sees the plug-in as `pip install` would leave it: the
registry-driven tests (selected by the rule's name), `optbench verify`, the asv grids,
and a `--quick` report section.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import plugin
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = plugin.install(tmp_path_factory.mktemp("plugin"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}

    def run(*command, cwd=ROOT):
        return subprocess.run([sys.executable, *command], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=900)

    return run


KEY_TESTS = (
    "conformance/test_verify.py::test_cpu_kernel_is_the_reference_bit_for_bit",  # fuzzes weight_decay
    "verification/test_errors.py::test_the_tolerance_covers_every_rounding_of_every_rule",
    "optim/test_registry.py::test_the_reference_fills_in_the_same_defaults_as_the_rule",
    "optim/test_optimizer.py::test_state_set_by_the_caller_resumes_exactly",
    "optim/test_schedules.py::test_every_rule_accepts_a_schedule",
    "perf/test_bound.py::test_the_bound_runs_over_the_updated_arrays_and_leaves_them_be",
)


def test_the_registry_driven_tests_run_against_it(run):
    result = run("-m", "pytest", "tests", "-v", "-p", "no:cacheprovider", "-k", plugin.NAME)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    passed = [line for line in result.stdout.splitlines() if " PASSED" in line]
    for test in KEY_TESTS:
        assert any(line.startswith(f"tests/{test}[") and plugin.NAME in line for line in passed), test


def test_optbench_verify_checks_it(run):
    result = run("-m", "optbench", "verify", "--rule", plugin.NAME, "--backend", "cpu", "--steps", "20", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert {(r["rule"], r["dtype"], r["verdict"]) for r in rows} == {
        (plugin.NAME, "float32", "pass"), (plugin.NAME, "float64", "pass")}


def test_the_asv_grids_benchmark_it(run):
    code = (
        "from benchmarks import compile_time, convergence, flat, memory, throughput, update\n"
        "suites = [update.TimeUpdate, memory.Memory, throughput.TrackThroughput, compile_time.TrackCompile,\n"
        "          flat.TwoLayerFlatBuffer, convergence.TrackStepsToTarget]\n"
        f"missing = [s.__name__ for s in suites if {plugin.NAME!r} not in s.params[0]]\n"
        "assert not missing, missing\n"
        "case = update.TimeUpdate()\n"
        f"case.setup({plugin.NAME!r}, 'cpu', 'fast', 1000, 'float32')\n"
        f"case.time_update({plugin.NAME!r}, 'cpu', 'fast', 1000, 'float32')\n"
        "print('benchmarked')\n"
    )
    result = run("-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "benchmarked", result.stderr


def test_a_quick_report_section_shows_it(run, tmp_path):
    result = run("-m", "optbench", "report", "--quick", "--quiet", "--out", str(tmp_path),
                 "--section", "trajectories", "--section", "verification")
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "report.md").read_text()
    assert f"| {plugin.NAME} | cpu | exact | float32 |" in report
    assert plugin.NAME in report.split("## Trajectories")[1]
