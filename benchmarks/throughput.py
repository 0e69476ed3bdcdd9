"""GB/s of every kernel and its fraction of the same-pattern bound, measured side by side.

The bound is a kernel with the same reads and writes and trivial arithmetic
(`optbench.perf.bound`), timed in the same process and the same run
(`optbench.perf.bench.measure`): the fraction is a ratio of two neighbouring
measurements, which a shared machine's noise moves far less than either time.
"""

from .common import DTYPES, FORMS, KERNEL_BACKENDS, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    bench = load("optbench.perf.bench", "optbench.bench")

N = 10**7


def rows_by_form(rule, backend, dtype):
    """{form: Row}; commits from before the two forms measured the exact form, one Row."""
    measured = bench.measure(rule, backend, N, dtype, peers=(), rounds=3)
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

    def track_gb_per_s(self, rows, rule, backend, form, dtype):
        return rows[rule, backend, dtype][form].gb_per_s

    track_gb_per_s.unit = "GB/s"

    def track_bound_fraction(self, rows, rule, backend, form, dtype):
        return rows[rule, backend, dtype][form].bound_fraction

    track_bound_fraction.unit = "fraction of bound"
