"""What the blocks share about backends: the array a backend's functions look at, a
block's hand-written kernel module for a backend, and a block's literal reference."""

import importlib


def array_view(module, a):
    """What has .shape and .dtype: a host array itself, or the numba view of a device array."""
    view = getattr(module, "device_view", None)
    return view(a) if view else a


def kernel_module(module, block):
    """`optbench.blocks.<backend>.<block>`, the kernels of `block` on the backend `module`;
    a RuntimeError saying why where the backend cannot run here."""
    probe = getattr(module, "unavailable", None)
    reason = probe() if probe else None
    if reason:
        raise RuntimeError(f"the {module.name} backend cannot run here: {reason}")
    return importlib.import_module(f"optbench.blocks.{module.name}.{block}")


def reference_module(block):
    """`optbench.reference.blocks.<block>`, the block's literal NumPy functions."""
    return importlib.import_module(f"optbench.reference.blocks.{block}")
