"""`run_trials` on real Dask clusters: the local default, one started by hand with the
`dask` commands, a worker killed mid-trial, a driver killed mid-sweep, bad addresses.

The objectives here are tiny; most tests share one 2-worker LocalCluster, joined by
address. Workers unpickle `Bowl` by reference: this module must be importable there
(the LocalCluster's spawned processes inherit sys.path; the hand-started ones get the
repository root on PYTHONPATH).
"""

import dataclasses
import json
import logging
import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import dask
import distributed
import optuna
import pytest

from optbench.search.executor import HAND_STARTED, PINNED_THREADS, local_cluster, run_trials, tell

optuna.logging.set_verbosity(optuna.logging.WARNING)

State = optuna.trial.TrialState
BIN = Path(sys.executable).parent
SPACE = {
    "learning_rate": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
    "reg": optuna.distributions.FloatDistribution(0.0, 1.0),
}
GRID = {"learning_rate": [1e-3, 1e-2, 1e-1], "reg": [0.0, 0.5]}


@dataclasses.dataclass(frozen=True)
class Bowl:
    """value = (log10 lr + 2)^2 + reg, after `seconds` of sleep; attrs name the process."""

    seconds: float = 0.0
    fail: bool = False

    def __call__(self, params):
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("objective failed on purpose")
        value = (math.log10(params["learning_rate"]) + 2) ** 2 + params["reg"]
        threads = {name: os.environ.get(name) for name in PINNED_THREADS}
        numba = sys.modules.get("numba")  # imported with optbench, with this module
        numba_threads = numba.config.NUMBA_NUM_THREADS if numba else None
        return value, {"pid": os.getpid(), "threads": threads, "numba_threads": numba_threads,
                       "malloc_trim": os.environ.get("MALLOC_TRIM_THRESHOLD_")}


def sequential(study, objective, n_trials):
    """The truth for determinism: ask, evaluate in this process, tell, one at a time."""
    for _ in range(n_trials):
        trial = study.ask(SPACE)
        value, attrs = objective(trial.params)
        for name, attr in attrs.items():
            trial.set_user_attr(name, attr)
        tell(study, trial, value)
    return study


def by_number(study):
    return {t.number: (t.state, t.params, t.value) for t in study.trials}


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


def test_local_cluster_of_one_matches_sequential_and_pins_threads():
    done = []
    study = run_trials(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5)), Bowl(),
                       4, workers=1, distributions=SPACE, on_result=lambda *a: done.append(a))
    truth = sequential(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5)), Bowl(), 4)
    assert by_number(study) == by_number(truth)
    assert [number for number, _, _ in done] == [0, 1, 2, 3]
    for trial in study.trials:
        assert trial.user_attrs["threads"] == PINNED_THREADS, trial.user_attrs
        assert trial.user_attrs["numba_threads"] == 1, trial.user_attrs
        assert trial.user_attrs["malloc_trim"] is None, trial.user_attrs


@pytest.mark.parametrize("sampler", [
    lambda: optuna.samplers.RandomSampler(seed=11),
    lambda: optuna.samplers.GridSampler(GRID, seed=11),
], ids=["random", "grid"])
def test_two_workers_give_the_sequential_trials(cluster, sampler):
    n = 6
    # uneven sleeps, so trials finish out of order
    objective = Bowl(seconds=0.05)
    study = run_trials(optuna.create_study(sampler=sampler()), objective, n,
                       scheduler=cluster.scheduler_address, distributions=SPACE)
    truth = sequential(optuna.create_study(sampler=sampler()), Bowl(), n)
    assert by_number(study) == by_number(truth)
    assert len({t.user_attrs["pid"] for t in study.trials}) == 2, "both workers should have run trials"


def test_batches_are_told_before_the_next_ask(cluster):
    order = []

    class Watched(optuna.samplers.RandomSampler):
        def before_trial(self, study, trial):
            order.append(len(study.get_trials(states=[State.COMPLETE])))

    study = optuna.create_study(sampler=Watched(seed=1))
    run_trials(study, Bowl(), 6, scheduler=cluster.scheduler_address, distributions=SPACE, batch=3)
    assert order == [0, 0, 0, 3, 3, 3], "trials complete at each ask"


