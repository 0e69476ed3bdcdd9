"""The objective of a search: one `optbench.run` with a trial's settings, and its score.

    >>> from optbench.search.objective import Objective
    >>> from optbench.search.space import parse_space
    >>> objective = Objective("sgd", "quadratic", space=parse_space(["learning_rate=log(1e-3,1)"],
    ...                       "sgd", "quadratic"), steps=20, options={"n": 10})
    >>> objective.direction
    'minimize'
    >>> value, attrs = objective({"learning_rate": 0.5})
    >>> value == attrs["final_gap"] and not attrs["diverged"]
    True

The score (`value`, what Optuna optimizes):

    data problems (those with a validation set: softmax, two_layer, mlp)
        the validation accuracy of the final x, maximized
    the others (quadratic, rosenbrock)
        the final gap f(x_final) - f*, minimized

A run that diverges (the runner stops it: loss nan/inf or f - f* past GROWTH_LIMIT
(f0 - f*)) is a result, not a crash: it is scored the worst finite value, 0 accuracy, or
the gap GROWTH_LIMIT (f0 - f*) at which the runner stops (no run that did not diverge
scores worse), and the trial completes with the user attr diverged = True. Optuna would
take +inf, but a finite worst keeps the study's values plottable and its JSON standard.

Data problems run with f* = 0, the cross-entropy's lower bound, instead of the best
known f*: that one costs an L-BFGS run per option set, and a search over `reg` would pay
it every trial; the attr final_gap is then the final training loss.

The user attrs of each trial: diverged, final_gap (None if not finite), f0, seconds
(training time, the runner's), steps (updates done) and, for data problems, val_acc.
"""

import dataclasses
import math

from optbench import checks
from optbench.optim import get_rule
from optbench.problems import get_problem
from optbench.training import run
from optbench.training.babysitting import GROWTH_LIMIT

MAXIMIZE = "maximize"
MINIMIZE = "minimize"


@dataclasses.dataclass(frozen=True)
class Objective:
    """Picklable: what a Dask worker needs to run one trial, `objective(params)`.

    rule, problem   names; options: the problem's fixed options ({name: value})
    space           the searched axes (`space.Axis`), hyperparameters or problem options
    steps, epochs   exactly one, as in `optbench.run`; batch_size None for the full batch
    seed            the start point and mini-batches: the same for every trial
    """

    rule: str
    problem: str
    space: tuple
    steps: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    options: tuple = ()

    def __post_init__(self):
        options = self.options.items() if isinstance(self.options, dict) else self.options
        object.__setattr__(self, "options", tuple(sorted((str(k), v) for k, v in options)))
        object.__setattr__(self, "space", tuple(self.space))
        get_rule(self.rule)
        problem = get_problem(self.problem, **dict(self.options))
        if (self.steps is None) == (self.epochs is None):
            raise ValueError(f"give exactly one of steps or epochs, got steps={self.steps!r}, epochs={self.epochs!r}")
        data = _is_data(problem)
        if not data and (self.epochs is not None or self.batch_size is not None):
            given = "epochs" if self.epochs is not None else "batch_size"
            raise ValueError(f"problem {self.problem!r} has no training set, so no {given}: give steps")
        for name in ("steps", "epochs", "batch_size"):
            if getattr(self, name) is not None:
                checks.whole_number(name, getattr(self, name), low=1)
        if self.batch_size is not None and self.batch_size > problem.n_train:
            raise ValueError(f"batch_size must be at most the {problem.n_train} training images of "
                             f"problem {self.problem!r}, got {self.batch_size}")
        checks.whole_number("seed", self.seed, low=0)
        object.__setattr__(self, "_data", data)

    @property
    def direction(self):
        """"maximize" (validation accuracy) for data problems, else "minimize" (the gap)."""
        return MAXIMIZE if self._data else MINIMIZE

    @property
    def distributions(self):
        """{name: Optuna distribution}: what `study.ask` draws for each trial."""
        return {axis.name: axis.distribution() for axis in self.space}

    def describe(self):
        """The settings that identify the objective, JSON-able (the study's name digests it)."""
        return {
            "problem": self.problem,
            "options": dict(self.options),
            "rule": self.rule,
            "space": [str(axis) for axis in self.space],
            "steps": self.steps,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }

    def __call__(self, params):
        """(value, user_attrs) of one run with `params` ({axis name: value})."""
        targets = {axis.name: axis.target for axis in self.space}
        unknown = sorted(set(params) - set(targets))
        if unknown:
            raise ValueError(f"parameters {unknown} are not in the search space {sorted(targets)}")
        options = {**dict(self.options), **{k: v for k, v in params.items() if targets[k] == "option"}}
        hyperparameters = {k: float(v) for k, v in params.items() if targets[k] == "hyperparameter"}
        problem = get_problem(self.problem, **options)
        record = run(self.rule, problem, steps=self.steps, epochs=self.epochs, batch_size=self.batch_size,
                     seed=self.seed, f_star=0.0 if self._data else None, **hyperparameters)
        attrs = {
            "diverged": bool(record.diverged),
            "final_gap": _finite(record.final_gap),
            "f0": _finite(record.f0),
            "seconds": float(record.seconds[-1]) if len(record.seconds) else 0.0,
            "steps": int(record.steps),
        }
        if self._data:
            accuracy = 0.0 if record.diverged else float(problem.accuracy(record.x, "val"))
            attrs["val_acc"] = accuracy
            return accuracy, attrs
        if record.diverged:
            return float(GROWTH_LIMIT * abs(record.f0 - record.f_star)), attrs
        return float(record.final_gap), attrs


def _is_data(problem):
    return hasattr(problem, "accuracy") and hasattr(problem, "n_train")


def _finite(value):
    value = float(value)
    return value if math.isfinite(value) else None
