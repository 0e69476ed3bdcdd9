"""Nesterov momentum, in the lecture's rewrite on phi = x + mu * v.

The look-ahead form needs the gradient at x + mu v:

    v_t = mu v_{t-1} - lr grad f(x_{t-1} + mu v_{t-1});   x_t = x_{t-1} + v_t

Substituting phi_{t-1} = x_{t-1} + mu v_{t-1} gives an update in terms of the gradient at
the point we hold:

    v_prev = v
    v = mu * v - learning_rate * dx
    x += -mu * v_prev + (1 + mu) * v

Hyperparameters: learning_rate (1e-2), momentum (mu, 0.9). State: velocity.
"""

from optbench.optim.hyperparameters import decay_factor, step_size
from optbench.optim.rule import Rule


def step(x, dx, velocity, learning_rate, momentum, one_plus_momentum):
    velocity_prev = velocity
    velocity = momentum * velocity - learning_rate * dx
    x += -momentum * velocity_prev + one_plus_momentum * velocity
    return x, velocity


def scalars(learning_rate, t, momentum):
    return (learning_rate, momentum, 1 + momentum)


rule = Rule("nesterov", step, scalars, state=("velocity",), hyperparameters={
    "learning_rate": step_size(1e-2),
    "momentum": decay_factor(0.9),
}, memory=lambda momentum: 1 / (1 - momentum))
