"""Convergence on the standard problems: steps to target, and L-BFGS against scipy.

`track_steps_to_target[rule, problem]`: `optbench.run` with the rule's default
hyperparameters, full batch, float64, from x0(seed=0): the fewest updates after which
f - f* <= TARGET_GAP (f0 - f*), 99% of the gap closed, as the run's record counts it;
STEPS + 1 if not within STEPS (or if the run diverges), not NaN: asv compares no NaN, so
a rule that stopped reaching the target would pass the gate unseen. `track_nfev[problem, solver]`:
function evaluations of optbench's L-BFGS and of scipy's L-BFGS-B (m=10, same
tolerances, same start) on each problem, from `compare_with_scipy`. Both are counts from
seeded runs, the same at every run on one machine, and bigger is worse.

The digits problems' best known f* takes L-BFGS-B seconds the first time on a machine
(then it comes from the cache, see `optbench.problems.optimum`): setup pays it, outside
the figures. Nothing is built at import: the grids are names.
"""


from optbench.problems import problem_names

from .common import RULES, Benchmark, load, require, require_registered, rule_names, safe_import, stable_grid

with safe_import() as imports:
    from optbench import run
    from optbench.problems import get_problem

    lbfgs = load("optbench.solvers.lbfgs", "optbench.lbfgs")

TARGET_GAP = 1e-2
STEPS = 2000
NOT_REACHED = STEPS + 1  # "more than STEPS": a finite count, so that asv flags a rule that stops reaching it
PROBLEMS = stable_grid(("quadratic", "rosenbrock", "softmax", "two_layer", "mlp"), problem_names())


class TrackStepsToTarget(Benchmark):
    params = [RULES, PROBLEMS]
    param_names = ["rule", "problem"]
    timeout = 1200
    rounds = 1  # seeded: every run gives the same count

    def setup(self, rule, problem):
        require(imports)
        require_registered(rule, rule_names(), "rule")
        require_registered(problem, problem_names(), "problem")
        self.problem = get_problem(problem)
        self.problem.f_star  # noqa: B018  (settle the best known value outside the figure)

    def track_steps_to_target(self, rule, problem):
        record = run(rule, self.problem, steps=STEPS, tol=TARGET_GAP, seed=self.seed)
        return NOT_REACHED if record.steps_to_target is None else record.steps_to_target

    track_steps_to_target.unit = "updates"


class TrackLBFGS(Benchmark):
    params = [PROBLEMS, ["optbench", "scipy"]]
    param_names = ["problem", "solver"]
    timeout = 1200
    rounds = 1  # seeded: every run gives the same count

    def setup(self, problem, solver):
        require(imports)
        # per problem, not in a setup_cache: a selection of cheap problems (benchmarks/tracked.py)
        # then never pays for the networks' L-BFGS runs
        self.row = lbfgs.compare_with_scipy(get_problem(problem), seed=self.seed)

    def track_nfev(self, problem, solver):
        return self.row["nfev_ours" if solver == "optbench" else "nfev_scipy"]

    track_nfev.unit = "function evaluations"
