"""The regression gate proven on planted regressions: does it catch a real slow-down, a
wrong kernel, and leave a harmless change alone, on this noisy machine?

    python benchmarks/planted.py                   10 repeats, then the detection table
    python benchmarks/planted.py --repeats 3 --keep

On a scratch clone of this repository's HEAD (committed work only), three throwaway
commits are made on top of it, each a text edit of one file:

slower
    Adam's update on the cpu makes one more pass over x after the kernel, `x *= 1`,
    which leaves every bit as it was (x * 1 is x, -0.0 and NaN included) and adds a read
    and a write of x, on one thread, to the kernel's 7 arrays of traffic: about 1.6x
    Adam's time over its bound in the gate's runs here (results/asv/planted.json).
wrong
    Adam's exact step takes epsilon inside the square root, the catalogue's
    `epsilon_inside_sqrt` (`optbench/verification/variants/`).
untouched
    A sentence added to the docstring of `optbench problems`, code that no figure measures.

Then `gate.gate(scratch, "main", variant)` (benchmarks/gate.py: `optbench verify` and
`optbench conform` on the variant as it installs, then `asv continuous` with the chosen
factor on the gated figures, and again on what it flagged, to confirm) runs on each
variant in turn, repeat after repeat. The
targets: slower flagged by asv in at least 9 of 10 repeats; wrong failed by verification
every time; untouched flagged by nothing in at least 9 of 10. Beside each verdict it
keeps the ratio asv measured for Adam's time over its bound (fast form, float32), from the
two commits' results. The table is printed and written with every verdict to
results/asv/planted.json; the exit status is 1 if a target is missed.
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import gate  # noqa: E402
from benchmarks.tracked import gate_factor  # noqa: E402

OUTPUT = os.path.join("results", "asv", "planted.json")
WATCHED = "throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32')"


@dataclasses.dataclass(frozen=True)
class Plant:
    name: str
    path: str
    old: str
    new: str
    target: str  # "flagged by asv", "failed by verification", "flagged by nothing"
    at_least: float  # the fraction of repeats that must meet the target


PLANTS = (
    Plant(
        "slower", "optbench/optim/optimizer.py",
        "            self._launch((x, dx, *arrays), scalars)\n",
        "            self._launch((x, dx, *arrays), scalars)\n"
        "            if self.rule.name == \"adam\" and isinstance(x, np.ndarray):\n"
        "                np.multiply(x, 1, out=x)  # planted: one more pass over x, every bit unchanged\n",
        "flagged by asv", 0.9,
    ),
    Plant(
        "wrong", "optbench/optim/rules/adam.py",
        "    x += -learning_rate * mb / (math.sqrt(vb) + epsilon)\n",
        "    x += -learning_rate * mb / math.sqrt(vb + epsilon)  # planted: epsilon_inside_sqrt\n",
        "failed by verification", 1.0,
    ),
    Plant(
        "untouched", "optbench/cli/problems.py",
        '"""List the standard problems with their size and optimum value f*.\n',
        '"""List the standard problems with their size and optimum value f*.\n\nPlanted: a sentence no figure measures.\n',
        "flagged by nothing", 0.9,
    ),
)


