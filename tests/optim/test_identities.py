"""Algebraic identities between the rules, checked on the CPU kernels in the exact form
(the lecture's expressions, so that an identity of the math is one of the bits)."""

import numpy as np
import pytest

import optbench
from optbench.optim.schedules import as_schedule


def run(rule, gradients, x0, **hyperparameters):
    opt = optbench.optimizer(rule, backend="cpu", form="exact", **hyperparameters)
    x = x0.copy()
    state = opt.init(x)
    for dx in gradients:
        opt.update(x, dx, state)
    return x, state


@pytest.fixture(params=["float32", "float64"])
def inputs(request):
    rng = np.random.default_rng(7)
    scales = 10.0 ** rng.uniform(-4, 1, 300)
    gradients = (rng.standard_normal((100, 300)) * scales).astype(request.param)
    return gradients, rng.standard_normal(300).astype(request.param)


def test_momentum_zero_is_sgd(inputs):
    x_momentum, _ = run("sgd_momentum", *inputs, momentum=0.0, learning_rate=0.05)
    x_sgd, _ = run("sgd", *inputs, learning_rate=0.05)
    np.testing.assert_array_equal(x_momentum, x_sgd)


def test_rmsprop_is_adam_without_first_moment_or_bias_correction(inputs):
    x_rmsprop, state = run("rmsprop", *inputs, decay_rate=0.9, learning_rate=1e-3)
    x_adam, adam_state = run("adam", *inputs, beta1=0.0, beta2=0.9, bias_correction=False, learning_rate=1e-3)
    np.testing.assert_array_equal(x_rmsprop, x_adam)
    np.testing.assert_array_equal(state["cache"], adam_state["v"])


def look_ahead_nesterov(gradient, theta, learning_rate, mu, steps):
    """The original form: v = mu v - lr grad f(theta + mu v); theta += v."""
    v = np.zeros_like(theta)
    for t in range(steps):
        v = mu * v - learning_rate(t) * gradient(theta + mu * v)
        theta = theta + v
    return theta, v


@pytest.mark.parametrize(
    "learning_rate",
    [0.01, optbench.schedule("inverse_time", 0.01, k=0.05), optbench.schedule("exponential", 0.01, k=0.02)],
    ids=["constant", "inverse_time", "exponential"],
)
def test_nesterov_rewrite_is_the_look_ahead_form(learning_rate):
    """phi = theta + mu v turns one into the other; the learning rate never enters it.

    So the two agree to rounding under a decaying rate too: they would part only if mu
    changed from step to step. The parameters held differ, though: the rewrite keeps
    phi, the look-ahead form theta, apart by mu v, which shrinks with the rate.
    """
    h = np.logspace(0, 2, 20)  # an ill-conditioned quadratic bowl, f = sum(h x^2) / 2
    theta0 = np.random.default_rng(3).standard_normal(20)
    mu, steps = 0.9, 200
    theta, v = look_ahead_nesterov(lambda x: h * x, theta0, as_schedule(learning_rate), mu, steps)

    opt = optbench.optimizer("nesterov", backend="cpu", learning_rate=learning_rate, momentum=mu)
    phi = theta0.copy()  # v starts at zero, so phi_0 = theta_0
    state = opt.init(phi)
    for _ in range(steps):
        opt.update(phi, h * phi, state)

    np.testing.assert_allclose(state["velocity"], v, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(phi, theta + mu * v, rtol=1e-9, atol=1e-14)
    assert np.abs(phi - theta).max() > 0  # phi is not theta: they differ by mu v
