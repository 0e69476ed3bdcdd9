"""Update rules and their interface: what a rule is (`Rule`, its `Hyperparameter`
declarations), learning-rate schedules, `optimizer(name, backend, ...)`, the running
parameter average, and the registry of rules (`rules/`, one file each, and the
`optbench.rules` entry point for third-party rules).

May import the foundation modules, `kernels` and `reference`; never `training`,
`solvers`, `perf`, `report` or `cli`.
"""

from optbench.optim.averaging import parameter_average
from optbench.optim.hyperparameters import Hyperparameter
from optbench.optim.optimizer import optimizer
from optbench.optim.registry import get_rule, rule_names
from optbench.optim.rule import Rule
from optbench.optim.schedules import schedule

__all__ = ["Hyperparameter", "Rule", "get_rule", "optimizer", "parameter_average", "rule_names", "schedule"]