def git(*args, cwd):
    done = subprocess.run(["git", "-c", "user.name=optbench planted", "-c", "user.email=planted@optbench.invalid",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def plant(scratch, variant):
    """Branch `variant.name` off main with the variant's edit committed."""
    git("checkout", "-q", "-B", variant.name, "main", cwd=scratch)
    path = os.path.join(scratch, variant.path)
    with open(path) as f:
        text = f.read()
    if text.count(variant.old) != 1:
        raise RuntimeError(f"{variant.path}: the text to plant {variant.name} in is not there once; update PLANTS")
    with open(path, "w") as f:
        f.write(text.replace(variant.old, variant.new))
    git("commit", "-q", "-a", "-m", f"planted: {variant.name}", cwd=scratch)
    git("checkout", "-q", "main", cwd=scratch)


def scratch_clone(folder):
    scratch = os.path.join(folder, "repo")
    git("clone", "-q", "--no-hardlinks", ROOT, scratch, cwd=folder)
    git("checkout", "-q", "-B", "main", git("rev-parse", "HEAD", cwd=ROOT), cwd=scratch)
    shutil.rmtree(os.path.join(scratch, "results", "asv"), ignore_errors=True)  # the gate's results only
    for variant in PLANTS:
        plant(scratch, variant)
    return scratch


def watched_ratio(scratch, variant):
    """Adam's time over its bound on `variant` over main's, from the last gate run's results."""
    from optbench.perf.history import load

    by_hash = {c.hash: c for c in load(os.path.join(scratch, "results", "asv"))}
    base, candidate = (by_hash.get(git("rev-parse", ref, cwd=scratch)) for ref in ("main", variant))
    if base is None or candidate is None or WATCHED not in base.figures or WATCHED not in candidate.figures:
        return None
    return candidate.figures[WATCHED] / base.figures[WATCHED]


def outcome(variant, verdict):
    """What the gate did, in the target's words."""
    return {
        "flagged by asv": bool(verdict.slower),
        "failed by verification": not verdict.correct,
        "flagged by nothing": verdict.passed,
    }[variant.target]


def table(records, repeats):
    lines = [f"{'variant':<10}{'target':<24}{'verification failed':>21}{'asv flagged':>13}{'unconfirmed':>13}"
             f"{'met':>7}  {'needed':>7}  adam time/bound ratio (median, range)", "-" * 130]
    verdicts = {}
    for variant in PLANTS:
        rows = [r for r in records if r["variant"] == variant.name]
        met = sum(r["met"] for r in rows)
        ratios = sorted(r["ratio"] for r in rows if r["ratio"] is not None)
        spread = (f"{ratios[len(ratios) // 2]:.3f} ({ratios[0]:.3f}-{ratios[-1]:.3f})" if ratios else "not measured")
        needed = -int(-variant.at_least * repeats // 1)
        verdicts[variant.name] = met >= needed
        lines.append(f"{variant.name:<10}{variant.target:<24}{sum(not r['correct'] for r in rows):>18}/{len(rows):<2}"
                     f"{sum(bool(r['slower']) for r in rows):>10}/{len(rows):<2}"
                     f"{sum(bool(r['unconfirmed']) for r in rows):>10}/{len(rows):<2}{met:>5}/{len(rows):<2}{needed:>6}   "
                     f"{spread}")
    return "\n".join(lines), verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="gate runs per variant (default: %(default)s)")
    parser.add_argument("--factor", type=float, help="asv's factor (default: the one noise.py chose)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch clone and print where it is")
    parser.add_argument("--output", default=os.path.join(ROOT, OUTPUT), help="the JSON (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.exit(2, f"planted.py: --repeats must be at least 1, got {args.repeats}\n")
    factor = gate_factor() if args.factor is None else args.factor
    if not factor > 1:
        parser.exit(2, f"planted.py: --factor must be above 1, got {factor}\n")
    folder = tempfile.mkdtemp(prefix="optbench-planted-")
    started, records = time.time(), []
    try:
        scratch = scratch_clone(folder)
        for k in range(args.repeats):
            for variant in PLANTS:
                verdict = gate.gate(scratch, "main", variant.name, factor)
                record = {"repeat": k + 1, "variant": variant.name, "correct": verdict.correct,
                          "correctness_failures": verdict.correctness_failures, "slower": verdict.slower,
                          "flagged": verdict.flagged, "unconfirmed": verdict.unconfirmed,
                          "ratio": watched_ratio(scratch, variant.name) if verdict.correct else None}
                record["met"] = outcome(variant, verdict)
                records.append(record)
                print(f"repeat {k + 1} {variant.name}: correct={verdict.correct} slower={verdict.slower} "
                      f"ratio={record['ratio']} flagged={verdict.flagged} unconfirmed={verdict.unconfirmed} "
                      f"({time.time() - started:.0f} s)",
                      file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"scratch clone kept at {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    text, verdicts = table(records, args.repeats)
    print(text)
    print(f"factor {factor}; {args.repeats} repeats; {time.time() - started:.0f} s")
    document = {
        "commit": git("rev-parse", "HEAD", cwd=ROOT), "factor": factor, "repeats": args.repeats,
        "seconds": round(time.time() - started), "plants": [dataclasses.asdict(p) for p in PLANTS],
        "met": verdicts, "records": records,
    }
    from optbench.files import atomic_write

    atomic_write(args.output, json.dumps(document, indent=1) + "\n")
    print(f"written to {os.path.relpath(args.output, ROOT)}")
    missed = [name for name, met in verdicts.items() if not met]
    if missed:
        print(f"planted.py: target missed for {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