def test_a_killed_worker_has_its_trial_rerun(cluster, client):
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one():
        time.sleep(0.5)  # both workers are 0.5 s into their first 1 s trial
        os.kill(pids[0], signal.SIGKILL)
        killed.append(pids[0])

    killer = threading.Thread(target=kill_one)
    killer.start()
    try:
        study = run_trials(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2)),
                           Bowl(seconds=1.0), 4, scheduler=cluster.scheduler_address, distributions=SPACE)
    finally:
        killer.join()
    assert killed
    assert sorted(t.number for t in study.trials) == [0, 1, 2, 3]
    assert all(t.state == State.COMPLETE for t in study.trials)
    assert all(t.user_attrs["pid"] != killed[0] for t in study.trials), "a trial ended on the dead worker"
    client.wait_for_workers(2, timeout=30)


@pytest.mark.parametrize("sampler", [optuna.samplers.TPESampler, optuna.samplers.RandomSampler])
def test_a_failing_objective_fails_its_trials_and_raises(cluster, sampler):
    study = optuna.create_study(sampler=sampler(seed=0))
    results = []
    with pytest.raises(RuntimeError, match="on purpose"):
        run_trials(study, Bowl(fail=True), 5, scheduler=cluster.scheduler_address, distributions=SPACE,
                   on_result=lambda *a: results.append(a))
    states = [t.state for t in study.trials]
    assert states and all(s == State.FAIL for s in states), states
    assert len(states) <= 2, "no trial should be asked after the first failure"
    assert all(t.user_attrs["error"].startswith("RuntimeError") for t in study.trials)
    assert all(value is None for _, value, _ in results)


def test_the_next_trial_is_asked_before_the_last_is_told_unless_the_sampler_learns():
    told_before_ask = {}
    with local_cluster(1) as one:
        for sampler in (optuna.samplers.RandomSampler, optuna.samplers.TPESampler):
            study = optuna.create_study(sampler=sampler(seed=0))
            run_trials(study, Bowl(seconds=0.05), 4, scheduler=one.scheduler_address, distributions=SPACE)
            trials = sorted(study.trials, key=lambda t: t.number)
            told_before_ask[sampler.__name__] = [
                sum(t.datetime_complete < trial.datetime_start for t in trials) for trial in trials]
    # one worker: trial k is asked when trial k - 1 is back; the random search asks it first
    assert told_before_ask == {"RandomSampler": [0, 0, 1, 2], "TPESampler": [0, 1, 2, 3]}


def test_unreachable_scheduler_is_a_clear_error_within_seconds():
    start = time.monotonic()
    with pytest.raises(ConnectionError, match="tcp://127.0.0.1:9"):
        run_trials(optuna.create_study(), Bowl(), 1, scheduler="tcp://127.0.0.1:9",
                   connect_timeout=1.0, distributions=SPACE)
    assert time.monotonic() - start < 5


def test_bad_scheduler_file_and_arguments(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(ValueError, match="nowhere.json"):
        run_trials(optuna.create_study(), Bowl(), 1, scheduler_file=missing, distributions=SPACE)
    with pytest.raises(ValueError, match="n_trials"):
        run_trials(optuna.create_study(), Bowl(), 0, distributions=SPACE)
    with pytest.raises(ValueError, match="distributions"):
        run_trials(optuna.create_study(), Bowl(), 1)
    with pytest.raises(ValueError, match="not both"):
        run_trials(optuna.create_study(), Bowl(), 1, scheduler="tcp://127.0.0.1:9",
                   scheduler_file=missing, distributions=SPACE)
    with pytest.raises(ValueError, match="workers sizes a local cluster"):
        run_trials(optuna.create_study(), Bowl(), 1, scheduler="tcp://127.0.0.1:9", workers=2, distributions=SPACE)


def _wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.1)


