"""Benchmark the project's history: every commit since the benchmarks exist that has no
results yet in results/asv/, with the selection `tracked.HISTORY`.

    python benchmarks/history.py               every commit from FIRST to main not yet measured
    python benchmarks/history.py A..B          a range of its own (git's syntax)
    python benchmarks/history.py --dry-run     print the asv command only

asv builds each commit in the pinned virtualenv of asv.conf.json and appends its results
to results/asv/<machine>/, one file a commit, which are committed so that the history
grows commit by commit; `asv publish` then draws them, and so does the report's History
section. A commit that cannot be built or benchmarked is recorded by asv as failed and
is listed by `optbench report`'s History section, not retried (--skip-existing-commits).
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.tracked import HISTORY, bench_arguments  # noqa: E402

FIRST = "1185d94"  # the commit that added benchmarks/


def command(commits, python=sys.executable):
    return [python, "-m", "asv", "run", "--skip-existing-commits", "--show-stderr", *bench_arguments(HISTORY), commits]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("range", nargs="?", default=f"{FIRST}^..main", help="commits, in git's syntax (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print the asv command and stop")
    args = parser.parse_args(argv)
    cmd = command(args.range)
    print(" ".join(cmd), flush=True)
    if args.dry_run:
        return 0
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
