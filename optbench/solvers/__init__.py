"""Solvers for a full-batch loss: Newton's method (`newton`, on a dense Hessian), BFGS
(`bfgs`, the dense inverse-Hessian update) and L-BFGS (`lbfgs`), their shared strong-Wolfe
line search and objective contract, each beside scipy (`versus_scipy`; L-BFGS also in
`compare_with_scipy`), the cost of an iteration against n (`scaling`), and L-BFGS fed
mini-batches (`minibatch`), to measure the lecture's warning about that setting.

May import the foundation modules and `perf.threads`; a problem is passed in, never
imported. Never imports `training`, `report` or `cli`.
"""

from optbench.solvers.bfgs import bfgs
from optbench.solvers.lbfgs import compare_with_scipy, lbfgs
from optbench.solvers.newton import newton

__all__ = ["bfgs", "compare_with_scipy", "lbfgs", "newton"]
