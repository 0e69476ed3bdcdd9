import numpy as np
import pytest
import scipy.optimize

from optbench.problems import get_problem


def test_classical_2d_values():
    banana = get_problem("rosenbrock")
    np.testing.assert_array_equal(banana.x0(seed=0), [-1.2, 1.0])
    np.testing.assert_array_equal(banana.x0(seed=5), [-1.2, 1.0])
    f, g = banana.loss_and_gradient(np.array([-1.2, 1.0]))
    assert f == pytest.approx(24.2)
    np.testing.assert_allclose(g, [-215.6, -88.0])


@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_chained_nd_matches_scipy(n):
    banana = get_problem("rosenbrock", n=n)
    x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
    f, g = banana.loss_and_gradient(x)
    assert f == pytest.approx(scipy.optimize.rosen(x), rel=1e-14)
    np.testing.assert_allclose(g, scipy.optimize.rosen_der(x), rtol=1e-13)


def test_minimum_is_zero_at_ones():
    banana = get_problem("rosenbrock", n=7)
    assert banana.f_star == 0.0
    f, g = banana.loss_and_gradient(np.ones(7))
    assert f == 0.0 and not np.any(g)


def test_nd_start_point_is_the_classical_pattern_plus_seeded_noise():
    banana = get_problem("rosenbrock", n=1000)
    noise = banana.x0(seed=2) - np.tile([-1.2, 1.0], 500)
    assert 0.09 < noise.std() < 0.11
    assert abs(noise.mean()) < 0.01
