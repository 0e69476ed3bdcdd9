"""Time every kernel beside its memory bound and its peers, and print the table.

Rows: rule x backend x form x n x dtype, with microseconds per update, parameters/s,
GB/s, the fraction of the bound (a kernel with the same reads and writes and trivial
arithmetic, measured in the same run), the bound's GB/s beside a STREAM triad's from the
same race (the check that the bound itself is not slow), and the speed-up over the
NumPy reference and over torch.optim (forloop, foreach and fused) when torch is
installed. Each figure is the median of --rounds samples taken in turn. The table is printed, then
the rows and the machine (CPU, threads, threading layer, versions, environment, load)
go to --output (default out/bench.json, outside what git tracks; the committed
results/bench.json is rewritten only when asked for by name).

`--machine-code` instead prints what each rule's CPU loop compiles to, in each form: the
vector width and the packed divisions, square roots, multiplies and adds per element
(`optbench.perf.machine_code`), the arithmetic a kernel that misses the bound pays.

`--block NAME` (repeatable; `--block all` for every registered block) instead races the
network blocks (`optbench.perf.blocks`): each block's kernels in each `--direction`
(forward, backward, forward+backward; default the first two) through its public
functions, beside the same-pattern bound of its passes over memory, torch.nn.functional
and the NumPy reference, at each `--n` (the block's own data shape of about n elements)
and each `--shape` (e.g. 1024x4096), with the same --dtype, --peers, --rounds,
--min-time and --json; the rows go to --output (default out/blocks.json).

`--threshold` instead times the serial and the parallel CPU kernel side by side over
sizes 2^10..2^24, under each threading layer Numba has here, and tells where the
parallel one starts to win: how `config.PARALLEL_THRESHOLD` is chosen.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys

import numba

from optbench import config
from optbench.cli.arguments import fail, positive_float, positive_int, size
from optbench.files import writable
from optbench.optim.form import FORMS
from optbench.perf import bench, blocks, machine
from optbench.perf.peers import torch_or_none

LAYERS = {"tbb": "tbbpool", "omp": "omppool", "workqueue": "workqueue"}
OUTPUT = os.path.join("out", "bench.json")
BLOCK_OUTPUT = os.path.join("out", "blocks.json")


def add_arguments(parser):
    parser.add_argument("--rule", action="append", choices=bench.targets(), help="repeatable; default: all")
    parser.add_argument("--backend", action="append", choices=("cpu", "cuda"),
                        help="repeatable; default: cpu, and cuda on a GPU; one asked for that cannot be timed "
                             "here is an error")
    parser.add_argument("--n", action="append", type=size, help="size, e.g. 1e7 or 2^24; repeatable; default: 1e3 1e5 1e7")
    parser.add_argument("--dtype", action="append", choices=config.DTYPES, help="repeatable; default: both")
    parser.add_argument("--form", action="append", choices=FORMS,
                        help="the rules' form (optbench.optim.form); repeatable; default: both, in one race")
    parser.add_argument(
        "--peers", default=",".join(bench.PEERS), help="comma-separated from reference,torch, or none (default: %(default)s)"
    )
    parser.add_argument("--rounds", type=positive_int, default=10,
                        help="samples of each candidate, interleaved; the median is kept (default: 10)")
    parser.add_argument("--min-time", type=positive_float, default=0.03, help="seconds per sample at least (default: 0.03)")
    parser.add_argument("--block", action="append",
                        help="race this network block instead of the rules (repeatable; 'all' for every one)")
    parser.add_argument("--direction", action="append", choices=blocks.DIRECTIONS,
                        help="with --block: repeatable; default: forward and backward")
    parser.add_argument("--shape", action="append", type=data_shape,
                        help="with --block: a data shape such as 1024x4096, beside or instead of --n; repeatable")
    parser.add_argument("--output", help=f"where the JSON goes (default: {OUTPUT}, with --block {BLOCK_OUTPUT}); "
                                         "'' for nowhere")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--threshold", action="store_true", help="time serial against parallel kernels instead")
    parser.add_argument("--machine-code", action="store_true",
                        help="print the packed arithmetic per element of each CPU loop instead")
    parser.add_argument("--threading-layer", choices=sorted(LAYERS), help="with --threshold: this layer only")


def run(args):
    peers = () if args.peers == "none" else tuple(p for p in args.peers.split(",") if p)
    unknown = set(peers) - set(bench.PEERS)
    if unknown:
        return fail("bench", f"unknown peer(s) {sorted(unknown)}; choose from {list(bench.PEERS)} or none")
    if args.threshold:
        return threshold(args)
    if args.machine_code:
        return machine_code(args)
    if args.block:
        return block_bench(args, peers)
    for option in ("direction", "shape"):
        if getattr(args, option):
            return fail("bench", f"--{option} is for the blocks: give --block too")
    args.output = OUTPUT if args.output is None else args.output
    backends = args.backend or bench.timed_backends()
    for backend in backends:
        reason = bench.untimed(backend)
        if reason:
            return fail("bench", f"backend {backend} cannot be timed here: {reason}")
    targets, sizes, dtypes = args.rule or bench.targets(), args.n or bench.SIZES, args.dtype or config.DTYPES
    needed = max(bench.bytes_needed(t, n, d, peers) for t in targets for n in sizes for d in dtypes)
    memory = physical_memory()
    if memory and needed > memory:
        return fail("bench", f"the largest case needs {needed / 1e9:.3g} GB of arrays and this machine has "
                             f"{memory / 1e9:.3g} GB; choose a smaller --n")
    if args.output:
        reason = writable(os.path.dirname(os.path.abspath(args.output)))
        if reason:
            return fail("bench", f"--output {args.output}: cannot write there: {reason}")
    if "torch" in peers and torch_or_none() is None:
        print("optbench bench: note: torch is not installed, so no torch.optim columns (pip install "
              "'optbench[peers]')", file=sys.stderr)
    rows = bench.measure_grid(
        rules=targets, backends=backends, sizes=sizes, dtypes=dtypes, peers=peers, rounds=args.rounds,
        min_time=args.min_time, forms=tuple(dict.fromkeys(args.form or FORMS)),
        progress=None if args.json else lambda row: print(
            f"  measured {row.rule} {row.backend} {bench.size_label(row.n)} {row.dtype}", file=sys.stderr),
    )
    return publish(args, rows, bench.format_table, args.output)


def publish(args, rows, format_table, output):
    """The rows as JSON (--json) or as the table with the machine's line, and into `output`."""
    record = machine.record()
    if args.json:
        json.dump({"machine": record, "rows": [r.as_dict() for r in rows]}, sys.stdout, indent=2)
        print()
    else:
        print(format_table(rows))
        print(machine.line(record), flush=True)
    if output:
        bench.write_json(output, rows, record)
        if not args.json:
            print(f"written to {output}")
    return 0


