"""optbench.bench, the measurement library, and the `optbench bench` command: fast checks,
no timing claims (timings live in benchmarks/)."""

import json
import math

import numpy as np
import pytest

from optbench import bench, config
from optbench.backends import cpu
from optbench.cli import main
from optbench.commands.bench import size
from optbench.elementwise import Elementwise
from optbench.registry import get_rule, rule_names


def test_traffic_counts_reads_and_writes():
    assert bench.bytes_per_parameter(get_rule("adam").elementwise, "float32") == 28  # x dx m v read, x m v written
    assert bench.bytes_per_parameter(get_rule("sgd").elementwise, "float32") == 12
    assert bench.bytes_per_parameter(bench.elementwise_of("average"), "float64") == 24


@pytest.mark.parametrize("target", bench.targets())
def test_bound_has_the_shape_of_its_step(target):
    step = bench.elementwise_of(target)
    bound = bench.bound_of(step)
    assert (bound.n_arrays, bound.updated, bound.n_scalars) == (step.n_arrays, tuple(step.updated), 1)
    assert bench.bytes_per_parameter(bound, "float32") == bench.bytes_per_parameter(step, "float32")


def _run_bound(shape, arrays, s=1.0):
    launch = cpu.launcher(bench.bound_elementwise(*shape))
    launch(arrays, (s,))


@pytest.mark.parametrize("threshold", [1, 1 << 40], ids=["parallel", "serial"])
@pytest.mark.parametrize("offset", [0, 3], ids=["aligned", "offset"])
def test_bound_reads_every_array_and_writes_exactly_the_updated_ones(monkeypatch, threshold, offset):
    monkeypatch.setattr(config, "PARALLEL_THRESHOLD", threshold)
    shape = (4, (0, 2, 3))  # Adam's: x, dx, m, v; x, m and v written back
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(1003 + offset)[offset:] for _ in range(4)]
    before = [a.copy() for a in arrays]
    _run_bound(shape, arrays)
    for k in (0, 2, 3):
        np.testing.assert_array_equal(arrays[k], before[k] + before[1])
    np.testing.assert_array_equal(arrays[1], before[1])  # read, never written
    after = [a.copy() for a in arrays]
    _run_bound(shape, arrays, 0.0)  # as measured: every value written back unchanged
    for a, b in zip(arrays, after):
        np.testing.assert_array_equal(a, b)


def test_bound_with_several_read_only_arrays_reads_them_all():
    arrays = [np.full(10, 1.0), np.full(10, 2.0), np.full(10, 4.0)]
    _run_bound((3, (1,)), arrays)
    np.testing.assert_array_equal(arrays[1], np.full(10, 7.0))
    np.testing.assert_array_equal(arrays[0], np.full(10, 1.0))


def test_bound_source_is_one_add_per_written_array():
    source = bench.bound_elementwise(4, (0, 2, 3)).source
    assert "return a0 + a1 * s, a2 + a1 * s, a3 + a1 * s" in source


@pytest.mark.parametrize("target", ["adam", "average"])
def test_the_bound_runs_over_the_updated_arrays_and_leaves_them_be(target):
    update, bound = bench.update_and_bound(target, "cpu", 17, "float32")
    update()
    arrays = [a.copy() for a in bound.args[0]]
    bound()
    for a, b in zip(bound.args[0], arrays):
        np.testing.assert_array_equal(a, b)
    update()
    bench.reference_call(target, 5, "float64")()


def test_race_keeps_the_fastest_sample_of_each():
    calls = {"a": lambda: None, "b": lambda: sum(range(1000))}
    best = bench.race(calls, rounds=2, min_time=1e-4)
    assert set(best) == {"a", "b"} and all(0 < s < 1 for s in best.values())
    assert best["a"] < best["b"]


def test_measure_gives_a_row_with_consistent_figures():
    row = bench.measure("sgd", "cpu", 256, "float32", peers=("reference",), rounds=1, min_time=1e-4)
    assert (row.rule, row.backend, row.n, row.dtype, row.bytes_per_parameter) == ("sgd", "cpu", 256, "float32", 12)
    assert math.isclose(row.gb_per_s, 256 * 12 / row.seconds / 1e9)
    assert math.isclose(row.bound_fraction, row.bound_seconds / row.seconds)
    assert math.isclose(row.speedup("reference"), row.peers["reference"] / row.seconds)
    assert row.speedup("torch_fused") is None
    assert json.loads(json.dumps(row.as_dict()))["speedup"] == {"reference": row.speedup("reference")}


def test_table_has_a_line_per_row_and_dashes_for_missing_peers():
    row = bench.Row("adam", "cpu", 10**7, "float32", 0.01, 0.009, 28, {"reference": 0.15})
    table = bench.format_table([row])
    line = table.splitlines()[2].split()
    assert line[:4] == ["adam", "cpu", "1e7", "float32"]
    assert line[4:] == ["1e+04", "1G", "28.0", "0.90", "15.00", "-", "-"]
    assert "us/update" in table and "x fused" in table


@pytest.mark.parametrize("n, label", [(1000, "1e3"), (10**7, "1e7"), (1 << 24, "2^24"), (12345, "12345"), (64, "64")])
def test_size_labels(n, label):
    assert bench.size_label(n) == label


@pytest.mark.parametrize("text, n", [("1000", 1000), ("1e7", 10**7), ("2^24", 1 << 24)])
def test_size_argument(text, n):
    assert size(text) == n


@pytest.mark.parametrize("text", ["x", "0", "-5", "2^x"])
def test_size_argument_refuses_nonsense(text):
    with pytest.raises(ValueError):
        size(text)


def test_machine_info_records_threads_layer_and_versions():
    info = bench.machine_info()
    assert "torch_threads" in info
    assert info["threading_layer"] in {"tbb", "omp", "workqueue"}
    assert info["numba_threads"] >= 1 and info["parallel_threshold"] == config.PARALLEL_THRESHOLD
    assert {"python", "numpy", "numba"} <= set(info["versions"])
    assert isinstance(info["environment"], dict)


def test_bench_command_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main(
        ["bench", "--rule", "sgd", "--n", "100", "--dtype", "float32", "--peers", "reference", "--rounds", "1", "--min-time", "1e-4", "--output", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "us/update" in printed and "sgd" in printed
    document = json.loads(out.read_text())
    assert [r["rule"] for r in document["rows"]] == ["sgd"]
    assert document["machine"]["threading_layer"]


def test_bench_command_refuses_unknown_peers(capsys):
    assert main(["bench", "--peers", "jax", "--output", ""]) == 2
    assert "unknown peer" in capsys.readouterr().err


def test_new_rule_gets_a_bound_without_an_edit():
    def step(x, dx, a, b, learning_rate):
        return x + dx, a, b

    bound = bench.bound_of(Elementwise(step, 4, (0, 2, 3)))
    assert bound.updated == (0, 2, 3)


def test_every_rule_is_a_target():
    assert set(rule_names()) | {"average"} == set(bench.targets())
