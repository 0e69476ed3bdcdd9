"""Trajectories: a factory run over a stream, and two runs compared step by step.

    run(make, stream, hyperparameters, state)  -> Trajectory: x after every step (and state)
    compare(got, want, dtype, memory)          -> Comparison: error and tolerance per step

An implementation that raises, returns the wrong shape or dtype, returns NaN or modifies
the gradient it was given is `Broken`, with the reason. Errors and tolerances are those
of `optbench.verification.errors`, the same for every implementation.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from optbench.conformance.protocol import Unsupported
from optbench.verification.errors import displacement_tolerance, in_ulps, largest, relative, state_tolerance


class Broken(Exception):
    """The implementation did something the protocol forbids; the message says what."""


@dataclass
class Trajectory:
    """x_0..x_steps as float64 ((steps+1) x n), the state arrays it exposed (steps x n each),
    and the seconds spent inside the implementation (make and every step)."""

    x: np.ndarray
    states: dict
    seconds: float


def run(make, data, hyperparameters, state_names=()):
    """Run the factory `make` over the stream `data`; a `Broken` saying what went wrong."""
    shape, dtype, steps = data.x0.shape, data.dtype, data.steps
    x = np.empty((steps + 1, data.x0.size))
    x[0] = data.x0.ravel()
    states = {}
    start = time.perf_counter()
    try:
        step = make(data.x0.copy(), **hyperparameters)
    except Unsupported:
        raise
    except Exception as error:
        raise Broken(f"make raised {type(error).__name__}: {error}") from None
    seconds = time.perf_counter() - start
    read_state = getattr(step, "state", None)
    for t in range(steps):
        dx = np.array(data.gradients[t, ...])
        start = time.perf_counter()
        try:
            result = step(dx, data.rates[t])
            got = np.asarray(result)
        except Exception as error:
            raise Broken(f"step {t + 1} raised {type(error).__name__}: {error}") from None
        seconds += time.perf_counter() - start
        if not np.array_equal(dx, data.gradients[t, ...]):
            raise Broken(f"step {t + 1} modified the gradient it was given")
        if got.shape != shape:
            raise Broken(f"step {t + 1} returned shape {got.shape}, expected {shape}")
        if got.dtype != dtype:
            raise Broken(f"step {t + 1} returned dtype {got.dtype}, expected {dtype}")
        if not np.all(np.isfinite(got)):
            raise Broken(f"step {t + 1} returned {'NaN' if np.isnan(got).any() else 'inf'}")
        x[t + 1] = got.ravel()
        if read_state is not None:
            exposed = read_state()
            for name in state_names:
                if name in exposed:
                    value = np.asarray(exposed[name], dtype=np.float64)
                    if value.shape != shape:
                        raise Broken(f"state()[{name!r}] has shape {value.shape}, expected {shape}")
                    states.setdefault(name, np.empty((steps, data.x0.size)))[t] = value.ravel()
    return Trajectory(x, states, seconds)


@dataclass
class Comparison:
    """Error and tolerance of x (over the displacement) and of each compared state, per step."""

    departs: bool
    where: str  # "x" or the state's name: the array on which the verdict turned
    first_step: int = None  # the first update at which the error exceeds the tolerance
    index: int = None  # the element there (flat index) with the largest error
    expected: float = None
    got: float = None
    max_error: float = 0.0  # relative to the largest reference value, at the decisive step
    max_error_ulps: float = 0.0
    tolerance_ulps: float = 0.0
    step: int = None  # the decisive step: where error / tolerance is largest
    error_curve: np.ndarray = field(default=None, repr=False)  # relative error per step
    tolerance_curve: np.ndarray = field(default=None, repr=False)


def _one(where, got, want, tolerance, dtype, values_got, values_want):
    """The Comparison of one array: got and want are (steps x n) deviations' sources."""
    difference = np.abs(got - want)
    error, scale = largest(difference), largest(want)
    relative_error = relative(error, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative_tolerance = np.where(scale > 0, tolerance / scale, np.inf)
    ratio = relative(error, tolerance)
    if ratio.size == 0:
        return Comparison(False, where, error_curve=relative_error, tolerance_curve=relative_tolerance), 0.0
    k = int(np.argmax(ratio))
    departing = np.flatnonzero(error > tolerance)
    comparison = Comparison(
        departs=bool(departing.size),
        where=where,
        max_error=float(relative_error[k]),
        max_error_ulps=float(in_ulps(relative_error[k], dtype)),
        tolerance_ulps=float(in_ulps(relative_tolerance[k], dtype)),
        step=k + 1,
        error_curve=relative_error,
        tolerance_curve=relative_tolerance,
    )
    if departing.size:
        first = int(departing[0])
        i = int(np.argmax(difference[first]))
        comparison.first_step, comparison.index = first + 1, i
        comparison.expected, comparison.got = float(values_want[first, i]), float(values_got[first, i])
    return comparison, float(ratio[k])


def compare(got, want, dtype, memory=1.0):
    """The Comparison of trajectory `got` against `want`: x, then every state both expose;
    the verdict turns on the array whose error is furthest past (or nearest to) its tolerance."""
    x0 = want.x[0]
    best, best_ratio = _one("x", got.x[1:] - x0, want.x[1:] - x0, displacement_tolerance(want.x, dtype, memory), dtype,
                            got.x[1:], want.x[1:])
    for name in sorted(set(got.states) & set(want.states)):
        s_got, s_want = got.states[name], want.states[name]
        comparison, ratio = _one(name, s_got, s_want, state_tolerance(s_want, dtype, memory), dtype, s_got, s_want)
        if comparison.departs and not best.departs or (comparison.departs == best.departs and ratio > best_ratio):
            best, best_ratio = comparison, ratio
    return best
