"""The report: the standard suite run on the built-in problems, as Markdown and HTML.

    from optbench.report import write_report
    outcome = write_report("results", quick=True)      # results/report.md, report.html,
    outcome.failed                                     # results/figures/*.png

Each section is one module of `sections/` with a `TITLE` and
`build(section, budget, progress)`, which fills a `document.Section` with text, tables
and figures. A section that raises is reported as failed, with the reason, in its place;
the others are still run and written. Files are written only at the end, each through a
temporary name and a rename.

May import every package of optbench except `cli`; only `cli` imports it.
"""

import importlib
import sys
import time
import traceback
from dataclasses import dataclass, field

from optbench.perf import machine
from optbench.report import document
from optbench.report.progress import Progress
from optbench.report.settings import FULL, QUICK

SECTIONS = (
    "convergence",
    "trajectories",
    "schedules",
    "babysitting",
    "initialization",
    "search",
    "evaluation",
    "verification",
    "conformance",
    "lbfgs",
    "second_order",
    "throughput",
    "history",
)

TITLE = "optbench report"


@dataclass
class Outcome:
    sections: list
    paths: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self):
        return [s for s in self.sections if s.status != "ok"]


class ReportError(Exception):
    """The report cannot be written at all (for example, an unwritable folder)."""


def run_section(name, budget, progress, **options):
    """The filled `Section` for `name` (built with `options`, if any); on any exception, a
    failed one saying why."""
    section = document.Section(name, name)
    start = time.perf_counter()
    try:
        module = importlib.import_module(f"{__name__}.sections.{name}")
        section.title = module.TITLE
        module.build(section, budget, progress, **options)
    except document.Failed as verdict:
        section.status = "failed"
        section.error = str(verdict)
    except Exception as error:  # one section failing must not stop the others
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        section.status = "failed"
        section.error = f"{type(error).__name__}: {error}"
        if isinstance(error, ImportError):
            section.error += " (the report needs its extras: pip install 'optbench[report]')"
        section.blocks = [document.Code("".join(traceback.format_exception(error, limit=-6)))]
    section.seconds = time.perf_counter() - start
    return section


def write_report(out="results", quick=False, sections=None, budget=None, progress=None, compare=None):
    """Run `sections` (default: all) and write the report into the folder `out`.

    `budget` defaults to `settings.QUICK` or `settings.FULL`. `compare=(base, candidate)`,
    two commits with asv results, adds the section "comparison" last. Raises `ReportError`
    before any work if `out` cannot be written; returns an `Outcome`.
    """
    problem = document.check_writable(out)
    if problem:
        raise ReportError(problem)
    names = list(SECTIONS if sections is None else sections)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise ReportError(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    options = {}
    if compare is not None:
        names.append("comparison")
        options["comparison"] = dict(zip(("base", "candidate"), compare))
    budget = budget or (QUICK if quick else FULL)
    progress = progress or Progress()
    start = time.perf_counter()
    done = []
    with progress:
        for number, name in enumerate(names, 1):
            progress.print(f"[{number}/{len(names)}] {name}")
            section = run_section(name, budget, progress, **options.get(name, {}))
            if section.status == "ok":
                progress.print(f"[{number}/{len(names)}] {name}: done in {section.seconds:.1f} s")
            else:
                progress.print(f"[{number}/{len(names)}] {name}: FAILED after {section.seconds:.1f} s: {section.error}")
            for note in section.notes:
                progress.print(f"[{number}/{len(names)}] {name}: note: {note}")
            done.append(section)
    seconds = time.perf_counter() - start
    preamble = header(budget, done, seconds)
    paths = document.write(out, TITLE, preamble, done)
    return Outcome(done, paths, seconds)


def header(budget, sections, seconds):
    failed = [s.name for s in sections if s.status != "ok"]
    command = "optbench report" + (" --quick" if budget.name == "quick" else "")
    blocks = [
        document.Text(
            "The update rules of optbench side by side on the standard problems: how fast each "
            "closes the gap to the optimum, the paths they take, what schedules, babysitting and "
            "evaluation tricks change, what initialization and batch normalization do to a deep net, "
            "whether every kernel (rules and network blocks) matches its reference, what Newton, BFGS "
            "and L-BFGS reach beside scipy and what an iteration of each costs against n, and how close "
            "each kernel runs to the memory-bandwidth bound. "
            f"Made by `{command}` ({budget.name} budget) in {seconds:.0f} s; "
            + (f"**failed sections: {', '.join(failed)}**." if failed else "every section ran.")
        ),
        document.Text(
            "Every input is seeded. Rerun on the same machine and software, every number that is not "
            "a timing reproduces exactly. On another machine BLAS may round the digits problems' "
            "products differently, and the non-convex two-layer net amplifies that: its L-BFGS "
            "evaluations and ensemble accuracies can move. Timings are as measured, with the machine "
            "and its load below."
        ),
    ]
    section = document.Section("machine", "Machine")
    section.table(("machine", ""), machine.rows(machine.record()),
                  caption="The machine and software this report was made with.")
    return blocks + section.blocks
