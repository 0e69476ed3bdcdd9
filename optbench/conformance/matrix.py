"""The conformance matrix: library x rule x implementation x dtype x scenario.

    rows = matrix(["torch", "optax"], rules=["adam"])
    print(format_matrix(rows))

Every implementation of a library (`adapters`) is checked with optbench's default
hyperparameters on every scenario; one reference run per rule, scenario and dtype
serves all of them. `seconds_by_library` says where the time went.
"""

import time

from optbench import config
from optbench.conformance.adapters import LIBRARIES, implementations
from optbench.conformance.harness import Harness
from optbench.conformance.scenarios import scenario_names
from optbench.optim import get_rule, rule_names


def matrix(libraries=LIBRARIES, rules=None, scenarios=None, dtypes=config.DTYPES, seed=0, timings=None):
    """Every row; `timings` (a dict, if given) gets {library: (total s, inside-library s)}."""
    harness = Harness(seed)
    rows = []
    for library in libraries:
        start = time.perf_counter()
        first = len(rows)
        for name in rules or rule_names():
            rule = get_rule(name)
            settings = rule.settings({})
            for implementation in implementations(library, rule.name):
                for dtype in dtypes:
                    for scenario in scenarios or scenario_names():
                        rows.append(harness.row(implementation, rule, scenario, dtype, settings))
        if timings is not None:
            timings[library] = (time.perf_counter() - start, sum(r.seconds for r in rows[first:]))
    return rows


def summary(rows):
    """[(implementation, setting, rule, dtype, verdict, departing scenarios, variants, reasons,
    rows)] per implementation, rule and dtype, the scenarios folded together."""
    groups = {}
    for r in rows:
        groups.setdefault((r.implementation, r.setting, r.rule, r.dtype), []).append(r)
    lines = []
    for (implementation, setting, rule, dtype), group in groups.items():
        verdicts = {r.verdict for r in group}
        verdict = next(v for v in ("error", "departs", "skipped", "conforms") if v in verdicts)
        departing = [r.scenario for r in group if r.verdict == "departs"]
        found = sorted({v for r in group for v in r.variants})
        unknown = any(r.verdict == "departs" and not r.variants for r in group)
        reasons = sorted({r.reason for r in group if r.reason})
        lines.append((implementation, setting, rule, dtype, verdict, departing,
                      found + (["unknown departure"] if unknown else []), "; ".join(reasons), len(group)))
    return lines


def format_matrix(rows, timings=None):
    header = f"{'implementation':<46}{'setting':<34}{'rule':<14}{'dtype':<9}verdict"
    lines = [header, "-" * len(header)]
    for implementation, setting, rule, dtype, verdict, departing, found, reason, count in summary(rows):
        text = verdict
        if verdict == "departs":
            text += f" on {len(departing)}/{count} ({', '.join(departing)}): {', '.join(found)}"
        elif reason:
            text += f": {reason}"
        lines.append(f"{implementation:<46}{setting or 'defaults':<34}{rule:<14}{dtype:<9}{text}")
    counts = {v: sum(r.verdict == v for r in rows) for v in ("conforms", "departs", "error", "skipped")}
    lines.append(", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(rows)} rows")
    for library, (total, inside) in (timings or {}).items():
        lines.append(f"{library}: {total:.1f} s, {inside:.1f} s of it inside {library}'s own make and step calls")
    return "\n".join(lines)
