"""Conformance of torch.optim, optax and Keras: every implementation of every rule beside
the literal reference on the scenarios that expose the known departures.

`optbench.conformance.matrix.matrix` over the peer libraries; for each departure found
(library, rule, setting and diagnosis), a figure of the error over the steps under the
scenario where it is largest against its tolerance, captioned from that row. Then the
network blocks of torch.nn.functional beside the blocks' references
(`optbench.conformance.block_matrix`), each departure named by the blocks' variants.
"""

import numpy as np

from optbench.conformance.adapters import PEERS
from optbench.conformance.block_matrix import block_matrix
from optbench.conformance.matrix import matrix, summary
from optbench.report import style

TITLE = "Conformance of torch.optim, optax and Keras"

plt = style.plt


def _ratio(row):
    return row.max_error_ulps / row.tolerance_ulps if row.tolerance_ulps else np.inf


def departures(rows):
    """{(library, implementation family, rule, setting, diagnosis): its departing rows}, torch's
    forloop, foreach and fused together as one family."""
    found = {}
    for r in rows:
        if r.verdict == "departs":
            family = r.implementation.split(" (")[0] if r.library == "torch" else r.implementation
            key = (r.library, family, r.rule, r.setting, " or ".join(r.variants) or "unknown departure")
            found.setdefault(key, []).append(r)
    return found


def caption(key, row, rows_of_key):
    library, family, rule, setting, diagnosis = key
    dtypes = sorted({r.dtype for r in rows_of_key})
    scenarios = sorted({r.scenario for r in rows_of_key})
    explained = (f"reproduced by the variant {diagnosis}" if diagnosis != "unknown departure"
                 else "no catalogued variant or pair reproduces it: an unknown departure")
    return (f"{family} ({setting or 'its defaults'}) computing {style.name(rule)} departs in {', '.join(dtypes)} "
            f"under {len(scenarios)} scenario(s) ({', '.join(scenarios)}); shown: {row.scenario} in {row.dtype}, "
            f"where the error passes the tolerance at step {row.first_step} and reaches "
            f"{row.max_error_ulps:.3g} ulps against {row.tolerance_ulps:.3g}; {explained}.")


def figure(row, key):
    comparison = row.comparison
    steps = np.arange(1, len(comparison.error_curve) + 1)
    fig, ax = plt.subplots(figsize=(5.2, 2.8))
    eps = float(np.finfo(row.dtype).eps)
    ax.plot(steps, np.maximum(comparison.error_curve / eps, 1e-3), marker="." if len(steps) < 5 else None,
            label=f"error ({comparison.where})")
    ax.plot(steps, comparison.tolerance_curve / eps, color="0.4", linestyle="--", label="derived tolerance")
    ax.set_yscale("log")
    ax.set_xlabel("update t")
    ax.set_ylabel("ulps of the largest value")
    ax.set_title(f"{key[1]}, {style.name(row.rule)}: {row.scenario}, {row.dtype}")
    ax.legend(loc="best")
    return fig


def build(section, budget, progress):
    task = progress.task(section.name, len(PEERS))
    timings = {}
    rows = []
    for library in PEERS:
        rows += matrix([library], scenarios=budget.conformance_scenarios, dtypes=budget.conformance_dtypes,
                       timings=timings)
        task.advance(library)
    task.finish("done")
    counts = {v: sum(r.verdict == v for r in rows) for v in ("conforms", "departs", "error", "skipped")}
    implementations = {(r.implementation, r.setting) for r in rows if r.verdict != "skipped"}
    found = departures(rows)
    section.text(
        f"{len(implementations)} implementations (with their library's defaults, and with the setting that makes "
        f"the library compute the lecture's rule where it has one) ran beside the literal NumPy reference on "
        f"{len(budget.conformance_scenarios)} scenarios in {', '.join(budget.conformance_dtypes)}: "
        f"{counts['conforms']} rows conform, {counts['departs']} depart, {counts['error']} broke the protocol and "
        f"{counts['skipped']} were skipped. The error is measured over the displacement x − x0, in ulps of its "
        f"largest value; the tolerance is derived from the roundings of each rule, the same for every library. "
        f"A departing row names every catalogued variant (or pair) that reproduces it within that tolerance: "
        f"{len(found)} distinct departures, "
        f"{sum(k[4] == 'unknown departure' for k in found)} of them unknown. Time: "
        + "; ".join(f"{library} {total:.1f} s, {inside:.1f} s of it in its own calls"
                    for library, (total, inside) in timings.items()) + "."
    )
    section.table(
        ("implementation", "setting", "rule", "dtype", "verdict", "departs on", "variants", "reason"),
        [(i, s or "defaults", style.name(r), d, v, ", ".join(dep), ", ".join(var), why)
         for i, s, r, d, v, dep, var, why, _ in summary(rows)],
    )
    for key, group in found.items():
        row = max(group, key=_ratio)  # shown: where the error is largest against its tolerance
        name = "-".join(part for part in (key[0], key[2], key[3], key[4]) if part)
        name = "".join(c if c.isalnum() else "-" for c in name)[:80]
        section.figure(figure(row, key), name, caption(key, row, group))

    blocks(section)


def blocks(section):
    """The table of torch.nn.functional's blocks and a sentence on their departures."""
    rows = block_matrix(["torch"])
    checked = [r for r in rows if not r.where.startswith("skipped")]
    departing = [r for r in checked if not r.passed]
    skipped = sorted({(r.block, r.where.removeprefix("skipped: ")) for r in rows if r.where.startswith("skipped")})
    text = (f"torch.nn.functional's blocks beside the literal references: {len(checked) - len(departing)} of "
            f"{len(checked)} results conform")
    if departing:
        text += "; " + "; ".join(
            f"{r.block} {r.output} in {r.dtype} departs by {r.worst_ulps:.3g} ulps against {r.tolerance_ulps:.3g}, "
            + (f"computing {' or '.join(r.matches)}" if r.matches else "an unknown departure") for r in departing)
    if skipped:
        text += ". Not compared: " + "; ".join(f"{block} ({why})" for block, why in skipped)
    section.text(text + ".")
    section.table(
        ("block", "dtype", "result", "worst error (ulps)", "tolerance (ulps)", "verdict", "variants"),
        [(r.block, r.dtype, r.output, f"{r.worst_ulps:.3g}", f"{r.tolerance_ulps:.3g}", r.verdict,
          ", ".join(r.matches)) for r in checked],
    )
