"""Hyperparameter declarations: each rule says, for each of its hyperparameters, the
default, the values it accepts and the range worth drawing from.

    Hyperparameter(default, low, high, include_low, include_high, sample, log)

`check(name, value)` accepts a value in the valid interval (a `ValueError` or
`TypeError` naming the hyperparameter and the interval otherwise); `sample` is the
sub-range that tests fuzz and searches explore, log-uniformly when `log`. A flag's
default is a bool and it accepts only True or False. The learning rate is declared
like any other, and may also be given as a schedule (`optbench.schedule`), which checks
itself.

The kinds the lecture's rules use:

    step_size(default)        learning_rate: >= 0, drawn from 1e-4 .. 1e-1, log-uniform
    decay_factor(default)     momentum, decay_rate, beta1, beta2, the average's decay:
                              the fraction of the past kept at each step, in [0, 1)
    smoothing_term(default)   epsilon: > 0, drawn from 1e-8 .. 1e-4, log-uniform
    flag(default)             bias_correction: True or False
"""

import math
from dataclasses import dataclass

from optbench import checks


@dataclass(frozen=True)
class Hyperparameter:
    default: object
    low: float = -math.inf
    high: float = math.inf
    include_low: bool = True
    include_high: bool = True
    sample: tuple = None
    log: bool = False

    def __post_init__(self):
        if self.is_flag:
            return
        self.check("the default", self.default)
        if self.sample is None:
            object.__setattr__(self, "sample", (self.low, self.high))
        for end in self.sample:
            self.check("each end of the sample range", end)
        if not self.sample[0] <= self.sample[1] or (self.log and not self.sample[0] > 0):
            raise ValueError(f"sample range {self.sample}: it must be (low, high), low <= high, and positive if log")

    @property
    def is_flag(self):
        return isinstance(self.default, bool)

    def check(self, name, value):
        """`value` as a float (or bool for a flag), or an error naming `name`."""
        if self.is_flag:
            return checks.flag(name, value)
        return checks.real(name, value, self.low, self.high, self.include_low, self.include_high)

    def describe(self):
        """The valid values in words: "in [0, 1)", "True or False"."""
        if self.is_flag:
            return "True or False"
        return checks.describe_interval(self.low, self.high, self.include_low, self.include_high)


def step_size(default):
    return Hyperparameter(default, low=0.0, sample=(1e-4, 1e-1), log=True)


def decay_factor(default):
    return Hyperparameter(default, low=0.0, high=1.0, include_high=False, sample=(0.0, 0.999))


def smoothing_term(default):
    return Hyperparameter(default, low=0.0, include_low=False, sample=(1e-8, 1e-4), log=True)


def flag(default):
    return Hyperparameter(bool(default))
