import math

import numpy as np
import pytest
import scipy.optimize

from optbench.problems import get_problem


def naive_softmax_loss(W, b, X, y, reg):
    """One example at a time, the textbook formulas."""
    loss, dW, db = 0.0, np.zeros_like(W), np.zeros_like(b)
    for xi, yi in zip(X, y):
        scores = xi @ W + b
        p = np.exp(scores - scores.max())
        p /= p.sum()
        loss -= math.log(p[yi])
        p[yi] -= 1.0
        dW += np.outer(xi, p)
        db += p
    N = len(y)
    return loss / N + 0.5 * reg * np.sum(W * W), dW / N + reg * W, db / N


def test_loss_and_gradient_match_the_per_example_formulas():
    problem = get_problem("softmax", reg=0.3)
    x = 0.1 * np.random.default_rng(0).standard_normal(problem.n)
    f, g = problem.loss_and_gradient(x)
    params = problem.params(x)
    loss, dW, db = naive_softmax_loss(params["W"], params["b"], problem.data.X_train, problem.data.y_train, 0.3)
    assert f == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(problem.params(g)["W"], dW, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(problem.params(g)["b"], db, rtol=1e-9, atol=1e-14)


def test_start_point_small_weights_zero_bias_loss_ln_10():
    problem = get_problem("softmax")
    x = problem.x0(seed=2)
    params = problem.params(x)
    assert params["W"].shape == (64, 10) and not np.any(params["b"])
    assert 0.0008 < params["W"].std() < 0.0012
    assert problem.loss_parts(x)["data"] == pytest.approx(math.log(10), abs=0.01)


def test_f_star_is_the_minimum_from_any_start():
    """Convex: L-BFGS-B from another start reaches the cached f* too, and the
    minimizer classifies the validation digits well."""
    problem = get_problem("softmax")
    result = scipy.optimize.minimize(problem.loss_and_gradient, problem.x0(seed=7), jac=True,
                                     method="L-BFGS-B", options=dict(gtol=1e-10, ftol=1e-15, maxiter=5000))
    assert result.fun == pytest.approx(problem.f_star, rel=1e-9)
    assert problem.accuracy(result.x, "train") > 0.98
    assert problem.accuracy(result.x, "val") > 0.93
