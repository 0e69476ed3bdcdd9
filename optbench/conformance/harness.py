"""The harness: an implementation run beside the literal reference on a scenario, step by
step, and the verdict.

    run(make, stream, hyperparameters, state)  -> Trajectory: x after every step (and state)
    compare(got, want, dtype)                  -> Comparison: error and tolerance per step
    check(make, rule, ...)                     -> [Row], one per scenario and dtype

The truth is the rule's reference function (`optbench.reference`), driven through the same
protocol. Errors and tolerances are those of `optbench.verification.errors`, the same
for every implementation. An implementation that raises, returns the wrong shape or
dtype, returns NaN or modifies the gradient it was given gets a row with verdict
"error" and the reason; the others go on.
"""

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from optbench import config
from optbench.conformance.protocol import Unsupported
from optbench.conformance.scenarios import get_scenario, scenario_names, stream
from optbench.optim import get_rule
from optbench.optim.registry import reference
from optbench.verification.errors import displacement_tolerance, in_ulps, state_tolerance


class Broken(Exception):
    """The implementation did something the protocol forbids; the message says what."""


@dataclass
class Trajectory:
    """x_0..x_steps as float64 ((steps+1) x n), the state arrays it exposed (steps x n each),
    and the seconds spent inside the implementation (make and every step)."""

    x: np.ndarray
    states: dict
    seconds: float


def run(make, data, hyperparameters, state_names=()):
    """Run the factory `make` over the stream `data`; a `Broken` saying what went wrong."""
    shape, dtype, steps = data.x0.shape, data.dtype, data.steps
    x = np.empty((steps + 1, data.x0.size))
    x[0] = data.x0.ravel()
    states = {}
    start = time.perf_counter()
    try:
        step = make(data.x0.copy(), **hyperparameters)
    except Unsupported:
        raise
    except Exception as error:
        raise Broken(f"make raised {type(error).__name__}: {error}") from None
    seconds = time.perf_counter() - start
    read_state = getattr(step, "state", None)
    for t in range(steps):
        dx = np.array(data.gradients[t, ...])
        start = time.perf_counter()
        try:
            result = step(dx, data.rates[t])
            got = np.asarray(result)
        except Exception as error:
            raise Broken(f"step {t + 1} raised {type(error).__name__}: {error}") from None
        seconds += time.perf_counter() - start
        if not np.array_equal(dx, data.gradients[t, ...]):
            raise Broken(f"step {t + 1} modified the gradient it was given")
        if got.shape != shape:
            raise Broken(f"step {t + 1} returned shape {got.shape}, expected {shape}")
        if got.dtype != dtype:
            raise Broken(f"step {t + 1} returned dtype {got.dtype}, expected {dtype}")
        if not np.all(np.isfinite(got)):
            raise Broken(f"step {t + 1} returned {'NaN' if np.isnan(got).any() else 'inf'}")
        x[t + 1] = got.ravel()
        if read_state is not None:
            exposed = read_state()
            for name in state_names:
                if name in exposed:
                    value = np.asarray(exposed[name], dtype=np.float64)
                    if value.shape != shape:
                        raise Broken(f"state()[{name!r}] has shape {value.shape}, expected {shape}")
                    states.setdefault(name, np.empty((steps, data.x0.size)))[t] = value.ravel()
    return Trajectory(x, states, seconds)


@dataclass
class Comparison:
    """Error and tolerance of x (over the displacement) and of each compared state, per step."""

    departs: bool
    where: str  # "x" or the state's name: the array on which the verdict turned
    first_step: int = None  # the first update at which the error exceeds the tolerance
    index: int = None  # the element there (flat index) with the largest error
    expected: float = None
    got: float = None
    max_error: float = 0.0  # relative to the largest reference value, at the decisive step
    max_error_ulps: float = 0.0
    tolerance_ulps: float = 0.0
    step: int = None  # the decisive step: where error / tolerance is largest
    error_curve: np.ndarray = field(default=None, repr=False)  # relative error per step
    tolerance_curve: np.ndarray = field(default=None, repr=False)


def _ratio(error, tolerance):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tolerance > 0, error / tolerance, np.where(error > 0, np.inf, 0.0))


