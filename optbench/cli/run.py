"""Train one problem with one update rule and print what happened.

    optbench run --problem two_layer -o reg=1e-6 --rule sgd --epochs 10 --batch-size 100 \\
        --learning-rate 1e-6 -v

prints the lecture's babysitting lines (`Finished epoch 3 / 10: cost ...`), then the
summary: loss from start to end, the gap to f*, steps and seconds to reach
f - f* <= tol (f0 - f*), and the diagnosis of the learning rate. `--json` prints the
whole record instead. Exits 1 if the run diverged, 2 on bad input.
"""

import contextlib
import json
import sys

from optbench import config
from optbench.cli.arguments import (
    assignment,
    fail,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from optbench.optim import get_rule, rule_names, schedule
from optbench.optim.schedules import KINDS
from optbench.problems import get_problem, problem_names
from optbench.training.runner import HOST_BACKENDS
from optbench.training.runner import run as train


def add_arguments(parser):
    parser.add_argument("--problem", required=True, choices=problem_names())
    parser.add_argument("-o", "--option", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="a problem option, repeatable: -o n=100 -o condition=1e4 (quadratic), -o reg=1e-6")
    parser.add_argument("--rule", required=True, choices=rule_names())
    length = parser.add_mutually_exclusive_group(required=True)
    length.add_argument("--steps", type=positive_int, help="number of updates")
    length.add_argument("--epochs", type=positive_int, help="epochs of a digits problem (softmax, two_layer)")
    parser.add_argument("--batch-size", type=positive_int,
                        help="mini-batch size (digits problems); default: full batch")
    parser.add_argument("--learning-rate", type=non_negative_float, help="default: the rule's")
    parser.add_argument("--schedule", choices=sorted(KINDS), default="constant",
                        help="learning-rate decay over the updates t: step (--drop, --every), "
                             "exponential or inverse_time (--k)")
    parser.add_argument("--drop", type=positive_float, help="step schedule: factor applied every --every updates")
    parser.add_argument("--every", type=positive_int, help="step schedule: updates between drops")
    parser.add_argument("--k", type=non_negative_float, help="exponential / inverse_time schedule: decay constant")
    parser.add_argument("-p", "--hyperparameter", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="another hyperparameter of the rule, repeatable: -p momentum=0.95, "
                             "-p bias_correction=False")
    parser.add_argument("--backend", choices=HOST_BACKENDS, default="cpu")
    parser.add_argument("--dtype", choices=config.DTYPES, default="float64")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="draws x0 and the mini-batches")
    parser.add_argument("--tol", type=positive_float, default=1e-3, help="target f - f* <= tol (f0 - f*)")
    parser.add_argument("--f-star", type=float,
                        help="f* (or a lower bound) instead of the problem's; skips computing the best known f*")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the babysitting lines")
    parser.add_argument("--json", action="store_true", help="print the record as JSON")


def run(args):
    try:
        record = _train(args)
    except (ValueError, TypeError) as error:
        return fail("run", error)
    if args.json:
        json.dump(record.to_dict(), sys.stdout, indent=1)
        print()
    elif not args.verbose:
        print(record.summary())
    return 1 if record.diverged else 0


def _train(args):
    problem = get_problem(args.problem, **dict(args.option))
    hyperparameters = dict(args.hyperparameter)
    if "learning_rate" in hyperparameters:
        raise ValueError("give the learning rate as --learning-rate (and --schedule), not -p learning_rate=...")
    learning_rate = get_rule(args.rule).defaults["learning_rate"] if args.learning_rate is None else args.learning_rate
    options = {name: getattr(args, name) for name in ("drop", "every", "k") if getattr(args, name) is not None}
    hyperparameters["learning_rate"] = schedule(args.schedule, learning_rate, **options)
    # With --json the babysitting lines go to stderr, keeping stdout one JSON document.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return train(args.rule, problem, steps=args.steps, epochs=args.epochs, batch_size=args.batch_size,
                     backend=args.backend, seed=args.seed, dtype=args.dtype, tol=args.tol,
                     verbose=args.verbose, f_star=args.f_star, **hyperparameters)
