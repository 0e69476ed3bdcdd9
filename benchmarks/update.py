"""Time per update of every rule and the parameter average, on every backend, in both
forms, with torch.optim's three implementations beside them.

`time_update[rule, backend, form, n, dtype]`: one in-place update through the public
interface (`optimizer(...).update`, `parameter_average(...).update`), kernels compiled in
setup; the reference backend (NumPy) is the baseline in the same grid (it has one form,
the literal reference, so its fast row is skipped). Commits from before the two forms
had the exact form only. `time_torch_step[rule, implementation, n, dtype]`: one
torch.optim step (forloop, foreach, fused) of the same rule on the CPU; skipped without
torch, or where torch has no such implementation.
"""

from .common import (BACKENDS, DTYPES, FORMS, SIZES, TARGETS, TORCH_IMPLEMENTATIONS, Benchmark, load, require,
                     safe_import)

with safe_import() as imports:
    backends = load("optbench.kernels", "optbench.backends")
    bench = load("optbench.perf.bench", "optbench.bench")

with safe_import() as peer_imports:
    peers = load("optbench.perf.peers")


def update_call(rule, backend, n, dtype, seed, form):
    """One update in `form`, on commits with and without the form switch."""
    if not hasattr(bench, "FORMS"):
        if form != "exact":
            raise NotImplementedError("this commit of optbench has the exact form only")
        return bench.kernel_call(rule, backend, n, dtype, seed)
    return bench.kernel_call(rule, backend, n, dtype, seed, form=form)


class TimeUpdate(Benchmark):
    params = [TARGETS, BACKENDS, FORMS, SIZES, DTYPES]
    param_names = ["rule", "backend", "form", "n", "dtype"]

    def setup(self, rule, backend, form, n, dtype):
        require(imports)
        if backend == "reference" and form != "exact":
            raise NotImplementedError("the reference backend is the literal NumPy reference, in one form")
        self.call = update_call(rule, backend, n, dtype, self.seed, form)
        self.synchronize = getattr(backends.get_backend(backend), "synchronize", None) or (lambda: None)
        self.call()  # compile (or load from Numba's cache) outside the timing
        self.synchronize()

    def time_update(self, rule, backend, form, n, dtype):
        self.call()
        self.synchronize()


class TimeTorchStep(Benchmark):
    params = [TARGETS, TORCH_IMPLEMENTATIONS, SIZES, DTYPES]
    param_names = ["rule", "implementation", "n", "dtype"]

    def setup(self, rule, implementation, n, dtype):
        require(peer_imports)
        if peers.torch_or_none() is None:
            raise NotImplementedError("torch is not installed")
        self.call = peers.torch_call(rule, n, dtype, implementation, seed=self.seed)
        if self.call is None:
            raise NotImplementedError(f"torch has no {implementation} implementation of {rule} for {dtype}")

    def time_torch_step(self, rule, implementation, n, dtype):
        self.call()
