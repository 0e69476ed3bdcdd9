"""A running average of the parameters, for use at test time.

    x_test = decay * x_test + (1 - decay) * x        (the lecture's decay = 0.995)

Kept beside training, updated after every step; evaluating with x_test instead of x
smooths out the noise of the last steps.

    >>> import numpy as np
    >>> average = parameter_average(backend="cpu", decay=0.995)
    >>> x_test = average.init(np.zeros(2))          # a copy of x
    >>> average.update(x_test, np.ones(2))          # in place on x_test
    >>> x_test
    array([0.005, 0.005])
"""

from optbench.kernels import get_backend
from optbench.kernels.elementwise import Elementwise
from optbench.optim.hyperparameters import decay_factor
from optbench.optim.optimizer import dtype_of
from optbench.reference.rules.running_average import running_average


def step(x_test, x, decay, one_minus_decay):
    return decay * x_test + one_minus_decay * x


ELEMENTWISE = Elementwise(step, n_arrays=2, updated=(0,))
DECAY = decay_factor(0.995)


class ParameterAverage:
    def __init__(self, backend, decay):
        self.backend = get_backend(backend)
        self.decay = DECAY.check("decay", decay)
        if self.backend.name != "reference":
            self._launch = self.backend.launcher(ELEMENTWISE)

    def init(self, x):
        """x_test starts as a copy of x."""
        self.backend.check_array("x", x, writeable=False)
        return self.backend.copy(x)

    def update(self, x_test, x):
        """x_test = decay * x_test + (1 - decay) * x, in place on x_test."""
        self.backend.check_array("x_test", x_test)
        self.backend.check_array("x", x, writeable=False)
        if x.shape != x_test.shape or dtype_of(x) != dtype_of(x_test):
            raise ValueError(
                f"x_test ({x_test.shape}, {x_test.dtype}) and x ({x.shape}, {x.dtype}) must match in shape and dtype"
            )
        if self.backend.name == "reference":
            x_test[...] = running_average(x_test, x, self.decay)
        else:
            self._launch((x_test, x), (self.decay, 1 - self.decay))


def parameter_average(backend="reference", decay=DECAY.default):
    """The running average x_test = decay * x_test + (1 - decay) * x on `backend`."""
    return ParameterAverage(backend, decay)
