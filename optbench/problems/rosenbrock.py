"""Rosenbrock's banana valley, 2-D and chained n-D.

    f(x) = sum_{i=0}^{n-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2,    f* = 0 at x = (1, ..., 1)

    df/dx_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)    [i < n-1, term i]
              + 200 (x_i - x_{i-1}^2)                    [i > 0, term i-1]

The Hessian (closed form) is tridiagonal:

    H_ii      = 1200 x_i^2 - 400 x_{i+1} + 2     [i < n-1]
                + 200                             [i > 0]
    H_i,i+1   = H_i+1,i = -400 x_i

so a Hessian-vector product costs O(n); the dense `hessian(x)` is the n x n matrix (for
dense Newton), n^2 memory.

Start point: the classical (-1.2, 1) in 2-D (the seed does not move it). For n > 2,
the pattern (-1.2, 1, -1.2, 1, ...) plus seeded Gaussian noise of standard deviation
0.1. For n >= 4 the chained function also has a local minimum near (-1, 1, ..., 1).
"""

import numpy as np

from optbench.problems.problem import CLOSED_FORM, Problem, integer_option, seed_generator


class Rosenbrock(Problem):
    name = "rosenbrock"
    f_star = 0.0
    hessian_method = CLOSED_FORM

    def __init__(self, n=2):
        self.n = integer_option(self.name, "n", n, 2)
        self.options = {"n": self.n}

    def x0(self, seed=0):
        rng = seed_generator(seed)
        classical = np.where(np.arange(self.n) % 2 == 0, -1.2, 1.0)
        return classical if self.n == 2 else classical + 0.1 * rng.standard_normal(self.n)

    def _loss_and_gradient(self, x):
        head, tail = x[:-1], x[1:]
        valley = tail - head**2
        off = 1.0 - head
        g = np.zeros_like(x)
        g[:-1] = -400.0 * head * valley - 2.0 * off
        g[1:] += 200.0 * valley
        return float(np.sum(100.0 * valley**2 + off**2)), g

    def _hessian(self, x):
        diagonal, off = _tridiagonal(x)
        H = np.zeros((self.n, self.n))
        i = np.arange(self.n - 1)
        H[np.arange(self.n), np.arange(self.n)] = diagonal
        H[i, i + 1] = off
        H[i + 1, i] = off
        return H

    def _hessian_vectors(self, x, V):
        diagonal, off = _tridiagonal(x)
        HV = diagonal[:, None] * V
        HV[:-1] += off[:, None] * V[1:]
        HV[1:] += off[:, None] * V[:-1]
        return HV


def _tridiagonal(x):
    """(diagonal, off-diagonal) of the Hessian at x: H_ii and H_i,i+1 of the docstring."""
    diagonal = np.zeros(x.size)
    diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diagonal[1:] += 200.0
    return diagonal, -400.0 * x[:-1]
