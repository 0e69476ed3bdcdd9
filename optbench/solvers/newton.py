"""Newton's method with a line search, on a dense Hessian.

Each iteration solves the Newton system by a Cholesky factorization,

    (H_k + tau_k I) d_k = -g_k,        x_{k+1} = x_k + alpha_k d_k,

with tau_k = 0 whenever H_k is positive definite. Where it is not, tau_k is found by
Nocedal & Wright's Algorithm 3.3 (Cholesky with added multiple of the identity): start
from tau = 0 if min_i H_ii > 0, else tau = -min_i H_ii + BETA, and double it (at least
to BETA) until the factorization succeeds; the result records every tau_k (`shifts`).
The step alpha_k satisfies the strong Wolfe conditions (c1 = 1e-4, c2 = 0.9, the line
search of L-BFGS) and is tried first at alpha = 1, the full Newton step, so that near a
minimum with positive definite Hessian the iteration converges quadratically:

    ||x_{k+1} - x*|| <= C ||x_k - x*||^2.

On a quadratic f = 1/2 x^T A x - b^T x with A positive definite the first step lands on
the minimum. If rounding makes d_k fail to descend, or the line search fails along it,
the iteration falls back to steepest descent d = -g for that step (counted in
`steepest`); a second failure stops the run.

Stopping rules: max_i |g_i| <= gtol (converged); or the decrease the quadratic model
predicts, -g_k^T d_k / 2, is below ROUNDING_ULPS ulps of f_k (converged to working
precision: no step could show a decrease, so a tighter gtol cannot be met); or nit >=
maxiter, or nfev >= maxfun.
"""

import math

import numpy as np
import scipy.linalg
from scipy.optimize import OptimizeResult

from optbench import checks
from optbench.solvers.line_search import strong_wolfe
from optbench.solvers.objective import (
    EVALUATIONS_EXCEEDED,
    Line,
    check_settings,
    converged_gradient,
    evaluate_start,
    limit_reached,
    start_point,
)

WHO = "newton"
BETA = 1e-3  # Algorithm 3.3's smallest shift
MAX_SHIFTS = 100  # doublings of tau before giving up: tau would exceed BETA 2^100
# The quadratic model predicts a decrease of -g.d / 2 (half the squared Newton
# decrement); below a few ulps of f no step can show it, and x is a minimizer to
# working precision.
ROUNDING_ULPS = 4
DECREMENT_BELOW_ROUNDING = "CONVERGENCE: PREDICTED DECREASE BELOW THE ROUNDING OF F"
_EPS = np.finfo(np.float64).eps


def newton(fun, x0, hess, gtol=1e-5, maxiter=200, maxfun=15000, maxls=20, callback=None):
    """Minimize f by Newton's method; fun(x) returns (f, g) as for `lbfgs`, hess(x) the
    dense (n, n) Hessian, which must be finite and symmetric to rounding
    (`optbench.checks.hessian`). Returns a scipy OptimizeResult with x, fun, jac, hess (the last
    Hessian), nit, nfev, njev, nhev, status (0 converged, 1 iteration or evaluation
    limit, 2 line search failure), success, message, and the modifications made:
    `shifts` (tau_k for each iteration), `modified` (iterations with tau_k > 0) and
    `steepest` (iterations that fell back to -g). x0 is not modified; callback(x) is
    called with a copy of each new iterate."""
    x = start_point(WHO, x0)
    check_settings(WHO, callback, gtol, maxiter=maxiter, maxfun=maxfun, maxls=maxls)
    if not callable(hess):
        raise TypeError(f"{WHO}: hess must be callable, hess(x) -> the (n, n) Hessian; got {type(hess).__name__}")
    f, g = evaluate_start(WHO, fun, x)
    nfev, nhev, nit = 1, 0, 0
    shifts, steepest = [], 0
    H = None
    status, message = converged_gradient(g, gtol)
    while status is None:
        H = factor = None  # the last iterate's matrices go before the next are made: 2 n^2 at most
        H = checks.hessian(f"{WHO}: hess(x)", hess(x.copy()), x.size)
        nhev += 1
        factor, tau = shifted_cholesky(H)
        d = -scipy.linalg.cho_solve(factor, g, check_finite=False)
        shifts.append(tau)
        if -float(g @ d) / 2.0 <= ROUNDING_ULPS * _EPS * abs(f):
            status, message = 0, DECREMENT_BELOW_ROUNDING
            break
        line, search = None, None
        if float(g @ d) < 0.0:
            line = Line(WHO, fun, x, d)
            search = strong_wolfe(line, f, float(g @ d), 1.0, maxls=min(maxls, maxfun - nfev))
            nfev += search.nfev
        if (search is None or not search.success) and nfev < maxfun:
            steepest += 1
            line = Line(WHO, fun, x, -g)
            search = strong_wolfe(line, f, -float(g @ g), 1.0 / math.sqrt(float(g @ g)),
                                  maxls=min(maxls, maxfun - nfev))
            nfev += search.nfev
        if search is None or not search.success:  # None: no evaluation was left to try
            if nfev >= maxfun:
                status, message = 1, EVALUATIONS_EXCEEDED
            else:
                status, message = 2, f"ABNORMAL: LINE SEARCH FAILED ALONG THE NEWTON AND STEEPEST DIRECTIONS: {search.message}"
            break
        x, f, g = line.x, line.f, line.g
        nit += 1
        if callback is not None:
            callback(x.copy())
        status, message = converged_gradient(g, gtol)
        if status is not None:
            break
        status, message = limit_reached(nit, maxiter, nfev, maxfun)
    shifts = np.array(shifts)
    return OptimizeResult(x=x, fun=f, jac=g, hess=H, nit=nit, nfev=nfev, njev=nfev, nhev=nhev, status=status,
                          success=status == 0, message=message, shifts=shifts,
                          modified=int(np.sum(shifts > 0.0)), steepest=steepest)


def shifted_cholesky(H):
    """(cho_factor of H + tau I, tau) with the tau of Algorithm 3.3 (module docstring);
    H is not modified."""
    smallest = float(np.min(np.diag(H)))
    tau = 0.0 if smallest > 0.0 else BETA - smallest
    for _ in range(MAX_SHIFTS):
        shifted = np.array(H, order="F")  # LAPACK's order: factored in place, no third copy
        shifted.flat[:: len(H) + 1] += tau
        try:
            return scipy.linalg.cho_factor(shifted, lower=True, overwrite_a=True, check_finite=False), tau
        except np.linalg.LinAlgError:
            tau = max(2.0 * tau, BETA)
    raise ValueError(f"{WHO}: no shift tau <= {tau:g} makes the Hessian positive definite")