def _one(where, got, want, tolerance, dtype, values_got, values_want):
    """The Comparison of one array: got and want are (steps x n) deviations' sources."""
    difference = np.abs(got - want)
    error = difference.max(axis=1, initial=0.0)
    scale = np.abs(want).max(axis=1, initial=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(scale > 0, error / scale, np.where(error > 0, np.inf, 0.0))
        relative_tolerance = np.where(scale > 0, tolerance / scale, np.inf)
    ratio = _ratio(error, tolerance)
    if ratio.size == 0:
        return Comparison(False, where, error_curve=relative, tolerance_curve=relative_tolerance), 0.0
    k = int(np.argmax(ratio))
    departing = np.flatnonzero(error > tolerance)
    comparison = Comparison(
        departs=bool(departing.size),
        where=where,
        max_error=float(relative[k]),
        max_error_ulps=float(in_ulps(relative[k], dtype)),
        tolerance_ulps=float(in_ulps(relative_tolerance[k], dtype)),
        step=k + 1,
        error_curve=relative,
        tolerance_curve=relative_tolerance,
    )
    if departing.size:
        first = int(departing[0])
        i = int(np.argmax(difference[first]))
        comparison.first_step, comparison.index = first + 1, i
        comparison.expected, comparison.got = float(values_want[first, i]), float(values_got[first, i])
    return comparison, float(ratio[k])


def compare(got, want, dtype, memory=1.0):
    """The Comparison of trajectory `got` against `want`: x, then every state both expose;
    the verdict turns on the array whose error is furthest past (or nearest to) its tolerance."""
    x0 = want.x[0]
    best, best_ratio = _one("x", got.x[1:] - x0, want.x[1:] - x0, displacement_tolerance(want.x, dtype, memory), dtype,
                            got.x[1:], want.x[1:])
    for name in sorted(set(got.states) & set(want.states)):
        s_got, s_want = got.states[name], want.states[name]
        comparison, ratio = _one(name, s_got, s_want, state_tolerance(s_want, dtype, memory), dtype, s_got, s_want)
        if comparison.departs and not best.departs or (comparison.departs == best.departs and ratio > best_ratio):
            best, best_ratio = comparison, ratio
    return best


def reference_implementation(rule):
    """The rule's literal reference function as an implementation: the truth."""
    rule = get_rule(rule)
    function = reference(rule)

    def make(x0, **hyperparameters):
        config_ = dict(hyperparameters)
        w = [x0]

        def step(dx, learning_rate):
            config_["learning_rate"] = learning_rate
            w[0], _ = function(w[0], dx, config_)
            return w[0]

        step.state = lambda: {name: config_[name] for name in rule.state if name in config_}
        return step

    return make


@dataclass
class Row:
    """One verdict: implementation x rule x scenario x dtype."""

    implementation: str
    library: str
    setting: str
    rule: str
    scenario: str
    dtype: str
    verdict: str  # "conforms", "departs", "error" (reason says why) or "skipped" (likewise)
    first_step: int = None
    index: int = None
    where: str = ""
    expected: float = None
    got: float = None
    max_error: float = None
    max_error_ulps: float = None
    tolerance_ulps: float = None
    variants: list = field(default_factory=list)
    reason: str = ""
    steps: int = 0
    size: int = 0
    seed: int = 0
    seconds: float = 0.0  # inside the implementation
    comparison: Comparison = field(default=None, repr=False)

    def as_dict(self):
        document = asdict(self)
        document.pop("comparison")
        return document


def checked_hyperparameters(rule, hyperparameters):
    """The rule's defaults updated by `hyperparameters`, each checked against its declaration."""
    declared = rule.hyperparameters
    unknown = set(hyperparameters) - set(declared)
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {sorted(unknown)} for rule {rule.name!r}; it takes {sorted(declared)}"
        )
    settings = {**rule.defaults, **hyperparameters}
    return {name: value if callable(value) else declared[name].check(name, value) for name, value in settings.items()}


class Harness:
    """Reference trajectories kept per (rule, scenario, dtype, settings, seed), so that many
    implementations of one rule are compared against one reference run."""

    def __init__(self, seed=0, steps=None, size=None, shape=None):
        self.seed, self.steps, self.size, self.shape = seed, steps, size, shape
        self._references = {}

    def stream(self, rule, scenario, dtype, settings):
        return stream(scenario, dtype, settings, self.seed, self.steps, self.size, self.shape)

    def reference(self, rule, data, settings):
        key = (rule.name, data.scenario, data.dtype.name, repr(sorted(settings.items())))
        if key not in self._references:
            hyperparameters = dict(settings)
            hyperparameters.pop("learning_rate")
            self._references[key] = run(reference_implementation(rule), data, hyperparameters, rule.state)
        return self._references[key]

    def row(self, implementation, rule, scenario, dtype, settings, diagnose=True):
        """The Row of `implementation` (a `protocol.Implementation`) on one scenario and dtype."""
        from optbench.conformance.diagnosis import diagnose as find_variants

        rule = get_rule(rule)
        scenario = get_scenario(scenario)
        data = self.stream(rule, scenario, dtype, settings)
        row = Row(implementation.name, implementation.library, implementation.setting, rule.name, scenario.name,
                  data.dtype.name, "skipped", steps=data.steps, size=data.x0.size, seed=self.seed)
        if implementation.make is None:
            row.reason = implementation.skipped
            return row
        hyperparameters = dict(settings)
        hyperparameters.pop("learning_rate")
        try:
            got = run(implementation.make, data, hyperparameters, rule.state)
        except Unsupported as why:
            row.reason = str(why)
            return row
        except Broken as why:
            row.verdict, row.reason = "error", str(why)
            return row
        memory = rule.memory_of(settings)
        comparison = compare(got, self.reference(rule, data, settings), data.dtype, memory)
        row.verdict = "departs" if comparison.departs else "conforms"
        row.seconds, row.comparison, row.where = got.seconds, comparison, comparison.where
        for name in ("first_step", "index", "expected", "got", "max_error", "max_error_ulps", "tolerance_ulps"):
            setattr(row, name, getattr(comparison, name))
        if comparison.departs and diagnose:
            row.variants = find_variants(rule, data, got, hyperparameters, memory)
        return row


def check(make, rule, dtype=None, scenarios=None, name="implementation", seed=0, diagnose=True, **hyperparameters):
    """Every scenario (or those named) in `dtype` (default: both) for the factory `make`:
    a list of `Row`, each with its verdict and, where it departs, the matching variants.

    >>> import numpy as np
    >>> def make(x0):
    ...     x = x0.copy()
    ...     def step(dx, learning_rate):
    ...         x[...] -= learning_rate * dx
    ...         return x
    ...     return step
    >>> {row.verdict for row in check(make, "sgd")}
    {'conforms'}
    """
    from optbench.conformance.protocol import Implementation

    rule = get_rule(rule)
    settings = checked_hyperparameters(rule, hyperparameters)
    dtypes = config.DTYPES if dtype is None else [np.dtype(dtype).name]
    harness = Harness(seed)
    implementation = Implementation(name, "user", rule.name, make)
    return [harness.row(implementation, rule, scenario, d, settings, diagnose)
            for d in dtypes for scenario in (scenarios or scenario_names())]
