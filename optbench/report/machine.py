"""The report's header: the machine and software it was made with (`optbench.machine`)."""

import datetime
import os
import platform
import sys

import numba

from optbench import machine

ALWAYS = ("numpy", "numba", "scipy")


def describe():
    """[(what, value)] for the report's header."""
    rows = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("git commit", machine.git_commit()),
        ("CPU", machine.cpu_model()),
        ("cores", f"{machine.usable_cores()} usable of {os.cpu_count()}"),
        ("numba threading layer", f"{machine.threading_layer()} ({numba.get_num_threads()} threads)"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("python", sys.version.split()[0]),
    ]
    for package in machine.PACKAGES:
        found = machine.version(package)
        if found or package in ALWAYS:
            rows.append((package, found or "not installed"))
    return rows
