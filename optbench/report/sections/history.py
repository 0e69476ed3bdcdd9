"""History: the tracked figures of every benchmarked commit, from the committed asv results.

Reads `settings.ASV_RESULTS` (results/asv/, written by `python benchmarks/history.py`
and the gate; `optbench.perf.history`) and draws, per commit in the order of their
dates: each kernel's throughput (GB/s, from its ns per parameter and the bytes it moves)
and its fraction of the same-pattern bound measured beside it, the updates each rule
needs to close 99% of the gap on the cheap problems, and L-BFGS's and scipy's function
evaluations. The gate's measured noise and its proof on planted regressions
(results/asv/noise.json, planted.json) are shown when they are there. Nothing is
measured here: the figures are what asv recorded, on the machine it names.
"""

import json
import os

import numpy as np

from optbench.perf import history
from optbench.perf.bench import AVERAGE, elementwise_of
from optbench.perf.bound import bytes_per_parameter
from optbench.report import settings, style
from optbench.report.document import Failed

TITLE = "History: the tracked figures commit by commit"

plt = style.plt
DTYPE = "float32"
FORM = "fast"
THROUGHPUT = "throughput.TrackThroughput"
STEPS = "convergence.TrackStepsToTarget.track_steps_to_target"
NFEV = "convergence.TrackLBFGS.track_nfev"
FAILED = "verification.TrackVerification.track_failed_checks"


def quoted(*params):
    return ", ".join(repr(p) for p in params)


def over_bound(rule, form=FORM):
    return f"{THROUGHPUT}.track_time_over_bound({quoted(rule, 'cpu', form, DTYPE)})"


def ns_per_parameter(rule, form=FORM):
    return f"{THROUGHPUT}.track_ns_per_parameter({quoted(rule, 'cpu', form, DTYPE)})"


def steps(rule, problem):
    return f"{STEPS}({quoted(rule, problem)})"


def nfev(problem, solver):
    return f"{NFEV}({quoted(problem, solver)})"


def label(target):
    return "average" if target == AVERAGE else style.name(target)


def parameters(commits, benchmark):
    """The distinct parameter lists of `benchmark` over the commits, in first-seen order."""
    found = {}
    for commit in commits:
        for name in commit.figures:
            if name.startswith(benchmark + "("):
                found.setdefault(name[len(benchmark) + 1:-1], None)
    return list(found)


def targets(commits):
    """Rules (and the average) with a throughput figure, in the report's order."""
    present = {name.split("'")[1] for c in commits for name in c.figures if name.startswith(THROUGHPUT)}
    order = [*style.rules(), AVERAGE]
    return [t for t in order if t in present] + sorted(present - set(order))


def gb_per_s(rule, ns):
    try:
        moved = bytes_per_parameter(elementwise_of(rule, FORM), DTYPE)
    except (KeyError, ValueError):
        return None  # a rule this optbench no longer has
    return moved / ns


