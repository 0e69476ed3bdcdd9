"""The CUDA backend against the reference, on a GPU or on Numba's simulator.

Skipped as a whole where neither is present; CI runs it with NUMBA_ENABLE_CUDASIM=1. The
simulator runs a Python thread for every GPU thread, so arrays stay small and runs short.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optbench
from optbench.kernels import unavailable

REASON = unavailable("cuda")
if REASON:
    pytest.skip(REASON, allow_module_level=True)

from numba import cuda  # noqa: E402
from strategies import hyperparameters, shapes  # noqa: E402
from wrong_kernels import WRONG, wrong_kernel  # noqa: E402

from optbench import config  # noqa: E402
from optbench.kernels import cuda as backend  # noqa: E402
from optbench.conformance.verify import verify, verify_all, verify_average  # noqa: E402

STEPS = 10
SIZE = backend.VERIFY_SIZE
DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("form", ["exact", "fast"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule", optbench.rule_names())
def test_kernel_matches_reference(rule, dtype, form):
    verdict = verify(rule, "cuda", dtype, steps=STEPS, size=SIZE, form=form)
    assert verdict.passed, verdict


@settings(max_examples=20)
@given(st.data(), st.sampled_from(optbench.rule_names()), st.sampled_from(DTYPES), shapes)
def test_any_shape_and_hyperparameters(data, rule, dtype, shape):
    verdict = verify(rule, "cuda", dtype, steps=3, shape=shape, **data.draw(hyperparameters(rule)))
    assert verdict.passed, verdict


@pytest.mark.parametrize("dtype", DTYPES)
def test_running_average_matches_reference(dtype):
    verdict = verify_average("cuda", dtype, steps=STEPS, size=SIZE)
    assert verdict.passed, verdict


def test_a_scheduled_learning_rate():
    schedule = optbench.schedule("step", 0.1, drop=0.5, every=3)
    verdict = verify("sgd_momentum", "cuda", "float32", steps=STEPS, size=SIZE, learning_rate=schedule)
    assert verdict.passed, verdict


def test_a_grid_smaller_than_the_array_strides_over_all_of_it(monkeypatch):
    monkeypatch.setattr(config, "CUDA_THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 2)
    verdict = verify("adam", "cuda", "float32", steps=STEPS, size=SIZE)
    assert verdict.passed, verdict


@pytest.mark.parametrize("form", ["exact", "fast"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule, name", sorted(WRONG), ids=str)
def test_every_variant_is_rejected(rule, name, dtype, form):
    verdict = verify(wrong_kernel(rule, name), "cuda", dtype, steps=STEPS, size=SIZE, form=form)
    assert not verdict.passed, f"{rule}/{name} ({form}) passed verification: {verdict}"


def test_a_wrong_running_average_is_rejected(monkeypatch):
    import optbench.optim.averaging as averaging

    def swapped(x_test, x, decay, one_minus_decay):
        return one_minus_decay * x_test + decay * x

    monkeypatch.setattr(averaging, "ELEMENTWISE", averaging.Elementwise(swapped, 2, (0,)))
    assert not verify_average("cuda", "float32", steps=STEPS, size=SIZE).passed


def test_optbench_verify_runs_the_cuda_backend():
    rows, skipped = verify_all(rules=["sgd"], backends=("cuda",), dtypes=("float32",), steps=2)
    assert not skipped
    assert [(r.rule, r.backend, r.form, r.size) for r in rows] == [
        ("sgd", "cuda", "fast", SIZE), ("sgd", "cuda", "exact", SIZE), ("running_average", "cuda", "exact", SIZE)]
    assert all(r.passed for r in rows)


def device(*shape, dtype=np.float32, seed=0):
    return cuda.to_device(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def test_init_allocates_zeroed_state_on_the_device():
    x = device(4, 8)
    state = optbench.optimizer("adam", backend="cuda").init(x)
    assert state["t"] == 0
    for name in ("m", "v"):
        assert cuda.devicearray.is_cuda_ndarray(state[name])
        assert (state[name].shape, state[name].dtype) == (x.shape, x.dtype)
        np.testing.assert_array_equal(state[name].copy_to_host(), 0)
    x_test = optbench.parameter_average(backend="cuda").init(x)
    assert cuda.devicearray.is_cuda_ndarray(x_test) and x_test is not x
    np.testing.assert_array_equal(x_test.copy_to_host(), x.copy_to_host())


def test_update_is_in_place_on_the_device_arrays():
    opt = optbench.optimizer("sgd_momentum", backend="cuda", learning_rate=0.5, momentum=0.5)
    x = cuda.to_device(np.ones(3, np.float32))
    state = opt.init(x)
    opt.update(x, cuda.to_device(np.ones(3, np.float32)), state)
    backend.synchronize()
    np.testing.assert_array_equal(state["velocity"].copy_to_host(), -0.5)
    np.testing.assert_array_equal(x.copy_to_host(), 0.5)


def test_host_arrays_are_refused_with_how_to_move_them():
    opt = optbench.optimizer("adam", backend="cuda")
    x = device(SIZE)
    state = opt.init(x)
    host = np.ones(SIZE, np.float32)
    average = optbench.parameter_average(backend="cuda")
    calls = [
        lambda: opt.update(x, host, state),
        lambda: opt.update(host, device(SIZE), opt.init(x)),
        lambda: opt.init(host),
        lambda: average.init(host),
        lambda: average.update(x, host),
    ]
    for call in calls:
        with pytest.raises(TypeError, match=r"numba\.cuda\.to_device"):
            call()
    np.testing.assert_array_equal(host, 1)
    np.testing.assert_array_equal(x.copy_to_host(), device(SIZE).copy_to_host())
    assert state["t"] == 0 and not state["m"].copy_to_host().any()


BAD_UPDATES = [
    ("dx shape", lambda x, dx, s: (x, device(SIZE // 2), s), ValueError, "shape"),
    ("dx dtype", lambda x, dx, s: (x, device(SIZE, dtype=np.float64), s), TypeError, "dtype"),
    ("state shape", lambda x, dx, s: (x, dx, {**s, "m": device(SIZE + 1)}), ValueError, "state['m']"),
    ("non-contiguous x", lambda x, dx, s: (device(2 * SIZE)[::2], dx, s), ValueError, "contiguous"),
    ("float16 x", lambda x, dx, s: (device(SIZE, dtype=np.float16), dx, s), TypeError, "float32 or float64"),
]


@pytest.mark.parametrize("case", BAD_UPDATES, ids=lambda case: case[0])
def test_bad_update_is_refused_and_modifies_nothing(case):
    _, mutate, error, word = case
    opt = optbench.optimizer("adam", backend="cuda")
    x, dx = device(SIZE), device(SIZE, seed=1)
    state = opt.init(x)
    opt.update(x, dx, state)
    arrays = [x, dx, state["m"], state["v"]]
    before = [a.copy_to_host() for a in arrays]
    with pytest.raises(error) as raised:
        opt.update(*mutate(x, dx, state))
    assert word in str(raised.value)
    for a, b in zip(before, arrays):
        np.testing.assert_array_equal(a, b.copy_to_host())
    assert state["t"] == 1


def test_average_mismatch_is_refused_and_modifies_nothing():
    average = optbench.parameter_average(backend="cuda")
    x_test = average.init(device(SIZE))
    before = x_test.copy_to_host()
    with pytest.raises(ValueError, match="must match"):
        average.update(x_test, device(SIZE, dtype=np.float64))
    np.testing.assert_array_equal(x_test.copy_to_host(), before)


class Foreign:
    """Device memory as another library (CuPy, PyTorch) shares it: `__cuda_array_interface__`
    and a dtype that is not numpy's."""

    def __init__(self, array, readonly=False):
        interface = array.__cuda_array_interface__
        self.__cuda_array_interface__ = {**interface, "data": (interface["data"][0], readonly)}
        self.shape = array.shape
        self.dtype = f"foreign {array.dtype}"
        self._owner = array


