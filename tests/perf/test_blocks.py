"""optbench.perf.blocks: the block benchmarks' passes, bound, calls and rows. Structure and
correctness only: no timing claims (timings live in benchmarks/)."""

import dataclasses
import json
import math

import numpy as np
import pytest

from optbench.blocks.registry import block_names, get_block
from optbench.conformance.adapters import torch_blocks
from optbench.kernels import cpu
from optbench.perf import blocks, bound

SMALL = 1000


def activation_like(passes):
    """relu's Block declaring other passes: its functions, this memory pattern."""
    return dataclasses.replace(get_block("relu"), passes=lambda direction: passes[direction])


# ---------------------------------------------------------------------------------------
# passes and bytes


def test_an_activation_reads_x_and_writes_out_then_reads_dout_and_x_and_writes_dx():
    assert blocks.passes("relu", "forward") == ((1, 1),)
    assert blocks.passes("relu", "backward") == ((2, 1),)
    assert blocks.passes("relu", "forward+backward") == ((1, 1), (2, 1))


@pytest.mark.parametrize("dtype, itemsize", [("float32", 4), ("float64", 8)])
def test_bytes_are_the_passes_reads_and_writes_over_the_data(dtype, itemsize):
    assert blocks.bytes_moved("sigmoid", "forward", (SMALL,), dtype) == itemsize * SMALL * 2
    assert blocks.bytes_moved("sigmoid", "backward", (SMALL,), dtype) == itemsize * SMALL * 3
    assert blocks.bytes_moved("sigmoid", "forward+backward", (SMALL,), dtype) == itemsize * SMALL * 5
    two_pass = activation_like({"forward": ((1, 0), (1, 1)), "backward": ((2, 0), (2, 1))})
    assert blocks.bytes_moved(two_pass, "forward+backward", (32, 64), dtype) == itemsize * 32 * 64 * (1 + 2 + 2 + 3)


def test_a_block_without_passes_has_no_bytes_and_no_bound():
    undeclared = dataclasses.replace(get_block("relu"), passes=None)
    assert blocks.passes(undeclared, "forward") is None
    assert blocks.bytes_moved(undeclared, "forward", (SMALL,), "float32") is None
    row = blocks.measure(undeclared, "forward", SMALL, "float32", peers=(), rounds=1, min_time=1e-4)
    assert row.bound_seconds is None and row.bound_fraction is None and row.gb_per_s is None


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="sideways"):
        blocks.passes("relu", "sideways")


@pytest.mark.parametrize("block", block_names())
def test_every_registered_block_says_its_passes_in_both_directions(block):
    for direction in ("forward", "backward"):
        made = blocks.passes(block, direction)
        assert made is None or (made and all(r >= 1 and w >= 0 for r, w in made)), made


# ---------------------------------------------------------------------------------------
# the bound


def test_the_bound_makes_each_pass_with_its_own_kernel(monkeypatch):
    """A statistics pass (1, 0) is a reduction over one array; a (2, 1) pass is the
    generated elementwise bound with two reads and one output; each over the data's size."""
    launched = []
    real_launcher, real_reduction = cpu.launcher, blocks.bound_reduction

    def launcher(elementwise):
        launch = real_launcher(elementwise)

        def recorded(arrays, scalars):
            launched.append(("write", elementwise.n_arrays, len(elementwise.outputs), {a.size for a in arrays}))
            launch(arrays, scalars)

        return recorded

    def reduction(r):
        launch = real_reduction(r)

        def recorded(arrays):
            launched.append(("read", r, 0, {a.size for a in arrays}))
            return launch(arrays)

        return recorded

    monkeypatch.setattr(cpu, "launcher", launcher)
    monkeypatch.setattr(blocks, "bound_reduction", reduction)
    two_pass = activation_like({"forward": ((1, 0), (1, 1)), "backward": ((2, 0), (2, 1))})
    case = blocks.draw(two_pass, "forward+backward", SMALL, "float32")
    blocks.bound_call_of(case)()
    assert launched == [("read", 1, 0, {SMALL}), ("write", 1, 1, {SMALL}), ("read", 2, 0, {SMALL}),
                        ("write", 2, 1, {SMALL})]


@pytest.mark.parametrize("threshold", [1, 1 << 40], ids=["parallel", "serial"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_reduction_bound_reads_every_element_of_every_array(monkeypatch, threshold, dtype):
    monkeypatch.setattr(bound.config, "PARALLEL_THRESHOLD", threshold)
    arrays = [np.full(1003, 1.0, dtype), np.full(1003, 2.0, dtype), np.full(1003, 4.0, dtype)]
    before = [a.copy() for a in arrays]
    assert bound.bound_reduction(3)(arrays) == 7 * 1003
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)  # read only
    assert bound.bound_reduction(1)([np.ones((31, 32), dtype)]) == 31 * 32  # any shape, flattened


def test_the_reduction_bound_refuses_arrays_of_different_sizes_and_no_arrays():
    with pytest.raises(ValueError, match="one size"):
        bound.bound_reduction(2)([np.ones(10), np.ones(11)])
    with pytest.raises(ValueError, match="at least one"):
        bound.bound_reduction(0)


def test_the_write_bound_of_an_activation_leaves_its_input_and_zeroes_its_output():
    arrays = [np.full(100, 5.0, np.float32), np.arange(100, dtype=np.float32)]
    cpu.launcher(bound.bound_elementwise(1, (), 1))(arrays, (0.0,))
    np.testing.assert_array_equal(arrays[0], np.zeros(100, np.float32))
    np.testing.assert_array_equal(arrays[1], np.arange(100, dtype=np.float32))


# ---------------------------------------------------------------------------------------
# every call computes what the block computes


def _host(value):
    if isinstance(value, tuple):
        return tuple(_host(v) for v in value)
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)


