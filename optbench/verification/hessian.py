"""Check of an analytic Hessian against centred differences of the gradient, and of its
symmetry.

For each checked column j, with e_j the j-th unit vector:

    numeric_j  = (g(x + h e_j) - g(x - h e_j)) / (2 h)        error O(h^2) + O(eps |g| / h)
    relative_ij = |H_ij - numeric_ij| / max(|H_ij| + |numeric_ij|, floor)

and the check reports, per column, its worst row, and overall the worst entry. As in
`gradient.py`, the floor keeps entries below the rounding noise of the difference
quotient from counting relative to themselves. A gradient is computed from shared
intermediate quantities, so each of its components is known to about eps max_i |g_i|;
the quotient then carries the noise

    noise = NOISE_ULPS eps max_i |g_i(x)| / h

and with floor = noise / threshold an entry below noise / threshold must agree to the
noise instead of relatively (`gradient.noise_floor(max|g|, h, threshold)` gives that
floor). Near a stationary point max |g| understates the noise of the gradient's terms
(they cancel in g but are rounded all the same): check away from one, or pass a floor of
your own. The truncation error is h^2 / 6 times the third derivative of g along e_j; on
the digits problems the standardized pixels (up to 38 in size) make it grow as X_j^2
along a weight of pixel j, to ~ 1e-9 of max |H| at h = 1e-5, below 1e-6 of the entries
it falls on (1.2e-7 the worst measured, on softmax).

A differenced Hessian (`Problem.hessian_method` "differenced gradients") is itself such
an estimate, with steps t ~ eps^(1/3) max(1, |x|_inf): its entries carry errors of
eps^(2/3) times the scale of the derivatives, that is up to X^2 eps^(2/3) ~ 1e3 eps^(2/3)
of max |H| on the digits nets (measured: up to 375 eps^(2/3) between it and the check's
quotient, on mlp with dropout, batch norm, tanh or sigmoid, 10 or 20 images). Its
entries below that error / threshold cannot be confirmed relatively; the check compares
them to DIFFERENCED_ERROR max |H| instead, where `relative_floor` =
DIFFERENCED_ERROR / threshold (`differenced_floor(threshold)`): the floor is then at
least relative_floor times the largest |H_ij| of the checked columns.

Symmetry. A Hessian is symmetric; a computed one to rounding. The measure is
`checks.symmetry_error(H)` = max |H - H^T| / max |H|, the tolerance
`checks.symmetry_tolerance(n)` = 4 n eps (derived there). On the problems here (n from 2 to 3760) the measured errors are 0 to
11 ulps, hundreds of times below it for n >= 385; a wrong term in one triangle shows
as its own size relative to max |H|, 1e-3 or more. With the dense Hessian the whole
matrix is measured; with products only (`form="products"`), the block H[J, J] of the
checked columns J, which is all that they show.

The validation of a Hessian before a solver uses it is `checks.hessian(who, H, n)`.
"""

from dataclasses import dataclass

import numpy as np

from optbench import checks
from optbench.verification.gradient import _coordinates

DIFFERENCED_ERROR = 1e3 * np.finfo(np.float64).eps ** (2.0 / 3.0)  # of max |H|, ~ 3.7e-8
FORMS = ("dense", "products")
_BLOCK = 64  # columns asked of the products at a time
_TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class HessianCheck:
    """Per checked column `indices[k]`: its worst row `rows[k]`, the `analytic` and
    `numeric` entries there and their `relative_error`; and the whole check's `floor`
    (the denominator's least value), `symmetry_error` and the `symmetry_tolerance` it
    is held to."""

    indices: np.ndarray
    rows: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray
    floor: float
    symmetry_error: float
    symmetry_tolerance: float

    @property
    def max_relative_error(self):
        return float(self.relative_error.max(initial=0.0))

    @property
    def worst(self):
        """(row, column) of the worst entry."""
        k = int(np.argmax(self.relative_error))
        return int(self.rows[k]), int(self.indices[k])

    @property
    def symmetric(self):
        return self.symmetry_error <= self.symmetry_tolerance


