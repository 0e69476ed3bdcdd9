"""Solvers for a full-batch loss: L-BFGS (`lbfgs`, with scipy's L-BFGS-B beside it in
`compare_with_scipy`), its strong-Wolfe line search, and L-BFGS fed mini-batches
(`minibatch`), to measure the lecture's warning about that setting.

May import the foundation modules and `perf.threads`; a problem is passed in, never
imported. Never imports `training`, `report` or `cli`.
"""

from optbench.solvers.lbfgs import compare_with_scipy, lbfgs

__all__ = ["compare_with_scipy", "lbfgs"]
