"""Time per update of every rule and the parameter average, on every backend.

`time_update[rule, backend, n, dtype]`: one in-place update through the public
interface (`optimizer(...).update`, `parameter_average(...).update`), kernels compiled in
setup; the reference backend (NumPy) is the baseline in the same grid.
"""

from .common import BACKENDS, DTYPES, SIZES, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    backends = load("optbench.kernels", "optbench.backends")
    bench = load("optbench.perf.bench", "optbench.bench")


class TimeUpdate(Benchmark):
    params = [TARGETS, BACKENDS, SIZES, DTYPES]
    param_names = ["rule", "backend", "n", "dtype"]

    def setup(self, rule, backend, n, dtype):
        require(imports)
        self.call = bench.kernel_call(rule, backend, n, dtype, self.seed)
        self.synchronize = getattr(backends.get_backend(backend), "synchronize", None) or (lambda: None)
        self.call()  # compile (or load from Numba's cache) outside the timing
        self.synchronize()

    def time_update(self, rule, backend, n, dtype):
        self.call()
        self.synchronize()
