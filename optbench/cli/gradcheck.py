"""Check a problem's analytic gradient, or its Hessian, against centered finite differences.

    optbench gradcheck two_layer
    optbench gradcheck two_layer --hessian

compares, at x0(seed), each coordinate of the analytic gradient a with

    n_i = (f(x + h e_i) - f(x - h e_i)) / (2 h)     (`optbench.verification.gradient`)

prints the worst relative error and exits 1 if it is above the threshold (1e-6).

With --hessian it checks the problem's dense Hessian H instead, on the same objective
(`hessian`, or a digits problem's `batch_hessian` on the same images): each checked
column j against centered differences of the analytic gradient g,

    n_j = (g(x + h e_j) - g(x - h e_j)) / (2 h)     (`optbench.verification.hessian`)

    relative_ij = |H_ij - n_ij| / max(|H_ij| + |n_ij|, noise / threshold),
    noise = 10 eps max_i |g_i(x)| / h

A differenced Hessian (mlp's) is itself an estimate, its entries known to about
3.7e-8 max |H| (`DIFFERENCED_ERROR`): the floor is raised to that / threshold. Then its
symmetry, max |H - H^T| / max |H|, against the rounding of its entries, 4 n eps.
It prints how the problem computes its Hessian (closed form, exact Hessian-vector
products, differenced gradients), the worst relative error with its row and column, and
the symmetry error, and exits 1 if either is above its bound. `--count` then selects
the columns.

Following the lecture's advice for gradient checks:

- use only few data points: a digits problem is checked on the loss of `--batch-size`
  training images (10, drawn with the seed), so that few ReLU kinks lie within h of x
  (on the full set, with 1437 images x 50 hidden units, some always do and their
  coordinates show errors of 1e-3 however right the gradient is);
- mind the rounding noise: f is known to about eps |f|, so the difference quotient
  carries noise of about eps |f| / h and a derivative below noise / threshold cannot be
  confirmed to `threshold` relatively. The relative error's denominator is floored there:

    relative_i = |a_i - n_i| / max(|a_i| + |n_i|, noise / threshold),  noise = 10 eps |f(x)| / h

  that is, tiny derivatives (softmax's weights on the always-blank corner pixels are
  reg * W ~ 1e-9) must match to the noise, not to 1e-6 of themselves
  (`optbench.verification.gradient.noise_floor`).
"""

import numpy as np

from optbench.cli.arguments import (
    assignment,
    fail,
    non_negative_int,
    positive_float,
    positive_int,
)
from optbench.problems import get_problem, problem_names
from optbench.problems.problem import DIFFERENCED_GRADIENTS
from optbench.verification.gradient import gradient_check, noise_floor, rounding_noise
from optbench.verification.hessian import differenced_floor, hessian_check

THRESHOLD = 1e-6


def add_arguments(parser):
    parser.add_argument("problem", metavar="PROBLEM", help=f"one of {', '.join(problem_names())}")
    parser.add_argument("-o", "--option", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="a problem option, repeatable: -o hidden_size=20")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="x0(seed), the images and the sampled coordinates")
    parser.add_argument("--h", type=positive_float, default=1e-5, help="finite-difference step")
    parser.add_argument("--batch-size", type=positive_int, default=10, help="images in the loss of a digits problem")
    parser.add_argument("--count", type=positive_int,
                        help="coordinates (columns with --hessian) to check, drawn with the seed; default: all")
    parser.add_argument("--hessian", action="store_true",
                        help="check the Hessian against differences of the gradient, and its symmetry")
    parser.add_argument("--threshold", type=positive_float, default=THRESHOLD,
                        help="the largest relative error that passes (default: %(default)g)")


