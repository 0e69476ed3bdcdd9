"""Per-call cost of a network block: what a small layer pays on every forward and backward.

The `block` cases call each registered block's public functions on the cpu backend
(validation, allocation of the results, dispatch and the kernel) at 1e3 and 1e5
elements of its own data shape (`optbench.perf.blocks`); `torch_block` is
torch.nn.functional's counterpart on tensors made once, at the same sizes (skipped
where torch has none).
"""

import pytest

from optbench.blocks.registry import block_names
from optbench.perf import blocks

BLOCKS = block_names()
DIRECTIONS = ("forward", "backward")


@pytest.mark.parametrize("n", [10**3, 10**5])
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("block", BLOCKS)
def bench_block(benchmark, block, direction, n):
    benchmark(blocks.kernel_call(block, direction, n, "float32"))


@pytest.mark.parametrize("n", [10**3, 10**5])
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("block", BLOCKS)
def bench_torch_block(benchmark, block, direction, n):
    pytest.importorskip("torch")
    call = blocks.torch_call(block, direction, n, "float32")
    if call is None:
        pytest.skip(f"torch.nn.functional has no counterpart of {block}")
    benchmark(call)
