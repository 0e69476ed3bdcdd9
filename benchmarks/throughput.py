"""GB/s of every kernel and its fraction of the same-pattern bound, measured side by side.

The bound is a kernel with the same reads and writes and trivial arithmetic
(`optbench.perf.bound`), timed in the same process and the same run
(`optbench.perf.bench.measure`): the fraction is a ratio of two neighbouring
measurements, which a shared machine's noise moves far less than either time.
"""

from .common import DTYPES, KERNEL_BACKENDS, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    bench = load("optbench.perf.bench", "optbench.bench")

N = 10**7


class TrackThroughput(Benchmark):
    params = [TARGETS, KERNEL_BACKENDS, DTYPES]
    param_names = ["rule", "backend", "dtype"]
    timeout = 900

    def setup_cache(self):
        if imports.error is not None:
            return {}  # setup skips (asv cannot skip from setup_cache; None would mean no cache argument)
        return {
            (rule, backend, dtype): bench.measure(rule, backend, N, dtype, peers=(), rounds=3)
            for rule in TARGETS
            for backend in KERNEL_BACKENDS
            for dtype in DTYPES
        }

    def setup(self, rows, rule, backend, dtype):
        require(imports)

    def track_gb_per_s(self, rows, rule, backend, dtype):
        return rows[rule, backend, dtype].gb_per_s

    track_gb_per_s.unit = "GB/s"

    def track_bound_fraction(self, rows, rule, backend, dtype):
        return rows[rule, backend, dtype].bound_fraction

    track_bound_fraction.unit = "fraction of bound"
