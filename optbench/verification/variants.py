"""The catalogue of named variants: documented departures from the lecture's rules.

Each variant is a `Rule` that keeps the name of the rule it imitates, so it runs beside
that rule's reference through the same code that verifies the real one; verification
must reject every variant (`tests/verification/test_variants.py` proves it does). They
are the mistakes and the framework conventions an implementation may turn out to
compute instead of the lecture's formula:

    adagrad  epsilon_inside_sqrt          x -= lr dx / sqrt(cache + eps)
    rmsprop  epsilon_inside_sqrt          x -= lr dx / sqrt(cache + eps)
    rmsprop  decay_rate_swapped           cache = (1 - rho) cache + rho dx^2
    adam     epsilon_inside_sqrt          x -= lr mb / sqrt(vb + eps)
    adam     without_bias_correction      mb = m, vb = v, whatever bias_correction says
    nesterov plain_momentum               v = mu v - lr dx; x += v (no look-ahead)

    variant("adam", "epsilon_inside_sqrt")     # a Rule named "adam"
    names("adam")                              # its variants' names
"""

import dataclasses
import math

from optbench.optim import get_rule


def _rmsprop_epsilon_inside_sqrt(x, dx, cache, learning_rate, decay_rate, one_minus_decay_rate, epsilon):
    cache = decay_rate * cache + one_minus_decay_rate * (dx * dx)
    x += -learning_rate * dx / math.sqrt(cache + epsilon)
    return x, cache


def _adagrad_epsilon_inside_sqrt(x, dx, cache, learning_rate, epsilon):
    cache += dx * dx
    x += -learning_rate * dx / math.sqrt(cache + epsilon)
    return x, cache


def _adam_epsilon_inside_sqrt(x, dx, m, v, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
                              correction1, correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += -learning_rate * (m / correction1) / math.sqrt(v / correction2 + epsilon)
    return x, m, v


def _nesterov_plain_momentum(x, dx, velocity, learning_rate, momentum, one_plus_momentum):
    velocity = momentum * velocity - learning_rate * dx
    x += velocity
    return x, velocity


def _adam_without_bias_correction(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    return (learning_rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, 1.0, 1.0)


def _rmsprop_decay_rate_swapped(learning_rate, t, decay_rate, epsilon):
    return (learning_rate, 1 - decay_rate, decay_rate, epsilon)


# rule -> variant -> (what changes, as keyword arguments of dataclasses.replace)
CATALOGUE = {
    "adagrad": {"epsilon_inside_sqrt": {"step": _adagrad_epsilon_inside_sqrt}},
    "rmsprop": {
        "epsilon_inside_sqrt": {"step": _rmsprop_epsilon_inside_sqrt},
        "decay_rate_swapped": {"scalars": _rmsprop_decay_rate_swapped},
    },
    "adam": {
        "epsilon_inside_sqrt": {"step": _adam_epsilon_inside_sqrt},
        "without_bias_correction": {"scalars": _adam_without_bias_correction},
    },
    "nesterov": {"plain_momentum": {"step": _nesterov_plain_momentum}},
}


def names(rule):
    """The catalogued variants of `rule` (a name), possibly none."""
    return sorted(CATALOGUE.get(rule, {}))


def variant(rule, name):
    """The variant `name` of `rule` as a `Rule` carrying the rule's own name."""
    if name not in CATALOGUE.get(rule, {}):
        raise ValueError(f"rule {rule!r} has no variant {name!r}; its variants: {names(rule) or 'none'}")
    return dataclasses.replace(get_rule(rule), **CATALOGUE[rule][name])


def every_variant():
    """[(rule, variant name)] over the whole catalogue."""
    return [(rule, name) for rule in sorted(CATALOGUE) for name in names(rule)]
