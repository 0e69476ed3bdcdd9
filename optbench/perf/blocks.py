"""Benchmarks of every network block (`optbench.blocks`), each raced against its
same-pattern bound, torch.nn.functional and the NumPy reference in one run.

For a block, a direction ("forward", "backward" or "forward+backward"), n elements (the
data shape `block.shape(n)`, or a shape given) and a dtype, the candidates are calls
over inputs drawn once from the block's own `sample` (seeded), with an upstream
gradient dout ~ N(0, 1) of out's shape:

kernel
    the block's public functions on the cpu backend, `<name>_forward(*inputs,
    backend="cpu", **parameters)` and `<name>_backward(dout, cache, backend="cpu")`,
    validation and the allocation of the results included; backward reuses one cache
    made outside the timing.
reference
    the literal NumPy `<name>_forward` / `<name>_backward` of `optbench.reference.blocks`.
torch
    torch.nn.functional's counterpart (the FORWARD table of
    `optbench.conformance.adapters.torch_blocks`), on CPU tensors made from the same
    arrays once, outside the timing, with `torch.set_num_threads` set to Numba's
    thread count. forward is the table's function on those tensors (autograd
    recording, as in training); backward is `torch.autograd.grad(out, inputs, dout,
    retain_graph=True)` through one graph built outside the timing; forward+backward
    both. A block with no torch counterpart (dropout, whose mask torch draws from its
    own generator) has no torch column.
bound
    trivial kernels making the block's passes over memory (`Block.passes`): for each
    pass that reads r arrays of the data's size and writes w, the generated
    `bound_elementwise(r, (), w)` of `bound.py` (w outputs = the sum of the r inputs
    times 0) when w >= 1, and `bound_reduction(r)` (a vectorized sum) when w = 0, one
    after another, reading arrays of the data's size allocated once and writing into
    arrays allocated at each call, as the block's functions allocate the arrays they
    return (a fresh array costs the first touch of its pages, on this machine about as
    much as writing it once more). Its time is the sum of its passes' times; a block that
    declares no passes has no bound.

Every candidate is sampled in turn, round after round (`timing.race`), and the median of
each one's samples is kept. The figures of a `BlockRow`:

    bytes          = itemsize * size * sum over passes of (r + w)      size = prod(shape)
    GB/s           = bytes / seconds
    bound fraction = bound seconds / seconds                            1: at the bound
    x torch        = torch seconds / seconds                            > 1: optbench faster

A block's kernels may beat its bound (fraction > 1) where a pass finds its data in cache
(batch norm normalizes each column block right after summing it, from L2): the bound
counts every pass as a trip to memory.

    rows = measure_grid(["relu", "sigmoid"], sizes=[10**7], dtypes=["float32"])
    print(format_table(rows))
"""

import copy
import functools
import math
from dataclasses import asdict, dataclass

import numba
import numpy as np

from optbench.blocks.registry import block_names, get_block
from optbench.conformance.adapters import torch_blocks
from optbench.kernels import cpu
from optbench.perf.bench import size_label
from optbench.perf.bound import bound_elementwise, bound_reduction
from optbench.perf.peers import torch_or_none
from optbench.perf.timing import median, race

DIRECTIONS = ("forward", "backward", "forward+backward")
SIZES = (10**3, 10**5, 10**7)
PEERS = ("reference", "torch")
DTYPES = ("float32", "float64")


def check_direction(direction):
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose one of {list(DIRECTIONS)}")
    return direction


def data_shape(block, n, shape=None):
    """The data shape of a case: `shape` as given, or the block's own for about n elements."""
    return tuple(int(d) for d in (get_block(block).shape(n) if shape is None else shape))


def passes(block, direction):
    """((arrays read, arrays written), ...) of `direction` (forward+backward: both in turn),
    or None for a block that declares none."""
    block = get_block(block)
    check_direction(direction)
    if block.passes is None:
        return None
    return tuple(tuple(p) for d in direction.split("+") for p in block.passes(d))


def bytes_moved(block, direction, shape, dtype):
    """Bytes the passes move over data of `shape`: itemsize * size * sum of (r + w), or None."""
    made = passes(block, direction)
    if made is None:
        return None
    return np.dtype(dtype).itemsize * math.prod(shape) * sum(r + w for r, w in made)


def bytes_needed(block, direction, shape, dtype, peers=PEERS):
    """About how much memory a case allocates: for the kernel and each peer a copy of the
    inputs and out and dx (3 arrays of the data's size), x and dout, and the bound's."""
    made = passes(block, direction) or ()
    bound = max((r for r, _ in made), default=0) + max((w for _, w in made), default=0)
    return np.dtype(dtype).itemsize * math.prod(shape) * (2 + 3 * (1 + len(peers)) + bound)


# ---------------------------------------------------------------------------------------
# The case and its candidates


@dataclass(frozen=True)
class Case:
    """One draw of a block's inputs: what every candidate of a race computes on."""

    block: object
    direction: str
    shape: tuple
    dtype: str
    inputs: tuple
    parameters: dict
    dout: np.ndarray

    @property
    def size(self):
        return math.prod(self.shape)


