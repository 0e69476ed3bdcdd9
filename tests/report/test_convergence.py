"""The convergence section's learning-rate search runs on `optbench.search`, and the best
trial, run again for its curves, must reproduce the trial's score."""

import distributed
import optuna
import pytest

import optbench.search
from optbench.report import settings
from optbench.report.sections import convergence
from optbench.search.executor import local_cluster
from optbench.search.objective import tail_gap


def test_momentum_is_fixed_for_the_rules_that_have_it():
    assert convergence.fixed("sgd_momentum") == {"momentum": settings.MOMENTUM}
    assert convergence.fixed("nesterov") == {"momentum": settings.MOMENTUM}
    assert convergence.fixed("adam") == {}


def test_the_best_trial_is_reproduced_on_a_worker_or_refused():
    storage = optuna.storages.InMemoryStorage()
    options = {"n": 10}
    with local_cluster(1) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        study = optbench.search("quadratic", "sgd_momentum", convergence.search_space(), "random", 3, steps=40,
                                options=options, fixed=convergence.fixed("sgd_momentum"), score="tail_gap",
                                f_star=0.0, storage=storage, scheduler=cluster.scheduler_address)
        best = study.best_trial
        lr = best.params["learning_rate"]
        record = client.submit(convergence.timed_run, "sgd_momentum", "quadratic", options, 40, 0.0, lr).result()
        traces = client.submit(convergence.timed_references, "quadratic", options, 40).result()
    assert convergence.reproduced("sgd_momentum", "quadratic", best, record) is record
    assert tail_gap(record) == best.value and record.settings["momentum"] == settings.MOMENTUM
    wrong = optuna.trial.create_trial(params=best.params, distributions=best.distributions,
                                      value=best.value + 1e-12, user_attrs=best.user_attrs)
    with pytest.raises(RuntimeError, match="the run again scores"):
        convergence.reproduced("sgd_momentum", "quadratic", wrong, record)
    assert set(traces) == {convergence.LBFGS, convergence.SCIPY}
    assert all(trace.fun is None and trace.values for trace in traces.values())
