import numpy as np
import pytest

from optbench.problems import get_problem


def test_bowl_2d_is_shallow_horizontally_and_steep_vertically():
    bowl = get_problem("quadratic", condition=100.0)
    assert bowl.options == {"n": 2, "condition": 100.0, "rotate": False}
    f, g = bowl.loss_and_gradient(np.array([3.0, -2.0]))
    assert f == pytest.approx(0.5 * (9 / 100 + 4))
    np.testing.assert_allclose(g, [3 / 100, -2.0])


@pytest.mark.parametrize("condition", [10.0, 1e4, 1e6])
def test_nd_bowl_has_the_requested_condition_number(condition):
    bowl = get_problem("quadratic", n=50, condition=condition)
    curvatures = np.linalg.eigvalsh(bowl.matrix)
    assert curvatures.max() == pytest.approx(1.0, rel=1e-9)
    assert curvatures.max() / curvatures.min() == pytest.approx(condition, rel=1e-6)


def test_nd_rotation_is_fixed_orthogonal_and_not_the_identity():
    bowl, again = get_problem("quadratic", n=20), get_problem("quadratic", n=20)
    Q = bowl.rotation
    np.testing.assert_allclose(Q.T @ Q, np.eye(20), atol=1e-12)
    np.testing.assert_array_equal(Q, again.rotation)
    assert np.sum(np.abs(bowl.matrix - np.diag(np.diag(bowl.matrix)))) > 1.0


def test_gradient_is_hessian_times_x():
    bowl = get_problem("quadratic", n=20, condition=1e3)
    x = np.random.default_rng(0).standard_normal(20)
    f, g = bowl.loss_and_gradient(x)
    np.testing.assert_allclose(g, bowl.matrix @ x, rtol=1e-12)
    assert f == pytest.approx(0.5 * x @ bowl.matrix @ x, rel=1e-12)


def test_unrotated_nd_bowl_is_diagonal():
    bowl = get_problem("quadratic", n=5, condition=1e4, rotate=False)
    x = np.ones(5)
    np.testing.assert_allclose(bowl.gradient(x), np.logspace(-4, 0, 5))


@pytest.mark.parametrize("n", [2, 30])
def test_start_point_is_plus_minus_one_along_every_eigenvector(n):
    bowl = get_problem("quadratic", n=n, condition=1e4)
    eigenbasis = np.eye(n) if bowl.rotation is None else bowl.rotation
    for seed in range(3):
        np.testing.assert_allclose(np.abs(eigenbasis.T @ bowl.x0(seed)), 1.0, rtol=1e-12)
        assert bowl.loss(bowl.x0(seed)) == pytest.approx(0.5 * bowl.curvatures.sum(), rel=1e-12)


def test_minimum_is_zero_at_the_origin():
    bowl = get_problem("quadratic", n=10)
    assert bowl.f_star == 0.0
    assert bowl.loss_and_gradient(np.zeros(10)) == (0.0, pytest.approx(np.zeros(10)))
