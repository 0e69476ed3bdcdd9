"""optbench: update rules for training neural networks, verified and measured.

    import optbench
    optbench.rule_names()
    opt = optbench.optimizer("adam", backend="cpu", learning_rate=1e-3)
    state = opt.init(x)
    opt.update(x, dx, state)
"""

from optbench.averaging import parameter_average
from optbench.lbfgs import lbfgs
from optbench.optimizer import optimizer
from optbench.registry import rule_names
from optbench.runner import run
from optbench.schedules import schedule

__all__ = ["lbfgs", "optimizer", "parameter_average", "rule_names", "run", "schedule"]
