"""The lecture's rules in NumPy with every catalogued departure as a switch.

Each form is `form(x, dx, state, learning_rate, t, h, on) -> next x`: `state` holds the
rule's state arrays (replaced in the dict), `t` counts updates from 1, `h` holds the
hyperparameters and `on` maps the variants that are switched on to their parameter (or
None). With nothing switched on a form computes its reference's expressions in the same
order, so it agrees with `optbench.reference` bit for bit (the tests hold it to that);
each switch changes only what its variant's formula says.
"""

import math

import numpy as np

from optbench.optim import get_rule


def _denominator(s, epsilon, on):
    if "epsilon_inside_sqrt" in on:
        return np.sqrt(s + epsilon)
    return np.sqrt(s) + epsilon


def _seed_velocity(dx, state, learning_rate, t, on):
    if t == 1 and "velocity_starts_at_gradient" in on:
        state["velocity"] = dx.copy() if "learning_rate_outside_velocity" in on else -learning_rate * dx


def sgd(x, dx, state, learning_rate, t, h, on):
    return x + -learning_rate * dx


def sgd_momentum(x, dx, state, learning_rate, t, h, on):
    mu = h["momentum"]
    _seed_velocity(dx, state, learning_rate, t, on)
    if "learning_rate_outside_velocity" in on:
        state["velocity"] = mu * state["velocity"] + dx
        return x + -learning_rate * state["velocity"]
    state["velocity"] = mu * state["velocity"] - learning_rate * dx
    return x + state["velocity"]


def nesterov(x, dx, state, learning_rate, t, h, on):
    if "nesterov_as_momentum" in on:
        return sgd_momentum(x, dx, state, learning_rate, t, h, on)
    mu = h["momentum"]
    _seed_velocity(dx, state, learning_rate, t, on)
    v_prev = state["velocity"]
    if "learning_rate_outside_velocity" in on:
        state["velocity"] = mu * v_prev + dx
        return x + -learning_rate * (dx + mu * state["velocity"])
    state["velocity"] = mu * v_prev - learning_rate * dx
    return x + (-mu * v_prev + (1 + mu) * state["velocity"])


def adagrad(x, dx, state, learning_rate, t, h, on):
    state["cache"] = state["cache"] + dx**2
    return x + -learning_rate * dx / _denominator(state["cache"], h["epsilon"], on)


def rmsprop(x, dx, state, learning_rate, t, h, on):
    decay_rate = 1 - h["decay_rate"] if "decay_rate_swapped" in on else h["decay_rate"]
    state["cache"] = decay_rate * state["cache"] + (1 - decay_rate) * dx**2
    return x + -learning_rate * dx / _denominator(state["cache"], h["epsilon"], on)


def adam(x, dx, state, learning_rate, t, h, on):
    beta1, beta2, epsilon = h["beta1"], h["beta2"], h["epsilon"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dx
    state["v"] = beta2 * state["v"] + (1 - beta2) * (dx**2)
    if h["bias_correction"] and "no_bias_correction" not in on:
        mb = state["m"] / (1 - beta1**t)
        vb = state["v"] / (1 - beta2**t)
        if "epsilon_hat" in on:
            epsilon = epsilon / math.sqrt(1 - beta2**t)
    else:
        mb, vb = state["m"], state["v"]
    return x + -learning_rate * mb / _denominator(vb, epsilon, on)


FORMS = {f.__name__: f for f in (sgd, sgd_momentum, nesterov, adagrad, rmsprop, adam)}


def implementation(rule, on=None):
    """The form of `rule` with the variants in `on` ({name: parameter or None}) switched on,
    as a factory `make(x0, **hyperparameters) -> step`, `step(dx, learning_rate) -> x`;
    `step.state()` returns the state arrays that keep the lecture's meaning."""
    on = dict(on or {})
    form = FORMS[rule]
    defaults = {k: v for k, v in get_rule(rule).defaults.items() if k != "learning_rate"}

    def make(x0, **hyperparameters):
        h = {**defaults, **hyperparameters}
        x = np.array(x0, copy=True)
        state = {name: np.zeros_like(x) for name in get_rule(rule).state}
        if "accumulator_start" in on:
            state["cache"][...] = on["accumulator_start"]
        t = 0

        def step(dx, learning_rate):
            nonlocal x, t
            t += 1
            if "learning_rate_in_float32" in on:
                learning_rate = float(np.float32(learning_rate))
            x = form(x, dx, state, learning_rate, t, h, on)
            return x

        # with the rate outside, the velocity holds the raw sum b, not the lecture's v
        hidden = {"velocity"} if "learning_rate_outside_velocity" in on else set()
        step.state = lambda: {name: value for name, value in state.items() if name not in hidden}
        return step

    return make
