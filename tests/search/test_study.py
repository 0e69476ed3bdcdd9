"""Studies in storage: creation, names, refusals that change nothing, resume, retry, refine."""

import time

import optuna
import pytest
from sequential import run_trials, use_sequential

import optbench
from optbench.search import study as studies
from optbench.search.objective import Objective
from optbench.search.space import parse_space

optuna.logging.set_verbosity(optuna.logging.WARNING)
LR = "learning_rate=log(1e-3,1)"


def objective(space=(LR,), steps=10, seed=0):
    return Objective("sgd", "quadratic", parse_space(list(space), "sgd", "quadratic"), steps=steps,
                     seed=seed, options={"n": 5})


def search(tmp_path, trials, layout="random", space=(LR,), **kwargs):
    kwargs.setdefault("storage", f"sqlite:///{tmp_path}/s.db")
    return optbench.search("quadratic", "sgd", list(space), layout, trials, steps=10, options={"n": 5}, **kwargs)


def test_a_new_study_records_its_space_layout_and_direction(tmp_path):
    storage = studies.open_storage(f"sqlite:///{tmp_path}/s.db")
    study = studies.create_or_load(objective(), "grid", 3, storage)
    assert study.study_name == studies.study_name(objective(), "grid")
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    assert study.user_attrs["space"] == ["learning_rate=log(0.001,1.0)"]
    assert (study.user_attrs["layout"], study.user_attrs["grid_trials"]) == ("grid", 3)
    assert isinstance(study.sampler, optuna.samplers.GridSampler)


def test_the_default_name_digests_the_settings():
    name = studies.study_name(objective(), "random")
    assert name.startswith("quadratic-sgd-random-") and name == studies.study_name(objective(), "random")
    others = {studies.study_name(objective(steps=11), "random"), studies.study_name(objective(seed=1), "random"),
              studies.study_name(objective(), "tpe"),
              studies.study_name(objective(space=("learning_rate=log(1e-3,0.5)",)), "random")}
    assert name not in others and len(others) == 4


def test_a_name_taken_by_another_space_or_layout_is_refused_and_left_as_it_was(tmp_path, monkeypatch):
    use_sequential(monkeypatch)
    first = search(tmp_path, 2, study="mine")
    before = [(t.number, t.params, t.value) for t in first.trials], dict(first.user_attrs)
    with pytest.raises(ValueError) as info:
        search(tmp_path, 2, study="mine", space=("learning_rate=log(1e-2,1)",))
    assert "['learning_rate=log(0.001,1.0)'] there, ['learning_rate=log(0.01,1.0)'] here" in str(info.value)
    with pytest.raises(ValueError, match="layout 'random' there, 'tpe' here"):
        search(tmp_path, 2, study="mine", layout="tpe")
    again = optuna.load_study(study_name="mine", storage=f"sqlite:///{tmp_path}/s.db")
    assert ([(t.number, t.params, t.value) for t in again.trials], dict(again.user_attrs)) == before


