"""Scaling of `optbench.search.executor.run_trials` on this machine, printed as a table.

    python benchmarks/search_scaling.py [--trials 32] [--epochs 12] [--batch-size 10]

A trial is what `optbench search` runs: the search's `Objective` (Adam on softmax,
`epochs` epochs of `batch_size` mini-batches, learning rate from a RandomSampler(seed=0)
over log(1e-4, 1e-1), scored on the validation set, its six user attrs stored); the study
is on SQLite through `open_storage`, as the CLI's default (heartbeat, write-ahead log).
Measured:

    t       mean seconds of a trial's own work, timed around the objective in the worker
    u_k     a trial's work at one learning rate in each of k processes at once, no Dask
            (`--rounds` runs each): 2 u_1 / u_2 is what two cores give two trials at best
    W_k     wall seconds of the sweep on a running LocalCluster of k workers (started and
            warmed up first: each worker has loaded the compiled kernels)
    o       per-trial overhead at one worker, W_1 / n - t (ask, submit, scheduling, the
            result's way back, tell in SQLite)
    c       the driver's serial cost per trial: the wall per trial of a sweep of no-op
            trials on 2 workers, where only the driver and the scheduler limit the pace
            (also with an in-memory study: the rest is Optuna's SQLite ask and tell)

and from those, for N workers on machines of their own (the driver and scheduler on
another), Amdahl with the serial fraction f = c / (t + o):

    S(N) = 1 / (f + (1 - f) / N)        against one worker

Not a test; nothing is asserted. The cluster start-up is timed too, apart. On a machine
shared with other work the 2-worker trials run slower than the 1-worker ones (t_2 > t_1,
printed): the speed-up with the trials' own slow-down taken out is printed beside it.
"""

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import distributed
    import optuna

    from optbench.search.executor import PINNED_THREADS, local_cluster, run_trials
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


def repeat(objective, rounds):
    """The objective's work at learning rate 1e-3, `rounds` times after one warm-up."""
    objective({"learning_rate": 1e-3})
    return [objective({"learning_rate": 1e-3})[1]["work"] for _ in range(rounds)]


def at_once(objective, copies, rounds):
    """Mean work of `copies` processes running `repeat` at the same time, no Dask: what
    the machine gives that many trials at once (spawned with the workers' pinned threads)."""
    import concurrent.futures
    import multiprocessing

    saved = {name: os.environ.get(name) for name in PINNED_THREADS}
    os.environ.update(PINNED_THREADS)
    try:
        with concurrent.futures.ProcessPoolExecutor(copies, mp_context=multiprocessing.get_context("spawn")) as pool:
            works = [w for done in pool.map(repeat, [objective] * copies, [rounds] * copies) for w in done]
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
    return sum(works) / len(works)


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
    parser.add_argument("--noop-trials", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8, help="runs per process for u_k")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = train(args.epochs, args.batch_size)
    load = os.getloadavg()
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for workers in (1, 2):
            start = time.perf_counter()
            with local_cluster(workers) as cluster, distributed.Client(cluster) as client:
                started = time.perf_counter() - start
                warm_up(client, objective)
                wall, t, values = sweep(cluster.scheduler_address, objective, args.trials, folder,
                                        f"train-{workers}")
                results[workers] = (wall, t, values)
                rows.append((f"W_{workers}: {args.trials} trials, {workers} worker(s)", wall))
                rows.append((f"  mean trial work t, {workers} worker(s)", t))
                rows.append((f"  cluster start, {workers} worker(s)", started))
                if workers == 2:
                    noop, _, _ = sweep(cluster.scheduler_address, nothing, args.noop_trials, folder, "noop")
                    noop_memory, _, _ = sweep(cluster.scheduler_address, nothing, args.noop_trials, None,
                                              "noop-memory")
    (w1, t1, v1), (w2, t2, v2) = results[1], results[2]
    u1, u2 = (at_once(objective, k, args.rounds) for k in (1, 2))
    o = w1 / args.trials - t1
    c = noop / args.noop_trials
    f = c / (t1 + o)
    rows += [
        ("per-trial overhead o = W_1/n - t", o),
        ("  as a fraction of t", o / t1),
        (f"driver serial cost c ({args.noop_trials} no-op trials, 2 workers)", c),
        ("  of which Dask (the same, in-memory study)", noop_memory / args.noop_trials),
        ("serial fraction f = c / (t + o)", f),
        ("speed-up W_1 / W_2 (measured)", w1 / w2),
        ("  trial slow-down t_2 / t_1 (cores shared)", t2 / t1),
        ("  speed-up had trials kept t_1: W_1 / W_2 * t_2 / t_1", w1 / w2 * t2 / t1),
        (f"trial work at lr 1e-3, one process alone, no Dask (u_1, {args.rounds} runs)", u1),
        ("  the same in two processes at once (u_2)", u2),
        ("  the machine's own ceiling for two trials at once: 2 u_1 / u_2", 2 * u1 / u2),
        ("speed-up on 8 workers (Amdahl, from f)", 1 / (f + (1 - f) / 8)),
        ("speed-up on 64 workers (Amdahl, from f)", 1 / (f + (1 - f) / 64)),
        ("ceiling (t + o) / c, workers kept busy at most", 1 / f),
    ]
    print(f"adam on softmax, {args.epochs} epochs of batch {args.batch_size}; SQLite study (open_storage); "
          f"{os.cpu_count()} cores; load average before: {load[0]:.2f}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:10.4g}")
    print("trial values identical for 1 and 2 workers:", v1 == v2)


if __name__ == "__main__":
    main()
