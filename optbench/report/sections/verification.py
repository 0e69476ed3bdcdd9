"""Verification: every kernel against the NumPy reference, rule × backend × dtype.

`optbench.conformance.verify.verify_all` (the tolerance is derived in `optbench/verification/errors.py`),
with the report's fixed seed so that a rerun reproduces the table.
"""

from optbench.report import settings
from optbench.report.document import Failed
from optbench.conformance.verify import GRADIENT_DECADES, verify_all

TITLE = "Verification: kernels against the reference"


def build(section, budget, progress):
    task = progress.task(section.name, 1, "verify_all")
    rows, skipped = verify_all(steps=budget.verification_steps, seed=settings.VERIFY_SEED)
    task.finish("done")
    failed = [r for r in rows if not r.passed]
    low, high = GRADIENT_DECADES
    section.text(
        f"Each kernel runs {budget.verification_steps} updates beside the NumPy reference from the same start, "
        "with a fresh gradient at every step whose elements keep their own scale, drawn from "
        f"10^{low} .. 10^{high} ({high - low} decades); after "
        "every step x and every state array are compared. Error: max|kernel − reference| / max|reference| "
        "in units of the dtype's machine epsilon (\"ulps of the largest value\"); the tolerance is derived "
        f"from the number of roundings per step (seed {settings.VERIFY_SEED}). "
        + (f"**{len(failed)} of {len(rows)} rows FAIL.**" if failed else f"All {len(rows)} rows pass.")
    )
    section.table(
        ("rule", "backend", "dtype", "steps", "size", "worst error (ulps)", "worst relative error",
         "tolerance (ulps)", "where", "verdict"),
        [(r.rule, r.backend, r.dtype, r.steps, r.size, f"{r.worst_ulps:.3g}", f"{r.worst_relative:.3g}",
          f"{r.tolerance_ulps:.0f}", r.where, "pass" if r.passed else "**FAIL**") for r in rows],
    )
    for s in skipped:
        section.note(f"backend {s['backend']} skipped: {s['reason']}")
    if failed:
        raise Failed(f"{len(failed)} verification row(s) failed: "
                             + ", ".join(f"{r.rule}/{r.backend}/{r.dtype}" for r in failed))
