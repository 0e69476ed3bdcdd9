"""L-BFGS: limited-memory BFGS for a smooth deterministic f (full batch).

Each iteration moves along d = -H g, where H approximates the inverse Hessian from the
last m pairs s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k (Nocedal & Wright, Algorithm 7.4,
the two-loop recursion), starting from H_0 = gamma I, gamma = s^T y / y^T y of the newest
pair. H itself is never formed: the pairs sit in two (m, n) arrays used as a circular
history. With no pairs yet (first iteration, or after a reset) d = -g and the first
trial step has length 1, alpha = 1 / ||g||_2, as in L-BFGS-B; otherwise alpha = 1.
The step along d satisfies the strong Wolfe conditions with c1 = 1e-4, c2 = 0.9
(`line_search.py`). A pair with s^T y <= eps y^T y is not stored (H stays positive
definite). A failed line search clears the history and retries along -g; a second
failure in a row stops the run.

Stopping rules, those of scipy's L-BFGS-B without bounds:

    max_i |g_i| <= gtol                                      (projected gradient)
    (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol       (relative reduction, "factr")
"""

import math
import time

import numba
import numpy as np
import scipy.optimize
from scipy.optimize import OptimizeResult

from optbench.perf.threads import single_threaded_blas
from optbench.solvers.line_search import strong_wolfe
from optbench.solvers.objective import (
    EVALUATIONS_EXCEEDED,
    Line,
    check_settings,
    comparison_row,
    converged_gradient,
    evaluate_start,
    limit_reached,
    start_point,
)

FTOL = 2.220446049250313e-09  # scipy's default: factr 1e7 times machine epsilon
_EPS = np.finfo(np.float64).eps
WHO = "lbfgs"


@numba.njit(
    "float64[::1](float64[::1], float64[:, ::1], float64[:, ::1], float64[::1], int64, int64, float64)",
    cache=True,
)
def two_loop_recursion(g, S, Y, rho, start, count, gamma):
    """H g for the L-BFGS inverse Hessian H built from `count` pairs (S[i], Y[i]),
    rho[i] = 1 / (Y[i] . S[i]), oldest at row `start` of the circular (m, n) history.

        q = g;  for i newest..oldest:  alpha_i = rho_i s_i.q,  q -= alpha_i y_i
        r = gamma q;  for i oldest..newest:  beta = rho_i y_i.r,  r += (alpha_i - beta) s_i
    """
    m, n = S.shape
    q = g.copy()
    alpha = np.empty(count)
    for k in range(count - 1, -1, -1):
        i = (start + k) % m
        dot = 0.0
        for j in range(n):
            dot += S[i, j] * q[j]
        alpha[k] = rho[i] * dot
        for j in range(n):
            q[j] -= alpha[k] * Y[i, j]
    for j in range(n):
        q[j] *= gamma
    for k in range(count):
        i = (start + k) % m
        dot = 0.0
        for j in range(n):
            dot += Y[i, j] * q[j]
        beta = rho[i] * dot
        for j in range(n):
            q[j] += (alpha[k] - beta) * S[i, j]
    return q


class _History:
    """The last m (s, y) pairs in a circular buffer: rows start, start+1, ... (mod m)."""

    def __init__(self, m, n):
        self.S = np.zeros((m, n))
        self.Y = np.zeros((m, n))
        self.rho = np.zeros(m)
        self.start = 0
        self.count = 0
        self.gamma = 1.0

    def push(self, s, y):
        sy, yy = float(s @ y), float(y @ y)
        if sy <= _EPS * yy:
            return
        m = len(self.rho)
        row = (self.start + self.count) % m
        if self.count < m:
            self.count += 1
        else:
            self.start = (self.start + 1) % m
        self.S[row], self.Y[row], self.rho[row] = s, y, 1.0 / sy
        self.gamma = sy / yy

    def clear(self):
        self.start = self.count = 0

    def inverse_hessian_times(self, g):
        return two_loop_recursion(g, self.S, self.Y, self.rho, self.start, self.count, self.gamma)


