"""The machine record that goes with every measurement."""

import json

from optbench import machine


def test_info_is_json_and_names_what_sets_the_numbers():
    info = json.loads(json.dumps(machine.info()))
    assert info["threading_layer"] in {"tbb", "omp", "workqueue"}
    assert info["usable_cores"] >= 1 and info["numba_threads"] >= 1
    assert info["versions"]["numpy"] and info["versions"]["numba"]
    assert info["optbench_commit"]


def test_version_of_a_missing_package_is_none():
    assert machine.version("no-such-package-here") is None
