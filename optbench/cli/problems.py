"""List the standard problems with their size and optimum value f*.

One row per problem, built with its default options: name, n (parameters), f* and
where it comes from: a closed form, or the best value L-BFGS-B reaches (the digits
problems; computed once per machine, seconds, then read from the cache), and the
options.
"""

import inspect
import sys

from optbench.cli.arguments import fail
from optbench.problems import get_problem, problem_names


def add_arguments(parser):
    parser.add_argument("names", nargs="*", metavar="PROBLEM", help=f"default: all ({', '.join(problem_names())})")


def run(args):
    unknown = [name for name in args.names if name not in problem_names()]
    if unknown:
        return fail("problems", f"unknown problem(s) {unknown}; valid choices: {list(problem_names())}")
    header = f"{'problem':<12}{'n':>7}{'f*':>13}  {'f* from':<20}options"
    print(header)
    print("-" * len(header))
    for name in args.names or problem_names():
        problem = get_problem(name)
        best_known = isinstance(inspect.getattr_static(problem, "f_star"), property)
        source = "best known (L-BFGS)" if best_known else "closed form"
        options = ", ".join(f"{key}={value!r}" for key, value in problem.options.items())
        print(f"{name:<12}{problem.n:>7}{problem.f_star:>13.6g}  {source:<20}{options}")
        sys.stdout.flush()
    return 0
