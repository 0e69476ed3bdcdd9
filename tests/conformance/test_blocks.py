"""The block harness: every block verified on every backend, every named variant caught
and named, torch.nn.functional beside the reference."""

import dataclasses
import numpy as np
import pytest

from optbench.blocks.registry import block_names, get_block
from optbench.conformance import blocks as harness
from optbench.conformance.adapters import torch_blocks
from optbench.conformance.block_matrix import block_matrix, format_block_matrix
from optbench.conformance.verify import verify_block, verify_blocks
from optbench.kernels import unavailable
from optbench.verification.block_variants import block_variants

VARIANTS = [(v.block, v.name) for v in block_variants()]


@pytest.mark.parametrize("name", block_names())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_block_verifies_on_the_cpu(name, dtype):
    rows = verify_block(name, "cpu", dtype, seed=11)
    assert {r.output for r in rows} == set(harness.names(get_block(name)))
    assert all(r.passed for r in rows), [(r.output, r.worst_ulps, r.tolerance_ulps, r.where) for r in rows]


@pytest.mark.skipif(unavailable("cuda") is not None, reason="no CUDA device or simulator")
@pytest.mark.parametrize("name", block_names())
def test_every_block_verifies_on_cuda(name):
    for dtype in ("float32", "float64"):
        rows = verify_block(name, "cuda", dtype, seed=12)
        assert all(r.passed for r in rows), [(r.output, r.worst_ulps, r.tolerance_ulps, r.where) for r in rows]


def test_the_registry_has_the_lecture_blocks():
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "elu"} <= set(block_names())


def test_each_block_module_has_a_reference_with_the_same_names():
    for name in block_names():
        block = get_block(name)
        assert callable(block.reference_forward) and callable(block.reference_backward), name


@pytest.mark.parametrize("block, variant", VARIANTS, ids=[f"{b}-{v}" for b, v in VARIANTS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_named_variant_is_caught_and_named(block, variant, dtype):
    (found,) = [v for v in block_variants(block) if v.name == variant]
    rows = harness.check(block, harness.variant_implementation(found), variant, dtype, seed=13)
    failing = [r for r in rows if not r.passed]
    assert failing, f"{variant} passes verification of {block} in {dtype}"
    assert all(variant in r.matches for r in failing), [(r.output, r.matches) for r in failing]


def test_the_lecture_variants_are_in_the_catalogue():
    names = {v.name for v in block_variants()}
    assert {"elu_without_minus_one", "leaky_slope_on_positive_side"} <= names


def test_a_wrong_backend_kernel_fails_verification(monkeypatch):
    from optbench.blocks import leaky_relu

    def forward(x, zero, slope):  # the slope on the positive side
        return slope * x if x > zero else x

    wrong = dataclasses.replace(leaky_relu.ACTIVATION, forward_step=forward)
    monkeypatch.setattr(leaky_relu, "ACTIVATION", wrong)
    rows = verify_block("leaky_relu", "cpu", "float32", seed=1)
    assert not next(r for r in rows if r.output == "out").passed


def test_rows_say_where_a_result_departs():
    block = get_block("elu")
    (variant,) = block_variants("elu")
    (out_row, dx_row) = harness.check(block, harness.variant_implementation(variant), "mine", "float64", (50,), seed=3)
    assert not out_row.passed and out_row.where.startswith("at (") and "expected" in out_row.where
    assert dx_row.passed


def test_missing_or_misshapen_results_fail():
    block = get_block("relu")

    def run(inputs, parameters, dout):
        return {"out": np.zeros(3)}

    rows = harness.check(block, run, "broken", "float64", (5,), seed=0)
    assert [r.where for r in rows] == ["shape (3,), expected (5,)", "missing"]
    assert not any(r.passed for r in rows)


torch_missing = pytest.mark.skipif(torch_blocks.unavailable() is not None, reason="torch not installed")


@torch_missing
@pytest.mark.parametrize("name", [n for n in block_names() if n in torch_blocks.FORWARD and n != "batchnorm"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_conforms_on_the_blocks_it_computes_as_the_lecture(name, dtype):
    block = get_block(name)
    rows = harness.check(block, torch_blocks.implementation(block), "torch", dtype, seed=5)
    assert all(r.passed for r in rows), [(r.output, r.worst_ulps, r.tolerance_ulps, r.where) for r in rows]


@torch_missing
@pytest.mark.skipif("batchnorm" not in block_names(), reason="batch norm not registered")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_batchnorm_departs_in_the_running_variance_only_and_it_is_named(dtype):
    block = get_block("batchnorm")
    rows = {r.output: r for r in harness.check(block, torch_blocks.implementation(block), "torch", dtype, seed=5)}
    assert not rows["running_var"].passed
    assert rows["running_var"].matches == ["unbiased_running_variance"]
    assert all(r.passed for name, r in rows.items() if name != "running_var")


def test_torch_dropout_is_skipped_with_the_reason():
    if "dropout" in block_names():
        assert "own generator" in torch_blocks.why_not("dropout")


def test_the_matrix_and_its_table():
    rows = block_matrix(["optbench"], ["relu"], ["float64"])
    text = format_block_matrix(rows)
    assert "optbench (cpu)" in text and "blocks:" in text
    assert all(r.passed for r in rows)


def test_verify_blocks_lists_a_backend_that_cannot_run_as_skipped(monkeypatch):
    import optbench.conformance.verify as verification

    monkeypatch.setattr(verification, "unavailable", lambda b: "no CUDA device" if b == "cuda" else None)
    rows, skipped = verify_blocks(["relu"], dtypes=["float32"], seed=0)
    assert skipped == [{"backend": "cuda", "reason": "no CUDA device"}]
    assert {r.implementation for r in rows} == {"optbench (cpu)"}
