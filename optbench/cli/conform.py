"""Check torch.optim, optax, Keras, optbench or your own code against the lecture's rules.

Every implementation of every rule runs beside the literal NumPy reference on each
scenario (seeded gradient streams and learning-rate sequences that expose the known
departures), in both dtypes. A row that departs names the first step and element where
it does, and the known variants (epsilon_inside_sqrt, epsilon_hat, accumulator_start,
learning_rate_outside_velocity, ...) that reproduce it, or "unknown departure".

    optbench conform --library torch --rule adam
    optbench conform --implementation my_optimizers:make_adam --rule adam -o beta1=0.9

--implementation takes a factory make(x0, **hyperparameters) -> step, step(dx,
learning_rate) -> x, importable from the current folder.

The network blocks are checked too (`--block` for some; by default all of them, unless
`--rule` is given): optbench's kernels and torch.nn.functional, or, with `--implementation
MODULE --block B`, the functions `B_forward` and `B_backward` of your MODULE (the
reference's signatures): out, every gradient and the running statistics against the
literal reference, a departure named by the block's variants.

    optbench conform --block batchnorm --library torch
    optbench conform --implementation my_layers --block relu

Exits 0 when everything checked conforms, 1 when something departs or breaks, 2 on bad
usage.
"""

import json
import sys
import time

from optbench import config
from optbench.cli.arguments import assignment, fail
from optbench.conformance import Implementation, load_factory
from optbench.blocks.registry import block_names, get_block
from optbench.conformance import blocks as block_harness
from optbench.conformance.adapters import LIBRARIES
from optbench.conformance.block_matrix import BLOCK_LIBRARIES, block_matrix, format_block_matrix
from optbench.conformance.harness import Harness
from optbench.conformance.matrix import format_matrix, matrix
from optbench.conformance.scenarios import scenario_names
from optbench.optim import get_rule, rule_names


def add_arguments(parser):
    parser.add_argument("--library", action="append", choices=[*LIBRARIES, "all"], help="repeatable; default: all")
    parser.add_argument("--implementation", metavar="MODULE:FACTORY", help="your own factory instead of a library")
    parser.add_argument("--rule", action="append", choices=rule_names(), help="repeatable; default: all")
    parser.add_argument("--block", action="append", choices=block_names(),
                        help="repeatable; default: all, unless --rule is given")
    parser.add_argument("--scenario", action="append", choices=scenario_names(), help="repeatable; default: all")
    parser.add_argument("--dtype", action="append", choices=config.DTYPES, help="repeatable; default: both")
    parser.add_argument("-o", "--option", action="append", type=assignment, default=[], metavar="NAME=VALUE",
                        help="a hyperparameter of the rule, with --implementation (repeatable)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args):
    dtypes = args.dtype or list(config.DTYPES)
    start = time.perf_counter()
    timings = {}
    if args.block and not args.rule:
        return _blocks_only(args, dtypes, start)
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
    block_rows = []
    if not args.rule and not args.implementation:
        block_rows = block_matrix([lib for lib in libraries if lib in BLOCK_LIBRARIES], None, dtypes)
    seconds = time.perf_counter() - start
    if args.json:
        json.dump({"rows": [r.as_dict() for r in rows], "blocks": [_block_dict(r) for r in block_rows],
                   "seconds": seconds,
                   "seconds_by_library": {k: {"total": t, "inside": i} for k, (t, i) in timings.items()}},
                  sys.stdout, indent=2)
        print()
    else:
        print(format_matrix(rows, timings))
        if block_rows:
            print(format_block_matrix(block_rows))
        print(f"checked in {seconds:.1f} s")
    return 0 if all(r.verdict in ("conforms", "skipped") for r in rows) and all(r.passed for r in block_rows) else 1


def _block_dict(row):
    return dict(vars(row), shape=list(row.shape), verdict=row.verdict)


def _blocks_only(args, dtypes, start):
    if args.option or args.scenario:
        return fail("conform", "-o and --scenario apply to rules; blocks run on their own samples")
    if args.implementation:
        if args.library:
            return fail("conform", "give --implementation or --library, not both")
        if len(args.block) != 1:
            return fail("conform", f"--implementation needs exactly one --block, from {block_names()}")
        block = get_block(args.block[0])
        try:
            forward, backward = (load_factory(f"{args.implementation}:{block.name}_{d}") for d in ("forward", "backward"))
        except (ValueError, TypeError) as error:
            return fail("conform", error)

        def run_user(inputs, parameters, dout):
            return block_harness.run_functions(block, forward, backward, inputs, parameters, dout)

        rows = [row for d in dtypes for row in block_harness.check(block, run_user, args.implementation, d)]
    else:
        libraries = [lib for lib in (args.library or BLOCK_LIBRARIES) if lib != "all"] or list(BLOCK_LIBRARIES)
        unknown = sorted(set(libraries) - set(BLOCK_LIBRARIES))
        if unknown:
            return fail("conform", f"blocks have implementations in {list(BLOCK_LIBRARIES)}, not {unknown}")
        rows = block_matrix(libraries, args.block, dtypes)
    seconds = time.perf_counter() - start
    if args.json:
        json.dump({"blocks": [_block_dict(r) for r in rows], "seconds": seconds}, sys.stdout, indent=2)
        print()
    else:
        print(format_block_matrix(rows))
        print(f"checked in {seconds:.1f} s")
    return 0 if all(r.passed for r in rows) else 1
