"""Scaling of `optbench.search.executor.run_trials` on this machine, printed as a table.

    python benchmarks/search_scaling.py [--trials 32] [--epochs 12] [--batch-size 10]

A trial is what `optbench search` runs: the search's `Objective` (Adam on softmax,
`epochs` epochs of `batch_size` mini-batches, learning rate from a RandomSampler(seed=0)
over log(1e-4, 1e-1), scored on the validation set, its six user attrs stored); the study
is on SQLite through `open_storage`, as the CLI's default (heartbeat, write-ahead log).
Measured:

    t_k     mean seconds of a trial's own work on k workers, timed around the objective
    W_k     wall seconds of the sweep on a running LocalCluster of k workers (started and
            warmed up first: each worker has loaded the compiled kernels); the sweeps on 1
            and 2 workers alternate, `--pairs` of each, in the order 1 2 2 1 1 2 ..., so
            that a drift in the machine's speed cancels, and W_1 / W_2 is taken per pair
    o       per-trial overhead at one worker, W_1 / n - t (ask, submit, scheduling, the
            result's way back, tell in SQLite)
    c       the driver's serial cost per trial: the wall per trial of a sweep of no-op
            trials on 2 workers, where only the driver and the scheduler limit the pace
            (also with an in-memory study: the rest is Optuna's SQLite ask and tell)

and from those, for N workers on machines of their own (the driver and scheduler on
another), Amdahl with the serial fraction f = c / (t + o):

    S(N) = 1 / (f + (1 - f) / N)        against one worker

Not a test; nothing is asserted. The cluster start-up is timed too, apart. On two cores
the driver and the scheduler share the cores with the two workers, and the 2-worker
trials run slower than the 1-worker ones (t_2 > t_1, printed): the speed-up with the
trials' own slow-down taken out is printed beside it.
"""

import argparse
import contextlib
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import distributed
    import optuna

    from optbench.search.executor import local_cluster, run_trials
    from optbench.search.study import open_storage
except ImportError:  # asv imports every module here; this is a script, and older commits lack search
    optuna = None

SPACE = {"learning_rate": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)} if optuna else {}


@dataclasses.dataclass(frozen=True)
class Timed:
    """The objective, and the seconds its call took in the worker (the attr "work")."""

    objective: object

    def __call__(self, params):
        start = time.perf_counter()
        value, attrs = self.objective(params)
        return value, {**attrs, "work": time.perf_counter() - start}


def train(epochs, batch_size):
    from optbench.search.objective import Objective
    from optbench.search.space import parse_space

    space = parse_space(["learning_rate=log(1e-4,1e-1)"], "adam", "softmax")
    return Timed(Objective("adam", "softmax", space, epochs=epochs, batch_size=batch_size))


def nothing(params):
    """A no-op trial with the objective's attrs: what is left of a sweep is the driver's
    and scheduler's cost."""
    return 0.0, {"diverged": False, "final_gap": 1.0, "f0": 2.0, "seconds": 0.0, "steps": 1, "val_acc": 0.0,
                 "work": 0.0}


def warm_up(client, objective):
    """Run one trial on every worker, so no timed trial pays for loading the kernels."""
    client.run(objective, {"learning_rate": 1e-3})


def sweep(address, objective, n_trials, folder, name):
    storage = None if folder is None else open_storage(f"sqlite:///{folder / 'scaling.db'}")
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    run_trials(study, objective, n_trials, scheduler=address, distributions=SPACE)
    wall = time.perf_counter() - start
    seconds = [t.user_attrs["work"] for t in study.trials]
    return wall, sum(seconds) / len(seconds), [t.value for t in study.trials]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=4, help="sweeps on 1 and on 2 workers, interleaved")
    parser.add_argument("--noop-trials", type=int, default=200)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = train(args.epochs, args.batch_size)
    load = os.getloadavg()
    walls, works, values = {1: [], 2: []}, {1: [], 2: []}, {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        clusters, started = {}, {}
        for workers in (1, 2):
            start = time.perf_counter()
            clusters[workers] = stack.enter_context(local_cluster(workers))
            started[workers] = time.perf_counter() - start
            with distributed.Client(clusters[workers]) as client:
                warm_up(client, objective)
        for pair in range(args.pairs):
            for workers in ((1, 2) if pair % 2 == 0 else (2, 1)):  # ABBA: a drift in speed cancels
                wall, t, found = sweep(clusters[workers].scheduler_address, objective, args.trials, folder,
                                       f"train-{workers}-{pair}")
                walls[workers].append(wall)
                works[workers].append(t)
                values.setdefault(workers, found)
        noop, _, _ = sweep(clusters[2].scheduler_address, nothing, args.noop_trials, folder, "noop")
        noop_memory, _, _ = sweep(clusters[2].scheduler_address, nothing, args.noop_trials, None, "noop-memory")
    ratios = [w1 / w2 for w1, w2 in zip(walls[1], walls[2])]
    kept = [r * t2 / t1 for r, t1, t2 in zip(ratios, works[1], works[2])]
    w1, w2 = statistics.median(walls[1]), statistics.median(walls[2])
    t1, t2 = statistics.median(works[1]), statistics.median(works[2])
    o = w1 / args.trials - t1
    c = noop / args.noop_trials
    f = c / (t1 + o)
    rows = [
        ("cluster start, 1 worker", started[1]),
        ("cluster start, 2 workers", started[2]),
        (f"W_1: {args.trials} trials, 1 worker (median of {args.pairs})", w1),
        (f"W_2: {args.trials} trials, 2 workers (median of {args.pairs})", w2),
        ("mean trial work t_1, 1 worker (median)", t1),
        ("mean trial work t_2, 2 workers (median)", t2),
        ("per-trial overhead o = W_1/n - t_1", o),
        ("  as a fraction of t_1", o / t1),
        (f"driver serial cost c ({args.noop_trials} no-op trials, 2 workers)", c),
        ("  of which Dask (the same, in-memory study)", noop_memory / args.noop_trials),
        ("serial fraction f = c / (t_1 + o)", f),
        ("speed-up W_1 / W_2, median of the pairs", statistics.median(ratios)),
        ("  lowest pair", min(ratios)),
        ("  highest pair", max(ratios)),
        ("  trial slow-down t_2 / t_1 (median; cores shared)", t2 / t1),
        ("  speed-up had trials kept t_1: W_1 / W_2 * t_2 / t_1 (median)", statistics.median(kept)),
        ("speed-up on 8 workers (Amdahl, from f)", 1 / (f + (1 - f) / 8)),
        ("speed-up on 64 workers (Amdahl, from f)", 1 / (f + (1 - f) / 64)),
        ("ceiling (t_1 + o) / c, workers kept busy at most", 1 / f),
    ]
    print(f"adam on softmax, {args.epochs} epochs of batch {args.batch_size}; SQLite study (open_storage); "
          f"{os.cpu_count()} cores; load average before: {load[0]:.2f}")
    pairs = zip(walls[1], walls[2], ratios)
    print("pairs W_1 / W_2:", ", ".join(f"{w1:.2f}/{w2:.2f} = {r:.3f}" for w1, w2, r in pairs))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:10.4g}")
    print("trial values identical for 1 and 2 workers:", values[1] == values[2])


if __name__ == "__main__":
    main()
