"""Verification: every kernel against the NumPy reference, rule × backend × form × dtype,
then every network block × backend × dtype × result.

`optbench.conformance.verify.verify_all` and `verify_blocks` (the tolerances are derived in
`optbench/verification/errors.py` and in each block's module), with the report's fixed
seed so that a rerun reproduces the tables.
"""

from optbench.report import settings
from optbench.report.document import Failed
from optbench.conformance.verify import GRADIENT_DECADES, verify_all, verify_blocks

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
    block_rows, _ = verify_blocks(seed=settings.VERIFY_SEED)
    failed_blocks = [r for r in block_rows if not r.passed]
    blocks = sorted({r.block for r in block_rows})
    section.text(
        f"The {len(blocks)} network blocks ({', '.join(blocks)}) run forward and backward on inputs from their own "
        "samples (activations over two decades of scale into saturation, batch norm's features over four decades "
        "of spread), beside their literal NumPy references; each result (out, every gradient, the running "
        "averages) is compared in ulps of its largest value, against a tolerance each block derives from its "
        "roundings and, where it sums, from the summation bound. "
        + (f"**{len(failed_blocks)} of {len(block_rows)} rows FAIL.**" if failed_blocks
           else f"All {len(block_rows)} rows pass.")
    )
    section.table(
        ("block", "implementation", "dtype", "shape", "result", "worst error (ulps)", "tolerance (ulps)", "verdict"),
        [(r.block, r.implementation, r.dtype, "×".join(map(str, r.shape)), r.output, f"{r.worst_ulps:.3g}",
          f"{r.tolerance_ulps:.3g}", "pass" if r.passed else "**FAIL**") for r in block_rows],
    )
    if failed or failed_blocks:
        raise Failed(f"{len(failed) + len(failed_blocks)} verification row(s) failed: "
                     + ", ".join([f"{r.rule}/{r.backend}/{r.form}/{r.dtype}" for r in failed]
                                 + [f"{r.block}/{r.implementation}/{r.dtype}/{r.output}" for r in failed_blocks]))


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
