"""Between two commits: what moved in throughput, convergence and conformance, read from
the committed asv results (`optbench report --compare BASE[..CANDIDATE]`).

Every figure both commits have in `settings.ASV_RESULTS` is compared as asv compares
them, candidate over base, bigger is worse. A figure has moved when the ratio leaves the
band that runs of one same commit stayed within: the figure's own spread measured by
`benchmarks/noise.py` (results/asv/noise.json) where it was measured, else the gate's
factor; a seeded count (updates to target, function evaluations, failed checks, worst
ulps) has moved when it changed at all. The section is in the report only when asked
for, since it needs two commits with results.
"""

import json
import math
import os

import numpy as np

from optbench.perf import history
from optbench.report import settings, style
from optbench.report.document import Failed

TITLE = "Between commits: what moved"

plt = style.plt
KINDS = (  # benchmark prefix -> the family a figure is shown in
    ("throughput.", "throughput"),
    ("update.", "throughput"),
    ("blocks.", "throughput"),
    ("memory.", "memory"),
    ("compile_time.", "compile time"),
    ("flat.", "throughput"),
    ("convergence.", "convergence"),
    ("verification.", "conformance"),
    ("conformance.", "conformance"),
)
COUNTS = ("track_steps_to_target", "track_nfev", "track_failed_checks", "track_worst_ulps")


def family(name):
    return next((kind for prefix, kind in KINDS if name.startswith(prefix)), "other")


def is_count(name):
    return name.split("(")[0].rsplit(".", 1)[-1] in COUNTS


def noise_band(results_dir):
    """(factor, {figure: spread}) from noise.json, or (None, {}) where it was not measured."""
    try:
        with open(os.path.join(results_dir, "noise.json")) as f:
            noise = json.load(f)
    except FileNotFoundError:
        return None, {}
    return noise["factor"], {name: figure["spread"] for name, figure in noise["figures"].items()}


def compare(base, candidate, factor, spreads):
    """[(name, family, before, after, ratio, verdict)] for every figure both commits have;
    verdict "worse", "better" or "" (within the band)."""
    rows = []
    for name in sorted(set(base.figures) & set(candidate.figures)):
        before, after = base.figures[name], candidate.figures[name]
        if before == after:
            ratio = 1.0
        elif before == 0:
            ratio = math.inf
        else:
            ratio = after / before
        band = 1.0 if is_count(name) else spreads.get(name, factor or 1.0)
        verdict = "worse" if ratio > band else "better" if ratio < 1 / band else ""
        rows.append((name, family(name), before, after, ratio, verdict))
    return rows


def build(section, budget, progress, base=None, candidate=None):
    commits = history.load(settings.ASV_RESULTS)
    if base is None or candidate is None:
        raise Failed("the comparison needs two commits: optbench report --compare BASE[..CANDIDATE]")
    before, after = history.find(commits, base), history.find(commits, candidate)
    factor, spreads = noise_band(settings.ASV_RESULTS)
    rows = compare(before, after, factor, spreads)
    if not rows:
        raise Failed(f"commits {before.short} and {after.short} have no figure in common in {settings.ASV_RESULTS}")
    moved = [r for r in rows if r[5]]
    worse = [r for r in moved if r[5] == "worse"]
    families = sorted({r[1] for r in rows})
    section.text(
        f"Commit {after.short} against {before.short}: {len(rows)} figures in common ({', '.join(families)}), "
        + (f"{len(moved)} moved beyond the spread of repeated runs of one commit, {len(worse)} of them for the worse."
           if moved else "none moved beyond the spread of repeated runs of one commit.")
        + " Ratio: candidate over base, bigger is worse, as asv reads every figure. Band: the figure's own spread "
        f"over the runs of benchmarks/noise.py, else the gate's factor ({factor if factor else 'not measured'}); "
        "seeded counts move when they change at all."
    )
    section.figure(ratio_figure(rows, before, after, factor), "ratios", ratio_caption(rows))
    shown = moved or rows
    section.table(
        ("figure", "family", f"{before.short}", f"{after.short}", "ratio", "moved"),
        [(name, kind, f"{b:.4g}", f"{a:.4g}", "inf" if math.isinf(q) else f"{q:.3f}", verdict or "")
         for name, kind, b, a, q, verdict in sorted(shown, key=lambda r: -abs(math.log(r[4])) if r[4] > 0 and
                                                     not math.isinf(r[4]) else -1e9)],
        caption=("The figures that moved" if moved else "Every figure in common; none moved")
        + f", {len(shown)} rows, the largest moves first.",
    )
    broken = sorted(set(after.failed) - set(before.failed))
    if broken:
        section.text(f"**{len(broken)} benchmarks fail on {after.short} that ran on {before.short}:** "
                     + ", ".join(broken[:20]) + ".")


def ratio_figure(rows, before, after, factor):
    kinds = sorted({r[1] for r in rows})
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds) + 1, 4.8), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        mine = [r for r in rows if r[1] == kind and r[4] > 0 and not math.isinf(r[4])]
        ratios = np.array([r[4] for r in mine])
        colors = ["tab:red" if r[5] == "worse" else "tab:green" if r[5] == "better" else "0.6" for r in mine]
        ax.scatter(np.arange(len(mine)), ratios, c=colors, s=14)
        if factor:
            ax.axhspan(1 / factor, factor, color="0.9", zorder=0, label=f"gate's factor {factor}")
            ax.legend(fontsize="small", loc="upper left")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_xlabel(f"{kind} figures ({len(mine)})")
        ax.set_ylabel(f"{after.short} / {before.short} (log)")
        ax.set_title(kind)
    fig.suptitle(f"Every figure of {after.short} over {before.short}: red worse, green better, grey within the band")
    fig.tight_layout()
    return fig


def ratio_caption(rows):
    finite = [r for r in rows if 0 < r[4] < math.inf]
    if not finite:
        return "Ratios of the figures in common."
    worst = max(finite, key=lambda r: r[4])
    best = min(finite, key=lambda r: r[4])
    return (f"Each dot one figure, candidate over base. The largest ratio is {worst[4]:.3f} ({worst[0]}), the "
            f"smallest {best[4]:.3f} ({best[0]}).")
