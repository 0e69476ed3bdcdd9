"""RMSProp: AdaGrad with a leaky cache, a moving average of squared gradients.

    cache = decay_rate * cache + (1 - decay_rate) * dx**2
    x += -learning_rate * dx / (np.sqrt(cache) + epsilon)

Hyperparameters: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-7). State: cache.
"""

import math

from optbench.optim.hyperparameters import decay_factor, smoothing_term, step_size
from optbench.optim.rule import Rule


def step(x, dx, cache, learning_rate, decay_rate, one_minus_decay_rate, epsilon):
    cache = decay_rate * cache + one_minus_decay_rate * (dx * dx)
    x += -learning_rate * dx / (math.sqrt(cache) + epsilon)
    return x, cache


def scalars(learning_rate, t, decay_rate, epsilon):
    return (learning_rate, decay_rate, 1 - decay_rate, epsilon)


rule = Rule("rmsprop", step, scalars, state=("cache",), hyperparameters={
    "learning_rate": step_size(1e-2),
    "decay_rate": decay_factor(0.99),
    "epsilon": smoothing_term(1e-7),
})
