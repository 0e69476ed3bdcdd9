"""What every optbench asv suite shares: defensive imports, the grids, a base class.

    asv run --python=same --quick          every suite once, in this environment
    python benchmarks/gate.py              the regression gate (tracked.py, noise.py)

asv runs these suites against every commit it benchmarks, including commits older
than the suites. So a suite imports optbench inside `safe_import()` (scipy's pattern),
each module by its names in the layouts optbench has had (`load`, newest first): a
name that an older optbench lacks stays undefined, and the suite's `setup` calls
`require(imports)`, which raises NotImplementedError, asv's way of skipping a
benchmark, instead of failing discovery. asv skips only from `setup`, so a `setup_cache`
returns an empty dict instead (not None: asv then passes no cache argument at all, and
`setup` fails on the missing one); and asv tears a skipped benchmark down too, so a
`teardown` must not assume that `setup` finished. Nothing is computed at import beyond
the parameter grids.

Grids come from `optbench.rule_names()` (every commit has it) and the parameter
average, so a new rule is benchmarked with no edit here (the plug-in test proves it).
A grid drawn from a registry must also be the same on every commit: asv records a
benchmark's parameters once, from the newest commit's discovery, and runs an older
commit's cases by their position in the grid that the older commit's import computes, so
a grid that grew over the history (the mlp problem, the network blocks) would file one
case's figure under another case's name. `stable_grid` puts the names a suite knows
first, in a fixed order, whether the commit has them or not (setup skips those it lacks),
then any others the commit registers (a plug-in's).
Seeds are fixed. The cuda backend is in the grids only on
a real device: the simulator (NUMBA_ENABLE_CUDASIM=1, as in CI) is never timed.
"""

import importlib

import numba

from optbench import rule_names

AVERAGE = "average"
KNOWN_RULES = ("adagrad", "adam", "nesterov", "rmsprop", "sgd", "sgd_momentum")


def stable_grid(known, registered):
    """`known` in its order, then what else is `registered`, sorted: one grid on every commit."""
    return [*known, *sorted(set(registered) - set(known))]


def require_registered(name, registered, kind):
    """Skip a case whose `name` this commit's registry lacks."""
    if name not in registered:
        raise NotImplementedError(f"this commit of optbench has no {kind} {name!r}")


RULES = stable_grid(KNOWN_RULES, rule_names())
TARGETS = [*RULES, AVERAGE]


def _real_gpu():
    if numba.config.ENABLE_CUDASIM:
        return False
    try:
        from numba import cuda
    except ImportError:
        return False
    return cuda.is_available()


KERNEL_BACKENDS = ["cpu"] + (["cuda"] if _real_gpu() else [])
BACKENDS = ["reference", *KERNEL_BACKENDS]
SIZES = [10**3, 10**5, 10**7]
DTYPES = ["float32", "float64"]
FORMS = ["exact", "fast"]
TORCH_IMPLEMENTATIONS = ["forloop", "foreach", "fused"]
SEED = 0


class safe_import:
    """`with safe_import() as imports: from optbench... import ...`; an ImportError is
    kept in `imports.error` instead of raised."""

    def __init__(self):
        self.error = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None and issubclass(kind, ImportError):
            self.error = value
            return True
        return False


def load(*names):
    """The first of the modules `names` that imports: one module under the names it had
    in optbench's successive layouts (newest first)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError as error:
            failure = error
    raise failure


def require(imports):
    """Skip the benchmark (asv's NotImplementedError) when its imports failed."""
    if imports.error is not None:
        raise NotImplementedError(f"this commit of optbench lacks what the benchmark needs: {imports.error}")


class Benchmark:
    """Base class: generous timeouts (1e7-element NumPy references are slow), few samples
    of the large cases, and the fixed seed."""

    timeout = 300
    seed = SEED
