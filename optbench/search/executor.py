"""`run_trials`: an Optuna study's trials evaluated as Dask tasks, by ask and tell.

The driver (the process calling `run_trials`) holds the study; the workers only compute

    value, attrs = objective(trial.params)

and the driver stores each result (`trial.set_user_attr` for every attr, then
`study.tell(trial, value)`). At most `slots` trials are in flight, `slots` being the
cluster's worker threads at the moment a trial is asked (a cluster joined by address may
grow or shrink while it runs).

Cluster. With no address: a `distributed.LocalCluster` of `workers` processes (default:
the core count), one thread each, every worker process started with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and NUMBA_NUM_THREADS set to 1, closed at the end.
They are set through `distributed.nanny.pre-spawn-environ`, which the Nanny puts in the
environment before it spawns the worker (and again for a worker it restarts); its `env=`
argument is applied too late for Numba, which then already counts the cores. This
process's own environment is left as it was (`local_cluster`). With
`scheduler="tcp://host:port"` or `scheduler_file=`: that cluster is joined and left as it
is. A cluster started by hand gets OMP/MKL/OPENBLAS = 1 from Dask's own default
(`distributed.nanny.pre-spawn-environ`) unless the shell of `dask worker` sets them;
Numba's thread count is that shell's. Start it as the README shows, with
DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON = `HAND_STARTED` in its environment: the
same pinned threads, and malloc's defaults (`UNSET`).

Order and determinism. Trials are asked in trial-number order, one ask per free slot,
and a trial's parameters are drawn at its ask (`study.ask(distributions)`), so they
depend only on the asks before it, never on which results came back first, for the
samplers whose draws ignore finished trials: RandomSampler(seed) (one random stream,
drawn in ask order) and GridSampler (trial k takes grid point k, Optuna 4+). Results are
then identical trial by trial for any number of workers. For these two the driver, when
a result comes back, first asks and submits the next trial and then tells the result: a
tell with its user attrs is most of the driver's time per trial, and the worker would
wait through it. A sampler that learns from finished trials (TPE) sees a different
history with several trials in flight; with `batch=B` the asks come in rounds of B
trials, each round told in full before the next is asked, so TPE's history at every ask,
and hence every trial, is the same for any number of workers (at most B of them busy).

Failures. A worker that dies mid-trial (killed, out of memory) loses its task and the
scheduler runs it again on another worker; after `ALLOWED_FAILURES` such deaths of the
same task (the scheduler setting `distributed.scheduler.allowed-failures`, set here for
the LocalCluster; a cluster started by hand keeps its own, Dask's default being 3) the
task fails with `KilledWorker`. A task that fails (the objective raised, or
`KilledWorker`) has its trial told FAIL with the error in the user attr "error"; no new
trial is asked once the failure is back, the trials in flight are waited for and told,
and the first error is raised: the study is left with no trial RUNNING. A sampler that
stops the study (GridSampler, its grid exhausted) also ends the asking.

Interruption. Any exception in the driver's loop (KeyboardInterrupt, a lost scheduler,
an error raised by `on_result`) tells the results already back, fails the trials in
flight and hands each to the storage's stale-trial callback, when it has one
(`RetryHeartbeatStaleTrialCallback` re-enqueues it, same parameters), then propagates.
The driver's death leaves its trials in flight RUNNING in storage: with a heartbeat
storage (`RDBStorage(heartbeat_interval= ...)`) the driver records a heartbeat for each
trial as it is submitted and for every trial in flight at least once per heartbeat
interval, and calls `optuna.storages.fail_stale_trials` before an ask at most every half
interval (each is a database write; in a profile of no-op trials they were a fifth of
the driver's time), so the next run, once the grace period is past, fails the stale
trials and their callback re-enqueues them; a re-enqueued (WAITING) trial is the next
one asked.
"""

import contextlib
import json
import logging
import os
import time
import warnings
from pathlib import Path

import optuna

PINNED_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}
# Dask's default pre-spawn-environ sets MALLOC_TRIM_THRESHOLD_=65536, which fixes glibc's
# thresholds: every NumPy temporary over 128 KiB is then mapped and unmapped, page faults
# and all. A full-batch step of the two-layer net took 2654 us against 1753 us without it
# (softmax 788 against 706); for these workers it is unset.
UNSET = ("MALLOC_TRIM_THRESHOLD_",)
ALLOWED_FAILURES = 3
WORKERS_TIMEOUT = 60.0


