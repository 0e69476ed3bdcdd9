"""Checks for every hyperparameter name any rule uses, in one table.

Each check takes the value and returns it (as a Python float or bool) or raises a
`ValueError`/`TypeError` that names the hyperparameter and what it accepts.
"""

import math
import numbers


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def non_negative(name, value):
    value = _number(name, value)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return value


def positive(name, value):
    value = _number(name, value)
    if not 0.0 < value < math.inf:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def unit_interval(name, value):
    """A decay factor: a fraction of the past kept each step, in [0, 1)."""
    value = _number(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def flag(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


CHECKS = {
    "momentum": unit_interval,
    "decay_rate": unit_interval,
    "beta1": unit_interval,
    "beta2": unit_interval,
    "decay": unit_interval,
    "epsilon": positive,
    "bias_correction": flag,
}


def finite(name, value):
    value = _number(name, value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def check(name, value):
    """Validate one hyperparameter by name; `learning_rate` is checked by schedules.

    A name this table does not know (a third-party rule's) must be a finite number or a
    bool.
    """
    if name in CHECKS:
        return CHECKS[name](name, value)
    return value if isinstance(value, bool) else finite(name, value)
