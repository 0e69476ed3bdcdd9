"""The machine a measurement was made on: CPU, cores, Numba's threading layer, library
versions, the git commit of the code, and the environment and load at the time.

Recorded with every benchmark result and in the report's header, since a figure from a
shared machine means little without them.
"""

import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import numba
import numpy as np

from optbench import config

PACKAGES = ("numpy", "numba", "llvmlite", "scipy", "numba-cuda", "torch", "scikit-learn", "matplotlib")
ENVIRONMENT_PREFIXES = ("OPENBLAS_", "NUMBA_", "OMP_", "MKL_", "OPTBENCH_", "KMP_", "GOMP_")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@numba.njit(parallel=True)
def _touch(a):
    for i in numba.prange(a.size):
        a[i] += 1.0


def threading_layer():
    """Numba's threading layer; it is chosen when the first parallel kernel runs."""
    try:
        return numba.threading_layer()
    except ValueError:
        _touch(np.zeros(4))
        return numba.threading_layer()


def version(package):
    """The installed version of a distribution, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit():
    """The commit of the source tree, with " +dirty" when tracked files have changed."""
    here = Path(__file__).parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here,
                                capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"
    return commit.stdout.strip() + (" +dirty" if dirty.stdout.strip() else "")


def info():
    """Everything above as a JSON-able dict."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "threading_layer": threading_layer(),
        "numba_threads": numba.get_num_threads(),
        "parallel_threshold": config.PARALLEL_THRESHOLD,
        "versions": {"python": platform.python_version(), **{p: version(p) for p in PACKAGES}},
        "optbench_commit": git_commit(),
        "platform": platform.platform(),
        "environment": {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENVIRONMENT_PREFIXES)},
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
