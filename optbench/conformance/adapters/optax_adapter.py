"""optax under the protocol: sgd (plain, momentum, nesterov), adagrad, rmsprop and adam.

Each optimizer is wrapped in `optax.inject_hyperparams`, the learning rate alone injected
(in the parameters' dtype; the other hyperparameters stay static Python floats, as in a
plain `optax.adam(...)`: injected float32 betas would round 1 - beta2 = 0.001 by 1.3e-5),
and the rate of each update is written into
`state.hyperparams["learning_rate"]`, as optax documents for changing a hyperparameter
between steps; one update is `opt.update` then `optax.apply_updates`, jitted once per
optimizer, dtype and shape. Float64 needs JAX's 64-bit mode, entered only around optax's
calls (`jax.enable_x64`). Names: epsilon -> eps, decay_rate -> decay, beta1, beta2 ->
b1, b2. Settings that make optax compute the lecture's rule, run beside its defaults:
adagrad `initial_accumulator_value=0` (default 0.1), rmsprop `eps_in_sqrt=False`
(default True). Its state is exposed where it means the lecture's: adagrad's
sum_of_squares and rmsprop's nu as cache, adam's mu and nu as m and v.
"""

import functools

import numpy as np

from optbench.conformance.adapters import not_installed, require_bias_correction
from optbench.conformance.protocol import Implementation

LABEL = "optax"
OPTIMIZERS = {
    "sgd": ("sgd", lambda h: {}),
    "sgd_momentum": ("sgd", lambda h: {"momentum": h["momentum"]}),
    "nesterov": ("sgd", lambda h: {"momentum": h["momentum"], "nesterov": True}),
    "adagrad": ("adagrad", lambda h: {"eps": h["epsilon"]}),
    "rmsprop": ("rmsprop", lambda h: {"decay": h["decay_rate"], "eps": h["epsilon"]}),
    "adam": ("adam", lambda h: {"b1": h["beta1"], "b2": h["beta2"], "eps": h["epsilon"]}),
}
SETTINGS = {"adagrad": {"initial_accumulator_value": 0.0}, "rmsprop": {"eps_in_sqrt": False}}
STATE = {"adagrad": {"cache": "sum_of_squares"}, "rmsprop": {"cache": "nu"}, "adam": {"m": "mu", "v": "nu"}}


def unavailable():
    return not_installed("optax")


@functools.cache
def _compiled(rule, setting, options, dtype):
    """(opt, jitted update) for one optimizer, settings and dtype; jax compiles per shape."""
    import jax
    import optax

    name = OPTIMIZERS[rule][0]
    fixed = {**dict(options), **dict(setting)}
    opt = optax.inject_hyperparams(getattr(optax, name), static_args=tuple(fixed), hyperparam_dtype=np.dtype(dtype))(
        learning_rate=0.0, **fixed)

    def update(params, state, gradient):
        updates, state = opt.update(gradient, state, params)
        return optax.apply_updates(params, updates), state

    return opt, jax.jit(update)


def _inner_state(state):
    """The moments optax keeps inside the injected state, by field name."""
    found = {}
    for part in state.inner_state if isinstance(state.inner_state, tuple) else (state.inner_state,):
        if hasattr(part, "_asdict"):
            found.update(part._asdict())
    return found


def factory(rule, setting=()):
    import jax
    import jax.numpy as jnp

    def make(x0, **hyperparameters):
        require_bias_correction(rule, hyperparameters, f"optax.{OPTIMIZERS[rule][0]}")
        options = tuple(sorted(OPTIMIZERS[rule][1](hyperparameters).items()))
        with jax.enable_x64(True):
            opt, update = _compiled(rule, tuple(setting), options, x0.dtype.name)
            params = jnp.asarray(x0)
            held = [params, opt.init(params)]

        def step(dx, learning_rate):
            with jax.enable_x64(True):
                held[1].hyperparams["learning_rate"] = jnp.asarray(learning_rate, dtype=x0.dtype)
                held[0], held[1] = update(held[0], held[1], jnp.asarray(dx))
                return np.asarray(held[0])

        def state():
            inner = _inner_state(held[1])
            return {ours: np.asarray(inner[theirs]) for ours, theirs in STATE.get(rule, {}).items() if theirs in inner}

        step.state = state
        return step

    return make


def implementations(rule):
    import optax

    if rule not in OPTIMIZERS:
        return [Implementation("optax", "optax", rule, None, skipped=f"optax has no {rule}")]
    label = f"optax.{OPTIMIZERS[rule][0]} {optax.__version__}"
    found = [Implementation(label, "optax", rule, factory(rule))]
    if rule in SETTINGS:
        setting = tuple(sorted(SETTINGS[rule].items()))
        text = ", ".join(f"{k}={v}" for k, v in setting)
        found.append(Implementation(label, "optax", rule, factory(rule, setting), setting=text))
    return found
