"""Search spaces: `NAME=log(LOW,HIGH)` and `NAME=uniform(LOW,HIGH)` as Optuna distributions.

    >>> from optbench.search.space import parse_space, grid_search_space
    >>> space = parse_space(["learning_rate=log(1e-4,1e-1)", "momentum=uniform(0.5,0.99)"],
    ...                     rule="sgd_momentum", problem="quadratic")
    >>> [str(axis) for axis in space]
    ['learning_rate=log(0.0001,0.1)', 'momentum=uniform(0.5,0.99)']
    >>> space[0].distribution()
    FloatDistribution(high=0.1, log=True, low=0.0001, step=None)
    >>> grid_search_space(space, 4)          # 4 trials over 2 axes: 2 values per axis
    {'learning_rate': [0.0001, 0.1], 'momentum': [0.5, 0.99]}

An axis is a hyperparameter of the rule (both ends must pass its declaration,
`Hyperparameter.check`; flags cannot be searched) or a real-valued option of the
problem (`problem_options`, e.g. `reg`; both ends must build the problem). `log` draws
log-uniformly and needs 0 < LOW; `uniform` draws uniformly; always LOW < HIGH.

The grid layout: N trials over d axes take k = N^(1/d) values per axis, so N must be
k^d; the k values are log-spaced on a log axis (`numpy.geomspace`), evenly spaced on a
uniform one (`numpy.linspace`), both ends included (k = 1: the geometric or arithmetic
middle). This is the `search_space` of `optuna.samplers.GridSampler`.
"""

import dataclasses
import math
import re

import numpy as np
from optuna.distributions import FloatDistribution

from optbench.optim import get_rule
from optbench.problems import get_problem, problem_options

KINDS = ("log", "uniform")
_AXIS = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<kind>\w+)\s*\((?P<low>[^,()]*),(?P<high>[^,()]*)\)\s*$")


@dataclasses.dataclass(frozen=True)
class Axis:
    """One searched setting: `name` drawn from [low, high], log-uniformly if kind is "log".

    target is "hyperparameter" (passed to the rule) or "option" (builds the problem).
    """

    name: str
    kind: str
    low: float
    high: float
    target: str

    @property
    def log(self):
        return self.kind == "log"

    def distribution(self):
        """The Optuna distribution a sampler draws this axis from."""
        return FloatDistribution(self.low, self.high, log=self.log)

    def grid(self, k):
        """k values from low to high, log-spaced on a log axis, evenly otherwise."""
        if k == 1:
            return [math.sqrt(self.low * self.high) if self.log else (self.low + self.high) / 2]
        values = np.geomspace(self.low, self.high, k) if self.log else np.linspace(self.low, self.high, k)
        values = np.clip(values, self.low, self.high)
        return [float(v) for v in values]

    def __str__(self):
        return f"{self.name}={self.kind}({self.low!r},{self.high!r})"


def searchable(rule, problem):
    """{name: target} of every name an axis may take: the rule's non-flag
    hyperparameters, then the problem's real-valued options."""
    names = {name: "hyperparameter" for name, declaration in get_rule(rule).hyperparameters.items()
             if not declaration.is_flag}
    for name, default in problem_options(problem).items():
        if isinstance(default, float) and name not in names:
            names[name] = "option"
    return names


def parse_axis(text, rule, problem, options=None):
    """The `Axis` that `text` ("NAME=log(LOW,HIGH)" or "NAME=uniform(LOW,HIGH)") names for
    `rule` on `problem` (built with the fixed `options`); a ValueError saying what is wrong."""
    match = _AXIS.match(text)
    if match is None:
        raise ValueError(f"cannot read the search range {text!r}: write NAME=log(LOW,HIGH) or NAME=uniform(LOW,HIGH)")
    name, kind = match["name"], match["kind"]
    if kind not in KINDS:
        raise ValueError(f"search range {text!r}: unknown kind {kind!r}; write log(LOW,HIGH) or uniform(LOW,HIGH)")
    low, high = (_number(text, match[end]) for end in ("low", "high"))
    valid = searchable(rule, problem)
    if name not in valid:
        raise ValueError(
            f"search range {text!r}: {name!r} is neither a hyperparameter of rule {rule!r} nor a "
            f"real-valued option of problem {problem!r}; valid names: {', '.join(valid)}"
        )
    if not low < high:
        raise ValueError(f"search range {text!r}: LOW must be below HIGH, got {low!r} >= {high!r}")
    if kind == "log" and not low > 0:
        raise ValueError(f"search range {text!r}: a log range must be positive, got LOW = {low!r}")
    if valid[name] == "hyperparameter":
        declaration = get_rule(rule).hyperparameters[name]
        for end, value in (("LOW", low), ("HIGH", high)):
            try:
                declaration.check(name, value)
            except (ValueError, TypeError) as error:
                raise ValueError(f"search range {text!r}: {end}: {error}") from None
    else:
        fixed = dict(options or {})
        if name in fixed:
            raise ValueError(f"search range {text!r}: option {name!r} is also fixed (-o {name}=...); give one")
        for end, value in (("LOW", low), ("HIGH", high)):
            try:
                get_problem(problem, **{**fixed, name: value})
            except (ValueError, TypeError) as error:
                raise ValueError(f"search range {text!r}: {end}: {error}") from None
    return Axis(name, kind, low, high, valid[name])


def parse_space(texts, rule, problem, options=None):
    """A tuple of `Axis`, one per text (see `parse_axis`), each name once."""
    if isinstance(texts, str):
        texts = [texts]
    axes = tuple(text if isinstance(text, Axis) else parse_axis(text, rule, problem, options) for text in texts)
    if not axes:
        raise ValueError("give at least one search range, NAME=log(LOW,HIGH) or NAME=uniform(LOW,HIGH)")
    names = [axis.name for axis in axes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"each name takes one search range; repeated: {', '.join(repeated)}")
    return axes


def values_per_axis(n_trials, d):
    """k with k^d = n_trials, or a ValueError naming the nearest trial counts that form a grid."""
    k = max(1, round(n_trials ** (1 / d)))
    if k**d == n_trials:
        return k
    below = k if k**d < n_trials else k - 1
    nearest = [(j**d, j) for j in (below, below + 1) if j >= 1]
    named = " and ".join(f"{n} ({j} per axis)" for n, j in nearest)
    raise ValueError(
        f"a grid over {d} axes takes k^{d} trials, k values per axis; {n_trials} is not one: "
        f"the nearest are {named}"
    )


def grid_search_space(space, n_trials):
    """{name: values} for `optuna.samplers.GridSampler`: n_trials = k^d points (see module doc)."""
    k = values_per_axis(n_trials, len(space))
    return {axis.name: axis.grid(k) for axis in space}


def _number(text, end):
    try:
        value = float(end)
    except ValueError:
        raise ValueError(f"search range {text!r}: {end.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"search range {text!r}: the ends must be finite numbers, got {end.strip()!r}")
    return value
