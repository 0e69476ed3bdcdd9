"""Centered finite-difference check of an analytic gradient.

For each checked coordinate i, with e_i the i-th unit vector:

    numeric_i  = (f(x + h e_i) - f(x - h e_i)) / (2 h)        error O(h^2) + O(eps |f| / h)
    relative_i = |analytic_i - numeric_i| / max(|analytic_i| + |numeric_i|, floor)

and the check reports the worst relative_i. In float64 a correct gradient typically
gives 1e-7 or less on smooth functions; a kink (ReLU) within h of x, or a coordinate
whose derivative is below the rounding noise eps |f| / h of the difference quotient, can
raise it, so choose x and h with that in mind. `floor` (by default the smallest normal
number) keeps derivatives below the noise from counting relative to themselves: with
floor = noise / threshold they must agree to the noise instead: `noise_floor(f, h,
threshold)` gives that floor, with

    noise = NOISE_ULPS eps |f(x)| / h

the rounding noise of the difference quotient (the factor NOISE_ULPS = 10 allows for a
loss that sums many rounded terms).
"""

import numbers
from dataclasses import dataclass

import numpy as np

from optbench import checks

DEFAULT_COUNT = 200
NOISE_ULPS = 10
_EPS = np.finfo(np.float64).eps
_TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class GradientCheck:
    """Per checked coordinate: `indices`, `analytic`, `numeric`, `relative_error`."""

    indices: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray

    @property
    def max_relative_error(self):
        return float(self.relative_error.max(initial=0.0))

    @property
    def worst_index(self):
        return int(self.indices[np.argmax(self.relative_error)])


def gradient_check(fun, x, h=1e-5, indices=None, seed=0, floor=_TINY):
    """Compare fun(x)[1] with centered differences of fun(x)[0], where fun(x) -> (f, g).

    indices: None checks every coordinate when n <= 200, else 200 drawn at random with
    `seed`; an integer k checks k coordinates drawn with `seed`; an array checks those.
    x is not modified: the differences perturb a private copy, one coordinate at a time.
    """
    x = np.asarray(x)
    if x.ndim != 1 or x.dtype != np.float64 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite 1-D float64 array, got {x.dtype} array of shape {x.shape}")
    h = checks.real("h", h, low=0.0, include_low=False)
    indices = _coordinates(x.size, indices, seed)
    _, analytic = fun(x.copy())
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"fun returned a gradient of shape {analytic.shape}, expected {x.shape}")
    analytic = analytic[indices]
    numeric = np.empty(indices.size)
    perturbed = x.copy()
    for k, i in enumerate(indices):
        perturbed[i] = x[i] + h
        f_plus, _ = fun(perturbed)
        perturbed[i] = x[i] - h
        f_minus, _ = fun(perturbed)
        perturbed[i] = x[i]
        numeric[k] = (f_plus - f_minus) / (2.0 * h)
    relative = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    return GradientCheck(indices, analytic, numeric, relative)


def rounding_noise(f, h):
    """The rounding noise of a centered difference quotient of f with step h."""
    return NOISE_ULPS * _EPS * abs(f) / checks.real("h", h, low=0.0, include_low=False)


def noise_floor(f, h, threshold):
    """The `floor` under which derivatives must agree to the noise, not relatively."""
    return max(rounding_noise(f, h) / checks.real("threshold", threshold, low=0.0, include_low=False), _TINY)


def _coordinates(n, indices, seed):
    if indices is None:
        indices = min(n, DEFAULT_COUNT)
        if indices == n:
            return np.arange(n)
    if isinstance(indices, numbers.Integral) and not isinstance(indices, bool):
        if not 1 <= indices <= n:
            raise ValueError(f"indices: the number of coordinates to check must be in [1, {n}], got {indices}")
        return np.sort(np.random.default_rng(seed).choice(n, size=int(indices), replace=False))
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size == 0 or indices.dtype.kind not in "iu":
        raise ValueError("indices must be None, a count, or a non-empty 1-D integer array of coordinates")
    if indices.min() < 0 or indices.max() >= n:
        raise ValueError(f"indices must be coordinates in [0, {n}), got range [{indices.min()}, {indices.max()}]")
    return indices
