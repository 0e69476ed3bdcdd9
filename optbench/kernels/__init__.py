"""Kernels: the compiler from an elementwise step to kernels, and the backends that run them.

An `Elementwise` step is scalar math (`elementwise.py`); a backend turns it into a
kernel over whole arrays: "cpu" (Numba, serial and parallel loops), "cuda" (numba-cuda,
grid-stride loops) and "reference" (NumPy, which has no kernels: the rules' references
run as they are). Generated modules are written to the cache folder (`modules.py`).
This package knows no rule: it imports nothing of optbench but the foundation modules
`config` and `files`.

A backend module provides `check_array(label, a, writeable)`, `empty_like(x)`, `zeros_like(x)`,
`copy(x)`, `to_device(a)` and `to_host(a)`; the kernel backends also
`launcher(elementwise)`. The cuda module is imported only when asked for, so that the
other backends never touch CUDA.
"""

import importlib

BACKENDS = ("reference", "cpu", "cuda")


def get_backend(name):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
    return importlib.import_module(f"{__name__}.{name}")


def unavailable(name):
    """Why backend `name` cannot run on this machine, or None if it can."""
    try:
        backend = get_backend(name)
    except ImportError as error:
        return f"{name} backend not installed ({error})"
    probe = getattr(backend, "unavailable", None)
    return probe() if probe else None
