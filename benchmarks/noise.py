"""How much each kind of tracked figure moves between runs of the same commit on this
machine, and the gate's factor chosen from it.

    python benchmarks/noise.py                     10 runs of HEAD, then the table
    python benchmarks/noise.py --repeats 12 --commit main

Each repeat is a whole `asv run COMMIT^!` of the selection `tracked.HISTORY` plus the
absolute times `tracked.ABSOLUTE` (asv's own `time_update` at 1e7 float32), in the
pinned virtualenv of asv.conf.json, into a results folder of its own (the committed
history is not touched), one repeat after another, as the gate's two runs of
`asv continuous` are. For every figure, over the repeats:

    spread = max / min      the largest ratio that asv continuous could see between two
                            runs of that same code (every pair of repeats is one)
    cv = std / mean

and, per kind of figure, the median cv and the largest spread. The gate holds the
figures of `tracked.GATED`. Each ordered pair of repeats (i as the base, j as the
candidate) is one `asv continuous` of unchanged code, which flags the gated figures
that grew by more than the factor; the gate believes a flag only when a second
`asv continuous` flags the same figure again (`gate.speed`), which two disjoint pairs
of repeats (i, j) and (k, l) stand for. So, at a given factor:

    single rate     the fraction of the pairs that flag some gated figure
    confirmed rate  the fraction of the disjoint pairs of pairs that flag a figure in common:
                    the gate's false alarms on unchanged code

The factor is the smallest multiple of 0.05 at which the confirmed rate is at most
CONFIRMED_FALSE_FLAGS and the single rate at most SINGLE_FALSE_FLAGS (a confirming run
costs a minute; it should be needed in one gate of ten at most). The first comes from
the planted target, "flagged by nothing in at least 9 of 10": if each gate flags
unchanged code with probability p, at most 1 flag in 10 gates has probability
(1 - p)^10 + 10 p (1 - p)^9, which is 0.91 at p = 0.05 and only 0.74 at p = 0.1. A
single burst of load on this shared machine can put one figure of one run far out (the
largest spread), so the largest spread alone would make a factor no slow-down short of
it could pass. Everything goes to results/asv/noise.json, which `tracked.gate_factor()`
reads; `--from` chooses the factor again from the runs recorded in such a file, without
running anything.
"""

import argparse
import itertools
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.tracked import ABSOLUTE, GATED, HISTORY, NOISE, bench_arguments  # noqa: E402

KINDS = {  # benchmark name -> kind of figure
    "update.TimeUpdate.time_update": "absolute time (asv time_)",
    "throughput.TrackThroughput.track_time_over_bound": "time over the bound",
    "throughput.TrackThroughput.track_ns_per_parameter": "ns per parameter (in the race)",
    "convergence.TrackStepsToTarget.track_steps_to_target": "steps to target",
    "convergence.TrackLBFGS.track_nfev": "nfev",
    "verification.TrackVerification.track_failed_checks": "failed checks",
    "verification.TrackVerification.track_worst_ulps": "worst ulps",
}
STEP = 0.05
CONFIRMED_FALSE_FLAGS = 0.05  # the gate's false alarms: at most 1 in 10 gates, 9 times in 10 (the docstring's sum)
SINGLE_FALSE_FLAGS = 0.10  # one asv continuous's flags, which a second run must confirm


