"""Vanilla gradient descent.

    x += -learning_rate * dx

Hyperparameters: learning_rate (1e-2).
"""

from optbench.optim.hyperparameters import step_size
from optbench.optim.rule import Rule


def step(x, dx, learning_rate):
    x += -learning_rate * dx
    return x


def scalars(learning_rate, t):
    return (learning_rate,)


rule = Rule("sgd", step, scalars, state=(), hyperparameters={"learning_rate": step_size(1e-2)})
