"""optbench.perf.bench, the measurement grid and its table: fast checks, no timing claims
(timings live in benchmarks/)."""

import json
import math

import types

import pytest

from optbench.kernels import unavailable
from optbench.perf import bench, peers


def test_measure_gives_a_row_per_form_with_consistent_figures():
    rows = bench.measure("adam", "cpu", 256, "float32", peers=("reference",), rounds=1, min_time=1e-4)
    assert [row.form for row in rows] == ["fast", "exact"]
    fast, exact = rows
    assert fast.bound_seconds == exact.bound_seconds and fast.peers == exact.peers and fast.memory == exact.memory
    for row in rows:
        assert (row.rule, row.backend, row.n, row.dtype, row.bytes_per_parameter) == ("adam", "cpu", 256, "float32", 28)
        assert math.isclose(row.gb_per_s, 256 * 28 / row.seconds / 1e9)
        assert math.isclose(row.bound_fraction, row.bound_seconds / row.seconds)
        assert math.isclose(row.speedup("reference"), row.peers["reference"] / row.seconds)
        assert math.isclose(row.memory_gb_per_s("triad"), 256 * 12 / row.memory["triad"] / 1e9)
        assert math.isclose(row.memory_gb_per_s("copy"), 256 * 8 / row.memory["copy"] / 1e9)
        assert math.isclose(row.memory_fraction("copy"), row.gb_per_s / row.memory_gb_per_s("copy"))
        assert row.speedup("torch_fused") is None
        document = json.loads(json.dumps(row.as_dict()))
        assert document["speedup"] == {"reference": row.speedup("reference")} and document["form"] == row.form
        assert set(document["memory_gb_per_s"]) == set(document["memory_fraction"]) == {"triad", "copy"}


def test_measure_one_form():
    rows = bench.measure("sgd", "cpu", 64, "float64", peers=(), rounds=1, min_time=1e-4, forms=("exact",))
    assert [(row.form, row.peers) for row in rows] == [("exact", {})]


def test_table_has_a_line_per_row_and_dashes_for_missing_peers():
    row = bench.Row("adam", "cpu", "fast", 10**7, "float32", 0.01, 0.009, 28, {"reference": 0.15},
                    {"triad": 10**7 * 12 / 20e9})
    table = bench.format_table([row])
    line = table.splitlines()[2].split()
    assert line[:5] == ["adam", "cpu", "fast", "1e7", "float32"]
    assert line[5:] == ["1e+04", "1G", "28.0", "0.90", "31.1", "20.0", "15.00", "-", "-", "-"]
    assert "us/update" in table and "x fused" in table and "x forloop" in table and "triad GB/s" in table


@pytest.mark.parametrize("n, label", [(1000, "1e3"), (10**7, "1e7"), (1 << 24, "2^24"), (12345, "12345"), (64, "64")])
def test_size_labels(n, label):
    assert bench.size_label(n) == label


def test_the_simulator_is_never_timed(monkeypatch):
    import numba

    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 1)
    assert bench.timed_backends() == ["cpu"]
    assert "simulator" in bench.untimed("cuda")


@pytest.mark.skipif(unavailable("cuda") is not None, reason="needs a CUDA GPU or the simulator")
def test_on_cuda_the_device_copy_is_raced_and_the_clock_waits_for_torch_too(monkeypatch):
    """The kernels, their bound and the device-to-device copy in one race (on the simulator:
    no timing claim); with torch steps on the device, every sample waits for torch as well."""
    waits = []
    fake_torch = types.SimpleNamespace(cuda=types.SimpleNamespace(synchronize=lambda: waits.append(1)))
    monkeypatch.setattr(bench, "torch_call", lambda *args, **kwargs: lambda: None)
    monkeypatch.setattr(bench, "torch_on", lambda device: fake_torch)
    rows = bench.measure("sgd", "cuda", 16, "float32", peers=("torch",), rounds=1, min_time=1e-4)
    for row in rows:
        assert set(row.memory) == {"copy"} and set(row.peers) == {"torch_forloop", "torch_foreach", "torch_fused"}
        assert math.isclose(row.memory_gb_per_s("copy"), 16 * 8 / row.memory["copy"] / 1e9)
        assert row.memory_gb_per_s("triad") is None and row.memory_fraction("triad") is None
    assert len(waits) >= 2 * 7  # before and after each of the seven candidates' samples at least


def test_torch_on_a_device_it_does_not_have_is_no_peer():
    torch = peers.torch_or_none()
    if torch is None or torch.cuda.is_available():
        pytest.skip("needs torch without a CUDA device")
    assert peers.torch_on("cuda") is None and peers.torch_call("adam", 8, "float32", "fused", device="cuda") is None
    assert peers.torch_on("cpu") is torch


def test_memory_needed_counts_every_array_and_peer():
    # Adam: x, dx, m, v in float32, a copy of them for each of two peers, the triad's three arrays
    assert bench.bytes_needed("adam", 1000, "float32", ("reference", "torch")) == 4 * 1000 * 4 * 3 + 3 * 1000 * 4


def test_write_json_is_complete_or_absent(tmp_path):
    row = bench.Row("sgd", "cpu", "exact", 10, "float64", 1e-6, 1e-6, 24, {})
    path = bench.write_json(tmp_path / "b.json", [row], {"cpu": "x"})
    document = json.loads(path.read_text())
    assert document["machine"] == {"cpu": "x"} and document["rows"][0]["rule"] == "sgd"
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]
