"""The regression gate a contributor runs before a merge: correctness first, then speed.

    python benchmarks/gate.py                  main against the commit checked out (HEAD)
    python benchmarks/gate.py BASE CANDIDATE   any two commits

1. Correctness of CANDIDATE as it installs: its wheel is built from a clean checkout of
   the commit (a temporary git worktree) and installed into a folder of its own
   (.asv/gate/<hash>/, kept for the next run), and
   `optbench verify --backend cpu` (every rule, form, dtype and block against the
   reference) and `optbench conform --library optbench` (every conformance scenario of
   optbench's own backends) run on it. Either failing fails the gate, and the speed of
   a wrong kernel is not measured.
2. Speed and convergence: `asv continuous BASE CANDIDATE --factor FACTOR` on the figures
   of `tracked.GATED` (each kernel's time over its same-pattern bound, the updates to
   target and L-BFGS's function evaluations, the failed verification checks), both
   commits built in asv.conf.json's pinned virtualenv. asv flags a figure that grew by
   more than FACTOR; FACTOR comes from the run-to-run spread that `benchmarks/noise.py`
   measured on this machine (results/asv/noise.json).
3. A flag is confirmed: `asv continuous` runs again on the flagged figures alone, and
   only a figure flagged both times fails the gate. A burst of load on a shared machine
   moves one figure in one run; a real slow-down moves it in both. If one run flags a
   given figure of unchanged code with probability p, both do with about p^2, while a
   slow-down well beyond the factor stays flagged (noise.py estimates the confirmed
   rate from its repeats).

Exit status 0 when both pass, 1 when either fails, 2 on bad usage. `gate()` returns the
verdict and what was flagged, for `benchmarks/planted.py`.
"""

import argparse
import dataclasses
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.tracked import GATED, bench_arguments, gate_factor  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORRECTNESS = (("verify", "--backend", "cpu"), ("conform", "--library", "optbench"))


@dataclasses.dataclass
class Verdict:
    correct: bool
    correctness_failures: list  # the optbench commands that failed
    slower: bool | None  # None: not measured (the candidate was not correct)
    flagged: list  # asv's rows marked worse in both runs: "benchmark(params) ratio" (the second run's ratio)
    output: str = ""
    unconfirmed: list = dataclasses.field(default_factory=list)  # rows the first run marked and the second did not

    @property
    def passed(self):
        return self.correct and self.slower is False


def run(command, cwd, env=None, timeout=None):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def installed_copy(repo, commit):
    """`commit` as it installs: its wheel built from a clean checkout (a temporary git
    worktree) and installed without dependencies into `.asv/gate/<hash>/` (git-ignored),
    which is returned. Kept and reused, so that Numba's caches of that copy stay valid
    (a fresh copy recompiles every kernel: two minutes here)."""
    sha = run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], repo).stdout.strip()
    site = os.path.join(repo, ".asv", "gate", sha)
    if os.path.isdir(site):
        return site
    with tempfile.TemporaryDirectory(prefix="optbench-gate-") as folder:
        source, wheels, staged = (os.path.join(folder, name) for name in ("source", "wheels", "site"))
        try:
            steps = (
                ["git", "worktree", "add", "--detach", source, sha],
                [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheels, source],
            )
            for command in steps:
                done = run(command, repo)
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
            wheel = glob.glob(os.path.join(wheels, "*.whl"))
            done = run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", staged, *wheel], folder)
            if done.returncode != 0:
                raise RuntimeError(f"installing {wheel} failed:\n{done.stdout}{done.stderr}")
        finally:
            run(["git", "worktree", "remove", "--force", source], repo)
        os.makedirs(os.path.dirname(site), exist_ok=True)
        os.rename(staged, site)  # whole or not at all
    return site


def correctness(repo, commit, env=None):
    """[(command, passed, output)] for each of CORRECTNESS, on `commit` as it installs."""
    site = installed_copy(repo, commit)
    env = {**(env or os.environ), "PYTHONPATH": site}
    checks = []
    with tempfile.TemporaryDirectory(prefix="optbench-gate-") as folder:  # a cwd without optbench/ in it
        for arguments in CORRECTNESS:
            done = run([sys.executable, "-m", "optbench", *arguments], cwd=folder, env=env)
            checks.append((" ".join(["optbench", *arguments]), done.returncode == 0, done.stdout + done.stderr))
    return checks


