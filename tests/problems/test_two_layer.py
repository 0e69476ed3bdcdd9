import math

import numpy as np
import pytest

from optbench.problems import get_problem


def naive_two_layer(params, X, y, reg):
    """Loss and gradients one example at a time, written from the formulas."""
    W1, b1, W2, b2 = (params[name] for name in ("W1", "b1", "W2", "b2"))
    loss = 0.0
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for xi, yi in zip(X, y):
        z = xi @ W1 + b1
        h = np.where(z > 0, z, 0.0)
        s = h @ W2 + b2
        p = np.exp(s - s.max())
        p /= p.sum()
        loss -= math.log(p[yi])
        p[yi] -= 1.0
        grads["W2"] += np.outer(h, p)
        grads["b2"] += p
        dz = (W2 @ p) * (z > 0)
        grads["W1"] += np.outer(xi, dz)
        grads["b1"] += dz
    N = len(y)
    grads = {name: value / N for name, value in grads.items()}
    grads["W1"] += reg * W1
    grads["W2"] += reg * W2
    return loss / N + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2)), grads


def test_loss_and_gradient_match_the_per_example_formulas():
    net = get_problem("two_layer", hidden_size=6, reg=0.2)
    x = net.x0(seed=3)
    net.params(x)["b1"][...] = np.random.default_rng(1).standard_normal(6)
    f, g = net.loss_and_gradient(x)
    loss, grads = naive_two_layer(net.params(x), net.data.X_train, net.data.y_train, 0.2)
    assert f == pytest.approx(loss, rel=1e-12)
    for name, grad in grads.items():
        np.testing.assert_allclose(net.params(g)[name], grad, rtol=1e-9, atol=1e-14, err_msg=name)


def test_layout_follows_init_two_layer_model():
    net = get_problem("two_layer")
    assert net.n == 64 * 50 + 50 + 50 * 10 + 10
    assert {name: view.shape for name, view in net.params(net.x0()).items()} == {
        "W1": (64, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}


def test_one_update_of_the_flat_vector_moves_every_array():
    net = get_problem("two_layer", hidden_size=4)
    x = net.x0()
    views = net.params(x)
    before = {name: view.copy() for name, view in views.items()}
    x -= 0.1 * net.gradient(x)
    assert all(not np.array_equal(views[name], before[name]) for name in views)


def test_xavier_start_point():
    net = get_problem("two_layer", hidden_size=200)
    params = net.params(net.x0(seed=0))
    assert params["W1"].std() == pytest.approx(1 / math.sqrt(64), rel=0.05)
    assert params["W2"].std() == pytest.approx(1 / math.sqrt(200), rel=0.05)
    assert not np.any(params["b1"]) and not np.any(params["b2"])


def test_babysitting_learning_rate_too_low():
    """The lecture's case: reg 1e-6 and learning rate 1e-6, the loss barely moves from
    its start (2.38 here with Xavier on normalized digits, not exactly ln 10 = 2.303)."""
    net = get_problem("two_layer", reg=1e-6)
    x = net.x0()
    start = net.loss(x)
    assert 2.2 < start < 2.5
    rng = np.random.default_rng(0)
    for _ in range(100):
        x -= 1e-6 * net.batch_loss_and_gradient(x, net.sample_batch(rng, 100))[1]
    assert 0.0 < start - net.loss(x) < 1e-3


def test_f_star_is_a_best_known_local_value():
    net = get_problem("two_layer", hidden_size=10)
    assert net.f_star < 0.1 < net.loss(net.x0())


def test_small_weights_start_at_ln_10():
    """The lecture's babysitting start: tiny weights, every class equally likely."""
    net = get_problem("two_layer", reg=1e-6, weight_scale=1e-5)
    assert net.loss(net.x0()) == pytest.approx(math.log(10), abs=1e-5)
    assert np.abs(net.x0()).max() < 1e-4
