"""The same-pattern bound: it reads and writes what the rule does, and changes nothing."""

import numpy as np
import pytest

from optbench import config
from optbench.kernels import cpu
from optbench.optim import get_rule
from optbench.perf import bench
from optbench.perf.bound import bound_elementwise, bytes_per_parameter


def test_traffic_counts_reads_and_writes():
    assert bytes_per_parameter(get_rule("adam").elementwise, "float32") == 28  # x dx m v read, x m v written
    assert bytes_per_parameter(get_rule("sgd").elementwise, "float32") == 12
    assert bytes_per_parameter(bench.elementwise_of("average"), "float64") == 24


def _run_bound(shape, arrays, s=1.0):
    launch = cpu.launcher(bound_elementwise(*shape))
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


@pytest.mark.parametrize("target", bench.targets())
def test_the_bound_runs_over_the_updated_arrays_and_leaves_them_be(target):
    updates, bound = bench.updates_and_bound(target, "cpu", 17, "float32")
    for update in updates.values():
        update()
    arrays = [a.copy() for a in bound.args[0]]
    bound()
    for a, b in zip(bound.args[0], arrays):
        np.testing.assert_array_equal(a, b)
