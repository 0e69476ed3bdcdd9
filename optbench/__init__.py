"""optbench: update rules for training neural networks, verified and measured.

    import optbench
    optbench.rule_names()
    opt = optbench.optimizer("adam", backend="cpu", learning_rate=1e-3)
    state = opt.init(x)
    opt.update(x, dx, state)

The packages, from the bottom up (an arrow never points up):

    config, files, checks     foundation: settings, atomic files, argument checks
    kernels                   step -> kernel compiler and backends (cpu, cuda, reference)
    optim                     rules, hyperparameters, schedules, optimizer(), averaging
    verification              error measures, tolerance, named variants, verify, gradcheck
    problems                  standard problems with loss, gradient, x0 and f*
    training                  the runner, babysitting, evaluation tricks
    solvers                   L-BFGS, its line search, mini-batch L-BFGS
    perf                      timing, the same-pattern bound, peers, machine, threads
    report                    the comparison report; sections/ one module each
    cli                       the `optbench` command; one module per subcommand
"""

from importlib.metadata import PackageNotFoundError, version

from optbench.perf.threads import make_tbb_loadable

# Before any parallel kernel runs, so that Numba can pick its TBB threading layer.
make_tbb_loadable()

from optbench.optim import parameter_average, optimizer, rule_names, schedule  # noqa: E402
from optbench.solvers import lbfgs  # noqa: E402
from optbench.training import run  # noqa: E402

try:
    __version__ = version("optbench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "unknown"

__all__ = ["__version__", "lbfgs", "optimizer", "parameter_average", "rule_names", "run", "schedule"]