def draw(block, direction, n, dtype, seed=0, shape=None):
    """The inputs of `block.sample` for the data shape, and dout ~ N(0, 1) like out."""
    block = get_block(block)
    shape = data_shape(block, n, shape)
    rng = np.random.default_rng(seed)
    inputs, parameters = block.sample(rng, shape, np.dtype(dtype))
    out = block.forward(*copy.deepcopy(inputs), backend="cpu", **parameters)[0]
    dout = np.asarray(rng.standard_normal(out.shape), dtype=dtype)
    return Case(block, check_direction(direction), shape, np.dtype(dtype).name, inputs, parameters, dout)


def _gradients(result):
    return result if isinstance(result, tuple) else (result,)


def _functions_call(case, forward, backward, **keywords):
    """`call()` of a direction through reference-style functions, on a private copy of the
    inputs; backward reuses one cache made here."""
    inputs = copy.deepcopy(case.inputs)
    parameters = case.parameters
    dout = case.dout
    if case.direction == "forward":
        return lambda: forward(*inputs, **parameters, **keywords)[0]
    if case.direction == "backward":
        cache = forward(*inputs, **parameters, **keywords)[1]
        return lambda: _gradients(backward(dout, cache, **keywords))

    def forward_backward():
        out, cache = forward(*inputs, **parameters, **keywords)
        return out, _gradients(backward(dout, cache, **keywords))

    return forward_backward


def kernel_call_of(case):
    """The block's public functions on the cpu backend: out, the gradients, or both."""
    return _functions_call(case, case.block.forward, case.block.backward, backend="cpu")


def reference_call_of(case):
    """The literal NumPy reference of the block."""
    return _functions_call(case, case.block.reference_forward, case.block.reference_backward)


class _Premade:
    """torch, but `torch.tensor(array, ...)` of an array it has seen gives the tensor it
    made then: the FORWARD table's functions build their tensors from the inputs, and
    through this they build them once, outside the timing, and reuse them after."""

    def __init__(self, torch):
        self._torch = torch
        self._made = {}

    def tensor(self, data, **keywords):
        key = id(data)
        if key not in self._made:
            self._made[key] = (data, self._torch.tensor(data, **keywords))  # data kept: its id stays its own
        return self._made[key][1]

    def __getattr__(self, name):
        return getattr(self._torch, name)


def torch_call_of(case):
    """torch.nn.functional's counterpart of the block, or None where there is none (or no torch)."""
    torch = torch_or_none()
    if torch is None or case.block.name not in torch_blocks.FORWARD:
        return None
    import torch.nn.functional as F

    torch.set_num_threads(numba.get_num_threads())
    function = torch_blocks.FORWARD[case.block.name]
    premade = _Premade(torch)
    inputs = copy.deepcopy(case.inputs)
    parameters = case.parameters
    out, tensors, _ = function(premade, F, inputs, parameters)  # the tensors, made once, and a graph
    dout = torch.tensor(case.dout)
    if case.direction == "forward":
        return lambda: function(premade, F, inputs, parameters)[0]
    if case.direction == "backward":
        return lambda: torch.autograd.grad(out, tensors, dout, retain_graph=True)

    def forward_backward():
        result = function(premade, F, inputs, parameters)[0]
        return result, torch.autograd.grad(result, tensors, dout)

    return forward_backward


def bound_call_of(case, seed=0):
    """The same-pattern bound of the case's passes, or None where the block declares none."""
    made = passes(case.block, case.direction)
    if made is None:
        return None
    rng = np.random.default_rng(seed)
    kind = np.dtype(case.dtype).type
    reads = [rng.standard_normal(case.size, dtype=kind) for _ in range(max(r for r, _ in made))]
    steps = []
    for r, w in made:
        if w:
            launch = cpu.launcher(bound_elementwise(r, (), w))

            def write(launch=launch, r=r, w=w):  # into fresh arrays, as the block's functions return theirs
                launch([*(np.empty(case.size, kind) for _ in range(w)), *reads[:r]], (0.0,))

            steps.append(write)
        else:
            steps.append(functools.partial(bound_reduction(r), reads[:r]))

    def bound():
        for step in steps:
            step()

    return bound


def kernel_call(block, direction, n, dtype, seed=0, shape=None):
    """`call()`: the block's kernels in `direction` through its public functions (cpu)."""
    return kernel_call_of(draw(block, direction, n, dtype, seed, shape))


def reference_call(block, direction, n, dtype, seed=0, shape=None):
    return reference_call_of(draw(block, direction, n, dtype, seed, shape))


def torch_call(block, direction, n, dtype, seed=0, shape=None):
    """`call()` of torch's counterpart, or None where there is none."""
    return torch_call_of(draw(block, direction, n, dtype, seed, shape))


def bound_call(block, direction, n, dtype, seed=0, shape=None):
    return bound_call_of(draw(block, direction, n, dtype, seed, shape))