def build(section, budget, progress):
    commits = history.load(settings.ASV_RESULTS)
    if not commits:
        raise Failed(f"no asv results under {settings.ASV_RESULTS}: run python benchmarks/history.py")
    machine = commits[-1].machine
    record = history.machine_record(settings.ASV_RESULTS, machine)
    rules = targets(commits)
    section.text(
        f"{len(commits)} commits benchmarked by asv, from {commits[0].short} to {commits[-1].short}, on the machine "
        f"asv calls {machine!r} ({record.get('cpu', '?')}, {record.get('num_cpu', '?')} cores), each commit "
        "built and installed in one virtualenv whose packages are pinned in asv.conf.json. The figures are the "
        "selection of benchmarks/tracked.py, as asv recorded them, oriented bigger-is-worse; here throughput and "
        "the fraction of the bound are drawn the right way up. " + verification_sentence(commits)
        + failures_sentence(commits)
    )
    section.figure(speed_figure(commits, rules), "speed", speed_caption(commits, rules))
    section.figure(convergence_figure(commits), "convergence", convergence_caption(commits))
    noise = read_json(os.path.join(settings.ASV_RESULTS, "noise.json"))
    if noise:
        section.text(noise_sentence(noise))
        section.table(("kind of figure", "figures", "median cv", "largest spread", "where"),
                      [(kind, row["figures"], f"{row['median_cv']:.2%}", f"{row['largest_spread']:.3f}", row["at"])
                       for kind, row in sorted(noise["kinds"].items(), key=lambda item: -item[1]["largest_spread"])],
                      caption=f"Spread = max/min over {noise['repeats']} runs of commit {noise['commit'][:8]}; cv = "
                              "standard deviation over mean (benchmarks/noise.py).")
    planted = read_json(os.path.join(settings.ASV_RESULTS, "planted.json"))
    if planted:
        section.text(planted_sentence(planted))
        section.table(("variant", "target", "verification failed", "asv flagged", "target met"),
                      planted_rows(planted),
                      caption=f"{planted['repeats']} gate runs per variant on a scratch clone of commit "
                              f"{planted['commit'][:8]}, factor {planted['factor']} (benchmarks/planted.py).")


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def verification_sentence(commits):
    failing = [c for c in commits if any(v for name, v in c.figures.items() if name.startswith(FAILED))]
    checked = [c for c in commits if any(name.startswith(FAILED) for name in c.figures)]
    if not failing:
        return f"Every one of the {len(checked)} commits with verification figures passed every check on the cpu."
    return (f"{len(failing)} of {len(checked)} commits failed verification checks: "
            f"{', '.join(c.short for c in failing)}.")


def failures_sentence(commits):
    broken = [c for c in commits if c.failed]
    if not broken:
        return " No benchmark failed on any commit."
    return (f" On {len(broken)} commits asv recorded benchmarks that failed: "
            + "; ".join(f"{c.short} ({len(c.failed)})" for c in broken) + ".")


