"""Hypothesis strategies for the rules' inputs: shapes and hyperparameters."""

from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import optbench

# Sizes 0 and 1 included; up to three dimensions.
shapes = array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=9) | st.just(())

learning_rates = st.floats(1e-4, 1e-1) | st.builds(
    optbench.schedule,
    st.sampled_from(["exponential", "inverse_time"]),
    st.floats(1e-4, 1e-1),
    k=st.floats(0, 0.1),
) | st.builds(lambda lr, drop, every: optbench.schedule("step", lr, drop=drop, every=every),
              st.floats(1e-4, 1e-1), st.floats(0.1, 1.0), st.integers(1, 50))

HYPERPARAMETERS = {
    "learning_rate": learning_rates,
    "momentum": st.floats(0, 0.99),
    "decay_rate": st.floats(0.5, 0.999),
    "beta1": st.floats(0, 0.99),
    "beta2": st.floats(0.9, 0.9999),
    "epsilon": st.floats(1e-8, 1e-4),
    "bias_correction": st.booleans(),
}


def hyperparameters(rule):
    """Random settings of every hyperparameter of `rule` that has a strategy here."""
    names = [n for n in optbench.optimizer(rule).rule.defaults if n in HYPERPARAMETERS]
    return st.fixed_dictionaries({n: HYPERPARAMETERS[n] for n in names})
