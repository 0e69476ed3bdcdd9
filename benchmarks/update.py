"""Time per update of every rule and the parameter average, on every backend.

`time_update[rule, backend, n, dtype]`: one in-place update through the public
interface (`optimizer(...).update`, `parameter_average(...).update`), kernels compiled in
setup; the reference backend (NumPy) is the baseline in the same grid.
"""

from optbench.bench import kernel_call

from .common import BACKENDS, DTYPES, SIZES, TARGETS, Benchmark, require_every_rule, synchronizer


class TimeUpdate(Benchmark):
    params = [TARGETS, BACKENDS, SIZES, DTYPES]
    param_names = ["rule", "backend", "n", "dtype"]

    def setup(self, rule, backend, n, dtype):
        self.call = kernel_call(rule, backend, n, dtype, self.seed)
        self.synchronize = synchronizer(backend)
        self.call()  # compile (or load from Numba's cache) outside the timing
        self.synchronize()

    def time_update(self, rule, backend, n, dtype):
        self.call()
        self.synchronize()


require_every_rule(TimeUpdate.params[0], "TimeUpdate")
