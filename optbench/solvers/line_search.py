"""A line search for the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5, 3.6).

Along a descent direction d from x, with phi(alpha) = f(x + alpha d), find alpha > 0 with

    phi(alpha)   <= phi(0) + c1 alpha phi'(0)        (sufficient decrease)
    |phi'(alpha)| <= c2 |phi'(0)|                    (curvature, strong form)

Bracketing: try alpha = alpha1 and extrapolate (to 1.1 to 4 times the last step beyond
it, by cubic interpolation) until an interval is known to contain acceptable steps.
Zoom: shrink that interval by the minimizer of the cubic through both ends' values and
slopes, or of the quadratic through one end's value and slope and the other's value when
the cubic has none, or by bisection when the trial point lands within a tenth of the
interval's width of either end. A non-finite phi(alpha) counts as "too far".
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LineSearchResult:
    """`alpha`, phi(alpha) and phi'(alpha) of the last trial; `success` when it satisfies
    the strong Wolfe conditions; `nfev` trials were evaluated."""

    success: bool
    alpha: float
    f: float
    dphi: float
    nfev: int
    message: str


@dataclass(frozen=True)
class _Trial:
    alpha: float
    f: float
    dphi: float


def strong_wolfe(phi, f0, dphi0, alpha1, c1=1e-4, c2=0.9, maxls=20):
    """Search along phi(alpha) -> (f, dphi) from phi(0) = f0, phi'(0) = dphi0 < 0.

    The step accepted on success is always the last one evaluated, so a caller that
    keeps its last (x, g) evaluation already holds the new point.
    """
    if not dphi0 < 0.0:
        raise ValueError(f"the line search needs a descent direction, got phi'(0) = {dphi0}")
    if not 0.0 < c1 < c2 < 1.0:
        raise ValueError(f"the Wolfe constants need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    wolfe = _Wolfe(phi, f0, dphi0, c1, c2, maxls)
    previous = _Trial(0.0, f0, dphi0)
    alpha = alpha1
    while wolfe.nfev < maxls:
        trial = wolfe.evaluate(alpha)
        if not wolfe.decreases(trial) or (wolfe.nfev > 1 and trial.f >= previous.f):
            return wolfe.zoom(previous, trial)
        if wolfe.curvature(trial):
            return wolfe.done(trial)
        if trial.dphi >= 0.0:
            return wolfe.zoom(trial, previous)
        low = trial.alpha + 1.1 * (trial.alpha - previous.alpha)
        high = trial.alpha + 4.0 * (trial.alpha - previous.alpha)
        guess = _cubic_minimizer(previous, trial)
        alpha = high if guess is None or guess <= trial.alpha else min(max(guess, low), high)
        previous = trial
    return wolfe.failed(f"no step satisfying the strong Wolfe conditions in {maxls} evaluations")


class _Wolfe:
    """The evaluations and tests one search shares between bracketing and zoom."""

    def __init__(self, phi, f0, dphi0, c1, c2, maxls):
        self.phi, self.f0, self.dphi0 = phi, f0, dphi0
        self.c1, self.c2, self.maxls = c1, c2, maxls
        self.nfev = 0
        self.last = None

    def evaluate(self, alpha):
        f, dphi = self.phi(alpha)
        self.nfev += 1
        if not (math.isfinite(f) and math.isfinite(dphi)):
            f, dphi = math.inf, math.nan
        self.last = _Trial(alpha, f, dphi)
        return self.last

    def decreases(self, trial):
        return trial.f <= self.f0 + self.c1 * trial.alpha * self.dphi0

    def curvature(self, trial):
        return abs(trial.dphi) <= -self.c2 * self.dphi0

    def zoom(self, lo, hi):
        """Algorithm 3.6: `lo` has the lowest phi among acceptable-decrease trials so
        far, and phi'(lo) (hi - lo) < 0, so [lo, hi] contains a strong Wolfe step."""
        while self.nfev < self.maxls:
            width = abs(hi.alpha - lo.alpha)
            if width <= 1e-16 * max(lo.alpha, hi.alpha):
                return self.failed("the bracketing interval shrank to rounding level")
            alpha = _interpolate(lo, hi)
            if alpha is None or abs(alpha - lo.alpha) < 0.1 * width or abs(alpha - hi.alpha) < 0.1 * width:
                alpha = 0.5 * (lo.alpha + hi.alpha)
            trial = self.evaluate(alpha)
            if not self.decreases(trial) or trial.f >= lo.f:
                hi = trial
                continue
            if self.curvature(trial):
                return self.done(trial)
            if trial.dphi * (hi.alpha - lo.alpha) >= 0.0:
                hi = lo
            lo = trial
        return self.failed(f"no step satisfying the strong Wolfe conditions in {self.maxls} evaluations")

    def done(self, trial):
        return LineSearchResult(True, trial.alpha, trial.f, trial.dphi, self.nfev, "strong Wolfe step")

    def failed(self, message):
        last = self.last or _Trial(0.0, self.f0, self.dphi0)
        return LineSearchResult(False, last.alpha, last.f, last.dphi, self.nfev, message)


def _interpolate(lo, hi):
    """Minimizer of the cubic through (alpha, f, dphi) at both ends, else of the
    quadratic through lo's value and slope and hi's value; None if neither exists."""
    if math.isfinite(hi.f):
        cubic = _cubic_minimizer(lo, hi)
        if cubic is not None:
            return cubic
        return _quadratic_minimizer(lo, hi)
    return None


def _cubic_minimizer(a, b):
    """Nocedal & Wright (3.59): the local minimizer of the cubic interpolating
    phi and phi' at a and b, or None when it has no real one."""
    if not (math.isfinite(a.dphi) and math.isfinite(b.dphi) and math.isfinite(b.f)) or a.alpha == b.alpha:
        return None
    d1 = a.dphi + b.dphi - 3.0 * (a.f - b.f) / (a.alpha - b.alpha)
    discriminant = d1 * d1 - a.dphi * b.dphi
    if discriminant < 0.0:
        return None
    d2 = math.copysign(math.sqrt(discriminant), b.alpha - a.alpha)
    denominator = b.dphi - a.dphi + 2.0 * d2
    if denominator == 0.0:
        return None
    alpha = b.alpha - (b.alpha - a.alpha) * (b.dphi + d2 - d1) / denominator
    return alpha if math.isfinite(alpha) else None


def _quadratic_minimizer(lo, hi):
    """Minimizer of q with q(lo) = f_lo, q'(lo) = dphi_lo, q(hi) = f_hi, if q is convex."""
    step = hi.alpha - lo.alpha
    curvature = hi.f - lo.f - lo.dphi * step
    if curvature <= 0.0:
        return None
    return lo.alpha - lo.dphi * step * step / (2.0 * curvature)