def _close(got, want):
    """float64 results of two honest implementations: far within 1e-9 of the largest value."""
    got, want = _host(got), _host(want)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
        return
    assert got.shape == want.shape
    scale = max(float(np.abs(want).max(initial=0.0)), 1e-300)
    assert float(np.abs(got - want).max(initial=0.0)) <= 1e-9 * scale


@pytest.mark.parametrize("direction", blocks.DIRECTIONS)
@pytest.mark.parametrize("block", block_names())
def test_the_kernel_and_torch_calls_compute_what_the_reference_does(block, direction):
    case, calls = blocks.calls(block, direction, SMALL, "float64", peers=("reference", "torch"))
    want = calls["reference"]()
    _close(calls["kernel"](), want)
    if "torch" in calls:
        _close(calls["torch"](), want)
    assert calls["kernel"]() is not None  # callable again: the timing calls it many times


@pytest.mark.parametrize("block", block_names())
def test_the_calls_run_on_the_blocks_own_shape_and_dout_matches_out(block):
    case = blocks.draw(block, "backward", SMALL, "float32")
    assert case.shape == get_block(block).shape(SMALL) and case.dtype == "float32"
    out = get_block(block).forward(*case.inputs, **case.parameters)[0]
    assert case.dout.shape == out.shape and case.dout.dtype == np.float32


def test_a_shape_given_replaces_the_blocks_own():
    case = blocks.draw("batchnorm" if "batchnorm" in block_names() else "relu", "forward", 0, "float32",
                       shape=(8, 48))
    assert case.shape == (8, 48) and case.size == 384


def test_the_torch_tensors_are_made_once_outside_the_timing(monkeypatch):
    torch = pytest.importorskip("torch")
    made = []
    real = torch.tensor
    monkeypatch.setattr(torch, "tensor", lambda *a, **k: made.append(1) or real(*a, **k))
    call = blocks.torch_call("sigmoid", "forward", SMALL, "float32")
    before = len(made)
    for _ in range(3):
        call()
    assert before >= 1 and len(made) == before
    assert torch.get_num_threads() == blocks.numba.get_num_threads()


def test_a_block_with_no_torch_counterpart_gets_no_torch_column_rather_than_an_error(monkeypatch):
    monkeypatch.delitem(torch_blocks.FORWARD, "relu")
    assert blocks.torch_call("relu", "forward", SMALL, "float32") is None
    _, calls = blocks.calls("relu", "backward", SMALL, "float32")
    assert set(calls) == {"kernel", "bound", "reference"}
    row = blocks.measure("relu", "backward", SMALL, "float32", rounds=1, min_time=1e-4)
    assert row.torch_seconds is None and row.torch_ratio is None
    assert blocks.format_table([row]).splitlines()[2].split()[-2] == "-"


# ---------------------------------------------------------------------------------------
# rows and the table


def test_measure_gives_consistent_figures():
    row = blocks.measure("tanh", "forward+backward", SMALL, "float32", peers=("reference",), rounds=1,
                         min_time=1e-4)
    assert (row.block, row.direction, row.n, row.shape, row.dtype) == ("tanh", "forward+backward", SMALL, (SMALL,),
                                                                       "float32")
    assert row.bytes == 4 * SMALL * (2 + 3)
    assert math.isclose(row.gb_per_s, row.bytes / row.seconds / 1e9)
    assert math.isclose(row.bound_fraction, row.bound_seconds / row.seconds)
    assert math.isclose(row.reference_ratio, row.reference_seconds / row.seconds)
    assert row.torch_seconds is None  # not asked for
    document = json.loads(json.dumps(row.as_dict()))
    assert document["shape"] == [SMALL] and document["bytes"] == row.bytes and document["torch_ratio"] is None


def test_the_grid_has_a_row_per_block_direction_dtype_and_case():
    rows = blocks.measure_grid(["relu", "elu"], ("forward",), sizes=(64,), dtypes=("float64",), peers=(),
                               rounds=1, min_time=1e-4, shapes=[(4, 8)])
    assert [(r.block, r.shape) for r in rows] == [("relu", (64,)), ("relu", (4, 8)), ("elu", (64,)), ("elu", (4, 8))]


def test_the_table_has_a_line_per_row_and_dashes_for_what_is_missing():
    rows = [blocks.BlockRow("sigmoid", "forward", 10**7, (10**7,), "float32", 0.01, 0.009, 8 * 10**7, 0.02, 0.1),
            blocks.BlockRow("batchnorm", "forward+backward", 1024 * 4096, (1024, 4096), "float32", 0.01)]
    table = blocks.format_table(rows).splitlines()
    assert table[2].split() == ["sigmoid", "forward", "1e7", "float32", "1e+04", "8.0", "0.90", "8.9", "2.00",
                                "10.00"]
    assert table[3].split() == ["batchnorm", "forward+backward", "1024x4096", "float32", "1e+04", "-", "-", "-", "-",
                                "-"]


def test_memory_needed_counts_the_copies_and_the_bound():
    # relu backward at float32: x and dout, 3 arrays for the kernel and each of two peers, the bound's 2 + 1
    assert blocks.bytes_needed("relu", "backward", (1000,), "float32") == 4 * 1000 * (2 + 9 + 3)
