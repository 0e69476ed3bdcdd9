"""GB/s of every kernel and its fraction of the same-pattern bound, measured side by side.

The bound is a kernel with the same reads and writes and trivial arithmetic
(`optbench.bench.bound_elementwise`), timed in the same process and the same run
(`optbench.bench.measure`): the fraction is a ratio of two neighbouring measurements,
which a shared machine's noise moves far less than either time.
"""

from optbench import bench

from .common import DTYPES, KERNEL_BACKENDS, TARGETS, Benchmark, require_every_rule

N = 10**7


class TrackThroughput(Benchmark):
    params = [TARGETS, KERNEL_BACKENDS, DTYPES]
    param_names = ["rule", "backend", "dtype"]
    timeout = 900

    def setup_cache(self):
        return {
            (rule, backend, dtype): bench.measure(rule, backend, N, dtype, peers=(), rounds=3)
            for rule in TARGETS
            for backend in KERNEL_BACKENDS
            for dtype in DTYPES
        }

    def track_gb_per_s(self, rows, rule, backend, dtype):
        return rows[rule, backend, dtype].gb_per_s

    track_gb_per_s.unit = "GB/s"

    def track_bound_fraction(self, rows, rule, backend, dtype):
        return rows[rule, backend, dtype].bound_fraction

    track_bound_fraction.unit = "fraction of bound"


require_every_rule(TrackThroughput.params[0], "TrackThroughput")
