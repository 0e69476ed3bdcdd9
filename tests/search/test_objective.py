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