def run_trials(study, objective, n_trials, workers=None, scheduler=None, scheduler_file=None,
               on_result=None, connect_timeout=5.0, distributions=None, batch=None):
    """Evaluate `n_trials` new trials of `study` on a Dask cluster; return the study.

    study           an `optuna.Study`; its sampler draws each trial's parameters
    objective       picklable; `objective(params) -> (value, attrs)`, attrs a dict of
                    JSON-able user attrs
    n_trials        how many trials to ask (re-enqueued WAITING trials count among them)
    workers         LocalCluster size (default `os.cpu_count()`); not with an address
    scheduler       "tcp://host:port" of a running Dask scheduler to join
    scheduler_file  the JSON file `dask scheduler --scheduler-file` writes, instead
    on_result       called as `on_result(trial_number, value, attrs)` after each tell
                    (value None and attrs {"error": ...} for a failed trial)
    connect_timeout seconds to reach a scheduler before ConnectionError
    distributions   {name: optuna distribution} given to `study.ask`; default
                    `objective.distributions`
    batch           None: keep every slot busy; B: ask in rounds of B (see module doc)
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be a whole number >= 1, got {n_trials!r}")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise ValueError(f"batch must be None or a whole number >= 1, got {batch!r}")
    if distributions is None:
        distributions = getattr(objective, "distributions", None)
    if not distributions:
        raise ValueError("no distributions: pass distributions= or give the objective a "
                         "`distributions` attribute ({name: optuna distribution})")
    with _client(workers, scheduler, scheduler_file, connect_timeout) as client:
        _Driver(study, objective, dict(distributions), client, on_result, batch).run(n_trials)
    return study


def scheduler_address(scheduler=None, scheduler_file=None, workers=None):
    """The address to join: `scheduler`, or the "address" in `scheduler_file`; None for
    a local cluster (of `workers`). A missing or unreadable file is a ValueError naming
    it, and so is `workers` beside an address."""
    if scheduler is not None and scheduler_file is not None:
        raise ValueError("give scheduler or scheduler_file, not both")
    if workers is not None and (scheduler is not None or scheduler_file is not None):
        raise ValueError("workers sizes a local cluster; a cluster joined by address has its own")
    if scheduler_file is None:
        return scheduler
    path = Path(scheduler_file)
    try:
        return json.loads(path.read_text())["address"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"cannot read a scheduler address from {str(path)!r}: {error}") from None


HAND_STARTED = repr({**PINNED_THREADS, **dict.fromkeys(UNSET)})


def cluster_config():
    """The Dask settings a local cluster is made under: workers pinned to one thread of
    BLAS and Numba, glibc's malloc left to its defaults (`UNSET`), a task retried on
    another worker after up to `ALLOWED_FAILURES` worker deaths."""
    import dask

    environ = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    return {
        "distributed.nanny.pre-spawn-environ": {**environ, **PINNED_THREADS, **dict.fromkeys(UNSET)},
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    }


@contextlib.contextmanager
def _client(workers, scheduler, scheduler_file, connect_timeout):
    import distributed

    address = scheduler_address(scheduler, scheduler_file, workers)
    if address is not None:
        try:
            client = distributed.Client(address, timeout=connect_timeout)
        except (OSError, TimeoutError) as error:
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {address} within {connect_timeout:g} s: {error}"
            ) from None
        with client:
            yield client
        return
    with local_cluster(workers) as cluster, distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def local_cluster(workers=None):
    """A `distributed.LocalCluster` of `workers` processes (default: the core count), one
    thread each, made under `cluster_config`, closed on exit; share one between searches
    by passing `scheduler=cluster.scheduler_address` (a worker then compiles once)."""
    import dask
    import distributed

    n = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    config = cluster_config()
    # A Nanny reads pre-spawn-environ when it is made, a variable of this process's
    # environment taking precedence over the setting (an OMP_NUM_THREADS=4 in the shell
    # would reach the workers), and writes it into this process's environment before it
    # spawns a worker ("poisoning the process running the Nanny", in Dask's words), where
    # Numba rereads it at every compilation. So the pinned values are put in the
    # environment while the cluster is made, and the environment is restored after.
    saved = {name: os.environ.get(name) for name in [*config["distributed.nanny.pre-spawn-environ"],
                                                      "PYTHONHASHSEED"]}
    try:
        os.environ.update(PINNED_THREADS)
        for name in UNSET:
            os.environ.pop(name, None)
        with dask.config.set(config), warnings.catch_warnings():
            # the scheduler's HTTP server falls back to a free port when another cluster holds 8787
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        _restore(saved)
        with cluster:
            yield cluster
    finally:
        _restore(saved)  # again: a Nanny that restarted a dead worker set them anew


def _restore(environ):
    for name, value in environ.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def tell(study, trial, value=None, state=None):
    """`study.tell(trial, value, state)`; True when the sampler asks the study to stop.

    A sampler may call `study.stop()` from `after_trial` (GridSampler, once every grid
    point is taken), which outside `Study.optimize` raises RuntimeError after the trial
    is stored: that is the stop request, and no further trial should be asked."""
    try:
        study.tell(trial, value, state=state)
    except RuntimeError as error:
        if "Study.stop" not in str(error):
            raise
        return True
    return False


class _Driver:
    """The ask/submit/tell loop of one `run_trials` call."""

    def __init__(self, study, objective, distributions, client, on_result, batch):
        self.study = study
        self.objective = objective
        self.distributions = distributions
        self.client = client
        self.on_result = on_result
        self.batch = batch
        self.in_flight = {}  # future -> trial
        self.finished = []  # [(future, trial)] back, not yet told
        # samplers whose draws ignore finished trials: the next trial is asked before the last is told
        self.ask_first = batch is None and isinstance(
            study.sampler, (optuna.samplers.RandomSampler, optuna.samplers.GridSampler))
        self.error = None
        self.stopped = False
        storage = study._storage
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self.heartbeat = storage if interval else None
        self.poll = interval / 2 if interval else None
        self.beaten = self.checked = -float("inf")  # when heartbeats were last recorded, stale trials failed

    def run(self, n_trials):
        self.asked, self.n_trials = 0, n_trials
        try:
            while (self.asked < n_trials and not self.stopped) or self.in_flight:
                self._fill()
                if self.in_flight:
                    self.finished = self._collect(wait_all=self.batch is not None)
                    if self.ask_first and not any(future.status == "error" for future, _ in self.finished):
                        self._fill()
                    while self.finished:
                        future, trial = self.finished.pop(0)
                        self._tell(trial, future)
        except BaseException as interruption:
            self._abandon(interruption)
            raise
        if self.error is not None:
            raise self.error

    def _fill(self):
        """Ask and submit a trial for every free slot (a whole round with `batch`)."""
        room = self._slots() - len(self.in_flight)
        if self.batch is not None:
            room = self.batch if not self.in_flight else 0
        while room > 0 and self.asked < self.n_trials and not self.stopped:
            self._submit(self._ask())
            self.asked += 1
            room -= 1

    def _abandon(self, interruption):
        """Fail the trials in flight (Ctrl-C, a lost scheduler, an error in on_result) and,
        where the storage has a stale-trial callback (RetryHeartbeatStaleTrialCallback),
        re-enqueue them through it, as a stale heartbeat would."""
        for future, trial in self.finished:  # results in hand: stored, not lost
            with contextlib.suppress(Exception):
                self._tell(trial, future)
        self.finished = []
        callback = getattr(self.study._storage, "get_heartbeat_stale_trial_callback", lambda: None)()
        for future, trial in sorted(self.in_flight.items(), key=lambda item: item[1].number):
            future.cancel()
            try:
                trial.set_user_attr("error", f"interrupted: {type(interruption).__name__}")
                tell(self.study, trial, state=optuna.trial.TrialState.FAIL)
            except Exception:  # the storage itself may be what failed; the heartbeat is left
                continue
            if callback is not None:
                callback(self.study, self.study._storage.get_trial(trial._trial_id))
        self.in_flight.clear()

    def _slots(self):
        threads = sum(self.client.nthreads().values())
        if threads == 0:
            try:
                self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except TimeoutError:
                raise ConnectionError(
                    f"the Dask cluster at {self.client.scheduler.address} has had no worker "
                    f"for {WORKERS_TIMEOUT:g} s"
                ) from None
            threads = sum(self.client.nthreads().values())
        return max(1, threads)

    def _ask(self):
        with warnings.catch_warnings():
            # the heartbeat, meant for Study.optimize, is recorded by _collect
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
            if self.heartbeat is not None and time.monotonic() - self.checked >= self.poll:
                optuna.storages.fail_stale_trials(self.study)
                self.checked = time.monotonic()
            return self.study.ask(self.distributions)

    def _submit(self, trial):
        future = self.client.submit(
            self.objective, trial.params, key=f"optbench-trial-{trial._trial_id}-{time.time_ns()}",
            pure=False,
        )
        self.in_flight[future] = trial
        if self.heartbeat is not None:
            self.heartbeat.record_heartbeat(trial._trial_id)

    def _collect(self, wait_all):
        """Wait for one result (every result with `wait_all`); [(future, trial)] of what
        finished, taken out of flight, in trial-number order."""
        import distributed

        while True:
            try:
                done, _ = distributed.wait(
                    list(self.in_flight), timeout=self.poll,
                    return_when="ALL_COMPLETED" if wait_all else "FIRST_COMPLETED",
                )
            except TimeoutError:
                done = ()
            if self.heartbeat is not None and time.monotonic() - self.beaten >= self.poll:
                for trial in self.in_flight.values():
                    self.heartbeat.record_heartbeat(trial._trial_id)
                self.beaten = time.monotonic()
            if done:
                break
        done = sorted(done, key=lambda f: self.in_flight[f].number)
        return [(future, self.in_flight.pop(future)) for future in done]

    def _tell(self, trial, future):
        try:
            value, attrs = future.result()
        except Exception as error:  # the objective's own error, or KilledWorker
            message = f"{type(error).__name__}: {error}"
            trial.set_user_attr("error", message)
            tell(self.study, trial, state=optuna.trial.TrialState.FAIL)
            if self.error is None:
                self.error = error
            self.stopped = True
            if self.on_result is not None:
                self.on_result(trial.number, None, {"error": message})
            return
        for name, attr in attrs.items():
            trial.set_user_attr(name, attr)
        self.stopped |= tell(self.study, trial, value)
        if self.on_result is not None:
            self.on_result(trial.number, value, attrs)
