"""Learning-rate schedules: the rate as a function of the updates completed so far.

With t the number of updates completed before the current one (0 for the first):

    constant      lr(t) = lr0
    step          lr(t) = lr0 * drop ** floor(t / every)
    exponential   lr(t) = lr0 * exp(-k t)
    inverse_time  lr(t) = lr0 / (1 + k t)
"""

import math
from dataclasses import dataclass

from optbench import checks


@dataclass(frozen=True)
class Schedule:
    """A learning rate decaying with the update count: `schedule(t) -> float`."""

    kind: str
    learning_rate: float
    drop: float = 1.0
    every: int = 1
    k: float = 0.0

    def __call__(self, t):
        if self.kind == "constant":
            return self.learning_rate
        if self.kind == "step":
            return self.learning_rate * self.drop ** (t // self.every)
        if self.kind == "exponential":
            return self.learning_rate * math.exp(-self.k * t)
        if self.kind == "inverse_time":
            return self.learning_rate / (1.0 + self.k * t)
        return self.learning_rate


KINDS = {
    "constant": (),
    "step": ("drop", "every"),
    "exponential": ("k",),
    "inverse_time": ("k",),
}


def schedule(kind, learning_rate, **options):
    """Make a learning-rate schedule.

    >>> schedule("step", 0.1, drop=0.5, every=100)(250)
    0.025
    """
    if kind not in KINDS:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {sorted(KINDS)}")
    unknown = set(options) - set(KINDS[kind])
    if unknown:
        raise ValueError(
            f"unknown option(s) {sorted(unknown)} for schedule {kind!r}; "
            f"it takes {list(KINDS[kind]) or 'no options'}"
        )
    missing = set(KINDS[kind]) - set(options)
    if missing:
        raise ValueError(f"schedule {kind!r} needs {sorted(missing)}")
    checked = {"learning_rate": checks.real("learning_rate", learning_rate, low=0.0)}
    if "drop" in options:
        checked["drop"] = checks.real("drop", options["drop"], 0.0, 1.0, include_low=False)
    if "every" in options:
        checked["every"] = checks.whole_number("every", options["every"], low=1)
    if "k" in options:
        checked["k"] = checks.real("k", options["k"], low=0.0)
    return Schedule(kind, **checked)


def as_schedule(learning_rate):
    """A number becomes a constant schedule; a schedule is returned as it is."""
    if isinstance(learning_rate, Schedule):
        return learning_rate
    return schedule("constant", learning_rate)
