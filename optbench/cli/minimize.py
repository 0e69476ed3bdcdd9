"""Minimize a standard problem's full-batch loss with Newton's method, BFGS or L-BFGS.

    optbench minimize --method newton --problem rosenbrock -o n=10 --compare-scipy

runs the solver from x0(seed) until max_i |g_i| <= --gtol or --maxiter iterations, and
prints f, f − f*, the gradient's largest entry, nit, nfev, the time and why it stopped
(Newton also says how many of its Hessians were shifted to be positive definite).
With --compare-scipy, scipy.optimize.minimize runs beside it with the same start,
gtol and limit (trust-exact with the same exact Hessian for newton, BFGS for bfgs,
L-BFGS-B with maxcor 10 for lbfgs), and the two are set side by side with the relative
gap |f_ours − f_scipy| / max(|f_scipy|, 1). --json prints one JSON object instead.
Exit 0 when optbench's solver converged, 1 when it stopped otherwise, 2 on bad input.
"""

import json
import time

import numpy as np

from optbench.cli.arguments import assignment, fail, non_negative_float, non_negative_int, positive_int
from optbench.perf.threads import single_threaded_blas
from optbench.problems import get_problem, problem_names
from optbench.solvers.versus_scipy import METHODS, SCIPY_METHODS, compare, minimize


def add_arguments(parser):
    parser.add_argument("--method", required=True, choices=METHODS, help="the solver")
    parser.add_argument("--problem", required=True, choices=problem_names(), metavar="PROBLEM",
                        help=f"one of {', '.join(problem_names())}")
    parser.add_argument("-o", "--option", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="a problem option, repeatable: -o n=100")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="the start point x0(seed)")
    parser.add_argument("--gtol", type=non_negative_float, default=1e-5,
                        help="stop when max_i |g_i| <= gtol (default: %(default)g)")
    parser.add_argument("--maxiter", type=positive_int, help="iteration limit (default: each solver's own)")
    parser.add_argument("--compare-scipy", action="store_true", help="run scipy's counterpart beside it")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the text")


def run(args):
    try:
        problem = get_problem(args.problem, **dict(args.option))
    except (ValueError, TypeError) as error:
        return fail("minimize", error)
    f_star = problem.f_star
    if args.compare_scipy:
        row = compare(problem, args.method, gtol=args.gtol, maxiter=args.maxiter, seed=args.seed)
        row["f_star"] = f_star
        converged = row["success_ours"]
    else:
        with single_threaded_blas():
            start = time.perf_counter()
            result = minimize(problem, args.method, gtol=args.gtol, maxiter=args.maxiter, seed=args.seed)
            seconds = time.perf_counter() - start
        row = {"problem": repr(problem), "method": args.method, "n": problem.n, "gtol": args.gtol,
               "f_star": f_star, "f_ours": float(result.fun), "nfev_ours": int(result.nfev),
               "nit_ours": int(result.nit), "seconds_ours": seconds, "success_ours": bool(result.success),
               "message_ours": str(result.message), "max_gradient_ours": float(np.max(np.abs(result.jac))),
               "modified_ours": int(result.get("modified", 0))}
        converged = row["success_ours"]
    if args.json:
        print(json.dumps(row, indent=1))
    else:
        _print(row, args)
    return 0 if converged else 1


def _print(row, args):
    print(f"{args.method} on {row['problem']}, n = {row['n']}, from x0(seed={args.seed}), gtol {args.gtol:g}")
    sides = [("optbench", "ours")] + ([(f"scipy {SCIPY_METHODS[args.method]}", "scipy")] if args.compare_scipy else [])
    width = max(len(label) for label, _ in sides)
    for label, side in sides:
        f = row[f"f_{side}"]
        print(f"{label:<{width}}  f = {f:.12g}  f − f* = {f - row['f_star']:.3g}  nit {row[f'nit_{side}']}  "
              f"nfev {row[f'nfev_{side}']}  {row[f'seconds_{side}']:.3g} s  {row[f'message_{side}']}")
    if args.method == "newton":
        print(f"Hessians shifted to be positive definite: {row['modified_ours']} of {row['nit_ours']} iterations")
    if args.compare_scipy:
        print(f"relative gap |f_ours − f_scipy| / max(|f_scipy|, 1) = {row['relative_gap']:.2e}, "
              f"max |x_ours − x_scipy| = {row['x_distance']:.2e}")