def test_a_cluster_started_by_hand(tmp_path):
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),  # as the README starts them:
           "DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON": HAND_STARTED}
    env.pop("NUMBA_NUM_THREADS", None)
    processes = []
    try:
        processes.append(subprocess.Popen(
            [BIN / "dask", "scheduler", "--scheduler-file", scheduler_file, "--port", "0",
             "--no-dashboard", "--host", "127.0.0.1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(scheduler_file.exists, "the scheduler file")
        for _ in range(2):
            processes.append(subprocess.Popen(
                [BIN / "dask", "worker", "--scheduler-file", scheduler_file, "--nthreads", "1",
                 "--no-dashboard"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(scheduler_file.read_text())["address"]
        with distributed.Client(address, timeout=10, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=30)
        study = run_trials(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=4)),
                           Bowl(seconds=0.05), 4, scheduler_file=scheduler_file, distributions=SPACE)
    finally:
        for process in reversed(processes):
            process.kill()
        for process in processes:
            process.wait(timeout=10)
    truth = sequential(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=4)), Bowl(), 4)
    assert by_number(study) == by_number(truth)
    assert len({t.user_attrs["pid"] for t in study.trials}) == 2
    assert all(t.user_attrs["threads"] == PINNED_THREADS for t in study.trials)
    assert all(t.user_attrs["numba_threads"] == 1 for t in study.trials)
    assert all(t.user_attrs["malloc_trim"] is None for t in study.trials)


DRIVER = """
import time, warnings, optuna
warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
from optbench.search.executor import run_trials

SPACE = {{"learning_rate": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True)}}

def objective(params):
    time.sleep(0.6)
    return params["learning_rate"], {{}}

storage = optuna.storages.RDBStorage(
    {url!r}, heartbeat_interval=1, grace_period=2,
    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3))
study = optuna.create_study(study_name="driver", storage=storage, load_if_exists=True,
                            sampler=optuna.samplers.RandomSampler(seed=0))
done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
optuna.logging.set_verbosity(optuna.logging.WARNING)
print("start", done, flush=True)
run_trials(study, objective, {n} - done, scheduler={address!r}, distributions=SPACE,
           on_result=lambda *a: print("told", a[0], flush=True))
"""


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_killed_driver_is_resumed_with_every_trial_once(cluster, tmp_path):
    n = 8
    url = f"sqlite:///{tmp_path / 'search.db'}"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(url=url, n=n,
                                    address=cluster.scheduler_address))
    driver = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, text=True)
    try:
        told = 0
        for line in driver.stdout:
            told += line.startswith("told")
            if told == 3:  # mid-sweep: 3 told, 2 in flight
                break
    finally:
        driver.kill()
        driver.wait(timeout=10)
    study = optuna.load_study(study_name="driver", storage=url)
    states = [t.state for t in study.trials]
    assert State.RUNNING in states, states
    time.sleep(2.5)  # past the grace period: the running trials are stale
    resumed = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    study = optuna.load_study(study_name="driver", storage=url)
    complete = study.get_trials(states=[State.COMPLETE])
    assert len(complete) == n
    assert not study.get_trials(states=[State.RUNNING, State.WAITING])
    retried = optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number
    originals = [retried(t) if retried(t) is not None else t.number for t in complete]
    assert len(set(originals)) == n, originals
    failed = {t.number for t in study.get_trials(states=[State.FAIL])}
    assert failed and failed <= set(originals), (failed, originals)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_an_interrupted_driver_reenqueues_its_trials_in_flight(cluster, tmp_path):
    storage = optuna.storages.RDBStorage(
        f"sqlite:///{tmp_path / 'search.db'}", heartbeat_interval=60,
        heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3))
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=8))

    def interrupt(number, value, attrs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_trials(study, Bowl(seconds=0.3), 4, scheduler=cluster.scheduler_address,
                   distributions=SPACE, on_result=interrupt)
    states = {t.number: t.state for t in study.trials}
    assert list(states.values()).count(State.COMPLETE) == 1, states
    assert State.RUNNING not in states.values(), states
    waiting = study.get_trials(states=[State.WAITING])
    failed = study.get_trials(states=[State.FAIL])
    assert [t.params for t in waiting] == [t.params for t in failed] and failed, states
    remaining = 4 - len(study.get_trials(states=[State.COMPLETE]))
    run_trials(study, Bowl(), remaining, scheduler=cluster.scheduler_address, distributions=SPACE)
    complete = study.get_trials(states=[State.COMPLETE])
    assert len(complete) == 4
    assert all(t.params in [c.params for c in complete] for t in failed)


def test_a_local_cluster_leaves_this_processs_environment_as_it_was(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    before = {name: os.environ.get(name) for name in [*PINNED_THREADS, "MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED"]}
    with local_cluster(1) as one, distributed.Client(one, set_as_default=False) as client:
        assert {name: os.environ.get(name) for name in before} == before
        names = [*PINNED_THREADS, "MALLOC_TRIM_THRESHOLD_"]
        spawned = client.run(lambda: {name: os.environ.get(name) for name in names})
    assert {name: os.environ.get(name) for name in before} == before
    assert list(spawned.values()) == [{**PINNED_THREADS, "MALLOC_TRIM_THRESHOLD_": None}]  # the worker's own
