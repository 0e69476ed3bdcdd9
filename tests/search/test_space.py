"""Search ranges in optbench's names, their errors, and grids of k^d points."""

import pytest
from optuna.distributions import FloatDistribution

from optbench.search.space import grid_search_space, parse_axis, parse_space, values_per_axis


def test_log_and_uniform_ranges_become_optuna_distributions():
    lr, momentum = parse_space(["learning_rate=log(1e-4, 1e-1)", " momentum = uniform(0.5,0.99) "],
                               "sgd_momentum", "quadratic")
    assert lr.distribution() == FloatDistribution(1e-4, 1e-1, log=True)
    assert momentum.distribution() == FloatDistribution(0.5, 0.99, log=False)
    assert (lr.target, momentum.target) == ("hyperparameter", "hyperparameter")


def test_a_problem_option_is_searchable():
    (reg,) = parse_space(["reg=log(1e-6,1e-1)"], "sgd", "softmax")
    assert reg.target == "option" and reg.log


@pytest.mark.parametrize("text, message", [
    ("learning_rate=log(1e-4)", "cannot read the search range"),
    ("learning_rate=1e-4,1e-1", "cannot read the search range"),
    ("learning_rate=normal(1e-4,1e-1)", "unknown kind 'normal'"),
    ("learning_rate=log(a,1e-1)", "'a' is not a number"),
    ("learning_rate=log(1e-4,inf)", "must be finite"),
    ("learning_rate=log(1e-1,1e-4)", "LOW must be below HIGH"),
    ("learning_rate=uniform(0.1,0.1)", "LOW must be below HIGH"),
    ("learning_rate=log(0,1e-1)", "a log range must be positive"),
    ("momentum=uniform(-1,0.5)", "LOW: momentum must be in [0, 1)"),
    ("momentum=uniform(0.5,1)", "HIGH: momentum must be in [0, 1)"),
    ("beta=log(1e-4,1e-1)", "valid names: learning_rate, momentum, condition"),
    ("n=uniform(10,100)", "valid names"),
    ("reg=uniform(-1,1)", "LOW"),
])
def test_bad_ranges_are_value_errors_saying_what_is_wrong(text, message):
    problem = "softmax" if text.startswith("reg") else "quadratic"
    with pytest.raises(ValueError) as info:
        parse_axis(text, "sgd_momentum", problem)
    assert message in str(info.value), str(info.value)


def test_a_name_takes_one_range_and_a_space_one_or_more():
    with pytest.raises(ValueError, match="repeated: learning_rate"):
        parse_space(["learning_rate=log(1e-4,1e-1)", "learning_rate=log(1e-3,1)"], "sgd", "quadratic")
    with pytest.raises(ValueError, match="at least one"):
        parse_space([], "sgd", "quadratic")


def test_a_fixed_option_cannot_also_be_searched():
    with pytest.raises(ValueError, match="also fixed"):
        parse_axis("reg=log(1e-5,1e-1)", "sgd", "softmax", options={"reg": 1e-3})


def test_grid_values_are_log_spaced_on_log_axes_and_even_on_uniform_ones():
    space = parse_space(["learning_rate=log(1e-4,1e-1)", "momentum=uniform(0.5,0.9)"], "sgd_momentum", "quadratic")
    grid = grid_search_space(space, 16)
    assert grid["learning_rate"] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert grid["learning_rate"][0] == 1e-4 and grid["learning_rate"][-1] == 1e-1
    assert grid["momentum"] == pytest.approx([0.5, 0.5 + 0.4 / 3, 0.5 + 0.8 / 3, 0.9])
    assert grid_search_space(space[:1], 1) == {"learning_rate": [pytest.approx(10**-2.5)]}


@pytest.mark.parametrize("n, d, nearest", [
    (10, 2, "the nearest are 9 (3 per axis) and 16 (4 per axis)"),
    (30, 3, "the nearest are 27 (3 per axis) and 64 (4 per axis)"),
    (2, 2, "the nearest are 1 (1 per axis) and 4 (2 per axis)"),
])
def test_a_trial_count_that_is_not_a_power_is_refused_naming_the_nearest(n, d, nearest):
    with pytest.raises(ValueError) as info:
        values_per_axis(n, d)
    assert f"{n} is not one" in str(info.value) and nearest in str(info.value)


def test_whole_powers_form_grids():
    assert [values_per_axis(n, d) for n, d in ((7, 1), (49, 2), (125, 3), (1, 3))] == [7, 7, 5, 1]