def calls(block, direction, n, dtype, peers=PEERS, seed=0, shape=None):
    """(case, {"kernel", "bound", "reference", "torch": call}) over one draw; those that do
    not exist for the block (or are not among `peers`) left out."""
    case = draw(block, direction, n, dtype, seed, shape)
    found = {"kernel": kernel_call_of(case), "bound": bound_call_of(case, seed)}
    if "reference" in peers:
        found["reference"] = reference_call_of(case)
    if "torch" in peers:
        found["torch"] = torch_call_of(case)
    return case, {label: call for label, call in found.items() if call is not None}


# ---------------------------------------------------------------------------------------
# Rows and the table


@dataclass
class BlockRow:
    block: str
    direction: str
    n: int  # elements of the data, prod(shape)
    shape: tuple
    dtype: str
    seconds: float
    bound_seconds: float = None  # None: the block declares no passes
    bytes: int = None  # moved by the passes
    torch_seconds: float = None  # None: not measured, or no torch counterpart
    reference_seconds: float = None

    @property
    def us(self):
        return self.seconds * 1e6

    @property
    def gb_per_s(self):
        return None if self.bytes is None else self.bytes / self.seconds / 1e9

    @property
    def bound_gb_per_s(self):
        return None if self.bytes is None or self.bound_seconds is None else self.bytes / self.bound_seconds / 1e9

    @property
    def bound_fraction(self):
        return None if self.bound_seconds is None else self.bound_seconds / self.seconds

    @property
    def torch_ratio(self):
        """torch's time over the kernel's: > 1, optbench is faster."""
        return None if self.torch_seconds is None else self.torch_seconds / self.seconds

    @property
    def reference_ratio(self):
        return None if self.reference_seconds is None else self.reference_seconds / self.seconds

    def as_dict(self):
        figures = {
            "us_per_call": self.us,
            "gb_per_s": self.gb_per_s,
            "bound_gb_per_s": self.bound_gb_per_s,
            "bound_fraction": self.bound_fraction,
            "torch_ratio": self.torch_ratio,
            "reference_ratio": self.reference_ratio,
        }
        return {**asdict(self), "shape": list(self.shape), **figures}


def measure(block, direction, n, dtype, peers=PEERS, rounds=10, min_time=0.03, seed=0, shape=None):
    """One `BlockRow`: the kernel, its bound and the peers raced in one run (medians of
    `rounds` samples)."""
    case, candidates = calls(block, direction, n, dtype, peers, seed, shape)
    times = median(race(candidates, rounds, min_time))
    return BlockRow(
        block=case.block.name, direction=direction, n=case.size, shape=case.shape, dtype=case.dtype,
        seconds=times["kernel"], bound_seconds=times.get("bound"),
        bytes=bytes_moved(case.block, direction, case.shape, case.dtype), torch_seconds=times.get("torch"),
        reference_seconds=times.get("reference"),
    )


def measure_grid(blocks=None, directions=("forward", "backward"), sizes=SIZES, dtypes=DTYPES, peers=PEERS,
                 rounds=10, min_time=0.03, shapes=(), progress=None):
    """A row for every block x direction x dtype x case, the cases being every size in
    `sizes` (the block's own shape of it) and every shape in `shapes`."""
    rows = []
    for name in blocks or block_names():
        for direction in directions:
            for dtype in dtypes:
                for n, shape in [(n, None) for n in sizes] + [(math.prod(s), s) for s in shapes]:
                    row = measure(name, direction, n, dtype, peers, rounds, min_time, shape=shape)
                    rows.append(row)
                    if progress:
                        progress(row)
    return rows


def shape_label(row):
    """1e7 (or 2^24) for flat data, 1024x4096 for more dimensions."""
    return size_label(row.n) if len(row.shape) == 1 else "x".join(map(str, row.shape))


def _figure(value, spec):
    return "-" if value is None else format(value, spec)


def format_table(rows):
    header = (f"{'block':<12}{'direction':<18}{'shape':>12} {'dtype':<8}{'us/call':>11}{'GB/s':>8}{'bound':>7}"
              f"{'bound GB/s':>11}{'x torch':>9}{'x ref':>9}")
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.block:<12}{r.direction:<18}{shape_label(r):>12} {r.dtype:<8}{r.us:>11.4g}{_figure(r.gb_per_s, '.1f'):>8}"
            f"{_figure(r.bound_fraction, '.2f'):>7}{_figure(r.bound_gb_per_s, '.1f'):>11}"
            f"{_figure(r.torch_ratio, '.2f'):>9}{_figure(r.reference_ratio, '.2f'):>9}"
        )
    lines.append(
        "medians of the rounds; bound: fraction of the speed of trivial kernels making the block's passes over "
        "memory, measured in the same run; x peer: speed-up over torch.nn.functional / the NumPy reference (>1: "
        "optbench faster); -: not measured or no such thing"
    )
    return "\n".join(lines)
