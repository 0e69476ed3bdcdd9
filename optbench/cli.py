"""optbench: verify and measure the update rules that train neural networks.

Each subcommand is a module of `optbench.commands`: its docstring's first line is its
help, `add_arguments(parser)` declares its options and `run(args)` returns the exit code.
"""

import argparse
import importlib
import pkgutil

from optbench import commands


def parser():
    main = argparse.ArgumentParser(prog="optbench", description=__doc__.splitlines()[0])
    subcommands = main.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        summary = module.__doc__.strip().splitlines()[0]
        sub = subcommands.add_parser(info.name, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return main


def positive_int(text):
    """An argparse type: a whole number >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    args = parser().parse_args(argv)
    return args.run(args)
