"""AdaGrad: scale each coordinate by its history of squared gradients.

    cache += dx**2
    x += -learning_rate * dx / (np.sqrt(cache) + epsilon)

The effective step size only shrinks over time.
Hyperparameters: learning_rate (1e-2), epsilon (1e-7). State: cache.
"""

import math

from optbench.optim.hyperparameters import smoothing_term, step_size
from optbench.optim.rule import Rule


def step(x, dx, cache, learning_rate, epsilon):
    cache += dx * dx
    x += -learning_rate * dx / (math.sqrt(cache) + epsilon)
    return x, cache


def scalars(learning_rate, t, epsilon):
    return (learning_rate, epsilon)


rule = Rule("adagrad", step, scalars, state=("cache",), hyperparameters={
    "learning_rate": step_size(1e-2),
    "epsilon": smoothing_term(1e-7),
})
