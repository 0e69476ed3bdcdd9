"""Time every kernel beside its memory bound and its peers, and print the table.

Rows: rule x backend x n x dtype, with microseconds per update, parameters/s, GB/s, the
fraction of the bound (a kernel with the same reads and writes and trivial arithmetic,
measured in the same run) and the speed-up over the NumPy reference and over
torch.optim (foreach and fused) when torch is installed. The rows and the machine
(CPU, threads, threading layer, versions, environment) go to results/bench.json.

`--threshold` instead times the serial and the parallel CPU kernel side by side over
sizes 2^10..2^24, under each threading layer Numba has here, and tells where the
parallel one starts to win: how `config.PARALLEL_THRESHOLD` is chosen.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numba

from optbench import bench, config, machine

LAYERS = {"tbb": "tbbpool", "omp": "omppool", "workqueue": "workqueue"}


def size(text):
    """A size: 1000, 1e7 or 2^24."""
    try:
        value = int(2 ** int(text[2:])) if text.startswith("2^") else int(float(text))
    except ValueError:
        raise ValueError(f"not a size: {text!r}") from None
    if value < 1:
        raise ValueError(f"a size is >= 1, got {text!r}")
    return value


def add_arguments(parser):
    parser.add_argument("--rule", action="append", choices=bench.targets(), help="repeatable; default: all")
    parser.add_argument("--backend", action="append", choices=("cpu", "cuda"), help="repeatable; default: cpu, and cuda on a GPU")
    parser.add_argument("--n", action="append", type=size, help="size, e.g. 1e7 or 2^24; repeatable; default: 1e3 1e5 1e7")
    parser.add_argument("--dtype", action="append", choices=bench.DTYPES, help="repeatable; default: both")
    parser.add_argument(
        "--peers", default=",".join(bench.PEERS), help="comma-separated from reference,torch, or none (default: %(default)s)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="samples of each candidate, interleaved (default: 10)")
    parser.add_argument("--min-time", type=float, default=0.03, help="seconds per sample at least (default: 0.03)")
    parser.add_argument("--output", default="results/bench.json", help="where the JSON goes; '' for nowhere")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--threshold", action="store_true", help="time serial against parallel kernels instead")
    parser.add_argument("--threading-layer", choices=sorted(LAYERS), help="with --threshold: this layer only")


def run(args):
    peers = () if args.peers == "none" else tuple(p for p in args.peers.split(",") if p)
    unknown = set(peers) - set(bench.PEERS)
    if unknown:
        print(f"unknown peer(s) {sorted(unknown)}; choose from {list(bench.PEERS)} or none", file=sys.stderr)
        return 2
    if args.threshold:
        return threshold(args)
    if "torch" in peers and bench.torch_or_none() is None:
        print("torch is not installed: no torch.optim columns (pip install optbench[peers])", file=sys.stderr)
    backends = args.backend or bench.timed_backends()
    if "cuda" in backends and "cuda" not in bench.timed_backends():
        print("cuda: skipped: no CUDA device, or the simulator is on (never timed)", file=sys.stderr)
        backends = [b for b in backends if b != "cuda"]
    rows = bench.measure_grid(
        rules=args.rule,
        backends=backends,
        sizes=args.n or bench.SIZES,
        dtypes=args.dtype or bench.DTYPES,
        peers=peers,
        rounds=args.rounds,
        min_time=args.min_time,
        progress=None if args.json else lambda row: print(f"  measured {row.rule} {row.backend} {bench.size_label(row.n)} {row.dtype}", file=sys.stderr),
    )
    machine = bench.machine_info()
    if args.output:
        bench.write_json(args.output, rows, machine)
    if args.json:
        json.dump({"machine": machine, "rows": [r.as_dict() for r in rows]}, sys.stdout, indent=2)
        print()
    else:
        print(bench.format_table(rows))
        print(machine_line(machine))
        if args.output:
            print(f"written to {args.output}")
    return 0


def machine_line(machine):
    return (
        f"{machine['cpu']}, {machine['usable_cores']} cores, Numba {machine['versions']['numba']} "
        f"({machine['threading_layer']}, {machine['numba_threads']} threads, parallel from "
        f"{machine['parallel_threshold']}), torch {machine['versions']['torch']}, load {machine['load_average']}"
    )


def available_layers():
    import optbench.backends.cpu  # noqa: F401  (makes a pip-installed TBB loadable)

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
