"""Scenarios: seeded gradient streams and learning-rate sequences that expose the known
departures.

Every scenario starts from x0 ~ N(0, 1) and feeds at update t the gradient
dx_t = N(0, 1) * scale (each element keeps its own scale throughout, as the parameters
of a network do) and the rate lr_t, where lr is the rule's learning rate:

    constant             lr; scales 10**U(-4, 1), five decades                   (the baseline)
    step_decay           lr * 0.5**floor(t / 50): three drops                    (rate outside the velocity)
    exponential_decay    lr * exp(-0.01 t)                                       (  "  )
    inverse_time_decay   lr / (1 + 0.05 t)                                       (  "  )
    rate_change          lr, then lr / 10 from the middle of the run on          (  "  )
    near_epsilon         scales 10**U(log10 eps - 1, log10 sqrt(eps) + 1)        (where epsilon sits)
    sparse_gradients     90% of the elements exactly 0 at each step, 10% always  (accumulators, 0/0)
    first_step           one update from the zero state                          (starts of v, cache, m)
    one_parameter        a single parameter, 200 updates                         (size 1)

t counts the updates completed before this one (0 for the first), as optbench's
schedules do. `stream(scenario, dtype, hyperparameters)` draws the whole run up front; a
learning rate given as an optbench schedule replaces the scenario's rates.
"""

import math
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from optbench import config
from optbench.optim import schedule

STEPS = 200
SIZE = 256
DECADES = (-4, 1)
SPARSE_ZEROS = 0.9  # fraction of the elements whose gradient is 0 at each step
SPARSE_NEVER = 0.1  # fraction whose gradient is always 0
EPSILON_FOR_SCALE = 1e-7  # near_epsilon's scale for rules that have no epsilon


@dataclass(frozen=True)
class Scenario:
    name: str
    exposes: str
    rates: Callable  # (learning_rate, steps) -> [lr_t]
    scales: Callable = lambda rng, size, h: 10.0 ** rng.uniform(*DECADES, size)
    steps: int = STEPS
    size: int = SIZE
    zeros: float = 0.0


@dataclass
class Stream:
    """One run's inputs: x0, the gradients (steps x size) and the rates (steps)."""

    scenario: str
    dtype: np.dtype
    x0: np.ndarray
    gradients: np.ndarray
    rates: list
    seed: int

    @property
    def steps(self):
        return len(self.rates)


def _constant(lr, steps):
    return [lr] * steps


def _schedule(kind, **options):
    def rates(lr, steps):
        s = schedule(kind, lr, **options)
        return [s(t) for t in range(steps)]

    return rates


def _rate_change(lr, steps):
    return [lr if t < steps // 2 else lr / 10 for t in range(steps)]


def _near_epsilon(rng, size, h):
    log_eps = math.log10(h.get("epsilon", EPSILON_FOR_SCALE))
    return 10.0 ** rng.uniform(log_eps - 1, log_eps / 2 + 1, size)


SCENARIOS = {s.name: s for s in (
    Scenario("constant", "the rule at a constant rate, gradients over five decades", _constant),
    Scenario("step_decay", "a step schedule: the rate halves three times", _schedule("step", drop=0.5, every=50)),
    Scenario("exponential_decay", "an exponential schedule, lr exp(-0.01 t)", _schedule("exponential", k=0.01)),
    Scenario("inverse_time_decay", "a 1/t schedule, lr / (1 + 0.05 t)", _schedule("inverse_time", k=0.05)),
    Scenario("rate_change", "one change of the rate, to a tenth, half way", _rate_change),
    Scenario("near_epsilon", "gradients at epsilon's scale, where its place matters", _constant, scales=_near_epsilon),
    Scenario("sparse_gradients", "90% exact-zero gradients, 10% of the parameters never touched", _constant,
             zeros=SPARSE_ZEROS),
    Scenario("first_step", "the very first update from the zero state", _constant, steps=1),
    Scenario("one_parameter", "a single parameter over 200 updates", _constant, size=1),
)}


def scenario_names():
    return list(SCENARIOS)


def get_scenario(name):
    if isinstance(name, Scenario):
        return name
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown scenario {name!r}; choose one of {scenario_names()}") from None


def checked_dtype(dtype):
    """`dtype` as a numpy dtype, if it is one every kernel and reference runs in."""
    dtype = np.dtype(dtype)
    if dtype.name not in config.DTYPES:
        raise TypeError(f"dtype {dtype} is not verifiable; choose one of {list(config.DTYPES)}")
    return dtype


def stream(scenario, dtype, hyperparameters, seed=0, steps=None, size=None, shape=None):
    """The seeded inputs of `scenario` in `dtype`; `steps`, `size` or `shape` override its own."""
    scenario = get_scenario(scenario)
    dtype = checked_dtype(dtype)
    steps = scenario.steps if steps is None else steps
    shape = (scenario.size if size is None else size,) if shape is None else tuple(shape)
    n = math.prod(shape)
    rng = np.random.default_rng([zlib.crc32(scenario.name.encode()), seed])
    x0 = np.asarray(rng.standard_normal(shape), dtype=dtype)
    scales = scenario.scales(rng, n, hyperparameters)
    gradients = rng.standard_normal((steps, n)) * scales
    if scenario.zeros:
        gradients[rng.random((steps, n)) < scenario.zeros] = 0.0
        gradients[:, rng.random(n) < SPARSE_NEVER] = 0.0
    gradients = np.asarray(gradients, dtype=dtype).reshape((steps, *shape))
    learning_rate = hyperparameters["learning_rate"]
    if callable(learning_rate):  # an optbench schedule replaces the scenario's own rates
        rates = [float(learning_rate(t)) for t in range(steps)]
    else:
        rates = [float(r) for r in scenario.rates(float(learning_rate), steps)]
    return Stream(scenario.name, dtype, x0, gradients, rates, seed)