def data_shape(text):
    """1024x4096 (or 1e7 for flat data) as a tuple of whole numbers of at least 1."""
    try:
        return tuple(size(part) for part in text.lower().split("x"))
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{error} in shape {text!r} (write e.g. 1024x4096)") from None


def block_bench(args, peers):
    """`--block`: every named block in every direction, at every size and shape, raced."""
    if args.rule:
        return fail("bench", "--rule and --block measure different things: give one of them")
    known = blocks.block_names()
    names = known if "all" in args.block else list(dict.fromkeys(args.block))
    unknown = [name for name in names if name not in known]
    if unknown:
        return fail("bench", f"unknown block(s) {unknown}; choose from {known} or all")
    directions = tuple(dict.fromkeys(args.direction or ("forward", "backward")))
    dtypes = args.dtype or config.DTYPES
    sizes = args.n or (() if args.shape else blocks.SIZES)
    shapes = list(args.shape or ())
    cases = [(name, direction, dtype, shape) for name in names for direction in directions for dtype in dtypes
             for shape in [blocks.data_shape(name, n) for n in sizes] + shapes]
    needed = max(blocks.bytes_needed(name, direction, shape, dtype, peers) for name, direction, dtype, shape in cases)
    memory = physical_memory()
    if memory and needed > memory:
        return fail("bench", f"the largest case needs about {needed / 1e9:.3g} GB and this machine has "
                             f"{memory / 1e9:.3g} GB; choose a smaller --n or --shape")
    output = BLOCK_OUTPUT if args.output is None else args.output
    if output:
        reason = writable(os.path.dirname(os.path.abspath(output)))
        if reason:
            return fail("bench", f"--output {output}: cannot write there: {reason}")
    if "torch" in peers and torch_or_none() is None:
        print("optbench bench: note: torch is not installed, so no torch column (pip install 'optbench[peers]')",
              file=sys.stderr)
    rows = blocks.measure_grid(
        names, directions, sizes, dtypes, peers, args.rounds, args.min_time, shapes=shapes,
        progress=None if args.json else lambda row: print(
            f"  measured {row.block} {row.direction} {blocks.shape_label(row)} {row.dtype}", file=sys.stderr),
    )
    return publish(args, rows, blocks.format_table, output)


