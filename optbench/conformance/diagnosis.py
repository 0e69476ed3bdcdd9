"""Diagnosis: which known variant does a departing implementation compute?

The catalogue's variants of the rule (`optbench.verification.variants`), each alone and
then each pair of them, run on the same stream as the implementation; every one whose
trajectory the implementation's matches within the same derived tolerance is named. A
pair is tried only where neither of its variants matches alone, so that only the
smallest explanations are named. A variant with a parameter (the accumulator's starting
value) has it fitted first: the value, found by root-finding over its log10 (scipy's
brentq, to float64's precision, which a float64 trajectory needs), at which the variant's
path length over the first FIT_STEPS updates, sum_t sum_i |x_t,i - x_t-1,i|, equals the
implementation's; a larger start damps every step, so the path length falls monotonically
with it. When nothing matches, the diagnosis is empty: "unknown departure", and
never a guess.
"""

import dataclasses
import itertools

import numpy as np
from scipy.optimize import brentq

from optbench.conformance.trajectory import Trajectory, compare, run
from optbench.verification import variants

FIT_STEPS = 10


def candidates(rule, dtype):
    """The variants of `rule` that differ from the reference at all in `dtype`."""
    return [name for name in variants.names(rule)
            if variants.get(name).dtypes is None or dtype in variants.get(name).dtypes]


def label(on):
    """"epsilon_inside_sqrt + accumulator_start(c0=0.1)"."""
    parts = []
    for name, value in on.items():
        parameter = variants.get(name).parameter
        parts.append(name if value is None else f"{name}({parameter}={value:.3g})")
    return " + ".join(parts)


def _path_length(x):
    return float(np.abs(np.diff(x, axis=0)).sum())


def _fit(rule, combination, data, got, hyperparameters):
    """The combination with its parameter (if any) fitted on the first FIT_STEPS updates."""
    fitted = [name for name in combination if variants.get(name).parameter]
    on = dict.fromkeys(combination)
    if not fitted:
        return on
    (name,) = fitted
    k = min(FIT_STEPS, data.steps)
    head = dataclasses.replace(data, gradients=data.gradients[:k], rates=data.rates[:k])
    target = _path_length(got.x[: k + 1])

    def excess(log10_value):
        trial = {**on, name: 10.0**log10_value}
        return _path_length(run(variants.implementation(rule, trial), head, hyperparameters).x) - target

    low, high = variants.get(name).bounds
    if not excess(low) * excess(high) < 0:
        return None  # no value in the bounds gives the implementation's path length
    on[name] = float(10.0 ** brentq(excess, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps))
    return on


def reproduces(rule, on, data, got, hyperparameters, memory=1.0):
    want = run(variants.implementation(rule, on), data, hyperparameters)
    return not compare(Trajectory(got.x, {}, 0.0), want, data.dtype, memory).departs


def diagnose(rule, data, got, hyperparameters, memory=1.0):
    """The labels of every smallest variant combination that reproduces `got` on `data`."""
    rule = getattr(rule, "name", rule)
    if rule not in variants.FORMS:
        return []
    names = candidates(rule, data.dtype.name)
    found, alone = [], set()
    for combination in [(n,) for n in names] + list(itertools.combinations(names, 2)):
        if alone & set(combination):
            continue
        on = _fit(rule, combination, data, got, hyperparameters)
        if on is not None and reproduces(rule, on, data, got, hyperparameters, memory):
            found.append(label(on))
            if len(combination) == 1:
                alone.add(combination[0])
    return found
