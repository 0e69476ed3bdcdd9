"""The `optbench` command line."""

import argparse
import json
import sys

from optbench.registry import rule_names


def _verify(args):
    from optbench.verify import DTYPES, verify_all

    rows, skipped = verify_all(
        rules=args.rule or None,
        backends=args.backend or ("cpu", "cuda"),
        dtypes=args.dtype or DTYPES,
        steps=args.steps,
        seed=args.seed,
    )
    if args.json:
        json.dump({"rows": [dict(vars(r), verdict=r.verdict) for r in rows], "skipped": skipped}, sys.stdout, indent=2)
        print()
    else:
        print(format_verdicts(rows, skipped))
    return 0 if all(r.passed for r in rows) else 1


def format_verdicts(rows, skipped=()):
    header = f"{'rule':<16}{'backend':<9}{'dtype':<9}{'steps':>6}{'worst ulps':>12}{'worst rel':>12}{'tol ulps':>10}  verdict"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.rule:<16}{r.backend:<9}{r.dtype:<9}{r.steps:>6}{r.worst_ulps:>12.3g}"
            f"{r.worst_relative:>12.3g}{r.tolerance_ulps:>10.0f}  {r.verdict}"
        )
    for s in skipped:
        lines.append(f"{s['backend']}: {s['reason']}")
    failed = [r for r in rows if not r.passed]
    lines.append(f"{len(rows) - len(failed)} passed, {len(failed)} failed" + (f" (seed {rows[0].seed})" if rows else ""))
    return "\n".join(lines)


def parser():
    main = argparse.ArgumentParser(prog="optbench", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    verify = commands.add_parser("verify", help="check every kernel against the NumPy reference")
    verify.add_argument("--rule", action="append", choices=rule_names(), help="repeatable; default: all")
    verify.add_argument("--backend", action="append", choices=("cpu", "cuda"), help="repeatable; default: all")
    verify.add_argument("--dtype", action="append", choices=("float32", "float64"), help="repeatable; default: both")
    verify.add_argument("--steps", type=_positive_int, default=100)
    verify.add_argument("--seed", type=int, default=None, help="default: fresh random inputs every run")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(run=_verify)
    return main


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    args = parser().parse_args(argv)
    return args.run(args)
