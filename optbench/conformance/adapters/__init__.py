"""Adapters: each library's optimizers under the implementation protocol.

One module per library, each with `implementations(rule) -> [Implementation]` (every
implementation it has of the rule, with the library's defaults and, where a setting makes
it compute the lecture's rule, with that setting too) and `unavailable()` (why the library
cannot be used here, or None). An adapter maps optbench's hyperparameter names to the
library's and feeds each update's learning rate the library's own way. A library that
is not installed gives rows "skipped: not installed (pip install optbench[peers])".

The peer libraries are imported only inside their adapters, when asked for.
"""

import importlib

from optbench.conformance.protocol import Implementation, Unsupported

LIBRARIES = ("optbench", "torch", "optax", "keras")
PEERS = LIBRARIES[1:]


def adapter(library):
    if library not in LIBRARIES:
        raise ValueError(f"unknown library {library!r}; choose one of {list(LIBRARIES)} or all")
    return importlib.import_module(f"{__name__}.{library}_adapter")


def implementations(library, rule):
    """Every implementation of `rule` in `library`; a skipped one if the library cannot run."""
    module = adapter(library)
    reason = module.unavailable()
    if reason:
        return [Implementation(module.LABEL, library, rule, None, skipped=reason)]
    return module.implementations(rule)


def require_bias_correction(rule, hyperparameters, optimizer):
    """`Unsupported` for Adam without bias correction: none of the peers can compute it."""
    if rule == "adam" and not hyperparameters.get("bias_correction", True):
        raise Unsupported(f"{optimizer} has no setting for Adam without bias correction")


def not_installed(package):
    """None if `package` imports, else the skip reason."""
    try:
        importlib.import_module(package)
    except ImportError:
        return "not installed (pip install optbench[peers])"
    return None