def test_an_interrupted_sweep_resumes_to_exactly_n_trials_none_twice(tmp_path, monkeypatch):
    from optbench.search import executor

    def interrupted(study, objective, n_trials, **kwargs):
        run_trials(study, objective, 3)
        raise KeyboardInterrupt

    monkeypatch.setattr(executor, "run_trials", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search(tmp_path, 6)
    calls = use_sequential(monkeypatch)
    study = search(tmp_path, 6)
    assert search(tmp_path, 6).study_name == study.study_name
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert calls == [3] and len(study.trials) == len(complete) == 6
    assert len({t.params["learning_rate"] for t in complete}) == 6


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")
def test_a_trial_left_running_by_a_dead_driver_is_retried_once(tmp_path, monkeypatch):
    use_sequential(monkeypatch)
    storage = studies.open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_interval=1, grace_period=1)
    study = studies.create_or_load(objective(), "random", 3, storage)
    lost = study.ask(objective().distributions)  # the dead driver's trial: a heartbeat, then nothing
    storage.record_heartbeat(lost._trial_id)
    time.sleep(2.2)  # past the grace period; SQLite keeps the heartbeat to the second
    study = search(tmp_path, 3, storage=storage)
    states = [t.state.name for t in study.trials]
    assert states == ["FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]
    retried = study.trials[1]
    assert retried.params == lost.params and retried.system_attrs["failed_trial"] == lost.number


def test_a_grid_study_visits_each_grid_point_once(tmp_path, monkeypatch):
    use_sequential(monkeypatch)
    study = search(tmp_path, 4, layout="grid", space=(LR, "condition=log(10,1000)"))
    points = {(t.params["learning_rate"], t.params["condition"]) for t in study.trials}
    assert points == {(lr, c) for lr in (1e-3, 1.0) for c in (10.0, 1000.0)}


def test_bad_input_opens_no_storage(tmp_path):
    with pytest.raises(ValueError, match="nearest are 1"):
        search(tmp_path, 3, layout="grid", space=(LR, "condition=log(10,1000)"))
    with pytest.raises(ValueError, match="unknown layout"):
        search(tmp_path, 3, layout="hexagonal")
    with pytest.raises(ValueError, match="whole number >= 1"):
        search(tmp_path, 0)
    assert not (tmp_path / "s.db").exists()


def test_a_storage_that_cannot_be_opened_is_a_value_error():
    with pytest.raises(ValueError, match="cannot open the storage 'nosuchdatabase://here'"):
        studies.open_storage("nosuchdatabase://here")


def test_an_unreachable_cluster_leaves_no_empty_study(tmp_path, monkeypatch):
    from optbench.search import executor

    def unreachable(*args, **kwargs):
        raise ConnectionError("cannot reach the Dask scheduler at tcp://127.0.0.1:1")

    monkeypatch.setattr(executor, "run_trials", unreachable)
    with pytest.raises(ConnectionError):
        search(tmp_path, 2)
    assert optuna.get_all_study_names(f"sqlite:///{tmp_path}/s.db") == []


def test_refine_narrows_around_the_best_trials_into_a_new_study(tmp_path, monkeypatch):
    use_sequential(monkeypatch)
    coarse = search(tmp_path, 10, space=("learning_rate=log(1e-4,1)",))
    (axis,) = studies.refined_space(coarse, objective(space=("learning_rate=log(1e-4,1)",)).space)
    best = coarse.best_params["learning_rate"]
    assert 1e-4 <= axis.low <= best <= axis.high <= 1 and axis.high / axis.low < 1e4
    fine = search(tmp_path, 3, space=("learning_rate=log(1e-4,1)",), refine=True)
    assert fine.study_name != coarse.study_name and fine.user_attrs["refined_from"] == coarse.study_name
    assert fine.user_attrs["space"] == [str(axis)] and len(fine.trials) == 3
    assert all(axis.low <= t.params["learning_rate"] <= axis.high for t in fine.trials)


def test_refine_needs_a_finished_study(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="no study .* to refine"):
        search(tmp_path, 3, refine=True)
    use_sequential(monkeypatch)
    search(tmp_path, 2)
    with pytest.raises(ValueError, match="has 2 of its 3 trials complete: finish it"):
        search(tmp_path, 3, refine=True)


def test_a_sqlite_file_is_kept_in_write_ahead_log_mode(tmp_path):
    import sqlite3

    storage = studies.open_storage(f"sqlite:///{tmp_path / 's.db'}")
    with storage.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tmp_path / "s.db") as plain:  # the mode is the file's, for any reader
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_complete_trials_are_in_number_order_and_counted_when_asked():
    study = optuna.create_study()
    for value in (3.0, None, 1.0):
        trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
        study.tell(trial, value, state=None if value is not None else optuna.trial.TrialState.FAIL)
    assert [t.number for t in studies.complete_trials(study)] == [0, 2]
    assert studies.complete_trials(study, 2)[1].value == 1.0
    with pytest.raises(RuntimeError, match="has 2 complete trials, not 3"):
        studies.complete_trials(study, 3)
