"""The GPU run in one call: optbench's cuda kernels verified at real sizes, then every
rule measured on the device beside its same-pattern bound, the device's own copy and
torch's CUDA optimizers, into one JSON and a short table.

    bash benchmarks/gpu/run.sh [--out DIR] [--n 2^20 ...] [--rounds R] [--verify N:STEPS ...]

`run.sh` installs optbench and then runs this module from the repository root
(`python3 -m benchmarks.gpu.run`, the same options); where optbench is installed it can
run alone. Within `--budget` seconds of the script's start (default 480, 8 minutes):

verify
    `optbench verify --backend cuda --json --n N --steps STEPS` for each `--verify N:STEPS`,
    each in a process of its own with a time limit out of the budget. Default: 1000:100
    (the command's own size and steps), then 2^20:5, past one grid of
    `config.CUDA_MAX_BLOCKS * config.CUDA_THREADS_PER_BLOCK` = 2^18 threads, so that
    every thread goes round the grid-stride loop four times.
sweep
    every target (`bench.targets()`: every registered rule and the parameter average) in
    float32 at each `--n` (default 2^20, 2^22, ..., 2^28), smallest first, each case
    `bench.measure(target, "cuda", n, "float32", peers=("torch",))`: both forms raced
    in turn, round after round, beside the same-pattern bound, the device-to-device copy
    of `optbench.perf.memory` and torch.optim's forloop, foreach and fused steps on the
    device where torch has CUDA; the median of `--rounds` samples of each is kept. A
    case that the time left cannot hold (its predicted time: the last case's, scaled
    by the size) is listed as not measured.
output
    `gpu.json` in `--out` (default results/gpu/), rewritten atomically after every step
    so that a run cut short leaves what it measured, and `gpu.txt`, the table, which is
    also printed.

Each row's figures, per form (an update moves `bytes` = itemsize * (arrays read +
arrays written) per parameter, 28 for Adam in float32; a copy moves 2 * itemsize):

    GB/s       = n * bytes / kernel seconds
    of bound   = bound seconds / kernel seconds     the same-pattern kernel's speed = 1
    copy GB/s  = n * 2 * itemsize / copy seconds    the device's copy, from the same race
    of copy    = GB/s / copy GB/s
    x fused    = torch fused seconds / kernel seconds    > 1: optbench faster

Below about 2^22 elements float32 a kernel's data fit in an H200's 50 MB of L2 cache and
a call lasts a few microseconds, so these sizes measure launch costs and the cache
rather than HBM.

`--simulator` runs all of it on Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1, which
run.sh sets for it) at tiny sizes, to test the run without a GPU; the JSON then says
`"simulator": true` at the top and in every row, and no figure in it is a measurement of
any GPU. Without it the simulator is refused, as `optbench bench` refuses to time it.

Exit status: 0 every verification passed and every case was measured; 1 a verification
failed (or ran out of time) or a case was not measured, with the JSON and the table
written all the same; 2 nothing was run: bad arguments, an output folder that cannot be
written, no CUDA GPU (or the simulator without `--simulator`); 3 (run.sh) optbench could
not be installed, or what it needs does not import.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numba

from optbench.cli.arguments import Parser, positive_float, positive_int, size
from optbench.files import atomic_write, writable
from optbench.kernels import unavailable
from optbench.perf import bench, machine
from optbench.perf.peers import torch_on, torch_or_none

PROG = "benchmarks/gpu/run.sh"
ROOT = Path(__file__).resolve().parents[2]
OUT = os.path.join("results", "gpu")
DTYPE = "float32"
SIZES = tuple(1 << k for k in range(20, 29, 2))
VERIFY = ((1000, 100), (1 << 20, 5))
ROUNDS, MIN_TIME = 7, 0.025
SIMULATOR_SIZES = (1 << 4, 1 << 5, 1 << 6)
SIMULATOR_VERIFY = ((16, 2),)
SIMULATOR_ROUNDS, SIMULATOR_MIN_TIME = 1, 1e-4
BUDGET = 480.0
VERIFY_SHARE = 0.4  # of the time left, the most one verify pass may take
RESERVE = 5.0  # seconds kept for writing the files at the end
NOT_A_GPU = ("Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1, --simulator): a Python thread per GPU thread; "
             "no figure here is a measurement of any GPU")


def verify_pass(text):
    """N:STEPS, such as 2^20:10, as (n, steps); "none" for no verification (None)."""
    if text.strip().lower() == "none":
        return None
    n, sep, steps = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected N:STEPS such as 2^20:10, or none, got {text!r}")
    return size(n), positive_int(steps)


def parser():
    result = Parser(prog=PROG, description=__doc__)
    result.add_argument("--out", default=OUT, help="folder for gpu.json and gpu.txt (default: %(default)s)")
    result.add_argument("--n", action="append", type=size,
                        help="size, e.g. 2^24; repeatable (default: 2^20 2^22 2^24 2^26 2^28; "
                             "with --simulator 2^4 2^5 2^6)")
    result.add_argument("--rule", action="append", choices=bench.targets(), help="repeatable; default: all")
    result.add_argument("--rounds", type=positive_int,
                        help=f"samples of each candidate, interleaved; the median is kept (default: {ROUNDS}; with "
                             f"--simulator {SIMULATOR_ROUNDS})")
    result.add_argument("--min-time", type=positive_float,
                        help=f"seconds per sample at least (default: {MIN_TIME}; with --simulator "
                             f"{SIMULATOR_MIN_TIME})")
    result.add_argument("--verify", action="append", type=verify_pass, metavar="N:STEPS",
                        help="one `optbench verify --backend cuda --n N --steps STEPS`; repeatable; none for no "
                             "verification (default: 1000:100 2^20:5; with --simulator 16:2)")
    result.add_argument("--budget", type=positive_float, default=BUDGET,
                        help="seconds from the script's start for all of it (default: %(default)s)")
    result.add_argument("--simulator", action="store_true",
                        help="run on Numba's CUDA simulator (a test of the run, not a measurement)")
    result.add_argument("--no-install", action="store_true", help="run.sh: use the optbench already installed")
    result.add_argument("--check", action="store_true", help="check the arguments only (run.sh, before installing)")
    result.add_argument("--started", type=float, help=argparse.SUPPRESS)  # run.sh's start, seconds since the epoch
    result.add_argument("--install", default="", help=argparse.SUPPRESS)  # what run.sh did to install
    return result


def refusal(args):
    """Why this run cannot start, as one line, or None. Creates the output folder."""
    passes = args.verify or ()
    if None in passes and len(passes) > 1:
        return "--verify none leaves no room for other --verify passes"
    simulated = bool(numba.config.ENABLE_CUDASIM)
    if args.simulator and not simulated:
        return "--simulator needs NUMBA_ENABLE_CUDASIM=1 in the environment (run.sh sets it for --simulator)"
    if not args.simulator:
        reason = bench.untimed("cuda")
        if reason:
            return (f"no GPU to measure: {reason}" + ("; --simulator runs anyway, measuring nothing" if simulated
                                                      else ""))
    elif unavailable("cuda"):
        return f"the cuda backend cannot run here: {unavailable('cuda')}"
    reason = writable(args.out)
    if reason:
        return f"--out {args.out}: cannot write there: {reason}"
    return None


def settle(args):
    """Fill in the defaults (the simulator's where it runs): sizes, smallest first, the
    targets, the verify passes, rounds and seconds per sample."""
    simulated = args.simulator
    args.n = sorted(set(args.n or (SIMULATOR_SIZES if simulated else SIZES)))
    args.rule = list(dict.fromkeys(args.rule or bench.targets()))
    args.verify = [p for p in args.verify or (SIMULATOR_VERIFY if simulated else VERIFY) if p]
    args.rounds = args.rounds or (SIMULATOR_ROUNDS if simulated else ROUNDS)
    args.min_time = args.min_time or (SIMULATOR_MIN_TIME if simulated else MIN_TIME)
    return args


def describe_imports():
    """One line: where optbench and its references come from, and the CUDA libraries found."""
    import optbench
    import optbench.reference

    torch = torch_or_none()
    if torch is None:
        peers = "torch not installed (no torch columns)"
    elif torch_on("cuda") is None:
        peers = f"torch {torch.__version__} without a CUDA device (no torch columns)"
    else:
        peers = f"torch {torch.__version__} (CUDA {torch.version.cuda}) on the device"
    cuda = machine.version("numba-cuda")
    cuda = f"numba-cuda {cuda}" if cuda else "numba-cuda not installed (numba's own CUDA target)"
    references = Path(optbench.reference.__file__).parent
    elsewhere = "" if references == ROOT / "reference" else " (NOT this tree's reference/: a stale install?)"
    return (f"optbench from {Path(optbench.__file__).parent}, its references from {references}{elsewhere}; "
            f"numba {numba.__version__}, {cuda}; {peers}")


# ---------------------------------------------------------------------------------------
# verify


def verify(n, steps, timeout):
    """One `optbench verify --backend cuda` at size n, in a process of its own: a dict with
    its command, exit status, seconds, rows and verdict."""
    command = [sys.executable, "-m", "optbench", "verify", "--backend", "cuda", "--json", "--n", str(n),
               "--steps", str(steps)]
    result = {"n": n, "steps": steps, "command": ["optbench", *command[3:]], "timeout_s": round(timeout, 1)}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**result, "exit_status": None, "timed_out": True, "seconds": time.perf_counter() - start,
                "passed": False, "rows": [], "blocks": [], "skipped": [], "error": f"not done in {timeout:.0f} s"}
    result.update(exit_status=done.returncode, timed_out=False, seconds=time.perf_counter() - start)
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:
        found = {}
    rows, blocks = found.get("rows", []), found.get("blocks", [])
    passed = done.returncode == 0 and bool(rows) and all(r["passed"] for r in rows + blocks)
    failed = sum(not r["passed"] for r in rows + blocks)
    said = done.stderr.strip().splitlines()
    error = "" if passed else f"{failed} rows failed" if failed else said[-1] if said else "no rows"
    return {**result, "passed": passed, "rows": rows, "blocks": blocks, "skipped": found.get("skipped", []),
            "error": error}


def verify_line(check):
    checked = check["rows"] + check["blocks"]
    failed = [r for r in checked if not r["passed"]]
    verdict = "passed" if check["passed"] else "FAILED"
    head = (f"verify n={bench.size_label(check['n'])} steps={check['steps']}: {verdict}, {len(checked) - len(failed)} "
            f"of {len(checked)} rows ({check['seconds']:.0f} s)")
    return "\n".join([head + (f": {check['error']}" if check["error"] else "")] + [
        f"  FAIL {r.get('rule') or r.get('block')} {r.get('form') or r.get('output')} {r['dtype']}: worst "
        f"{r['worst_ulps']:.3g} ulps, tolerance {r['tolerance_ulps']:.3g} {r['where']}" for r in failed])


# ---------------------------------------------------------------------------------------
# the sweep


def predicted(durations, n):
    """Seconds a case at size n will take: the largest measured size's time scaled to n
    (setting the arrays up grows with n), None before any."""
    below = [m for m in durations if m <= n] or list(durations)
    if not below:
        return None
    m = max(below)
    return durations[m] * max(1.0, n / m)


def sweep(args, deadline, record):
    """Every target at every size, measured while the budget lasts; `record(rows, missed)`
    after each case."""
    rows, missed, durations = [], [], {}
    for n in args.n:
        for target in args.rule:
            reason = measure_case(target, n, args, deadline, rows, durations)
            if reason:
                missed.append({"rule": target, "n": n, "reason": reason})
                print(f"  {target} {bench.size_label(n)}: not measured: {reason}", file=sys.stderr, flush=True)
            record(rows, missed)
    return rows, missed


def measure_case(target, n, args, deadline, rows, durations):
    """Measure one case into `rows` (and its time into `durations`); why not, or None."""
    guess = predicted(durations, n)
    if guess is not None and time.time() + guess > deadline - RESERVE:
        return f"out of time (predicted {guess:.0f} s, {max(0.0, deadline - time.time()):.0f} s left)"
    start = time.perf_counter()
    try:
        case = bench.measure(target, "cuda", n, DTYPE, peers=("torch",), rounds=args.rounds, min_time=args.min_time)
    except Exception as error:  # one case's failure (out of memory, a driver error) is recorded, the rest go on
        return f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    durations[n] = max(durations.get(n, 0.0), seconds)
    rows += case
    print(f"  {case_line(case)} [{seconds:.1f} s]", flush=True)
    return None


def case_line(case):
    row = next((r for r in case if r.form == "fast"), case[0])
    fused = row.speedup("torch_fused")
    return (f"{row.rule} {bench.size_label(row.n)}: {row.gb_per_s:.4g} GB/s, {row.bound_fraction:.2f} of bound, "
            f"{_figure(row.memory_fraction('copy'))} of copy, x fused {_figure(fused)}")


# ---------------------------------------------------------------------------------------
# the document and the table


def _figure(value, format_spec=".2f"):
    return "-" if value is None else format(value, format_spec)


def torch_fused_adam(rows):
    """Adam beside torch's fused CUDA Adam at each size, per form."""
    return [{"n": r.n, "form": r.form, "optbench_us": r.us,
             "torch_fused_us": None if r.peers.get("torch_fused") is None else r.peers["torch_fused"] * 1e6,
             "speedup": r.speedup("torch_fused")} for r in rows if r.rule == "adam"]


def format_table(rows, simulator=False):
    """One line per rule and size: the fast form's time, both forms' GB/s, the bound and the
    copy, torch's fused step."""
    header = (f"{'rule':<14}{'n':>6}{'fast us':>10}{'exact GB/s':>12}{'fast GB/s':>11}{'bound GB/s':>12}"
              f"{'of bound':>10}{'copy GB/s':>11}{'of copy':>9}{'fused us':>10}{'x fused':>9}")
    lines = ([f"SIMULATOR: {NOT_A_GPU}"] if simulator else []) + [header, "-" * len(header)]
    cases = {}
    for row in rows:
        cases.setdefault((row.rule, row.n), {})[row.form] = row
    for (rule, n), forms in cases.items():
        fast = forms.get("fast") or next(iter(forms.values()))
        exact = forms.get("exact")
        fused = fast.peers.get("torch_fused")
        lines.append(
            f"{rule:<14}{bench.size_label(n):>6}{fast.us:>10.4g}{_figure(exact and exact.gb_per_s, '.4g'):>12}"
            f"{fast.gb_per_s:>11.4g}{fast.bound_gb_per_s:>12.4g}{fast.bound_fraction:>10.2f}"
            f"{_figure(fast.memory_gb_per_s('copy'), '.4g'):>11}{_figure(fast.memory_fraction('copy')):>9}"
            f"{_figure(fused and fused * 1e6, '.4g'):>10}{_figure(fast.speedup('torch_fused')):>9}"
        )
    lines.append("float32 on the cuda backend, medians of the rounds, every candidate raced in turn; of bound: the "
                 "fast form's speed over the same-pattern kernel's; copy: the device-to-device copy in the same race "
                 "(2 x 4 bytes per element); x fused: torch.optim's fused step time over the fast form's (>1: "
                 "optbench faster); -: not measured")
    return "\n".join(lines)


class Run:
    """What the run has found so far, written to gpu.json (and gpu.txt) whenever it grows."""

    def __init__(self, args, started):
        self.args, self.started, self.simulator = args, started, args.simulator
        self.json = os.path.join(args.out, "gpu.json")
        self.text = os.path.join(args.out, "gpu.txt")
        torch = torch_or_none()
        self.document = {
            "what": "optbench's cuda kernels verified and measured in one call (benchmarks/gpu/run.sh)",
            "simulator": self.simulator,
            **({"note": NOT_A_GPU} if self.simulator else {}),
            "machine": {**machine.record(), "gpu": machine.gpu()},
            "install": args.install or ("none (--no-install)" if args.no_install else "not through run.sh"),
            "imports": describe_imports(),
            "torch": {"version": torch and torch.__version__, "cuda": torch_on("cuda") is not None},
            "arguments": {"sizes": args.n, "rules": args.rule, "dtype": DTYPE, "rounds": args.rounds,
                          "min_time_s": args.min_time, "verify": [list(p) for p in args.verify],
                          "budget_s": args.budget},
            "verify": [], "verified": None, "rows": [], "torch_fused_adam": [], "not_measured": [],
            "complete": False, "phases_s": {"setup": time.time() - started}, "elapsed_s": None,
        }
        self.rows = []

    def write(self, **changes):
        self.document.update(changes, elapsed_s=time.time() - self.started)
        atomic_write(self.json, json.dumps(self.document, indent=2) + "\n")

    def table(self):
        text = format_table(self.rows, self.simulator) + "\n" + self.footer()
        atomic_write(self.text, text + "\n")
        return text

    def footer(self):
        checks = self.document["verify"]
        verified = "; ".join(f"{bench.size_label(c['n'])}:{c['steps']} {'passed' if c['passed'] else 'FAILED'}"
                             for c in checks) or "not run"
        missed = self.document["not_measured"]
        gpu = self.document["machine"]["gpu"] or {}
        return "\n".join([
            f"device: {gpu.get('name', 'none')}; verify --backend cuda: {verified}",
            *([f"not measured: {len(missed)} cases ({missed[0]['reason']}, ...)"] if missed else []),
            f"elapsed {self.document['elapsed_s']:.0f} s of a {self.args.budget:.0f} s budget, from the script's start",
            machine.line(self.document["machine"]),
        ])

    def measured(self, rows, missed):
        self.rows = rows
        self.write(rows=[{**r.as_dict(), "simulator": self.simulator} for r in rows],
                   torch_fused_adam=torch_fused_adam(rows), not_measured=missed)
        self.table()


def fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    args = parser().parse_args(argv)
    started = args.started or time.time()
    reason = refusal(args)
    if reason:
        return fail(reason)
    if args.check:
        return 0
    args = settle(args)
    deadline = started + args.budget
    run = Run(args, started)
    print(f"imports: {run.document['imports']}", flush=True)
    if args.simulator:
        print(f"SIMULATOR: {NOT_A_GPU}", flush=True)
    run.write()
    phase = time.time()
    for n, steps in args.verify:
        check = verify(n, steps, max(10.0, (deadline - time.time()) * VERIFY_SHARE))
        run.document["verify"].append(check)
        print(verify_line(check), flush=True)
        run.write()
    verified = all(c["passed"] for c in run.document["verify"]) if args.verify else None
    run.document["phases_s"]["verify"] = time.time() - phase
    run.write(verified=verified)
    phase = time.time()
    print(f"measuring {len(args.rule)} targets x {len(args.n)} sizes, {DTYPE}, {args.rounds} rounds:", flush=True)
    rows, missed = sweep(args, deadline, run.measured)
    run.measured(rows, missed)
    run.document["phases_s"]["sweep"] = time.time() - phase
    complete = not missed
    status = 0 if verified is not False and complete else 1
    run.write(complete=complete, exit_status=status)
    print(run.table(), flush=True)
    print(f"written to {run.json} and {run.text}", flush=True)
    if verified is False:
        print(f"{PROG}: verification FAILED (see above and {run.json})", file=sys.stderr)
    if not complete:
        print(f"{PROG}: {len(missed)} cases not measured (listed in {run.json})", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
