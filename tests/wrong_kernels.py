"""Deliberately wrong kernels: Rules whose scalar step or scalars depart from the
lecture, for tests that must see a wrong kernel rejected through the kernel path (cpu,
cuda). The catalogue of departures as a product feature is
`optbench.verification.variants`; these are the same mistakes written as kernels."""

import dataclasses
import math

from optbench.optim import get_rule


def _adam_epsilon_inside_sqrt(x, dx, m, v, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
                              correction1, correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += -learning_rate * (m / correction1) / math.sqrt(v / correction2 + epsilon)
    return x, m, v


def _nesterov_as_momentum(x, dx, velocity, learning_rate, momentum, one_plus_momentum):
    velocity = momentum * velocity - learning_rate * dx
    x += velocity
    return x, velocity


def _rmsprop_decay_rate_swapped(learning_rate, t, decay_rate, epsilon):
    return (learning_rate, 1 - decay_rate, decay_rate, epsilon)


WRONG = {
    ("adam", "epsilon_inside_sqrt"): {"step": _adam_epsilon_inside_sqrt},
    ("nesterov", "nesterov_as_momentum"): {"step": _nesterov_as_momentum},
    ("rmsprop", "decay_rate_swapped"): {"scalars": _rmsprop_decay_rate_swapped},
}


def wrong_kernel(rule, name):
    """The rule `rule` with the departure `name` in its kernel, under the rule's own name."""
    return dataclasses.replace(get_rule(rule), **WRONG[(rule, name)])
