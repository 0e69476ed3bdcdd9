"""The problem registry and the interface every problem shares."""

import math

import numpy as np
import pytest

from optbench.problems import get_problem, problem_names, problem_options

SMALL = {
    "quadratic": dict(n=10, condition=1e3),
    "rosenbrock": dict(n=4),
    "softmax": dict(reg=0.1),
    "two_layer": dict(hidden_size=5, reg=0.1),
    "mlp": dict(hidden_layers=2, width=4, activation="tanh", dropout=0.8, reg=0.5),  # f* in ~100 iterations
}


def test_every_problem_has_a_small_case_here():
    assert sorted(SMALL) == sorted(problem_names())


def test_unknown_problem_names_the_choices():
    valid = "quadratic, rosenbrock, softmax, two_layer"
    with pytest.raises(ValueError, match=f"unknown problem 'bowl'; valid choices: {valid}"):
        get_problem("bowl")


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown option.* learning_rate .*'softmax'; valid options: reg"):
        get_problem("softmax", learning_rate=0.1)
    assert problem_options("two_layer") == {"hidden_size": 50, "reg": 1e-3, "weight_scale": None}


@pytest.mark.parametrize(
    "name, options, error, match",
    [
        ("quadratic", dict(condition=0.5), ValueError, "condition must be in"),
        ("quadratic", dict(condition=1e7), ValueError, "condition must be in"),
        ("quadratic", dict(n=1), ValueError, "n must be >= 2"),
        ("quadratic", dict(n=2.0), TypeError, "n must be a whole number"),
        ("quadratic", dict(rotate="yes"), TypeError, "rotate"),
        ("quadratic", dict(n=5000, rotate=True), ValueError, "n must be <= 4096 with rotate=True"),
        ("rosenbrock", dict(n=1), ValueError, "n must be >= 2"),
        ("softmax", dict(reg=-1e-3), ValueError, "reg must be in"),
        ("softmax", dict(reg=np.nan), ValueError, "reg must not be NaN"),
        ("softmax", dict(reg="0.1"), TypeError, "reg must be a real number"),
        ("two_layer", dict(hidden_size=0), ValueError, "hidden_size must be >= 1"),
        ("two_layer", dict(hidden_size=True), TypeError, "hidden_size must be a whole number"),
    ],
)
def test_bad_option_values(name, options, error, match):
    with pytest.raises(error, match=f"problem '{name}': option {match}"):
        get_problem(name, **options)


@pytest.fixture(params=problem_names())
def problem(request):
    return get_problem(request.param, **SMALL[request.param])


def test_interface(problem):
    x = problem.x0(seed=0)
    assert x.shape == (problem.n,) and x.dtype == np.float64
    before = x.copy()
    f, g = problem.loss_and_gradient(x)
    np.testing.assert_array_equal(x, before)
    assert isinstance(f, float) and math.isfinite(f)
    assert g.shape == (problem.n,) and g.dtype == np.float64
    assert problem.loss(x) == f
    np.testing.assert_array_equal(problem.gradient(x), g)
    assert problem.f_star <= f


def test_start_point_is_seeded(problem):
    np.testing.assert_array_equal(problem.x0(seed=3), problem.x0(seed=3))
    assert not np.array_equal(problem.x0(seed=3), problem.x0(seed=4))


def test_repr_rebuilds_the_problem(problem):
    rebuilt = eval(repr(problem), {"get_problem": get_problem})
    assert rebuilt.options == problem.options
    x = problem.x0()
    assert rebuilt.loss(x) == problem.loss(x)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 2)), "x"])
def test_wrong_x_is_refused(problem, bad):
    with pytest.raises(ValueError, match=f"problem '{problem.name}' takes a float64 vector of shape"):
        problem.loss_and_gradient(bad)


def test_float32_x_is_refused(problem):
    with pytest.raises(ValueError, match="float64"):
        problem.loss(problem.x0().astype(np.float32))


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), (None, TypeError)])
def test_bad_seed(problem, seed, error):
    with pytest.raises(error, match="seed"):
        problem.x0(seed)
