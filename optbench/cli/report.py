"""Run the standard suite and write report.md and a self-contained report.html.

Sections: convergence of every rule on every problem (with L-BFGS and scipy's L-BFGS-B
as references), trajectories on the 2-D problems, learning-rate schedules, babysitting
the two-layer net, evaluation tricks, the verification matrix, L-BFGS against scipy,
and kernel throughput. Figures go to OUT/figures/*.png and are embedded in the HTML.
OUT is out/report by default, outside what git tracks; the committed report in
results/ is rewritten only by asking for it: `optbench report --out results`.
A section that fails is marked failed in the report and the others are still written;
the exit code is then 1. The report says how long it took; --quick runs every section
on small budgets.
"""

import os
import sys

from optbench.cli.arguments import fail
from optbench.report import SECTIONS, ReportError, write_report

OUT = os.path.join("out", "report")


def add_arguments(parser):
    parser.add_argument("--out", default=OUT, help="folder for report.md, report.html, figures/ (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="small budgets, every section")
    parser.add_argument(
        "--section", action="append", choices=SECTIONS, metavar="NAME",
        help=f"repeatable; only these sections (default: all of {', '.join(SECTIONS)})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def run(args):
    from optbench.report.progress import Progress

    try:
        outcome = write_report(args.out, quick=args.quick, sections=args.section, progress=Progress(quiet=args.quiet))
    except ReportError as error:
        return fail("report", error)
    except OSError as error:
        return fail("report", f"could not write the report to {args.out!r}: {error}")
    figures = sum(len(s.figures) for s in outcome.sections)
    reports = " and ".join(p for p in outcome.paths if not p.endswith(".png"))
    print(f"wrote {reports}, with {figures} figure{'s' if figures != 1 else ''} in "
          f"{os.path.join(args.out, 'figures')}, in {outcome.seconds:.0f} s")
    for section in outcome.failed:
        print(f"optbench report: section {section.name!r} failed: {section.error}", file=sys.stderr)
    return 1 if outcome.failed else 0