def lbfgs(fun, x0, m=10, gtol=1e-5, ftol=FTOL, maxiter=15000, maxfun=15000, maxls=20, callback=None):
    """Minimize f with L-BFGS; fun(x) returns (f, g). Returns a scipy OptimizeResult with
    x, fun, jac, nit, nfev, njev, status (0 converged, 1 iteration or evaluation limit,
    2 line search failure), success and message. x0 is not modified; callback(x) is
    called with a copy of each new iterate. maxls bounds the evaluations of one line
    search."""
    x = start_point(WHO, x0)
    check_settings(WHO, callback, gtol, ftol, m=m, maxiter=maxiter, maxfun=maxfun, maxls=maxls)
    f, g = evaluate_start(WHO, fun, x)
    history = _History(m, x.size)
    nfev, nit = 1, 0
    status, message = converged_gradient(g, gtol)
    while status is None:
        if history.count:
            d = -history.inverse_hessian_times(g)
            alpha1 = 1.0
        else:
            d = -g
            alpha1 = 1.0 / math.sqrt(float(g @ g))
        dphi0 = float(g @ d)
        if not dphi0 < 0.0:  # rounding made -H g ascend: restart from steepest descent
            history.clear()
            continue
        line = Line(WHO, fun, x, d)
        search = strong_wolfe(line, f, dphi0, alpha1, maxls=min(maxls, maxfun - nfev))
        nfev += search.nfev
        if not search.success:
            if nfev >= maxfun:
                status, message = 1, EVALUATIONS_EXCEEDED
            elif history.count:
                history.clear()
                continue
            else:
                status, message = 2, f"ABNORMAL: LINE SEARCH FAILED TWICE: {search.message}"
            break
        history.push(line.x - x, line.g - g)
        f_old, x, f, g = f, line.x, line.f, line.g
        nit += 1
        if callback is not None:
            callback(x.copy())
        status, message = converged_gradient(g, gtol)
        if status is not None:
            break
        if f_old - f <= ftol * max(abs(f_old), abs(f), 1.0):
            status, message = 0, "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"
        else:
            status, message = limit_reached(nit, maxiter, nfev, maxfun)
    return OptimizeResult(x=x, fun=f, jac=g, nit=nit, nfev=nfev, njev=nfev, status=status,
                          success=status == 0, message=message)


def compare_with_scipy(problem, m=10, gtol=1e-5, ftol=FTOL, maxiter=15000, seed=0):
    """Run `lbfgs` and scipy's L-BFGS-B (maxcor=m, same tolerances, maxfun = 2 maxiter)
    on `problem` from problem.x0(seed); one row for the "L-BFGS vs scipy" table.
    relative_gap is |f_ours - f_scipy| / max(|f_scipy|, 1); x_distance is
    max_i |x_ours - x_scipy|.

    Both run with BLAS limited to one thread when threadpoolctl (installed with
    scikit-learn) is there: at these sizes threads do not pay, and on a busy 2-core
    machine OpenBLAS's spinning threads made L-BFGS-B 300 times slower.
    """
    x0 = problem.x0(seed)
    options = dict(gtol=gtol, ftol=ftol, maxiter=maxiter, maxfun=2 * maxiter)
    with single_threaded_blas() as blas_threads:
        start = time.perf_counter()
        ours = lbfgs(problem.loss_and_gradient, x0, m=m, **options)
        ours_seconds = time.perf_counter() - start
        start = time.perf_counter()
        theirs = scipy.optimize.minimize(
            problem.loss_and_gradient, x0, jac=True, method="L-BFGS-B", options=dict(maxcor=m, **options)
        )
        scipy_seconds = time.perf_counter() - start
    return comparison_row(problem, ours, theirs, ours_seconds, scipy_seconds, blas_threads)
