"""L-BFGS against scipy's L-BFGS-B on the deterministic problems: value reached,
function evaluations, iterations and time, side by side.

`optbench.lbfgs.compare_with_scipy` with m = 10 and the same tolerances for both; in a
quick report both stop at `budget.lbfgs_maxiter` iterations.
"""

import numpy as np
import scipy.optimize

from optbench.lbfgs import compare_with_scipy
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.report.convergence import single_threaded_blas

TITLE = "L-BFGS against scipy's L-BFGS-B"


def warm_up_scipy():
    """One tiny solve first, so that neither solver's time includes scipy's first-call setup."""
    scipy.optimize.minimize(lambda x: (float(x @ x), 2 * x), np.ones(2), jac=True, method="L-BFGS-B")


def build(section, budget, progress):
    problems = settings.LBFGS_PROBLEMS
    task = progress.task(section.name, len(problems))
    warm_up_scipy()
    rows = []
    for name, options in problems:
        task.advance(name)
        problem = get_problem(name, **options)
        if not problem.deterministic:
            continue
        with single_threaded_blas():
            r = compare_with_scipy(problem, m=10, maxiter=budget.lbfgs_maxiter)
        same = r["relative_gap"] <= settings.LBFGS_SAME_VALUE
        rows.append((
            style.problem_label(problem), r["n"], f"{r['f_ours']:.10g}", f"{r['f_scipy']:.10g}",
            f"{r['relative_gap']:.1e}", f"{r['nfev_ours']} / {r['nfev_scipy']}", f"{r['nit_ours']} / {r['nit_scipy']}",
            f"{r['seconds_ours']:.3g} / {r['seconds_scipy']:.3g}",
            "same value" if same else "differs", r["message_ours"],
        ))
    task.finish("done")
    section.text(
        "The lecture: \"if you can afford to do full batch updates then try out L-BFGS\". optbench's L-BFGS "
        "(two-loop recursion, strong Wolfe line search) and scipy's L-BFGS-B without bounds, both with "
        f"m = 10 pairs and scipy's default tolerances, from x0(seed=0), up to {budget.lbfgs_maxiter} iterations. "
        f"\"same value\": |f_ours − f_scipy| ≤ {settings.LBFGS_SAME_VALUE:g} max(|f_scipy|, 1). On the non-convex "
        "two-layer net the two may stop at different local minima. BLAS runs on one thread."
    )
    section.table(
        ("problem", "n", "f (optbench)", "f (scipy)", "relative gap", "nfev (ours / scipy)",
         "nit (ours / scipy)", "seconds (ours / scipy)", "", "stopped because (ours)"),
        rows,
        caption="Times are wall-clock seconds of one solve each, in the same process, on a shared machine.",
    )
