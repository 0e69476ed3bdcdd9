"""The contract all full-batch solvers share (`objective.py`): bad x0, a fun that breaks
its (f, g) contract, bad settings and a bad Hessian give a clear error naming the
solver, and nothing is modified."""

import numpy as np
import pytest

from optbench.solvers.bfgs import bfgs
from optbench.solvers.lbfgs import lbfgs
from optbench.solvers.newton import newton


def bowl(x):
    return 0.5 * float(x @ x), x.copy()


def identity(x):
    return np.eye(x.size)


SOLVERS = {
    "lbfgs": lambda fun, x0, **kw: lbfgs(fun, x0, **kw),
    "bfgs": lambda fun, x0, **kw: bfgs(fun, x0, **kw),
    "newton": lambda fun, x0, **kw: newton(fun, x0, identity, **kw),
}


@pytest.fixture(params=SOLVERS)
def solver(request):
    return request.param, SOLVERS[request.param]


@pytest.mark.parametrize(
    "x0, match",
    [
        (np.zeros((2, 2)), "1-D"),
        (np.zeros(0), "non-empty"),
        (np.array([1.0, np.nan]), "finite"),
        (np.array([1.0, np.inf]), "finite"),
        (np.array(["a", "b"]), "real"),
        (np.array([1 + 1j]), "real"),
        (3.0, "1-D"),
    ],
)
def test_bad_x0(solver, x0, match):
    name, solve = solver
    with pytest.raises(ValueError, match=f"{name}: x0 .*{match}"):
        solve(bowl, x0)


@pytest.mark.parametrize(
    "fun, match",
    [
        (lambda x: 0.5 * float(x @ x), "tuple"),
        (lambda x: (0.0, np.zeros(2)), r"shape \(2,\), expected \(3,\)"),
        (lambda x: (np.zeros(3), x), "scalar f"),
        (lambda x: (np.nan, x), "finite"),
        (lambda x: (0.0, np.full(3, np.inf)), "finite"),
    ],
)
def test_bad_fun_at_x0(solver, fun, match):
    name, solve = solver
    x0 = np.ones(3)
    with pytest.raises(ValueError, match=f"{name}: .*{match}"):
        solve(fun, x0)
    np.testing.assert_array_equal(x0, np.ones(3))


def test_gradient_shape_changing_mid_run_is_an_error(solver):
    name, solve = solver
    calls = []

    def fun(x):
        calls.append(1)
        return bowl(x) if len(calls) < 2 else (0.0, np.zeros(5))

    x0 = np.ones(3)
    with pytest.raises(ValueError, match=rf"{name}: fun\(x\) returned a gradient of shape \(5,\)"):
        solve(fun, x0)
    np.testing.assert_array_equal(x0, np.ones(3))


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(maxiter=0), ValueError),
        (dict(maxiter=2.5), TypeError),
        (dict(maxls=0), ValueError),
        (dict(gtol=-1.0), ValueError),
        (dict(gtol=np.nan), ValueError),
        (dict(callback=3), TypeError),
    ],
)
def test_bad_settings(solver, kwargs, error):
    name, solve = solver
    with pytest.raises(error, match=f"{name}: "):
        solve(bowl, np.ones(2), **kwargs)


@pytest.mark.parametrize(
    "H, error, match",
    [
        (np.eye(3), ValueError, r"must have shape \(2, 2\), got \(3, 3\)"),
        (np.array([[1.0, 0.5], [0.0, 1.0]]), ValueError, "must be symmetric"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), ValueError, "must be finite"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "must be a real array"),
    ],
)
def test_a_bad_hessian_is_refused_before_any_step(H, error, match):
    x0 = np.ones(2)
    with pytest.raises(error, match=f"newton: hess\\(x\\): the Hessian {match}"):
        newton(bowl, x0, lambda x: H)
    np.testing.assert_array_equal(x0, np.ones(2))
