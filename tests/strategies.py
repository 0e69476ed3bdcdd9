"""Hypothesis strategies for the rules' inputs, drawn from the rules' own declarations.

A hyperparameter is drawn from its declared `sample` range (log-uniformly where it is
declared `log`), so a rule from a plug-in with a hyperparameter no test has heard of is
fuzzed like the built-in ones; the learning rate is also drawn as a schedule.
"""

import math

from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import optbench
from optbench.optim import get_rule

# Sizes 0 and 1 included; up to three dimensions.
shapes = array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=9) | st.just(())


def values(declaration):
    """Values of one `Hyperparameter`, inside its declared sample range."""
    if declaration.is_flag:
        return st.booleans()
    low, high = declaration.sample
    if declaration.log:
        return st.floats(math.log10(low), math.log10(high)).map(lambda e: min(max(10.0**e, low), high))
    return st.floats(low, high)


def learning_rates(declaration):
    """A constant rate, or a step, exponential or 1/t schedule starting at one."""
    rate = values(declaration)
    return (
        rate
        | st.builds(optbench.schedule, st.sampled_from(["exponential", "inverse_time"]), rate, k=st.floats(0, 0.1))
        | st.builds(lambda lr, drop, every: optbench.schedule("step", lr, drop=drop, every=every),
                    rate, st.floats(0.1, 1.0), st.integers(1, 50))
    )


def hyperparameters(rule):
    """Random settings of every hyperparameter `rule` declares."""
    declared = get_rule(rule).hyperparameters
    return st.fixed_dictionaries({
        name: learning_rates(declaration) if name == "learning_rate" else values(declaration)
        for name, declaration in declared.items()
    })
