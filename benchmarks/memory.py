"""Memory of an update at 1e7 parameters: the kernels make no temporaries.

`peakmem_update[rule, backend]`: the process's peak, so the arrays themselves (x, dx and
the state, 4 bytes each per parameter in float32) plus the interpreter; the reference
backend's NumPy temporaries show as the difference. `track_temporary_mb`: the peak of
new allocations during one update, beyond what was allocated before it (tracemalloc
sees NumPy's buffers): 0 for the kernels.
"""

import tracemalloc

from .common import BACKENDS, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    backends = load("optbench.kernels", "optbench.backends")
    bench = load("optbench.perf.bench", "optbench.bench")

N = 10**7


class Memory(Benchmark):
    params = [TARGETS, BACKENDS]
    param_names = ["rule", "backend"]

    def setup(self, rule, backend):
        require(imports)
        self.call = bench.kernel_call(rule, backend, N, "float32", self.seed)
        self.call()
        getattr(backends.get_backend(backend), "synchronize", lambda: None)()

    def peakmem_update(self, rule, backend):
        self.call()

    def track_temporary_mb(self, rule, backend):
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            self.call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return (peak - before) / 1e6

    track_temporary_mb.unit = "MB"
