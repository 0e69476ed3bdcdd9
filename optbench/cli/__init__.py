"""optbench: verify and measure the update rules that train neural networks.

Each subcommand is a module of this package (`init-stats` is `init_stats`): its
docstring's first line is its help, `add_arguments(parser)` declares its options and
`run(args)` returns the exit status (0 done, 1 the check it ran failed, 2 bad input).
`arguments` holds what they share.

The top of the house: may import any package of optbench; nothing imports it.
"""

import importlib

import optbench
from optbench.cli.arguments import Parser

COMMANDS = ("bench", "conform", "evaluate", "gradcheck", "init-stats", "minimize", "problems", "report", "run",
            "search", "verify")


def parser():
    """The `optbench` parser, with one subparser per command (`set_defaults(parser=...)`)."""
    main = Parser(prog="optbench", description=__doc__.splitlines()[0])
    main.add_argument("--version", action="version", version=f"%(prog)s {optbench.__version__}")
    subcommands = main.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
        summary = module.__doc__.strip().splitlines()[0]
        sub = subcommands.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run, parser=sub)
    return main


def main(argv=None):
    args, unknown = parser().parse_known_args(argv)
    if unknown:  # said by the command they were given to, not by `optbench`
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args.run(args)
