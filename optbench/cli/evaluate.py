"""Compare the lecture's evaluation tricks on the two-layer net over several seeds.

Validation accuracy of a single model, of its running parameter average
(x_test = 0.995 x_test + 0.005 x), of the average of its last epochs' checkpoints, and
of an ensemble of independently trained models averaging their class probabilities;
per seed, then mean ± std (see `optbench.training.evaluation`).
"""

import json
import sys

from optbench.cli.arguments import fail, non_negative_int, positive_int
from optbench.training.evaluation import (
    DEFAULTS,
    compare_evaluation_tricks,
    format_comparison,
)


def add_arguments(parser):
    parser.add_argument("--seeds", type=non_negative_int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", type=positive_int, default=DEFAULTS["num_models"], help="ensemble size K")
    parser.add_argument("--checkpoints", type=positive_int, default=DEFAULTS["num_checkpoints"],
                        help="last epochs whose parameters are averaged")
    parser.add_argument("--epochs", type=positive_int, default=DEFAULTS["epochs"])
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args):
    try:
        result = compare_evaluation_tricks(seeds=tuple(args.seeds), num_models=args.models,
                                           num_checkpoints=args.checkpoints, epochs=args.epochs)
    except (ValueError, TypeError, RuntimeError) as error:
        return fail("evaluate", error)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        settings = ", ".join(f"{key}={value}" for key, value in result["settings"].items())
        print(f"two_layer on digits: {settings}")
        print(format_comparison(result))
    return 0
