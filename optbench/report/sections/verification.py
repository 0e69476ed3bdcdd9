"""Verification: every kernel against the NumPy reference, rule × backend × form × dtype.

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
        f"from the number of roundings per step (seed {settings.VERIFY_SEED}). Each rule is checked in both "
        "forms: the fast form within that tolerance, and the exact form on the cpu bit for bit (tolerance 0). "
        + (f"**{len(failed)} of {len(rows)} rows FAIL.**" if failed else f"All {len(rows)} rows pass.")
        + _exact_summary(rows)
    )
    section.table(
        ("rule", "backend", "form", "dtype", "steps", "size", "worst error (ulps)", "worst relative error",
         "tolerance (ulps)", "where", "verdict"),
        [(r.rule, r.backend, r.form, r.dtype, r.steps, r.size, f"{r.worst_ulps:.3g}", f"{r.worst_relative:.3g}",
          f"{r.tolerance_ulps:.0f}", r.where, "pass" if r.passed else "**FAIL**") for r in rows],
    )
    for s in skipped:
        section.note(f"backend {s['backend']} skipped: {s['reason']}")
    if failed:
        raise Failed(f"{len(failed)} verification row(s) failed: "
                             + ", ".join(f"{r.rule}/{r.backend}/{r.form}/{r.dtype}" for r in failed))


def _exact_summary(rows):
    """A sentence on the cpu's exact and fast rows, computed from them."""
    exact = [r for r in rows if r.backend == "cpu" and r.form == "exact"]
    fast = [r for r in rows if r.backend == "cpu" and r.form == "fast"]
    text = ""
    if exact:
        zero = sum(r.worst_ulps == 0 for r in exact)
        text += f" On the cpu, {zero} of {len(exact)} exact-form rows are at 0 ulps"
    if fast:
        worst = max(fast, key=lambda r: r.worst_ulps / r.tolerance_ulps if r.tolerance_ulps else 0)
        text += (f"; the fast form's worst row is {worst.rule} {worst.dtype}, {worst.worst_ulps:.3g} ulps against "
                 f"a tolerance of {worst.tolerance_ulps:.0f}")
    return text + "." if text else ""
