"""Argument checks, in one place: whole numbers, real numbers in a range, flags.

Each check takes a label (the argument's name, as the caller should see it) and the
value, and returns the value as a plain Python int, float or bool, or raises a
`TypeError` (wrong kind of value) or `ValueError` (right kind, outside the valid range)
that names the label, what is accepted and what was given. bool is not a number here:
`True` where a count is expected is a mistake, not 1. Imports nothing of optbench.

    >>> whole_number("steps", 10, low=1)
    10
    >>> real("momentum", 0.9, 0.0, 1.0, include_high=False)
    0.9
    >>> real("epsilon", 0.0, 0.0, include_low=False)
    Traceback (most recent call last):
    ValueError: epsilon must be a finite number > 0, got 0.0
"""

import math
import numbers


def whole_number(label, value, low=None, high=None):
    """`value` as an int in [low, high] (either end may be None: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{label} must be a whole number, got {type(value).__name__} {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{label} must be {describe_interval(low, high, True, True, noun=None)}, got {value}")
    return value


def real(label, value, low=-math.inf, high=math.inf, include_low=True, include_high=True):
    """`value` as a finite float in the interval from low to high (an infinite end means
    unbounded on that side; NaN and +-inf are never accepted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{label} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{label} must not be NaN")
    if (math.isinf(value) or value < low or value > high or (value == low and not include_low)
            or (value == high and not include_high)):
        raise ValueError(f"{label} must be {describe_interval(low, high, include_low, include_high)}, got {value!r}")
    return value


def finite(label, value):
    """Any finite real number."""
    return real(label, value)


def flag(label, value):
    if not isinstance(value, bool):
        raise TypeError(f"{label} must be True or False, got {value!r}")
    return value


def describe_interval(low, high, include_low=True, include_high=True, noun="a finite number"):
    """An interval in words: "in [0, 1)", "a finite number > 0"."""
    low = None if low is None or low == -math.inf else low
    high = None if high is None or high == math.inf else high
    if low is not None and high is not None:
        return f"in {'[' if include_low else '('}{_number(low)}, {_number(high)}{']' if include_high else ')'}"
    if low is not None:
        bound = f"{'>=' if include_low else '>'} {_number(low)}"
    elif high is not None:
        bound = f"{'<=' if include_high else '<'} {_number(high)}"
    else:
        return noun or "a whole number"
    return f"{noun} {bound}" if noun else bound


def _number(value):
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(value)
