"""Check every kernel against the NumPy reference and print the matrix.

Rows: rule x backend x form x dtype, with the steps run, the worst error (in ulps of the
largest value, and relative), the derived tolerance and the verdict; then the network
blocks: block x backend x dtype x result (out, each gradient, running statistics).
`--rule` alone checks rules only, `--block` alone blocks only. Exits 1 if any
row fails; the exact form on the cpu must agree bit for bit (tolerance 0 ulps). By
default both kernel backends are tried and one that cannot run here is
listed as skipped, with the reason; a backend asked for by name that cannot run here
is an error (exit 2), never a quiet pass. `--n` sets the size every kernel is verified
at (each block over its own data shape of about n elements); by default 1000 on the cpu
and on a GPU (4096 for the blocks on the cpu), 64 on the simulator. On a GPU a size past
one grid of `config.CUDA_MAX_BLOCKS * config.CUDA_THREADS_PER_BLOCK` threads (2^18)
sends each thread round the grid-stride loop more than once.
"""

import json
import sys

from optbench import config
from optbench.cli.arguments import fail, non_negative_int, positive_int, size
from optbench.blocks.registry import block_names
from optbench.kernels import unavailable
from optbench.optim import rule_names
from optbench.optim.form import FORMS
from optbench.conformance.block_matrix import format_block_matrix
from optbench.conformance.verify import verify_all, verify_blocks

KERNEL_BACKENDS = ("cpu", "cuda")


def add_arguments(parser):
    parser.add_argument("--rule", action="append", choices=rule_names(), help="repeatable; default: all")
    parser.add_argument("--block", action="append", choices=block_names(), help="repeatable; default: all")
    parser.add_argument("--backend", action="append", choices=KERNEL_BACKENDS,
                        help="repeatable; default: both, skipping one that cannot run here")
    parser.add_argument("--dtype", action="append", choices=config.DTYPES, help="repeatable; default: both")
    parser.add_argument("--form", action="append", choices=FORMS, help="repeatable; default: both")
    parser.add_argument("--n", type=size, help="size to verify at, e.g. 1000 or 2^20 (default: the backend's)")
    parser.add_argument("--steps", type=positive_int, default=100)
    parser.add_argument("--seed", type=non_negative_int, default=None, help="default: fresh random inputs every run")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args):
    for backend in args.backend or ():
        reason = unavailable(backend)
        if reason:
            return fail("verify", f"backend {backend} cannot run here: {reason}")
    backends = args.backend or KERNEL_BACKENDS
    dtypes = args.dtype or config.DTYPES
    rows, skipped, block_rows = [], [], []
    if args.rule or not args.block:
        rows, skipped = verify_all(
            rules=args.rule,
            backends=backends,
            dtypes=dtypes,
            steps=args.steps,
            size=args.n,
            seed=args.seed,
            average=not args.rule,
            forms=tuple(dict.fromkeys(args.form or FORMS)),
        )
    if args.block or not args.rule:
        block_rows, skipped = verify_blocks(args.block, backends, dtypes, args.seed, size=args.n)
    if args.json:
        json.dump({"rows": [dict(vars(r), verdict=r.verdict) for r in rows],
                   "blocks": [dict(vars(r), verdict=r.verdict) for r in block_rows], "skipped": skipped},
                  sys.stdout, indent=2)
        print()
    else:
        if rows:
            print(format_matrix(rows, skipped if not block_rows else ()))
        if block_rows or not rows:
            print(format_block_matrix(block_rows, skipped))
    return 0 if all(r.passed for r in [*rows, *block_rows]) else 1


def format_matrix(rows, skipped=()):
    header = (f"{'rule':<16}{'backend':<9}{'form':<7}{'dtype':<9}{'steps':>6}{'worst ulps':>12}{'worst rel':>12}"
              f"{'tol ulps':>10}  verdict")
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.rule:<16}{r.backend:<9}{r.form:<7}{r.dtype:<9}{r.steps:>6}{r.worst_ulps:>12.3g}"
            f"{r.worst_relative:>12.3g}{r.tolerance_ulps:>10.0f}  {r.verdict}"
        )
    for s in skipped:
        lines.append(f"{s['backend']}: skipped: {s['reason']}")
    failed = [r for r in rows if not r.passed]
    summary = f"{len(rows) - len(failed)} passed, {len(failed)} failed"
    seeds = sorted({r.seed for r in rows})
    return "\n".join(lines + [summary + (f" (seed {seeds[0]})" if len(seeds) == 1 else "")])

