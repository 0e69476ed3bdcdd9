"""Backends: "reference" (NumPy), "cpu" (Numba), "cuda" (numba-cuda).

A backend module provides `check_array(label, a, writeable)`, `zeros_like(x)` and
`copy(x)`; the kernel backends also `launcher(elementwise)`. The cuda module is
imported only when asked for, so that the other backends never touch CUDA.
"""

import importlib

BACKENDS = ("reference", "cpu", "cuda")


def get_backend(name):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
    return importlib.import_module(f"optbench.backends.{name}")


def unavailable(name):
    """Why backend `name` cannot run on this machine, or None if it can."""
    try:
        backend = get_backend(name)
    except ImportError as error:
        return f"{name} backend not installed ({error})"
    probe = getattr(backend, "unavailable", None)
    return probe() if probe else None
