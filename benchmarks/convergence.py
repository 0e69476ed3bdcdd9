"""Convergence on the standard problems: steps to target, and L-BFGS against scipy.

`track_steps_to_target[rule, problem]`: `optbench.run` with the rule's default
hyperparameters, full batch, float64, from x0(seed=0): the fewest updates after which
f - f* <= TARGET_GAP (f0 - f*), 99% of the gap closed; NaN if not within STEPS (or if
the run diverges). `track_nfev[problem, solver]`: function evaluations of optbench's
L-BFGS and of scipy's L-BFGS-B (m=10, same tolerances, same start) on each deterministic
problem, from `optbench.lbfgs.compare_with_scipy`.

The digits problems' best known f* takes L-BFGS minutes the first time on a machine
(then it comes from the cache, see `optbench.problems.optimum`): setup pays it, outside
the figures.
"""

import math

from optbench import run
from optbench.lbfgs import compare_with_scipy
from optbench.problems import get_problem, problem_names

from .common import Benchmark, require_every_rule, rule_names

TARGET_GAP = 1e-2
STEPS = 2000
PROBLEMS = list(problem_names())


class TrackStepsToTarget(Benchmark):
    params = [rule_names(), PROBLEMS]
    param_names = ["rule", "problem"]
    timeout = 1200

    def setup(self, rule, problem):
        self.problem = get_problem(problem)
        self.problem.f_star  # noqa: B018  (settle the best known value outside the figure)

    def track_steps_to_target(self, rule, problem):
        record = run(rule, self.problem, steps=STEPS, tol=TARGET_GAP, seed=self.seed)
        return math.nan if record.steps_to_target is None else record.steps_to_target

    track_steps_to_target.unit = "updates"


require_every_rule(TrackStepsToTarget.params[0], "TrackStepsToTarget")


class TrackLBFGS(Benchmark):
    params = [[name for name in PROBLEMS if get_problem(name).deterministic], ["optbench", "scipy"]]
    param_names = ["problem", "solver"]
    timeout = 1200

    def setup_cache(self):
        return {problem: compare_with_scipy(get_problem(problem), seed=self.seed) for problem in self.params[0]}

    def track_nfev(self, rows, problem, solver):
        return rows[problem]["nfev_ours" if solver == "optbench" else "nfev_scipy"]

    track_nfev.unit = "function evaluations"
