"""Keras 3 under the protocol: SGD (plain, momentum, nesterov), Adagrad, RMSprop and Adam.

Keras runs on the backend it is configured for; when none is chosen (no KERAS_BACKEND and
Keras not yet imported) this adapter picks jax, or torch, whichever is installed, since
Keras's own default, TensorFlow, is not among optbench's peers. On jax, one update is
`optimizer.stateless_apply` jitted once per optimizer, dtype and shape, the way Keras runs
inside a JAX training step, with the rate written into the optimizer's learning-rate
variable; on other backends it is `optimizer.apply` after assigning `optimizer.learning_rate`.
Names: epsilon -> epsilon, decay_rate -> rho, beta1, beta2 -> beta_1, beta_2.

Keras keeps the learning rate in a variable of dtype floatx, float32 by default, so on
float64 parameters it computes with a rounded rate; `keras.config.set_floatx("float64")`
while the optimizer is made is the setting that matches the lecture there. Adagrad's
`initial_accumulator_value=0` (default 0.1) is the other. Its state is exposed where it
means the lecture's: SGD's momentum as velocity, Adagrad's accumulator and RMSprop's
velocity as cache, Adam's momentum and velocity as m and v.
"""

import contextlib
import functools
import importlib.util
import os
import sys

import numpy as np

from optbench.conformance.adapters import not_installed, require_bias_correction
from optbench.conformance.protocol import Implementation

LABEL = "keras"
OPTIMIZERS = {
    "sgd": ("SGD", lambda h: {}),
    "sgd_momentum": ("SGD", lambda h: {"momentum": h["momentum"]}),
    "nesterov": ("SGD", lambda h: {"momentum": h["momentum"], "nesterov": True}),
    "adagrad": ("Adagrad", lambda h: {"epsilon": h["epsilon"]}),
    "rmsprop": ("RMSprop", lambda h: {"rho": h["decay_rate"], "epsilon": h["epsilon"]}),
    "adam": ("Adam", lambda h: {"beta_1": h["beta1"], "beta_2": h["beta2"], "epsilon": h["epsilon"]}),
}
SETTINGS = {"adagrad": {"initial_accumulator_value": 0.0}}
FLOATX = ("floatx", "float64")
STATE = {  # ours -> the ending of Keras's variable path
    "sgd_momentum": {"velocity": "_momentum"},
    "nesterov": {"velocity": "_momentum"},
    "adagrad": {"cache": "_accumulator"},
    "rmsprop": {"cache": "_velocity"},
    "adam": {"m": "_momentum", "v": "_velocity"},
}


def unavailable():
    if importlib.util.find_spec("keras") is None:  # looked up without importing: that picks a backend
        return not_installed("keras")
    try:
        keras()
    except ImportError as error:
        return f"keras is installed but cannot start its backend {os.environ.get('KERAS_BACKEND')!r}: {error}"
    return None


def keras():
    """Keras, on a backend that can run here."""
    if "keras" not in sys.modules and not os.environ.get("KERAS_BACKEND"):
        for backend in ("jax", "torch"):
            if importlib.util.find_spec(backend):
                os.environ["KERAS_BACKEND"] = backend
                break
    import keras as module

    return module


def _x64():
    if keras().backend.backend() == "jax":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _floatx(value):
    k = keras()
    before = k.config.floatx()
    k.config.set_floatx(value or before)
    try:
        yield
    finally:
        k.config.set_floatx(before)


def _optimizer(rule, options, setting):
    settings = dict(setting)
    floatx = settings.pop(FLOATX[0], None)
    with _floatx(floatx):
        return getattr(keras().optimizers, OPTIMIZERS[rule][0])(learning_rate=0.0, **dict(options), **settings)


def _state(rule, variables, values):
    found = {}
    for ours, ending in STATE.get(rule, {}).items():
        for variable, value in zip(variables, values):
            if variable.path.endswith(ending):
                found[ours] = np.asarray(value)
    return found


@functools.cache
def _compiled(rule, options, setting, dtype, shape):
    """A built optimizer, its initial variables and its jitted stateless update (jax)."""
    import jax

    k = keras()
    variable = k.Variable(np.zeros(shape, dtype), dtype=dtype)
    opt = _optimizer(rule, options, setting)
    opt.build([variable])
    initial = [v.value for v in opt.variables]
    rate = next(i for i, v in enumerate(opt.variables) if v.path.endswith("learning_rate"))
    return opt, initial, rate, jax.jit(opt.stateless_apply)


def factory(rule, setting=()):
    def make(x0, **hyperparameters):
        require_bias_correction(rule, hyperparameters, f"Keras {OPTIMIZERS[rule][0]}")
        k = keras()
        options = tuple(sorted(OPTIMIZERS[rule][1](hyperparameters).items()))
        if k.backend.backend() == "jax":
            return _stateless(rule, options, setting, x0)
        return _eager(rule, options, setting, x0)

    return make


def _stateless(rule, options, setting, x0):
    import jax.numpy as jnp

    with _x64():
        opt, initial, rate, apply = _compiled(rule, options, tuple(setting), x0.dtype.name, x0.shape)
        held = [[jnp.asarray(x0)], list(initial)]
    rate_dtype = initial[rate].dtype

    def step(dx, learning_rate):
        with _x64():
            held[1][rate] = jnp.asarray(learning_rate, dtype=rate_dtype)
            held[0], held[1] = apply(held[1], [jnp.asarray(dx)], held[0])
            return np.asarray(held[0][0])

    step.state = lambda: _state(rule, opt.variables, held[1])
    return step


def _eager(rule, options, setting, x0):
    k = keras()
    variable = k.Variable(x0.copy(), dtype=x0.dtype.name)
    opt = _optimizer(rule, options, tuple(setting))

    def step(dx, learning_rate):
        opt.learning_rate = learning_rate
        opt.apply([k.ops.convert_to_tensor(dx)], [variable])
        return k.ops.convert_to_numpy(variable.value)

    step.state = lambda: _state(rule, opt.variables, [k.ops.convert_to_numpy(v.value) for v in opt.variables])
    return step


def implementations(rule):
    k = keras()
    if rule not in OPTIMIZERS:
        return [Implementation("keras", "keras", rule, None, skipped=f"Keras has no {rule}")]
    label = f"keras.optimizers.{OPTIMIZERS[rule][0]} {k.__version__} ({k.backend.backend()})"
    setting = tuple(sorted({**SETTINGS.get(rule, {}), FLOATX[0]: FLOATX[1]}.items()))
    text = ", ".join(f"{key}={value}" for key, value in setting)
    return [Implementation(label, "keras", rule, factory(rule)),
            Implementation(label, "keras", rule, factory(rule, setting), setting=text)]
