"""SGD with momentum: a ball rolling down the loss, with friction `momentum`.

    v = mu * v - learning_rate * dx    # integrate velocity
    x += v                             # integrate position

Hyperparameters: learning_rate (1e-2), momentum (mu, 0.9). State: velocity.
"""

from optbench.optim.hyperparameters import decay_factor, step_size
from optbench.optim.rule import Rule


def step(x, dx, velocity, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * dx
    x += velocity
    return x, velocity


def scalars(learning_rate, t, momentum):
    return (learning_rate, momentum)


rule = Rule("sgd_momentum", step, scalars, state=("velocity",), hyperparameters={
    "learning_rate": step_size(1e-2),
    "momentum": decay_factor(0.9),
}, memory=lambda momentum: 1 / (1 - momentum))
