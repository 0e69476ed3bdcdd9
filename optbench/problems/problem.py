"""What every standard problem exposes, and the checks shared by all of them.

A problem is a function f: R^n -> R of one flat float64 parameter vector x, with its
analytic gradient, its Hessian, a seeded start point and the optimum value f* (closed
form where there is one, else the best value L-BFGS-B finds; see `optimum.py`).

Hessians. Every problem has `hessian(x)` (dense, n x n), `hessian_vector_product(x, v)`
(H(x) v) and `hessian_vectors(x, V)` (H(x) V for the directions in the columns of V);
`hessian_method` says how they are computed. A subclass with a closed form or exact
products overrides the hooks `_hessian_vectors(x, V)` and, where the dense matrix has a
better form than its columns, `_hessian(x)`. The base class's products are centred
differences of the analytic gradient along each direction v:

    H v ~ (g(x + t v) - g(x - t v)) / (2 t),    t = eps^(1/3) max(1, |x|_inf) / |v|_inf

The step: with s = t |v|_inf the largest change of a coordinate and L = max(1, |x|_inf)
the length over which the derivatives change (each further derivative of H smaller by
1/L, and |g| ~ |H| L), the truncation error (t^2 / 6) D^3 g [v, v, v] is ~ (s^2 / 6)
|H v| / L^2 and the rounding error of the two gradients ~ eps |g| / t ~ eps |H v| L / s;
their sum is least near s = (3 eps)^(1/3) L (we drop the 3^(1/3)), and there both are
~ eps^(2/3) ~ 4e-11 of |H v|. Data with large values shorten L along their weights, and
the truncation grows with them (`verification/hessian.py` measures it on mlp). A zero
direction gives exactly 0.
The dense Hessian is assembled from the products on HESSIAN_BLOCK unit vectors at a
time; a differenced one is then symmetrized, (H + H^T) / 2, its two triangles being two
independent estimates of one matrix; an exact one is returned as computed, so that its
symmetry shows (to rounding) that the products are right.
"""

import numpy as np

from optbench import checks

CLOSED_FORM = "closed form"
EXACT_PRODUCTS = "exact Hessian-vector products (R-operator)"
DIFFERENCED_GRADIENTS = "differenced gradients"
HESSIAN_BLOCK = 64  # unit vectors per call of the products when assembling a dense Hessian
_CUBE_ROOT_EPS = np.finfo(np.float64).eps ** (1.0 / 3.0)


