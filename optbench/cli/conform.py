"""Check torch.optim, optax, Keras, optbench or your own code against the lecture's rules.

Every implementation of every rule runs beside the literal NumPy reference on each
scenario (seeded gradient streams and learning-rate sequences that expose the known
departures), in both dtypes. A row that departs names the first step and element where
it does, and the known variants (epsilon_inside_sqrt, epsilon_hat, accumulator_start,
learning_rate_outside_velocity, ...) that reproduce it, or "unknown departure".

    optbench conform --library torch --rule adam
    optbench conform --implementation my_optimizers:make_adam --rule adam -o beta1=0.9

--implementation takes a factory make(x0, **hyperparameters) -> step, step(dx,
learning_rate) -> x, importable from the current folder. Exits 0 when everything checked
conforms, 1 when something departs or breaks, 2 on bad usage.
"""

import json
import sys
import time

from optbench import config
from optbench.cli.arguments import assignment, fail
from optbench.conformance import Implementation, load_factory
from optbench.conformance.adapters import LIBRARIES
from optbench.conformance.harness import Harness
from optbench.conformance.matrix import format_matrix, matrix
from optbench.conformance.scenarios import scenario_names
from optbench.optim import get_rule, rule_names


def add_arguments(parser):
    parser.add_argument("--library", action="append", choices=[*LIBRARIES, "all"], help="repeatable; default: all")
    parser.add_argument("--implementation", metavar="MODULE:FACTORY", help="your own factory instead of a library")
    parser.add_argument("--rule", action="append", choices=rule_names(), help="repeatable; default: all")
    parser.add_argument("--scenario", action="append", choices=scenario_names(), help="repeatable; default: all")
    parser.add_argument("--dtype", action="append", choices=config.DTYPES, help="repeatable; default: both")
    parser.add_argument("-o", "--option", action="append", type=assignment, default=[], metavar="NAME=VALUE",
                        help="a hyperparameter of the rule, with --implementation (repeatable)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args):
    dtypes = args.dtype or list(config.DTYPES)
    start = time.perf_counter()
    timings = {}
    if args.implementation:
        if args.library:
            return fail("conform", "give --implementation or --library, not both")
        if not args.rule or len(args.rule) != 1:
            return fail("conform", f"--implementation needs exactly one --rule, from {rule_names()}")
        try:
            make = load_factory(args.implementation)
            rule = get_rule(args.rule[0])
            settings = rule.settings(dict(args.option))
        except (ValueError, TypeError) as error:
            return fail("conform", error)
        harness = Harness()
        implementation = Implementation(args.implementation, "user", rule.name, make)
        rows = [harness.row(implementation, rule, s, d, settings) for d in dtypes for s in args.scenario or scenario_names()]
    else:
        if args.option:
            return fail("conform", "-o sets a hyperparameter of your own --implementation; libraries run with optbench's defaults")
        libraries = LIBRARIES if not args.library or "all" in args.library else tuple(dict.fromkeys(args.library))
        rows = matrix(libraries, args.rule, args.scenario, dtypes, timings=timings)
    seconds = time.perf_counter() - start
    if args.json:
        json.dump({"rows": [r.as_dict() for r in rows], "seconds": seconds,
                   "seconds_by_library": {k: {"total": t, "inside": i} for k, (t, i) in timings.items()}},
                  sys.stdout, indent=2)
        print()
    else:
        print(format_matrix(rows, timings))
        print(f"checked in {seconds:.1f} s")
    return 0 if all(r.verdict in ("conforms", "skipped") for r in rows) else 1
