"""The CPU kernels refuse, before writing anything, every array the interface does not
accept, and the small launcher's compiled scalars are the ones larger arrays get."""

import numpy as np
import pytest

from optbench.kernels import cpu
from optbench.optim import get_rule

ADAM = get_rule("adam")


def _arrays(n=40, dtype=np.float32):
    rng = np.random.default_rng(0)
    x, dx, m = (rng.standard_normal(n).astype(dtype) for _ in range(3))
    return [x, dx, m, np.abs(rng.standard_normal(n)).astype(dtype)]


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("bad, error", [
    (lambda a: [_read_only(a[0]), *a[1:]], TypeError),                       # x read-only
    (lambda a: [a[0], a[1].astype(np.float64), *a[2:]], TypeError),          # mixed dtypes
    (lambda a: [x.astype(np.int32) for x in a], TypeError),                  # not floating point
    (lambda a: [np.repeat(x, 2)[::2] for x in a], TypeError),                # not contiguous
    (lambda a: [x.reshape(4, 10) for x in a], TypeError),                    # not one-dimensional
    (lambda a: [a[0], a[1][:-1], *a[2:]], ValueError),                       # sizes differ
    (lambda a: [*a[:3], a[3][:-1]], ValueError),
], ids=["read-only x", "mixed dtypes", "int32", "strided", "2-D", "short dx", "short v"])
def test_the_kernels_refuse_before_writing(bad, error):
    serial, parallel = cpu.kernels(ADAM.form("exact").elementwise)
    scalars = ADAM.scalars(1e-3, 3, 0.9, 0.999, 1e-7, True)
    arrays = bad(_arrays())
    before = [a.copy() for a in arrays]
    for kernel in (serial, lambda *args: parallel(2, *args)):
        with pytest.raises(error):
            kernel(*arrays, *scalars)
        for a, b in zip(arrays, before):
            np.testing.assert_array_equal(a, b)


def test_a_read_only_gradient_is_accepted():
    serial, _ = cpu.kernels(ADAM.form("exact").elementwise)
    x, dx, m, v = _arrays()
    serial(x, _read_only(dx), m, v, *ADAM.scalars(1e-3, 3, 0.9, 0.999, 1e-7, True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("t, bias_correction", [(1, True), (7, True), (10**6, True), (3, False)])
def test_the_small_kernel_computes_the_scalars_larger_arrays_get(dtype, t, bias_correction):
    fast = ADAM.form("fast")
    settings = (0.9, 0.999, 1e-7, bias_correction)
    small, size, scalars = cpu.small_launcher(fast.elementwise, fast.scalars, settings)
    serial, _ = cpu.kernels(fast.elementwise)
    assert size > 40
    one, two = _arrays(dtype=dtype), _arrays(dtype=dtype)
    small(*one, 1e-3, t, *settings)
    serial(*two, *scalars(1e-3, t, *settings))
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(scalars(1e-3, t, *settings), fast.scalars(1e-3, t, *settings), rtol=1e-13)


def test_without_scalars_the_small_kernel_is_the_serial_kernel():
    exact = ADAM.form("exact")
    small, _, scalars = cpu.small_launcher(exact.elementwise)
    assert small is cpu.kernels(exact.elementwise)[0] and scalars is None
