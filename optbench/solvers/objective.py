"""What the full-batch solvers (`lbfgs`, `bfgs`, `newton`) share: the contract of the
objective fun(x) -> (f, g), checks of x0 and of the settings, and the gradient test.

Each check names the solver (`who`) and what was expected, and runs before any work, so
that a bad call leaves nothing half-done: x0 is never modified.
"""

import math

import numpy as np

from optbench import checks

GRADIENT_CONVERGED = "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
EVALUATIONS_EXCEEDED = "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"


def start_point(who, x0):
    """x0 as a fresh float64 vector; a ValueError unless it is a finite, non-empty, real 1-D array."""
    array = np.asarray(x0)
    if array.dtype.kind not in "fiu" or array.dtype == np.float16:
        raise ValueError(f"{who}: x0 must be a real (float) array, got dtype {array.dtype}")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{who}: x0 must be a non-empty 1-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{who}: x0 must be finite, got {np.sum(~np.isfinite(array))} non-finite entries")
    return np.array(array, dtype=np.float64)


def check_settings(who, callback, gtol, ftol=0.0, **counts):
    """Whole-number counts >= 1, tolerances >= 0, a callable or None callback."""
    for name, value in counts.items():
        checks.whole_number(f"{who}: {name}", value, low=1)
    for name, value in (("gtol", gtol), ("ftol", ftol)):
        checks.real(f"{who}: {name}", value, low=0.0)
    if callback is not None and not callable(callback):
        raise TypeError(f"{who}: callback must be callable or None, got {type(callback).__name__}")


def evaluate(who, fun, x, at_start=False):
    """(float f, float64 g) from fun(x), with a clear error when fun breaks its contract."""
    where = "fun(x0)" if at_start else "fun(x)"
    value = fun(x)
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError(f"{who}: {where} must return a tuple (f, g), got {type(value).__name__}")
    f, g = value
    if np.ndim(f) != 0:
        raise ValueError(f"{who}: {where} must return a scalar f, got shape {np.shape(f)}")
    g = np.asarray(g, dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"{who}: {where} returned a gradient of shape {g.shape}, expected {x.shape}")
    return float(f), g


def evaluate_start(who, fun, x):
    """fun(x0), which must be finite: there is no descent to start from otherwise."""
    f, g = evaluate(who, fun, x, at_start=True)
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        raise ValueError(
            f"{who}: fun(x0) must be finite, got f = {f} and {np.sum(~np.isfinite(g))} non-finite gradient entries"
        )
    return f, g


def limit_reached(nit, maxiter, nfev, maxfun):
    """(1, message) when the iteration or evaluation limit is reached, else (None, None)."""
    if nit >= maxiter:
        return 1, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    if nfev >= maxfun:
        return 1, EVALUATIONS_EXCEEDED
    return None, None


def comparison_row(problem, ours, theirs, seconds_ours, seconds_scipy, blas_threads):
    """A solver's result beside scipy's on `problem`, both from the same x0: f, nfev, nit,
    seconds, message of each, relative_gap |f_ours - f_scipy| / max(|f_scipy|, 1) and
    x_distance max_i |x_ours - x_scipy|."""
    return {
        "problem": repr(problem),
        "n": problem.n,
        "f_ours": float(ours.fun),
        "f_scipy": float(theirs.fun),
        "relative_gap": abs(ours.fun - theirs.fun) / max(abs(theirs.fun), 1.0),
        "x_distance": float(np.max(np.abs(ours.x - theirs.x))),
        "nfev_ours": int(ours.nfev),
        "nfev_scipy": int(theirs.nfev),
        "nit_ours": int(ours.nit),
        "nit_scipy": int(theirs.nit),
        "seconds_ours": seconds_ours,
        "seconds_scipy": seconds_scipy,
        "message_ours": str(ours.message),
        "message_scipy": str(theirs.message),
        "blas_threads": blas_threads,
    }


def converged_gradient(g, gtol):
    """(0, message) when max_i |g_i| <= gtol, else (None, None)."""
    if np.max(np.abs(g)) <= gtol:
        return 0, GRADIENT_CONVERGED
    return None, None


class Line:
    """phi(alpha) = f(x + alpha d) and phi'(alpha) = g(x + alpha d) . d, keeping the last
    point evaluated (the accepted one when the line search succeeds)."""

    def __init__(self, who, fun, x, d):
        self.who, self.fun, self.origin, self.d = who, fun, x, d

    def __call__(self, alpha):
        self.x = self.origin + alpha * self.d
        self.f, self.g = evaluate(self.who, self.fun, self.x)
        return self.f, float(self.g @ self.d)

