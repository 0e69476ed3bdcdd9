"""The public contract of optimizer(): init, update, resuming, and bad input."""

import numpy as np
import pytest
from optbench.reference.rules.adam import adam as reference_adam

import optbench

BACKENDS = ["reference", "cpu"]


def arrays(n=5, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rule", optbench.rule_names())
def test_init_gives_zeroed_state_like_x_and_t_zero(rule, backend):
    x = np.ones((2, 3), np.float32)
    opt = optbench.optimizer(rule, backend=backend)
    state = opt.init(x)
    assert set(state) == {*opt.rule.state, "t"} and state["t"] == 0
    for name in opt.rule.state:
        assert state[name].shape == x.shape and state[name].dtype == x.dtype
        assert not state[name].any() and not np.shares_memory(state[name], x)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rule", optbench.rule_names())
def test_update_counts_and_works_in_place(rule, backend):
    x, dx = arrays()
    before = x.copy()
    opt = optbench.optimizer(rule, backend=backend)
    state = opt.init(x)
    buffers = {name: state[name] for name in opt.rule.state}
    opt.update(x, dx, state)
    opt.update(x, dx, state)
    assert state["t"] == 2
    assert not np.array_equal(x, before)
    assert all(state[name] is buffers[name] for name in buffers)


def test_adam_first_update_uses_t_equal_one():
    # With bias correction the first step is lr * dx / (|dx| + eps): about lr in size.
    x = np.zeros(3)
    dx = np.array([1e-3, -2.0, 50.0])
    opt = optbench.optimizer("adam", backend="cpu", learning_rate=0.1)
    opt.update(x, dx, opt.init(x))
    np.testing.assert_allclose(x, -0.1 * np.sign(dx), rtol=1e-3)


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_state_set_by_the_caller_resumes_exactly(rule):
    rng = np.random.default_rng(1)
    gradients = rng.standard_normal((20, 50))
    opt = optbench.optimizer(rule, backend="cpu")
    x = rng.standard_normal(50)
    state = opt.init(x)
    for dx in gradients[:10]:
        opt.update(x, dx, state)
    saved_x, saved = x.copy(), {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    for dx in gradients[10:]:
        opt.update(x, dx, state)

    fresh = optbench.optimizer(rule, backend="cpu")
    resumed = fresh.init(saved_x)
    for name in fresh.rule.state:
        resumed[name][...] = saved[name]
    resumed["t"] = saved["t"]
    for dx in gradients[10:]:
        fresh.update(saved_x, dx, resumed)
    np.testing.assert_array_equal(saved_x, x)


def test_a_known_adam_state_matches_the_reference_config():
    x, dx = arrays(dtype=np.float64)
    m0, v0 = np.full(5, 0.1), np.full(5, 0.02)
    opt = optbench.optimizer("adam", backend="cpu", form="exact")
    state = opt.init(x)
    state["m"][...], state["v"][...], state["t"] = m0, v0, 5
    expected, config = reference_adam(x.copy(), dx, {"m": m0, "v": v0, "t": 5})
    opt.update(x, dx, state)
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(state["m"], config["m"])
    assert state["t"] == config["t"] == 6


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(0,), (1,), (), (3, 0, 2), (2, 3, 4)])
def test_any_shape_including_sizes_zero_and_one(shape, backend):
    x = np.ones(shape, np.float32)
    opt = optbench.optimizer("rmsprop", backend=backend)
    state = opt.init(x)
    opt.update(x, np.full(shape, 0.5, np.float32), state)
    assert x.shape == shape and state["t"] == 1
    assert np.all(x < 1)


def test_float32_stays_float32():
    x, dx = arrays(dtype=np.float32)
    opt = optbench.optimizer("adam", backend="cpu")
    state = opt.init(x)
    opt.update(x, dx, state)
    assert x.dtype == state["m"].dtype == np.float32


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: optbench.optimizer("adamw"), ValueError, ["unknown rule", "adam", "sgd"]),
        (lambda: optbench.optimizer("sgd", backend="gpu"), ValueError, ["unknown backend", "cpu"]),
        (lambda: optbench.optimizer("sgd", momentum=0.9), ValueError, ["momentum", "learning_rate"]),
        (lambda: optbench.optimizer("sgd", learning_rate=-1e-3), ValueError, ["learning_rate", ">= 0"]),
        (lambda: optbench.optimizer("sgd", learning_rate=float("nan")), ValueError, ["learning_rate", "NaN"]),
        (lambda: optbench.optimizer("sgd", learning_rate="0.1"), TypeError, ["learning_rate", "real number"]),
        (lambda: optbench.optimizer("adam", beta1=1.0), ValueError, ["beta1", "[0, 1)"]),
        (lambda: optbench.optimizer("adam", beta2=-0.1), ValueError, ["beta2", "[0, 1)"]),
        (lambda: optbench.optimizer("rmsprop", decay_rate=1.5), ValueError, ["decay_rate", "[0, 1)"]),
        (lambda: optbench.optimizer("sgd_momentum", momentum=1.0), ValueError, ["momentum", "[0, 1)"]),
        (lambda: optbench.optimizer("adagrad", epsilon=0.0), ValueError, ["epsilon", "> 0"]),
        (lambda: optbench.optimizer("adam", bias_correction=1), TypeError, ["bias_correction", "True or False"]),
        (lambda: optbench.parameter_average(decay=1.0), ValueError, ["decay", "[0, 1)"]),
    ],
)
def test_bad_settings_are_refused_by_name(call, error, words):
    with pytest.raises(error) as raised:
        call()
    for word in words:
        assert word in str(raised.value)


