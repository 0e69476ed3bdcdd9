"""Every kernel's time per update relative to its same-pattern bound, and per parameter.

The bound is a kernel with the same reads and writes and trivial arithmetic
(`optbench.perf.bound`). The suite times both itself, the same way on every commit (only
the code under test comes from the commit): in each of ROUNDS rounds, for each form in a
fresh order, one sample of the kernel and one of its bound back to back (which goes
first alternates), each sample the mean of enough calls to last MIN_TIME. Then

    track_time_over_bound  = median over the rounds of  t_kernel,r / t_bound,r
                             (>= 1 up to noise; 1 is the bound)
    track_ns_per_parameter = 1e9 median_r(t_kernel,r) / n

A burst of load on a shared machine that slows one round slows both samples of a pair,
so their ratio cancels it; the ratio of two medians, taken over rounds a burst covers
unevenly, would not (`benchmarks/noise.py` measures both figures' spread). The first is
the figure the regression gate holds kernels to (`benchmarks/gate.py`). Both are
oriented as asv reads every figure, bigger is worse: a kernel at 0.8 of the bound's
speed has t_kernel / t_bound = 1.25. The report's History section draws throughput
(GB/s) and the fraction of the bound from them.
"""

import random
import statistics
import time

from .common import FORMS, KERNEL_BACKENDS, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    bench = load("optbench.perf.bench", "optbench.bench")
    kernels = load("optbench.kernels", "optbench.backends")

N = 10**7
DTYPES = ["float32"]  # float64 runs the same loops over twice the bytes; float32 leaves the arithmetic less room to hide
ROUNDS = 10
MIN_TIME = 0.02
PAUSE = 0.002  # before each sample, so that the previous call's worker threads go to sleep
SEED = 0


# sample and calls_per_sample are optbench.perf.timing's sample and autorange, kept here
# so that every commit is timed by the same code, whatever its optbench's timing is.
def sample(call, number, synchronize):
    """Seconds per call over `number` back-to-back calls (device work included)."""
    synchronize()
    start = time.perf_counter()
    for _ in range(number):
        call()
    synchronize()
    return (time.perf_counter() - start) / number


def calls_per_sample(call, synchronize):
    """How many calls last MIN_TIME (after one warm-up call)."""
    call()
    number = 1
    while (seconds := sample(call, number, synchronize) * number) < MIN_TIME and number < 1 << 24:
        number = max(number * 2, int(number * MIN_TIME / max(seconds, 1e-9) * 1.2))
    return number


def calls_of(rule, backend, dtype):
    """({form: update}, bound) over one set of arrays; commits from before the two forms have the exact form only."""
    if hasattr(bench, "updates_and_bound"):
        return bench.updates_and_bound(rule, backend, N, dtype, SEED)
    update, bound = bench.update_and_bound(rule, backend, N, dtype, SEED)
    return {"exact": update}, bound


def paired_race(updates, bound, synchronize):
    """{form: ([t_kernel per round], [t_kernel / t_bound per round])}."""
    numbers = {form: calls_per_sample(update, synchronize) for form, update in updates.items()}
    bound_number = calls_per_sample(bound, synchronize)
    times = {form: [] for form in updates}
    ratios = {form: [] for form in updates}
    order, shuffle = list(updates), random.Random(SEED).shuffle
    for round_ in range(ROUNDS):
        shuffle(order)
        for form in order:
            pair = [(updates[form], numbers[form]), (bound, bound_number)]
            if round_ % 2:
                pair.reverse()
            seconds = {}
            for call, number in pair:
                time.sleep(PAUSE)
                seconds[call is bound] = sample(call, number, synchronize)
            times[form].append(seconds[False])
            ratios[form].append(seconds[False] / seconds[True])
    return {form: (times[form], ratios[form]) for form in updates}


def figures_of(rule, backend, dtype):
    """{form: (track_time_over_bound, track_ns_per_parameter)}."""
    updates, bound = calls_of(rule, backend, dtype)
    synchronize = getattr(kernels.get_backend(backend), "synchronize", None) or (lambda: None)
    return {
        form: (statistics.median(ratios), statistics.median(times) / N * 1e9)
        for form, (times, ratios) in paired_race(updates, bound, synchronize).items()
    }


class TrackThroughput(Benchmark):
    params = [TARGETS, KERNEL_BACKENDS, FORMS, DTYPES]
    param_names = ["rule", "backend", "form", "dtype"]
    timeout = 900

    def setup_cache(self):
        if imports.error is not None:
            return {}  # setup skips (asv cannot skip from setup_cache; None would mean no cache argument)
        return {
            (rule, backend, dtype): figures_of(rule, backend, dtype)
            for rule in TARGETS
            for backend in KERNEL_BACKENDS
            for dtype in DTYPES
        }

    def setup(self, figures, rule, backend, form, dtype):
        require(imports)
        if form not in figures[rule, backend, dtype]:
            raise NotImplementedError("this commit of optbench has the exact form only")

    def track_time_over_bound(self, figures, rule, backend, form, dtype):
        return figures[rule, backend, dtype][form][0]

    track_time_over_bound.unit = "time / bound time"

    def track_ns_per_parameter(self, figures, rule, backend, form, dtype):
        return figures[rule, backend, dtype][form][1]

    track_ns_per_parameter.unit = "ns per parameter"
