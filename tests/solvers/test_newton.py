"""Newton's method: one step on a quadratic, scipy's trust-exact minimum on Rosenbrock,
quadratic convergence (and its loss with a wrong Hessian), the shifted Cholesky where
the Hessian is indefinite, a bad Hessian mid-run."""

import numpy as np
import pytest
import scipy.optimize

from optbench.solvers.newton import BETA, DECREMENT_BELOW_ROUNDING, newton, shifted_cholesky
from optbench.solvers.objective import EVALUATIONS_EXCEEDED


def rosenbrock(x):
    return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)


def classical(n):
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0)


def test_a_quadratic_is_minimized_in_one_step():
    rng = np.random.default_rng(0)
    root = rng.standard_normal((6, 6))
    A, b = root @ root.T + np.eye(6), rng.standard_normal(6)
    result = newton(lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), np.zeros(6), lambda x: A, gtol=1e-10)
    assert (result.nit, result.nfev, result.nhev) == (1, 2, 1)
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-12)
    assert result.success and result.modified == 0 and result.steepest == 0


@pytest.mark.parametrize("n", [2, 10])
def test_the_minimum_of_scipys_trust_exact(n):
    ours = newton(rosenbrock, classical(n), scipy.optimize.rosen_hess, gtol=1e-7)
    theirs = scipy.optimize.minimize(rosenbrock, classical(n), jac=True, hess=scipy.optimize.rosen_hess,
                                     method="trust-exact", options={"gtol": 1e-7})
    assert ours.success and theirs.success
    # Both stop within gtol of a stationary point where H is positive definite (the global
    # minimum in 2-D, the local one near (-1, 1, ..., 1) for n = 10): f agrees to about
    # gtol^2 / lambda_min, far below this.
    assert abs(ours.fun - theirs.fun) <= 1e-10 * max(abs(theirs.fun), 1.0)
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-6)


def errors_along_the_path(hess):
    path = []
    newton(rosenbrock, classical(2), hess, gtol=1e-12, callback=path.append)
    return np.array([np.linalg.norm(x - 1.0) for x in path])


def test_convergence_is_quadratic():
    errors = errors_along_the_path(scipy.optimize.rosen_hess)
    close = errors[(errors < 1e-2) & (errors > 1e-14)]
    assert len(close) >= 3
    # e_{k+1} <= C e_k^2 with C about ||H^-1|| ||third derivative|| / 2 (about 10 here)
    assert np.all(close[1:] <= 50.0 * close[:-1] ** 2)


def test_a_wrong_hessian_loses_quadratic_convergence():
    def halved_cross_term(x):
        H = scipy.optimize.rosen_hess(x)
        H[0, 1] = H[1, 0] = 0.5 * H[0, 1]
        return H

    errors = errors_along_the_path(halved_cross_term)
    close = errors[(errors < 1e-2) & (errors > 1e-14)]
    assert len(close) < 2 or np.any(close[1:] > 50.0 * close[:-1] ** 2)


def double_well(x):
    """f = x0^4/4 - x0^2/2 + x1^2/2: minima at (+-1, 0), a saddle-like ridge at x0 = 0."""
    return x[0] ** 4 / 4 - x[0] ** 2 / 2 + x[1] ** 2 / 2, np.array([x[0] ** 3 - x[0], x[1]])


def double_well_hessian(x):
    return np.diag([3 * x[0] ** 2 - 1, 1.0])


def test_an_indefinite_hessian_is_shifted_and_said_so():
    result = newton(double_well, np.array([0.1, 1.0]), double_well_hessian, gtol=1e-10)
    assert result.success
    np.testing.assert_allclose(np.abs(result.x), [1.0, 0.0], atol=1e-9)
    assert result.modified >= 1 and result.shifts[0] > 0.0
    # without the shift, the pure Newton step at x0 = 0.1 goes uphill in x0 (towards the maximum at 0)
    H = double_well_hessian(np.array([0.1, 1.0]))
    assert np.linalg.solve(H, -double_well(np.array([0.1, 1.0]))[1])[0] * 0.1 < 0.0


def test_shifted_cholesky_is_algorithm_3_3():
    spd = np.array([[2.0, 1.0], [1.0, 2.0]])
    (_, _), tau = shifted_cholesky(spd)
    assert tau == 0.0
    indefinite = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    kept = indefinite.copy()
    (factor, lower), tau = shifted_cholesky(indefinite)
    np.testing.assert_array_equal(indefinite, kept)
    assert tau > 1.0  # it must exceed -lambda_min = 1
    # min diag = 1 > 0: tau starts at 0 and then doubles from BETA, so it is BETA 2^k
    k = np.log2(tau / BETA)
    assert k == round(k)
    L = np.tril(factor)
    np.testing.assert_allclose(L @ L.T, indefinite + tau * np.eye(2), rtol=1e-12)


def test_a_bad_hessian_mid_run_stops_with_an_error_and_x0_is_kept():
    calls = []

    def hess(x):
        calls.append(1)
        return scipy.optimize.rosen_hess(x) if len(calls) < 3 else np.full((2, 2), np.nan)

    x0 = classical(2)
    with pytest.raises(ValueError, match=r"newton: hess\(x\): the Hessian must be finite, got 4 non-finite"):
        newton(rosenbrock, x0, hess)
    np.testing.assert_array_equal(x0, classical(2))


def test_hess_must_be_callable():
    with pytest.raises(TypeError, match="newton: hess must be callable"):
        newton(rosenbrock, classical(2), np.eye(2))


def test_limits_and_callback_copies():
    seen = []
    result = newton(rosenbrock, classical(2), scipy.optimize.rosen_hess, maxiter=3, callback=seen.append)
    assert result.status == 1 and result.nit == 3 and len(seen) == 3
    seen[-1][0] = 99.0
    assert result.x[0] != 99.0
    assert len(result.shifts) == 3


def test_below_rounding_the_predicted_decrease_stops_the_run_as_converged():
    # at the local minimum of the 10-D chain, f = 3.99: a gradient of 1e-12 cannot be met,
    # the line search would fail on rounding; the model's decrease says x is done.
    result = newton(rosenbrock, classical(10), scipy.optimize.rosen_hess, gtol=1e-14)
    assert result.success and result.message == DECREMENT_BELOW_ROUNDING
    assert result.fun == pytest.approx(3.9865791123471, rel=1e-12)


@pytest.mark.parametrize("maxfun", [1, 2, 5])
def test_the_evaluation_limit_stops_the_run(maxfun):
    result = newton(rosenbrock, classical(2), scipy.optimize.rosen_hess, maxfun=maxfun)
    assert result.status == 1 and result.message == EVALUATIONS_EXCEEDED and result.nfev <= maxfun
