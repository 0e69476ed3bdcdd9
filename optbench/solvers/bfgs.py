"""BFGS: the dense inverse-Hessian quasi-Newton method, with scipy's stopping rules.

Each iteration moves along d_k = -H_k g_k with a step alpha_k satisfying the strong
Wolfe conditions (c1 = 1e-4, c2 = 0.9; `line_search.py`), then updates the inverse
Hessian approximation with s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k, rho_k = 1 / y_k^T s_k
(Nocedal & Wright, (6.17)):

    H_{k+1} = (I - rho s y^T) H_k (I - rho y s^T) + rho s s^T
            = H - rho (s u^T + u s^T) + (rho^2 y^T u + rho) s s^T,      u = H y

The second form (H symmetric) costs O(n^2) per iteration (`rank_two_update`), where
the matrix products of the first cost O(n^3); H itself is n^2 numbers, the memory that
limits BFGS. H_0 = I.

As scipy's `minimize(method="BFGS")`:

- the first trial step is alpha = min(1, 1.01 * 2 (f_k - f_{k-1}) / g_k^T d_k) (1 when
  that is negative), with f_{-1} = f_0 + ||g_0||_2 / 2, so that the first step has
  length about 1;
- rho = 1000 when y^T s = 0;
- stop when max_i |g_i| <= gtol (status 0), after maxiter = 200 n iterations by default
  (status 1), or when the line search fails or f is not finite (status 2, "precision
  loss"), with scipy's messages.
"""

import math

import numba
import numpy as np
from scipy.optimize import OptimizeResult

from optbench.solvers.line_search import strong_wolfe
from optbench.solvers.objective import Line, check_settings, evaluate_start, start_point

WHO = "bfgs"
SUCCESS = "Optimization terminated successfully."
MAXITER = "Maximum number of iterations has been exceeded."
PRECISION_LOSS = "Desired error not necessarily achieved due to precision loss."
RHO_FOR_ZERO_CURVATURE = 1000.0  # scipy's choice when y^T s = 0


@numba.njit("void(float64[:, ::1], float64[::1], float64[::1], float64)", cache=True, error_model="numpy")
def rank_two_update(H, s, y, rho):
    """In place, for symmetric H: H <- H - rho (s u^T + u s^T) + (rho^2 y^T u + rho) s s^T, u = H y."""
    n = s.size
    u = np.zeros(n)
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += H[i, j] * y[j]
        u[i] = total
    yu = 0.0
    for i in range(n):
        yu += y[i] * u[i]
    c = rho * rho * yu + rho
    for i in range(n):
        for j in range(n):
            H[i, j] += c * s[i] * s[j] - rho * (s[i] * u[j] + u[i] * s[j])


def bfgs(fun, x0, gtol=1e-5, maxiter=None, maxls=20, callback=None):
    """Minimize f with BFGS; fun(x) returns (f, g) as for `lbfgs`. Returns a scipy
    OptimizeResult with x, fun, jac, hess_inv (the final H), nit, nfev, njev, status,
    success and message. x0 is not modified; callback(x) is called with a copy of each
    new iterate."""
    x = start_point(WHO, x0)
    if maxiter is None:
        maxiter = 200 * x.size
    check_settings(WHO, callback, gtol, maxiter=maxiter, maxls=maxls)
    f, g = evaluate_start(WHO, fun, x)
    H = np.eye(x.size)
    f_previous = f + math.sqrt(float(g @ g)) / 2.0
    nfev, nit, status = 1, 0, None
    while np.max(np.abs(g)) > gtol and nit < maxiter:
        d = -(H @ g)
        dphi0 = float(g @ d)
        if not dphi0 < 0.0:
            status = 2
            break
        alpha1 = min(1.0, 1.01 * 2.0 * (f - f_previous) / dphi0)
        line = Line(WHO, fun, x, d)
        search = strong_wolfe(line, f, dphi0, alpha1 if alpha1 >= 0.0 else 1.0, maxls=maxls)
        nfev += search.nfev
        if not search.success:
            status = 2
            break
        s, y = line.x - x, line.g - g
        f_previous, x, f, g = f, line.x, line.f, line.g
        nit += 1
        if callback is not None:
            callback(x.copy())
        if np.max(np.abs(g)) <= gtol:
            break
        if not math.isfinite(f):
            status = 2
            break
        ys = float(y @ s)
        rank_two_update(H, s, y, RHO_FOR_ZERO_CURVATURE if ys == 0.0 else 1.0 / ys)
    if status is None:
        status = 1 if np.max(np.abs(g)) > gtol and nit >= maxiter else 0
    message = {0: SUCCESS, 1: MAXITER, 2: PRECISION_LOSS}[status]
    return OptimizeResult(x=x, fun=f, jac=g, hess_inv=H, nit=nit, nfev=nfev, njev=nfev, status=status,
                          success=status == 0, message=message)