def asv_config(folder):
    """A copy of asv.conf.json whose results and html go under `folder`, every path absolute,
    sharing the repository's asv environments (built once)."""
    from asv.util import load_json

    conf = load_json(os.path.join(ROOT, "asv.conf.json"), js_comments=True)
    conf.update(repo=ROOT, benchmark_dir=os.path.join(ROOT, conf["benchmark_dir"]),
                env_dir=os.path.join(ROOT, conf["env_dir"]), results_dir=os.path.join(folder, "results"),
                html_dir=os.path.join(folder, "html"))
    path = os.path.join(folder, "asv.conf.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    return path


def figures(results_dir, commit):
    """{"name(params)": value} of `commit`'s results under `results_dir`."""
    from optbench.perf.history import load

    return {name: value for c in load(results_dir) if c.hash == commit for name, value in c.figures.items()}


def kind_of(figure):
    return KINDS.get(figure.split("(")[0], figure.split("(")[0])


def summary(repeats):
    """Per figure {values, spread, cv}; per kind {figures, median cv, largest spread, the figure}."""
    names = sorted(set.intersection(*(set(r) for r in repeats)))
    per_figure = {}
    for name in names:
        values = [r[name] for r in repeats]
        low, high, mean = min(values), max(values), statistics.fmean(values)
        per_figure[name] = {
            "values": values,
            "spread": 1.0 if high == low else (high / low if low > 0 else math.inf),
            "cv": statistics.pstdev(values) / mean if mean else 0.0,
        }
    per_kind = {}
    for name, figure in per_figure.items():
        kind = per_kind.setdefault(kind_of(name), {"figures": 0, "cvs": [], "largest_spread": 1.0, "at": name})
        kind["figures"] += 1
        kind["cvs"].append(figure["cv"])
        if figure["spread"] > kind["largest_spread"]:
            kind["largest_spread"], kind["at"] = figure["spread"], name
    for kind in per_kind.values():
        kind["median_cv"] = statistics.median(kind.pop("cvs"))
    return per_figure, per_kind


def gated(name):
    return any(re.search(pattern, name) for pattern in GATED)


def _gated_values(per_figure):
    values = [f["values"] for name, f in per_figure.items() if gated(name)]
    return values, len(values[0]) if values else 0


def flagged_by_pair(per_figure, factor):
    """{(i, j): the gated figures that grew by more than `factor` from repeat i (the base)
    to repeat j (the candidate)}, over every ordered pair of repeats."""
    values, repeats = _gated_values(per_figure)
    return {(i, j): frozenset(k for k, v in enumerate(values) if v[j] > factor * v[i])
            for i, j in itertools.permutations(range(repeats), 2)}


def rates(per_figure, factor):
    """(single rate, confirmed rate) at `factor`, from one `flagged_by_pair`.

    single: the fraction of ordered pairs of repeats (one `asv continuous` of the same
    code each) in which some gated figure grew by more than `factor`; confirmed: over
    pairs of ordered pairs with no repeat in common (a gate's first and confirming run),
    the fraction that flag a figure in common."""
    flagged = flagged_by_pair(per_figure, factor)
    if not flagged:
        return 0.0, 0.0
    single = sum(bool(f) for f in flagged.values()) / len(flagged)
    pairs = [(p, q) for p in flagged for q in flagged if not set(p) & set(q)]
    confirmed = sum(bool(flagged[p] & flagged[q]) for p, q in pairs) / len(pairs) if pairs else 0.0
    return single, confirmed


def false_flags(per_figure, factor):
    """The single rate of `rates`."""
    return rates(per_figure, factor)[0]


def confirmed_false_flags(per_figure, factor):
    """The confirmed rate of `rates`."""
    return rates(per_figure, factor)[1]


def chosen_factor(per_figure):
    """(factor, largest gated spread, single rate, confirmed rate): the smallest multiple of
    STEP at which both rates are within their bounds."""
    worst = max((f["spread"] for name, f in per_figure.items() if gated(name)), default=1.0)
    factor = round(1 + STEP, 2)
    while True:
        single, confirmed = rates(per_figure, factor)
        if single <= SINGLE_FALSE_FLAGS and confirmed <= CONFIRMED_FALSE_FLAGS:
            return factor, worst, single, confirmed
        factor = round(factor + STEP, 2)


def table(per_kind, factor, worst, repeats, rate, confirmed):
    lines = [f"{'kind of figure':<32}{'figures':>8}{'median cv':>11}{'largest spread':>16}  gated  largest at",
             "-" * 110]
    for kind, row in sorted(per_kind.items(), key=lambda item: -item[1]["largest_spread"]):
        lines.append(f"{kind:<32}{row['figures']:>8}{row['median_cv']:>11.2%}{row['largest_spread']:>16.3f}  "
                     f"{'yes' if gated(row['at']) else 'no':<5}  {row['at']}")
    lines.append(f"{repeats} repeats; spread = max/min over them; factor {factor}, at which {rate:.1%} of the pairs of "
                 f"repeats would have flagged a gated figure and {confirmed:.2%} of the disjoint pairs of pairs the same "
                 f"one (largest gated spread {worst:.3f})")
    return "\n".join(lines)


def measure(commit, repeats):
    """[{figure: value}] of `repeats` asv runs of `commit`."""
    found, started = [], time.time()
    with tempfile.TemporaryDirectory(prefix="optbench-noise-") as folder:
        config = asv_config(folder)
        command = [sys.executable, "-m", "asv", "--config", config, "run", "--show-stderr",
                   *bench_arguments((*HISTORY, ABSOLUTE)), f"{commit}^!"]
        for k in range(repeats):
            run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if run.returncode != 0 or "Traceback" in run.stdout + run.stderr:
                sys.exit(f"noise.py: asv run failed in repeat {k + 1}:\n{run.stdout}{run.stderr}")
            found.append(figures(os.path.join(folder, "results"), commit))
            print(f"repeat {k + 1}/{repeats}: {len(found[-1])} figures, {time.time() - started:.0f} s",
                  file=sys.stderr, flush=True)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="runs of the commit (default: %(default)s; at least 2)")
    parser.add_argument("--commit", default="HEAD", help="the commit measured (default: %(default)s)")
    parser.add_argument("--from", dest="source", metavar="JSON",
                        help="choose the factor again from the runs recorded in this noise file; run nothing")
    parser.add_argument("--output", default=os.path.join(ROOT, NOISE), help="the JSON (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.time()
    if args.source:
        try:
            with open(args.source) as f:
                previous = json.load(f)
            names = previous["figures"]
            repeats = [{name: figure["values"][k] for name, figure in names.items()} for k in range(previous["repeats"])]
        except (OSError, ValueError, KeyError, IndexError) as error:
            parser.exit(2, f"noise.py: --from {args.source}: not a noise file this script wrote ({error})\n")
        commit, seconds, command = previous["commit"], previous["seconds"], previous["command"]
    else:
        if args.repeats < 2:
            parser.exit(2, f"noise.py: --repeats must be at least 2, got {args.repeats}\n")
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.commit}^{{commit}}"], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            parser.exit(2, f"noise.py: {args.commit!r} is not a commit of {ROOT}\n")
        commit = done.stdout.strip()
        repeats = measure(commit, args.repeats)
        seconds = round(time.time() - started)
        command = " ".join(["python benchmarks/noise.py", *(argv if argv is not None else sys.argv[1:])])
    per_figure, per_kind = summary(repeats)
    factor, worst, rate, confirmed = chosen_factor(per_figure)
    print(table(per_kind, factor, worst, len(repeats), rate, confirmed))
    document = {
        "commit": commit, "repeats": len(repeats), "seconds": seconds, "command": command,
        "gated": list(GATED), "factor": factor, "false_flags": rate, "confirmed_false_flags": confirmed,
        "single_bound": SINGLE_FALSE_FLAGS, "confirmed_bound": CONFIRMED_FALSE_FLAGS,
        "largest_gated_spread": worst,
        "kinds": per_kind, "figures": per_figure,
    }
    from optbench.files import atomic_write

    atomic_write(args.output, json.dumps(document, indent=1) + "\n")
    print(f"written to {os.path.relpath(args.output, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
