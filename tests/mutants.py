"""Deliberately wrong variants of the rules: verification must reject every one.

Each mutant keeps the name of the rule it imitates, so it is checked against that
rule's reference by the same code that passes the real rule.
"""

import dataclasses
import math

from optbench.registry import get_rule


def rmsprop_epsilon_inside_sqrt(x, dx, cache, learning_rate, decay_rate, one_minus_decay_rate, epsilon):
    cache = decay_rate * cache + one_minus_decay_rate * (dx * dx)
    x += -learning_rate * dx / math.sqrt(cache + epsilon)
    return x, cache


def adagrad_epsilon_inside_sqrt(x, dx, cache, learning_rate, epsilon):
    cache += dx * dx
    x += -learning_rate * dx / math.sqrt(cache + epsilon)
    return x, cache


def adam_epsilon_inside_sqrt(x, dx, m, v, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
                             correction1, correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += -learning_rate * (m / correction1) / math.sqrt(v / correction2 + epsilon)
    return x, m, v


def nesterov_as_plain_momentum(x, dx, velocity, learning_rate, momentum, one_plus_momentum):
    velocity = momentum * velocity - learning_rate * dx
    x += velocity
    return x, velocity


def adam_without_bias_correction(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    return (learning_rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, 1.0, 1.0)


def rmsprop_decay_rate_swapped(learning_rate, t, decay_rate, epsilon):
    return (learning_rate, 1 - decay_rate, decay_rate, epsilon)


def _mutant(rule, **change):
    return dataclasses.replace(get_rule(rule), **change)


MUTANTS = {
    "rmsprop: epsilon inside the square root": _mutant("rmsprop", step=rmsprop_epsilon_inside_sqrt),
    "adagrad: epsilon inside the square root": _mutant("adagrad", step=adagrad_epsilon_inside_sqrt),
    "adam: epsilon inside the square root": _mutant("adam", step=adam_epsilon_inside_sqrt),
    "nesterov: computed as plain momentum": _mutant("nesterov", step=nesterov_as_plain_momentum),
    "adam: missing bias correction": _mutant("adam", scalars=adam_without_bias_correction),
    "rmsprop: decay_rate and 1 - decay_rate swapped": _mutant("rmsprop", scalars=rmsprop_decay_rate_swapped),
}
