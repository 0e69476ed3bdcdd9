"""Named wrong variants of the network blocks: each a documented modification of a
block's literal reference, with the reference's signatures (`<block>_forward`,
`<block>_backward`, NumPy, no backend).

They serve twice: verification must reject every one of them (a check that cannot fail
proves nothing), and the conformance harness runs them beside an implementation that
departs, to say which one it computes (torch's running variance is `unbiased_running_variance`).
A module of this package registers its variants in a module-level `VARIANTS` tuple.
"""

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class BlockVariant:
    name: str
    block: str
    formula: str
    forward: Callable
    backward: Callable
    found_in: str = ""


@functools.cache
def _variants():
    found = {}
    for info in pkgutil.iter_modules(__path__):
        for variant in getattr(importlib.import_module(f"{__name__}.{info.name}"), "VARIANTS", ()):
            found[variant.block, variant.name] = variant
    return found


def block_variants(block=None):
    """Every registered variant, or those of `block`, sorted by name."""
    return [v for key, v in sorted(_variants().items()) if block is None or key[0] == block]
