"""BFGS: the O(n^2) rank-two update against the dense product form, the secant
equation, scipy's BFGS path on Rosenbrock, its stopping rules and messages."""

import numpy as np
import pytest
import scipy.optimize

from optbench.solvers.bfgs import MAXITER, SUCCESS, bfgs, rank_two_update


def rosenbrock(x):
    return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)


def product_form(H, s, y):
    rho = 1.0 / (y @ s)
    n = len(s)
    A1 = np.eye(n) - rho * np.outer(s, y)
    A2 = np.eye(n) - rho * np.outer(y, s)
    return A1 @ H @ A2 + rho * np.outer(s, s)


def random_pair(rng, n):
    root = rng.standard_normal((n, n))
    H = root @ root.T + np.eye(n)
    s = rng.standard_normal(n)
    y = s + 0.1 * rng.standard_normal(n)
    return H, s, y


@pytest.mark.parametrize("n", [1, 5, 40])
def test_the_rank_two_update_is_the_product_form(n):
    H, s, y = random_pair(np.random.default_rng(n), n)
    expected = product_form(H, s, y)
    rank_two_update(H, s, y, 1.0 / (y @ s))
    np.testing.assert_allclose(H, expected, rtol=1e-11, atol=1e-11 * np.abs(expected).max())


def test_the_update_satisfies_the_secant_equation():
    H, s, y = random_pair(np.random.default_rng(0), 7)
    rank_two_update(H, s, y, 1.0 / (y @ s))
    np.testing.assert_allclose(H @ y, s, rtol=1e-10)


def test_scipys_path_on_rosenbrock():
    x0 = np.array([-1.2, 1.0])
    ours = bfgs(rosenbrock, x0, gtol=1e-8)
    theirs = scipy.optimize.minimize(rosenbrock, x0, jac=True, method="BFGS", options={"gtol": 1e-8})
    assert ours.success and ours.message == theirs.message == SUCCESS
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-7)
    # the same first steps, a different (More-Thuente) line search inside scipy
    assert ours.nfev <= 1.5 * theirs.nfev
    assert abs(ours.nit - theirs.nit) <= 0.25 * theirs.nit


def test_the_first_step_has_length_about_one():
    first = []
    x0 = np.array([3.0, 4.0])
    bfgs(lambda x: (0.5 * float(x @ x), x.copy()), x0, maxiter=1, callback=first.append)
    # f - f_{-1} = -||g|| / 2 and d = -g: alpha = min(1, 1.01 ||g|| / ||g||^2) = 1.01 / 5
    np.testing.assert_allclose(np.linalg.norm(first[0] - x0), 1.01, rtol=1e-12)


def test_maxiter_default_and_message_are_scipys():
    x0 = np.array([-1.2, 1.0])
    ours = bfgs(rosenbrock, x0, maxiter=3)
    theirs = scipy.optimize.minimize(rosenbrock, x0, jac=True, method="BFGS", options={"maxiter": 3})
    assert (ours.status, ours.message) == (theirs.status, theirs.message) == (1, MAXITER)


def test_a_quadratic_is_minimized_in_at_most_n_iterations_plus_rounding():
    rng = np.random.default_rng(1)
    root = rng.standard_normal((8, 8))
    A = root @ root.T + np.eye(8)
    result = bfgs(lambda x: (0.5 * x @ A @ x, A @ x), np.ones(8), gtol=1e-10)
    assert result.success
    np.testing.assert_allclose(result.x, 0.0, atol=1e-9)
    np.testing.assert_allclose(result.hess_inv, np.linalg.inv(A), rtol=0.2, atol=0.05)
