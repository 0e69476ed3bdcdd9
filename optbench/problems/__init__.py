"""Standard problems: loss, gradient, seeded start point and known optimum.

    >>> from optbench.problems import get_problem, problem_names
    >>> problem_names()
    ('quadratic', 'rosenbrock', 'softmax', 'two_layer', 'mlp')
    >>> bowl = get_problem("quadratic", n=100, condition=1e4)
    >>> f, g = bowl.loss_and_gradient(bowl.x0(seed=0))

Every problem has `name`, `n`, `x0(seed)`, `loss(x)`, `gradient(x)`,
`loss_and_gradient(x)` (the full batch: a fixed function of x), its Hessian
(`hessian(x)`, `hessian_vector_product(x, v)`, `hessian_vectors(x, V)`, computed as
`hessian_method` says; see `problem.py`) and `f_star`; the digits classifiers (softmax,
two_layer, mlp) add mini-batches (with `batch_hessian`, `batch_hessian_vector_product`),
accuracy and class probabilities (see `classifier.py`).

May import the foundation modules, `perf.threads` and `blocks` (mlp's layers); never
`training`, `solvers`, `report` or `cli`.
"""

import inspect

from optbench.problems.mlp import MLP
from optbench.problems.quadratic import Quadratic
from optbench.problems.rosenbrock import Rosenbrock
from optbench.problems.softmax import Softmax
from optbench.problems.two_layer import TwoLayer

_PROBLEMS = {problem.name: problem for problem in (Quadratic, Rosenbrock, Softmax, TwoLayer, MLP)}


def problem_names():
    return tuple(_PROBLEMS)


def problem_options(name):
    """{option: default} for the problem `name`."""
    return {
        option.name: option.default
        for option in inspect.signature(_problem_class(name)).parameters.values()
    }


def get_problem(name, **options):
    """The problem `name` built with `options` (see `problem_options(name)`)."""
    valid = problem_options(name)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(unknown)} for problem {name!r}; "
            f"valid options: {', '.join(valid) or 'none'}"
        )
    return _PROBLEMS[name](**options)


def _problem_class(name):
    if name not in _PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; valid choices: {', '.join(_PROBLEMS)}")
    return _PROBLEMS[name]
