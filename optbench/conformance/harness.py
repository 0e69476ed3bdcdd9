"""The harness: an implementation run beside the literal reference on a scenario, and the
verdict.

    check(make, rule, ...)                     -> [Row], one per scenario and dtype
    Harness().row(implementation, rule, ...)   -> Row

The truth is the rule's reference function (`optbench.reference`), driven through the same
protocol (`trajectory.run`) and compared with `trajectory.compare`. An implementation
that is `Broken` gets a row with verdict "error" and the reason; the others go on.
"""

from dataclasses import asdict, dataclass, field

import numpy as np

from optbench import config
from optbench.conformance.diagnosis import diagnose as find_variants
from optbench.conformance.protocol import Implementation, Unsupported
from optbench.conformance.scenarios import get_scenario, scenario_names, stream
from optbench.conformance.trajectory import Broken, Comparison, compare, run
from optbench.optim import get_rule
from optbench.optim.registry import reference


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


def _without_rate(settings):
    """What a factory is made with: every setting but the learning rate, which each step gets."""
    return {name: value for name, value in settings.items() if name != "learning_rate"}


class Harness:
    """Reference trajectories kept per (rule, scenario, dtype, settings, seed), so that many
    implementations of one rule are compared against one reference run."""

    def __init__(self, seed=0, steps=None, size=None, shape=None):
        self.seed, self.steps, self.size, self.shape = seed, steps, size, shape
        self._references = {}

    def reference(self, rule, data, settings):
        key = (rule.name, data.scenario, data.dtype.name, repr(sorted(settings.items())))
        if key not in self._references:
            self._references[key] = run(reference_implementation(rule), data, _without_rate(settings), rule.state)
        return self._references[key]

    def row(self, implementation, rule, scenario, dtype, settings, diagnose=True):
        """The Row of `implementation` (a `protocol.Implementation`) on one scenario and dtype."""
        rule = get_rule(rule)
        scenario = get_scenario(scenario)
        data = stream(scenario, dtype, settings, self.seed, self.steps, self.size, self.shape)
        row = Row(implementation.name, implementation.library, implementation.setting, rule.name, scenario.name,
                  data.dtype.name, "skipped", steps=data.steps, size=data.x0.size, seed=self.seed)
        if implementation.make is None:
            row.reason = implementation.skipped
            return row
        hyperparameters = _without_rate(settings)
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
    rule = get_rule(rule)
    settings = rule.settings(hyperparameters)
    dtypes = config.DTYPES if dtype is None else [np.dtype(dtype).name]
    harness = Harness(seed)
    implementation = Implementation(name, "user", rule.name, make)
    return [harness.row(implementation, rule, scenario, d, settings, diagnose)
            for d in dtypes for scenario in (scenarios or scenario_names())]
