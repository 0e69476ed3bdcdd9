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

The score (`value`, what Optuna optimizes), `score=`:

    "val_acc"     the validation accuracy of the final x, maximized (data problems only:
                  those with a validation set, softmax, two_layer, mlp); their default
    "final_gap"   the final gap f(x_final) - f*, minimized; the default of the others
                  (quadratic, rosenbrock)
    "tail_gap"    log10 of the geometric mean of f - f* over the second half of the run
                  (the losses at x_{t}, t = T//2 .. T, T the steps done), minimized: it
                  rewards a low loss and penalizes one that keeps jumping back up (the
                  report's convergence section picks its learning rates by it)

A run that diverges (the runner stops it: loss nan/inf or f - f* past GROWTH_LIMIT
(f0 - f*)) is a result, not a crash: it is scored the worst finite value, 0 accuracy, or
the gap GROWTH_LIMIT (f0 - f*) at which the runner stops (its log10 for "tail_gap"): no
run that did not diverge scores worse, since every loss it reached is within that gap.
The trial completes with the user attr diverged = True. Optuna would take +inf, but a
finite worst keeps the study's values plottable and its JSON standard.

f*: `f_star=` if given (a known value or a lower bound), else the problem's best known
f* for quadratic and rosenbrock and 0 for data problems, the cross-entropy's lower bound:
their best known f* costs an L-BFGS run per option set, and a search over `reg` would
pay it every trial; the attr final_gap is then the final training loss.

`fixed=` holds hyperparameters of the rule that every trial takes ({"momentum": 0.9});
the others not searched take the rule's defaults.

The user attrs of each trial: diverged, final_gap (None if not finite), f0, seconds
(training time, the runner's), steps (updates done) and, for data problems, val_acc.
"""

import dataclasses
import math

import numpy as np

from optbench import checks
from optbench.optim import get_rule
from optbench.problems import get_problem
from optbench.training import run
from optbench.training.babysitting import GROWTH_LIMIT
from optbench.training.runner import is_data, run_length

MAXIMIZE = "maximize"
MINIMIZE = "minimize"
SCORES = ("val_acc", "final_gap", "tail_gap")


@dataclasses.dataclass(frozen=True)
class Objective:
    """Picklable: what a Dask worker needs to run one trial, `objective(params)`.

    rule, problem   names; options: the problem's fixed options ({name: value})
    space           the searched axes (`space.Axis`), hyperparameters or problem options
    steps, epochs   exactly one, as in `optbench.run`; batch_size None for the full batch
    seed            the start point and mini-batches: the same for every trial
    fixed           hyperparameters every trial takes ({name: value}), not searched
    score           one of SCORES (see the module doc); None: val_acc for data problems,
                    final_gap for the others
    f_star          f* of the gaps; None: the problem's (0 for data problems)
    """

    rule: str
    problem: str
    space: tuple
    steps: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    options: tuple = ()
    fixed: tuple = ()
    score: str | None = None
    f_star: float | None = None

    def __post_init__(self):
        for name in ("options", "fixed"):
            given = getattr(self, name)
            given = given.items() if isinstance(given, dict) else given
            object.__setattr__(self, name, tuple(sorted((str(k), v) for k, v in given)))
        object.__setattr__(self, "space", tuple(self.space))
        rule = get_rule(self.rule)
        searched = {axis.name for axis in self.space if axis.target == "hyperparameter"}
        both = sorted(searched & {name for name, _ in self.fixed})
        if both:
            raise ValueError(f"hyperparameter(s) {both} are both searched and fixed; give each one way")
        if any(name == "learning_rate" and not isinstance(value, (int, float)) for name, value in self.fixed):
            raise ValueError("a fixed learning_rate must be a number")
        rule.settings(dict(self.fixed))  # unknown names and values out of range are ValueErrors
        problem = get_problem(self.problem, **dict(self.options))
        run_length(problem, self.steps, self.epochs, self.batch_size)  # refused here as `run` would refuse it
        data = is_data(problem)
        checks.whole_number("seed", self.seed, low=0)
        score = ("val_acc" if data else "final_gap") if self.score is None else self.score
        if score not in SCORES:
            raise ValueError(f"unknown score {score!r}; choose one of {', '.join(SCORES)}")
        if score == "val_acc" and not data:
            raise ValueError(f"problem {self.problem!r} has no validation set, so no score 'val_acc'; "
                             f"choose final_gap or tail_gap")
        object.__setattr__(self, "score", score)
        if self.f_star is not None:
            if isinstance(self.f_star, bool) or not isinstance(self.f_star, (int, float)) \
                    or not math.isfinite(self.f_star):
                raise ValueError(f"f_star must be a finite number or None, got {self.f_star!r}")
            object.__setattr__(self, "f_star", float(self.f_star))
        object.__setattr__(self, "_data", data)

    @property
    def direction(self):
        """"maximize" for the validation accuracy, else "minimize" (a gap)."""
        return MAXIMIZE if self.score == "val_acc" else MINIMIZE

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
            "fixed": dict(self.fixed),
            "score": self.score,
            "f_star": self.f_star,
        }

    def __call__(self, params):
        """(value, user_attrs) of one run with `params` ({axis name: value})."""
        targets = {axis.name: axis.target for axis in self.space}
        unknown = sorted(set(params) - set(targets))
        if unknown:
            raise ValueError(f"parameters {unknown} are not in the search space {sorted(targets)}")
        options = {**dict(self.options), **{k: v for k, v in params.items() if targets[k] == "option"}}
        hyperparameters = {**dict(self.fixed),
                           **{k: float(v) for k, v in params.items() if targets[k] == "hyperparameter"}}
        problem = get_problem(self.problem, **options)
        f_star = self.f_star if self.f_star is not None else (0.0 if self._data else None)
        record = run(self.rule, problem, steps=self.steps, epochs=self.epochs, batch_size=self.batch_size,
                     seed=self.seed, f_star=f_star, **hyperparameters)
        attrs = {
            "diverged": bool(record.diverged),
            "final_gap": _finite(record.final_gap),
            "f0": _finite(record.f0),
            "seconds": float(record.seconds[-1]) if len(record.seconds) else 0.0,
            "steps": int(record.steps),
        }
        if self._data:
            attrs["val_acc"] = 0.0 if record.diverged else float(problem.accuracy(record.x, "val"))
        if self.score == "val_acc":
            return attrs["val_acc"], attrs
        worst = float(GROWTH_LIMIT * abs(record.f0 - record.f_star))
        if self.score == "tail_gap":
            return (math.log10(worst) if record.diverged else tail_gap(record)), attrs
        return (worst if record.diverged else float(record.final_gap)), attrs


def tail_gap(record):
    """log10 of the geometric mean of f - f* over the losses at x_t, t = T//2 .. T (T =
    record.steps), of a run that did not diverge; a gap at or below 0 (f* a bound that
    the run reached) counts as 1e-300."""
    losses = record.iterate_losses()
    tail = losses[len(losses) // 2:] - record.f_star
    return float(np.mean(np.log10(np.maximum(tail, 1e-300))))


def _finite(value):
    value = float(value)
    return value if math.isfinite(value) else None
