"""Training: the lecture's loop on a standard problem (`runner.run`, its `Record`),
babysitting it (the per-epoch line and the learning-rate diagnosis), the evaluation
tricks (running average, checkpoint average, ensembles) measured on the two-layer net,
and the lecture's initialization experiment (`init_stats.py`: layer statistics of a deep
net at initialization).

May import the foundation modules, `optim`, `blocks` and `problems`; never `solvers`,
`perf`, `report` or `cli`.
"""

from optbench.training.runner import Record, run

__all__ = ["Record", "run"]
