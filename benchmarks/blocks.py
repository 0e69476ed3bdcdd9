"""Time of every network block's passes, beside its same-pattern bound, torch.nn.functional
and the NumPy reference, and its fraction of the bound.

`time_block[block, implementation, direction, n, dtype]`: one call in `direction`
("forward", "backward") over data of the block's own shape of n elements
(`Block.shape(n)`), inputs drawn from the block's `sample` (`optbench.perf.blocks`):
"kernel" is the block's public functions on the cpu backend (validation and the
allocation of out included; backward reuses one forward's cache), "bound" the trivial
kernels making the block's passes over memory (skipped for a block that declares none),
"reference" the literal NumPy functions, the baseline. `time_torch_block[block,
direction, n, dtype]` is torch.nn.functional's counterpart on tensors made once in setup
(skipped without torch, or where torch has none). forward+backward is their sum in
time, so it is tracked as a fraction only.

`TrackBlockThroughput` (time over the bound's, and ns per element) and
`TrackBlockVsTorch` (the kernel's time over torch's) at 1e7 elements, every direction,
forward+backward included: ratios of neighbouring measurements in one race
(`timing.race`), which a shared machine's noise moves far less than either time. Every
figure is oriented as asv reads them, bigger is worse.

The grid is the blocks known here, then any others `optbench.blocks.registry.block_names()`
has, so a new block is benchmarked with no edit here (`common.stable_grid`: one grid on
every commit). A block a commit lacks is skipped, and commits from before the blocks have
no registry: every setup skips there, as the other suites skip what an older optbench lacks.
"""

import functools

from .common import DTYPES, SIZES, Benchmark, load, require, require_registered, safe_import, stable_grid

with safe_import() as registry_imports:
    registry = load("optbench.blocks.registry")

with safe_import() as imports:
    perf_blocks = load("optbench.perf.blocks")

with safe_import() as peer_imports:
    peers = load("optbench.perf.peers")

KNOWN_BLOCKS = ("batchnorm", "dropout", "elu", "leaky_relu", "maxout", "relu", "sigmoid", "tanh")
BLOCKS = stable_grid(KNOWN_BLOCKS, registry.block_names() if registry_imports.error is None else ())
DIRECTIONS = ["forward", "backward"]
TRACKED_DIRECTIONS = ["forward", "backward", "forward+backward"]
IMPLEMENTATIONS = ["kernel", "bound", "reference"]
N = 10**7


def require_blocks(block=None):
    require(registry_imports)
    require(imports)
    if block is not None:
        require_registered(block, registry.block_names(), "block")


def require_torch():
    require(peer_imports)
    if peers.torch_or_none() is None:
        raise NotImplementedError("torch is not installed")


@functools.lru_cache(maxsize=1)
def prepared(implementation, block, direction, n, dtype, seed):
    """The call of one case (None where there is no such thing), built and run once.

    asv runs `setup` again before every sample, and drawing a block's inputs at 1e7
    elements takes seconds (maxout's sample redraws its ambiguous rows): so the case is
    drawn once per process and its call kept. The calls leave their inputs as they were
    (batch norm's running averages aside, which no timing depends on)."""
    builders = {"kernel": perf_blocks.kernel_call_of, "bound": perf_blocks.bound_call_of,
                "reference": perf_blocks.reference_call_of, "torch": perf_blocks.torch_call_of}
    call = builders[implementation](perf_blocks.draw(block, direction, n, dtype, seed=seed))
    if call is not None:
        call()  # compile (or load from Numba's cache) outside the timing
    return call


class TimeBlock(Benchmark):
    params = [BLOCKS, IMPLEMENTATIONS, DIRECTIONS, SIZES, DTYPES]
    param_names = ["block", "implementation", "direction", "n", "dtype"]

    def setup(self, block, implementation, direction, n, dtype):
        require_blocks(block)
        self.call = prepared(implementation, block, direction, n, dtype, self.seed)
        if self.call is None:
            raise NotImplementedError(f"{block} declares no passes over memory, so it has no bound")

    def time_block(self, block, implementation, direction, n, dtype):
        self.call()


class TimeTorchBlock(Benchmark):
    params = [BLOCKS, DIRECTIONS, SIZES, DTYPES]
    param_names = ["block", "direction", "n", "dtype"]

    def setup(self, block, direction, n, dtype):
        require_blocks(block)
        require_torch()
        self.call = prepared("torch", block, direction, n, dtype, self.seed)
        if self.call is None:
            raise NotImplementedError(f"torch.nn.functional has no counterpart of {block}")

    def time_torch_block(self, block, direction, n, dtype):
        self.call()


def measured(peers):
    """{(block, direction, dtype): BlockRow} at N elements, or {} on a commit without the blocks."""
    if registry_imports.error is not None or imports.error is not None:
        return {}  # setup skips (asv cannot skip from setup_cache; None would mean no cache argument)
    return {
        (block, direction, dtype): perf_blocks.measure(block, direction, N, dtype, peers=peers, rounds=3)
        for block in registry.block_names()
        for direction in TRACKED_DIRECTIONS
        for dtype in DTYPES
    }


class TrackBlockThroughput(Benchmark):
    params = [BLOCKS, TRACKED_DIRECTIONS, DTYPES]
    param_names = ["block", "direction", "dtype"]
    timeout = 1800

    def setup_cache(self):
        return measured(peers=())

    def setup(self, rows, block, direction, dtype):
        require_blocks(block)
        if rows[block, direction, dtype].bound_fraction is None:
            raise NotImplementedError(f"{block} declares no passes over memory, so it has no bound")

    def track_time_over_bound(self, rows, block, direction, dtype):
        return 1.0 / rows[block, direction, dtype].bound_fraction

    track_time_over_bound.unit = "time / bound time"

    def track_ns_per_element(self, rows, block, direction, dtype):
        row = rows[block, direction, dtype]
        return row.seconds / row.n * 1e9

    track_ns_per_element.unit = "ns per element"


class TrackBlockVsTorch(Benchmark):
    params = [BLOCKS, TRACKED_DIRECTIONS, DTYPES]
    param_names = ["block", "direction", "dtype"]
    timeout = 1800

    def setup_cache(self):
        return measured(peers=("torch",))

    def setup(self, rows, block, direction, dtype):
        require_blocks(block)
        require_torch()
        if rows[block, direction, dtype].torch_ratio is None:
            raise NotImplementedError(f"torch.nn.functional has no counterpart of {block}")

    def track_time_over_torch(self, rows, block, direction, dtype):
        return 1.0 / rows[block, direction, dtype].torch_ratio

    track_time_over_torch.unit = "optbench seconds / torch seconds"