def _bad_updates():
    """(description, mutate(x, dx, state) -> (x, dx, state), error, word)."""
    f32 = np.float32
    return [
        ("dx shape", lambda x, dx, s: (x, dx[:-1], s), ValueError, "shape"),
        ("dx dtype", lambda x, dx, s: (x, dx.astype(np.float64), s), TypeError, "dtype"),
        ("integer x", lambda x, dx, s: (x.astype(np.int64), dx, s), TypeError, "float32 or float64"),
        ("float16 x", lambda x, dx, s: (x.astype(np.float16), dx, s), TypeError, "float32 or float64"),
        ("list x", lambda x, dx, s: (list(x), dx, s), TypeError, "numpy.ndarray"),
        ("non-contiguous x", lambda x, dx, s: (np.zeros(2 * x.size, f32)[::2], dx, s), ValueError, "contiguous"),
        ("read-only x", lambda x, dx, s: (_read_only(x), dx, s), ValueError, "read-only"),
        ("state array shape", lambda x, dx, s: (x, dx, {**s, "m": s["m"][:-1]}), ValueError, "state['m']"),
        ("state array dtype", lambda x, dx, s: (x, dx, {**s, "v": s["v"].astype(np.float64)}), TypeError, "state['v']"),
        ("read-only state", lambda x, dx, s: (x, dx, {**s, "m": _read_only(s["m"])}), ValueError, "read-only"),
        ("missing state key", lambda x, dx, s: (x, dx, {"m": s["m"], "t": s["t"]}), ValueError, "keeps"),
        ("negative t", lambda x, dx, s: (x, dx, {**s, "t": -1}), ValueError, "state['t']"),
        ("float t", lambda x, dx, s: (x, dx, {**s, "t": 1.5}), TypeError, "state['t']"),
        ("state not a dict", lambda x, dx, s: (x, dx, [s["m"], s["v"]]), TypeError, "dict"),
        # the same objects as the update before, changed in place: the checks must see it
        ("x made read-only in place", lambda x, dx, s: (_made_read_only(x), dx, s), ValueError, "read-only"),
        ("x's dtype changed in place", lambda x, dx, s: (_retyped(x), dx, s), TypeError, "float32 or float64"),
        ("state array swapped in the dict", lambda x, dx, s: (x, dx, _swapped(s, "v", s["v"][:-1])), ValueError,
         "state['v']"),
        ("dx of another dtype, same bytes", lambda x, dx, s: (x, _retyped(dx.copy(), np.int32), s), TypeError,
         "float32 or float64"),
        ("extra state key", lambda x, dx, s: (x, dx, _swapped(s, "w", s["m"])), ValueError, "keeps"),
    ]


def _made_read_only(a):
    a.flags.writeable = False
    return a


def _retyped(a, dtype=np.int32):
    a.dtype = dtype
    return a


def _swapped(state, name, value):
    state[name] = value
    return state


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("form", ["fast", "exact"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", _bad_updates(), ids=lambda case: case[0])
def test_bad_update_is_refused_and_modifies_nothing(case, backend, form):
    _, mutate, error, word = case
    opt = optbench.optimizer("adam", backend=backend, form=form)
    x, dx = arrays()
    state = opt.init(x)
    opt.update(x, dx, state)
    x, dx, state = mutate(x, dx, state)
    snapshot = [np.array(x, copy=True), np.array(dx, copy=True)]
    if isinstance(state, dict):
        snapshot += [np.array(v, copy=True) for v in state.values()]
    with pytest.raises(error, match=None) as raised:
        opt.update(x, dx, state)
    assert word in str(raised.value)
    after = [np.array(x), np.array(dx)] + ([np.array(v) for v in state.values()] if isinstance(state, dict) else [])
    for a, b in zip(snapshot, after):
        np.testing.assert_array_equal(a, b)


def test_init_refuses_what_update_would_refuse():
    with pytest.raises(TypeError, match="float32 or float64"):
        optbench.optimizer("sgd_momentum").init(np.zeros(3, np.int32))


@pytest.mark.parametrize("form", ["fast", "exact"])
def test_a_small_update_refused_in_compiled_code_then_accepted_again(form):
    """After a refusal the next good update runs, from where the last good one left x."""
    opt = optbench.optimizer("adam", backend="cpu", form=form)
    x, dx = arrays(n=100)
    state = opt.init(x)
    opt.update(x, dx, state)
    with pytest.raises(ValueError, match="shape"):
        opt.update(x, dx[:-1], state)
    reference = optbench.optimizer("adam", backend="cpu", form=form)
    y, _ = arrays(n=100)
    reference_state = reference.init(y)
    reference.update(y, dx, reference_state)
    opt.update(x, dx, state)
    reference.update(y, dx, reference_state)
    np.testing.assert_array_equal(x, y)
    assert state["t"] == 2


def test_form_is_checked_and_fast_is_the_default():
    assert optbench.optimizer("adam", backend="cpu").form == "fast"
    with pytest.raises(ValueError, match=r"form must be one of \['fast', 'exact'\], got 'quick'"):
        optbench.optimizer("adam", backend="cpu", form="quick")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_learning_rate_can_be_changed_between_updates(backend):
    opt = optbench.optimizer("sgd", backend=backend, learning_rate=0.1)
    x, dx = np.ones(3), np.ones(3)
    state = opt.init(x)
    opt.update(x, dx, state)                                                  # 1 - 0.1
    opt.learning_rate = 0.5
    opt.update(x, dx, state)                                                  # - 0.5
    opt.learning_rate = optbench.schedule("step", 1.0, drop=0.5, every=1)
    opt.update(x, dx, state)                                                  # t = 2: - 0.25
    np.testing.assert_allclose(x, 1 - 0.1 - 0.5 - 0.25)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    assert opt.learning_rate.kind == "step"
