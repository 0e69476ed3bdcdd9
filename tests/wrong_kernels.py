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


# Adam's fast form (per-update scalars: -lr/(1-beta1^t), ..., 1/sqrt(1-beta2^t)) with the
# same mistakes, for the check that the tolerance of the fast form still sees them


def _adam_fast_epsilon_inside_sqrt(x, dx, m, v, negative_step_size, beta1, one_minus_beta1, beta2, one_minus_beta2,
                                   epsilon, inverse_sqrt_correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    r = inverse_sqrt_correction2
    x += negative_step_size * m / math.sqrt(v * (r * r) + epsilon)
    return x, m, v


def _adam_fast_epsilon_hat(x, dx, m, v, negative_step_size, beta1, one_minus_beta1, beta2, one_minus_beta2,
                           epsilon, inverse_sqrt_correction2):
    """Kingma and Ba's efficient form: the step size takes the whole correction, epsilon none."""
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += negative_step_size / inverse_sqrt_correction2 * m / (math.sqrt(v) + epsilon)
    return x, m, v


def _adam_fast_no_bias_correction(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    return (-learning_rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, 1.0)


def _nesterov_as_momentum(x, dx, velocity, learning_rate, momentum, one_plus_momentum):
    velocity = momentum * velocity - learning_rate * dx
    x += velocity
    return x, velocity


def _rmsprop_decay_rate_swapped(learning_rate, t, decay_rate, epsilon):
    return (learning_rate, 1 - decay_rate, decay_rate, epsilon)


WRONG = {
    ("adam", "epsilon_inside_sqrt"): {"step": _adam_epsilon_inside_sqrt, "fast_step": _adam_fast_epsilon_inside_sqrt},
    ("nesterov", "nesterov_as_momentum"): {"step": _nesterov_as_momentum},
    ("rmsprop", "decay_rate_swapped"): {"scalars": _rmsprop_decay_rate_swapped},
}

# the same departures in the fast form only: (rule, variant) -> the fields replaced
WRONG_FAST = {
    ("adam", "epsilon_inside_sqrt"): {"fast_step": _adam_fast_epsilon_inside_sqrt},
    ("adam", "epsilon_hat"): {"fast_step": _adam_fast_epsilon_hat},
    ("adam", "no_bias_correction"): {"fast_scalars": _adam_fast_no_bias_correction},
}


def wrong_kernel(rule, name):
    """The rule `rule` with the departure `name` in its kernel (in both forms where it has
    two), under the rule's own name."""
    return dataclasses.replace(get_rule(rule), **WRONG[(rule, name)])


def wrong_fast_kernel(rule, name):
    """The rule `rule` with the departure `name` in its fast form only."""
    return dataclasses.replace(get_rule(rule), **WRONG_FAST[(rule, name)])
