"""optbench: update rules for training neural networks, verified and measured.

    >>> import numpy as np
    >>> import optbench
    >>> optbench.rule_names()[:3]
    ['adagrad', 'adam', 'nesterov']
    >>> x = np.ones(3, np.float32)
    >>> opt = optbench.optimizer("sgd_momentum", backend="cpu", learning_rate=0.5, momentum=0.9)
    >>> state = opt.init(x)                       # {"velocity": zeros like x, "t": 0}
    >>> opt.update(x, np.ones(3, np.float32), state)
    >>> opt.update(x, np.ones(3, np.float32), state)
    >>> x, state["velocity"], state["t"]          # v = -0.5, then 0.9 v - 0.5 = -0.95
    (array([-0.45, -0.45, -0.45], dtype=float32), array([-0.95, -0.95, -0.95], dtype=float32), 2)

The packages, from the bottom up (an arrow never points up):

    config, files, checks     foundation: settings, atomic files, argument checks
    kernels                   step -> kernel compiler and backends (cpu, cuda, reference)
    optim                     rules, hyperparameters, schedules, optimizer(), averaging
    blocks                    network blocks: activations, batch norm, dropout, maxout,
                              weight initialization, preprocessing
    verification              error measures, tolerance, named variants, gradcheck
    conformance               anyone's implementation beside the reference; verify
    problems                  standard problems with loss, gradient, x0 and f*
    training                  the runner, babysitting, evaluation tricks
    solvers                   Newton, BFGS, L-BFGS, their line search, mini-batch L-BFGS
    search                    hyperparameter search on Optuna, trials run on Dask
    perf                      timing, the same-pattern bound, peers, machine, threads
    report                    the comparison report; sections/ one module each
    testing                   assert_conforms for the user's own tests
    cli                       the `optbench` command; one module per subcommand
"""

from importlib.metadata import PackageNotFoundError, version

from optbench.perf.threads import make_tbb_loadable

# Before any parallel kernel runs, so that Numba can pick its TBB threading layer.
make_tbb_loadable()

from optbench import search  # noqa: E402  (callable: optbench.search(...); imports Optuna only when called)
from optbench.optim import optimizer, parameter_average, rule_names, schedule  # noqa: E402
from optbench.solvers import bfgs, lbfgs, newton  # noqa: E402
from optbench.training import run  # noqa: E402

try:
    __version__ = version("optbench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "unknown"

__all__ = ["__version__", "bfgs", "lbfgs", "newton", "optimizer", "parameter_average", "rule_names", "run", "schedule",
           "search"]
