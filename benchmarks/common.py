"""What every optbench asv suite shares: the grids, drawn from the registry, and a base class.

    asv run --python=same --quick          every suite once, in this environment
    asv continuous main HEAD -f 1.15       the regression gate: builds both, fails on a
                                           slow-down beyond 15%

Grids come from `optbench.rule_names()` (through `optbench.bench.targets()`, which adds
the parameter average), so a new rule is benchmarked with no edit here; a suite whose
grid leaves a registered rule out fails at import (`require_every_rule`), as scipy's
optimize suites do for their test functions. Seeds are fixed. The cuda backend is in
the grids only on a real device: the simulator (NUMBA_ENABLE_CUDASIM=1, as in CI) is
never timed.
"""

from optbench import bench
from optbench.backends import get_backend
from optbench.registry import rule_names

TARGETS = bench.targets()
KERNEL_BACKENDS = bench.timed_backends()
BACKENDS = ["reference", *KERNEL_BACKENDS]
SIZES = [10**3, 10**5, 10**7]
DTYPES = list(bench.DTYPES)
SEED = 0


def require_every_rule(benchmarked, suite):
    """Fail at import if a registered rule is not in `benchmarked`."""
    missing = sorted(set(rule_names()) - set(benchmarked))
    if missing:
        raise ImportError(f"{suite}: registered rule(s) {missing} have no benchmark; add them to its grid")


def synchronizer(backend):
    """The backend's `synchronize()` (device kernels run asynchronously), or a no-op."""
    return getattr(get_backend(backend), "synchronize", None) or (lambda: None)


class Benchmark:
    """Base class: generous timeouts (1e7-element NumPy references are slow), few samples
    of the large cases, and the fixed seed."""

    timeout = 300
    seed = SEED


__all__ = ["BACKENDS", "DTYPES", "KERNEL_BACKENDS", "SIZES", "TARGETS", "Benchmark", "require_every_rule", "rule_names"]