@pytest.mark.skipif(backend.SIMULATOR, reason="the simulator has no __cuda_array_interface__")
def test_objects_with_the_cuda_array_interface_are_updated_in_place():
    opt = optbench.optimizer("adam", backend="cuda")
    x, dx = device(SIZE), device(SIZE, seed=1)
    x_foreign = device(SIZE)
    state, state_foreign = opt.init(x), opt.init(Foreign(x_foreign))
    for _ in range(3):
        opt.update(x, dx, state)
        opt.update(Foreign(x_foreign), Foreign(dx), state_foreign)
    np.testing.assert_array_equal(x_foreign.copy_to_host(), x.copy_to_host())
    np.testing.assert_array_equal(state_foreign["m"].copy_to_host(), state["m"].copy_to_host())
    with pytest.raises(ValueError, match="read-only"):
        opt.update(Foreign(x_foreign, readonly=True), dx, state_foreign)


def run_without_simulator(code):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_the_other_backends_never_touch_cuda():
    code = (
        "import sys, numpy as np, optbench\n"
        "x = np.zeros(3, np.float32)\n"
        "opt = optbench.optimizer('adam', backend='cpu')\n"
        "opt.update(x, x.copy(), opt.init(x))\n"
        "print('numba.cuda' in sys.modules)"
    )
    assert run_without_simulator(code) == "False"


def test_without_a_device_the_error_names_both_ways_to_get_one():
    code = (
        "import optbench\n"
        "from optbench.kernels import unavailable\n"
        "if unavailable('cuda') is None:\n"
        "    print('device')\n"
        "else:\n"
        "    try:\n"
        "        optbench.optimizer('adam', backend='cuda')\n"
        "    except RuntimeError as error:\n"
        "        print(error)\n"
    )
    message = run_without_simulator(code)
    if message == "device":
        pytest.skip("a CUDA device is present")
    assert "no CUDA device" in message and "GPU" in message and "NUMBA_ENABLE_CUDASIM=1" in message
