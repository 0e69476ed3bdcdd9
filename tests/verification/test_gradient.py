"""The finite-difference gradient check: the checker itself, every problem's gradient,
and deliberately wrong gradients that it must reject."""

import numpy as np
import pytest

from optbench.problems import get_problem, problem_names
from optbench.verification.gradient import DEFAULT_COUNT, gradient_check

EPS = np.finfo(np.float64).eps
PASS = 1e-6  # the largest relative error a correct float64 gradient may show
FAIL = 1e-3  # the smallest relative error a wrong gradient must show


def sines(x):
    return float(np.sum(np.sin(x))), np.cos(x)


# The checker


def test_correct_gradient_passes_and_scaled_gradient_fails():
    x = np.linspace(-2.0, 2.0, 7)
    assert gradient_check(sines, x).max_relative_error < 1e-9
    wrong = gradient_check(lambda x: (sines(x)[0], 1.01 * np.cos(x)), x)
    assert wrong.max_relative_error == pytest.approx(0.01 / 2.01, rel=1e-4)


def test_numeric_derivative_is_the_centered_difference():
    x = np.array([0.3, -1.1])
    result = gradient_check(lambda x: (float(np.sum(x**3)), np.zeros(2)), x, h=0.1)
    # (x+h)^3 - (x-h)^3 = 6 x^2 h + 2 h^3, so the quotient is 3 x^2 + h^2
    np.testing.assert_allclose(result.numeric, 3 * x**2 + 0.01, rtol=1e-12)
    np.testing.assert_array_equal(result.relative_error, np.ones(2))


def test_x_is_not_modified_and_each_perturbation_is_restored_exactly():
    x = np.random.default_rng(0).standard_normal(50)
    before = x.copy()
    seen = []

    def fun(z):
        seen.append(z.copy())
        return sines(z)

    gradient_check(fun, x, h=1e-3)
    np.testing.assert_array_equal(x, before)
    differing = [np.flatnonzero(z != before) for z in seen]
    assert len(differing[0]) == 0
    assert all(len(d) == 1 for d in differing[1:])
    assert sorted(d[0] for d in differing[1:]) == sorted(2 * list(range(50)))


