"""The convergence section's learning-rate search runs on `optbench.search`, and the best
trial, run again for its curves, must reproduce the trial's score."""

import optuna
import pytest

import optbench.search
from optbench.problems import get_problem
from optbench.report import settings
from optbench.report.sections import convergence
from optbench.search.executor import local_cluster
from optbench.search.objective import tail_gap


def test_momentum_is_fixed_for_the_rules_that_have_it():
    assert convergence.fixed("sgd_momentum") == {"momentum": settings.MOMENTUM}
    assert convergence.fixed("nesterov") == {"momentum": settings.MOMENTUM}
    assert convergence.fixed("adam") == {}


def test_the_best_trial_is_reproduced_or_refused():
    problem = get_problem("quadratic", n=10)
    storage = optuna.storages.InMemoryStorage()
    with local_cluster(1) as cluster:
        study = optbench.search("quadratic", "sgd_momentum", convergence.search_space(), "random", 3, steps=40,
                                options={"n": 10}, fixed=convergence.fixed("sgd_momentum"), score="tail_gap",
                                f_star=0.0, storage=storage, scheduler=cluster.scheduler_address)
    best = study.best_trial
    lr, record = convergence.best_run("sgd_momentum", problem, 40, 0.0, best)
    assert lr == best.params["learning_rate"] and tail_gap(record) == best.value
    assert record.settings["momentum"] == settings.MOMENTUM
    wrong = optuna.trial.create_trial(params=best.params, distributions=best.distributions,
                                      value=best.value + 1e-12, user_attrs=best.user_attrs)
    with pytest.raises(RuntimeError, match="the run again scores"):
        convergence.best_run("sgd_momentum", problem, 40, 0.0, wrong)
