"""Adam: momentum on the gradient, RMSProp-like scaling, and bias correction.

    m = beta1*m + (1-beta1)*dx          # update first moment
    v = beta2*v + (1-beta2)*(dx**2)     # update second moment
    mb = m/(1-beta1**t)                 # correct bias
    vb = v/(1-beta2**t)                 # correct bias
    x += -learning_rate * mb / (np.sqrt(vb) + epsilon)

t counts updates from 1. The corrections undo the pull of the zero start of m and v and
matter only while t is small. With bias_correction=False the corrections are 1: the
lecture's "incomplete, but close" Adam.

The fast form folds both corrections into per-update scalars, as torch's fused Adam
does: with step_size = learning_rate / (1-beta1**t) and r = 1 / sqrt(1-beta2**t),

    x += -step_size * m / (np.sqrt(v) * r + epsilon)

which is the same number in exact arithmetic, with one division and one square root
per element instead of three divisions and one.

Hyperparameters: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-7),
bias_correction (True). State: m, v.
"""

import math

from optbench.optim.hyperparameters import decay_factor, flag, smoothing_term, step_size
from optbench.optim.rule import Rule


def step(x, dx, m, v, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
         correction1, correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    mb = m / correction1
    vb = v / correction2
    x += -learning_rate * mb / (math.sqrt(vb) + epsilon)
    return x, m, v


def scalars(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    correction1 = 1 - beta1**t if bias_correction else 1.0
    correction2 = 1 - beta2**t if bias_correction else 1.0
    return (learning_rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, correction1, correction2)


def fast_step(x, dx, m, v, negative_step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon,
              inverse_sqrt_correction2):
    m = beta1 * m + one_minus_beta1 * dx
    v = beta2 * v + one_minus_beta2 * (dx * dx)
    x += negative_step_size * m / (math.sqrt(v) * inverse_sqrt_correction2 + epsilon)
    return x, m, v


def fast_scalars(learning_rate, t, beta1, beta2, epsilon, bias_correction):
    correction1 = 1 - beta1**t if bias_correction else 1.0
    correction2 = 1 - beta2**t if bias_correction else 1.0
    return (-learning_rate / correction1, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, correction2**-0.5)


rule = Rule("adam", step, scalars, state=("m", "v"), hyperparameters={
    "learning_rate": step_size(1e-3),
    "beta1": decay_factor(0.9),
    "beta2": decay_factor(0.999),
    "epsilon": smoothing_term(1e-7),
    "bias_correction": flag(True),
}, memory=lambda beta1, **others: 1 / (1 - beta1), fast_step=fast_step, fast_scalars=fast_scalars)
