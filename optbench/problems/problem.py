"""What every standard problem exposes, and the checks shared by all of them.

A problem is a function f: R^n -> R of one flat float64 parameter vector x, with its
analytic gradient, a seeded start point and the optimum value f* (closed form where
there is one, else the best value L-BFGS-B finds; see `optimum.py`).
"""

import numpy as np

from optbench import checks


class Problem:
    """Base class: subclasses set `name`, `n`, `options` (a dict of what they were built
    with) and `f_star`, and define `x0(seed)` and `_loss_and_gradient(x)`.

    `loss_and_gradient` is a fixed function of x (the full batch: no noise), the setting
    where L-BFGS applies; a data problem draws mini-batches separately
    (`batch_loss_and_gradient`).
    """

    name = None

    def loss_and_gradient(self, x):
        """(f(x), grad f(x)) for a float64 vector x of length n; x is not modified."""
        return self._loss_and_gradient(self._check_x(x))

    def loss(self, x):
        return self.loss_and_gradient(x)[0]

    def gradient(self, x):
        return self.loss_and_gradient(x)[1]

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


def integer_option(problem, name, value, low, high=None):
    """`value` as an int in [low, high]; a ValueError/TypeError naming the option otherwise."""
    return checks.whole_number(f"problem {problem!r}: option {name}", value, low, high)


def real_option(problem, name, value, low, high):
    """`value` as a float in [low, high]; a ValueError/TypeError naming the option otherwise."""
    return checks.real(f"problem {problem!r}: option {name}", value, low, high)


def seed_generator(seed):
    """np.random.Generator for a non-negative integer seed."""
    return np.random.default_rng(checks.whole_number("seed", seed, low=0))
