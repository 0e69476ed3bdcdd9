"""The machine record that goes with every measurement."""

import json

from optbench.perf import machine


def test_record_is_json_and_names_what_sets_the_numbers():
    record = json.loads(json.dumps(machine.record()))
    assert record["threading_layer"] in {"tbb", "omp", "workqueue"}
    assert record["usable_cores"] >= 1 and record["numba_threads"] >= 1
    assert record["versions"]["numpy"] and record["versions"]["numba"]
    assert record["optbench_commit"]


def test_load_average_is_printed_for_a_person():
    text = machine.describe_load((0.123456, 1.0, 2.5))
    assert text == "0.12, 1.00, 2.50 (1, 5, 15 min)"


def test_rows_and_line_come_from_one_record():
    record = machine.record()
    rows = dict(machine.rows(record))
    assert rows["CPU"] == record["cpu"] and rows["numpy"] == record["versions"]["numpy"]
    assert record["cpu"] in machine.line(record) and "load " in machine.line(record)


def test_version_of_a_missing_package_is_none():
    assert machine.version("no-such-package-here") is None


def test_gpu_describes_the_device_or_says_there_is_none(monkeypatch):
    import numba

    import optbench.kernels

    found = machine.gpu()
    if numba.config.ENABLE_CUDASIM:
        assert found == {"name": "Numba's CUDA simulator (no GPU)", "simulator": True}
    elif found is not None:
        assert found["simulator"] is False and found["name"] and found["compute_capability"]
    monkeypatch.setattr(optbench.kernels, "unavailable", lambda backend: "no CUDA device")
    assert machine.gpu() is None