class Problem:
    """Base class: subclasses set `name`, `n`, `options` (a dict of what they were built
    with) and `f_star`, and define `x0(seed)` and `_loss_and_gradient(x)`; one with its
    own Hessian sets `hessian_method` and defines `_hessian_vectors(x, V)` (and
    `_hessian(x)`), which receive checked arguments.

    `loss_and_gradient` is a fixed function of x (the full batch: no noise), the setting
    where L-BFGS applies; a data problem draws mini-batches separately
    (`batch_loss_and_gradient`).
    """

    name = None
    hessian_method = DIFFERENCED_GRADIENTS

    def loss_and_gradient(self, x):
        """(f(x), grad f(x)) for a float64 vector x of length n; x is not modified."""
        return self._loss_and_gradient(self._check_x(x))

    def loss(self, x):
        return self.loss_and_gradient(x)[0]

    def gradient(self, x):
        return self.loss_and_gradient(x)[1]

    def hessian(self, x):
        """The dense Hessian H(x), a symmetric float64 (n, n) array (see the module
        docstring: assembled from the products and symmetrized when they are
        differenced, unless the problem has a closed form)."""
        return self._hessian(self._check_x(x))

    def hessian_vector_product(self, x, v):
        """H(x) v, a float64 vector of length n, for a finite float64 vector v of length n."""
        x, v = self._check_x(x), self._check_direction(v)
        return self._hessian_vectors(x, v[:, None])[:, 0]

    def hessian_vectors(self, x, V):
        """H(x) V, float64 (n, k), for a finite float64 (n, k) array V whose columns are
        the directions (k >= 1)."""
        x, V = self._check_x(x), self._check_directions(V)
        return self._hessian_vectors(x, V)

    def _hessian(self, x):
        return assembled_hessian(lambda V: self._hessian_vectors(x, V), self.n,
                                 symmetrize=self.hessian_method == DIFFERENCED_GRADIENTS)

    def _hessian_vectors(self, x, V):
        return differenced_gradients(lambda z: self._loss_and_gradient(z)[1], x, V)

    def _check_direction(self, v):
        v = np.asarray(v)
        if v.shape != (self.n,) or v.dtype != np.float64 or not np.all(np.isfinite(v)):
            raise ValueError(
                f"problem {self.name!r}: the direction v must be a finite float64 vector of shape ({self.n},), "
                f"got {v.dtype} array of shape {v.shape}{_non_finite(v)}"
            )
        return v

    def _check_directions(self, V):
        V = np.asarray(V)
        if V.ndim != 2 or V.shape[0] != self.n or V.shape[1] == 0 or V.dtype != np.float64 \
                or not np.all(np.isfinite(V)):
            raise ValueError(
                f"problem {self.name!r}: the directions V must be a finite float64 array of shape ({self.n}, k), "
                f"k >= 1, one direction per column, got {V.dtype} array of shape {V.shape}{_non_finite(V)}"
            )
        return V

    def _check_x(self, x):
        x = np.asarray(x)
        if x.shape != (self.n,) or x.dtype != np.float64:
            raise ValueError(
                f"problem {self.name!r} takes a float64 vector of shape ({self.n},), "
                f"got {x.dtype} array of shape {x.shape}"
            )
        return x

    def __repr__(self):
        options = ", ".join(f"{key}={value!r}" for key, value in self.options.items())
        return f"get_problem({self.name!r}{', ' if options else ''}{options})"


def differenced_gradients(gradient, x, V):
    """H(x) V by centred differences of `gradient` along each column v of V, with the
    step t = eps^(1/3) max(1, |x|_inf) / |v|_inf of the module docstring."""
    HV = np.zeros(V.shape)
    scale = _CUBE_ROOT_EPS * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    for j in range(V.shape[1]):
        v = V[:, j]
        size = float(np.max(np.abs(v), initial=0.0))
        if size == 0.0:
            continue
        t = scale / size
        HV[:, j] = (gradient(x + t * v) - gradient(x - t * v)) / (2.0 * t)
    return HV


def assembled_hessian(products, n, symmetrize):
    """The dense (n, n) Hessian from `products(V) -> H V`, HESSIAN_BLOCK columns at a time."""
    H = np.empty((n, n))
    for start in range(0, n, HESSIAN_BLOCK):
        stop = min(start + HESSIAN_BLOCK, n)
        units = np.zeros((n, stop - start))
        units[np.arange(start, stop), np.arange(stop - start)] = 1.0
        H[:, start:stop] = products(units)
    if symmetrize:
        for start in range(0, n, HESSIAN_BLOCK):  # (H + H^T) / 2 in place, block by block
            rows = slice(start, min(start + HESSIAN_BLOCK, n))
            mean = 0.5 * (H[rows, start:] + H[start:, rows].T)
            H[rows, start:] = mean
            H[start:, rows] = mean.T
    return H


def _non_finite(array):
    if array.dtype.kind not in "fc" or array.size == 0:
        return ""
    count = int(np.sum(~np.isfinite(array)))
    return f" with {count} non-finite entries" if count else ""


def integer_option(problem, name, value, low, high=None):
    """`value` as an int in [low, high]; a ValueError/TypeError naming the option otherwise."""
    return checks.whole_number(f"problem {problem!r}: option {name}", value, low, high)


def real_option(problem, name, value, low, high):
    """`value` as a float in [low, high]; a ValueError/TypeError naming the option otherwise."""
    return checks.real(f"problem {problem!r}: option {name}", value, low, high)


def seed_generator(seed):
    """np.random.Generator for a non-negative integer seed."""
    return np.random.default_rng(checks.whole_number("seed", seed, low=0))