def test_coordinate_selection():
    small, big = np.zeros(DEFAULT_COUNT), np.zeros(DEFAULT_COUNT + 1)
    np.testing.assert_array_equal(gradient_check(sines, small).indices, np.arange(DEFAULT_COUNT))
    subset = gradient_check(sines, big, seed=3).indices
    assert len(np.unique(subset)) == DEFAULT_COUNT and subset.max() <= DEFAULT_COUNT
    np.testing.assert_array_equal(subset, gradient_check(sines, big, seed=3).indices)
    assert not np.array_equal(subset, gradient_check(sines, big, seed=4).indices)
    assert len(gradient_check(sines, big, indices=5).indices) == 5
    np.testing.assert_array_equal(gradient_check(sines, big, indices=[7, 2]).indices, [7, 2])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=np.zeros((2, 2))), "1-D float64"),
        (dict(x=np.arange(3)), "1-D float64"),
        (dict(x=np.array([0.0, np.nan])), "finite"),
        (dict(h=0.0), "h must be"),
        (dict(h=np.inf), "h must be"),
        (dict(indices=0), r"in \[1, 3\]"),
        (dict(indices=[3]), r"in \[0, 3\)"),
        (dict(indices=[0.5]), "integer array"),
        (dict(indices=[]), "non-empty"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    arguments = dict(fun=sines, x=np.zeros(3)) | kwargs
    with pytest.raises(ValueError, match=match):
        gradient_check(**arguments)


def test_wrong_gradient_shape_is_refused():
    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(3,\)"):
        gradient_check(lambda x: (0.0, np.zeros(2)), np.zeros(3))


# Every problem's gradient
#
# A centered difference of f has rounding noise of about eps |f| / h, so a coordinate
# can only show a relative error below 1e-6 if its derivative is at least 1e6 times
# that; smaller derivatives (the reg-only weights of the always-blank digits pixels,
# chance cancellations) are checked in absolute terms instead, to 10 times the noise.
# A ReLU kink within h of x spoils the difference quotient, so two_layer checks only
# coordinates whose +-2h perturbation flips no hidden unit.

CASES = {
    "quadratic": [dict(), dict(n=100, condition=1e4)],
    "rosenbrock": [dict(), dict(n=10)],
    "softmax": [dict(), dict(reg=1.0)],
    "two_layer": [dict(), dict(hidden_size=10, reg=1e-6)],
    "mlp": [dict(activation="tanh", width=10), dict(activation="sigmoid", width=6, hidden_layers=3, batchnorm=True,
                                                   dropout=0.7)],  # smooth: no kinks on the full set
}


def test_every_problem_has_gradient_cases():
    assert sorted(CASES) == sorted(problem_names())


def kink_free(problem, x, h):
    """Mask of coordinates whose +-2h perturbation changes no ReLU's on/off state."""
    if problem.name != "two_layer":
        return np.ones(problem.n, dtype=bool)
    params, X = problem.params(x), problem.data.X_train
    margin = np.abs(X @ params["W1"] + params["b1"])  # N x H distances to the kinks
    with np.errstate(divide="ignore"):
        w1_margin = np.min(margin[:, None, :] / np.abs(X)[:, :, None], axis=0)
    mask = problem.params(np.ones(problem.n, dtype=bool))
    mask["W1"][...] = w1_margin > 2 * h
    mask["b1"][...] = margin.min(axis=0) > 2 * h
    return np.concatenate([m.ravel() for m in mask.values()])


def checked_coordinates(problem, x, h, count=DEFAULT_COUNT, seed=0):
    f, g = problem.loss_and_gradient(x)
    noise = EPS * max(abs(f), 1.0) / h
    usable = kink_free(problem, x, h)
    relative = np.flatnonzero(usable & (np.abs(g) >= noise / PASS))
    absolute = np.flatnonzero(usable & (np.abs(g) < noise / PASS))
    rng = np.random.default_rng(seed)
    pick = rng.choice(relative, size=min(count, relative.size), replace=False)
    return np.sort(pick), absolute, noise


@pytest.mark.parametrize("name, options", [(n, o) for n, cases in CASES.items() for o in cases])
def test_problem_gradient_passes(name, options):
    problem = get_problem(name, **options)
    x, h = problem.x0(seed=0), 1e-5
    relative, absolute, noise = checked_coordinates(problem, x, h)
    assert relative.size >= min(problem.n, DEFAULT_COUNT) // 2
    assert gradient_check(problem.loss_and_gradient, x, h=h, indices=relative).max_relative_error < PASS
    if absolute.size:
        small = gradient_check(problem.loss_and_gradient, x, h=h, indices=absolute)
        assert np.max(np.abs(small.analytic - small.numeric)) < 10 * noise


# Deliberately wrong gradients must fail


def scaled(problem):
    return lambda x: (problem.loss(x), 1.01 * problem.gradient(x))


def without_reg(problem, name):
    def fun(x):
        f, g = problem.loss_and_gradient(x)
        problem.params(g)[name][...] -= problem.reg * problem.params(x)[name]
        return f, g

    return fun


def two_layer_without_relu_mask(problem):
    """The gradient of the two-layer net as if dz = dh (the ReLU's mask forgotten)."""

    def fun(x):
        f, g = problem.loss_and_gradient(x)
        params, grads = problem.params(x), problem.params(g)
        X, y = problem.data.X_train, problem.data.y_train
        hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
        scores = hidden @ params["W2"] + params["b2"]
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1.0
        dh = probs @ params["W2"].T / len(y)
        grads["W1"][...] = X.T @ dh + problem.reg * params["W1"]
        grads["b1"][...] = dh.sum(axis=0)
        return f, g

    return fun


WRONG = {
    "quadratic gradient x 1.01": (dict(name="quadratic", n=20, condition=1e3), scaled),
    "rosenbrock gradient x 1.01": (dict(name="rosenbrock", n=5), scaled),
    "softmax gradient x 1.01": (dict(name="softmax"), scaled),
    "softmax without reg W": (dict(name="softmax", reg=1.0), lambda p: without_reg(p, "W")),
    "two_layer without reg W1": (dict(name="two_layer", hidden_size=10, reg=0.1), lambda p: without_reg(p, "W1")),
    "two_layer without ReLU mask": (dict(name="two_layer", hidden_size=10), two_layer_without_relu_mask),
}


@pytest.mark.parametrize("case", WRONG)
def test_wrong_gradient_fails(case):
    options, wrong = WRONG[case]
    problem = get_problem(**options)
    x = problem.x0(seed=0)
    relative, _, _ = checked_coordinates(problem, x, 1e-5, count=50)
    assert gradient_check(problem.loss_and_gradient, x, indices=relative).max_relative_error < PASS
    assert gradient_check(wrong(problem), x, indices=relative).max_relative_error > FAIL


def test_floor_measures_tiny_derivatives_against_the_noise():
    """f = 1 + 1e-12 x^2 / 2 at x = 1: the derivative 1e-12 is below the difference
    quotient's rounding noise (eps / h ~ 2e-11), so relative to itself it fails; with
    the floor at noise / 1e-6 it passes: it is right to the noise. A wrong gradient of
    1e-5, above the noise, still fails."""
    def fun(x, scale=1.0):
        return 1.0 + 0.5e-12 * x[0] ** 2, scale * 1e-12 * x

    x = np.array([1.0])
    noise = 10 * np.finfo(np.float64).eps / 1e-5
    assert gradient_check(fun, x).max_relative_error > 1e-6
    assert gradient_check(fun, x, floor=noise / 1e-6).max_relative_error <= 1e-6
    assert gradient_check(lambda x: fun(x, 1e7), x, floor=noise / 1e-6).max_relative_error > 1e-6
