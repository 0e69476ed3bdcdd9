"""A stand-in for `optbench.search.executor.run_trials` in tests: the same ask/tell
contract, one trial at a time in this process, so that tests need no Dask cluster."""

import warnings

import optuna


def run_trials(study, objective, n_trials, workers=None, scheduler=None, scheduler_file=None, on_result=None,
               **ignored):
    """Ask, evaluate and tell `n_trials` trials of `study` here, in trial order."""
    for _ in range(n_trials):
        with warnings.catch_warnings():  # the heartbeat: experimental, and "meant for Study.optimize"
            warnings.simplefilter("ignore")
            optuna.storages.fail_stale_trials(study)
            trial = study.ask(objective.distributions)
        value, attrs = objective(trial.params)
        for name, attr in attrs.items():
            trial.set_user_attr(name, attr)
        try:
            study.tell(trial, value)
        except RuntimeError as error:  # GridSampler stops the study after its last point (optuna#5141);
            if "Study.stop" not in str(error):  # the tell itself is stored
                raise
        if on_result is not None:
            on_result(trial.number, value, attrs)
    return study


def use_sequential(monkeypatch):
    """Make `optbench.search` run its trials with `run_trials` above; returns the calls."""
    from optbench.search import executor

    calls = []

    def recorded(study, objective, n_trials, **kwargs):
        calls.append(n_trials)
        return run_trials(study, objective, n_trials, **kwargs)

    monkeypatch.setattr(executor, "run_trials", recorded)
    return calls
