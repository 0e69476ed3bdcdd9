"""AdaGrad: scale each coordinate by its history of squared gradients.

    cache += dx**2
    x += -learning_rate * dx / (np.sqrt(cache) + epsilon)

The effective step size only shrinks over time.
Hyperparameters: learning_rate (1e-2), epsilon (1e-7). State: cache.
"""

import math

from optbench.rule import Rule


def step(x, dx, cache, learning_rate, epsilon):
    cache += dx * dx
    x += -learning_rate * dx / (math.sqrt(cache) + epsilon)
    return x, cache


def scalars(learning_rate, t, epsilon):
    return (learning_rate, epsilon)


rule = Rule("adagrad", step, scalars, state=("cache",), defaults={"learning_rate": 1e-2, "epsilon": 1e-7})
