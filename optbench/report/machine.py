"""The machine a report was made on: CPU, cores, Numba's threading layer, the versions of
the libraries that set the numbers, and the git commit of the code."""

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata


def cpu_name():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cores():
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{usable} usable of {os.cpu_count()}"


def threading_layer():
    """The layer Numba's parallel kernels run on; known only once one has run."""
    import numba
    import numpy as np

    try:
        return f"{numba.threading_layer()} ({numba.config.NUMBA_NUM_THREADS} threads)"
    except ValueError:
        pass

    @numba.njit(parallel=True)
    def touch(a):
        for i in numba.prange(a.size):
            a[i] += 1.0

    touch(np.zeros(4))
    return f"{numba.threading_layer()} ({numba.config.NUMBA_NUM_THREADS} threads)"


def version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit():
    """The commit of the source tree, "+dirty" when it has uncommitted changes."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True, text=True, timeout=10
        )
        return commit.stdout.strip() + (" +dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def describe():
    """[(what, value)] for the report's header."""
    rows = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("git commit", git_commit()),
        ("CPU", cpu_name()),
        ("cores", cores()),
        ("numba threading layer", threading_layer()),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("python", sys.version.split()[0]),
    ]
    for package in ("numpy", "numba", "scipy", "numba-cuda", "torch", "scikit-learn", "matplotlib"):
        found = version(package)
        if found or package in ("numpy", "numba", "scipy"):
            rows.append((package, found or "not installed"))
    return rows