def axis_commits(ax, commits):
    every = max(1, len(commits) // 12)
    positions = list(range(0, len(commits), every))
    ax.set_xticks(positions, [commits[i].short[:7] for i in positions], rotation=60, fontsize="small")
    ax.set_xlabel("commit (oldest left)")


def speed_figure(commits, rules):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    index = {c.hash: i for i, c in enumerate(commits)}
    for rule in rules:
        color = style.color(rule) if rule in style.rules() else "0.3"
        rates = [(index[c.hash], gb_per_s(rule, v)) for c, v in with_exact_fallback(commits, ns_per_parameter, rule)]
        rates = [(i, v) for i, v in rates if v is not None]
        if rates:
            top.plot(*zip(*rates), marker=".", color=color, label=label(rule))
        fractions = [(index[c.hash], 1 / v) for c, v in with_exact_fallback(commits, over_bound, rule)]
        if fractions:
            bottom.plot(*zip(*fractions), marker=".", color=color, label=label(rule))
    top.set_ylabel("GB/s")
    axis_commits(top, commits)
    top.set_title(f"Throughput and fraction of the bound at n = 1e7, {DTYPE}, cpu, {FORM} form (exact before the forms)")
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    bottom.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    bottom.set_ylabel("fraction of the bound (1 = bound)")
    axis_commits(bottom, commits)
    fig.tight_layout()
    return fig


def with_exact_fallback(commits, name_of, rule):
    """The fast form's series, where a commit has it, else the exact form's (commits
    from before the two forms had only the exact form, which is the fast one for most rules)."""
    return [(c, c.figures.get(name_of(rule, FORM), c.figures.get(name_of(rule, "exact")))) for c in commits
            if name_of(rule, FORM) in c.figures or name_of(rule, "exact") in c.figures]


def speed_caption(commits, rules):
    first, last = commits[0], commits[-1]
    moves = []
    for rule in rules:
        series = [(c, 1 / v) for c, v in with_exact_fallback(commits, over_bound, rule)]
        if len(series) >= 2:
            moves.append((series[-1][1] / series[0][1], rule, series[0], series[-1]))
    text = ("Top: GB/s each kernel moves (its ns per parameter from the race, with the bytes its arrays take). "
            "Bottom: the bound's time over the kernel's, measured in the same race")
    if moves:
        ratio, rule, (c0, f0), (c1, f1) = max(moves, key=lambda m: abs(np.log(m[0])))
        text += (f". The largest move over the history is {label(rule)}'s, from {f0:.2f} of the bound at "
                 f"{c0.short} to {f1:.2f} at {c1.short}")
    return text + f" ({len(commits)} commits, {first.short} to {last.short})."


def convergence_figure(commits):
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    index = {c.hash: i for i, c in enumerate(commits)}
    markers = {"quadratic": "o", "rosenbrock": "s", "softmax": "^"}
    for params in parameters(commits, STEPS):
        rule, problem = (p.strip().strip("'") for p in params.split(","))
        points = [(index[c.hash], v) for c, v in history.series(commits, steps(rule, problem))]
        left.plot(*zip(*points), marker=markers.get(problem, "."), markersize=3, linestyle="-",
                  color=style.color(rule) if rule in style.rules() else "0.3", label=f"{label(rule)}, {problem}")
    left.set_yscale("log")
    left.set_ylabel("updates to 99% of the gap (2001: not within 2000)")
    left.set_title("Steps to target, default hyperparameters")
    left.legend(fontsize="x-small", ncol=2)
    axis_commits(left, commits)
    for params in parameters(commits, NFEV):
        problem, solver = (p.strip().strip("'") for p in params.split(","))
        points = [(index[c.hash], v) for c, v in history.series(commits, nfev(problem, solver))]
        right.plot(*zip(*points), marker=markers.get(problem, "."), markersize=3,
                   linestyle="-" if solver == "optbench" else ":", label=f"{solver}, {problem}")
    right.set_yscale("log")
    right.set_ylabel("function evaluations")
    right.set_title("L-BFGS (optbench) and L-BFGS-B (scipy)")
    right.legend(fontsize="x-small")
    axis_commits(right, commits)
    fig.tight_layout()
    return fig


def convergence_caption(commits):
    changed = []
    for benchmark in (STEPS, NFEV):
        for params in parameters(commits, benchmark):
            values = [v for _, v in history.series(commits, f"{benchmark}({params})")]
            distinct = len(set(values))
            if distinct > 1:
                changed.append((params.replace("'", ""), distinct, values[0], values[-1]))
    text = ("Left: updates each rule needs from the problem's seeded start, full batch. Right: function evaluations "
            "of both L-BFGS implementations from the same start. Both are seeded counts, the same at every run")
    if not changed:
        return text + "; none moved over the history."
    shown = "; ".join(f"{name}: {first:g} then {last:g}" for name, _, first, last in changed[:6])
    return text + f"; {len(changed)} of them moved over the history (first and last value: {shown})."


def noise_sentence(noise):
    kinds = noise["kinds"]
    steadiest = min(kinds, key=lambda k: kinds[k]["largest_spread"])
    noisiest = max(kinds, key=lambda k: kinds[k]["largest_spread"])
    return (f"The gate (python benchmarks/gate.py) holds the steadiest figures. Over {noise['repeats']} runs of "
            f"one commit, the noisiest kind is {noisiest} (spread up to {kinds[noisiest]['largest_spread']:.3f}) and "
            f"the steadiest {steadiest} ({kinds[steadiest]['largest_spread']:.3f}). Taking each ordered pair of "
            f"those runs as one asv continuous of unchanged code, the gate's factor {noise['factor']} is the smallest "
            f"at which at most {noise['single_bound']:.0%} of the pairs would have flagged a gated figure "
            f"({noise['false_flags']:.1%}) and at most {noise['confirmed_bound']:.0%} of the disjoint pairs of pairs "
            f"(a flag and the gate's confirming run) the same one ({noise['confirmed_false_flags']:.2%}); "
            f"the largest spread of a gated figure is {noise['largest_gated_spread']:.3f}.")


def planted_rows(planted):
    rows = []
    for plant in planted["plants"]:
        mine = [r for r in planted["records"] if r["variant"] == plant["name"]]
        rows.append((plant["name"], plant["target"], f"{sum(not r['correct'] for r in mine)}/{len(mine)}",
                     f"{sum(bool(r['slower']) for r in mine)}/{len(mine)}",
                     f"{sum(r['met'] for r in mine)}/{len(mine)}"))
    return rows


def planted_sentence(planted):
    met = planted["met"]
    return ("The gate was tried on planted regressions: "
            + ("every target was met." if all(met.values())
               else f"targets missed for {', '.join(k for k, v in met.items() if not v)}."))