def hessian_check(gradient, hessian, x, h=1e-5, indices=None, seed=0, floor=_TINY, form="dense", symmetry=None,
                  relative_floor=0.0):
    """Compare columns of an analytic Hessian with centred differences of gradient(x) -> g.

    form "dense": hessian(x) -> the (n, n) Hessian; form "products": hessian(x, V) ->
    H V (n, k) for unit vectors in the columns of V (`Problem.hessian_vectors`).
    indices: the columns, as for `gradient_check` (None: every column when n <= 200,
    else 200 drawn with `seed`; a count k: k drawn with `seed`; an array: those).
    symmetry: the tolerance of the symmetry error, by default `checks.symmetry_tolerance(n)`.
    floor: the least denominator; raised to relative_floor times the largest |H_ij| of
    the checked columns (for a differenced Hessian, `differenced_floor(threshold)`).
    x is not modified: the differences perturb a private copy, one coordinate at a time.
    """
    x = np.asarray(x)
    if x.ndim != 1 or x.dtype != np.float64 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite 1-D float64 array, got {x.dtype} array of shape {x.shape}")
    h = checks.real("h", h, low=0.0, include_low=False)
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    n = x.size
    indices = _coordinates(n, indices, seed)
    tolerance = checks.symmetry_tolerance(n) if symmetry is None else checks.real("symmetry", symmetry, low=0.0)
    floor = checks.real("floor", floor, low=0.0, include_low=False)
    relative_floor = checks.real("relative_floor", relative_floor, low=0.0)
    k = indices.size
    if form == "dense":
        matrix = checks.real_array("hessian(x)", hessian(x.copy()), (n, n))
        every = k == n and np.array_equal(indices, np.arange(n))
        columns = matrix if every else matrix[:, indices]  # no copy of a whole matrix
        measured = checks.symmetry_error(matrix)
    else:
        columns = np.empty((n, k))
        for start in range(0, k, _BLOCK):
            block = indices[start:start + _BLOCK]
            units = np.zeros((n, block.size))
            units[block, np.arange(block.size)] = 1.0
            columns[:, start:start + block.size] = checks.real_array("hessian(x, V)", hessian(x.copy(), units),
                                                               (n, block.size))
        measured = checks.symmetry_error(columns[indices])  # H[J, J]: what the products show
    if relative_floor:
        floor = max(floor, relative_floor * checks.largest_magnitude(columns))
    rows, relative = np.empty(k, dtype=np.intp), np.empty(k)
    analytic, numeric = np.empty(k), np.empty(k)
    perturbed = x.copy()
    for c, j in enumerate(indices):
        perturbed[j] = x[j] + h
        g_plus = _gradient(gradient, perturbed)
        perturbed[j] = x[j] - h
        g_minus = _gradient(gradient, perturbed)
        perturbed[j] = x[j]
        quotient = (g_plus - g_minus) / (2.0 * h)
        with np.errstate(invalid="ignore"):
            error = np.abs(columns[:, c] - quotient) / np.maximum(np.abs(columns[:, c]) + np.abs(quotient), floor)
        error[~np.isfinite(error)] = np.inf
        r = int(np.argmax(error))
        rows[c], relative[c] = r, error[r]
        analytic[c], numeric[c] = columns[r, c], quotient[r]
    return HessianCheck(indices, rows, analytic, numeric, relative, floor, measured, tolerance)


def differenced_floor(threshold):
    """`relative_floor` for a differenced Hessian: DIFFERENCED_ERROR / threshold (module docstring)."""
    return DIFFERENCED_ERROR / checks.real("threshold", threshold, low=0.0, include_low=False)


def _gradient(gradient, x):
    g = np.array(gradient(x), dtype=np.float64)  # a copy: the next call may reuse the caller's array
    if g.shape != x.shape:
        raise ValueError(f"gradient returned shape {g.shape}, expected {x.shape}")
    return g
