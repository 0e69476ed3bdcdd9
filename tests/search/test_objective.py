"""The objective: one run per trial, scored by validation accuracy or the final gap."""

import math
import pickle

import pytest

from optbench.problems import get_problem
from optbench.search.objective import Objective
from optbench.search.space import parse_space
from optbench.training import run
from optbench.training.babysitting import GROWTH_LIMIT


def quadratic(steps=30):
    space = parse_space(["learning_rate=log(1e-3,10)"], "sgd", "quadratic")
    return Objective("sgd", "quadratic", space, steps=steps, options={"n": 10})


def test_the_gap_is_minimized_and_is_the_runs_final_gap():
    objective = quadratic()
    assert objective.direction == "minimize"
    value, attrs = objective({"learning_rate": 0.01})
    record = run("sgd", get_problem("quadratic", n=10), steps=30, learning_rate=0.01)
    assert value == record.final_gap == attrs["final_gap"]
    assert attrs["diverged"] is False and attrs["steps"] == 30 and attrs["seconds"] >= 0


def test_a_diverged_run_completes_with_the_worst_finite_gap():
    value, attrs = quadratic()({"learning_rate": 10.0})
    assert attrs["diverged"] is True and attrs["steps"] < 30
    assert math.isfinite(value) and value == pytest.approx(GROWTH_LIMIT * attrs["f0"])  # f* = 0 for the bowl
    good, _ = quadratic()({"learning_rate": 0.01})
    assert value > good


def test_validation_accuracy_is_maximized_on_a_data_problem():
    space = parse_space(["learning_rate=log(1e-7,1e-1)", "reg=log(1e-5,1e-1)"], "sgd", "softmax")
    objective = Objective("sgd", "softmax", space, epochs=1, batch_size=200)
    assert objective.direction == "maximize"
    value, attrs = objective({"learning_rate": 1e-2, "reg": 1e-4})
    assert 0.5 < value <= 1.0 and value == attrs["val_acc"] and not attrs["diverged"]
    worst, attrs = objective({"learning_rate": 1e6, "reg": 1e-4})
    assert attrs["diverged"] is True and worst == 0.0


def test_the_objective_pickles_for_the_workers():
    objective = quadratic()
    again = pickle.loads(pickle.dumps(objective))
    assert again == objective and again.direction == "minimize"
    assert again({"learning_rate": 0.01})[0] == objective({"learning_rate": 0.01})[0]


@pytest.mark.parametrize("settings, message", [
    ({"steps": None}, "exactly one of steps or epochs"),
    ({"epochs": 2}, "exactly one of steps or epochs"),
    ({"steps": None, "epochs": 2}, "no training set, so no epochs"),
    ({"steps": 0}, "steps"),
])
def test_bad_lengths_are_refused_before_any_run(settings, message):
    space = parse_space(["learning_rate=log(1e-3,1)"], "sgd", "quadratic")
    with pytest.raises(ValueError, match=message):
        Objective("sgd", "quadratic", space, **{"steps": 10, **settings})


def test_parameters_outside_the_space_are_refused():
    with pytest.raises(ValueError, match="not in the search space"):
        quadratic()({"momentum": 0.9})


def momentum_objective(**settings):
    space = parse_space(["learning_rate=log(1e-3,10)"], "sgd_momentum", "quadratic")
    return Objective("sgd_momentum", "quadratic", space, steps=30, options={"n": 10}, **settings)


def test_fixed_hyperparameters_reach_every_run():
    value, _ = momentum_objective(fixed={"momentum": 0.5})({"learning_rate": 0.01})
    problem = get_problem("quadratic", n=10)
    assert value == run("sgd_momentum", problem, steps=30, learning_rate=0.01, momentum=0.5).final_gap
    assert value != run("sgd_momentum", problem, steps=30, learning_rate=0.01).final_gap  # the default, 0.9
    assert momentum_objective(fixed={"momentum": 0.5}).describe()["fixed"] == {"momentum": 0.5}


@pytest.mark.parametrize("fixed, message", [
    ({"learning_rate": 0.1}, "both searched and fixed"),
    ({"beta1": 0.9}, "unknown hyperparameter"),
    ({"momentum": 1.5}, "momentum"),
])
def test_bad_fixed_hyperparameters_are_refused(fixed, message):
    with pytest.raises(ValueError, match=message):
        momentum_objective(fixed=fixed)


def test_the_tail_gap_is_the_log_geometric_mean_of_the_second_half():
    objective = momentum_objective(score="tail_gap", f_star=-1.0)
    assert objective.direction == "minimize"
    value, attrs = objective({"learning_rate": 0.01})
    record = run("sgd_momentum", get_problem("quadratic", n=10), steps=30, learning_rate=0.01, f_star=-1.0)
    losses = [*record.loss[:30], record.f_final]  # f at x_0 .. x_30; the tail is x_15 .. x_30
    assert len(losses) == 31
    expected = sum(math.log10(f + 1.0) for f in losses[15:]) / 16
    assert value == pytest.approx(expected, rel=1e-12) and attrs["final_gap"] == record.final_gap
    worst, attrs = objective({"learning_rate": 10.0})
    assert attrs["diverged"] and worst == pytest.approx(math.log10(GROWTH_LIMIT * (attrs["f0"] + 1.0)))
    assert worst > value


@pytest.mark.parametrize("settings, message", [
    ({"score": "val_acc"}, "no validation set"),
    ({"score": "best"}, "unknown score 'best'; choose one of val_acc, final_gap, tail_gap"),
    ({"f_star": math.nan}, "f_star must be a finite number"),
])
def test_bad_scores_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        momentum_objective(**settings)


def test_a_data_problem_can_be_scored_by_its_gap_to_a_given_f_star():
    space = parse_space(["learning_rate=log(1e-7,1e-1)"], "sgd", "softmax")
    objective = Objective("sgd", "softmax", space, steps=5, score="final_gap", f_star=0.25)
    value, attrs = objective({"learning_rate": 1e-3})
    assert objective.direction == "minimize" and value == attrs["final_gap"]
    record = run("sgd", get_problem("softmax"), steps=5, learning_rate=1e-3, f_star=0.25)
    assert value == record.final_gap == record.f_final - 0.25
