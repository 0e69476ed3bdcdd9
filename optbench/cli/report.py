"""Run the standard suite and write report.md and a self-contained report.html.

Sections: convergence of every rule on every problem (with L-BFGS and scipy's L-BFGS-B
as references), trajectories on the 2-D problems, learning-rate schedules, babysitting
the two-layer net, evaluation tricks, the verification matrix, L-BFGS against scipy,
Newton and BFGS against scipy with their cost against n, and kernel throughput. Figures go to OUT/figures/*.png and are embedded in the HTML.
OUT is out/report by default, outside what git tracks; the committed report in
results/ is rewritten only by asking for it: `optbench report --out results`.
`--compare BASE[..CANDIDATE]` adds a section of what moved between two commits
(throughput, convergence, conformance), read from the committed asv results in
results/asv (CANDIDATE defaults to HEAD; both need results there: `python
benchmarks/history.py`, or the gate, records them); `--section comparison --compare ...`
gives that section alone.
A section that fails is marked failed in the report and the others are still written;
the exit code is then 1. The report says how long it took; --quick runs every section
on small budgets.
"""

import os
import subprocess
import sys

from optbench.cli.arguments import fail
from optbench.report import SECTIONS, ReportError, settings, write_report

OUT = os.path.join("out", "report")


def add_arguments(parser):
    parser.add_argument("--out", default=OUT, help="folder for report.md, report.html, figures/ (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="small budgets, every section")
    parser.add_argument(
        "--section", action="append", choices=(*SECTIONS, "comparison"), metavar="NAME",
        help=f"repeatable; only these sections (default: all of {', '.join(SECTIONS)})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--compare", metavar="BASE[..CANDIDATE]",
                        help="add what moved between two commits, from the asv results in "
                             f"{settings.ASV_RESULTS} (CANDIDATE: HEAD by default)")


def commit_of(ref):
    """The full hash git gives `ref`, or `ref` itself where git does not know it (a hash
    prefix of a commit with results, in a folder that is not a checkout)."""
    done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], capture_output=True,
                          text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ref


def comparison(text):
    """(base, candidate) of --compare, each a commit with results; a ValueError saying why not."""
    from optbench.perf import history

    base, _, candidate = text.partition("..")
    if not base:
        raise ValueError("--compare needs a base commit: --compare BASE[..CANDIDATE]")
    commits = history.load(settings.ASV_RESULTS)
    if not commits:
        raise ValueError(f"no asv results in {settings.ASV_RESULTS}: run python benchmarks/history.py first")
    found = []
    for ref in (base, candidate or "HEAD"):
        try:
            found.append(history.find(commits, commit_of(ref)).hash)
        except ValueError as error:
            raise ValueError(f"{ref}: {error}; record it with python benchmarks/history.py {ref}^!") from None
    return tuple(found)


def run(args):
    from optbench.report.progress import Progress

    compare = None
    sections = args.section
    if args.compare is not None:
        try:
            compare = comparison(args.compare)
        except ValueError as error:
            return fail("report", error)
        if sections is not None and "comparison" in sections:
            sections = [s for s in sections if s != "comparison"]
    elif sections is not None and "comparison" in sections:
        return fail("report", "the comparison section needs --compare BASE[..CANDIDATE]")
    try:
        outcome = write_report(args.out, quick=args.quick, sections=sections, progress=Progress(quiet=args.quiet),
                               compare=compare)
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