def flagged_rows(output):
    """asv compare's rows marked worse ('+': slower by more than the factor; '!': newly failing)."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in ("+", "!"):
            rows.append(f"{cells[4]} {cells[3]}")
    return rows


def flagged_name(row):
    """The benchmark(params) of a `flagged_rows` row."""
    return row.rsplit(" ", 1)[0]


def speed(repo, base, candidate, factor, env=None, patterns=GATED):
    """(flagged rows, unconfirmed rows, asv's output): `asv continuous` on the figures
    `patterns` select, then again on those it flagged, each selected by its exact name."""
    flagged, output = continuous(repo, base, candidate, factor, env, patterns)
    if not flagged:
        return [], [], output
    names = [flagged_name(row) for row in flagged]
    again, second = continuous(repo, base, candidate, factor, env, [f"^{re.escape(name)}$" for name in names])
    confirmed = {flagged_name(row) for row in again}
    unconfirmed = [row for row in flagged if flagged_name(row) not in confirmed]
    return [row for row in again if flagged_name(row) in names], unconfirmed, output + "\nconfirming:\n" + second


def continuous(repo, base, candidate, factor, env, patterns):
    """(flagged rows, asv's output) of one `asv continuous` on the figures `patterns` select."""
    command = [sys.executable, "-m", "asv", "continuous", base, candidate, "--factor", str(factor),
               "--show-stderr", *bench_arguments(patterns)]
    done = run(command, repo, env={**(env or os.environ), "COLUMNS": "250"})
    output = done.stdout + done.stderr
    if "Traceback" in output or ("PERFORMANCE DECREASED" not in output and done.returncode != 0):
        raise RuntimeError(f"asv continuous did not complete:\n{output}")
    return flagged_rows(output) if "PERFORMANCE DECREASED" in output else [], output


def gate(repo=ROOT, base="main", candidate="HEAD", factor=None, env=None, patterns=GATED):
    """The Verdict on `candidate` against `base` (`patterns`: the asv selection, GATED)."""
    factor = factor or gate_factor()
    checks = correctness(repo, candidate, env)
    failures = [command for command, passed, _ in checks if not passed]
    output = "\n".join(out for _, _, out in checks)
    if failures:
        return Verdict(False, failures, None, [], output)
    flagged, unconfirmed, asv_output = speed(repo, base, candidate, factor, env, patterns)
    return Verdict(True, [], bool(flagged), flagged, output + asv_output, unconfirmed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="main", help="the commit compared against (default: %(default)s)")
    parser.add_argument("candidate", nargs="?", default="HEAD", help="the commit under test (default: %(default)s)")
    parser.add_argument("--factor", type=float,
                        help="asv's factor: a figure is flagged when it grew by more (default: the factor "
                             "benchmarks/noise.py chose, results/asv/noise.json)")
    args = parser.parse_args(argv)
    if args.factor is not None and not args.factor > 1:
        parser.exit(2, f"gate.py: --factor must be above 1, got {args.factor}\n")
    for name in (args.base, args.candidate):
        if run(["git", "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], ROOT).returncode != 0:
            parser.exit(2, f"gate.py: {name!r} is not a commit of {ROOT}\n")
    if args.factor is None:
        args.factor = gate_factor()
    verdict = gate(ROOT, args.base, args.candidate, args.factor)
    print(verdict.output)
    for command in CORRECTNESS:
        name = " ".join(["optbench", *command])
        print(f"{name}: {'FAILED' if name in verdict.correctness_failures else 'passed'}")
    if verdict.slower is None:
        print("asv continuous: not run, since the candidate is not correct")
    else:
        print(f"asv continuous --factor {args.factor}: {'FLAGGED' if verdict.slower else 'nothing flagged'}")
        for row in verdict.flagged:
            print(f"  {row}")
        for row in verdict.unconfirmed:
            print(f"  not confirmed by the second run: {row}")
    print("gate: " + ("passed" if verdict.passed else "FAILED"))
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
