"""Every kernel's time per update relative to its same-pattern bound, and per parameter.

The bound is a kernel with the same reads and writes and trivial arithmetic
(`optbench.perf.bound`), timed in the same process and the same run
(`optbench.perf.bench.measure`, median of ROUNDS samples of each, taken in turn):

    track_time_over_bound = t_kernel / t_bound     (>= 1 up to noise; 1 is the bound)
    track_ns_per_parameter = 1e9 t_kernel / n

The first is a ratio of two neighbouring measurements, which a shared machine's load
moves far less than either time (`benchmarks/noise.py` measures by how much); it is the
figure the regression gate holds kernels to (`benchmarks/gate.py`). Both are oriented
as asv reads every figure, bigger is worse: a kernel at 0.8 of the bound's speed has
t_kernel / t_bound = 1.25. The report's History section draws throughput (GB/s) and the
fraction of the bound from them.
"""

from .common import FORMS, KERNEL_BACKENDS, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    bench = load("optbench.perf.bench", "optbench.bench")

N = 10**7
DTYPES = ["float32"]  # float64 runs the same loops over twice the bytes; float32 leaves the arithmetic less room to hide
ROUNDS = 10
MIN_TIME = 0.02


def rows_by_form(rule, backend, dtype):
    """{form: Row}; commits from before the two forms measured the exact form, one Row."""
    measured = bench.measure(rule, backend, N, dtype, peers=(), rounds=ROUNDS, min_time=MIN_TIME)
    return {getattr(row, "form", "exact"): row for row in (measured if isinstance(measured, list) else [measured])}


class TrackThroughput(Benchmark):
    params = [TARGETS, KERNEL_BACKENDS, FORMS, DTYPES]
    param_names = ["rule", "backend", "form", "dtype"]
    timeout = 900

    def setup_cache(self):
        if imports.error is not None:
            return {}  # setup skips (asv cannot skip from setup_cache; None would mean no cache argument)
        return {
            (rule, backend, dtype): rows_by_form(rule, backend, dtype)
            for rule in TARGETS
            for backend in KERNEL_BACKENDS
            for dtype in DTYPES
        }

    def setup(self, rows, rule, backend, form, dtype):
        require(imports)
        if form not in rows[rule, backend, dtype]:
            raise NotImplementedError("this commit of optbench has the exact form only")

    def track_time_over_bound(self, rows, rule, backend, form, dtype):
        return 1.0 / rows[rule, backend, dtype][form].bound_fraction

    track_time_over_bound.unit = "time / bound time"

    def track_ns_per_parameter(self, rows, rule, backend, form, dtype):
        row = rows[rule, backend, dtype][form]
        return row.seconds / row.n * 1e9

    track_ns_per_parameter.unit = "ns per parameter"
