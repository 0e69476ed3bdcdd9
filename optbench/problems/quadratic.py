"""The lecture's bowl, "steep vertically but shallow horizontally", in 2-D and n-D.

    f(x) = 1/2 x^T A x,    grad f(x) = A x,    Hessian A = Q diag(h) Q^T,    f* = 0 at x = 0

The curvatures h are log-spaced from 1/condition (shallowest) to 1 (steepest), so the
condition number of A is `condition` and any step size below 2 is stable for plain
gradient descent. In 2-D, Q = I and h = (1/condition, 1): the first coordinate is the
shallow horizontal direction, the second the steep vertical one. For n > 2, Q is a
fixed random rotation (QR of a Gaussian matrix drawn with seed 0), so that the steep
and shallow directions are not the coordinate axes and per-coordinate step sizes
(AdaGrad, RMSProp, Adam) get no free help; `rotate=False` keeps A diagonal. A rotated
A is dense (`matrix`; None when A is diagonal): memory and time grow as n^2.

The start point has every component +-1 (signs drawn from `seed`) in the eigenbasis of
A, so each direction starts equally far from the minimum whatever the seed.
"""

import numpy as np

from optbench.problems.problem import (
    CLOSED_FORM,
    Problem,
    integer_option,
    real_option,
    seed_generator,
)

_ROTATION_SEED = 0
_MAX_ROTATED_N = 4096


class Quadratic(Problem):
    name = "quadratic"
    f_star = 0.0
    hessian_method = CLOSED_FORM

    def __init__(self, n=2, condition=100.0, rotate=None):
        self.n = integer_option(self.name, "n", n, 2)
        condition = real_option(self.name, "condition", condition, 1.0, 1e6)
        if rotate is None:
            rotate = self.n > 2
        if not isinstance(rotate, bool):
            raise TypeError(f"problem 'quadratic': option rotate must be True, False or None, got {rotate!r}")
        if rotate and self.n > _MAX_ROTATED_N:
            raise ValueError(
                f"problem 'quadratic': option n must be <= {_MAX_ROTATED_N} with rotate=True "
                f"(a rotated bowl is dense, n^2 memory), got {self.n}; pass rotate=False"
            )
        self.options = {"n": self.n, "condition": condition, "rotate": rotate}
        self.curvatures = np.logspace(-np.log10(condition), 0.0, self.n)
        if rotate:
            gaussian = np.random.default_rng(_ROTATION_SEED).standard_normal((self.n, self.n))
            self.rotation, _ = np.linalg.qr(gaussian)
            self.matrix = (self.rotation * self.curvatures) @ self.rotation.T
        else:
            self.rotation = None
            self.matrix = None

    def x0(self, seed=0):
        signs = seed_generator(seed).choice([-1.0, 1.0], size=self.n)
        return signs if self.rotation is None else self.rotation @ signs

    def _loss_and_gradient(self, x):
        g = self.curvatures * x if self.matrix is None else self.matrix @ x
        return 0.5 * float(x @ g), g

    def _hessian(self, x):
        return np.diag(self.curvatures) if self.matrix is None else self.matrix.copy()

    def _hessian_vectors(self, x, V):
        return self.curvatures[:, None] * V if self.matrix is None else self.matrix @ V
