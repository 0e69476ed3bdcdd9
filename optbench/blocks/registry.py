"""Every block, found rather than listed: each module of `optbench.blocks` that defines a
module-level `BLOCK` registers it, so a new block is verified and benchmarked with no
other edit."""

import functools
import importlib
import pkgutil

import optbench.blocks
from optbench.blocks.block import Block


@functools.cache
def _blocks():
    found = {}
    for info in pkgutil.iter_modules(optbench.blocks.__path__):
        block = getattr(importlib.import_module(f"optbench.blocks.{info.name}"), "BLOCK", None)
        if isinstance(block, Block):
            found[block.name] = block
    return dict(sorted(found.items()))


def block_names():
    """Every registered block, sorted."""
    return list(_blocks())


def get_block(name):
    """The `Block` called `name` (a ValueError naming the choices otherwise)."""
    if isinstance(name, Block):
        return name
    blocks = _blocks()
    if name not in blocks:
        raise ValueError(f"unknown block {name!r}; choose one of {list(blocks)}")
    return blocks[name]