def physical_memory():
    """Bytes of memory on this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def available_layers():
    return [layer for layer, module in LAYERS.items() if _importable(f"numba.np.ufunc.{module}")]


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None and bool(importlib.import_module(name))
    except Exception:  # a layer whose library is missing fails to import (tbb without libtbb)
        return False


def threshold(args):
    targets = args.rule or ["sgd", "adam"]
    dtypes = args.dtype or ["float32"]
    if args.threading_layer is None:
        # the layer is fixed at the first parallel launch of a process: one process each
        for layer in available_layers():
            command = [sys.executable, "-m", "optbench", "bench", "--threshold", "--threading-layer", layer]
            command += [f"--rule={t}" for t in targets] + [f"--dtype={d}" for d in dtypes]
            command += [f"--rounds={args.rounds}"] + [f"--n={n}" for n in args.n or ()]
            print(f"== threading layer {layer}", flush=True)
            subprocess.run(command, check=True, env={**os.environ, "NUMBA_THREADING_LAYER": layer})
        print(f"config.PARALLEL_THRESHOLD is {config.PARALLEL_THRESHOLD}")
        return 0
    numba.config.THREADING_LAYER = args.threading_layer
    print(f"{'rule':<14}{'dtype':<9}{'n':>6}{'serial us':>12}{'parallel us':>13}{'parallel speed-up':>19}")
    for target in targets:
        for dtype in dtypes:
            curve = bench.threshold_curve(target, dtype, args.n, rounds=args.rounds)
            for n, serial, parallel in curve:
                print(f"{target:<14}{dtype:<9}{bench.size_label(n):>6}{serial * 1e6:>12.2f}{parallel * 1e6:>13.2f}{serial / parallel:>19.2f}")
            wins = [n for n, serial, parallel in curve if all(s > p for m, s, p in curve if m >= n)]
            print(f"{target} {dtype}: parallel wins from {bench.size_label(wins[0]) if wins else 'nowhere in range'}")
    print(f"threading layer {machine.threading_layer()}, {numba.get_num_threads()} threads", flush=True)
    return 0


def machine_code(args):
    from optbench.perf.machine_code import instruction_mix

    kinds = ("vdiv", "vsqrt", "vmul", "vadd", "vsub", "vf")
    print(f"{'rule':<14}{'form':<7}{'dtype':<9}{'vector':>7}{'elements/iter':>14}"
          + "".join(f"{kind + '/elem':>12}" for kind in kinds))
    for target in args.rule or bench.targets():
        for form in dict.fromkeys(args.form or FORMS):
            for dtype in args.dtype or ["float32"]:
                mix = instruction_mix(target, form, dtype)
                per = [sum(c for op, c in mix["per_element"].items() if op.startswith(kind)) for kind in kinds]
                print(f"{target:<14}{form:<7}{dtype:<9}{mix['width']:>7}{mix['elements_per_iteration']:>14}"
                      + "".join(f"{p:>12.3g}" for p in per))
    print("packed instructions of the hottest loop of each generated kernel, per element (vf: fused multiply-add)")
    return 0
