"""The full-batch solvers on a standard problem, and scipy's counterparts beside them.

    method    optbench            scipy.optimize.minimize
    newton    newton(hess=...)    method="trust-exact", hess=problem.hessian
    bfgs      bfgs                method="BFGS"
    lbfgs     lbfgs (m = 10)      method="L-BFGS-B", maxcor=10

scipy has no line-search Newton method on a dense Hessian; trust-exact (a trust region
solved exactly with the same Hessian, More & Sorensen) is the nearest, so Newton is
compared by the minimum it reaches, not by its path. BFGS and L-BFGS follow the same
rules as scipy's and are compared by path too (nfev, nit).

Both sides run from problem.x0(seed) with the same gtol (scipy's BFGS and ours: max_i |g_i|;
L-BFGS-B: the projected gradient's largest entry; trust-exact: ||g||_2, which is never
below max_i |g_i|, so it stops no earlier) and iteration limit, with BLAS on one thread.
"""

import time

import scipy.optimize

from optbench import checks
from optbench.perf.threads import single_threaded_blas
from optbench.solvers.bfgs import bfgs
from optbench.solvers.lbfgs import lbfgs
from optbench.solvers.newton import newton
from optbench.solvers.objective import comparison_row

METHODS = ("newton", "bfgs", "lbfgs")
SCIPY_METHODS = {"newton": "trust-exact", "bfgs": "BFGS", "lbfgs": "L-BFGS-B"}
MEMORY = 10  # L-BFGS pairs, scipy's maxcor


def check_method(method):
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid choices: {', '.join(METHODS)}")
    return method


def minimize(problem, method, gtol=1e-5, maxiter=None, seed=0, callback=None):
    """optbench's `method` on problem.loss_and_gradient from problem.x0(seed); maxiter
    None is each solver's default."""
    check_method(method)
    x0 = problem.x0(seed)
    limit = {} if maxiter is None else {"maxiter": maxiter}
    if method == "newton":
        return newton(problem.loss_and_gradient, x0, problem.hessian, gtol=gtol, callback=callback, **limit)
    if method == "bfgs":
        return bfgs(problem.loss_and_gradient, x0, gtol=gtol, callback=callback, **limit)
    if maxiter is not None:
        limit["maxfun"] = 2 * maxiter
    return lbfgs(problem.loss_and_gradient, x0, m=MEMORY, gtol=gtol, callback=callback, **limit)


def scipy_minimize(problem, method, gtol=1e-5, maxiter=None, seed=0, callback=None):
    """scipy's counterpart of `method` (module docstring), same start, gtol and maxiter;
    callback(x) is called with each iterate."""
    check_method(method)
    options = {"gtol": gtol}
    if maxiter is not None:
        options["maxiter"] = maxiter
    extra = {}
    if method == "newton":
        extra["hess"] = problem.hessian
    if method == "lbfgs":
        options["maxcor"] = MEMORY
        if maxiter is not None:
            options["maxfun"] = 2 * maxiter
    wrapped = None if callback is None else (lambda intermediate_result: callback(intermediate_result.x.copy()))
    return scipy.optimize.minimize(problem.loss_and_gradient, problem.x0(seed), jac=True,
                                   method=SCIPY_METHODS[method], options=options, callback=wrapped, **extra)


def compare(problem, method, gtol=1e-5, maxiter=None, seed=0, callback=None):
    """One row: ours and scipy's f, nfev, nit and seconds, the gap
    |f_ours - f_scipy| / max(|f_scipy|, 1) and x_distance max_i |x_ours - x_scipy|.
    callback(side, x), side "ours" or "scipy", sees every iterate of both runs."""
    check_method(method)
    if maxiter is not None:
        checks.whole_number("maxiter", maxiter, low=1)
    sides = {}
    with single_threaded_blas() as blas_threads:
        for side, solve in (("ours", minimize), ("scipy", scipy_minimize)):
            each = None if callback is None else (lambda x, side=side: callback(side, x))
            start = time.perf_counter()
            result = solve(problem, method, gtol=gtol, maxiter=maxiter, seed=seed, callback=each)
            sides[side] = (result, time.perf_counter() - start)
    (ours, ours_seconds), (theirs, scipy_seconds) = sides["ours"], sides["scipy"]
    row = comparison_row(problem, ours, theirs, ours_seconds, scipy_seconds, blas_threads)
    return row | {"method": method, "scipy_method": SCIPY_METHODS[method], "gtol": gtol,
                  "success_ours": bool(ours.success), "success_scipy": bool(theirs.success),
                  "modified_ours": int(ours.get("modified", 0))}
