"""The lecture's question, "why is this impractical for deep nets?", measured: the time
and memory one iteration of Newton, BFGS and L-BFGS costs against the number of
parameters n.

For each method and each n of `SIZES` in turn, the solver runs ITERATIONS iterations
(gtol = 0, so none stops early) on `make_problem(n)`, from its x0(0); the figure is the
median time of an iteration (between successive callbacks; the first from the start,
so it includes the solver's setup) and the peak memory the run allocated (tracemalloc,
which sees NumPy's buffers; on while timing, at a cost of a few allocations per
iteration). A method stops climbing the ladder at the first n where

- an iteration took more than SECONDS_LIMIT (that n is measured and kept), or
- the next n is predicted, from the last two sizes measured, to need more than
  MEMORY_FRACTION of this machine's memory or more than SECONDS_LIMIT per iteration
  (it is not run).

The cost then follows a power law, t(n) = c n^p, fitted by least squares on log t
against log n over the FIT_POINTS largest sizes measured (where the leading term
dominates the overheads), for time and for memory; `extrapolate` evaluates the fits at
n = 1e6 and 1e8, a small and a large network, on paper.
"""

import math
import os
import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

from optbench import checks
from optbench.solvers.bfgs import bfgs
from optbench.solvers.lbfgs import lbfgs
from optbench.solvers.newton import newton

METHODS = ("newton", "bfgs", "lbfgs")
SIZES = (100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000)
ITERATIONS = 3
SECONDS_LIMIT = 60.0
MEMORY_FRACTION = 0.5
FIT_POINTS = 3
ON_PAPER = (10**6, 10**8)


@dataclass
class Ladder:
    """One method's measurements: per size n, `seconds` per iteration and `peak_bytes`;
    `stopped` says why the ladder ended there."""

    method: str
    sizes: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    peak_bytes: list = field(default_factory=list)
    stopped: str = "the largest size of the ladder was reached"

    def fit(self, values):
        """(p, c) of values = c n^p over the FIT_POINTS largest sizes (module docstring)."""
        return fit_power_law(self.sizes[-FIT_POINTS:], values[-FIT_POINTS:])

    @property
    def time_fit(self):
        return self.fit(self.seconds)

    @property
    def memory_fit(self):
        return self.fit(self.peak_bytes)

    def extrapolate(self, n):
        """(seconds per iteration, bytes) predicted at n by the two fits."""
        (p, c), (q, d) = self.time_fit, self.memory_fit
        return c * n**p, d * n**q

    def as_dict(self):
        record = {"method": self.method, "sizes": self.sizes, "seconds": self.seconds,
                  "peak_bytes": self.peak_bytes, "stopped": self.stopped}
        if len(self.sizes) >= 2:
            record["time_exponent"] = self.time_fit[0]
            record["memory_exponent"] = self.memory_fit[0]
            record["on_paper"] = {str(n): dict(zip(("seconds", "bytes"), self.extrapolate(n))) for n in ON_PAPER}
        return record


def fit_power_law(sizes, values):
    """(p, c) minimizing sum (log v - log c - p log n)^2; needs two distinct sizes."""
    if len(sizes) != len(values) or len(set(sizes)) < 2:
        raise ValueError(f"a power-law fit needs values at two distinct sizes or more, got sizes {list(sizes)}")
    values = np.asarray(values, dtype=np.float64)
    if np.any(values <= 0.0) or not np.all(np.isfinite(values)):
        raise ValueError(f"a power-law fit needs positive finite values, got {values.tolist()}")
    p, log_c = np.polyfit(np.log(np.asarray(sizes, dtype=np.float64)), np.log(values), 1)
    return float(p), float(math.exp(log_c))


def machine_memory():
    """This machine's physical memory in bytes."""
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def iteration_cost(method, problem, iterations=ITERATIONS):
    """(median seconds per iteration, peak bytes allocated) of `iterations` iterations of
    `method` on `problem` from problem.x0(0)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid choices: {', '.join(METHODS)}")
    iterations = checks.whole_number("iterations", iterations, low=1)
    x0 = problem.x0(0)
    marks = []
    options = {"gtol": 0.0, "maxiter": iterations, "callback": lambda x: marks.append(time.perf_counter())}
    tracemalloc.start()
    try:
        start = time.perf_counter()
        if method == "newton":
            result = newton(problem.loss_and_gradient, x0, problem.hessian, **options)
        elif method == "bfgs":
            result = bfgs(problem.loss_and_gradient, x0, **options)
        else:
            result = lbfgs(problem.loss_and_gradient, x0, ftol=0.0, **options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if result.nit != iterations:
        raise RuntimeError(f"{method} on {problem!r} stopped after {result.nit} of {iterations} iterations: "
                           f"{result.message}")
    return float(np.median(np.diff([start, *marks]))), int(peak)


def climb(method, make_problem, sizes=SIZES, seconds_limit=SECONDS_LIMIT, memory=None, progress=None):
    """The Ladder of `method` over `sizes` (increasing) on make_problem(n), stopped as
    the module docstring says; memory is the budget in bytes (default MEMORY_FRACTION of
    this machine's). progress(method, n), if given, is called before each size."""
    sizes = list(sizes)
    if not sizes or sizes != sorted(set(sizes)):
        raise ValueError(f"sizes must be increasing and distinct, got {sizes}")
    memory = MEMORY_FRACTION * machine_memory() if memory is None else memory
    ladder = Ladder(method)
    for n in sizes:
        if len(ladder.sizes) >= 2:
            p, c = fit_power_law(ladder.sizes[-2:], ladder.seconds[-2:])
            q, d = fit_power_law(ladder.sizes[-2:], ladder.peak_bytes[-2:])
            if d * n**q > memory:
                ladder.stopped = f"n = {n} would need about {d * n**q / 1e9:.3g} GB, over {memory / 1e9:.3g} GB"
                break
            if c * n**p > seconds_limit:
                ladder.stopped = f"an iteration at n = {n} would take about {c * n**p:.3g} s, over {seconds_limit:g} s"
                break
        if progress is not None:
            progress(method, n)
        seconds, peak = iteration_cost(method, make_problem(n))
        ladder.sizes.append(n)
        ladder.seconds.append(seconds)
        ladder.peak_bytes.append(peak)
        if seconds > seconds_limit:
            ladder.stopped = f"an iteration at n = {n} took {seconds:.3g} s, over {seconds_limit:g} s"
            break
    return ladder
