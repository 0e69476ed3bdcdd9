"""The first timed run on a machine saves the baseline that later runs compare against.

`--benchmark-compare` needs a saved run; where there is none yet for this machine kind
(pytest-benchmark keeps them per "<system>-<implementation>-<python>-<bits>" folder of
its storage), this run saves one as "baseline" instead of comparing, so the documented
command works on a fresh clone and fails on regressions from then on.
"""

import platform
from pathlib import Path


def machine_kind():
    python = ".".join(platform.python_version_tuple()[:2])
    return f"{platform.system()}-{platform.python_implementation()}-{python}-{platform.architecture()[0]}"


def pytest_configure(config):
    option = config.option
    if not getattr(option, "benchmark_compare", None):
        return
    storage = str(option.benchmark_storage).removeprefix("file://")
    folder = Path(storage) / machine_kind()
    if not any(folder.glob("*.json")):
        print(f"no saved benchmark run in {folder}: saving this one as the baseline instead of comparing")
        option.benchmark_compare = None
        option.benchmark_compare_fail = None
        option.benchmark_save = "baseline"


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Keep each benchmark's statistics, not every raw timing (tens of MB per run)."""
    for benchmark in output_json["benchmarks"]:
        benchmark["stats"].pop("data", None)