def run(args):
    if args.hessian:
        return _run_hessian(args)
    try:
        problem = get_problem(args.problem, **dict(args.option))
        x = problem.x0(args.seed)
        fun, _, where = _objective(problem, args.batch_size, args.seed)
        f = fun(x)[0]
        noise = rounding_noise(f, args.h)
        check = gradient_check(fun, x, h=args.h, indices=args.count or problem.n, seed=args.seed,
                               floor=noise_floor(f, args.h, args.threshold))
    except (ValueError, TypeError) as error:
        return fail("gradcheck", error)
    k = int(np.argmax(check.relative_error))
    worst = check.max_relative_error
    passed = worst <= args.threshold
    print(f"gradient check of {problem!r} at x0(seed={args.seed}), {where}")
    print(f"centered differences, h = {args.h:g}, {check.indices.size} of {problem.n} coordinates; "
          f"rounding noise {noise:.1e}")
    print(f"worst relative error {worst:.2e} at {_coordinate(problem, int(check.indices[k]))}: "
          f"analytic {check.analytic[k]:.10e}, numeric {check.numeric[k]:.10e}")
    print(f"{'pass' if passed else 'FAIL'}: {'at or below' if passed else 'above'} {args.threshold:g}")
    return 0 if passed else 1


def _run_hessian(args):
    try:
        problem = get_problem(args.problem, **dict(args.option))
        x = problem.x0(args.seed)
        fun, hessian, where = _objective(problem, args.batch_size, args.seed)
        scale = float(np.max(np.abs(fun(x)[1])))
        noise = rounding_noise(scale, args.h)
        differenced = problem.hessian_method == DIFFERENCED_GRADIENTS
        check = hessian_check(lambda z: fun(z)[1], hessian, x, h=args.h, indices=args.count or problem.n,
                              seed=args.seed, floor=noise_floor(scale, args.h, args.threshold),
                              relative_floor=differenced_floor(args.threshold) if differenced else 0.0)
    except (ValueError, TypeError) as error:
        return fail("gradcheck", error)
    worst, (row, column) = check.max_relative_error, check.worst
    k = int(np.argmax(check.relative_error))
    accurate = worst <= args.threshold
    print(f"Hessian check of {problem!r} at x0(seed={args.seed}), {where}")
    print(f"Hessian by {problem.hessian_method}; centered differences of the gradient, h = {args.h:g}, "
          f"{check.indices.size} of {problem.n} columns; rounding noise {noise:.1e}; entries below "
          f"{check.floor:.1e} compared to {check.floor * args.threshold:.1e}"
          f"{' (the error of a differenced Hessian)' if check.floor > noise / args.threshold else ''}")
    print(f"worst relative error {worst:.2e} at row {_coordinate(problem, row)}, column "
          f"{_coordinate(problem, column)}: analytic {check.analytic[k]:.10e}, numeric {check.numeric[k]:.10e}")
    print(f"symmetry error max |H - H^T| / max |H| = {check.symmetry_error:.1e}, "
          f"tolerance {check.symmetry_tolerance:.1e}")
    if accurate and check.symmetric:
        print(f"pass: at or below {args.threshold:g}, symmetric")
        return 0
    failures = [] if accurate else [f"above {args.threshold:g}"]
    if not check.symmetric:
        failures.append(f"not symmetric ({check.symmetry_error:.1e} > {check.symmetry_tolerance:.1e})")
    print(f"FAIL: {', '.join(failures)}")
    return 1


def _objective(problem, batch_size, seed):
    """(fun, hessian, description): the full loss and its Hessian, or a digits problem's
    on a few images."""
    if not hasattr(problem, "batch_loss_and_gradient"):
        return problem.loss_and_gradient, problem.hessian, "full loss"
    batch = problem.sample_batch(np.random.default_rng(seed), batch_size)
    return ((lambda x: problem.batch_loss_and_gradient(x, batch)), (lambda x: problem.batch_hessian(x, batch)),
            f"loss on {batch_size} training images")


def _coordinate(problem, i):
    """'W1[3, 17]' for a classifier's flat index, else 'x[i]'."""
    shapes = getattr(problem, "shapes", None)
    if shapes is None:
        return f"x[{i}]"
    start = 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        if i < start + size:
            return f"{name}[{', '.join(str(int(j)) for j in np.unravel_index(i - start, shape))}]"
        start += size
    return f"x[{i}]"
