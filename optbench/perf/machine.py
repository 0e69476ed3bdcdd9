"""The machine a measurement was made on: CPU, cores, Numba's threading layer, library
versions, the git commit of the code, and the environment and load at the time.

One record, `record()`, goes with every benchmark result and into the report's header
(`rows(record)`) and the bench command's footer (`line(record)`): a figure from a
shared machine means little without it. A measurement on the cuda backend adds the
device's own (`gpu()`), which `record()` leaves out: asking the driver opens a CUDA
context, which a run on the cpu has no business doing.
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
from optbench.perf.peers import torch_on, torch_or_none

PACKAGES = ("numpy", "numba", "llvmlite", "scipy", "numba-cuda", "torch", "scikit-learn", "matplotlib")
ALWAYS = ("numpy", "numba", "scipy")  # listed even when missing
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


def load_average():
    """(1, 5, 15 minute) load averages, or None where the system has none."""
    return tuple(round(load, 2) for load in os.getloadavg()) if hasattr(os, "getloadavg") else None


def torch_threads():
    torch = torch_or_none()
    return None if torch is None else torch.get_num_threads()


def record():
    """Everything above, as a JSON-able dict."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "threading_layer": threading_layer(),
        "numba_threads": numba.get_num_threads(),
        "torch_threads": torch_threads(),
        "parallel_threshold": config.PARALLEL_THRESHOLD,
        "versions": {"python": platform.python_version(), **{p: version(p) for p in PACKAGES}},
        "optbench_commit": git_commit(),
        "platform": platform.platform(),
        "environment": {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENVIRONMENT_PREFIXES)},
        "load_average": load_average(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def gpu():
    """The CUDA device the cuda backend runs on: its name, compute capability, memory,
    multiprocessors, the driver's CUDA version and torch's, as a JSON-able dict;
    {"name": ..., "simulator": True} on Numba's simulator; None without a device.
    A figure the driver cannot give is None."""
    from optbench.kernels import unavailable

    if unavailable("cuda"):
        return None
    if numba.config.ENABLE_CUDASIM:
        return {"name": "Numba's CUDA simulator (no GPU)", "simulator": True}
    from numba import cuda

    device = cuda.get_current_device()
    name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
    torch = torch_on("cuda")
    return {
        "name": name,
        "simulator": False,
        "compute_capability": ".".join(map(str, device.compute_capability)),
        "memory_bytes": _asked(lambda: cuda.current_context().get_memory_info()[1]),
        "multiprocessors": _asked(lambda: device.MULTIPROCESSOR_COUNT),
        "driver_cuda_version": _asked(_driver_version),
        "torch_cuda_version": torch.version.cuda if torch else None,
    }


def _driver_version():
    from numba.cuda.cudadrv.driver import driver

    return ".".join(map(str, driver.get_version()))


def _asked(question):
    try:
        return question()
    except Exception:  # a driver or binding that does not answer this one
        return None


def describe_load(load):
    return "not known" if load is None else f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min)"


def rows(machine):
    """[(what, value)] for a table, from a `record()`."""
    versions = machine["versions"]
    found = [(package, versions.get(package) or "not installed") for package in PACKAGES
             if versions.get(package) or package in ALWAYS]
    return [
        ("time", machine["time"]),
        ("git commit", machine["optbench_commit"]),
        ("CPU", machine["cpu"]),
        ("cores", f"{machine['usable_cores']} usable of {machine['cores']}"),
        ("numba threading layer", f"{machine['threading_layer']} ({machine['numba_threads']} threads)"),
        ("OS", machine["platform"]),
        ("load average", describe_load(machine["load_average"])),
        ("python", versions["python"]),
        *found,
    ]


def line(machine):
    """One line for the end of a table printed on a terminal."""
    versions = machine["versions"]
    return (
        f"{machine['cpu']}, {machine['usable_cores']} cores, Numba {versions['numba']} "
        f"({machine['threading_layer']}, {machine['numba_threads']} threads, parallel from "
        f"{machine['parallel_threshold']}), torch {versions['torch'] or 'not installed'}, "
        f"load {describe_load(machine['load_average'])}"
    )
